package deploy

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestNextReleaseStep(t *testing.T) {
	const r = "r2"
	fresh := func() releaseState {
		return releaseState{Live: "blue", Target: "green", LiveRelease: "r1", TargetRelease: "r1",
			TargetDesired: 0, LiveInService: 3, Previous: "green", PreviousRelease: "r1", SwappedAt: t0.Add(-48 * time.Hour), Now: t0}
	}
	deployed := func() releaseState {
		st := fresh()
		st.TargetRelease, st.TargetDesired = r, 3
		return st
	}
	ready := func() releaseState {
		st := deployed()
		st.TargetReady = true
		return st
	}
	canary := []int{10, 50}
	cases := []struct {
		name   string
		st     releaseState
		canary []int
		want   releasePlan
	}{
		{"a new release deploys to the idle copy first", fresh(), nil, releasePlan{Step: stepDeploy}},
		{"an idle copy smaller than the live one is sized up before anything moves",
			func() releaseState { st := deployed(); st.TargetDesired = 2; st.TargetReady = true; return st }(), nil, releasePlan{Step: stepDeploy}},
		{"deployed but not healthy: no traffic moves", deployed(), canary, releasePlan{Step: stepWaitHealthy}},
		{"healthy, no canary: swap", ready(), nil, releasePlan{Step: stepSwap}},
		{"healthy with canary: the first share", ready(), canary, releasePlan{Step: stepCanary, CanaryPct: 10}},
		{"a crash during the 10% hold holds 10% again", func() releaseState { st := ready(); st.Canary = 10; return st }(), canary,
			releasePlan{Step: stepCanary, CanaryPct: 10}},
		{"a canary share not among the steps goes to the next step", func() releaseState { st := ready(); st.Canary = 20; return st }(), canary,
			releasePlan{Step: stepCanary, CanaryPct: 50}},
		{"swapped in: the rest of the watch", func() releaseState {
			st := ready()
			st.Live, st.Target, st.LiveRelease, st.TargetRelease = "green", "blue", r, "r1"
			st.Previous, st.PreviousRelease, st.SwappedAt = "blue", "r1", t0.Add(-5*time.Minute)
			return st
		}(), nil, releasePlan{Step: stepWatch, WatchLeft: 10 * time.Minute}},
		{"watched long enough: done", func() releaseState {
			st := ready()
			st.Live, st.LiveRelease, st.SwappedAt = "green", r, t0.Add(-16*time.Minute)
			return st
		}(), nil, releasePlan{Step: stepDone}},
		{"swapped in and rolled back: refused, not retried", func() releaseState {
			st := ready()
			st.Previous, st.PreviousRelease, st.SwappedAt = "green", r, t0.Add(-time.Minute)
			return st
		}(), nil, releasePlan{Step: stepRolledBack}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			assert.Equal(t, c.want, nextReleaseStep(c.st, r, c.canary, 15*time.Minute))
		})
	}
}

func TestParseCanary(t *testing.T) {
	assert.NoError(t, parseCanary([]int{10, 50}))
	assert.EqualError(t, parseCanary([]int{50, 10}), "--canary share 10 after 50 is not accepted; accepted: percentages from 1 to 99, ascending, such as 10,50")
	assert.ErrorContains(t, parseCanary([]int{0}), "--canary share 0 is not accepted")
	assert.ErrorContains(t, parseCanary([]int{100}), "--canary share 100 is not accepted")
	assert.Equal(t, 50, nextCanary([]int{10, 50}, 10))
	assert.Equal(t, 0, nextCanary([]int{10, 50}, 50), "after the last share comes the swap")
}
