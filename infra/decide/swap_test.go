package decide

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/video-platform/video-platform/infra/observed"
)

func TestUnrelatedSteps(t *testing.T) {
	steps := []observed.Step{
		{URN: "urn:a::b::aws:route53/record:Record::web-direct-green-a", Type: RecordType, Op: "create"},
		{URN: "urn:a::b::aws:route53/record:Record::webhook-a", Type: RecordType, Op: "update"},
		{URN: "urn:a::b::pulumi:pulumi:StackReference::prod-web-blue", Type: "pulumi:pulumi:StackReference", Op: "read"},
	}
	bad := UnrelatedSteps(steps, "web")
	require.Len(t, bad, 1, "only the record of another name prefix is unrelated")
	assert.Equal(t, "webhook-a", bad[0].Name(), "web- prefix needs the dash")
}

func TestJudgeSwapTarget(t *testing.T) {
	healthy := func(n int) []observed.Target {
		var out []observed.Target
		for i := range n {
			out = append(out, observed.Target{ID: "i-" + string(rune('a'+i)), Port: 8080, State: observed.TargetHealthy})
		}
		return out
	}
	ready := func() CopyState {
		return CopyState{Name: "prod-web-green", Group: "g", Found: true, Desired: 3, InService: 3, Targets: healthy(3)}
	}
	live := &CopyState{Name: "prod-web-blue", InService: 3}
	edit := func(f func(*CopyState)) CopyState { c := ready(); f(&c); return c }
	cases := []struct {
		name   string
		target CopyState
		live   *CopyState
		want   string
	}{
		{"ready", ready(), live, ""},
		{"no group", edit(func(c *CopyState) { c.Found = false }), live, `AWS has no Auto Scaling group "g"`},
		{"nothing in service", edit(func(c *CopyState) { c.InService = 0 }), live, "has no instance in service (desired 3)"},
		{"short of capacity", edit(func(c *CopyState) { c.InService = 2 }), nil, "has 2 of 3 instances in service"},
		{"no targets", edit(func(c *CopyState) { c.Targets = nil }), live, "has no registered targets"},
		{"an unhealthy target", edit(func(c *CopyState) {
			c.Targets[1].State, c.Targets[1].Reason = observed.TargetUnhealthy, "Target.Timeout"
		}), live,
			"has 1 of 3 targets not healthy: i-b:8080 unhealthy Target.Timeout"},
		{"fewer targets than instances", edit(func(c *CopyState) { c.Targets = healthy(2) }), live, "has 3 instances in service but only 2 registered targets"},
		{"smaller than live", ready(), &CopyState{Name: "prod-web-blue", InService: 5}, "fewer than the 5 of the live prod-web-blue; scale it up first or pass --allow-smaller"},
		{"smaller, allowed", ready(), nil, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := JudgeSwapTarget(c.target, c.live)
			if c.want == "" {
				assert.NoError(t, err)
				return
			}
			assert.ErrorContains(t, err, c.want)
		})
	}
}

func TestPreviewComplete(t *testing.T) {
	update := observed.Step{URN: "urn::web-blue-a", Type: RecordType, Op: "update"}
	same := observed.Step{URN: "urn::zone", Type: "aws:route53/zone:Zone", Op: "same"}
	assert.NoError(t, PreviewComplete([]observed.Step{update, same}, map[string]int{"update": 1, "same": 1}), "every change has its step")
	assert.ErrorContains(t, PreviewComplete(nil, map[string]int{"same": 3}), "reported no steps at all", "no steps is never no changes")
	assert.ErrorContains(t, PreviewComplete([]observed.Step{same}, map[string]int{"update": 2, "same": 1}), "summary counts 2 changes but its event stream showed 0")
}
