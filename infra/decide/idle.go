package decide

import (
	"fmt"
	"time"
)

// DNSTTL is the TTL Route53 gives alias records to ALBs; resolvers that
// honour it have moved within a few TTLs of the swap.
const DNSTTL = 60 * time.Second

// FindingLevel says what a housekeeping finding asks of people.
type FindingLevel string

const (
	// LevelDone is an action housekeeping took.
	LevelDone FindingLevel = "done"
	// LevelInfo is a state worth a line, needing nobody.
	LevelInfo FindingLevel = "info"
	// LevelAttention needs someone: the run fails on it.
	LevelAttention FindingLevel = "attention"
)

// Finding is one line of housekeeping's report.
type Finding struct {
	Level   FindingLevel `json:"level"`
	Kind    string       `json:"kind"`
	Subject string       `json:"subject"`
	Message string       `json:"message"`
}

func (f Finding) String() string {
	return fmt.Sprintf("%-9s %-17s %s: %s", f.Level, f.Kind, f.Subject, f.Message)
}

// IdleCopy is what housekeeping observes of a copy that is not live.
type IdleCopy struct {
	Stack   string
	Release string
	// HasCapacity is false once the copy is retired (max size 0).
	HasCapacity bool
	// Canary is the DNS stack's share for this color.
	Canary int
	// SwappedOut is true when the last swap of the service made this color
	// not live; PreviousRelease is what it ran then and SwappedAt when.
	SwappedOut      bool
	PreviousRelease string
	SwappedAt       time.Time
	// Quiet says the load balancer had no requests and no connections
	// over the quiet window; TrafficErr is set when that could not be read.
	Quiet      bool
	Traffic    string
	TrafficErr error
}

// Retirable says whether the copy is the one a swap left behind, still
// with capacity and running what it ran then, and not a canary target:
// only then is its traffic worth reading.
func (c IdleCopy) Retirable() bool {
	return c.HasCapacity && c.SwappedOut && c.Release == c.PreviousRelease && c.Canary == 0
}

// IdleCopyAction is what housekeeping does with a copy that is not live.
type IdleCopyAction int

const (
	// KeepCopy leaves the copy as it is.
	KeepCopy IdleCopyAction = iota
	// RetireCopy retires it to zero instances.
	RetireCopy
)

// JudgeIdleCopy decides whether housekeeping retires a copy that is not
// live. It retires only the copy a swap left behind, still running what
// it ran then, once the DNS TTLs and minWait have passed since the swap and
// its traffic has stopped; a copy that keeps traffic past maxIdle is
// reported. A canary target and a staged release are never touched.
func JudgeIdleCopy(c IdleCopy, now time.Time, minWait, maxIdle time.Duration) (IdleCopyAction, Finding) {
	f := Finding{Kind: "idle-copy", Subject: c.Stack, Level: LevelInfo}
	since := now.Sub(c.SwappedAt).Round(time.Minute)
	switch {
	case !c.HasCapacity:
		return KeepCopy, Finding{}
	case c.Canary > 0:
		f.Message = fmt.Sprintf("canary target with %d%% of the traffic; left alone", c.Canary)
	case !c.SwappedOut || c.PreviousRelease == "":
		f.Message = fmt.Sprintf("runs %s and was not swapped out (a release staged for the next swap); left alone", c.Release)
	case c.Release != c.PreviousRelease:
		f.Message = fmt.Sprintf("runs %s, staged after it was swapped out running %s; left alone", c.Release, c.PreviousRelease)
	case since < max(minWait, 3*DNSTTL):
		f.Message = fmt.Sprintf("swapped out %s ago; retired once %s have passed and its traffic has stopped", since, max(minWait, 3*DNSTTL))
	case c.TrafficErr != nil:
		f.Level = LevelAttention
		f.Message = fmt.Sprintf("its traffic cannot be read (%v); not retired", c.TrafficErr)
	case c.Quiet:
		f.Level = LevelDone
		f.Message = fmt.Sprintf("no traffic (%s) %s after its swap: retired to zero instances, load balancer kept", c.Traffic, since)
		return RetireCopy, f
	case since > maxIdle:
		f.Level = LevelAttention
		f.Message = fmt.Sprintf("still has traffic (%s) %s after its swap, more than --max-idle %s; not retired: find who still connects (docs/operations.md, DNS caching)",
			c.Traffic, since, maxIdle)
	default:
		f.Message = fmt.Sprintf("still has traffic (%s) %s after its swap; retired once it stops", c.Traffic, since)
	}
	return KeepCopy, f
}

// RetireAfter is when a copy swapped out at since may be retired at the
// earliest: 3 × the DNS TTL and minWait after the swap.
func RetireAfter(since time.Time, minWait time.Duration) time.Time {
	return since.Add(max(3*DNSTTL, minWait))
}

// RefuseRetire refuses to retire the live color or a color taking canary
// traffic.
func RefuseRetire(live string, canary int, svc, color string) error {
	if live == color {
		return fmt.Errorf("retire refused: %s is the live color of %s; swap first", color, svc)
	}
	if canary > 0 {
		return fmt.Errorf("retire refused: %s takes a %d%% canary of %s; end it with `swap --canary 0` first", color, canary, svc)
	}
	return nil
}
