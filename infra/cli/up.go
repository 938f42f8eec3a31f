package cli

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/video-platform/video-platform/infra/workflow"
)

func newUpCmd(inv *invocation) *cobra.Command {
	var o workflow.UpOptions
	cmd := &cobra.Command{
		Use:   "up <env>",
		Short: "Deploy an env's stacks in dependency order, behind the traffic guard",
		Long: `Deploy an env's stacks in dependency order: the base, then the copies and the
transcoders in parallel, then DNS. A failed stack skips the stacks that depend
on it. Refused before any stack runs when the config would scale a copy that
takes traffic below one instance, or move traffic outside infra swap.`,
		Example: `  infra up prod --stack prod-web-green
  infra up staging --policy-pack ./policies`,
		GroupID:           groupDeploy,
		Args:              exactArgs("<env>"),
		ValidArgsFunction: completeArgs(envs),
		RunE: inv.runWorkflow(func(ctx context.Context, w *workflow.Workflow, args []string) error {
			o.Env = args[0]
			return w.Up(ctx, o)
		}),
	}
	stackFlag(cmd.Flags(), &o.Stacks, "deploy")
	policyPackFlag(cmd.Flags(), &o.PolicyPacks)
	breakLockFlag(cmd.Flags(), &o.BreakLock)
	completeFlag(cmd, "stack", envStacks)
	return cmd
}
