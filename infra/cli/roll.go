package cli

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/video-platform/video-platform/infra/workflow"
)

func newRollCmd(inv *invocation) *cobra.Command {
	var o workflow.RollOptions
	cmd := &cobra.Command{
		Use:   "roll <env> transcoders",
		Short: "Roll the transcoder fleet to a release in two phases; the old one drains",
		Long: `Roll the transcoder fleet to a release in two phases: the new release's group
starts beside the active one and must be fully in service within --timeout;
only then does it become active and the previous release drain. If it is not
ready in time its group is removed and nothing drains. Running the same
command again finishes a roll that stopped between the phases.`,
		Example: `  infra roll prod transcoders --release 2026.11.27-1
  infra roll prod transcoders --gc    # only drop empty draining releases`,
		GroupID: groupDeploy,
		Args: func(_ *cobra.Command, args []string) error {
			// Only the transcoder fleet rolls; naming it keeps the command
			// line readable and leaves room for other fleets.
			if len(args) != 2 || args[1] != "transcoders" {
				return usagef("expects <env> transcoders; got %s; only the transcoder fleet rolls", describeArgs(args))
			}
			return nil
		},
		ValidArgsFunction: completeArgs(envs, func([]string) []string { return []string{"transcoders"} }),
		RunE: inv.runWorkflow(func(ctx context.Context, w *workflow.Workflow, args []string) error {
			o.Env = args[0]
			return w.Roll(ctx, o)
		}),
	}
	f := cmd.Flags()
	f.StringVar(&o.Release, "release", "", "the `release` to make active")
	f.BoolVar(&o.GC, "gc", false, "drop draining releases whose groups have no instances")
	f.DurationVar(&o.Timeout, "timeout", workflow.DefaultRollTimeout, "how long the new release's group may take to be in service")
	breakLockFlag(f, &o.BreakLock)
	return cmd
}
