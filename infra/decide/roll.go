package decide

import (
	"fmt"

	"github.com/video-platform/video-platform/infra/observed"
	"github.com/video-platform/video-platform/internal/contract"
)

// DefaultMaxDraining is the transcoders stack's default.
const DefaultMaxDraining = contract.DefaultMaxDraining

// Fleet is the part of the config video-platform:transcoders a roll
// changes.
type Fleet struct {
	Active      string   `json:"active"`
	Warming     string   `json:"warming"`
	Draining    []string `json:"draining"`
	MaxDraining *int     `json:"maxDraining"`
}

// MaxDrainingOr is the fleet's maxDraining, or DefaultMaxDraining.
func (f Fleet) MaxDrainingOr() int {
	if f.MaxDraining != nil {
		return *f.MaxDraining
	}
	return DefaultMaxDraining
}

// RollPlan is what a roll will do, decided from the config alone.
type RollPlan struct {
	// Warm is true when phase 1 (create the new group beside the active
	// one) is still to do; false when a roll that crashed after it resumes.
	Warm bool
	// Previous is the release that stays active until the new one is ready.
	Previous string
}

// PlanRoll decides a roll to release. It never drains the only ready
// release: the previous one stays active until the new one is proven.
func PlanRoll(cfg Fleet, env, release string) (RollPlan, error) {
	switch {
	case release == cfg.Active:
		return RollPlan{}, fmt.Errorf("%s is already the active release", release)
	case cfg.Warming != "" && cfg.Warming != release:
		return RollPlan{}, fmt.Errorf("a roll to %s is in progress (warming); finish it with `infra roll %s transcoders --release %s`, or remove transcoders.warming to abandon it", cfg.Warming, env, cfg.Warming)
	}
	return RollPlan{Warm: cfg.Warming != release, Previous: cfg.Active}, nil
}

// NextDraining is the draining list once release is active: the previous
// active release first, without release itself.
func NextDraining(cfg Fleet, release string) []string {
	out := []string{cfg.Active}
	for _, r := range cfg.Draining {
		if r != release && r != cfg.Active {
			out = append(out, r)
		}
	}
	return out
}

// Drained says whether a draining release's group may go: it does not
// exist, or it holds no instance in any lifecycle state and wants none.
// One in Terminating:Wait still finishes a job.
func Drained(g observed.Group, exists bool) bool {
	return !exists || (g.Instances == 0 && g.Desired == 0)
}

// FleetReady says whether a release's group has every instance it wants
// in service: with the launch hook, in service means ready.
func FleetReady(g observed.Group) bool {
	return g.Desired > 0 && g.InService >= g.Desired
}
