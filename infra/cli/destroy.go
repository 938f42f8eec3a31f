package cli

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/video-platform/video-platform/infra/workflow"
)

func newDestroyCmd(inv *invocation) *cobra.Command {
	var o workflow.DestroyOptions
	cmd := &cobra.Command{
		Use:   "destroy <env>",
		Short: "Destroy an env's stacks in reverse order; refuses a copy that takes traffic",
		Long: `Destroy an env's stacks in reverse dependency order: DNS first, the base last.
The traffic guard refuses a copy that takes any traffic, a canary share
included. A copy's load balancer is unprotected first, and the DNS stack then
drops the copy's records.`,
		Example:           `  infra destroy prod --stack prod-web-green`,
		GroupID:           groupDeploy,
		Args:              exactArgs("<env>"),
		ValidArgsFunction: completeArgs(envs),
		RunE: inv.runWorkflow(func(ctx context.Context, w *workflow.Workflow, args []string) error {
			o.Env = args[0]
			return w.Destroy(ctx, o)
		}),
	}
	stackFlag(cmd.Flags(), &o.Stacks, "destroy")
	cmd.Flags().BoolVar(&o.Force, "force", false, "skip the traffic guard")
	breakLockFlag(cmd.Flags(), &o.BreakLock)
	completeFlag(cmd, "stack", envStacks)
	return cmd
}
