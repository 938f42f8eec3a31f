package asgpool

import (
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
	"github.com/video-platform/video-platform/internal/contract"
	"github.com/video-platform/video-platform/internal/cron"
	"github.com/video-platform/video-platform/internal/imagetag"
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

var (
	envVarPattern       = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	scheduleNamePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9-]{0,63}$`)
	healthPathPattern   = regexp.MustCompile(`^/[A-Za-z0-9._~/?=&%-]{0,255}$`)
)

// AsgPoolArgs configures one Auto Scaling group of identical instances that
// each run one container release.
type AsgPoolArgs struct {
	// Identity is the env and service the pool runs, its blue-green color
	// and the extra tags of every taggable child. Transcoder pools have no
	// color and are named after their release; every other service is
	// blue-green and needs one.
	contract.Identity
	// Release is the container image tag the pool runs: a Docker tag of at
	// most 123 characters, not starting with keep- (so that the image's
	// keep- tag protects it in ECR). It is tagged on the group and its
	// instances. Required.
	Release string

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

// Validate reports every rejected field of the args as given, defaults
// applied first, each as a contract.FieldError; unset Pulumi inputs are
// marked as such. NewAsgPool calls it before it registers anything, and so
// do components that create an AsgPool child, so that a bad pool leaves
// nothing half-created.
func (a AsgPoolArgs) Validate() error {
	a = a.withDefaults()
	var errs field.List
	errs.Part("", a.Identity.Validate())
	switch {
	case a.Service == ServiceTranscoder && a.Color != "":
		errs.Add("Color", a.Color, `"" for transcoder pools, which are named after their release`)
	case a.Service != ServiceTranscoder && a.Color == "":
		errs.Add("Color", a.Color, "blue or green for "+a.Service+" pools, which are blue-green")
	}
	if imagetag.CheckRelease(a.Release) != nil {
		errs.Add("Release", a.Release, imagetag.ReleaseAccepted)
	}

	if a.ImageRepositoryURL == nil {
		errs.Input("ImageRepositoryURL", "an ECR repository URL")
	}
	errs.Range("ContainerPort", a.ContainerPort, 0, 65535)
	for _, k := range slices.Sorted(maps.Keys(a.Environment)) {
		if !envVarPattern.MatchString(k) {
			errs.Add("Environment", k, "variable names matching "+envVarPattern.String())
		}
	}

	if a.AmiID == nil {
		errs.Input("AmiID", "an Amazon Linux 2023 AMI ID")
	}
	a.validateInstances(&errs)
	errs.Count("SecurityGroupIDs", len(a.SecurityGroupIDs), 1, maxSecurityGroups, "security group IDs")
	if a.InstanceProfileName == nil {
		errs.Input("InstanceProfileName", "an IAM instance profile name")
	}

	errs.Range("MinAZs", a.MinAZs, minMinAZs, maxMinAZs)
	switch n := len(a.SubnetIDs); {
	case n == 0:
		errs.Input("SubnetIDs", "private subnet IDs, one per Availability Zone, at least MinAZs")
	case n < a.MinAZs:
		errs.Add("SubnetIDs", field.Given(n), fmt.Sprintf("at least MinAZs (%d) subnet IDs, one per Availability Zone", a.MinAZs))
	}
	checkSizes(&errs, a.MinSize, a.DesiredCapacity, a.MaxSize)

	minGrace := 0
	if len(a.TargetGroupARNs) > 0 {
		minGrace = minGracePeriodWithELB
		if a.ContainerPort == 0 {
			errs.Add("ContainerPort", 0, "1..65535 for a pool behind TargetGroupARNs (0 publishes no port)")
		}
	}
	errs.Range("HealthCheckGracePeriodSeconds", a.HealthCheckGracePeriodSeconds, minGrace, maxGracePeriodSeconds)

	a.validateHooks(&errs)
	for i, s := range a.Schedules {
		name := fmt.Sprintf("Schedules[%d]", i)
		errs.Part(name, s.Validate())
		if slices.ContainsFunc(a.Schedules[:i], func(e Schedule) bool { return e.Name == s.Name }) {
			errs.Add(name+".Name", s.Name, "a name used once per pool")
		}
	}
	a.validateScaling(&errs)
	if r := a.InstanceRefresh; r != nil {
		errs.Range("InstanceRefresh.MinHealthyPercentage", r.MinHealthyPercentage, 0, 100)
		errs.Range("InstanceRefresh.InstanceWarmupSeconds", r.InstanceWarmupSeconds, 1, maxWarmupSeconds)
	}

	errs.Range("RootVolumeGiB", a.RootVolumeGiB, minRootVolumeGiB, maxRootVolumeGiB)
	errs.Range("MetadataHopLimit", a.MetadataHopLimit, 1, 2)
	if !slices.Contains(logRetentionDays, a.LogRetentionDays) {
		errs.Add("LogRetentionDays", a.LogRetentionDays, "a retention CloudWatch Logs accepts: "+joinInts(logRetentionDays))
	}
	return errs.Err()
}

func (a AsgPoolArgs) validateInstances(errs *field.List) {
	if a.MixedInstances == nil {
		if !contract.InstanceTypePattern.MatchString(a.InstanceType) {
			errs.Add("InstanceType", a.InstanceType, contract.InstanceTypeAccepted)
		}
		return
	}
	if a.InstanceType != "" {
		errs.Add("InstanceType", a.InstanceType, `"" when MixedInstances lists the types`)
	}
	errs.Part("MixedInstances", a.MixedInstances.Validate())
}

// Validate reports every rejected field of the mixed instances policy as
// given, each named without "MixedInstances.".
func (m MixedInstances) Validate() error {
	var errs field.List
	seen := map[string]bool{}
	for i, t := range m.InstanceTypes {
		name := fmt.Sprintf("InstanceTypes[%d]", i)
		if !contract.InstanceTypePattern.MatchString(t) {
			errs.Add(name, t, contract.InstanceTypeAccepted)
		} else if seen[t] {
			errs.Add(name, t, "distinct types; it is listed twice")
		}
		seen[t] = true
	}
	if n := len(m.InstanceTypes); n < minMixedTypes || n > maxMixedTypes {
		errs.Add("InstanceTypes", slices.Clone(m.InstanceTypes), fmt.Sprintf("%d to %d distinct instance types, so that Spot has several capacity pools to choose from; %d given", minMixedTypes, maxMixedTypes, n))
	}
	errs.Range("OnDemandBaseCapacity", m.OnDemandBaseCapacity, 0, maxGroupSize)
	errs.Range("OnDemandPercentageAboveBase", m.OnDemandPercentageAboveBase, 0, 100)
	if s := m.SpotAllocationStrategy; s != "" && s != SpotPriceCapacityOptimized && s != SpotCapacityOptimized {
		errs.Add("SpotAllocationStrategy", s, SpotPriceCapacityOptimized+" or "+SpotCapacityOptimized)
	}
	return errs.Err()
}

// validateHooks checks the drain hook, the drain timeout and the launch
// hook; call it after withDefaults.
func (a AsgPoolArgs) validateHooks(errs *field.List) {
	switch h := a.LifecycleHook; {
	case h == nil:
		if a.DrainTimeoutSeconds != 0 {
			errs.Add("DrainTimeoutSeconds", a.DrainTimeoutSeconds, "0 unless LifecycleHook is set")
		}
	case h.HeartbeatSeconds < minHeartbeatSeconds || h.HeartbeatSeconds > maxHeartbeatSeconds:
		errs.Range("LifecycleHook.HeartbeatSeconds", h.HeartbeatSeconds, minHeartbeatSeconds, maxHeartbeatSeconds)
	default:
		if h.DefaultResult != HookContinue && h.DefaultResult != HookAbandon {
			errs.Add("LifecycleHook.DefaultResult", h.DefaultResult, HookContinue+" or "+HookAbandon)
		}
		if d := a.DrainTimeoutSeconds; d < 1 || d > h.HeartbeatSeconds {
			errs.Add("DrainTimeoutSeconds", d, fmt.Sprintf("1..%d (the hook's heartbeat)", h.HeartbeatSeconds))
		}
	}
	if h := a.LaunchHook; h != nil {
		if t := h.TimeoutSeconds; t < minReadyTimeoutSeconds || t > maxReadyTimeoutSeconds {
			errs.Add("LaunchHook.TimeoutSeconds", t, fmt.Sprintf("%d..%d (the hook's heartbeat adds %d)", minReadyTimeoutSeconds, maxReadyTimeoutSeconds, launchHookMarginSeconds))
		}
		errs.Range("LaunchHook.HealthPort", h.HealthPort, 1, 65535)
		if !healthPathPattern.MatchString(h.HealthPath) {
			errs.Add("LaunchHook.HealthPath", h.HealthPath, `"/" followed by up to 255 of [A-Za-z0-9._~/?=&%-]`)
		}
	}
}

// heartbeat is the launch hook's heartbeat timeout.
func (h LaunchHook) heartbeat() int { return h.TimeoutSeconds + launchHookMarginSeconds }

// Validate reports every rejected field of the schedule as given, a time
// zone left empty taking its default, each named without "Schedules[i].".
// The sizes are checked together, as MinSize/DesiredCapacity/MaxSize.
func (s Schedule) Validate() error {
	var errs field.List
	if !scheduleNamePattern.MatchString(s.Name) {
		errs.Add("Name", s.Name, "letters, digits and dashes, at most 64 characters")
	}
	if _, err := cron.Parse(s.Recurrence); err != nil {
		errs.Add("Recurrence", s.Recurrence, cron.Accepted+"; this one "+err.Error())
	}
	switch _, err := time.LoadLocation(s.TimeZone); {
	case s.TimeZone == "Local":
		errs.Add("TimeZone", s.TimeZone, `an IANA zone such as "Europe/Berlin"; Local depends on the machine running Pulumi`)
	case err != nil:
		errs.Add("TimeZone", s.TimeZone, `an IANA time zone such as "UTC" or "America/New_York"`)
	}
	checkSizes(&errs, s.MinSize, s.DesiredCapacity, s.MaxSize)
	return errs.Err()
}

// validateScaling checks the target tracking policy and what it needs of
// the pool.
func (a AsgPoolArgs) validateScaling(errs *field.List) {
	t := a.Scaling
	if t == nil {
		return
	}
	errs.Part("Scaling", t.Validate())
	switch t.Metric {
	case MetricCPU:
		if t.ResourceLabel != nil {
			errs.Add("Scaling.ResourceLabel", "(set)", "no label for metric "+MetricCPU+"; only "+MetricALBRequests+" takes one")
		}
	case MetricALBRequests:
		if t.ResourceLabel == nil {
			errs.Input("Scaling.ResourceLabel", `"<lb arnSuffix>/<tg arnSuffix>", which metric `+MetricALBRequests+" needs")
		}
		if len(a.TargetGroupARNs) == 0 {
			errs.Input("TargetGroupARNs", "the target groups whose requests metric "+MetricALBRequests+" counts")
		}
	}
}

// Validate reports the rejected metric or target value, each named without
// "Scaling.". ResourceLabel and the target groups it needs are declared
// elsewhere and checked with the pool.
func (t TargetTracking) Validate() error {
	var errs field.List
	switch t.Metric {
	case MetricCPU:
		if t.TargetValue < 1 || t.TargetValue > maxTargetValueCPU {
			errs.Add("TargetValue", t.TargetValue, fmt.Sprintf("a CPU percentage from 1 to %d", maxTargetValueCPU))
		}
	case MetricALBRequests:
		if !(t.TargetValue > 0) {
			errs.Add("TargetValue", t.TargetValue, "a positive number of requests per target")
		}
	default:
		errs.Add("Metric", t.Metric, "one of "+MetricCPU+", "+MetricALBRequests)
	}
	return errs.Err()
}

// Sizes are a group's MinSize, DesiredCapacity and MaxSize as one rejected
// value: they are checked together, and a config holds them together.
type Sizes struct {
	Min     int `json:"min"`
	Max     int `json:"max"`
	Desired int `json:"desired"`
}

func (s Sizes) String() string {
	return fmt.Sprintf("MinSize %d, DesiredCapacity %d, MaxSize %d", s.Min, s.Desired, s.Max)
}

// checkSizes enforces 0 <= min <= desired <= max <= 1000, reporting the
// field "MinSize/DesiredCapacity/MaxSize".
func checkSizes(errs *field.List, minSize, desired, maxSize int) {
	if minSize < 0 || minSize > desired || desired > maxSize || maxSize > maxGroupSize {
		errs.Add("MinSize/DesiredCapacity/MaxSize", Sizes{Min: minSize, Max: maxSize, Desired: desired},
			fmt.Sprintf("0 <= min <= desired <= max <= %d", maxGroupSize))
	}
}

func joinInts(xs []int) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = strconv.Itoa(x)
	}
	return strings.Join(parts, ", ")
}
