package cli

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/video-platform/video-platform/infra/workflow"
)

func newHousekeepingCmd(inv *invocation) *cobra.Command {
	var o workflow.HousekeepingOptions
	cmd := &cobra.Command{
		Use:   "housekeeping <env>",
		Short: "Retire drained copies, drop empty transcoder releases, report what needs someone",
		Long: `Housekeeping is safe to run every 15 minutes (.github/workflows/housekeeping.yml):
  - retires each copy a swap left behind once its traffic has stopped (the
    checks of retire); never the live color, a canary target, or a release
    staged on the idle copy; a copy that keeps traffic longer than --max-idle
    after its swap is reported, not retired;
  - drops transcoder releases whose groups are empty (roll --gc);
  - reports phantom groups, outdated instances and drains past their hook's
    heartbeat (what status shows);
  - checks that every image a stack references exists, and keeps exactly
    those protected from the registry's lifecycle policy (keep-<release>).
One line per finding, or --json. Exits 1 when a finding needs attention.`,
		Example: `  infra housekeeping prod
  infra housekeeping prod --json`,
		GroupID:           groupDeploy,
		Args:              exactArgs("<env>"),
		ValidArgsFunction: completeArgs(envs),
		RunE: inv.runWorkflow(func(ctx context.Context, w *workflow.Workflow, args []string) error {
			o.Env = args[0]
			return w.Housekeeping(ctx, o)
		}),
	}
	f := cmd.Flags()
	f.DurationVar(&o.MaxIdle, "max-idle", workflow.DefaultMaxIdle, "how long a swapped-out copy may keep traffic before it is reported")
	f.DurationVar(&o.MinWait, "min-wait", workflow.DefaultRetireMinWait, "least time since the swap before a copy is retired")
	f.DurationVar(&o.QuietFor, "quiet-for", workflow.DefaultRetireQuietFor, "how long a copy's load balancer must have had no requests and no connections")
	f.BoolVar(&o.JSON, "json", false, "print the findings as a JSON array")
	breakLockFlag(f, &o.BreakLock)
	return cmd
}
