package cli

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/video-platform/video-platform/infra/workflow"
)

func newPreviewCmd(inv *invocation) *cobra.Command {
	var o workflow.PreviewOptions
	cmd := &cobra.Command{
		Use:   "preview <env>",
		Short: "Preview an env's stacks in dependency order, behind the traffic guard",
		Long: `Preview an env's stacks in dependency order: the base, then the copies and the
transcoders in parallel, then DNS. Refused before any stack runs when the
config would scale a copy that takes traffic below one instance, or move
traffic outside infra swap. Takes no lock.`,
		GroupID:           groupDeploy,
		Args:              exactArgs("<env>"),
		ValidArgsFunction: completeArgs(envs),
		RunE: inv.runWorkflow(func(ctx context.Context, w *workflow.Workflow, args []string) error {
			o.Env = args[0]
			return w.Preview(ctx, o)
		}),
	}
	stackFlag(cmd.Flags(), &o.Stacks, "preview")
	policyPackFlag(cmd.Flags(), &o.PolicyPacks)
	completeFlag(cmd, "stack", envStacks)
	return cmd
}
