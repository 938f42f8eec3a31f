package asgpool

import (
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	// Embedded so that TimeZone validation gives the same answer on a CI
	// image without /usr/share/zoneinfo as on a workstation.
	_ "time/tzdata"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/video-platform/video-platform/components/internal/field"
	"github.com/video-platform/video-platform/internal/topology"
)

// Services an AsgPool may run.
const (
	ServiceWeb        = "web"
	ServiceRecorder   = "recorder"
	ServiceTranscoder = topology.TranscoderService
)

// Scaling metrics accepted by TargetTracking.Metric.
const (
	MetricCPU         = "cpu"
	MetricALBRequests = "alb-requests"
)

// Spot allocation strategies accepted by MixedInstances. Both pick pools with
// spare capacity, so an interruption is less likely; the cheapest-only
// strategies are left out on purpose.
const (
	SpotPriceCapacityOptimized = "price-capacity-optimized"
	SpotCapacityOptimized      = "capacity-optimized"
)

// Lifecycle hook results accepted by LifecycleHook.DefaultResult.
const (
	HookContinue = "CONTINUE"
	HookAbandon  = "ABANDON"
)

// Limits AWS enforces (or that keep a pool sane); validating them here turns a
// failed deployment into an error at preview time.
const (
	maxGroupSize          = 1000
	minHeartbeatSeconds   = 30
	maxHeartbeatSeconds   = 7200
	minGracePeriodWithELB = 60
	maxGracePeriodSeconds = 7200
	minRootVolumeGiB      = 8
	maxRootVolumeGiB      = 16384
	maxSecurityGroups     = 5 // per network interface
	minMinAZs             = 2
	maxMinAZs             = 6
	minMixedTypes         = 3
	maxMixedTypes         = 20 // overrides per mixed instances policy
	maxTargetValueCPU     = 100
	maxTagKeyLength       = 128
	maxTagValueLength     = 256
	maxWarmupSeconds      = 3600
)

// Defaults, chosen so that a pool declared with only the required fields is
// the safe one.
const (
	defaultMinAZs               = 3
	defaultGracePeriodSeconds   = 300
	defaultHookResult           = HookContinue
	defaultSpotStrategy         = SpotPriceCapacityOptimized
	defaultMinHealthyPercentage = 90
	defaultWarmupSeconds        = 300
	defaultRootVolumeGiB        = 30
	defaultMetadataHopLimit     = 2
	defaultLogRetentionDays     = 30
	defaultTimeZone             = "UTC"
	// drainHeadroomSeconds is how much of the hook's heartbeat the drain
	// leaves for completing the lifecycle action after the container exits.
	drainHeadroomSeconds = 60
	defaultReadyTimeout  = 600
	defaultHealthPath    = "/healthz"
	// launchHookMarginSeconds is how much longer the launch hook's heartbeat
	// is than the readiness bound: the boot before the user data starts and
	// the call that completes the hook.
	launchHookMarginSeconds = 120
	minReadyTimeoutSeconds  = 60
	maxReadyTimeoutSeconds  = maxHeartbeatSeconds - launchHookMarginSeconds
)

// logRetentionDays are the values CloudWatch Logs accepts for a retention.
var logRetentionDays = []int{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}

// reservedTagKeys are set by the component; letting Args.Tags set them too
// would make the policy checks and cost reports read the wrong value.
var reservedTagKeys = []string{"env", "service", "color", "release", "managed-by", "Name"}

var (
	envPattern          = regexp.MustCompile(`^[a-z][a-z0-9]*(-[a-z0-9]+)*$`)
	releasePattern      = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$`)
	instanceTypePattern = regexp.MustCompile(`^[a-z][a-z0-9-]*\.[a-z0-9-]+$`)
	envVarPattern       = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	scheduleNamePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9-]{0,63}$`)
	healthPathPattern   = regexp.MustCompile(`^/[A-Za-z0-9._~/?=&%-]{0,255}$`)
)

// AsgPoolArgs configures one Auto Scaling group of identical instances that
// each run one container release.
type AsgPoolArgs struct {
	// Env is the environment name, such as "prod": lowercase letters, digits
	// and single dashes. It is tagged on every child and prefixes the names.
	// Required.
	Env string
	// Service is what the pool runs, such as "web", "recorder" or
	// "transcoder"; transcoder pools have no color, every other service is
	// blue-green.
	// Required.
	Service string
	// Color is the blue/green copy, "blue" or "green"; required for web and
	// recorder pools and must be empty for transcoder pools, which are named
	// after their release instead.
	Color string
	// Release is the container image tag the pool runs, matching
	// [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}. It is tagged on the group and its
	// instances. Required.
	Release string
	// Tags are added to every taggable child. The keys env, service, color,
	// release, managed-by and Name are set by the component and may not be
	// given here, nor may keys starting with "aws:".
	Tags map[string]string

	// ImageRepositoryURL is the ECR repository URL, such as
	// "123456789012.dkr.ecr.us-east-1.amazonaws.com/video-platform/web"; the
	// pool runs "<url>:<Release>". Required.
	ImageRepositoryURL pulumi.StringInput
	// ContainerPort is the port the container listens on, 1..65535; it is
	// published on the same host port so a target group can reach it. 0 means
	// the container publishes no port, which is right for queue workers such
	// as transcoders and wrong for a pool behind target groups.
	ContainerPort int
	// Environment holds the container's environment variables, such as
	// QUEUE_URL. Names must be valid shell variable names; values may not
	// contain newlines, because Docker's env file cannot carry them. Secret
	// values make the whole user data secret.
	Environment pulumi.StringMap

	// AmiID is the machine image, an Amazon Linux 2023 AMI (the user data
	// uses dnf and systemd). Required.
	AmiID pulumi.StringInput
	// InstanceType is the one instance type of the pool, such as
	// "m6i.large". Required unless MixedInstances is set, and must then be
	// empty.
	InstanceType string
	// MixedInstances, when set, runs the pool on several instance types with
	// Spot capacity and enables capacity rebalancing.
	MixedInstances *MixedInstances
	// SecurityGroupIDs are attached to each instance's network interface,
	// 1..5 of them. Required.
	SecurityGroupIDs pulumi.StringArray
	// InstanceProfileName is the IAM instance profile the instances run as.
	// Its role needs ECR pull, CloudWatch Logs write and, with a
	// LifecycleHook, autoscaling:CompleteLifecycleAction and
	// autoscaling:RecordLifecycleActionHeartbeat. Required.
	InstanceProfileName pulumi.StringInput

	// SubnetIDs are the private subnets, one per Availability Zone; there
	// must be at least MinAZs of them.
	SubnetIDs pulumi.StringArray
	// MinAZs is the fewest subnets accepted, 2..6. 0 means 3; staging may
	// pass 2.
	MinAZs int

	// MinSize is the fewest instances, 0..DesiredCapacity. With Schedules,
	// later changes are ignored (see Schedules).
	MinSize int
	// MaxSize is the most instances, DesiredCapacity..1000. 0 makes an idle
	// pool: it keeps its lifecycle hook, so instances still drain on the
	// way down, but no scaling policy or schedule, which would bring it back,
	// and its zeros are always applied. With Schedules, later changes are
	// ignored (see Schedules).
	MaxSize int
	// DesiredCapacity is the initial number of instances, MinSize..MaxSize.
	// When a scaling policy or a schedule owns it, later changes are ignored.
	DesiredCapacity int

	// TargetGroupARNs are the load balancer target groups the instances
	// register with. When set, the group uses ELB health checks and waits on
	// creation until MinSize instances are healthy in the load balancer.
	TargetGroupARNs pulumi.StringArray
	// HealthCheckGracePeriodSeconds is how long a new instance may boot
	// before health checks count, 0..7200 and at least 60 with target
	// groups. 0 means 300.
	HealthCheckGracePeriodSeconds int

	// LifecycleHook, when set, holds terminating instances until the
	// container has drained (see DrainTimeoutSeconds).
	LifecycleHook *LifecycleHook
	// DrainTimeoutSeconds is how long the drain waits for the container to
	// exit after SIGTERM before Docker kills it, 1..the hook's heartbeat.
	// 0 means the heartbeat minus 60 seconds (or half the heartbeat when that
	// is 120 seconds or less), leaving time to complete the lifecycle action.
	// Only valid with a LifecycleHook.
	DrainTimeoutSeconds int
	// LaunchHook, when set, holds each new instance in Pending:Wait until
	// its container answers a health check on localhost: the user data then
	// completes the launch lifecycle hook with CONTINUE, or with ABANDON
	// when the container is not healthy within the hook's bound (or the
	// bootstrap fails), so an instance is in service only once it is ready.
	// Pools behind target groups may leave it nil: their ELB health check
	// gates them. The instance role needs autoscaling:CompleteLifecycleAction
	// on the group.
	LaunchHook *LaunchHook

	// Schedules change the capacity at set times, such as a nightly scale
	// down. A scheduled action sets the group's min, max and desired, so
	// once the group exists the schedules own them: later changes of
	// MinSize, MaxSize and DesiredCapacity are ignored, because applying
	// them during a peak would undo the peak. An idle pool (MaxSize 0)
	// declares no schedule and applies its zeros. For the same reason a pool
	// brought back from idle with Schedules keeps the zeros of its last
	// update: replace its group in that update (`pulumi up --replace <group
	// URN>`), which creates the group at the declared size.
	Schedules []Schedule
	// Scaling, when set, adds a target tracking policy that owns the
	// desired capacity.
	Scaling *TargetTracking
	// ScalingOwnsDesired tells the pool that a policy created elsewhere (such
	// as TranscoderFleet's backlog policy) owns the desired capacity, so the
	// group ignores later changes to DesiredCapacity as it does with Scaling.
	ScalingOwnsDesired bool

	// InstanceRefresh tunes the rolling replacement of instances when the
	// launch template changes. nil means the defaults, which are on.
	InstanceRefresh *InstanceRefresh

	// RootVolumeGiB is the size of the encrypted gp3 root volume, 8..16384.
	// 0 means 30.
	RootVolumeGiB int
	// MetadataHopLimit is the IMDSv2 PUT response hop limit, 1..2. 0 means
	// 2, which containers on Docker's bridge network need to reach IMDS.
	MetadataHopLimit int
	// LogRetentionDays is how long the container logs are kept; one of the
	// values CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, ...). 0 means 30.
	LogRetentionDays int
}

// MixedInstances runs a pool on several instance types, with Spot capacity
// above an on-demand base.
type MixedInstances struct {
	// InstanceTypes are the instance types offered to the group, at least 3
	// distinct ones so that Spot has several capacity pools to choose from.
	InstanceTypes []string
	// OnDemandBaseCapacity is how many instances are always on-demand, >= 0.
	OnDemandBaseCapacity int
	// OnDemandPercentageAboveBase is the on-demand share above the base,
	// 0..100; the rest is Spot.
	OnDemandPercentageAboveBase int
	// SpotAllocationStrategy is "price-capacity-optimized" or
	// "capacity-optimized". "" means "price-capacity-optimized".
	SpotAllocationStrategy string
}

// LifecycleHook is the termination hook that holds an instance while its
// container drains.
type LifecycleHook struct {
	// HeartbeatSeconds is how long AWS waits for the drain before applying
	// DefaultResult, 30..7200: recordings run for an hour and transcoding jobs
	// for many minutes. Required.
	HeartbeatSeconds int
	// DefaultResult is what AWS does when the heartbeat runs out, "CONTINUE"
	// or "ABANDON"; for a terminating instance both terminate it. "" means
	// "CONTINUE".
	DefaultResult string
}

// LaunchHook is the launch lifecycle hook that holds a new instance until
// its container is healthy. The group's hook (named "ready", transition
// autoscaling:EC2_INSTANCE_LAUNCHING, default result ABANDON) gets a
// heartbeat of TimeoutSeconds plus 120 seconds, which covers the boot before
// the user data starts and the call that completes the hook.
type LaunchHook struct {
	// TimeoutSeconds bounds how long the instance has to become ready,
	// counted from the start of its user data (install, image pull,
	// container start and health check), 60..7080. 0 means 600.
	TimeoutSeconds int
	// HealthPort is the container port of the health endpoint, 1..65535.
	// When it is not ContainerPort it is published on 127.0.0.1 only, for
	// the user data's check. Required.
	HealthPort int
	// HealthPath is the HTTP path the check requests with GET; any 2xx or
	// 3xx answer is healthy. It starts with "/" and holds only
	// [A-Za-z0-9._~/?=&%-]. "" means "/healthz".
	HealthPath string
}

// Schedule is one recurring capacity change.
type Schedule struct {
	// Name identifies the schedule within the pool: letters, digits and
	// dashes, at most 64 characters. Required.
	Name string
	// Recurrence is a 5-field cron expression (minute hour day-of-month month
	// day-of-week), such as "0 22 * * *". Required.
	Recurrence string
	// TimeZone is the IANA time zone Recurrence is read in, such as
	// "Europe/Berlin". "" means "UTC".
	TimeZone string
	// MinSize is the group's MinSize from then on, 0..DesiredCapacity.
	MinSize int
	// MaxSize is the group's MaxSize from then on, DesiredCapacity..1000.
	MaxSize int
	// DesiredCapacity is the group's desired capacity from then on.
	DesiredCapacity int
}

// TargetTracking is a target tracking scaling policy on a predefined metric.
type TargetTracking struct {
	// Metric is "cpu" (average CPU utilization of the group) or
	// "alb-requests" (requests per target). Required.
	Metric string
	// ResourceLabel identifies the target group for "alb-requests":
	// "<load balancer arnSuffix>/<target group arnSuffix>". Required for
	// "alb-requests" and not allowed for "cpu".
	ResourceLabel pulumi.StringInput
	// TargetValue is the value the policy holds the metric at, > 0; for
	// "cpu" it is a percentage, 1..100.
	TargetValue float64
}

// InstanceRefresh tunes the rolling replacement that starts when the launch
// template changes.
type InstanceRefresh struct {
	// Disabled turns instance refresh off, leaving old instances running the
	// old release until they are replaced by other means.
	Disabled bool
	// MinHealthyPercentage is the share of capacity kept in service during a
	// refresh, 0..100. 0 means 90; use Disabled to turn refresh off.
	MinHealthyPercentage int
	// InstanceWarmupSeconds is how long a new instance warms up before it
	// counts as healthy capacity, 1..3600. 0 means 300.
	InstanceWarmupSeconds int
}

// withDefaults returns a copy of the arguments with every default applied;
// the caller's structs are not modified.
func (a AsgPoolArgs) withDefaults() AsgPoolArgs {
	if a.MinAZs == 0 {
		a.MinAZs = defaultMinAZs
	}
	if a.HealthCheckGracePeriodSeconds == 0 {
		a.HealthCheckGracePeriodSeconds = defaultGracePeriodSeconds
	}
	if a.MixedInstances != nil {
		m := *a.MixedInstances
		m.InstanceTypes = slices.Clone(m.InstanceTypes)
		if m.SpotAllocationStrategy == "" {
			m.SpotAllocationStrategy = defaultSpotStrategy
		}
		a.MixedInstances = &m
	}
	if a.LifecycleHook != nil {
		h := *a.LifecycleHook
		if h.DefaultResult == "" {
			h.DefaultResult = defaultHookResult
		}
		a.LifecycleHook = &h
		if a.DrainTimeoutSeconds == 0 {
			a.DrainTimeoutSeconds = defaultDrainTimeout(h.HeartbeatSeconds)
		}
	}
	if a.LaunchHook != nil {
		h := *a.LaunchHook
		if h.TimeoutSeconds == 0 {
			h.TimeoutSeconds = defaultReadyTimeout
		}
		if h.HealthPath == "" {
			h.HealthPath = defaultHealthPath
		}
		a.LaunchHook = &h
	}
	if len(a.Schedules) > 0 {
		a.Schedules = slices.Clone(a.Schedules)
		for i := range a.Schedules {
			if a.Schedules[i].TimeZone == "" {
				a.Schedules[i].TimeZone = defaultTimeZone
			}
		}
	}
	refresh := InstanceRefresh{}
	if a.InstanceRefresh != nil {
		refresh = *a.InstanceRefresh
	}
	if refresh.MinHealthyPercentage == 0 {
		refresh.MinHealthyPercentage = defaultMinHealthyPercentage
	}
	if refresh.InstanceWarmupSeconds == 0 {
		refresh.InstanceWarmupSeconds = defaultWarmupSeconds
	}
	a.InstanceRefresh = &refresh
	if a.RootVolumeGiB == 0 {
		a.RootVolumeGiB = defaultRootVolumeGiB
	}
	if a.MetadataHopLimit == 0 {
		a.MetadataHopLimit = defaultMetadataHopLimit
	}
	if a.LogRetentionDays == 0 {
		a.LogRetentionDays = defaultLogRetentionDays
	}
	return a
}

// defaultDrainTimeout leaves the last minute of the heartbeat for completing
// the lifecycle action; short heartbeats split the time in half instead.
func defaultDrainTimeout(heartbeat int) int {
	if heartbeat > 2*drainHeadroomSeconds {
		return heartbeat - drainHeadroomSeconds
	}
	return max(heartbeat/2, 1)
}

// Check validates the arguments as NewAsgPool will, defaults applied first.
// Components that create an AsgPool child call it before registering
// themselves, so that a bad pool leaves nothing half-created.
func (a AsgPoolArgs) Check() error {
	return a.withDefaults().Validate()
}

// Validate reports every invalid field at once. Call it after withDefaults.
func (a AsgPoolArgs) Validate() error {
	var errs []error
	bad := func(format string, v ...any) { errs = append(errs, fmt.Errorf(format, v...)) }

	if !envPattern.MatchString(a.Env) || len(a.Env) > 20 {
		bad("Env: %q is invalid; accepted lowercase letters, digits and single dashes, starting with a letter, at most 20 characters", a.Env)
	}
	// Any service name is accepted, so adding a blue-green service needs no
	// change here; it becomes part of names and tags, hence the pattern.
	if !envPattern.MatchString(a.Service) || len(a.Service) > 20 {
		bad("Service: %q is invalid; accepted lowercase letters, digits and single dashes, starting with a letter, at most 20 characters", a.Service)
	}
	switch {
	case a.Service == ServiceTranscoder && a.Color != "":
		bad("Color: %q is not accepted for transcoder pools, which are named after their release; accepted \"\"", a.Color)
	case a.Service != ServiceTranscoder && a.Color != "blue" && a.Color != "green":
		bad("Color: %q is not accepted for %s pools; accepted blue, green", a.Color, a.Service)
	}
	if !releasePattern.MatchString(a.Release) {
		bad("Release: %q is not a valid image tag; accepted [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}", a.Release)
	}
	errs = append(errs, validateTags(a.Tags)...)

	if a.ImageRepositoryURL == nil {
		bad("ImageRepositoryURL: is required; accepted an ECR repository URL")
	}
	if a.ContainerPort < 0 || a.ContainerPort > 65535 {
		bad("ContainerPort: %d is out of range; accepted 0..65535 (0 publishes no port)", a.ContainerPort)
	}
	for _, k := range slices.Sorted(maps.Keys(a.Environment)) {
		if !envVarPattern.MatchString(k) {
			bad("Environment: key %q is not a valid variable name; accepted [A-Za-z_][A-Za-z0-9_]*", k)
		}
	}

	if a.AmiID == nil {
		bad("AmiID: is required; accepted an Amazon Linux 2023 AMI ID")
	}
	errs = append(errs, a.validateInstances()...)
	if n := len(a.SecurityGroupIDs); n < 1 || n > maxSecurityGroups {
		bad("SecurityGroupIDs: %d given; accepted 1..%d", n, maxSecurityGroups)
	}
	if a.InstanceProfileName == nil {
		bad("InstanceProfileName: is required; accepted an IAM instance profile name")
	}

	if a.MinAZs < minMinAZs || a.MinAZs > maxMinAZs {
		bad("MinAZs: %d is out of range; accepted %d..%d", a.MinAZs, minMinAZs, maxMinAZs)
	} else if len(a.SubnetIDs) < a.MinAZs {
		bad("SubnetIDs: %d subnet(s) given; accepted at least MinAZs = %d, one per Availability Zone", len(a.SubnetIDs), a.MinAZs)
	}
	if err := validateSizes("", a.MinSize, a.DesiredCapacity, a.MaxSize); err != nil {
		errs = append(errs, err)
	}

	attached := len(a.TargetGroupARNs) > 0
	minGrace := 0
	if attached {
		minGrace = minGracePeriodWithELB
		if a.ContainerPort == 0 {
			bad("ContainerPort: 0 publishes no port but TargetGroupARNs are set; accepted 1..65535 for a pool behind a load balancer")
		}
	}
	if g := a.HealthCheckGracePeriodSeconds; g < minGrace || g > maxGracePeriodSeconds {
		bad("HealthCheckGracePeriodSeconds: %d is out of range; accepted %d..%d", g, minGrace, maxGracePeriodSeconds)
	}

	errs = append(errs, a.validateHook()...)
	errs = append(errs, a.validateLaunchHook()...)
	for i, s := range a.Schedules {
		errs = append(errs, validateSchedule(i, s, a.Schedules[:i])...)
	}
	errs = append(errs, a.validateScaling()...)
	if r := a.InstanceRefresh; r != nil {
		if r.MinHealthyPercentage < 0 || r.MinHealthyPercentage > 100 {
			bad("InstanceRefresh.MinHealthyPercentage: %d is out of range; accepted 0..100", r.MinHealthyPercentage)
		}
		if r.InstanceWarmupSeconds < 1 || r.InstanceWarmupSeconds > maxWarmupSeconds {
			bad("InstanceRefresh.InstanceWarmupSeconds: %d is out of range; accepted 1..%d", r.InstanceWarmupSeconds, maxWarmupSeconds)
		}
	}

	if a.RootVolumeGiB < minRootVolumeGiB || a.RootVolumeGiB > maxRootVolumeGiB {
		bad("RootVolumeGiB: %d is out of range; accepted %d..%d", a.RootVolumeGiB, minRootVolumeGiB, maxRootVolumeGiB)
	}
	if a.MetadataHopLimit < 1 || a.MetadataHopLimit > 2 {
		bad("MetadataHopLimit: %d is out of range; accepted 1..2", a.MetadataHopLimit)
	}
	if !slices.Contains(logRetentionDays, a.LogRetentionDays) {
		bad("LogRetentionDays: %d is not accepted by CloudWatch Logs; accepted %s", a.LogRetentionDays, joinInts(logRetentionDays))
	}
	return errors.Join(errs...)
}

func (a AsgPoolArgs) validateInstances() []error {
	var errs []error
	bad := func(format string, v ...any) { errs = append(errs, fmt.Errorf(format, v...)) }
	m := a.MixedInstances
	if m == nil {
		if !instanceTypePattern.MatchString(a.InstanceType) {
			bad("InstanceType: %q is not an instance type; accepted a type such as \"m6i.large\" (required unless MixedInstances is set)", a.InstanceType)
		}
		return errs
	}
	if a.InstanceType != "" {
		bad("InstanceType: %q is set together with MixedInstances; accepted \"\" when MixedInstances lists the types", a.InstanceType)
	}
	for _, fe := range field.Under("MixedInstances", m.Check()) {
		errs = append(errs, fe)
	}
	return errs
}

// FieldError is one rejected field: its name in Args, the value and what
// is accepted. Every component reports its fields with this one type.
type FieldError = field.Error

// Check reports every rejected field of the mixed instances policy, a
// strategy left empty taking its default, with "MixedInstances." left out
// of the field names.
func (m MixedInstances) Check() []FieldError {
	var errs []FieldError
	bad := func(name string, value any, accepted string) {
		errs = append(errs, FieldError{Field: name, Value: value, Accepted: accepted})
	}
	seen := map[string]bool{}
	for i, t := range m.InstanceTypes {
		name := fmt.Sprintf("InstanceTypes[%d]", i)
		if !instanceTypePattern.MatchString(t) {
			bad(name, t, "an instance type such as \"c6i.xlarge\"")
		} else if seen[t] {
			bad(name, t, "distinct types; it is listed twice")
		}
		seen[t] = true
	}
	if n := len(m.InstanceTypes); n < minMixedTypes || n > maxMixedTypes {
		bad("InstanceTypes", slices.Clone(m.InstanceTypes), fmt.Sprintf("%d to %d distinct instance types, so that Spot has several capacity pools to choose from; %d given", minMixedTypes, maxMixedTypes, n))
	}
	if m.OnDemandBaseCapacity < 0 || m.OnDemandBaseCapacity > maxGroupSize {
		bad("OnDemandBaseCapacity", m.OnDemandBaseCapacity, fmt.Sprintf("an integer from 0 to %d", maxGroupSize))
	}
	if p := m.OnDemandPercentageAboveBase; p < 0 || p > 100 {
		bad("OnDemandPercentageAboveBase", p, "an integer from 0 to 100")
	}
	if s := m.SpotAllocationStrategy; s != "" && s != SpotPriceCapacityOptimized && s != SpotCapacityOptimized {
		bad("SpotAllocationStrategy", s, SpotPriceCapacityOptimized+" or "+SpotCapacityOptimized)
	}
	return errs
}

func (a AsgPoolArgs) validateHook() []error {
	var errs []error
	bad := func(format string, v ...any) { errs = append(errs, fmt.Errorf(format, v...)) }
	h := a.LifecycleHook
	if h == nil {
		if a.DrainTimeoutSeconds != 0 {
			bad("DrainTimeoutSeconds: %d is set without a LifecycleHook; accepted 0 unless LifecycleHook is set", a.DrainTimeoutSeconds)
		}
		return errs
	}
	if h.HeartbeatSeconds < minHeartbeatSeconds || h.HeartbeatSeconds > maxHeartbeatSeconds {
		bad("LifecycleHook.HeartbeatSeconds: %d is out of range; accepted %d..%d", h.HeartbeatSeconds, minHeartbeatSeconds, maxHeartbeatSeconds)
		return errs
	}
	if h.DefaultResult != HookContinue && h.DefaultResult != HookAbandon {
		bad("LifecycleHook.DefaultResult: %q is not accepted; accepted %s, %s", h.DefaultResult, HookContinue, HookAbandon)
	}
	if d := a.DrainTimeoutSeconds; d < 1 || d > h.HeartbeatSeconds {
		bad("DrainTimeoutSeconds: %d is out of range; accepted 1..%d (the hook's heartbeat)", d, h.HeartbeatSeconds)
	}
	return errs
}

func (a AsgPoolArgs) validateLaunchHook() []error {
	h := a.LaunchHook
	if h == nil {
		return nil
	}
	var errs []error
	bad := func(format string, v ...any) { errs = append(errs, fmt.Errorf(format, v...)) }
	if t := h.TimeoutSeconds; t < minReadyTimeoutSeconds || t > maxReadyTimeoutSeconds {
		bad("LaunchHook.TimeoutSeconds: %d is out of range; accepted %d..%d (the hook's heartbeat adds %d)", t, minReadyTimeoutSeconds, maxReadyTimeoutSeconds, launchHookMarginSeconds)
	}
	if p := h.HealthPort; p < 1 || p > 65535 {
		bad("LaunchHook.HealthPort: %d is out of range; accepted 1..65535", p)
	}
	if !healthPathPattern.MatchString(h.HealthPath) {
		bad("LaunchHook.HealthPath: %q is invalid; accepted \"/\" followed by up to 255 of [A-Za-z0-9._~/?=&%%-]", h.HealthPath)
	}
	return errs
}

// heartbeat is the launch hook's heartbeat timeout.
func (h LaunchHook) heartbeat() int { return h.TimeoutSeconds + launchHookMarginSeconds }

func validateSchedule(i int, s Schedule, earlier []Schedule) []error {
	var errs []error
	name := fmt.Sprintf("Schedules[%d]", i)
	for _, fe := range field.Under(name, s.Check()) {
		errs = append(errs, fe)
	}
	for _, e := range earlier {
		if e.Name == s.Name {
			errs = append(errs, FieldError{Field: name + ".Name", Value: s.Name, Accepted: "a name used once per pool"})
		}
	}
	return errs
}

// Check reports every rejected field of the schedule, a time zone left
// empty taking its default, with "Schedules[i]." left out of the field
// names. The sizes are checked together, as MinSize/DesiredCapacity/MaxSize.
func (s Schedule) Check() []FieldError {
	var errs []FieldError
	bad := func(name string, value any, accepted string) {
		errs = append(errs, FieldError{Field: name, Value: value, Accepted: accepted})
	}
	if !scheduleNamePattern.MatchString(s.Name) {
		bad("Name", s.Name, "letters, digits and dashes, at most 64 characters")
	}
	if err := validateCron(s.Recurrence); err != nil {
		bad("Recurrence", s.Recurrence, "5 cron fields: minute 0-59, hour 0-23, day 1-31, month 1-12, weekday 0-6; this one "+err.Error())
	}
	switch _, err := time.LoadLocation(s.TimeZone); {
	case s.TimeZone == "Local":
		bad("TimeZone", s.TimeZone, "an IANA zone such as \"Europe/Berlin\"; Local depends on the machine running Pulumi")
	case err != nil:
		bad("TimeZone", s.TimeZone, "an IANA time zone such as \"UTC\" or \"America/New_York\"")
	}
	if fe, ok := checkSizes(s.MinSize, s.DesiredCapacity, s.MaxSize); !ok {
		errs = append(errs, fe)
	}
	return errs
}

func (a AsgPoolArgs) validateScaling() []error {
	t := a.Scaling
	if t == nil {
		return nil
	}
	var errs []error
	for _, fe := range field.Under("Scaling", t.Check()) {
		errs = append(errs, fe)
	}
	bad := func(format string, v ...any) { errs = append(errs, fmt.Errorf(format, v...)) }
	switch t.Metric {
	case MetricCPU:
		if t.ResourceLabel != nil {
			bad("Scaling.ResourceLabel: is set for metric cpu; accepted only with %s", MetricALBRequests)
		}
	case MetricALBRequests:
		if t.ResourceLabel == nil {
			bad("Scaling.ResourceLabel: is required for metric %s; accepted \"<lb arnSuffix>/<tg arnSuffix>\"", MetricALBRequests)
		}
		if len(a.TargetGroupARNs) == 0 {
			bad("Scaling.Metric: %s needs TargetGroupARNs; accepted %s for a pool without target groups", MetricALBRequests, MetricCPU)
		}
	}
	return errs
}

// Check reports the rejected metric or target value, with "Scaling." left
// out of the field names. ResourceLabel and the target groups it needs are
// declared elsewhere and checked with the pool.
func (t TargetTracking) Check() []FieldError {
	switch t.Metric {
	case MetricCPU:
		if t.TargetValue < 1 || t.TargetValue > maxTargetValueCPU {
			return []FieldError{{Field: "TargetValue", Value: t.TargetValue, Accepted: fmt.Sprintf("a CPU percentage from 1 to %d", maxTargetValueCPU)}}
		}
	case MetricALBRequests:
		if !(t.TargetValue > 0) {
			return []FieldError{{Field: "TargetValue", Value: t.TargetValue, Accepted: "a positive number of requests per target"}}
		}
	default:
		return []FieldError{{Field: "Metric", Value: t.Metric, Accepted: "one of " + MetricCPU + ", " + MetricALBRequests}}
	}
	return nil
}

// validateSizes enforces 0 <= min <= desired <= max <= 1000.
func validateSizes(prefix string, minSize, desired, maxSize int) error {
	if fe, ok := checkSizes(minSize, desired, maxSize); !ok {
		fe.Field = prefix + fe.Field
		return fe
	}
	return nil
}

func checkSizes(minSize, desired, maxSize int) (FieldError, bool) {
	if minSize < 0 || minSize > desired || desired > maxSize || maxSize > maxGroupSize {
		return FieldError{Field: "MinSize/DesiredCapacity/MaxSize", Value: fmt.Sprintf("%d/%d/%d", minSize, desired, maxSize),
			Accepted: fmt.Sprintf("0 <= MinSize <= DesiredCapacity <= MaxSize <= %d", maxGroupSize)}, false
	}
	return FieldError{}, true
}

func validateTags(tags map[string]string) []error {
	var errs []error
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		v := tags[k]
		switch {
		case slices.Contains(reservedTagKeys, k):
			errs = append(errs, fmt.Errorf("Tags: key %q is set by the component; accepted any key but %s", k, strings.Join(reservedTagKeys, ", "))) //nolint:staticcheck,revive // error names the Args field "Tags"
		case strings.HasPrefix(strings.ToLower(k), "aws:"):
			errs = append(errs, fmt.Errorf("Tags: key %q uses the reserved aws: prefix; accepted keys not starting with aws:", k)) //nolint:staticcheck,revive // error names the Args field "Tags"
		case k == "" || len(k) > maxTagKeyLength:
			errs = append(errs, fmt.Errorf("Tags: key %q has %d characters; accepted 1..%d", k, len(k), maxTagKeyLength)) //nolint:staticcheck,revive // error names the Args field "Tags"
		case len(v) > maxTagValueLength:
			errs = append(errs, fmt.Errorf("Tags: value of %q has %d characters; accepted at most %d", k, len(v), maxTagValueLength)) //nolint:staticcheck,revive // error names the Args field "Tags"
		}
	}
	return errs
}

// cronField is the accepted range of one cron field and its names, if any.
type cronField struct {
	name     string
	min, max int
	names    []string // names[i] stands for min+i
}

var cronFields = []cronField{
	{name: "minute", min: 0, max: 59},
	{name: "hour", min: 0, max: 23},
	{name: "day of month", min: 1, max: 31},
	{name: "month", min: 1, max: 12, names: []string{"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"}},
	{name: "day of week", min: 0, max: 7, names: []string{"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}},
}

// validateCron checks a Unix cron expression roughly: field count, numbers
// (or names) in range, lists, ranges and steps. AWS is the final judge.
func validateCron(expr string) error {
	fields := strings.Fields(expr)
	if len(fields) != len(cronFields) {
		return fmt.Errorf("has %d field(s)", len(fields))
	}
	for i, f := range fields {
		if err := cronFields[i].check(f); err != nil {
			return err
		}
	}
	return nil
}

func (c cronField) check(field string) error {
	for _, part := range strings.Split(field, ",") {
		rng, step, hasStep := strings.Cut(part, "/")
		if hasStep {
			n, err := strconv.Atoi(step)
			if err != nil || n < 1 || n > c.max {
				return fmt.Errorf("has a bad step %q in the %s field", step, c.name)
			}
		}
		if rng == "*" {
			continue
		}
		lo, hi, isRange := strings.Cut(rng, "-")
		if _, err := c.value(lo); err != nil {
			return err
		}
		if isRange {
			if _, err := c.value(hi); err != nil {
				return err
			}
		}
	}
	return nil
}

func (c cronField) value(s string) (int, error) {
	if i := slices.Index(c.names, strings.ToUpper(s)); i >= 0 {
		return c.min + i, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < c.min || n > c.max {
		return 0, fmt.Errorf("has %q out of range in the %s field", s, c.name)
	}
	return n, nil
}

func joinInts(xs []int) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = strconv.Itoa(x)
	}
	return strings.Join(parts, ", ")
}
