package deploy

import (
	"fmt"
	"time"
)

// findingLevel says what a housekeeping finding asks of people.
type findingLevel string

const (
	// levelDone is an action housekeeping took.
	levelDone findingLevel = "done"
	// levelInfo is a state worth a line, needing nobody.
	levelInfo findingLevel = "info"
	// levelAttention needs someone: the run fails on it.
	levelAttention findingLevel = "attention"
)

// Finding is one line of housekeeping's report.
type Finding struct {
	Level   findingLevel `json:"level"`
	Kind    string       `json:"kind"`
	Subject string       `json:"subject"`
	Message string       `json:"message"`
}

func (f Finding) String() string {
	return fmt.Sprintf("%-9s %-17s %s: %s", f.Level, f.Kind, f.Subject, f.Message)
}

// idleCopy is what housekeeping observes of a copy that is not live.
type idleCopy struct {
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

// idleCopyAction is what housekeeping does with a copy that is not live.
type idleCopyAction int

const (
	keepCopy idleCopyAction = iota
	retireCopy
)

// judgeIdleCopy decides whether housekeeping retires a copy that is not
// live. It retires only the copy a swap left behind, still running what
// it ran then, once the DNS TTLs and minWait have passed since the swap and
// its traffic has stopped; a copy that keeps traffic past maxIdle is
// reported. A canary target and a staged release are never touched.
func judgeIdleCopy(c idleCopy, now time.Time, minWait, maxIdle time.Duration) (idleCopyAction, Finding) {
	f := Finding{Kind: "idle-copy", Subject: c.Stack, Level: levelInfo}
	since := now.Sub(c.SwappedAt).Round(time.Minute)
	switch {
	case !c.HasCapacity:
		return keepCopy, Finding{}
	case c.Canary > 0:
		f.Message = fmt.Sprintf("canary target with %d%% of the traffic; left alone", c.Canary)
	case !c.SwappedOut || c.PreviousRelease == "":
		f.Message = fmt.Sprintf("runs %s and was not swapped out (a release staged for the next swap); left alone", c.Release)
	case c.Release != c.PreviousRelease:
		f.Message = fmt.Sprintf("runs %s, staged after it was swapped out running %s; left alone", c.Release, c.PreviousRelease)
	case since < max(minWait, 3*dnsTTL):
		f.Message = fmt.Sprintf("swapped out %s ago; retired once %s have passed and its traffic has stopped", since, max(minWait, 3*dnsTTL))
	case c.TrafficErr != nil:
		f.Level = levelAttention
		f.Message = fmt.Sprintf("its traffic cannot be read (%v); not retired", c.TrafficErr)
	case c.Quiet:
		f.Level = levelDone
		f.Message = fmt.Sprintf("no traffic (%s) %s after its swap: retired to zero instances, load balancer kept", c.Traffic, since)
		return retireCopy, f
	case since > maxIdle:
		f.Level = levelAttention
		f.Message = fmt.Sprintf("still has traffic (%s) %s after its swap, more than --max-idle %s; not retired: find who still connects (docs/operations.md, DNS caching)",
			c.Traffic, since, maxIdle)
	default:
		f.Message = fmt.Sprintf("still has traffic (%s) %s after its swap; retired once it stops", c.Traffic, since)
	}
	return keepCopy, f
}
