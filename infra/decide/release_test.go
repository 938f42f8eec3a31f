package decide

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestNextReleaseStep(t *testing.T) {
	const r = "r2"
	fresh := func() ReleaseState {
		return ReleaseState{Live: "blue", Target: "green", LiveRelease: "r1", TargetRelease: "r1",
			TargetDesired: 0, LiveInService: 3, Previous: "green", PreviousRelease: "r1", SwappedAt: t0.Add(-48 * time.Hour), Now: t0}
	}
	deployed := func() ReleaseState {
		st := fresh()
		st.TargetRelease, st.TargetDesired = r, 3
		return st
	}
	ready := func() ReleaseState {
		st := deployed()
		st.TargetReady = true
		return st
	}
	canary := []int{10, 50}
	cases := []struct {
		name   string
		st     ReleaseState
		canary []int
		want   ReleasePlan
	}{
		{"a new release deploys to the idle copy first", fresh(), nil, ReleasePlan{Step: StepDeploy}},
		{"an idle copy smaller than the live one is sized up before anything moves",
			func() ReleaseState { st := deployed(); st.TargetDesired = 2; st.TargetReady = true; return st }(), nil, ReleasePlan{Step: StepDeploy}},
		{"deployed but not healthy: no traffic moves", deployed(), canary, ReleasePlan{Step: StepWaitHealthy}},
		{"healthy, no canary: swap", ready(), nil, ReleasePlan{Step: StepSwap}},
		{"healthy with canary: the first share", ready(), canary, ReleasePlan{Step: StepCanary, CanaryPct: 10}},
		{"a crash during the 10% hold holds 10% again", func() ReleaseState { st := ready(); st.Canary = 10; return st }(), canary,
			ReleasePlan{Step: StepCanary, CanaryPct: 10}},
		{"a canary share not among the steps goes to the next step", func() ReleaseState { st := ready(); st.Canary = 20; return st }(), canary,
			ReleasePlan{Step: StepCanary, CanaryPct: 50}},
		{"swapped in: the rest of the watch", func() ReleaseState {
			st := ready()
			st.Live, st.Target, st.LiveRelease, st.TargetRelease = "green", "blue", r, "r1"
			st.Previous, st.PreviousRelease, st.SwappedAt = "blue", "r1", t0.Add(-5*time.Minute)
			return st
		}(), nil, ReleasePlan{Step: StepWatch, WatchLeft: 10 * time.Minute}},
		{"watched long enough: done", func() ReleaseState {
			st := ready()
			st.Live, st.LiveRelease, st.SwappedAt = "green", r, t0.Add(-16*time.Minute)
			return st
		}(), nil, ReleasePlan{Step: StepDone}},
		{"swapped in and rolled back: refused, not retried", func() ReleaseState {
			st := ready()
			st.Previous, st.PreviousRelease, st.SwappedAt = "green", r, t0.Add(-time.Minute)
			return st
		}(), nil, ReleasePlan{Step: StepRolledBack}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			assert.Equal(t, c.want, NextReleaseStep(c.st, r, c.canary, 15*time.Minute))
		})
	}
}

func TestParseCanary(t *testing.T) {
	assert.NoError(t, CheckCanary([]int{10, 50}))
	assert.EqualError(t, CheckCanary([]int{50, 10}), "--canary share 10 after 50 is not accepted; accepted: percentages from 1 to 99, ascending, such as 10,50")
	assert.ErrorContains(t, CheckCanary([]int{0}), "--canary share 0 is not accepted")
	assert.ErrorContains(t, CheckCanary([]int{100}), "--canary share 100 is not accepted")
	assert.Equal(t, 50, NextCanary([]int{10, 50}, 10))
	assert.Equal(t, 0, NextCanary([]int{10, 50}, 50), "after the last share comes the swap")
}

func TestDeployCapacity(t *testing.T) {
	assert.Equal(t, Capacity{Min: 2, Max: 12, Desired: 5}, DeployCapacity(Capacity{Min: 2, Max: 12, Desired: 3}, 5), "desired at least what the live copy has in service")
	assert.Equal(t, Capacity{Min: 0, Max: 1, Desired: 1}, DeployCapacity(Capacity{}, 0), "at least one instance, and max at least desired")
	assert.True(t, TargetSized(ReleaseState{TargetRelease: "r2", TargetDesired: 3, LiveInService: 3}, "r2"))
	assert.False(t, TargetSized(ReleaseState{TargetRelease: "r2", TargetDesired: 2, LiveInService: 3}, "r2"), "smaller than the live copy")
	assert.False(t, TargetSized(ReleaseState{TargetRelease: "r1", TargetDesired: 3}, "r2"), "another release")
}
