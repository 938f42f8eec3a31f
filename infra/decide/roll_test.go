package decide

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/video-platform/video-platform/infra/observed"
)

func TestPlanRoll(t *testing.T) {
	p, err := PlanRoll(Fleet{Active: "r2", Draining: []string{"r1"}}, "prod", "r3")
	require.NoError(t, err)
	assert.Equal(t, RollPlan{Warm: true, Previous: "r2"}, p, "phase 1 first; r2 stays active")
	p, err = PlanRoll(Fleet{Active: "r2", Warming: "r3"}, "prod", "r3")
	require.NoError(t, err)
	assert.Equal(t, RollPlan{Warm: false, Previous: "r2"}, p, "a roll stopped between its phases resumes at phase 2")
	_, err = PlanRoll(Fleet{Active: "r3"}, "prod", "r3")
	assert.EqualError(t, err, "r3 is already the active release")
	_, err = PlanRoll(Fleet{Active: "r2", Warming: "r3"}, "prod", "r4")
	assert.ErrorContains(t, err, "a roll to r3 is in progress (warming); finish it with `infra roll prod transcoders --release r3`")

	assert.Equal(t, []string{"r2", "r1"}, NextDraining(Fleet{Active: "r2", Draining: []string{"r1", "r3"}}, "r3"), "the previous active first, never the new one")
	assert.Equal(t, DefaultMaxDraining, Fleet{}.MaxDrainingOr())
	two := 1
	assert.Equal(t, 1, Fleet{MaxDraining: &two}.MaxDrainingOr())
}

func TestDrainedAndFleetReady(t *testing.T) {
	assert.True(t, Drained(observed.Group{}, false), "a group that is gone")
	assert.True(t, Drained(observed.Group{}, true), "an empty group")
	assert.False(t, Drained(observed.Group{Instances: 1}, true), "an instance in Terminating:Wait still finishes a job")
	assert.False(t, Drained(observed.Group{Desired: 1}, true), "a group that wants an instance")

	assert.True(t, FleetReady(observed.Group{Desired: 2, InService: 2}))
	assert.False(t, FleetReady(observed.Group{Desired: 2, InService: 1}), "short of capacity")
	assert.False(t, FleetReady(observed.Group{}), "a group that wants nothing is not a ready fleet")
}
