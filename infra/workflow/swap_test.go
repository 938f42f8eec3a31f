package workflow

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/video-platform/video-platform/infra/awscheck"
	"github.com/video-platform/video-platform/infra/decide"
	"github.com/video-platform/video-platform/infra/engine"
	"github.com/video-platform/video-platform/infra/observed"
	"github.com/video-platform/video-platform/internal/topology"
)

func cfg(t *testing.T, s *fakeStack, path string) string {
	t.Helper()
	v, found, err := s.GetConfig(context.Background(), path)
	require.NoError(t, err, "get %s", path)
	if !found {
		return "<unset>"
	}
	return v
}

func TestSwapHappyPath(t *testing.T) {
	w := newWorld(t)
	w.aws.pending = 2
	code, out, errOut := call(w, (*Workflow).Swap, SwapOptions{Env: "prod", Service: "web"})
	require.Equal(t, ExitOK, code, "swap succeeds: %s\n%s", errOut, out)
	dns := w.stack("prod-dns")
	assert.Equal(t, "green", cfg(t, dns, "live.web"), "live.web moves to the other color")
	assert.Equal(t, "blue", cfg(t, dns, "live.recorder"), "the other service is untouched")
	assert.Equal(t, "blue", cfg(t, dns, "previous.web.color"), "previous color recorded")
	assert.Equal(t, "2026-11-21T10:00:00Z", cfg(t, dns, "previous.web.swappedAt"), "swap time recorded in RFC 3339")
	assert.Equal(t, 1, dns.previews, "previewed once")
	assert.Equal(t, 1, dns.ups, "applied once")
	require.Len(t, w.aws.marks, 1, "one swap marker")
	assert.Equal(t, "Z1 _swap.web.example.com web live=green at=2026-11-21T10:00:00Z", w.aws.marks[0], "marker in the zone, under the hostname")
	assert.Equal(t, 0, w.aws.pending, "waited until INSYNC")
	assert.Contains(t, out, "Route53 change C123: PENDING after 0s", "reports the first poll")
	assert.Contains(t, out, "Route53 change C123: PENDING after 10s", "and every poll after it")
	assert.Contains(t, out, "to roll back: infra rollback prod web", "prints the exact rollback command")
	assert.True(t, strings.HasSuffix(out, "now live: web blue=0 green=100\n"), "ends with what the deployed records serve: %s", out)
	assert.Contains(t, out, "preflight: prod-web-green release 2026.11.20-1, 3/3 instances in service, 3/3 targets healthy", "reports the preflight")
	_, err := os.Stat(filepath.Join(w.root, ".infra-locks", "prod.lock"))
	assert.True(t, os.IsNotExist(err), "the lock is released")
}

func TestSwapPreflightRefusals(t *testing.T) {
	cases := []struct {
		name  string
		setup func(w *world)
		edit  func(o *SwapOptions)
		want  string
	}{
		{"target not created", func(w *world) { delete(w.p.stacks, "prod-web-green") }, nil, "target copy prod-web-green is not deployed"},
		{"target not deployed", func(w *world) { w.stack("prod-web-green").outputs = map[string]any{} }, nil, "no targetGroupArn output"},
		{"no release", func(w *world) { w.stack("prod-web-green").outputs["release"] = "" }, nil, "has no release set"},
		{"zero capacity", func(w *world) { w.stack("prod-web-green").outputs = copyOutputs("web", "green", 0) }, nil, "has desired capacity 0"},
		{"smaller than live", func(w *world) { w.setGroup("asg-web-green", 2, 2) }, nil, "has 2 instances in service, fewer than the 3 of the live prod-web-blue"},
		{"short of capacity", func(w *world) {
			w.setGroup("asg-web-green", 3, 1)
			w.aws.targets["arn:tg/web-green"] = w.aws.targets["arn:tg/web-green"][:1]
		}, nil, "has 1 of 3 instances in service; wait until the group has launched them all"},
		{"no group", func(w *world) { w.aws.groups = w.aws.groups[:0] }, nil, `AWS has no Auto Scaling group "asg-web-green"`},
		{"fewer targets than instances", func(w *world) { w.aws.targets["arn:tg/web-green"] = w.aws.targets["arn:tg/web-green"][:2] }, nil, "has 3 instances in service but only 2 registered targets"},
		{"zero targets", func(w *world) { w.aws.targets["arn:tg/web-green"] = nil }, nil, "has no registered targets"},
		{"unhealthy target", func(w *world) {
			w.aws.targets["arn:tg/web-green"] = []awscheck.Target{{ID: "i-1", Port: 8080, State: "healthy"}, {ID: "i-9", Port: 8080, State: "unhealthy", Reason: "Target.FailedHealthChecks"}}
		}, nil, "1 of 2 targets not healthy: i-9:8080 unhealthy Target.FailedHealthChecks"},
		{"aws error", func(w *world) { w.aws.targetErr = errors.New("AccessDenied") }, nil, "target health of prod-web-green: AccessDenied"},
		{"already live", nil, func(o *SwapOptions) { o.To = "blue" }, "blue is already live for web"},
		{"config and state disagree", func(w *world) { w.stack("prod-dns").config["live"].(map[string]any)["web"] = "green" }, nil, "config says live.web=green but the deployed stack serves blue"},
		{"canary to live", nil, func(o *SwapOptions) { o.To, o.Canary = "blue", pct(10) }, "a canary sends traffic to the color that is not live"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := newWorld(t)
			if c.setup != nil {
				c.setup(w)
			}
			before := cfg(t, w.stack("prod-dns"), "live")
			o := SwapOptions{Env: "prod", Service: "web"}
			if c.edit != nil {
				c.edit(&o)
			}
			code, out, errOut := call(w, (*Workflow).Swap, o)
			assert.Equal(t, ExitFailed, code, "refused: %s", out)
			assert.Contains(t, errOut, "swap refused", "says refused")
			assert.Contains(t, errOut, c.want, "names the reason")
			assert.Equal(t, before, cfg(t, w.stack("prod-dns"), "live"), "DNS config unchanged")
			assert.Equal(t, "<unset>", cfg(t, w.stack("prod-dns"), "previous"), "nothing recorded")
			assert.Equal(t, 0, w.stack("prod-dns").ups, "no update")
		})
	}
}

func TestSwapAllowSmaller(t *testing.T) {
	w := newWorld(t)
	w.setGroup("asg-web-green", 1, 1)
	w.aws.targets["arn:tg/web-green"] = w.aws.targets["arn:tg/web-green"][:1]
	code, _, errOut := call(w, (*Workflow).Swap, SwapOptions{Env: "prod", Service: "web", AllowSmaller: true})
	require.Equal(t, ExitOK, code, "--allow-smaller accepts a smaller target: %s", errOut)
}

func TestSwapAbortsOnUnrelatedChanges(t *testing.T) {
	w := newWorld(t)
	dns := w.stack("prod-dns")
	dns.steps = append(dns.steps,
		observed.Step{URN: "urn:pulumi:prod-dns::video-platform::video-platform:dns:DnsRecords$aws:route53/record:Record::recorder-green-a", Type: decide.RecordType, Op: "update"},
		observed.Step{URN: "urn:pulumi:prod-dns::video-platform::aws:route53/zone:Zone::zone", Type: "aws:route53/zone:Zone", Op: "replace"})
	code, _, errOut := call(w, (*Workflow).Swap, SwapOptions{Env: "prod", Service: "web"})
	assert.Equal(t, ExitFailed, code, "aborted")
	assert.Contains(t, errOut, "changes more than the web records", "explains the abort")
	assert.Contains(t, errOut, "update recorder-green-a (aws:route53/record:Record)", "lists the other service's record")
	assert.Contains(t, errOut, "replace zone (aws:route53/zone:Zone)", "lists the unrelated resource")
	assert.Contains(t, errOut, "the live color of web did NOT change: blue is still live", "says nothing moved")
	assert.Equal(t, "blue", cfg(t, dns, "live.web"), "config restored")
	assert.Equal(t, "<unset>", cfg(t, dns, "previous"), "previous removed with its empty parents")
	assert.Equal(t, 0, dns.ups, "no update")
}

func TestSwapUpFailureRestores(t *testing.T) {
	w := newWorld(t)
	dns := w.stack("prod-dns")
	dns.onUp = func(*fakeStack) error { return errors.New("Route53 throttled") }
	code, _, errOut := call(w, (*Workflow).Swap, SwapOptions{Env: "prod", Service: "web"})
	assert.Equal(t, ExitFailed, code, "failed")
	assert.Contains(t, errOut, "failed at up: Route53 throttled", "reports the cause")
	assert.Contains(t, errOut, "the live color of web did NOT change: blue is still live", "the records were read and did not move")
	assert.True(t, strings.HasSuffix(errOut, "now live: web blue=100 green=0\n"), "ends with what the records serve: %s", errOut)
	assert.Equal(t, 1, dns.ups, "records already match the restored config: no converge update")
	assert.Equal(t, "blue", cfg(t, dns, "live.web"), "config restored")
	assert.Empty(t, w.aws.marks, "no marker")
}

// A swap whose update moved one record and failed on the other converges
// the records back to the restored config, and says what is live then.
func TestSwapPartialUpdateConverges(t *testing.T) {
	w := newWorld(t)
	dns := w.stack("prod-dns")
	dns.onUp = func(s *fakeStack) error {
		if s.ups == 1 {
			s.records["web"] = map[string]int{"blue": 100, "green": 100}
			return errors.New("updating web-blue-a: InternalFailure")
		}
		return nil
	}
	code, out, errOut := call(w, (*Workflow).Swap, SwapOptions{Env: "prod", Service: "web"})
	assert.Equal(t, ExitFailed, code, "failed")
	assert.Contains(t, out, "the update got partway: now live: web blue=100 green=100; converging back to live.web=blue (attempt 1 of 2)", "says what it found and what it does")
	assert.Equal(t, 2, dns.ups, "one converge update")
	assert.Contains(t, errOut, "the live color of web did NOT change: blue is still live", "true once converged")
	assert.True(t, strings.HasSuffix(errOut, "now live: web blue=100 green=0\n"), "ends with the converged records: %s", errOut)
	assert.Equal(t, map[string]int{"blue": 100, "green": 0}, dns.records["web"], "records back on blue")
}

// When the records cannot be converged, the swap never claims nothing
// changed: it states the split and the command that reconciles it.
func TestSwapPartialUpdateThatCannotConverge(t *testing.T) {
	w := newWorld(t)
	dns := w.stack("prod-dns")
	dns.onUp = func(s *fakeStack) error {
		s.records["web"] = map[string]int{"blue": 100, "green": 100}
		return errors.New("updating web-blue-a: InternalFailure")
	}
	code, _, errOut := call(w, (*Workflow).Swap, SwapOptions{Env: "prod", Service: "web"})
	assert.Equal(t, ExitFailed, code, "failed")
	assert.Equal(t, 1+convergeAttempts, dns.ups, "bounded converge attempts")
	assert.NotContains(t, errOut, "did NOT change", "records moved, so it never says nothing changed")
	assert.Contains(t, errOut, "could not be brought back to it: run `infra up prod --stack prod-dns`", "the exact reconcile command")
	assert.True(t, strings.HasSuffix(errOut, "now live: web blue=100 green=100\n"), "ends with the split it left: %s", errOut)
}

func TestSwapConfigSetFailureRestores(t *testing.T) {
	w := newWorld(t)
	dns := w.stack("prod-dns")
	dns.setErr = map[string]error{"previous.web.swappedAt": errors.New("disk full")}
	code, _, errOut := call(w, (*Workflow).Swap, SwapOptions{Env: "prod", Service: "web"})
	assert.Equal(t, ExitFailed, code, "failed")
	assert.Contains(t, errOut, "disk full", "reports the cause")
	assert.Contains(t, errOut, "did NOT change", "says nothing moved")
	assert.Equal(t, "blue", cfg(t, dns, "live.web"), "config restored")
	assert.Equal(t, "<unset>", cfg(t, dns, "previous"), "previous removed")
}

func TestSwapAWSErrorAfterUp(t *testing.T) {
	w := newWorld(t)
	w.aws.markErr = errors.New("AccessDenied: route53:ChangeResourceRecordSets")
	code, _, errOut := call(w, (*Workflow).Swap, SwapOptions{Env: "prod", Service: "web"})
	assert.Equal(t, ExitFailed, code, "failed")
	assert.Contains(t, errOut, "the swap IS applied (live.web=green) but Route53 propagation was not confirmed", "says the swap happened")
	assert.Contains(t, errOut, "AccessDenied", "reports the AWS error")
	assert.Contains(t, errOut, "to undo: infra rollback prod web", "tells how to undo")
	assert.Equal(t, "green", cfg(t, w.stack("prod-dns"), "live.web"), "applied config is kept: it matches the deployed stack")
}

func TestConcurrentSwapRefused(t *testing.T) {
	w := newWorld(t)
	var second struct {
		code   int
		stderr string
	}
	w.stack("prod-dns").onPreview = func(*fakeStack) error {
		// A second operator starts a swap while the first is mid-flight.
		second.code, _, second.stderr = call(w, (*Workflow).Swap, SwapOptions{Env: "prod", Service: "recorder"})
		return nil
	}
	code, _, errOut := call(w, (*Workflow).Swap, SwapOptions{Env: "prod", Service: "web"})
	require.Equal(t, ExitOK, code, "first swap succeeds: %s", errOut)
	assert.Equal(t, ExitFailed, second.code, "second swap refused")
	assert.Contains(t, second.stderr, "swap refused: env is locked: prod is held by \"swap prod web by", "names the holder")
	assert.Contains(t, second.stderr, "wait for it to finish", "tells what to do")
	assert.Equal(t, "blue", cfg(t, w.stack("prod-dns"), "live.recorder"), "second swap changed nothing")
}

func TestRollback(t *testing.T) {
	w := newWorld(t)
	code, _, errOut := call(w, (*Workflow).Swap, SwapOptions{Env: "prod", Service: "web"})
	require.Equal(t, ExitOK, code, "swap: %s", errOut)
	dns := w.stack("prod-dns")
	// The deployed outputs follow the config after up.
	dns.outputs["live"] = map[string]any{"web": "green", "recorder": "blue"}
	dns.outputs["previous"] = map[string]any{"web": "blue"}

	code, out, errOut := call(w, (*Workflow).Rollback, RollbackOptions{Env: "prod", Service: "web"})
	require.Equal(t, ExitOK, code, "rollback: %s", errOut)
	assert.Equal(t, "blue", cfg(t, dns, "live.web"), "back to the previous color")
	assert.Equal(t, "green", cfg(t, dns, "previous.web.color"), "previous now records green")
	assert.Contains(t, out, "rollback: prod web is now live.web=blue", "reports the rollback")
}

func TestRollbackRefusesWithoutPrevious(t *testing.T) {
	w := newWorld(t)
	code, _, errOut := call(w, (*Workflow).Rollback, RollbackOptions{Env: "prod", Service: "web"})
	assert.Equal(t, ExitFailed, code, "refused")
	assert.Contains(t, errOut, "records no previous color for web", "explains")
}

func TestRollbackHealthCheckAndForce(t *testing.T) {
	w := newWorld(t)
	dns := w.stack("prod-dns")
	dns.config["previous"] = map[string]any{"web": map[string]any{"color": "green", "swappedAt": "2026-11-21T09:00:00Z"}}
	w.aws.targets["arn:tg/web-green"] = []awscheck.Target{{ID: "i-1", Port: 8080, State: "unhealthy"}}
	code, _, errOut := call(w, (*Workflow).Rollback, RollbackOptions{Env: "prod", Service: "web"})
	assert.Equal(t, ExitFailed, code, "rollback runs the health preflight")
	assert.Contains(t, errOut, "rollback refused: target copy prod-web-green has 1 of 1 targets not healthy", "explains")

	code, _, errOut = call(w, (*Workflow).Rollback, RollbackOptions{Env: "prod", Service: "web", Force: true})
	require.Equal(t, ExitOK, code, "--force skips the health preflight: %s", errOut)
	assert.Contains(t, errOut, "!!! --force: SKIPPING the health preflight of prod-web-green", "says so loudly")
	assert.Equal(t, "green", cfg(t, dns, "live.web"), "rolled back")
}

func TestCanary(t *testing.T) {
	w := newWorld(t)
	code, out, errOut := call(w, (*Workflow).Swap, SwapOptions{Env: "prod", Service: "web", Canary: pct(10)})
	require.Equal(t, ExitOK, code, "canary: %s", errOut)
	dns := w.stack("prod-dns")
	assert.Equal(t, "10", cfg(t, dns, "canary.web"), "canary set")
	assert.Equal(t, "blue", cfg(t, dns, "live.web"), "live unchanged")
	assert.Contains(t, out, "to roll back: infra swap prod web --canary 0", "canary rollback command")

	// The full swap ends the canary.
	code, _, errOut = call(w, (*Workflow).Swap, SwapOptions{Env: "prod", Service: "web"})
	require.Equal(t, ExitOK, code, "swap: %s", errOut)
	assert.Equal(t, "0", cfg(t, dns, "canary.web"), "canary reset by the full swap")
}

func TestSwapDryRunIsOffline(t *testing.T) {
	root := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(root, "Pulumi.yaml"), []byte("name: video-platform\nruntime: go\n"), 0o600), "write project")
	// A secret in the file is left encrypted: the dry run has no passphrase.
	require.NoError(t, os.WriteFile(filepath.Join(root, "Pulumi.prod-dns.yaml"),
		[]byte("config:\n  video-platform:live:\n    web: green\n    recorder: blue\n  video-platform:alertsWebhookUrl:\n    secure: v1:abc:def\n"), 0o600), "write config")
	for _, id := range topology.Default().EnvStacks("prod") {
		if id.Name != "prod-dns" {
			require.NoError(t, os.WriteFile(filepath.Join(root, topology.StackFile(id.Name)), []byte("config: {}\n"), 0o600), "write %s", id.Name)
		}
	}
	var gotEnv string
	var gotSets []string
	deps := Deps{
		Root:     root,
		Topology: topology.Default(),
		Pulumi:   func(context.Context) (engine.Pulumi, error) { return nil, errors.New("dry run must not call Pulumi") },
		AWS: func(context.Context, string) (awscheck.Checks, error) {
			return awscheck.Checks{}, errors.New("dry run must not call AWS")
		},
		DryRun: func(env string, sets []string) (string, error) {
			gotEnv, gotSets = env, sets
			return "~ web-blue-a weight 0 => 100", nil
		},
	}
	var out, errb syncBuf
	err := NewWorkflow(deps, &out, &errb).Swap(context.Background(), SwapOptions{Env: "prod", Service: "web", DryRun: true})
	require.NoError(t, err, "dry run")
	assert.Equal(t, "prod", gotEnv, "env passed")
	assert.Equal(t, []string{"prod-dns:live.web=blue"}, gotSets, "target is the other color of the file's live")
	assert.Contains(t, out.String(), "~ web-blue-a weight 0 => 100", "prints the diff")

	err = NewWorkflow(deps, &out, &errb).Swap(context.Background(), SwapOptions{Env: "prod", Service: "recorder", Canary: pct(5), DryRun: true})
	require.NoError(t, err, "canary dry run")
	assert.Equal(t, []string{"prod-dns:canary.recorder=5"}, gotSets, "canary set")

	err = NewWorkflow(deps, &out, &errb).Swap(context.Background(), SwapOptions{Env: "staging", Service: "web", DryRun: true})
	assert.Equal(t, ExitUsage, ExitCode(err), "a config error: %v", err)
	assert.ErrorContains(t, err, "Pulumi.staging-dns.yaml", "names the stack file that is not there")

	deps.DryRun = nil
	err = NewWorkflow(deps, &out, &errb).Swap(context.Background(), SwapOptions{Env: "prod", Service: "web", DryRun: true})
	assert.Equal(t, ExitFailed, ExitCode(err), "no DryRun wired")
	assert.ErrorContains(t, err, "--dry-run is not available", "explains")
}

// A preview whose steps were lost must never pass as "only DNS changes".
func TestSwapFailsClosedWhenPreviewStepsAreLost(t *testing.T) {
	for _, c := range []struct {
		name  string
		steps func([]observed.Step) []observed.Step
		want  string
	}{
		{"no steps at all", func([]observed.Step) []observed.Step { return nil }, "the preview reported no steps at all"},
		{"fewer changed steps than the summary counts", func(s []observed.Step) []observed.Step { return s[:1] }, "summary counts 1 changes but its event stream showed 0"},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := newWorld(t)
			dns := w.stack("prod-dns")
			dns.steps = c.steps(dns.steps)
			code, _, errOut := call(w, (*Workflow).Swap, SwapOptions{Env: "prod", Service: "web"})
			assert.Equal(t, ExitFailed, code, "refused")
			assert.Contains(t, errOut, c.want, "says why")
			assert.Equal(t, 0, dns.ups, "no update")
			assert.Equal(t, "blue", cfg(t, dns, "live.web"), "config restored")
		})
	}
}

// A target that fails between the preflight and the update keeps the
// traffic where it is: the swap re-checks right before it updates.
func TestSwapStopsWhenTheTargetFailsAfterThePreflight(t *testing.T) {
	w := newWorld(t)
	dns := w.stack("prod-dns")
	dns.onPreview = func(*fakeStack) error {
		w.aws.targets["arn:tg/web-green"] = []awscheck.Target{
			{ID: "i-1", Port: 8080, State: "unhealthy", Reason: "Target.FailedHealthChecks"},
			{ID: "i-2", Port: 8080, State: "healthy"}, {ID: "i-3", Port: 8080, State: "healthy"}}
		return nil
	}
	code, out, errOut := call(w, (*Workflow).Swap, SwapOptions{Env: "prod", Service: "web"})
	assert.Equal(t, ExitFailed, code, "stopped")
	assert.Contains(t, out, "preflight: prod-web-green", "the preflight passed first")
	assert.Contains(t, errOut, "failed at the health re-check before the update", "says where it stopped")
	assert.Contains(t, errOut, "i-1:8080 unhealthy Target.FailedHealthChecks", "names the target")
	assert.Equal(t, 0, dns.ups, "no update")
	assert.Equal(t, "blue", cfg(t, dns, "live.web"), "config restored")
}

// A failed update leaves outputs naming the color it moved to while the
// records, converged back, serve the config's: the records decide what is
// live, so the next swap (or a release resuming) is not refused.
func TestSwapTrustsTheRecordsOverStaleOutputs(t *testing.T) {
	w := newWorld(t)
	dns := w.stack("prod-dns")
	dns.outputs["live"] = map[string]any{"web": "green", "recorder": "blue"}
	code, out, errOut := call(w, (*Workflow).Swap, SwapOptions{Env: "prod", Service: "web"})
	require.Equal(t, ExitOK, code, "records and config agree on blue: %s\n%s", errOut, out)
	assert.Equal(t, "green", cfg(t, dns, "live.web"), "the swap goes from blue, what the records served")
	assert.Equal(t, "2026.11.20-1", cfg(t, dns, "previous.web.release"), "the swapped-out copy's release is recorded")

	// Records that follow the outputs mean the config is what is stale.
	w = newWorld(t)
	dns = w.stack("prod-dns")
	dns.outputs["live"] = map[string]any{"web": "green", "recorder": "blue"}
	dns.records["web"] = decide.ExpectedWeights("green", 0)
	code, _, errOut = call(w, (*Workflow).Swap, SwapOptions{Env: "prod", Service: "web"})
	assert.Equal(t, ExitFailed, code, "refused")
	assert.Contains(t, errOut, "config says live.web=blue but the deployed stack serves green", "names the disagreement")
}

// The region comes from the base stack's file, read with the SDK's loader.
func TestEnvRegionReadsTheBaseStackFile(t *testing.T) {
	root := t.TempDir()
	assert.Empty(t, envRegion(root, "prod"), "no project: the SDK resolves the region")
	require.NoError(t, os.WriteFile(filepath.Join(root, "Pulumi.yaml"), []byte("name: video-platform\nruntime: go\n"), 0o600), "write project")
	require.NoError(t, os.WriteFile(filepath.Join(root, "Pulumi.prod.yaml"), []byte("config:\n  aws:region: eu-west-1\n"), 0o600), "write config")
	assert.Equal(t, "eu-west-1", envRegion(root, "prod"), "aws:region of the base stack")
	assert.Empty(t, envRegion(root, "staging"), "no stack file")
	assert.Equal(t, "us-east-1", envRegion("../..", "staging"), "the committed staging file")
}

// A change Route53 never reports INSYNC ends the wait after ten minutes on
// the workflow's clock, with progress at every poll, and the swap says it
// is applied but unconfirmed, naming the change and its last status.
func TestSwapInsyncTimeout(t *testing.T) {
	w := newWorld(t)
	w.aws.pending = -1
	code, out, errOut := call(w, (*Workflow).Swap, SwapOptions{Env: "prod", Service: "web"})
	assert.Equal(t, ExitFailed, code, "unconfirmed: %s", out)
	assert.Contains(t, errOut, "the swap IS applied (live.web=green) but Route53 propagation was not confirmed", "says what is true")
	assert.Contains(t, errOut, "route53 change C123 to be INSYNC (last status PENDING", "names the change and its last status")
	assert.Contains(t, errOut, "still PENDING after 10m0s", "gave up at the timeout")
	assert.Contains(t, errOut, "to undo: infra rollback prod web", "tells how to undo")
	assert.Equal(t, 60, strings.Count(out, "Route53 change C123: PENDING after"), "one progress line per 10 s poll")
	assert.Contains(t, out, "PENDING after 9m50s", "the last one")
	assert.WithinDuration(t, t0.Add(10*time.Minute), w.clock.Now(), time.Second, "ten minutes passed on the workflow's clock")
}
