package asgpool

import (
	"encoding/base64"
	"fmt"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/video-platform/video-platform/internal/contract"
	"github.com/video-platform/video-platform/internal/offline"
	"github.com/video-platform/video-platform/internal/offline/offlinetest"
	"github.com/video-platform/video-platform/internal/render"
)

const (
	repoURL  = "123456789012.dkr.ecr.us-east-1.amazonaws.com/video-platform/web"
	tgARN    = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web-blue/0123456789abcdef"
	typeLT   = "aws:ec2/launchTemplate:LaunchTemplate"
	typeASG  = "aws:autoscaling/group:Group"
	typeLogs = "aws:cloudwatch/logGroup:LogGroup"
	typeSch  = "aws:autoscaling/schedule:Schedule"
	typePol  = "aws:autoscaling/policy:Policy"
)

func subnets(n int) pulumi.StringArray {
	out := pulumi.StringArray{}
	for i := 0; i < n; i++ {
		out = append(out, pulumi.String("subnet-"+string(rune('a'+i))))
	}
	return out
}

// webArgs is a blue web pool as the prod web stack declares it.
func webArgs() *AsgPoolArgs {
	return &AsgPoolArgs{
		Identity:            contract.Identity{Env: "prod", Service: ServiceWeb, Color: "blue", Tags: map[string]string{"team": "video"}},
		Release:             "v1.4.2",
		ImageRepositoryURL:  pulumi.String(repoURL),
		ContainerPort:       8080,
		Environment:         pulumi.StringMap{"APP_MODE": pulumi.String("web")},
		AmiID:               pulumi.String("ami-0123456789abcdef0"),
		InstanceType:        "m6i.large",
		SecurityGroupIDs:    pulumi.StringArray{pulumi.String("sg-web")},
		InstanceProfileName: pulumi.String("prod-web-profile"),
		SubnetIDs:           subnets(3),
		MinSize:             3,
		MaxSize:             12,
		DesiredCapacity:     3,
		TargetGroupARNs:     pulumi.StringArray{pulumi.String(tgARN)},
		LifecycleHook:       &LifecycleHook{HeartbeatSeconds: 300},
		Schedules: []Schedule{{
			Name: "night", Recurrence: "0 22 * * *", TimeZone: "Europe/Berlin",
			MinSize: 2, MaxSize: 6, DesiredCapacity: 2,
		}},
		Scaling: &TargetTracking{
			Metric:        MetricALBRequests,
			ResourceLabel: pulumi.String("app/prod-web/1111/targetgroup/web-blue/2222"),
			TargetValue:   500,
		},
	}
}

// transcoderArgs is a spot pool with no port and no load balancer.
func transcoderArgs() *AsgPoolArgs {
	return &AsgPoolArgs{
		Identity:            contract.Identity{Env: "prod", Service: ServiceTranscoder},
		Release:             "v7",
		ImageRepositoryURL:  pulumi.String(repoURL),
		Environment:         pulumi.StringMap{"QUEUE_URL": pulumi.String("https://sqs.us-east-1.amazonaws.com/123456789012/jobs")},
		AmiID:               pulumi.String("ami-0123456789abcdef0"),
		SecurityGroupIDs:    pulumi.StringArray{pulumi.String("sg-tc")},
		InstanceProfileName: pulumi.String("prod-transcoder-profile"),
		SubnetIDs:           subnets(3),
		MixedInstances: &MixedInstances{
			InstanceTypes:        []string{"c6i.xlarge", "c5.xlarge", "c6a.xlarge"},
			OnDemandBaseCapacity: 1,
		},
		MinSize: 1, MaxSize: 20, DesiredCapacity: 2,
		LifecycleHook:      &LifecycleHook{HeartbeatSeconds: 1800},
		ScalingOwnsDesired: true,
	}
}

// pools declares pools offline for these tests.
var pools = offlinetest.Component[AsgPoolArgs, AsgPool]{
	Stack: offline.Stack{Name: "prod-test", Config: map[string]string{"aws:region": "us-east-1"}},
	New:   NewAsgPool,
}

func decodeUserData(t *testing.T, lt render.Resource) string {
	t.Helper()
	encoded, ok := lt.Inputs["userData"].(string)
	require.True(t, ok, "userData is a plain string")
	raw, err := base64.StdEncoding.DecodeString(encoded)
	require.NoError(t, err, "userData is base64")
	return string(raw)
}

func TestWebPoolLaunchTemplate(t *testing.T) {
	res := pools.Run(t, "web-blue", webArgs())
	lt := offlinetest.Find(t, res, typeLT, "web-blue-lt")

	assert.Equal(t, "prod-web-blue-", lt.Inputs["namePrefix"], "namePrefix so a replacement can be created first")
	assert.Nil(t, lt.Inputs["name"], "no fixed name")
	assert.Equal(t, "ami-0123456789abcdef0", lt.Inputs["imageId"], "image")
	assert.Equal(t, "m6i.large", lt.Inputs["instanceType"], "instance type")
	assert.Equal(t, "required", offlinetest.Input(t, lt, "metadataOptions.httpTokens"), "IMDSv2 required")
	assert.Equal(t, "enabled", offlinetest.Input(t, lt, "metadataOptions.httpEndpoint"), "IMDS on")
	assert.Equal(t, 2.0, offlinetest.Input(t, lt, "metadataOptions.httpPutResponseHopLimit"), "hop limit 2 for bridge-networked containers")
	assert.Equal(t, "enabled", offlinetest.Input(t, lt, "metadataOptions.instanceMetadataTags"), "tags in IMDS for the drain watcher")

	bdm := "blockDeviceMappings[0]."
	assert.Equal(t, "/dev/xvda", offlinetest.Input(t, lt, bdm+"deviceName"), "root device")
	assert.Equal(t, "gp3", offlinetest.Input(t, lt, bdm+"ebs.volumeType"), "gp3")
	assert.Equal(t, 30.0, offlinetest.Input(t, lt, bdm+"ebs.volumeSize"), "default 30 GiB")
	assert.Equal(t, "true", offlinetest.Input(t, lt, bdm+"ebs.encrypted"), "encrypted root volume")
	assert.Equal(t, "true", offlinetest.Input(t, lt, bdm+"ebs.deleteOnTermination"), "volume deleted with the instance")

	nics, _ := lt.Inputs["networkInterfaces"].([]any)
	require.Len(t, nics, 1, "one interface")
	assert.Equal(t, "false", offlinetest.Input(t, lt, "networkInterfaces[0].associatePublicIpAddress"), "no public IP")
	assert.Equal(t, []any{"sg-web"}, offlinetest.Input(t, lt, "networkInterfaces[0].securityGroups"), "security groups on the interface")
	assert.Nil(t, lt.Inputs["vpcSecurityGroupIds"], "no top-level security groups next to an interface")

	assert.Equal(t, "prod-web-profile", offlinetest.Input(t, lt, "iamInstanceProfile.name"), "instance profile")
	assert.Equal(t, true, offlinetest.Input(t, lt, "monitoring.enabled"), "detailed monitoring")
	assert.Equal(t, true, lt.Inputs["updateDefaultVersion"], "default version follows")

	specs, _ := lt.Inputs["tagSpecifications"].([]any)
	require.Len(t, specs, 2, "instance and volume tag specifications")
	assert.Equal(t, "instance", offlinetest.Input(t, lt, "tagSpecifications[0].resourceType"), "instance tags")
	assert.Equal(t, "volume", offlinetest.Input(t, lt, "tagSpecifications[1].resourceType"), "volume tags")
	for _, tags := range []string{"tags", "tagSpecifications[0].tags", "tagSpecifications[1].tags"} {
		offlinetest.HasInputs(t, lt, map[string]any{
			tags + ".env": "prod", tags + ".service": "web", tags + ".color": "blue", tags + ".release": "v1.4.2",
			tags + ".managed-by": "pulumi", tags + ".Name": "prod-web-blue", tags + ".team": "video",
		})
	}
}

func TestWebPoolGroup(t *testing.T) {
	res := pools.Run(t, "web-blue", webArgs())
	asg := offlinetest.Find(t, res, typeASG, "web-blue-asg")
	in := asg.Inputs

	assert.Equal(t, "prod-web-blue-", in["namePrefix"], "namePrefix")
	assert.Equal(t, []any{"subnet-a", "subnet-b", "subnet-c"}, in["vpcZoneIdentifiers"], "three private subnets")
	assert.Equal(t, 3.0, in["minSize"], "min")
	assert.Equal(t, 12.0, in["maxSize"], "max")
	assert.Equal(t, 3.0, in["desiredCapacity"], "desired")
	assert.Equal(t, []any{tgARN}, in["targetGroupArns"], "target groups")
	assert.Equal(t, "ELB", in["healthCheckType"], "ELB health check with target groups")
	assert.Equal(t, 300.0, in["healthCheckGracePeriod"], "default grace period")
	assert.Equal(t, 3.0, in["minElbCapacity"], "wait for MinSize healthy in the ELB")
	assert.Equal(t, "15m", in["waitForCapacityTimeout"], "capacity wait")

	ltID := offlinetest.Input(t, asg, "launchTemplate.id")
	assert.Equal(t, offline.Placeholder(typeLT, "id", "web-blue-lt"), ltID, "group uses the pool's template")
	version := offlinetest.Input(t, asg, "launchTemplate.version")
	assert.Equal(t, "1", version, "pinned to the template's latestVersion")
	assert.NotEqual(t, "$Latest", version, "never $Latest")
	assert.NotEqual(t, "$Default", version, "never $Default")
	assert.Nil(t, in["mixedInstancesPolicy"], "single type pool")
	assert.Nil(t, in["capacityRebalance"], "no rebalance without Spot")

	hooks, _ := in["initialLifecycleHooks"].([]any)
	require.Len(t, hooks, 1, "one hook")
	assert.Equal(t, "drain", offlinetest.Input(t, asg, "initialLifecycleHooks[0].name"), "hook name the script completes")
	assert.Equal(t, "autoscaling:EC2_INSTANCE_TERMINATING", offlinetest.Input(t, asg, "initialLifecycleHooks[0].lifecycleTransition"), "termination hook")
	assert.Equal(t, 300.0, offlinetest.Input(t, asg, "initialLifecycleHooks[0].heartbeatTimeout"), "heartbeat")
	assert.Equal(t, "CONTINUE", offlinetest.Input(t, asg, "initialLifecycleHooks[0].defaultResult"), "default result")

	assert.Equal(t, "Rolling", offlinetest.Input(t, asg, "instanceRefresh.strategy"), "rolling refresh")
	assert.Equal(t, 90.0, offlinetest.Input(t, asg, "instanceRefresh.preferences.minHealthyPercentage"), "keep 90% healthy")
	assert.Equal(t, "300", offlinetest.Input(t, asg, "instanceRefresh.preferences.instanceWarmup"), "warmup")

	metrics, _ := in["enabledMetrics"].([]any)
	for _, m := range []string{"GroupInServiceInstances", "GroupDesiredCapacity", "GroupTerminatingInstances"} {
		assert.Contains(t, metrics, m, "metric %s enabled", m)
	}
	assert.Equal(t, "1Minute", in["metricsGranularity"], "metrics granularity")
	assert.Equal(t, false, in["protectFromScaleIn"], "no scale-in protection")
	assert.Equal(t, []any{"OldestLaunchTemplate", "OldestInstance"}, in["terminationPolicies"], "termination policies")

	tags, _ := in["tags"].([]any)
	got := map[string]any{}
	for i, tag := range tags {
		at := fmt.Sprintf("tags[%d].", i)
		assert.Equal(t, true, offlinetest.Input(t, asg, at+"propagateAtLaunch"), "tag %v propagates at launch", tag)
		got[offlinetest.Input(t, asg, at+"key").(string)] = offlinetest.Input(t, asg, at+"value")
	}
	assert.Equal(t, map[string]any{
		"env": "prod", "service": "web", "color": "blue", "release": "v1.4.2",
		"managed-by": "pulumi", "Name": "prod-web-blue", "team": "video",
	}, got, "group tags")
}

func TestWebPoolChildrenOutputsSchedulesAndScaling(t *testing.T) {
	res := pools.Run(t, "web-blue", webArgs())
	urn := offlinetest.Find(t, res, TypeToken, "web-blue").URN
	children := 0
	for _, r := range res.Resources {
		if r.Custom {
			assert.Equal(t, urn, r.Parent, "%s is parented to the component", r.Name)
			children++
		}
	}
	assert.Equal(t, 5, children, "logs, template, group, schedule, policy")

	logs := offlinetest.Find(t, res, typeLogs, "web-blue-logs")
	assert.Equal(t, "/video-platform/prod/web-blue-", logs.Inputs["namePrefix"], "log group prefix")
	assert.Equal(t, 30.0, logs.Inputs["retentionInDays"], "default retention")
	assert.Equal(t, "pulumi", offlinetest.Input(t, logs, "tags.managed-by"), "log group tagged")

	groupName := offline.Placeholder(typeASG, "name", "web-blue-asg")
	sch := offlinetest.Find(t, res, typeSch, "web-blue-schedule-night")
	assert.Equal(t, groupName, sch.Inputs["autoscalingGroupName"], "schedule targets the group")
	assert.Equal(t, "night", sch.Inputs["scheduledActionName"], "action name")
	assert.Equal(t, "0 22 * * *", sch.Inputs["recurrence"], "cron")
	assert.Equal(t, "Europe/Berlin", sch.Inputs["timeZone"], "time zone")
	assert.Equal(t, 2.0, sch.Inputs["minSize"], "schedule min")
	assert.Equal(t, 6.0, sch.Inputs["maxSize"], "schedule max")
	assert.Equal(t, 2.0, sch.Inputs["desiredCapacity"], "schedule desired")

	pol := offlinetest.Find(t, res, typePol, "web-blue-scaling")
	assert.Equal(t, groupName, pol.Inputs["autoscalingGroupName"], "policy targets the group")
	assert.Equal(t, "TargetTrackingScaling", pol.Inputs["policyType"], "target tracking")
	assert.Equal(t, 300.0, pol.Inputs["estimatedInstanceWarmup"], "warmup")
	assert.Equal(t, "ALBRequestCountPerTarget",
		offlinetest.Input(t, pol, "targetTrackingConfiguration.predefinedMetricSpecification.predefinedMetricType"), "request count metric")
	assert.Equal(t, "app/prod-web/1111/targetgroup/web-blue/2222",
		offlinetest.Input(t, pol, "targetTrackingConfiguration.predefinedMetricSpecification.resourceLabel"), "resource label")
	assert.Equal(t, 500.0, offlinetest.Input(t, pol, "targetTrackingConfiguration.targetValue"), "target value")

	assert.Equal(t, groupName, res.Outputs["GroupName"], "GroupName output")
	assert.Equal(t, offline.Placeholder(typeASG, "arn", "web-blue-asg"), res.Outputs["GroupARN"], "GroupARN output")
	assert.Equal(t, offline.Placeholder(typeLT, "id", "web-blue-lt"), res.Outputs["LaunchTemplateID"], "LaunchTemplateID output")
	assert.EqualValues(t, 1, res.Outputs["LaunchTemplateLatestVersion"], "LaunchTemplateLatestVersion output")
	assert.Equal(t, offline.Placeholder(typeLogs, "name", "web-blue-logs"), res.Outputs["LogGroupName"], "LogGroupName output")
}

func TestWebPoolUserData(t *testing.T) {
	res := pools.Run(t, "web-blue", webArgs())
	script := decodeUserData(t, offlinetest.Find(t, res, typeLT, "web-blue-lt"))

	assert.True(t, strings.HasPrefix(script, "#!/bin/bash\n"), "bash script")
	assert.Contains(t, script, "set -euo pipefail", "strict mode")
	assert.Contains(t, script, "IMAGE='"+repoURL+":v1.4.2'", "image is <url>:<release>")
	assert.Contains(t, script, "REGISTRY='123456789012.dkr.ecr.us-east-1.amazonaws.com'", "registry host for docker login")
	assert.Contains(t, script, "docker login --username AWS --password-stdin", "ECR login")
	assert.Contains(t, script, "--restart unless-stopped", "container restarts")
	assert.Contains(t, script, "--log-driver awslogs", "logs to CloudWatch")
	assert.Contains(t, script, "LOG_GROUP='"+offline.Placeholder(typeLogs, "name", "web-blue-logs")+"'", "log group from the child")
	assert.Contains(t, script, "run_args+=(--publish 8080:8080)", "port published on the same host port")
	assert.Contains(t, script, `printf '%s\n' 'APP_MODE=web' >>"${STATE_DIR}/app.env"`, "environment in the env file")
	assert.Contains(t, script, `install -m 600 /dev/null "${STATE_DIR}/app.env"`, "env file mode 600")
	assert.Contains(t, script, "target-lifecycle-state", "drain watcher polls the lifecycle state")
	assert.Contains(t, script, "complete-lifecycle-action", "drain completes the hook")
	assert.Contains(t, script, "record-lifecycle-action-heartbeat", "drain records heartbeats")
	assert.Contains(t, script, "printf 'DRAIN_TIMEOUT=%q\\n' 240", "drain timeout defaults to heartbeat - 60")
}

func TestTranscoderPoolMixedInstances(t *testing.T) {
	res := pools.Run(t, "tc-v7", transcoderArgs())
	lt := offlinetest.Find(t, res, typeLT, "tc-v7-lt")
	asg := offlinetest.Find(t, res, typeASG, "tc-v7-asg")

	assert.Equal(t, "prod-transcoder-v7-", lt.Inputs["namePrefix"], "named after the release")
	assert.Nil(t, lt.Inputs["instanceType"], "the overrides pick the type")
	assert.Nil(t, asg.Inputs["launchTemplate"], "launch template only inside the mixed policy")
	assert.Equal(t, true, asg.Inputs["capacityRebalance"], "capacity rebalance for Spot")
	assert.Equal(t, "EC2", asg.Inputs["healthCheckType"], "EC2 health check without target groups")
	assert.Nil(t, asg.Inputs["targetGroupArns"], "no target groups")
	assert.Nil(t, asg.Inputs["minElbCapacity"], "no ELB wait")

	dist := "mixedInstancesPolicy.instancesDistribution."
	assert.Equal(t, 1.0, offlinetest.Input(t, asg, dist+"onDemandBaseCapacity"), "on-demand base")
	assert.Equal(t, 0.0, offlinetest.Input(t, asg, dist+"onDemandPercentageAboveBaseCapacity"), "Spot above the base")
	assert.Equal(t, "price-capacity-optimized", offlinetest.Input(t, asg, dist+"spotAllocationStrategy"), "default strategy")
	spec := "mixedInstancesPolicy.launchTemplate.launchTemplateSpecification."
	assert.Equal(t, offline.Placeholder(typeLT, "id", "tc-v7-lt"), offlinetest.Input(t, asg, spec+"launchTemplateId"), "template id")
	assert.Equal(t, "1", offlinetest.Input(t, asg, spec+"version"), "pinned version")
	overrides, _ := offlinetest.Input(t, asg, "mixedInstancesPolicy.launchTemplate.overrides").([]any)
	var types []any
	for i := range overrides {
		types = append(types, offlinetest.Input(t, asg, fmt.Sprintf("mixedInstancesPolicy.launchTemplate.overrides[%d].instanceType", i)))
	}
	assert.Equal(t, []any{"c6i.xlarge", "c5.xlarge", "c6a.xlarge"}, types, "overrides")

	assert.Empty(t, res.OfType(typePol), "no policy of its own")
	script := decodeUserData(t, lt)
	assert.NotContains(t, script, "--publish", "a worker publishes no port")
	assert.Contains(t, script, "QUEUE_URL=https://sqs.us-east-1.amazonaws.com/123456789012/jobs", "queue URL passed")
	assert.Contains(t, script, "printf 'DRAIN_TIMEOUT=%q\\n' 1740", "drain timeout")

	tags, _ := asg.Inputs["tags"].([]any)
	for i := range tags {
		assert.NotEqual(t, "color", offlinetest.Input(t, asg, fmt.Sprintf("tags[%d].key", i)), "transcoder groups have no color")
	}
}

func TestIdlePoolKeepsHookButNoPolicyOrSchedule(t *testing.T) {
	args := webArgs()
	args.MinSize, args.MaxSize, args.DesiredCapacity = 0, 0, 0
	res := pools.Run(t, "web-green", args)
	asg := offlinetest.Find(t, res, typeASG, "web-green-asg")
	assert.Equal(t, 0.0, asg.Inputs["maxSize"], "idle")
	assert.Equal(t, 0.0, asg.Inputs["desiredCapacity"], "idle desired")
	assert.Equal(t, 0.0, asg.Inputs["minElbCapacity"], "nothing to wait for")
	hooks, _ := asg.Inputs["initialLifecycleHooks"].([]any)
	assert.Len(t, hooks, 1, "an idle pool keeps its hook")
	assert.Empty(t, res.OfType(typePol), "no scaling policy on an idle pool")
	assert.Empty(t, res.OfType(typeSch), "no schedule on an idle pool")
}

func TestCPUScalingAndOptionalSettings(t *testing.T) {
	args := webArgs()
	args.Scaling = &TargetTracking{Metric: MetricCPU, TargetValue: 55}
	args.Schedules = nil
	args.LifecycleHook = nil
	args.InstanceRefresh = &InstanceRefresh{Disabled: true}
	args.RootVolumeGiB, args.MetadataHopLimit, args.LogRetentionDays = 50, 1, 90
	args.HealthCheckGracePeriodSeconds = 120
	args.MixedInstances = &MixedInstances{
		InstanceTypes:               []string{"m6i.large", "m7i.large", "m6a.large"},
		OnDemandPercentageAboveBase: 100,
		SpotAllocationStrategy:      SpotCapacityOptimized,
	}
	args.InstanceType = ""
	res := pools.Run(t, "web-blue", args)

	pol := offlinetest.Find(t, res, typePol, "web-blue-scaling")
	spec := "targetTrackingConfiguration.predefinedMetricSpecification."
	assert.Equal(t, "ASGAverageCPUUtilization", offlinetest.Input(t, pol, spec+"predefinedMetricType"), "cpu metric")
	label, _ := pol.Input(spec + "resourceLabel")
	assert.Nil(t, label, "no label for cpu")
	assert.Equal(t, 55.0, offlinetest.Input(t, pol, "targetTrackingConfiguration.targetValue"), "target")

	asg := offlinetest.Find(t, res, typeASG, "web-blue-asg")
	assert.Nil(t, asg.Inputs["instanceRefresh"], "refresh disabled")
	assert.Nil(t, asg.Inputs["initialLifecycleHooks"], "no hook")
	assert.Equal(t, 120.0, asg.Inputs["healthCheckGracePeriod"], "grace period")
	assert.Equal(t, "capacity-optimized", offlinetest.Input(t, asg, "mixedInstancesPolicy.instancesDistribution.spotAllocationStrategy"), "strategy")
	assert.Equal(t, 100.0, offlinetest.Input(t, asg, "mixedInstancesPolicy.instancesDistribution.onDemandPercentageAboveBaseCapacity"), "all on-demand")

	lt := offlinetest.Find(t, res, typeLT, "web-blue-lt")
	assert.Equal(t, 50.0, offlinetest.Input(t, lt, "blockDeviceMappings[0].ebs.volumeSize"), "root volume size")
	assert.Equal(t, 1.0, offlinetest.Input(t, lt, "metadataOptions.httpPutResponseHopLimit"), "hop limit")
	script := decodeUserData(t, lt)
	assert.NotContains(t, script, "vp-drain", "no drain watcher without a hook")
	assert.Equal(t, 90.0, offlinetest.Find(t, res, typeLogs, "web-blue-logs").Inputs["retentionInDays"], "retention")
}

func TestSecretEnvironmentMakesUserDataSecret(t *testing.T) {
	args := webArgs()
	args.Environment = pulumi.StringMap{"API_TOKEN": pulumi.ToSecret(pulumi.String("hunter2")).(pulumi.StringOutput)}
	res := pools.Run(t, "web-blue", args)
	lt := offlinetest.Find(t, res, typeLT, "web-blue-lt")
	assert.Equal(t, offline.SecretMarker, lt.Inputs["userData"], "a secret env value keeps the user data secret")
}

func TestUserDataErrorFailsTheRun(t *testing.T) {
	args := webArgs()
	args.Environment = pulumi.StringMap{"MULTI": pulumi.String("line\nbreak")}
	// A value Docker's env file cannot carry fails the deployment.
	err := pools.Failing(t, "web-blue", args)
	assert.Contains(t, err.Error(), "MULTI", "error names the variable")
}

func TestBadArgsRegisterNothing(t *testing.T) {
	cases := []offlinetest.Case[AsgPoolArgs]{
		{Name: "uppercase env", Edit: func(a *AsgPoolArgs) { a.Env = "Prod" }, Want: []string{"Env:"}},
		{Name: "service with capitals", Edit: func(a *AsgPoolArgs) { a.Service = "Web API" }, Want: []string{"Service:"}},
		{Name: "new service without color", Edit: func(a *AsgPoolArgs) { a.Service = "api"; a.Color = "" }, Want: []string{"Color:"}},
		{Name: "web without color", Edit: func(a *AsgPoolArgs) { a.Color = "" }, Want: []string{"Color:"}},
		{Name: "transcoder with color", Edit: func(a *AsgPoolArgs) { a.Service = ServiceTranscoder; a.TargetGroupARNs = nil; a.Scaling = nil }, Want: []string{"Color:"}},
		{Name: "bad release", Edit: func(a *AsgPoolArgs) { a.Release = "-v1 bad" }, Want: []string{"Release:"}},
		{Name: "reserved tag", Edit: func(a *AsgPoolArgs) { a.Tags = map[string]string{"env": "dev"} }, Want: []string{"Tags:"}},
		{Name: "aws tag", Edit: func(a *AsgPoolArgs) { a.Tags = map[string]string{"aws:x": "y"} }, Want: []string{"Tags:"}},
		{Name: "long tag value", Edit: func(a *AsgPoolArgs) { a.Tags = map[string]string{"k": strings.Repeat("v", 257)} }, Want: []string{"Tags:"}},
		{Name: "no repository", Edit: func(a *AsgPoolArgs) { a.ImageRepositoryURL = nil }, Want: []string{"ImageRepositoryURL:"}},
		{Name: "port too high", Edit: func(a *AsgPoolArgs) { a.ContainerPort = 70000 }, Want: []string{"ContainerPort:"}},
		{Name: "no port behind a load balancer", Edit: func(a *AsgPoolArgs) { a.ContainerPort = 0 }, Want: []string{"ContainerPort:"}},
		{Name: "bad env var name", Edit: func(a *AsgPoolArgs) { a.Environment = pulumi.StringMap{"1X": pulumi.String("v")} }, Want: []string{"Environment:"}},
		{Name: "no ami", Edit: func(a *AsgPoolArgs) { a.AmiID = nil }, Want: []string{"AmiID:"}},
		{Name: "no instance type", Edit: func(a *AsgPoolArgs) { a.InstanceType = "" }, Want: []string{"InstanceType:"}},
		{Name: "type and mixed", Edit: func(a *AsgPoolArgs) { a.MixedInstances = transcoderArgs().MixedInstances }, Want: []string{"InstanceType:"}},
		{Name: "two mixed types", Edit: func(a *AsgPoolArgs) {
			a.InstanceType = ""
			a.MixedInstances = &MixedInstances{InstanceTypes: []string{"c5.large", "c6i.large"}}
		}, Want: []string{"MixedInstances.InstanceTypes:"}},
		{Name: "duplicate mixed type", Edit: func(a *AsgPoolArgs) {
			a.InstanceType = ""
			a.MixedInstances = &MixedInstances{InstanceTypes: []string{"c5.large", "c5.large", "c6i.large"}}
		}, Want: []string{`MixedInstances.InstanceTypes[1]: "c5.large" is not accepted; accepted distinct types`}},
		{Name: "bad mixed type", Edit: func(a *AsgPoolArgs) {
			a.InstanceType = ""
			a.MixedInstances = &MixedInstances{InstanceTypes: []string{"c5", "c5.large", "c6i.large"}}
		}, Want: []string{`MixedInstances.InstanceTypes[0]: "c5" is not accepted`}},
		{Name: "lowest-price strategy", Edit: func(a *AsgPoolArgs) {
			a.InstanceType = ""
			a.MixedInstances = &MixedInstances{InstanceTypes: []string{"c5.large", "c6a.large", "c6i.large"}, SpotAllocationStrategy: "lowest-price"}
		}, Want: []string{"MixedInstances.SpotAllocationStrategy:"}},
		{Name: "negative on-demand base", Edit: func(a *AsgPoolArgs) {
			a.InstanceType = ""
			a.MixedInstances = &MixedInstances{InstanceTypes: []string{"c5.large", "c6a.large", "c6i.large"}, OnDemandBaseCapacity: -1}
		}, Want: []string{"MixedInstances.OnDemandBaseCapacity:"}},
		{Name: "on-demand percentage", Edit: func(a *AsgPoolArgs) {
			a.InstanceType = ""
			a.MixedInstances = &MixedInstances{InstanceTypes: []string{"c5.large", "c6a.large", "c6i.large"}, OnDemandPercentageAboveBase: 101}
		}, Want: []string{"MixedInstances.OnDemandPercentageAboveBase:"}},
		{Name: "no security group", Edit: func(a *AsgPoolArgs) { a.SecurityGroupIDs = nil }, Want: []string{"SecurityGroupIDs:"}},
		{Name: "no instance profile", Edit: func(a *AsgPoolArgs) { a.InstanceProfileName = nil }, Want: []string{"InstanceProfileName:"}},
		{Name: "two subnets", Edit: func(a *AsgPoolArgs) { a.SubnetIDs = subnets(2) }, Want: []string{"SubnetIDs:"}},
		{Name: "MinAZs one", Edit: func(a *AsgPoolArgs) { a.MinAZs = 1 }, Want: []string{"MinAZs:"}},
		{Name: "min above desired", Edit: func(a *AsgPoolArgs) { a.MinSize = 4 }, Want: []string{"MinSize/DesiredCapacity/MaxSize:"}},
		{Name: "max too large", Edit: func(a *AsgPoolArgs) { a.MaxSize = 1001 }, Want: []string{"MinSize/DesiredCapacity/MaxSize:"}},
		{Name: "short grace with ELB", Edit: func(a *AsgPoolArgs) { a.HealthCheckGracePeriodSeconds = 30 }, Want: []string{"HealthCheckGracePeriodSeconds:"}},
		{Name: "heartbeat too short", Edit: func(a *AsgPoolArgs) { a.LifecycleHook = &LifecycleHook{HeartbeatSeconds: 20} }, Want: []string{"LifecycleHook.HeartbeatSeconds:"}},
		{Name: "bad hook result", Edit: func(a *AsgPoolArgs) { a.LifecycleHook = &LifecycleHook{HeartbeatSeconds: 300, DefaultResult: "RETRY"} }, Want: []string{"LifecycleHook.DefaultResult:"}},
		{Name: "drain above heartbeat", Edit: func(a *AsgPoolArgs) { a.DrainTimeoutSeconds = 301 }, Want: []string{"DrainTimeoutSeconds:"}},
		{Name: "drain without hook", Edit: func(a *AsgPoolArgs) { a.LifecycleHook = nil; a.DrainTimeoutSeconds = 30 }, Want: []string{"DrainTimeoutSeconds:"}},
		{Name: "cron with six fields", Edit: func(a *AsgPoolArgs) { a.Schedules[0].Recurrence = "0 0 22 * * *" }, Want: []string{"Schedules[0].Recurrence:"}},
		{Name: "cron hour 24", Edit: func(a *AsgPoolArgs) { a.Schedules[0].Recurrence = "0 24 * * *" }, Want: []string{"Schedules[0].Recurrence:"}},
		{Name: "bad time zone", Edit: func(a *AsgPoolArgs) { a.Schedules[0].TimeZone = "Mars/Olympus" }, Want: []string{"Schedules[0].TimeZone:"}},
		{Name: "local time zone", Edit: func(a *AsgPoolArgs) { a.Schedules[0].TimeZone = "Local" }, Want: []string{"Schedules[0].TimeZone:"}},
		{Name: "schedule sizes", Edit: func(a *AsgPoolArgs) { a.Schedules[0].MaxSize = 1 }, Want: []string{"Schedules[0].MinSize/DesiredCapacity/MaxSize:"}},
		{Name: "schedule name", Edit: func(a *AsgPoolArgs) { a.Schedules[0].Name = "night shift" }, Want: []string{"Schedules[0].Name:"}},
		{Name: "duplicate schedule", Edit: func(a *AsgPoolArgs) { a.Schedules = append(a.Schedules, a.Schedules[0]) }, Want: []string{"Schedules[1].Name:"}},
		{Name: "unknown metric", Edit: func(a *AsgPoolArgs) { a.Scaling = &TargetTracking{Metric: "memory", TargetValue: 50} }, Want: []string{"Scaling.Metric:"}},
		{Name: "cpu over 100", Edit: func(a *AsgPoolArgs) { a.Scaling = &TargetTracking{Metric: MetricCPU, TargetValue: 150} }, Want: []string{"Scaling.TargetValue:"}},
		{Name: "cpu with label", Edit: func(a *AsgPoolArgs) {
			a.Scaling = &TargetTracking{Metric: MetricCPU, TargetValue: 50, ResourceLabel: pulumi.String("x/y")}
		}, Want: []string{"Scaling.ResourceLabel:"}},
		{Name: "requests without label", Edit: func(a *AsgPoolArgs) { a.Scaling = &TargetTracking{Metric: MetricALBRequests, TargetValue: 100} }, Want: []string{"Scaling.ResourceLabel:"}},
		{Name: "requests target zero", Edit: func(a *AsgPoolArgs) { a.Scaling.TargetValue = 0 }, Want: []string{"Scaling.TargetValue:"}},
		{Name: "requests without target groups", Edit: func(a *AsgPoolArgs) { a.TargetGroupARNs = nil }, Want: []string{"TargetGroupARNs:"}},
		{Name: "backwards cron range", Edit: func(a *AsgPoolArgs) { a.Schedules[0].Recurrence = "0 22-6 * * *" }, Want: []string{"Schedules[0].Recurrence:", "running backwards"}},
		{Name: "keep- release", Edit: func(a *AsgPoolArgs) { a.Release = "keep-v1" }, Want: []string{`Release: "keep-v1" is not accepted; accepted a non-empty image tag`}},
		{Name: "refresh percentage", Edit: func(a *AsgPoolArgs) { a.InstanceRefresh = &InstanceRefresh{MinHealthyPercentage: 101} }, Want: []string{"InstanceRefresh.MinHealthyPercentage:"}},
		{Name: "refresh warmup", Edit: func(a *AsgPoolArgs) { a.InstanceRefresh = &InstanceRefresh{InstanceWarmupSeconds: 4000} }, Want: []string{"InstanceRefresh.InstanceWarmupSeconds:"}},
		{Name: "tiny root volume", Edit: func(a *AsgPoolArgs) { a.RootVolumeGiB = 4 }, Want: []string{"RootVolumeGiB:"}},
		{Name: "hop limit 3", Edit: func(a *AsgPoolArgs) { a.MetadataHopLimit = 3 }, Want: []string{"MetadataHopLimit:"}},
		{Name: "retention 10 days", Edit: func(a *AsgPoolArgs) { a.LogRetentionDays = 10 }, Want: []string{"LogRetentionDays:"}},
	}
	pools.BadArgs(t, "web-blue", webArgs, cases)
}

func TestValidationRegistersNoChild(t *testing.T) {
	args := webArgs()
	args.LifecycleHook = &LifecycleHook{HeartbeatSeconds: 20}
	res, _ := pools.Rejected(t, "web-blue", args)
	assert.Empty(t, res.Resources, "no resource was registered")
}

func TestNilArgs(t *testing.T) {
	err := pools.Failing(t, "web-blue", nil)
	assert.Contains(t, err.Error(), "args are required", "message")
}

func TestDefaultsDoNotTouchCallerArgs(t *testing.T) {
	args := transcoderArgs()
	d := args.withDefaults()
	assert.Equal(t, "", args.MixedInstances.SpotAllocationStrategy, "caller's struct unchanged")
	assert.Equal(t, "", args.LifecycleHook.DefaultResult, "caller's hook unchanged")
	assert.Nil(t, args.InstanceRefresh, "caller's refresh unchanged")
	assert.Equal(t, SpotPriceCapacityOptimized, d.MixedInstances.SpotAllocationStrategy, "strategy default")
	assert.Equal(t, HookContinue, d.LifecycleHook.DefaultResult, "hook default")
	assert.Equal(t, 1740, d.DrainTimeoutSeconds, "drain default = heartbeat - 60")
	assert.Equal(t, 3, d.MinAZs, "MinAZs default")

	web := webArgs()
	d = web.withDefaults()
	assert.Equal(t, "UTC", (AsgPoolArgs{Schedules: []Schedule{{}}}).withDefaults().Schedules[0].TimeZone, "time zone default")
	assert.Equal(t, "Europe/Berlin", d.Schedules[0].TimeZone, "given time zone kept")

	assert.Equal(t, 15, defaultDrainTimeout(30), "short heartbeats split in half")
	assert.Equal(t, 60, defaultDrainTimeout(120), "120 s splits in half")
	assert.Equal(t, 61, defaultDrainTimeout(121), "above 120 s leaves a minute")
}

func TestLongReleaseIsCutInNamePrefix(t *testing.T) {
	a := pool{AsgPoolArgs{Identity: contract.Identity{Env: "staging", Service: ServiceTranscoder}, Release: strings.Repeat("r", 128)}}
	p := a.namePrefix()
	assert.LessOrEqual(t, len(p), maxLaunchTemplatePrefix, "prefix leaves room for the unique suffix")
	assert.True(t, strings.HasPrefix(p, "staging-transcoder-rrr"), "prefix keeps env and service: %s", p)
	assert.True(t, strings.HasSuffix(p, "-"), "prefix ends with a dash")
}

// Validate takes the args as a caller has them: defaults are applied
// inside, and the Pulumi inputs a caller sets only when it declares the
// pool are told apart from values it can check beforehand.
func TestValidateTakesRawArgs(t *testing.T) {
	assert.NoError(t, webArgs().Validate(), "valid args with every default left out")
	fromConfig := AsgPoolArgs{
		Identity: contract.Identity{Env: "prod", Service: ServiceWeb, Color: "blue"}, Release: "r1", InstanceType: "m6i",
		MinSize: 1, MaxSize: 2, DesiredCapacity: 3, Scaling: &TargetTracking{Metric: MetricALBRequests, TargetValue: 500},
	}
	var inputs, values []string
	for _, fe := range contract.FieldErrors(fromConfig.Validate()) {
		if fe.Input {
			inputs = append(inputs, fe.Field)
		} else {
			values = append(values, fe.Field)
		}
	}
	assert.Equal(t, []string{"ImageRepositoryURL", "AmiID", "SecurityGroupIDs", "InstanceProfileName", "SubnetIDs", "Scaling.ResourceLabel", "TargetGroupARNs"}, inputs, "the inputs left unset")
	assert.Equal(t, []string{"InstanceType", "MinSize/DesiredCapacity/MaxSize"}, values, "what the caller can fix in its config")
	sizes := contract.FieldErrors(fromConfig.Validate())[6]
	assert.Equal(t, Sizes{Min: 1, Max: 2, Desired: 3}, sizes.Value, "the sizes are one value")
	assert.Contains(t, sizes.Error(), "MinSize 1, DesiredCapacity 3, MaxSize 2 is not accepted; accepted 0 <= min <= desired <= max <= 1000", "and read as such")
}

// The children are fields of the component, as awsx exposes them.
func TestChildrenAreExposed(t *testing.T) {
	got, _ := pools.Declared(t, "web-blue", webArgs())
	offlinetest.Exposes(t, got, "Group", "LaunchTemplate", "LogGroup", "Schedules", "ScalingPolicy")
	assert.Len(t, got.Schedules, 1, "one scheduled action per schedule")
}

func TestGroupIgnoresOnlyWhatPoliciesAndSchedulesOwn(t *testing.T) {
	idle := webArgs()
	idle.MinSize, idle.MaxSize, idle.DesiredCapacity = 0, 0, 0
	scheduledOnly := webArgs()
	scheduledOnly.Scaling = nil
	policyOnly := webArgs()
	policyOnly.Schedules = nil
	fixed := webArgs()
	fixed.Scaling, fixed.Schedules = nil, nil
	cases := []struct {
		name      string
		args      *AsgPoolArgs
		ignore    []string
		schedules int
	}{
		{"own scaling policy and schedules", webArgs(), []string{"desiredCapacity", "minSize", "maxSize"}, 1},
		{"schedules without a policy", scheduledOnly, []string{"desiredCapacity", "minSize", "maxSize"}, 1},
		{"own scaling policy without schedules", policyOnly, []string{"desiredCapacity"}, 0},
		{"policy elsewhere", transcoderArgs(), []string{"desiredCapacity"}, 0},
		{"no policy, no schedules", fixed, nil, 0},
		{"idle pool given schedules enforces zero", idle, nil, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := offlinetest.Run(t, offline.Stack{Name: "prod-test"}, func(ctx *pulumi.Context) (pulumi.Map, error) {
				return nil, pools.Construct("pool", tc.args)(ctx)
			})
			asg := offlinetest.Find(t, res, typeASG, "pool-asg")
			assert.Equal(t, tc.ignore, asg.IgnoreChanges, "ignoreChanges on the group itself")
			assert.Equal(t, []string{"initialLifecycleHooks"}, asg.ReplaceOnChanges, "a hook change replaces the group")
			assert.Len(t, res.OfType(typeSch), tc.schedules, "min and max are ignored exactly when scheduled actions set them")
			lt := offlinetest.Find(t, res, typeLT, "pool-lt")
			assert.Empty(t, lt.IgnoreChanges, "nothing ignored on the template")
		})
	}
}
