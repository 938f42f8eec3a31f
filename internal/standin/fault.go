package standin

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Fault kinds. The first two act in the provider plugin (the engine's
// Create, Update and Delete calls); the rest in the AWS API endpoint.
const (
	// FaultFail makes the Nth matching provider call (or every one when Nth
	// is 0) fail with an AWS-like error.
	FaultFail = "fail"
	// FaultSlow delays every matching provider call by Delay.
	FaultSlow = "slow"
	// FaultTargetsUnhealthy reports every target of the matching target
	// groups (by the group's or its Auto Scaling groups' tags) unhealthy.
	FaultTargetsUnhealthy = "targets-unhealthy"
	// FaultShortOfCapacity keeps Count instances of the matching Auto
	// Scaling groups out of service (all of them when Count is 0).
	FaultShortOfCapacity = "short-of-capacity"
	// FaultChangePending keeps every Route53 change PENDING.
	FaultChangePending = "change-pending"
	// FaultThrottle answers the first Count calls to Service with the
	// service's throttling error.
	FaultThrottle = "throttle"
	// FaultMetricsError makes CloudWatch GetMetricData fail.
	FaultMetricsError = "metrics-error"
	// FaultResidualTraffic reports Count requests and connections a minute
	// on the matching load balancers.
	FaultResidualTraffic = "residual-traffic"
	// FaultTerminatingWait holds Count instances (1 when 0) of the matching
	// Auto Scaling groups in Terminating:Wait beyond the group's desired
	// capacity, draining since Since: their termination hook is still
	// waiting for a job to finish.
	FaultTerminatingWait = "terminating-wait"
	// FaultOutdatedInstances tags Count in-service instances (all when 0)
	// of the matching groups with release Release: they were launched
	// before the group's release changed in place.
	FaultOutdatedInstances = "outdated-instances"
	// FaultAlarm puts the CloudWatch alarms whose name contains Name (and
	// that carry Tags) in ALARM with Reason, from the Nth DescribeAlarms
	// call that asks about one of them on (every call when Nth is 0 or 1).
	FaultAlarm = "alarm"
)

// Provider operations a fail or slow fault can select.
const (
	OpCreate = "create"
	OpUpdate = "update"
	OpDelete = "delete"
)

// APIServices are the Service values a throttle fault accepts: the SigV4
// signing names of the AWS services `infra` calls (each one's endpoint
// prefix too, but for ECR's "api.ecr").
var APIServices = []string{"autoscaling", "dynamodb", "ecr", "elasticloadbalancing", "monitoring", "route53", "sqs", "tagging"}

var faultKinds = []string{FaultFail, FaultSlow, FaultTargetsUnhealthy, FaultShortOfCapacity, FaultChangePending,
	FaultThrottle, FaultMetricsError, FaultResidualTraffic, FaultTerminatingWait, FaultOutdatedInstances, FaultAlarm}

// Fault is one injected failure.
type Fault struct {
	// Kind is one of the Fault* constants.
	Kind string `json:"kind"`
	// Op is the provider call a fail or slow fault acts on: create, update
	// or delete.
	Op string `json:"op,omitempty"`
	// Name selects resources by logical name (exact), for fail and slow,
	// and alarms by a part of their CloudWatch name, for alarm.
	Name string `json:"name,omitempty"`
	// Type selects resources by type token, for fail and slow.
	Type string `json:"type,omitempty"`
	// Stack selects resources by stack name, for fail and slow.
	Stack string `json:"stack,omitempty"`
	// Nth makes a fail fault act on the Nth matching call only (1-based),
	// and an alarm fault from the Nth call on; 0 means every call.
	Nth int `json:"nth,omitempty"`
	// Delay is how long a slow fault holds the call (a Go duration).
	Delay string `json:"delay,omitempty"`
	// Tags select AWS resources by tag for the API faults; every listed
	// tag must match.
	Tags map[string]string `json:"tags,omitempty"`
	// Service is the AWS service a throttle fault acts on.
	Service string `json:"service,omitempty"`
	// Count is the throttled call count, the instances missing, held or
	// outdated, or the residual requests a minute, depending on Kind.
	Count int `json:"count,omitempty"`
	// Since is when a terminating-wait fault's instances began draining
	// (RFC 3339); the stand-in has no clock, the rehearsal's is virtual.
	Since string `json:"since,omitempty"`
	// Release is the release tag an outdated-instances fault's instances
	// carry.
	Release string `json:"release,omitempty"`
	// Reason is the StateReason an alarm fault reports; empty means a
	// "Threshold Crossed" reason that names the fault.
	Reason string `json:"reason,omitempty"`
}

// ParseFaults reads a JSON list of faults and validates each, so a typo in
// a fault file is an error rather than a rehearsal that injected nothing.
func ParseFaults(raw []byte) ([]Fault, error) {
	var faults []Fault
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&faults); err != nil {
		return nil, fmt.Errorf("faults: %w", err)
	}
	for i, f := range faults {
		if err := f.Validate(); err != nil {
			return nil, fmt.Errorf("fault %d: %w", i+1, err)
		}
	}
	return faults, nil
}

// Validate checks that the fault can act on something.
func (f Fault) Validate() error {
	if !slices.Contains(faultKinds, f.Kind) {
		return fmt.Errorf("kind %q is not accepted; accepted: %s", f.Kind, strings.Join(faultKinds, ", "))
	}
	switch f.Kind {
	case FaultFail, FaultSlow:
		if !slices.Contains([]string{OpCreate, OpUpdate, OpDelete}, f.Op) {
			return fmt.Errorf("%s fault: op %q is not accepted; accepted: create, update, delete", f.Kind, f.Op)
		}
		if f.Name == "" && f.Type == "" && f.Stack == "" {
			return fmt.Errorf("%s fault: name, type or stack is required", f.Kind)
		}
		if f.Nth < 0 {
			return fmt.Errorf("%s fault: nth %d is negative; accepted: 0 (every call) or more", f.Kind, f.Nth)
		}
		if f.Kind == FaultSlow {
			if _, err := f.DelayDuration(); err != nil {
				return err
			}
		}
	case FaultThrottle:
		if !slices.Contains(APIServices, f.Service) {
			return fmt.Errorf("throttle fault: service %q is not accepted; accepted: %s", f.Service, strings.Join(APIServices, ", "))
		}
		if f.Count < 1 {
			return fmt.Errorf("throttle fault: count %d; accepted: 1 or more calls", f.Count)
		}
	case FaultShortOfCapacity, FaultResidualTraffic:
		if f.Count < 0 {
			return fmt.Errorf("%s fault: count %d is negative", f.Kind, f.Count)
		}
	case FaultTerminatingWait:
		if f.Count < 0 {
			return fmt.Errorf("%s fault: count %d is negative", f.Kind, f.Count)
		}
		if _, err := f.SinceTime(); err != nil {
			return err
		}
	case FaultOutdatedInstances:
		if f.Count < 0 {
			return fmt.Errorf("%s fault: count %d is negative", f.Kind, f.Count)
		}
		if f.Release == "" {
			return fmt.Errorf("%s fault: release is required: the tag the outdated instances carry", f.Kind)
		}
	case FaultAlarm:
		if f.Nth < 0 {
			return fmt.Errorf("alarm fault: nth %d is negative; accepted: 0 (from the first call) or more", f.Nth)
		}
	}
	return nil
}

// DelayDuration parses Delay.
func (f Fault) DelayDuration() (time.Duration, error) {
	d, err := time.ParseDuration(f.Delay)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("slow fault: delay %q is not accepted; accepted: a positive Go duration such as 2s", f.Delay)
	}
	return d, nil
}

// SinceTime parses Since.
func (f Fault) SinceTime() (time.Time, error) {
	t, err := time.Parse(time.RFC3339, f.Since)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s fault: since %q is not accepted; accepted: an RFC 3339 time such as 2026-11-28T09:00:00Z", f.Kind, f.Since)
	}
	return t, nil
}

// MatchesCall says whether a fail or slow fault selects this provider call.
func (f Fault) MatchesCall(op, typ, stack, name string) bool {
	return f.Op == op &&
		(f.Type == "" || f.Type == typ) &&
		(f.Stack == "" || f.Stack == stack) &&
		(f.Name == "" || f.Name == name)
}

// MatchesAlarm says whether an alarm fault selects the alarm named name
// that carries tags.
func (f Fault) MatchesAlarm(name string, tags map[string]string) bool {
	return strings.Contains(name, f.Name) && f.MatchesTags(tags)
}

// MatchesTags says whether every tag of the fault is among tags.
func (f Fault) MatchesTags(tags map[string]string) bool {
	for k, v := range f.Tags {
		if tags[k] != v {
			return false
		}
	}
	return true
}

// String describes the fault in a line, for reports.
func (f Fault) String() string {
	var parts []string
	add := func(k, v string) {
		if v != "" {
			parts = append(parts, k+"="+v)
		}
	}
	add("op", f.Op)
	add("type", f.Type)
	add("stack", f.Stack)
	add("name", f.Name)
	if f.Nth > 0 {
		add("nth", fmt.Sprint(f.Nth))
	}
	add("delay", f.Delay)
	for _, k := range slices.Sorted(maps.Keys(f.Tags)) {
		add(k, f.Tags[k])
	}
	add("service", f.Service)
	if f.Count > 0 {
		add("count", fmt.Sprint(f.Count))
	}
	add("since", f.Since)
	add("release", f.Release)
	if f.Reason != "" {
		add("reason", strconv.Quote(f.Reason))
	}
	return f.Kind + "(" + strings.Join(parts, " ") + ")"
}
