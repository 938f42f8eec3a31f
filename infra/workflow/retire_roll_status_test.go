package workflow

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/video-platform/video-platform/infra/awscheck"
	"github.com/video-platform/video-platform/infra/decide"
	"github.com/video-platform/video-platform/infra/observed"
)

func swappedWorld(t *testing.T) *world {
	w := newWorld(t)
	w.stack("prod-dns").config["previous"] = map[string]any{"web": map[string]any{"color": "green", "swappedAt": t0.Format(time.RFC3339)}}
	return w
}

func TestRetireWaitsForQuietThenScales(t *testing.T) {
	w := swappedWorld(t)
	quietAfter := t0.Add(40 * time.Minute)
	w.aws.traffic = func(end time.Time) []awscheck.TrafficPoint {
		if end.Before(quietAfter) {
			return busy(end)
		}
		return []awscheck.TrafficPoint{{Time: end.Add(-time.Minute)}}
	}
	code, out, errOut := call(w, (*Workflow).Retire, retireProdWeb("green"))
	require.Equal(t, ExitOK, code, "retire: %s", errOut)
	copyStack := w.stack("prod-web-green")
	assert.Equal(t, 1, copyStack.ups, "the copy is updated")
	for _, k := range []string{"min", "max", "desired"} {
		assert.Equal(t, "0", cfg(t, copyStack, "copy.capacity."+k), "capacity.%s is 0", k)
	}
	assert.Equal(t, "2026.11.20-1", cfg(t, copyStack, "copy.release"), "release kept")
	assert.Contains(t, out, "12 requests, 3 active connections", "prints the residual traffic")
	assert.Contains(t, out, "retired prod-web-green", "reports")
	// Quiet is judged on a window ending decide.MetricsLag before now.
	assert.False(t, w.clock.Now().Before(quietAfter.Add(decide.MetricsLag)), "did not proceed before the traffic stopped")
	assert.True(t, w.clock.Now().Before(quietAfter.Add(decide.MetricsLag+2*time.Minute)), "proceeded soon after quiet")
	// Progress at every poll: an operator sees the wait move at least every
	// poll interval (15 s by default), not once a minute.
	waited := w.clock.Now().Sub(t0)
	lines := strings.Count(out, "residual traffic over the last")
	assert.GreaterOrEqual(t, lines, int(waited/w.deps.Poll), "one progress line per %s poll over %s", w.deps.Poll, waited)
}

func TestRetireTimerAloneIsNotEnoughAndNoWait(t *testing.T) {
	w := swappedWorld(t)
	w.aws.traffic = func(end time.Time) []awscheck.TrafficPoint { return busy(end) }
	code, out, errOut := call(w, (*Workflow).Retire, retireProdWeb("green", func(o *RetireOptions) { o.NoWait = true }))
	require.Equal(t, ExitOK, code, "--no-wait reports: %s", errOut)
	assert.Contains(t, out, "not idle yet; --no-wait: nothing changed", "reports only")
	assert.Equal(t, 0, w.stack("prod-web-green").ups, "nothing changed")

	code, _, errOut = call(w, (*Workflow).Retire, retireProdWeb("green", func(o *RetireOptions) { o.Timeout = time.Hour }))
	assert.Equal(t, ExitFailed, code, "gives up")
	assert.Contains(t, errOut, "still not idle after 1h0m0s; nothing changed", "explains")
	assert.Equal(t, 0, w.stack("prod-web-green").ups, "nothing changed")
}

func TestRetireMinWaitSinceSwap(t *testing.T) {
	w := swappedWorld(t)
	code, _, errOut := call(w, (*Workflow).Retire, retireProdWeb("green", func(o *RetireOptions) { o.MinWait = 30 * time.Minute }))
	require.Equal(t, ExitOK, code, "retire: %s", errOut)
	assert.False(t, w.clock.Now().Before(t0.Add(30*time.Minute)), "waited --min-wait since the swap although quiet")
}

func TestRetireRefusals(t *testing.T) {
	w := swappedWorld(t)
	code, _, errOut := call(w, (*Workflow).Retire, retireProdWeb("blue"))
	assert.Equal(t, ExitFailed, code, "refused")
	assert.Contains(t, errOut, "retire refused: blue is the live color of web", "refuses the live color")

	w.stack("prod-dns").config["canary"] = map[string]any{"web": "10"}
	code, _, errOut = call(w, (*Workflow).Retire, retireProdWeb("green"))
	assert.Equal(t, ExitFailed, code, "refused")
	assert.Contains(t, errOut, "takes a 10% canary", "refuses the canary color")
}

func TestRetireDestroy(t *testing.T) {
	w := swappedWorld(t)
	code, _, errOut := call(w, (*Workflow).Retire, retireProdWeb("green", func(o *RetireOptions) { o.Destroy = true }))
	require.Equal(t, ExitOK, code, "retire --destroy: %s", errOut)
	assert.Equal(t, 1, w.stack("prod-web-green").destroys, "destroyed")
	assert.Equal(t, 0, w.stack("prod-web-green").ups, "not updated")
}

func TestRollTranscoders(t *testing.T) {
	w := newWorld(t)
	tr := w.stack("prod-transcoders")
	var phases []string
	tr.onUp = func(s *fakeStack) error {
		raw, _, _ := s.GetConfig(context.Background(), "transcoders")
		phases = append(phases, raw)
		s.outputs["groups"] = map[string]any{"r1": "asg-tr-r1", "r2": "asg-tr-r2", "r3": "asg-tr-r3"}
		return nil
	}
	w.aws.groups = []awscheck.Group{{Name: "asg-tr-r1", Desired: 0, InService: 1, Instances: 1}, {Name: "asg-tr-r2", Desired: 2, InService: 2, Instances: 2}, {Name: "asg-tr-r3", Desired: 2, InService: 2, Instances: 2}}
	code, out, errOut := call(w, (*Workflow).Roll, RollOptions{Env: "prod", Release: "r3", Timeout: DefaultRollTimeout})
	require.Equal(t, ExitOK, code, "two draining is within maxDraining 2: %s", errOut)
	require.Len(t, phases, 2, "two updates")
	assert.JSONEq(t, `{"active":"r2","warming":"r3","draining":["r1"],"maxDraining":2}`, phases[0], "phase 1: r3 warms beside the active r2, nothing drains")
	assert.JSONEq(t, `{"active":"r3","draining":["r2","r1"],"maxDraining":2}`, phases[1], "phase 2: r3 active, r2 drains")
	assert.Contains(t, out, "r3 group asg-tr-r3: 2/2 in service", "waited for r3 between the phases")
	assert.Equal(t, "<unset>", cfg(t, tr, "transcoders.warming"), "no warming release left")

	w2 := newWorld(t)
	w2.stack("prod-transcoders").setJSON("transcoders", `{"active":"r3","draining":["r2","r1"]}`)
	w2.stack("prod-transcoders").outputs["groups"] = map[string]any{"r1": "asg-tr-r1", "r2": "asg-tr-r2", "r3": "asg-tr-r3"}
	w2.aws.groups = []awscheck.Group{{Name: "asg-tr-r1", Desired: 0, InService: 0}, {Name: "asg-tr-r2", Desired: 0, InService: 1, Instances: 1}}
	code, _, errOut = call(w2, (*Workflow).Roll, RollOptions{Env: "prod", Release: "r4", Timeout: DefaultRollTimeout})
	assert.Equal(t, ExitFailed, code, "refused")
	assert.Contains(t, errOut, "would have 3 draining releases (r3, r2, r1), more than maxDraining 2", "explains")
	assert.Contains(t, errOut, "--gc", "suggests --gc")
	assert.Equal(t, 0, w2.stack("prod-transcoders").ups, "nothing applied")

	// --gc drops r1 (no instances) and waits until r4 is in service.
	w2.stack("prod-transcoders").onUp = func(s *fakeStack) error {
		s.outputs["groups"] = map[string]any{"r2": "asg-tr-r2", "r3": "asg-tr-r3", "r4": "asg-tr-r4"}
		return nil
	}
	w2.aws.groupsFn = func(call int) []awscheck.Group {
		in := 0
		if call > 3 {
			in = 2
		}
		return []awscheck.Group{{Name: "asg-tr-r1"}, {Name: "asg-tr-r2", InService: 1, Instances: 1}, {Name: "asg-tr-r4", Desired: 2, InService: in, Instances: 2}}
	}
	code, out, errOut = call(w2, (*Workflow).Roll, RollOptions{Env: "prod", Release: "r4", GC: true, Timeout: DefaultRollTimeout})
	require.Equal(t, ExitOK, code, "roll --gc: %s", errOut)
	assert.Contains(t, out, "gc: dropping draining release r1", "reports gc")
	assert.Equal(t, `["r3","r2"]`, cfg(t, w2.stack("prod-transcoders"), "transcoders.draining"), "r1 dropped")
	assert.Contains(t, out, "r4 group asg-tr-r4: 0/2 in service", "reports progress")
	assert.Contains(t, out, "roll: r4 is active", "waits for in service")
	assert.GreaterOrEqual(t, w2.clock.slept, 20*time.Second, "waited on the clock")
}

// gc keeps a draining release while any instance of its group is in any
// lifecycle state: one in Terminating:Wait still finishes a job.
func TestRollGCKeepsAGroupWithTerminatingInstances(t *testing.T) {
	w := newWorld(t)
	tr := w.stack("prod-transcoders")
	w.aws.groups = []awscheck.Group{{Name: "asg-tr-r1", Desired: 0, InService: 0, Instances: 1}}
	code, out, errOut := call(w, (*Workflow).Roll, RollOptions{Env: "prod", GC: true, Timeout: DefaultRollTimeout})
	require.Equal(t, ExitOK, code, "gc: %s", errOut)
	assert.Contains(t, out, "nothing to change", "r1 is kept")
	assert.Equal(t, `["r1"]`, cfg(t, tr, "transcoders.draining"), "still draining")
	assert.Zero(t, tr.ups, "no update")
}

func TestRollUpFailureRestoresAndTimeout(t *testing.T) {
	w := newWorld(t)
	tr := w.stack("prod-transcoders")
	tr.onUp = func(*fakeStack) error { return assert.AnError }
	code, _, errOut := call(w, (*Workflow).Roll, RollOptions{Env: "prod", Release: "r3", Timeout: DefaultRollTimeout})
	assert.Equal(t, ExitFailed, code, "failed")
	assert.Contains(t, errOut, "the config is restored (active r2)", "says restored")
	assert.Equal(t, "r2", cfg(t, tr, "transcoders.active"), "restored")
	assert.Equal(t, `["r1"]`, cfg(t, tr, "transcoders.draining"), "restored")

	// r3 never gets all its instances in service: its group goes, r2 stays
	// active, nothing drains.
	var phases []string
	tr.onUp = func(s *fakeStack) error {
		raw, _, _ := s.GetConfig(context.Background(), "transcoders")
		phases = append(phases, raw)
		s.outputs["groups"] = map[string]any{"r2": "asg-tr-r2", "r3": "asg-tr-r3"}
		return nil
	}
	w.aws.groups = []awscheck.Group{{Name: "asg-tr-r3", Desired: 2, InService: 1}}
	code, _, errOut = call(w, (*Workflow).Roll, RollOptions{Env: "prod", Release: "r3", Timeout: 5 * time.Minute})
	assert.Equal(t, ExitFailed, code, "timed out")
	assert.Contains(t, errOut, "did not reach its desired capacity within 5m0s", "explains")
	assert.Contains(t, errOut, "the group of r3 is removed and the config restored; r2 is still active and nothing was drained", "says what is true")
	require.Len(t, phases, 2, "phase 1 and the removal")
	assert.JSONEq(t, `{"active":"r2","warming":"r3","draining":["r1"],"maxDraining":2}`, phases[0], "r3 warmed beside r2")
	assert.JSONEq(t, `{"active":"r2","draining":["r1"],"maxDraining":2}`, phases[1], "r3 removed, r2 never drained")

	tr.setJSON("transcoders", `{"active":"r3","draining":["r2"]}`)
	code, _, errOut = call(w, (*Workflow).Roll, RollOptions{Env: "prod", Release: "r3", Timeout: DefaultRollTimeout})
	assert.Equal(t, ExitFailed, code, "refused")
	assert.Contains(t, errOut, "r3 is already the active release", "explains")
}

// A roll that stopped between its phases (config warming, process gone)
// is finished by running it again, without a second phase 1.
func TestRollResumesAfterACrashBetweenThePhases(t *testing.T) {
	w := newWorld(t)
	tr := w.stack("prod-transcoders")
	tr.setJSON("transcoders", `{"active":"r2","warming":"r3","draining":["r1"]}`)
	tr.outputs["groups"] = map[string]any{"r1": "asg-tr-r1", "r2": "asg-tr-r2", "r3": "asg-tr-r3"}
	w.aws.groups = []awscheck.Group{{Name: "asg-tr-r3", Desired: 2, InService: 2, Instances: 2}}
	code, out, errOut := call(w, (*Workflow).Roll, RollOptions{Env: "prod", Release: "r3", Timeout: DefaultRollTimeout})
	require.Equal(t, ExitOK, code, "resumed: %s", errOut)
	assert.Contains(t, out, "resuming the roll to r3", "says it resumes")
	assert.Equal(t, 1, tr.ups, "only phase 2 runs")
	assert.Equal(t, "r3", cfg(t, tr, "transcoders.active"), "r3 active")
	assert.Equal(t, `["r2","r1"]`, cfg(t, tr, "transcoders.draining"), "r2 drains")

	w2 := newWorld(t)
	w2.stack("prod-transcoders").setJSON("transcoders", `{"active":"r2","warming":"r3","draining":["r1"]}`)
	code, _, errOut = call(w2, (*Workflow).Roll, RollOptions{Env: "prod", Release: "r4", Timeout: DefaultRollTimeout})
	assert.Equal(t, ExitFailed, code, "another roll is in progress")
	assert.Contains(t, errOut, "a roll to r3 is in progress (warming); finish it with `infra roll prod transcoders --release r3`", "says how to finish it")
}

func TestStatusAndPhantoms(t *testing.T) {
	w := newWorld(t)
	w.stack("prod").update = &observed.Update{Kind: "update", Result: "succeeded", EndTime: t0, Changes: map[string]int{"same": 40}}
	delete(w.p.stacks, "prod-recorder-green")
	w.aws.queue = [2]int{7, 2}
	w.aws.groups = []awscheck.Group{
		{Name: "asg-web-blue", Desired: 3, InService: 3}, {Name: "asg-web-green", Desired: 3, InService: 2},
		{Name: "asg-recorder-blue", Desired: 3, InService: 3},
		{Name: "asg-tr-r1", Desired: 0, InService: 1}, {Name: "asg-tr-r2", Desired: 2, InService: 2},
	}
	code, out, errOut := call(w, (*Workflow).Status, StatusOptions{Envs: []string{"prod"}})
	require.Equal(t, ExitOK, code, "status: %s\n%s", errOut, out)
	assert.Regexp(t, `prod\s+update 2026-11-21T10:00:00Z\s+succeeded\s+=40`, out, "last update")
	assert.Regexp(t, `prod-recorder-green\s+never\s+not created`, out, "missing stack")
	assert.Regexp(t, `web\s+blue\s+2026.11.20-1\s+live\s+3\s+3\s+3/3`, out, "live copy row")
	assert.Regexp(t, `web\s+green\s+2026.11.20-1\s+3\s+2\s+3/3`, out, "idle copy row")
	assert.Regexp(t, `r1\s+draining\s+asg-tr-r1\s+0\s+1`, out, "draining release")
	assert.Regexp(t, `r2\s+active\s+asg-tr-r2\s+2\s+2`, out, "active release")
	assert.Contains(t, out, "queue: 7 visible, 2 in flight", "queue depth")
	assert.NotContains(t, out, "PHANTOM", "no phantoms")

	w.aws.groups = append(w.aws.groups, awscheck.Group{Name: "asg-web-old", Desired: 2, InService: 2})
	code, out, _ = call(w, (*Workflow).Status, StatusOptions{Envs: []string{"prod"}})
	assert.Equal(t, ExitPhantom, code, "phantoms exit 3")
	assert.Contains(t, out, "PHANTOM GROUPS", "flagged")
	assert.Contains(t, out, "asg-web-old  desired 2, in service 2", "names the phantom")
	assert.NotContains(t, out, "\x1b[31m", "no ANSI when not a terminal")

	w.deps.Color = func(io.Writer) bool { return true }
	code, out, _ = call(w, (*Workflow).Status, StatusOptions{Envs: []string{"prod"}})
	assert.Equal(t, ExitPhantom, code, "phantoms exit 3")
	assert.True(t, strings.Contains(out, "\x1b[31m  asg-web-old"), "red on a terminal")
}

// A stack whose outputs cannot be read is an error for that stack; its
// groups are not phantoms.
func TestStatusReadErrorIsNoPhantom(t *testing.T) {
	w := newWorld(t)
	w.stack("prod-web-green").outErr = errors.New("backend timeout")
	w.aws.groups = append(w.aws.groups,
		awscheck.Group{Name: "asg-web-green-old", Tags: map[string]string{"env": "prod", "service": "web", "color": "green"}},
		awscheck.Group{Name: "asg-stray", Tags: map[string]string{"env": "prod", "service": "web", "color": "blue"}})
	code, out, errOut := call(w, (*Workflow).Status, StatusOptions{Envs: []string{"prod"}})
	assert.Equal(t, ExitPhantom, code, "the stray blue group is still a phantom: %s", errOut)
	assert.Contains(t, out, "asg-stray", "the phantom is listed")
	assert.NotContains(t, out[strings.Index(out, "PHANTOM"):], "asg-web-green", "the unread copy's groups are not phantoms")
	assert.Contains(t, errOut, "group asg-web-green is not classified: the outputs of prod-web-green, which would declare it, could not be read", "says why")
	assert.Contains(t, errOut, "outputs of prod-web-green: backend timeout", "the read error is reported for the stack")

	w.aws.groups = w.aws.groups[:len(w.aws.groups)-1]
	code, _, _ = call(w, (*Workflow).Status, StatusOptions{Envs: []string{"prod"}})
	assert.Equal(t, ExitFailed, code, "only a failed read: exit 1, not 3")
}

// Status shows, per release, the instances still draining and their age,
// flags the ones past their hook's heartbeat, and names the instances whose
// release tag is not their group's.
func TestStatusShowsDrainingAndOutdatedInstances(t *testing.T) {
	w := newWorld(t)
	now := w.deps.Clock.Now()
	w.aws.groups = []awscheck.Group{
		{Name: "asg-web-blue", Desired: 3, InService: 3, Tags: map[string]string{"release": "2026.11.20-1"}},
		{Name: "asg-tr-r1", Desired: 0, InService: 0, Tags: map[string]string{"release": "r1"}, Members: []awscheck.Member{
			{ID: "i-old", LifecycleState: "Terminating:Wait"}, {ID: "i-young", LifecycleState: "Terminating:Wait"}}},
		{Name: "asg-tr-r2", Desired: 2, InService: 2, Tags: map[string]string{"release": "r2"}, Members: []awscheck.Member{
			{ID: "i-a", LifecycleState: "InService"}, {ID: "i-b", LifecycleState: "InService"}}},
	}
	w.aws.drains = map[string]awscheck.Drain{"asg-tr-r1": {Heartbeat: 30 * time.Minute, Since: map[string]time.Time{
		"i-old": now.Add(-45 * time.Minute), "i-young": now.Add(-5 * time.Minute)}}}
	w.aws.tagged = []awscheck.TaggedInstance{
		{ID: "i-a", Group: "asg-tr-r2", Tags: map[string]string{"release": "r2"}},
		{ID: "i-b", Group: "asg-tr-r2", Tags: map[string]string{"release": "r1"}},
		{ID: "i-stray", Group: "asg-unknown", Tags: map[string]string{"release": "r0"}},
	}
	code, out, errOut := call(w, (*Workflow).Status, StatusOptions{Envs: []string{"prod"}})
	require.NotEqual(t, ExitFailed, code, "status: %s\n%s", errOut, out)
	assert.Regexp(t, `r1\s+draining\s+asg-tr-r1\s+0\s+0\s+2 \(oldest 45m0s\)`, out, "the draining release counts its instances and the oldest's age")
	assert.Regexp(t, `r2\s+active\s+asg-tr-r2\s+2\s+2\s+-`, out, "the active release drains nothing")
	assert.Regexp(t, `asg-tr-r1\s+r1\s+i-old\s+45m0s\s+30m0s\s+overdue: past its hook's heartbeat`, out, "the instance past its heartbeat is flagged")
	assert.Regexp(t, `asg-tr-r1\s+r1\s+i-young\s+5m0s\s+30m0s\s*\n`, out, "a young drain is not flagged")
	assert.Regexp(t, `asg-tr-r2\s+i-b\s+r2\s+r1`, out, "the outdated instance names both releases")
	assert.NotContains(t, out, "i-a ", "an up-to-date instance is not listed")
	assert.NotContains(t, out, "i-stray", "instances of groups status does not know are left to the phantom check")
}
