package cli

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/video-platform/video-platform/infra/workflow"
)

func newRollbackCmd(inv *invocation) *cobra.Command {
	var o workflow.RollbackOptions
	cmd := &cobra.Command{
		Use:   "rollback <env> <service>",
		Short: "Swap a service back to the color its last swap recorded",
		Long: `Swap a service back to the color its last swap recorded (previous.<service>
in the DNS stack), with the same checks as a swap. In an emergency, when the
old copy's health checks are flapping, --force skips the health preflight.
For a specific color use infra swap <env> <service> --to <color>.`,
		Example: `  infra rollback prod web
  infra rollback prod web --force`,
		GroupID:           groupDeploy,
		Args:              exactArgs("<env>", "<service>"),
		ValidArgsFunction: completeArgs(envs, services),
		RunE: inv.runWorkflow(func(ctx context.Context, w *workflow.Workflow, args []string) error {
			o.Env, o.Service = args[0], args[1]
			return w.Rollback(ctx, o)
		}),
	}
	f := cmd.Flags()
	f.BoolVar(&o.Force, "force", false, "skip the health preflight (emergency)")
	f.BoolVar(&o.AllowSmaller, "allow-smaller", false, "allow a target with fewer instances in service than the live copy")
	breakLockFlag(f, &o.BreakLock)
	return cmd
}
