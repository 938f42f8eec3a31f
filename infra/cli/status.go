package cli

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/video-platform/video-platform/infra/workflow"
)

func newStatusCmd(inv *invocation) *cobra.Command {
	return &cobra.Command{
		Use:   "status <env>...",
		Short: "Show stacks, copies, transcoders and phantom groups of one or more envs",
		Long: `Show, per env, each stack's last update and result; per service and color the
release, live color, desired and in-service capacity and healthy targets; per
transcoder release its group and capacity, and the queue depth. Auto Scaling
groups tagged with the env that no stack declares are phantoms: listed (in red
on a terminal) and exit code 3.`,
		Example:           `  infra status prod staging`,
		GroupID:           groupDeploy,
		ValidArgsFunction: completeArgs(envs, envs),
		RunE: inv.runWorkflow(func(ctx context.Context, w *workflow.Workflow, args []string) error {
			return w.Status(ctx, workflow.StatusOptions{Envs: args})
		}),
	}
}
