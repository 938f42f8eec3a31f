package cli

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/video-platform/video-platform/infra/workflow"
)

func newRetireCmd(inv *invocation) *cobra.Command {
	var o workflow.RetireOptions
	cmd := &cobra.Command{
		Use:   "retire <env> <service> <color>",
		Short: "Scale an idle copy to zero, or destroy it, once its traffic has really stopped",
		Long: `Scale an idle copy to zero (or --destroy it) once at least 3 x the DNS TTL and
--min-wait have passed since the swap and its load balancer has had no
requests and no connections for --quiet-for. Refused for the live color and
while a canary sends it traffic. Prints the residual traffic every minute and
gives up after --timeout without changing anything.`,
		Example: `  infra retire prod web blue
  infra retire prod web blue --destroy
  infra retire prod web blue --no-wait    # only report whether it is idle`,
		GroupID:           groupDeploy,
		Args:              exactArgs("<env>", "<service>", "<color>"),
		ValidArgsFunction: completeArgs(envs, services, colors),
		RunE: inv.runWorkflow(func(ctx context.Context, w *workflow.Workflow, args []string) error {
			o.Env, o.Service, o.Color = args[0], args[1], args[2]
			return w.Retire(ctx, o)
		}),
	}
	f := cmd.Flags()
	f.BoolVar(&o.Destroy, "destroy", false, "destroy the copy's stack instead of scaling it to zero")
	f.DurationVar(&o.MinWait, "min-wait", workflow.DefaultRetireMinWait, "least time since the swap")
	f.DurationVar(&o.QuietFor, "quiet-for", workflow.DefaultRetireQuietFor, "how long the copy's load balancer must have had no requests and no connections")
	f.BoolVar(&o.NoWait, "no-wait", false, "only report whether the copy is idle; change nothing")
	f.DurationVar(&o.Timeout, "timeout", workflow.DefaultRetireTimeout, "give up waiting after this long")
	breakLockFlag(f, &o.BreakLock)
	return cmd
}
