package cli

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/video-platform/video-platform/infra/workflow"
)

func newReleaseCmd(inv *invocation) *cobra.Command {
	var o workflow.ReleaseOptions
	cmd := &cobra.Command{
		Use:   "release <env> <service> <release>",
		Short: "Take an image from the registry to live: idle copy, canary, swap, watch, automatic rollback",
		Long: `Take a release from the registry to live in one command:
  1. check that the image <repository>:<release> is in the service's ECR
     repository (refused, naming the newest tags, when it is not);
  2. deploy it to the idle copy at the live copy's size (desired at least the
     live copy's instances in service) and wait until every target is healthy;
  3. with --canary, move those shares of the traffic to it, each held for
     --step with its alarms watched;
  4. swap, with the swap's preflight;
  5. watch the new color's alarms (5xx rate, unhealthy hosts, p99 latency) for
     --watch; when one fires, swap back and exit 1 naming the alarm.
The old color keeps running for a rollback until housekeeping retires it.
Every step prints the time since the start. Re-running the same command
continues from the step the deployed state shows it reached. A release that
was swapped in and rolled back is refused: publish a new tag.
For transcoders, the release is the two-phase roll (see roll).`,
		Example: `  infra release prod web 2026.11.27-1
  infra release prod web 2026.11.27-1 --canary 10,50 --step 5m
  infra release prod transcoders 2026.11.27-1`,
		GroupID:           groupDeploy,
		Args:              exactArgs("<env>", "<service>", "<release>"),
		ValidArgsFunction: completeArgs(envs, func([]string) []string { return append(services(nil), "transcoders") }),
		RunE: inv.runWorkflow(func(ctx context.Context, w *workflow.Workflow, args []string) error {
			o.Env, o.Service, o.Release = args[0], args[1], args[2]
			return w.Release(ctx, o)
		}),
	}
	f := cmd.Flags()
	f.IntSliceVar(&o.Canary, "canary", nil, "traffic `shares` in percent (ascending, 1..99) for the new color before the swap, such as 10,50")
	f.DurationVar(&o.Step, "step", workflow.DefaultReleaseStep, "how long each canary share is held, its alarms watched")
	f.DurationVar(&o.Watch, "watch", workflow.DefaultReleaseWatch, "how long the new color's alarms are watched after the swap")
	f.DurationVar(&o.Timeout, "timeout", workflow.DefaultReleaseTimeout, "how long the idle copy (or the new transcoder group) may take to be healthy")
	breakLockFlag(f, &o.BreakLock)
	return cmd
}
