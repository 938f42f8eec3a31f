package transcoderfleet

import (
	"encoding/base64"
	"fmt"
	"math"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/video-platform/video-platform/internal/contract"
	"github.com/video-platform/video-platform/internal/offline"
	"github.com/video-platform/video-platform/internal/offline/offlinetest"
)

const (
	repoURL  = "123456789012.dkr.ecr.us-east-1.amazonaws.com/video-platform/transcoder"
	queueURL = "https://sqs.us-east-1.amazonaws.com/123456789012/prod-transcoder-jobs"
	typeASG  = "aws:autoscaling/group:Group"
	typeLT   = "aws:ec2/launchTemplate:LaunchTemplate"
	typePol  = "aws:autoscaling/policy:Policy"
	typePool = "video-platform:compute:AsgPool"
)

func fleetArgs() *TranscoderFleetArgs {
	return &TranscoderFleetArgs{
		Identity:                 contract.Identity{Env: "prod", Tags: map[string]string{"team": "media"}},
		Release:                  "v42",
		ImageRepositoryURL:       pulumi.String(repoURL),
		AmiID:                    pulumi.String("ami-0123456789abcdef0"),
		SecurityGroupIDs:         pulumi.StringArray{pulumi.String("sg-transcoder")},
		InstanceProfileName:      pulumi.String("prod-transcoder"),
		SubnetIDs:                pulumi.StringArray{pulumi.String("subnet-a"), pulumi.String("subnet-b"), pulumi.String("subnet-c")},
		InstanceTypes:            []string{"c6i.xlarge", "c5.xlarge", "c6a.xlarge"},
		MinSize:                  1,
		MaxSize:                  40,
		DesiredCapacity:          2,
		QueueURL:                 pulumi.String(queueURL),
		QueueName:                pulumi.String("prod-transcoder-jobs"),
		AverageJobSeconds:        120,
		AcceptableLatencySeconds: 600,
	}
}

// fleets declares fleets offline for these tests.
var fleets = offlinetest.Component[TranscoderFleetArgs, TranscoderFleet]{
	Stack: offline.Stack{Name: "prod-transcoders", Config: map[string]string{"aws:region": "us-east-1"}},
	New:   NewTranscoderFleet,
}

func TestActiveFleetGroup(t *testing.T) {
	res := fleets.Run(t, "tc-v42", fleetArgs())
	fleet := offlinetest.Find(t, res, TypeToken, "tc-v42")
	pool := offlinetest.Find(t, res, typePool, "tc-v42-pool")
	assert.Equal(t, fleet.URN, pool.Parent, "pool is parented to the fleet")

	asg := offlinetest.Find(t, res, typeASG, "tc-v42-pool-asg")
	assert.Equal(t, pool.URN, asg.Parent, "group is parented to the pool")
	assert.Equal(t, "prod-transcoder-v42-", asg.Inputs["namePrefix"], "one group per release")
	assert.Equal(t, true, asg.Inputs["capacityRebalance"], "capacity rebalance")
	assert.Equal(t, "EC2", asg.Inputs["healthCheckType"], "no load balancer")
	assert.Equal(t, 1.0, asg.Inputs["minSize"], "min")
	assert.Equal(t, 40.0, asg.Inputs["maxSize"], "max")
	assert.Equal(t, 2.0, asg.Inputs["desiredCapacity"], "desired")

	dist := "mixedInstancesPolicy.instancesDistribution."
	assert.Equal(t, 1.0, offlinetest.Input(t, asg, dist+"onDemandBaseCapacity"), "one on-demand instance by default")
	assert.Equal(t, 0.0, offlinetest.Input(t, asg, dist+"onDemandPercentageAboveBaseCapacity"), "all Spot above the base")
	assert.Equal(t, "price-capacity-optimized", offlinetest.Input(t, asg, dist+"spotAllocationStrategy"), "allocation strategy")
	overrides, _ := offlinetest.Input(t, asg, "mixedInstancesPolicy.launchTemplate.overrides").([]any)
	var types []any
	for i := range overrides {
		types = append(types, offlinetest.Input(t, asg, fmt.Sprintf("mixedInstancesPolicy.launchTemplate.overrides[%d].instanceType", i)))
	}
	assert.Equal(t, []any{"c6i.xlarge", "c5.xlarge", "c6a.xlarge"}, types, "the three types")
	assert.Equal(t, "1", offlinetest.Input(t, asg, "mixedInstancesPolicy.launchTemplate.launchTemplateSpecification.version"), "pinned version")

	hooks, _ := asg.Inputs["initialLifecycleHooks"].([]any)
	require.Len(t, hooks, 2, "termination hook and launch hook")
	assert.Equal(t, "autoscaling:EC2_INSTANCE_TERMINATING", offlinetest.Input(t, asg, "initialLifecycleHooks[0].lifecycleTransition"), "terminating")
	assert.Equal(t, 1800.0, offlinetest.Input(t, asg, "initialLifecycleHooks[0].heartbeatTimeout"), "default job heartbeat")
	assert.Equal(t, "ready", offlinetest.Input(t, asg, "initialLifecycleHooks[1].name"), "launch hook the user data completes")
	assert.Equal(t, "autoscaling:EC2_INSTANCE_LAUNCHING", offlinetest.Input(t, asg, "initialLifecycleHooks[1].lifecycleTransition"), "launching")
	assert.Equal(t, 720.0, offlinetest.Input(t, asg, "initialLifecycleHooks[1].heartbeatTimeout"), "default bound 600 s plus 120 s margin")
	assert.Equal(t, "ABANDON", offlinetest.Input(t, asg, "initialLifecycleHooks[1].defaultResult"), "an instance never found ready is abandoned")
	assert.Equal(t, "1020s", offlinetest.Input(t, asg, "waitForCapacityTimeout"), "the capacity wait outlasts the launch hook")

	lt := offlinetest.Find(t, res, typeLT, "tc-v42-pool-lt")
	assert.Nil(t, lt.Inputs["instanceType"], "types come from the overrides")
	encoded, _ := lt.Inputs["userData"].(string)
	raw, err := base64.StdEncoding.DecodeString(encoded)
	require.NoError(t, err, "user data is base64")
	script := string(raw)
	assert.Contains(t, script, "'QUEUE_URL="+queueURL+"'", "queue URL passed to the container")
	assert.Contains(t, script, "IMAGE='"+repoURL+":v42'", "image of the release")
	assert.Contains(t, script, "--publish 127.0.0.1:8081:8081", "only the health port, on loopback")
	assert.NotContains(t, script, "--publish 8081", "no public port")
	assert.Contains(t, script, "HEALTH_URL='http://127.0.0.1:8081/healthz'", "default health endpoint")
	assert.Contains(t, script, `READY_TIMEOUT="${VP_READY_TIMEOUT:-600}"`, "default readiness bound")
	assert.Contains(t, script, "printf 'DRAIN_TIMEOUT=%q\\n' 1740", "drain leaves a minute of the heartbeat")

	groupName := offline.Placeholder(typeASG, "name", "tc-v42-pool-asg")
	assert.Equal(t, groupName, res.Outputs["GroupName"], "GroupName output")
	assert.Equal(t, "v42", res.Outputs["Release"], "Release output")
	assert.Equal(t, false, res.Outputs["Draining"], "Draining output")
	assert.Equal(t, 5.0, res.Outputs["TargetBacklogPerInstance"], "TargetBacklogPerInstance output = 600 / 120")
}

func TestActiveFleetBacklogPolicy(t *testing.T) {
	res := fleets.Run(t, "tc-v42", fleetArgs())
	fleet := offlinetest.Find(t, res, TypeToken, "tc-v42")
	pol := offlinetest.Find(t, res, typePol, "tc-v42-backlog")
	assert.Equal(t, fleet.URN, pol.Parent, "policy parented to the fleet")
	assert.Len(t, res.OfType(typePol), 1, "the pool adds no policy of its own")

	groupName := offline.Placeholder(typeASG, "name", "tc-v42-pool-asg")
	assert.Equal(t, groupName, pol.Inputs["autoscalingGroupName"], "policy on the fleet's group")
	assert.Equal(t, "TargetTrackingScaling", pol.Inputs["policyType"], "target tracking")
	ttc := "targetTrackingConfiguration."
	assert.Equal(t, 5.0, offlinetest.Input(t, pol, ttc+"targetValue"), "target = latency / average job")

	list := ttc + "customizedMetricSpecification.metrics"
	metrics, _ := offlinetest.Input(t, pol, list).([]any)
	require.Len(t, metrics, 3, "m1, m2, e1")
	m1, m2, e1 := list+"[0].", list+"[1].", list+"[2]."

	assert.Equal(t, "m1", offlinetest.Input(t, pol, m1+"id"), "m1 id")
	assert.Equal(t, false, offlinetest.Input(t, pol, m1+"returnData"), "m1 is an input")
	assert.Equal(t, "AWS/SQS", offlinetest.Input(t, pol, m1+"metricStat.metric.namespace"), "SQS namespace")
	assert.Equal(t, "ApproximateNumberOfMessagesVisible", offlinetest.Input(t, pol, m1+"metricStat.metric.metricName"), "visible messages")
	assert.Equal(t, "QueueName", offlinetest.Input(t, pol, m1+"metricStat.metric.dimensions[0].name"), "queue dimension")
	assert.Equal(t, "prod-transcoder-jobs", offlinetest.Input(t, pol, m1+"metricStat.metric.dimensions[0].value"), "queue name")
	assert.Equal(t, "Sum", offlinetest.Input(t, pol, m1+"metricStat.stat"), "sum of messages")

	assert.Equal(t, "m2", offlinetest.Input(t, pol, m2+"id"), "m2 id")
	assert.Equal(t, false, offlinetest.Input(t, pol, m2+"returnData"), "m2 is an input")
	assert.Equal(t, "AWS/AutoScaling", offlinetest.Input(t, pol, m2+"metricStat.metric.namespace"), "ASG namespace")
	assert.Equal(t, "GroupInServiceInstances", offlinetest.Input(t, pol, m2+"metricStat.metric.metricName"), "in-service instances")
	assert.Equal(t, "AutoScalingGroupName", offlinetest.Input(t, pol, m2+"metricStat.metric.dimensions[0].name"), "group dimension")
	assert.Equal(t, groupName, offlinetest.Input(t, pol, m2+"metricStat.metric.dimensions[0].value"), "this fleet's group")
	assert.Equal(t, "Average", offlinetest.Input(t, pol, m2+"metricStat.stat"), "average instances")

	assert.Equal(t, "e1", offlinetest.Input(t, pol, e1+"id"), "e1 id")
	assert.Equal(t, "m1 / m2", offlinetest.Input(t, pol, e1+"expression"), "backlog per instance")
	assert.Equal(t, "backlog per instance", offlinetest.Input(t, pol, e1+"label"), "label")
	assert.Equal(t, true, offlinetest.Input(t, pol, e1+"returnData"), "e1 is the tracked value")
}

func TestDrainingFleet(t *testing.T) {
	args := fleetArgs()
	args.Draining = true
	args.Release = "v41"
	args.JobHeartbeatSeconds = new(3600)
	res := fleets.Run(t, "tc-v41", args)

	asg := offlinetest.Find(t, res, typeASG, "tc-v41-pool-asg")
	assert.Equal(t, 0.0, asg.Inputs["minSize"], "draining min 0")
	assert.Equal(t, 0.0, asg.Inputs["maxSize"], "draining max 0")
	assert.Equal(t, 0.0, asg.Inputs["desiredCapacity"], "draining desired 0 whatever was given")
	hooks, _ := asg.Inputs["initialLifecycleHooks"].([]any)
	require.Len(t, hooks, 2, "a draining group keeps its hooks (so jobs finish, and no hook change replaces it)")
	assert.Equal(t, "autoscaling:EC2_INSTANCE_LAUNCHING", offlinetest.Input(t, asg, "initialLifecycleHooks[1].lifecycleTransition"), "launch hook kept")
	assert.Equal(t, 3600.0, offlinetest.Input(t, asg, "initialLifecycleHooks[0].heartbeatTimeout"), "heartbeat")
	assert.Empty(t, res.OfType(typePol), "no scaling policy while draining")
	assert.Empty(t, res.OfType("aws:autoscaling/schedule:Schedule"), "no schedule while draining")
	assert.Equal(t, true, res.Outputs["Draining"], "Draining output")
	assert.Equal(t, "v41", res.Outputs["Release"], "Release output")
}

func TestFleetOptionsAndEnvironment(t *testing.T) {
	args := fleetArgs()
	args.OnDemandBaseCapacity = new(2)
	args.OnDemandPercentageAboveBase = 20
	args.SpotAllocationStrategy = "capacity-optimized"
	args.Environment = pulumi.StringMap{"OUTPUT_BUCKET": pulumi.String("media-out")}
	args.InstanceTypes = []string{"c7g.xlarge", "c6g.xlarge", "c6gn.xlarge"}
	res := fleets.Run(t, "tc-v42", args)
	asg := offlinetest.Find(t, res, typeASG, "tc-v42-pool-asg")
	dist := "mixedInstancesPolicy.instancesDistribution."
	assert.Equal(t, 2.0, offlinetest.Input(t, asg, dist+"onDemandBaseCapacity"), "base")
	assert.Equal(t, 20.0, offlinetest.Input(t, asg, dist+"onDemandPercentageAboveBaseCapacity"), "percentage")
	assert.Equal(t, "capacity-optimized", offlinetest.Input(t, asg, dist+"spotAllocationStrategy"), "strategy")
	lt := offlinetest.Find(t, res, typeLT, "tc-v42-pool-lt")
	raw, err := base64.StdEncoding.DecodeString(lt.Inputs["userData"].(string))
	require.NoError(t, err, "base64")
	assert.Contains(t, string(raw), "'OUTPUT_BUCKET=media-out'", "extra variable")
	assert.Contains(t, string(raw), "'QUEUE_URL="+queueURL+"'", "queue URL")
}

// An on-demand base set is taken as given: 0 (all Spot, fine outside prod)
// is not the default of 1.
func TestOnDemandBaseZeroIsKept(t *testing.T) {
	args := fleetArgs()
	args.OnDemandBaseCapacity = new(0)
	asg := offlinetest.Find(t, fleets.Run(t, "tc-v42", args), typeASG, "tc-v42-pool-asg")
	assert.Equal(t, 0.0, offlinetest.Input(t, asg, "mixedInstancesPolicy.instancesDistribution.onDemandBaseCapacity"), "all Spot")
	asg = offlinetest.Find(t, fleets.Run(t, "tc-v42", fleetArgs()), typeASG, "tc-v42-pool-asg")
	assert.Equal(t, 1.0, offlinetest.Input(t, asg, "mixedInstancesPolicy.instancesDistribution.onDemandBaseCapacity"), "unset is the default")
}

func TestBadFleetArgsRegisterNothing(t *testing.T) {
	cases := []offlinetest.Case[TranscoderFleetArgs]{
		{Name: "two types", Edit: func(a *TranscoderFleetArgs) { a.InstanceTypes = []string{"c6i.xlarge", "c5.xlarge"} }, Want: []string{"InstanceTypes:"}},
		{Name: "general purpose type", Edit: func(a *TranscoderFleetArgs) { a.InstanceTypes = []string{"c6i.xlarge", "c5.xlarge", "m6i.large"} }, Want: []string{`InstanceTypes[2]: "m6i.large" is not accepted`}},
		{Name: "one family", Edit: func(a *TranscoderFleetArgs) {
			a.InstanceTypes = []string{"c6i.xlarge", "c6i.2xlarge", "c6i.4xlarge"}
		}, Want: []string{"InstanceTypes:"}},
		{Name: "mixed architectures", Edit: func(a *TranscoderFleetArgs) {
			a.InstanceTypes = []string{"c6i.xlarge", "c6g.xlarge", "c7g.xlarge"}
		}, Want: []string{"InstanceTypes:"}},
		{Name: "duplicate type", Edit: func(a *TranscoderFleetArgs) {
			a.InstanceTypes = []string{"c6i.xlarge", "c5.xlarge", "c5.xlarge"}
		}, Want: []string{`InstanceTypes[2]: "c5.xlarge" is not accepted; accepted distinct types`}},
		{Name: "latency below average", Edit: func(a *TranscoderFleetArgs) { a.AcceptableLatencySeconds = 60 }, Want: []string{"AcceptableLatencySeconds:"}},
		{Name: "zero average", Edit: func(a *TranscoderFleetArgs) { a.AverageJobSeconds = 0 }, Want: []string{"AverageJobSeconds:"}},
		{Name: "infinite latency", Edit: func(a *TranscoderFleetArgs) { a.AcceptableLatencySeconds = math.Inf(1) }, Want: []string{"AcceptableLatencySeconds:"}},
		{Name: "heartbeat too short", Edit: func(a *TranscoderFleetArgs) { a.JobHeartbeatSeconds = new(120) }, Want: []string{"JobHeartbeatSeconds:"}},
		{Name: "heartbeat too long", Edit: func(a *TranscoderFleetArgs) { a.JobHeartbeatSeconds = new(7201) }, Want: []string{"JobHeartbeatSeconds:"}},
		// A heartbeat set is taken as given: 0 is not the default.
		{Name: "heartbeat zero", Edit: func(a *TranscoderFleetArgs) { a.JobHeartbeatSeconds = new(0) }, Want: []string{"JobHeartbeatSeconds: 0 is not accepted"}},
		{Name: "negative on-demand base", Edit: func(a *TranscoderFleetArgs) { a.OnDemandBaseCapacity = new(-1) }, Want: []string{"OnDemandBaseCapacity: -1 is not accepted"}},
		{Name: "active fleet at zero", Edit: func(a *TranscoderFleetArgs) { a.MinSize = 0 }, Want: []string{"MinSize:"}},
		{Name: "on-demand base above the fleet", Edit: func(a *TranscoderFleetArgs) { a.OnDemandBaseCapacity = new(41) }, Want: []string{"OnDemandBaseCapacity: 41 is not accepted; accepted at most MaxSize (40)"}},
		{Name: "a service", Edit: func(a *TranscoderFleetArgs) { a.Service = "web" }, Want: []string{`Service: "web" is not accepted`}},
		{Name: "a color", Edit: func(a *TranscoderFleetArgs) { a.Color = "blue" }, Want: []string{`Color: "blue" is not accepted`}},
		{Name: "a reserved tag", Edit: func(a *TranscoderFleetArgs) { a.Tags = map[string]string{"release": "v1"} }, Want: []string{`Tags: "release" is not accepted`}},
		{Name: "sizes out of order", Edit: func(a *TranscoderFleetArgs) { a.MaxSize = 1 }, Want: []string{"MinSize/DesiredCapacity/MaxSize:"}},
		{Name: "no queue URL", Edit: func(a *TranscoderFleetArgs) { a.QueueURL = nil }, Want: []string{"QueueURL:"}},
		{Name: "no queue name", Edit: func(a *TranscoderFleetArgs) { a.QueueName = nil }, Want: []string{"QueueName:"}},
		{Name: "queue URL in environment", Edit: func(a *TranscoderFleetArgs) {
			a.Environment = pulumi.StringMap{"QUEUE_URL": pulumi.String("x")}
		}, Want: []string{"Environment:"}},
		{Name: "on-demand percentage", Edit: func(a *TranscoderFleetArgs) { a.OnDemandPercentageAboveBase = 150 }, Want: []string{"OnDemandPercentageAboveBase:"}},
		{Name: "lowest price", Edit: func(a *TranscoderFleetArgs) { a.SpotAllocationStrategy = "lowest-price" }, Want: []string{"SpotAllocationStrategy:"}},
		{Name: "two subnets", Edit: func(a *TranscoderFleetArgs) { a.SubnetIDs = a.SubnetIDs[:2] }, Want: []string{"SubnetIDs:"}},
		{Name: "bad release", Edit: func(a *TranscoderFleetArgs) { a.Release = "" }, Want: []string{"Release:"}},
		{Name: "no ami", Edit: func(a *TranscoderFleetArgs) { a.AmiID = nil }, Want: []string{"AmiID:"}},
		{Name: "health path", Edit: func(a *TranscoderFleetArgs) { a.HealthPath = "healthz; reboot" }, Want: []string{"HealthPath:"}},
		{Name: "health port", Edit: func(a *TranscoderFleetArgs) { a.HealthPort = 70000 }, Want: []string{"HealthPort:"}},
		{Name: "ready timeout", Edit: func(a *TranscoderFleetArgs) { a.ReadyTimeoutSeconds = 7100 }, Want: []string{"ReadyTimeoutSeconds:"}},
	}
	fleets.BadArgs(t, "tc-v42", fleetArgs, cases)
	for _, c := range cases {
		args := fleetArgs()
		c.Edit(args)
		assert.NotContains(t, args.Validate().Error(), "MixedInstances.", "%s: pool field names are translated", c.Name)
		assert.NotContains(t, args.Validate().Error(), "LaunchHook.", "%s: pool field names are translated", c.Name)
	}
}

func TestErrorsReportedTogether(t *testing.T) {
	args := fleetArgs()
	args.InstanceTypes = []string{"m6i.large", "c5.xlarge"}
	args.JobHeartbeatSeconds = new(10)
	args.QueueName = nil
	err := args.Validate()
	require.Error(t, err, "invalid")
	for _, field := range []string{"InstanceTypes[0]: \"m6i.large\"", "InstanceTypes: m6i.large, c5.xlarge is not accepted; accepted 3 to 20 distinct instance types, so that Spot has several capacity pools to choose from; 2 given", "JobHeartbeatSeconds:", "QueueName:"} {
		assert.Contains(t, err.Error(), field, "all problems reported at once")
	}
	assert.NotContains(t, err.Error(), "LifecycleHook.HeartbeatSeconds", "the pool's weaker heartbeat check is not repeated")
}

func TestDrainingIgnoresSizes(t *testing.T) {
	args := fleetArgs()
	args.Draining = true
	args.MinSize, args.MaxSize, args.DesiredCapacity = 5, 2, 9
	assert.NoError(t, args.Validate(), "sizes of a draining fleet do not matter")
	assert.Equal(t, 9, args.DesiredCapacity, "caller's args untouched")
}

func TestNilArgsAndPoolErrors(t *testing.T) {
	err := fleets.Failing(t, "tc", nil)
	assert.Contains(t, err.Error(), "args are required", "message")

	renamed, ok := poolField(contract.FieldError{Field: "LaunchHook.HealthPort", Value: 0})
	assert.True(t, ok, "kept")
	assert.Equal(t, "HealthPort", renamed.Field, "renamed")
	_, ok = poolField(contract.FieldError{Field: "MixedInstances.SpotAllocationStrategy"})
	assert.False(t, ok, "the fleet's own check reports its mixed instances")
	same, ok := poolField(contract.FieldError{Field: "SubnetIDs", Input: true})
	assert.True(t, ok && same.Field == "SubnetIDs" && same.Input, "the rest keep their names, inputs marked")
}

// The fleet's pool and backlog policy are fields of the component, as
// awsx exposes children.
func TestChildrenAreExposed(t *testing.T) {
	got, _ := fleets.Declared(t, "tc-v42", fleetArgs())
	offlinetest.Exposes(t, got, "Pool", "BacklogPolicy")
	offlinetest.Exposes(t, got.Pool, "Group", "LaunchTemplate")
}

func TestBacklogPolicyOwnsDesiredOnlyWhenActive(t *testing.T) {
	for _, draining := range []bool{false, true} {
		args := fleetArgs()
		args.Draining = draining
		res := offlinetest.Run(t, offline.Stack{Name: "prod-transcoders"}, func(ctx *pulumi.Context) (pulumi.Map, error) {
			return nil, fleets.Construct("tc", args)(ctx)
		})
		asg := offlinetest.Find(t, res, typeASG, "tc-pool-asg")
		ignore := asg.IgnoreChanges
		if draining {
			assert.Empty(t, ignore, "a draining group is held at desired 0")
		} else {
			assert.Equal(t, []string{"desiredCapacity"}, ignore, "the backlog policy owns desired on the group itself")
		}
	}
}
