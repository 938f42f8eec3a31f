// Package observed holds the plain values infra observes of an env: what
// AWS reports of its groups, targets and traffic (read by infra/awscheck)
// and what the Pulumi engine reports of its stacks (read by infra/engine).
// It imports nothing but the standard library, so that the decisions made
// from these values (infra/decide) are tested on plain values, without an
// SDK or an engine.
package observed

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"
)

// Target states reported by ELBv2, so callers can compare Target.State
// without importing the SDK.
const (
	TargetInitial     = "initial"
	TargetHealthy     = "healthy"
	TargetUnhealthy   = "unhealthy"
	TargetDraining    = "draining"
	TargetUnused      = "unused"
	TargetUnavailable = "unavailable"
)

// Target is one registered target of a target group and its health.
type Target struct {
	ID    string
	Port  int32
	State string
	// Reason and Description explain a non-healthy State, e.g.
	// "Target.DeregistrationInProgress"; both are empty when healthy.
	Reason      string
	Description string
}

// TrafficPoint is the ALB's traffic in the minute starting at Time (UTC).
type TrafficPoint struct {
	Time              time.Time
	Requests          float64
	ActiveConnections float64
}

// Group is an Auto Scaling group's sizing and where it registers targets.
type Group struct {
	Name string
	Tags map[string]string
	Min  int
	Max  int
	// Desired is what the group is converging to; InService counts the
	// instances whose lifecycle state is InService right now, so a roll
	// can wait for the two to agree.
	Desired   int
	InService int
	// Instances counts the instances in any lifecycle state: one in
	// Terminating:Wait is still finishing its work.
	Instances int
	// Members are the group's instances and their lifecycle states.
	Members         []Member
	TargetGroupARNs []string
}

// Member is one instance of a group as Auto Scaling sees it.
type Member struct {
	ID             string
	LifecycleState string
}

// Draining reports whether the instance is terminating but still holds
// its work: its termination hook has not completed.
func (m Member) Draining() bool {
	return m.LifecycleState == "Terminating:Wait" || m.LifecycleState == "Terminating:Proceed" || m.LifecycleState == "Terminating"
}

// TaggedInstance is one EC2 instance and the tags it carries.
type TaggedInstance struct {
	ID string
	// Group is its Auto Scaling group (the aws:autoscaling:groupName tag).
	Group string
	Tags  map[string]string
}

// Drain is how a group's terminating instances drain.
type Drain struct {
	// Heartbeat is the terminating hook's heartbeat timeout; zero when the
	// group has no terminating hook.
	Heartbeat time.Duration
	// Since maps a terminating instance to when its termination began.
	Since map[string]time.Time
}

// Step is one resource's planned or applied operation in a preview, up or
// destroy, from the engine's events.
type Step struct {
	// URN identifies the resource.
	URN string
	// Type is the resource type token, e.g. "aws:route53/record:Record".
	Type string
	// Op is the engine's operation: same, create, update, delete, replace,
	// create-replacement, delete-replaced, read, ...
	Op string
}

// Name is the resource's logical name, the last part of its URN.
func (s Step) Name() string { return lastName(s.URN) }

// Deployed is one resource of a stack's deployed state.
type Deployed struct {
	// URN identifies the resource.
	URN string `json:"urn"`
	// Type is its type token.
	Type string `json:"type"`
	// Outputs are its state as the provider last reported it.
	Outputs map[string]any `json:"outputs"`
}

// Name is the resource's logical name, the last part of its URN.
func (d Deployed) Name() string { return lastName(d.URN) }

func lastName(urn string) string { return urn[strings.LastIndex(urn, "::")+2:] }

// Update summarizes a stack's most recent operation.
type Update struct {
	// Kind is update, preview, destroy, refresh...
	Kind string
	// Result is succeeded, failed or in-progress.
	Result string
	// StartTime is when the operation started.
	StartTime time.Time
	// EndTime is when it ended; zero while in progress.
	EndTime time.Time
	// Changes counts resources per operation.
	Changes map[string]int
}

// ConfigNamespace is the project's config namespace: a stack's config
// paths are relative to it ("live.web" is "video-platform:live.web"), and
// messages name keys with it.
const ConfigNamespace = "video-platform"

// Int reads a number that may arrive as float64 (stack outputs and
// deployed state, from JSON), int, json.Number or a string (config).
func Int(v any) (int, bool) {
	switch n := v.(type) {
	case float64:
		return int(n), true
	case int:
		return n, true
	case json.Number:
		i, err := n.Int64()
		return int(i), err == nil
	case string:
		i, err := strconv.Atoi(strings.TrimSpace(n))
		return i, err == nil
	}
	return 0, false
}
