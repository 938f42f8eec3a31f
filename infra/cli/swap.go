package cli

import (
	"context"
	"errors"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/video-platform/video-platform/infra/workflow"
)

func newSwapCmd(inv *invocation) *cobra.Command {
	var o workflow.SwapOptions
	cmd := &cobra.Command{
		Use:   "swap <env> <service>",
		Short: "Move a service's traffic to its other color, after checking that copy as it runs",
		Long: `Move a service's traffic to its other color (or --to), or with --canary send a
share of it there. The target copy must have every instance its group wants in
service, each a healthy target, and at least as many as the live copy
(--allow-smaller waives the last); a swap never skips this preflight (a
rollback --force does). Ends with what the deployed records serve:
"now live: web blue=0 green=100".`,
		Example: `  infra swap prod web --dry-run      # the offline diff; no credentials needed
  infra swap prod web
  infra swap prod web --to green
  infra swap prod web --canary 10    # --canary 0 ends it`,
		GroupID:           groupDeploy,
		Args:              exactArgs("<env>", "<service>"),
		ValidArgsFunction: completeArgs(envs, services),
		RunE: inv.runWorkflow(func(ctx context.Context, w *workflow.Workflow, args []string) error {
			o.Env, o.Service = args[0], args[1]
			return w.Swap(ctx, o)
		}),
	}
	f := cmd.Flags()
	f.StringVar(&o.To, "to", "", "the `color` to make live (default: the other one)")
	f.Var(percent{&o.Canary}, "canary", "percent of traffic (0..100) for the color that is not live, instead of a full swap; 0 ends a canary")
	f.BoolVar(&o.AllowSmaller, "allow-smaller", false, "allow a target with fewer instances in service than the live copy")
	f.BoolVar(&o.DryRun, "dry-run", false, "render the offline diff of the change, without Pulumi or AWS")
	breakLockFlag(f, &o.BreakLock)
	completeFlag(cmd, "to", colors)
	return cmd
}

// percent is --canary: unset means a full swap, so the option is a
// pointer and the flag has no default.
type percent struct{ p **int }

// String implements pflag.Value.
func (c percent) String() string {
	if *c.p == nil {
		return ""
	}
	return strconv.Itoa(**c.p)
}

// Set implements pflag.Value; the range is the workflow's to check.
func (c percent) Set(s string) error {
	n, err := strconv.Atoi(s)
	if err != nil {
		return errors.New("not a whole number; accepted 0..100 (percent for the non-live color)")
	}
	*c.p = &n
	return nil
}

// Type implements pflag.Value; help shows it as the value's name.
func (percent) Type() string { return "percent" }
