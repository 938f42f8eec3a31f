package transcoderfleet

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/video-platform/video-platform/components/asgpool"
	"github.com/video-platform/video-platform/components/internal/field"
	"github.com/video-platform/video-platform/internal/contract"
)

// queueURLVariable is the container variable that tells the worker where its
// jobs are.
const queueURLVariable = "QUEUE_URL"

// Limits of the fleet's own settings.
const (
	minJobHeartbeatSeconds = 300
	maxJobHeartbeatSeconds = 7200
	minFleetTypes          = 3
	minFleetFamilies       = 2
	// minTargetBacklog is the least useful target: below one message per
	// instance the fleet would scale out for work it cannot start.
	minTargetBacklog = 1.0
)

// Defaults, chosen so that a fleet declared with only the required fields is
// the safe one.
const (
	defaultMinAZs               = 3
	defaultOnDemandBaseCapacity = 1
	defaultJobHeartbeatSeconds  = 1800
	defaultHealthPort           = 8081
)

var (
	// computeFamily matches compute-optimized families: c5, c5n, c6i, c6a,
	// c6gn, c7i, c7g, ...
	computeFamily = regexp.MustCompile(`^c[0-9]+[a-z-]*$`)
	// gravitonFamily matches the arm64 compute families, which need an arm64
	// AMI; one launch template has one AMI, so the fleet cannot mix them
	// with x86_64 types.
	gravitonFamily = regexp.MustCompile(`^c[0-9]+g`)
)

// TranscoderFleetArgs configures the Spot transcoder fleet of one release.
type TranscoderFleetArgs struct {
	// Identity is the env of the fleet and the extra tags of every
	// taggable child. Its Service is "transcoder" ("" means so) and it has
	// no Color: a fleet is named after its release.
	contract.Identity
	// Release is the transcoder image tag; each release gets its own group,
	// named after it. Required.
	Release string
	// ImageRepositoryURL is the transcoder's ECR repository URL. Required.
	ImageRepositoryURL pulumi.StringInput
	// AmiID is the Amazon Linux 2023 AMI; its architecture must match
	// InstanceTypes. Required.
	AmiID pulumi.StringInput
	// SecurityGroupIDs are attached to each instance, 1..5. Required.
	SecurityGroupIDs pulumi.StringArray
	// InstanceProfileName is the instances' IAM instance profile; its role
	// needs the pool's permissions plus sqs:ReceiveMessage and
	// sqs:DeleteMessage on the queue. Required.
	InstanceProfileName pulumi.StringInput
	// SubnetIDs are the private subnets, at least MinAZs of them.
	SubnetIDs pulumi.StringArray
	// MinAZs is the fewest subnets accepted, 2..6. 0 means 3.
	MinAZs int

	// InstanceTypes are at least 3 compute-optimized types (family starting
	// with "c", such as c6i.xlarge, c5.xlarge, c6a.xlarge) from at least two
	// families or generations, so that one Spot shortage cannot empty the
	// fleet. Types of similar size keep the per-instance backlog meaningful.
	InstanceTypes []string
	// OnDemandBaseCapacity is how many instances are always on-demand, so
	// that a Spot shortage still leaves the queue draining. nil means 1; a
	// value set is taken as given, 0 (all Spot) included.
	OnDemandBaseCapacity *int
	// OnDemandPercentageAboveBase is the on-demand share above the base,
	// 0..100. 0 means all Spot.
	OnDemandPercentageAboveBase int
	// SpotAllocationStrategy is "price-capacity-optimized" or
	// "capacity-optimized". "" means "price-capacity-optimized".
	SpotAllocationStrategy string

	// MinSize is the fewest instances of an active fleet, 1..DesiredCapacity:
	// the backlog per instance is undefined with no instance, so a fleet at
	// zero could never scale out.
	MinSize int
	// MaxSize is the most instances of an active fleet, DesiredCapacity..1000.
	MaxSize int
	// DesiredCapacity is the active fleet's initial size; the backlog policy
	// owns it afterwards.
	DesiredCapacity int
	// Draining scales the group to zero whatever the sizes say, removes the
	// backlog policy and keeps the termination hook, so that running jobs
	// finish before their instances go.
	Draining bool

	// QueueURL is the jobs queue's URL, passed to the container as
	// QUEUE_URL. Required.
	QueueURL pulumi.StringInput
	// QueueName is the jobs queue's name, the dimension of its CloudWatch
	// metrics. Required.
	QueueName pulumi.StringInput
	// Environment holds further container variables; QUEUE_URL is set by the
	// fleet and may not be given.
	Environment pulumi.StringMap

	// HealthPort is the container port where the transcoder answers its
	// health check, published on 127.0.0.1 only; a new instance is held by
	// the launch hook until GET HealthPath there succeeds, so an instance
	// in service (and counted in the backlog per instance) is a ready one.
	// 1..65535. 0 means 8081.
	HealthPort int
	// HealthPath is the health check's path. "" means "/healthz".
	HealthPath string
	// ReadyTimeoutSeconds bounds how long a new instance has to become
	// healthy, from the start of its user data (pull included), before its
	// launch is abandoned and Auto Scaling replaces it, 60..7080. 0 means
	// 600.
	ReadyTimeoutSeconds int

	// JobHeartbeatSeconds is the termination hook's heartbeat, long enough
	// for an in-flight job to finish, 300..7200. nil means 1800; a value set
	// is taken as given, 0 included.
	JobHeartbeatSeconds *int
	// AverageJobSeconds is how long one job takes on one instance, > 0.
	// Required.
	AverageJobSeconds float64
	// AcceptableLatencySeconds is how long a job may wait in the queue,
	// >= AverageJobSeconds. The backlog target per instance is
	// AcceptableLatencySeconds / AverageJobSeconds. Required.
	AcceptableLatencySeconds float64
}

// withDefaults returns a copy of the arguments with every default applied.
func (a TranscoderFleetArgs) withDefaults() TranscoderFleetArgs {
	if a.Service == "" {
		a.Service = asgpool.ServiceTranscoder
	}
	if a.MinAZs == 0 {
		a.MinAZs = defaultMinAZs
	}
	if a.OnDemandBaseCapacity == nil {
		a.OnDemandBaseCapacity = new(defaultOnDemandBaseCapacity)
	}
	if a.SpotAllocationStrategy == "" {
		a.SpotAllocationStrategy = asgpool.SpotPriceCapacityOptimized
	}
	if a.JobHeartbeatSeconds == nil {
		a.JobHeartbeatSeconds = new(defaultJobHeartbeatSeconds)
	}
	if a.HealthPort == 0 {
		a.HealthPort = defaultHealthPort
	}
	if a.Draining {
		a.MinSize, a.MaxSize, a.DesiredCapacity = 0, 0, 0
	}
	a.InstanceTypes = slices.Clone(a.InstanceTypes)
	return a
}

// targetBacklog is the number of queued messages per instance the fleet is
// held at: each instance may have this many jobs waiting and still start
// the last one within the acceptable latency.
func (a TranscoderFleetArgs) targetBacklog() float64 {
	return a.AcceptableLatencySeconds / a.AverageJobSeconds
}

// Validate reports every rejected field of the args as given, defaults
// applied first, each as a contract.FieldError: the fleet's own settings
// and what the AsgPool child would reject, under the fleet's field names,
// so that nothing is registered for a bad fleet.
func (a TranscoderFleetArgs) Validate() error {
	a = a.withDefaults()
	var errs field.List
	if a.Service != asgpool.ServiceTranscoder {
		errs.Add("Service", a.Service, `"`+asgpool.ServiceTranscoder+`" or ""`)
	}
	errs = append(errs, checkInstanceTypes(a.InstanceTypes)...)
	errs.Part("", a.mixedInstances().Validate())
	if !a.Draining {
		if a.MinSize < 1 {
			errs.Add("MinSize", a.MinSize, "at least 1 for a fleet that takes jobs, because the backlog per instance is undefined with no instance")
		}
		if b := *a.OnDemandBaseCapacity; b > a.MaxSize {
			errs.Add("OnDemandBaseCapacity", b, fmt.Sprintf("at most MaxSize (%d) for a fleet that takes jobs", a.MaxSize))
		}
	}
	if _, ok := a.Environment[queueURLVariable]; ok {
		errs.Add("Environment", queueURLVariable, "keys other than "+queueURLVariable+", which the fleet sets from QueueURL")
	}
	errs.Range("JobHeartbeatSeconds", *a.JobHeartbeatSeconds, minJobHeartbeatSeconds, maxJobHeartbeatSeconds)
	avgOK := positive(a.AverageJobSeconds)
	if !avgOK {
		errs.Add("AverageJobSeconds", a.AverageJobSeconds, "a positive number of seconds")
	}
	latOK := positive(a.AcceptableLatencySeconds)
	if !latOK {
		errs.Add("AcceptableLatencySeconds", a.AcceptableLatencySeconds, "a positive number of seconds")
	}
	if avgOK && latOK && a.targetBacklog() < minTargetBacklog {
		errs.Add("AcceptableLatencySeconds", a.AcceptableLatencySeconds, fmt.Sprintf("at least the average job time (%g s), so that the backlog target is %g job per instance or more", a.AverageJobSeconds, minTargetBacklog))
	}
	if a.QueueURL == nil {
		errs.Input("QueueURL", "the jobs queue's URL")
	}
	if a.QueueName == nil {
		errs.Input("QueueName", "the jobs queue's name")
	}
	for _, fe := range contract.FieldErrors(a.poolArgs().Validate()) {
		if fe, ok := poolField(fe); ok {
			errs = append(errs, fe)
		}
	}
	return errs.Err()
}

func positive(x float64) bool { return x > 0 && !math.IsInf(x, 1) }

// checkInstanceTypes checks what makes a transcoder fleet: compute-optimized
// types, several families, one architecture. Count, format and duplicates are
// the pool's checks.
func checkInstanceTypes(types []string) field.List {
	var errs field.List
	families := map[string]bool{}
	arm, x86 := 0, 0
	for i, t := range types {
		family, _, _ := strings.Cut(t, ".")
		if !computeFamily.MatchString(family) {
			errs.Add(fmt.Sprintf("InstanceTypes[%d]", i), t,
				"a compute-optimized type, whose family starts with \"c\" and a generation, such as c6i.xlarge, c5.xlarge, c6a.xlarge, c7i.xlarge")
			continue
		}
		families[family] = true
		if gravitonFamily.MatchString(family) {
			arm++
		} else {
			x86++
		}
	}
	if len(types) >= minFleetTypes && len(errs) == 0 && len(families) < minFleetFamilies {
		errs.Add("InstanceTypes", slices.Clone(types),
			fmt.Sprintf("types from at least %d families or generations (such as c6i and c5), so that one Spot shortage cannot empty the fleet", minFleetFamilies))
	}
	if arm > 0 && x86 > 0 {
		errs.Add("InstanceTypes", slices.Clone(types), "types of one architecture, arm64 (Graviton) or x86_64, matching the one AMI")
	}
	return errs
}

// poolFieldNames maps the AsgPool's field names to the fleet's, so that
// every error names a field the caller can set.
var poolFieldNames = map[string]string{
	"LaunchHook.TimeoutSeconds": "ReadyTimeoutSeconds",
	"LaunchHook.HealthPort":     "HealthPort",
	"LaunchHook.HealthPath":     "HealthPath",
}

// poolField renames a field the pool rejected, and drops the ones the fleet
// checks itself: its mixed instances, which Validate reports with the
// fleet's field names, and the heartbeat, which it checks more strictly
// (the drain timeout follows from it).
func poolField(fe contract.FieldError) (contract.FieldError, bool) {
	switch {
	case fe.Base() == "MixedInstances", fe.Base() == "LifecycleHook", fe.Field == "DrainTimeoutSeconds":
		return fe, false
	case poolFieldNames[fe.Field] != "":
		fe.Field = poolFieldNames[fe.Field]
	}
	return fe, true
}

// mixedInstances is the pool's mix of instance types and Spot capacity.
// Call it after withDefaults.
func (a TranscoderFleetArgs) mixedInstances() asgpool.MixedInstances {
	return asgpool.MixedInstances{
		InstanceTypes:               a.InstanceTypes,
		OnDemandBaseCapacity:        *a.OnDemandBaseCapacity,
		OnDemandPercentageAboveBase: a.OnDemandPercentageAboveBase,
		SpotAllocationStrategy:      a.SpotAllocationStrategy,
	}
}

// poolArgs is the AsgPool the fleet runs on. Call it after withDefaults.
func (a TranscoderFleetArgs) poolArgs() asgpool.AsgPoolArgs {
	env := pulumi.StringMap{}
	for k, v := range a.Environment {
		env[k] = v
	}
	if a.QueueURL != nil {
		env[queueURLVariable] = a.QueueURL
	}
	return asgpool.AsgPoolArgs{
		Identity:            contract.Identity{Env: a.Env, Service: asgpool.ServiceTranscoder, Color: a.Color, Tags: a.Tags},
		Release:             a.Release,
		ImageRepositoryURL:  a.ImageRepositoryURL,
		Environment:         env,
		AmiID:               a.AmiID,
		SecurityGroupIDs:    a.SecurityGroupIDs,
		InstanceProfileName: a.InstanceProfileName,
		SubnetIDs:           a.SubnetIDs,
		MinAZs:              a.MinAZs,
		MixedInstances:      new(a.mixedInstances()),
		MinSize:             a.MinSize,
		MaxSize:             a.MaxSize,
		DesiredCapacity:     a.DesiredCapacity,
		LifecycleHook:       &asgpool.LifecycleHook{HeartbeatSeconds: *a.JobHeartbeatSeconds},
		// Every fleet, draining ones too, declares the launch hook: the
		// hooks are fixed when the group is created, and a change would
		// replace the group of a release in the middle of its drain.
		LaunchHook: &asgpool.LaunchHook{
			TimeoutSeconds: a.ReadyTimeoutSeconds,
			HealthPort:     a.HealthPort,
			HealthPath:     a.HealthPath,
		},
		// The backlog policy below owns the desired capacity of an active
		// fleet; a draining fleet must be held at zero.
		ScalingOwnsDesired: !a.Draining,
	}
}
