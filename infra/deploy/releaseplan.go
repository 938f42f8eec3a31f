package deploy

import (
	"fmt"
	"slices"
	"time"
)

// releaseStep is what `infra release` does next.
type releaseStep int

const (
	// stepDeploy sets the idle copy's release and capacity and runs its up.
	stepDeploy releaseStep = iota
	// stepWaitHealthy waits until every instance of the idle copy is a
	// healthy target.
	stepWaitHealthy
	// stepCanary sends a share of the traffic to the new color and holds it.
	stepCanary
	// stepSwap makes the new color live, with the swap's preflight.
	stepSwap
	// stepWatch watches the new color's alarms for what is left of --watch.
	stepWatch
	// stepDone hands the old color over to housekeeping.
	stepDone
	// stepRolledBack refuses: this release was swapped in and rolled back.
	stepRolledBack
)

func (s releaseStep) String() string {
	return [...]string{"deploy to the idle copy", "wait for healthy targets", "canary", "swap", "watch the alarms", "done", "rolled back"}[s]
}

// releaseState is what a release observes before each step: the deployed
// config and what AWS says. Every decision is made from it afresh, so that
// re-running the same command after a crash continues where it stopped.
type releaseState struct {
	// Live is the live color; Target the other one, which gets the release.
	Live, Target string
	// LiveRelease and TargetRelease are the copies' copy.release.
	LiveRelease, TargetRelease string
	// TargetDesired is the target copy's configured desired capacity.
	TargetDesired int
	// LiveInService is the live copy's instances in service now.
	LiveInService int
	// TargetReady is true when every instance the target group wants is in
	// service and a healthy target.
	TargetReady bool
	// Canary is the DNS stack's canary share for the target color.
	Canary int
	// Previous is the color the last swap or rollback of the service made
	// not live, and SwappedAt when.
	Previous  string
	SwappedAt time.Time
	// PreviousRelease is the previous color's copy.release.
	PreviousRelease string
	Now             time.Time
}

// releasePlan is the next step and, for stepCanary and stepWatch, its
// share or the watch left.
type releasePlan struct {
	Step      releaseStep
	CanaryPct int
	WatchLeft time.Duration
}

// nextReleaseStep decides a release of release with canary steps and a
// watch of watch. The release is live once the live copy runs it; until
// then the target copy must run it at no less than the live copy's
// in-service capacity and be healthy before any traffic moves to it.
func nextReleaseStep(st releaseState, release string, canary []int, watch time.Duration) releasePlan {
	if st.LiveRelease == release {
		// Swapped in: watch what is left of the watch since the swap.
		if left := watch - st.Now.Sub(st.SwappedAt); !st.SwappedAt.IsZero() && left > 0 {
			return releasePlan{Step: stepWatch, WatchLeft: left}
		}
		return releasePlan{Step: stepDone}
	}
	// A swap back after this release went live leaves it on the previous
	// color: trying it again is a decision, not a resume.
	if st.Previous == st.Target && st.PreviousRelease == release && st.TargetRelease == release && st.Canary == 0 {
		return releasePlan{Step: stepRolledBack}
	}
	if st.TargetRelease != release || st.TargetDesired < max(st.LiveInService, 1) {
		return releasePlan{Step: stepDeploy}
	}
	if !st.TargetReady {
		return releasePlan{Step: stepWaitHealthy}
	}
	// A canary share in force is held again from the start: how long it
	// was held before a crash is not recorded, and an alarm needs minutes.
	if st.Canary > 0 && slices.Contains(canary, st.Canary) {
		return releasePlan{Step: stepCanary, CanaryPct: st.Canary}
	}
	for _, pct := range canary {
		if pct > st.Canary {
			return releasePlan{Step: stepCanary, CanaryPct: pct}
		}
	}
	return releasePlan{Step: stepSwap}
}

// nextCanary is the share after pct, or 0 when pct was the last step.
func nextCanary(canary []int, pct int) int {
	for _, p := range canary {
		if p > pct {
			return p
		}
	}
	return 0
}

// parseCanary reads --canary: ascending shares from 1 to 99.
func parseCanary(shares []int) error {
	prev := 0
	for _, p := range shares {
		if p < 1 || p > 99 {
			return fmt.Errorf("--canary share %d is not accepted; accepted: percentages from 1 to 99, ascending, such as 10,50", p)
		}
		if p <= prev {
			return fmt.Errorf("--canary share %d after %d is not accepted; accepted: percentages from 1 to 99, ascending, such as 10,50", p, prev)
		}
		prev = p
	}
	return nil
}
