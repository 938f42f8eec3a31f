package decide

import (
	"errors"
	"fmt"
	"strings"

	"github.com/video-platform/video-platform/infra/observed"
)

// RecordType is the only resource type a swap may change.
const RecordType = "aws:route53/record:Record"

// CopyState is what a swap preflight observed of one copy in AWS.
type CopyState struct {
	// Name is the copy's stack.
	Name string
	// Group is its Auto Scaling group; Found says AWS has it.
	Group string
	Found bool
	// Desired and InService are the group's counts right now.
	Desired, InService int
	// Targets are its target group's targets and their health.
	Targets []observed.Target
}

// JudgeSwapTarget decides whether target may take the traffic that live
// serves, from what is running rather than what is configured: every
// instance the group wants is in service, every one of them is a healthy
// target, and there are at least as many as the live copy has in service.
// live is nil when the comparison is waived (--allow-smaller).
func JudgeSwapTarget(target CopyState, live *CopyState) error {
	if !target.Found {
		return fmt.Errorf("target copy %s: AWS has no Auto Scaling group %q", target.Name, target.Group)
	}
	if target.InService == 0 {
		return fmt.Errorf("target copy %s has no instance in service (desired %d)", target.Name, target.Desired)
	}
	if target.InService < target.Desired {
		return fmt.Errorf("target copy %s has %d of %d instances in service; wait until the group has launched them all", target.Name, target.InService, target.Desired)
	}
	if len(target.Targets) == 0 {
		return fmt.Errorf("target copy %s has no registered targets", target.Name)
	}
	var sick []string
	for _, t := range target.Targets {
		if t.State != observed.TargetHealthy {
			sick = append(sick, fmt.Sprintf("%s:%d %s %s", t.ID, t.Port, t.State, t.Reason))
		}
	}
	if len(sick) > 0 {
		return fmt.Errorf("target copy %s has %d of %d targets not healthy: %s", target.Name, len(sick), len(target.Targets), strings.Join(sick, "; "))
	}
	if len(target.Targets) < target.InService {
		return fmt.Errorf("target copy %s has %d instances in service but only %d registered targets", target.Name, target.InService, len(target.Targets))
	}
	if live != nil && target.InService < live.InService {
		return fmt.Errorf("target copy %s has %d instances in service, fewer than the %d of the live %s; scale it up first or pass --allow-smaller", target.Name, target.InService, live.InService, live.Name)
	}
	return nil
}

// PreviewComplete fails closed when a preview's steps do not account for
// the changes its summary counts: steps lost from the event stream (ended
// early, timed out) must never read as "only the records change".
func PreviewComplete(steps []observed.Step, changes map[string]int) error {
	if len(steps) == 0 {
		return errors.New("the preview reported no steps at all (its event stream ended early or timed out); refusing rather than guessing what the update would change")
	}
	changed, seen := 0, 0
	for op, n := range changes {
		if op != "same" && op != "read" {
			changed += n
		}
	}
	for _, s := range steps {
		if s.Op != "same" && s.Op != "read" {
			seen++
		}
	}
	if seen < changed {
		return fmt.Errorf("the preview's summary counts %d changes but its event stream showed %d; refusing rather than guessing what the others are", changed, seen)
	}
	return nil
}

// UnrelatedSteps lists the steps a swap of svc must not make: anything but
// the service's own Route53 records, except no-op steps.
func UnrelatedSteps(steps []observed.Step, svc string) []observed.Step {
	var bad []observed.Step
	for _, s := range steps {
		if s.Op == "same" || s.Op == "read" {
			continue
		}
		if s.Type == RecordType && strings.HasPrefix(s.Name(), svc+"-") {
			continue
		}
		bad = append(bad, s)
	}
	return bad
}
