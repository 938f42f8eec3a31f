// Package decide holds the deploy workflow's decisions as pure functions
// of what was observed: the next step of a release, whether a copy may
// take the traffic, whether an idle copy is retired, what a roll does,
// which groups are phantoms, what the traffic guards refuse. The values
// come from infra/observed and internal/topology, so every decision is
// tested on plain values, without an engine, an SDK or a fake of either;
// infra/workflow observes, asks, and acts.
package decide

import (
	"fmt"
	"slices"
	"time"
)

// ReleaseStep is what `infra release` does next.
type ReleaseStep int

const (
	// StepDeploy sets the idle copy's release and capacity and runs its up.
	StepDeploy ReleaseStep = iota
	// StepWaitHealthy waits until every instance of the idle copy is a
	// healthy target.
	StepWaitHealthy
	// StepCanary sends a share of the traffic to the new color and holds it.
	StepCanary
	// StepSwap makes the new color live, with the swap's preflight.
	StepSwap
	// StepWatch watches the new color's alarms for what is left of --watch.
	StepWatch
	// StepDone hands the old color over to housekeeping.
	StepDone
	// StepRolledBack refuses: this release was swapped in and rolled back.
	StepRolledBack
)

func (s ReleaseStep) String() string {
	return [...]string{"deploy to the idle copy", "wait for healthy targets", "canary", "swap", "watch the alarms", "done", "rolled back"}[s]
}

// ReleaseState is what a release observes before each step: the deployed
// config and what AWS says. Every decision is made from it afresh, so that
// re-running the same command after a crash continues where it stopped.
type ReleaseState struct {
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

// ReleasePlan is the next step and, for StepCanary and StepWatch, its
// share or the watch left.
type ReleasePlan struct {
	Step      ReleaseStep
	CanaryPct int
	WatchLeft time.Duration
}

// NextReleaseStep decides a release of release with canary steps and a
// watch of watch. The release is live once the live copy runs it; until
// then the target copy must run it at no less than the live copy's
// in-service capacity and be healthy before any traffic moves to it.
func NextReleaseStep(st ReleaseState, release string, canary []int, watch time.Duration) ReleasePlan {
	if st.LiveRelease == release {
		// Swapped in: watch what is left of the watch since the swap.
		if left := watch - st.Now.Sub(st.SwappedAt); !st.SwappedAt.IsZero() && left > 0 {
			return ReleasePlan{Step: StepWatch, WatchLeft: left}
		}
		return ReleasePlan{Step: StepDone}
	}
	// A swap back after this release went live leaves it on the previous
	// color: trying it again is a decision, not a resume.
	if st.Previous == st.Target && st.PreviousRelease == release && st.TargetRelease == release && st.Canary == 0 {
		return ReleasePlan{Step: StepRolledBack}
	}
	if !TargetSized(st, release) {
		return ReleasePlan{Step: StepDeploy}
	}
	if !st.TargetReady {
		return ReleasePlan{Step: StepWaitHealthy}
	}
	// A canary share in force is held again from the start: how long it
	// was held before a crash is not recorded, and an alarm needs minutes.
	if st.Canary > 0 && slices.Contains(canary, st.Canary) {
		return ReleasePlan{Step: StepCanary, CanaryPct: st.Canary}
	}
	for _, pct := range canary {
		if pct > st.Canary {
			return ReleasePlan{Step: StepCanary, CanaryPct: pct}
		}
	}
	return ReleasePlan{Step: StepSwap}
}

// TargetSized says whether the target copy runs release at no less than
// the live copy's in-service capacity (and at least one instance): only
// then is its readiness worth asking.
func TargetSized(st ReleaseState, release string) bool {
	return st.TargetRelease == release && st.TargetDesired >= max(st.LiveInService, 1)
}

// NextCanary is the share after pct, or 0 when pct was the last step.
func NextCanary(canary []int, pct int) int {
	for _, p := range canary {
		if p > pct {
			return p
		}
	}
	return 0
}

// CheckCanary checks --canary: ascending shares from 1 to 99.
func CheckCanary(shares []int) error {
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

// DeployCapacity is the capacity the idle copy gets for a release: the
// live copy's configured capacity, with desired at least what the live
// copy has in service (and at least its min, and one), and max at least
// desired.
func DeployCapacity(live Capacity, liveInService int) Capacity {
	want := Capacity{Min: live.Min, Max: live.Max, Desired: max(live.Desired, liveInService, live.Min, 1)}
	want.Max = max(want.Max, want.Desired)
	return want
}
