package asgpool

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/video-platform/video-platform/internal/offline"
	"github.com/video-platform/video-platform/internal/render"
	"github.com/video-platform/video-platform/policies/rules"
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
		Env:                 "prod",
		Service:             ServiceWeb,
		Color:               "blue",
		Release:             "v1.4.2",
		Tags:                map[string]string{"team": "video"},
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
		Env:                 "prod",
		Service:             ServiceTranscoder,
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

func runPool(t *testing.T, name string, args *AsgPoolArgs) *offline.Result {
	t.Helper()
	res, err := offline.Run(offline.Stack{Name: "prod-test", Config: map[string]string{"aws:region": "us-east-1"}},
		func(ctx *pulumi.Context) (pulumi.Map, error) {
			p, err := NewAsgPool(ctx, name, args)
			if err != nil {
				return nil, err
			}
			return pulumi.Map{
				"groupName":     p.GroupName,
				"groupArn":      p.GroupArn,
				"ltID":          p.LaunchTemplateID,
				"ltVersion":     p.LaunchTemplateLatestVersion,
				"logGroupName":  p.LogGroupName,
				"componentName": pulumi.String(name),
			}, nil
		})
	require.NoError(t, err, "offline run of %s", name)
	return res
}

func find(t *testing.T, res *offline.Result, typ, name string) render.Resource {
	t.Helper()
	r, ok := res.Find(typ, name)
	require.True(t, ok, "%s %s is declared", typ, name)
	return r
}

// get walks nested maps and lists: a string step indexes a map, an int a list.
func get(t *testing.T, v any, path ...any) any {
	t.Helper()
	for _, step := range path {
		switch s := step.(type) {
		case string:
			m, ok := v.(map[string]any)
			require.True(t, ok, "%v is a map before %q", v, s)
			v = m[s]
		case int:
			l, ok := v.([]any)
			require.True(t, ok, "%v is a list before [%d]", v, s)
			require.Greater(t, len(l), s, "list has index %d", s)
			v = l[s]
		}
	}
	return v
}

func decodeUserData(t *testing.T, lt render.Resource) string {
	t.Helper()
	encoded, ok := lt.Inputs["userData"].(string)
	require.True(t, ok, "userData is a plain string")
	raw, err := base64.StdEncoding.DecodeString(encoded)
	require.NoError(t, err, "userData is base64")
	return string(raw)
}

func componentURN(t *testing.T, res *offline.Result, name string) string {
	t.Helper()
	return find(t, res, TypeToken, name).URN
}

func TestWebPoolLaunchTemplate(t *testing.T) {
	res := runPool(t, "web-blue", webArgs())
	lt := find(t, res, typeLT, "web-blue-lt")

	assert.Equal(t, "prod-web-blue-", lt.Inputs["namePrefix"], "namePrefix so a replacement can be created first")
	assert.Nil(t, lt.Inputs["name"], "no fixed name")
	assert.Equal(t, "ami-0123456789abcdef0", lt.Inputs["imageId"], "image")
	assert.Equal(t, "m6i.large", lt.Inputs["instanceType"], "instance type")
	assert.Equal(t, "required", get(t, lt.Inputs, "metadataOptions", "httpTokens"), "IMDSv2 required")
	assert.Equal(t, "enabled", get(t, lt.Inputs, "metadataOptions", "httpEndpoint"), "IMDS on")
	assert.Equal(t, 2.0, get(t, lt.Inputs, "metadataOptions", "httpPutResponseHopLimit"), "hop limit 2 for bridge-networked containers")
	assert.Equal(t, "enabled", get(t, lt.Inputs, "metadataOptions", "instanceMetadataTags"), "tags in IMDS for the drain watcher")

	bdm := get(t, lt.Inputs, "blockDeviceMappings", 0)
	assert.Equal(t, "/dev/xvda", get(t, bdm, "deviceName"), "root device")
	assert.Equal(t, "gp3", get(t, bdm, "ebs", "volumeType"), "gp3")
	assert.Equal(t, 30.0, get(t, bdm, "ebs", "volumeSize"), "default 30 GiB")
	assert.Equal(t, "true", get(t, bdm, "ebs", "encrypted"), "encrypted root volume")
	assert.Equal(t, "true", get(t, bdm, "ebs", "deleteOnTermination"), "volume deleted with the instance")

	nics, _ := lt.Inputs["networkInterfaces"].([]any)
	require.Len(t, nics, 1, "one interface")
	assert.Equal(t, "false", get(t, nics[0], "associatePublicIpAddress"), "no public IP")
	assert.Equal(t, []any{"sg-web"}, get(t, nics[0], "securityGroups"), "security groups on the interface")
	assert.Nil(t, lt.Inputs["vpcSecurityGroupIds"], "no top-level security groups next to an interface")

	assert.Equal(t, "prod-web-profile", get(t, lt.Inputs, "iamInstanceProfile", "name"), "instance profile")
	assert.Equal(t, true, get(t, lt.Inputs, "monitoring", "enabled"), "detailed monitoring")
	assert.Equal(t, true, lt.Inputs["updateDefaultVersion"], "default version follows")

	wantTags := map[string]any{
		"env": "prod", "service": "web", "color": "blue", "release": "v1.4.2",
		"managed-by": "pulumi", "Name": "prod-web-blue", "team": "video",
	}
	assert.Equal(t, wantTags, lt.Inputs["tags"], "launch template tags")
	specs, _ := lt.Inputs["tagSpecifications"].([]any)
	require.Len(t, specs, 2, "instance and volume tag specifications")
	assert.Equal(t, "instance", get(t, specs[0], "resourceType"), "instance tags")
	assert.Equal(t, "volume", get(t, specs[1], "resourceType"), "volume tags")
	assert.Equal(t, wantTags, get(t, specs[0], "tags"), "instance tag values")
	assert.Equal(t, wantTags, get(t, specs[1], "tags"), "volume tag values")
}

func TestWebPoolGroup(t *testing.T) {
	res := runPool(t, "web-blue", webArgs())
	asg := find(t, res, typeASG, "web-blue-asg")
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

	ltID := get(t, in, "launchTemplate", "id")
	assert.Equal(t, offline.Placeholder(typeLT, "id", "web-blue-lt"), ltID, "group uses the pool's template")
	version := get(t, in, "launchTemplate", "version")
	assert.Equal(t, "1", version, "pinned to the template's latestVersion")
	assert.NotEqual(t, "$Latest", version, "never $Latest")
	assert.NotEqual(t, "$Default", version, "never $Default")
	assert.Nil(t, in["mixedInstancesPolicy"], "single type pool")
	assert.Nil(t, in["capacityRebalance"], "no rebalance without Spot")

	hooks, _ := in["initialLifecycleHooks"].([]any)
	require.Len(t, hooks, 1, "one hook")
	assert.Equal(t, "drain", get(t, hooks[0], "name"), "hook name the script completes")
	assert.Equal(t, "autoscaling:EC2_INSTANCE_TERMINATING", get(t, hooks[0], "lifecycleTransition"), "termination hook")
	assert.Equal(t, 300.0, get(t, hooks[0], "heartbeatTimeout"), "heartbeat")
	assert.Equal(t, "CONTINUE", get(t, hooks[0], "defaultResult"), "default result")

	assert.Equal(t, "Rolling", get(t, in, "instanceRefresh", "strategy"), "rolling refresh")
	assert.Equal(t, 90.0, get(t, in, "instanceRefresh", "preferences", "minHealthyPercentage"), "keep 90% healthy")
	assert.Equal(t, "300", get(t, in, "instanceRefresh", "preferences", "instanceWarmup"), "warmup")

	metrics, _ := in["enabledMetrics"].([]any)
	for _, m := range []string{"GroupInServiceInstances", "GroupDesiredCapacity", "GroupTerminatingInstances"} {
		assert.Contains(t, metrics, m, "metric %s enabled", m)
	}
	assert.Equal(t, "1Minute", in["metricsGranularity"], "metrics granularity")
	assert.Equal(t, false, in["protectFromScaleIn"], "no scale-in protection")
	assert.Equal(t, []any{"OldestLaunchTemplate", "OldestInstance"}, in["terminationPolicies"], "termination policies")

	tags, _ := in["tags"].([]any)
	got := map[string]any{}
	for _, tag := range tags {
		assert.Equal(t, true, get(t, tag, "propagateAtLaunch"), "tag %v propagates at launch", tag)
		got[get(t, tag, "key").(string)] = get(t, tag, "value")
	}
	assert.Equal(t, map[string]any{
		"env": "prod", "service": "web", "color": "blue", "release": "v1.4.2",
		"managed-by": "pulumi", "Name": "prod-web-blue", "team": "video",
	}, got, "group tags")
}

func TestWebPoolChildrenOutputsSchedulesAndScaling(t *testing.T) {
	res := runPool(t, "web-blue", webArgs())
	urn := componentURN(t, res, "web-blue")
	children := 0
	for _, r := range res.Resources {
		if r.Custom {
			assert.Equal(t, urn, r.Parent, "%s is parented to the component", r.Name)
			children++
		}
	}
	assert.Equal(t, 5, children, "logs, template, group, schedule, policy")

	logs := find(t, res, typeLogs, "web-blue-logs")
	assert.Equal(t, "/video-platform/prod/web-blue-", logs.Inputs["namePrefix"], "log group prefix")
	assert.Equal(t, 30.0, logs.Inputs["retentionInDays"], "default retention")
	assert.Equal(t, "pulumi", get(t, logs.Inputs, "tags", "managed-by"), "log group tagged")

	groupName := offline.Placeholder(typeASG, "name", "web-blue-asg")
	sch := find(t, res, typeSch, "web-blue-schedule-night")
	assert.Equal(t, groupName, sch.Inputs["autoscalingGroupName"], "schedule targets the group")
	assert.Equal(t, "night", sch.Inputs["scheduledActionName"], "action name")
	assert.Equal(t, "0 22 * * *", sch.Inputs["recurrence"], "cron")
	assert.Equal(t, "Europe/Berlin", sch.Inputs["timeZone"], "time zone")
	assert.Equal(t, 2.0, sch.Inputs["minSize"], "schedule min")
	assert.Equal(t, 6.0, sch.Inputs["maxSize"], "schedule max")
	assert.Equal(t, 2.0, sch.Inputs["desiredCapacity"], "schedule desired")

	pol := find(t, res, typePol, "web-blue-scaling")
	assert.Equal(t, groupName, pol.Inputs["autoscalingGroupName"], "policy targets the group")
	assert.Equal(t, "TargetTrackingScaling", pol.Inputs["policyType"], "target tracking")
	assert.Equal(t, 300.0, pol.Inputs["estimatedInstanceWarmup"], "warmup")
	assert.Equal(t, "ALBRequestCountPerTarget",
		get(t, pol.Inputs, "targetTrackingConfiguration", "predefinedMetricSpecification", "predefinedMetricType"), "request count metric")
	assert.Equal(t, "app/prod-web/1111/targetgroup/web-blue/2222",
		get(t, pol.Inputs, "targetTrackingConfiguration", "predefinedMetricSpecification", "resourceLabel"), "resource label")
	assert.Equal(t, 500.0, get(t, pol.Inputs, "targetTrackingConfiguration", "targetValue"), "target value")

	assert.Equal(t, groupName, res.Outputs["groupName"], "GroupName output")
	assert.Equal(t, offline.Placeholder(typeASG, "arn", "web-blue-asg"), res.Outputs["groupArn"], "GroupArn output")
	assert.Equal(t, offline.Placeholder(typeLT, "id", "web-blue-lt"), res.Outputs["ltID"], "LaunchTemplateID output")
	assert.EqualValues(t, 1, res.Outputs["ltVersion"], "LaunchTemplateLatestVersion output")
	assert.Equal(t, offline.Placeholder(typeLogs, "name", "web-blue-logs"), res.Outputs["logGroupName"], "LogGroupName output")
}

func TestWebPoolUserData(t *testing.T) {
	res := runPool(t, "web-blue", webArgs())
	script := decodeUserData(t, find(t, res, typeLT, "web-blue-lt"))

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
	res := runPool(t, "tc-v7", transcoderArgs())
	lt := find(t, res, typeLT, "tc-v7-lt")
	asg := find(t, res, typeASG, "tc-v7-asg")

	assert.Equal(t, "prod-transcoder-v7-", lt.Inputs["namePrefix"], "named after the release")
	assert.Nil(t, lt.Inputs["instanceType"], "the overrides pick the type")
	assert.Nil(t, asg.Inputs["launchTemplate"], "launch template only inside the mixed policy")
	assert.Equal(t, true, asg.Inputs["capacityRebalance"], "capacity rebalance for Spot")
	assert.Equal(t, "EC2", asg.Inputs["healthCheckType"], "EC2 health check without target groups")
	assert.Nil(t, asg.Inputs["targetGroupArns"], "no target groups")
	assert.Nil(t, asg.Inputs["minElbCapacity"], "no ELB wait")

	mip := asg.Inputs["mixedInstancesPolicy"]
	assert.Equal(t, 1.0, get(t, mip, "instancesDistribution", "onDemandBaseCapacity"), "on-demand base")
	assert.Equal(t, 0.0, get(t, mip, "instancesDistribution", "onDemandPercentageAboveBaseCapacity"), "Spot above the base")
	assert.Equal(t, "price-capacity-optimized", get(t, mip, "instancesDistribution", "spotAllocationStrategy"), "default strategy")
	spec := get(t, mip, "launchTemplate", "launchTemplateSpecification")
	assert.Equal(t, offline.Placeholder(typeLT, "id", "tc-v7-lt"), get(t, spec, "launchTemplateId"), "template id")
	assert.Equal(t, "1", get(t, spec, "version"), "pinned version")
	overrides, _ := get(t, mip, "launchTemplate", "overrides").([]any)
	var types []any
	for _, o := range overrides {
		types = append(types, get(t, o, "instanceType"))
	}
	assert.Equal(t, []any{"c6i.xlarge", "c5.xlarge", "c6a.xlarge"}, types, "overrides")

	assert.Empty(t, res.OfType(typePol), "no policy of its own")
	script := decodeUserData(t, lt)
	assert.NotContains(t, script, "--publish", "a worker publishes no port")
	assert.Contains(t, script, "QUEUE_URL=https://sqs.us-east-1.amazonaws.com/123456789012/jobs", "queue URL passed")
	assert.Contains(t, script, "printf 'DRAIN_TIMEOUT=%q\\n' 1740", "drain timeout")

	tags, _ := asg.Inputs["tags"].([]any)
	for _, tag := range tags {
		assert.NotEqual(t, "color", get(t, tag, "key"), "transcoder groups have no color")
	}
}

func TestIdlePoolKeepsHookButNoPolicyOrSchedule(t *testing.T) {
	args := webArgs()
	args.MinSize, args.MaxSize, args.DesiredCapacity = 0, 0, 0
	res := runPool(t, "web-green", args)
	asg := find(t, res, typeASG, "web-green-asg")
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
	res := runPool(t, "web-blue", args)

	pol := find(t, res, typePol, "web-blue-scaling")
	spec := get(t, pol.Inputs, "targetTrackingConfiguration", "predefinedMetricSpecification")
	assert.Equal(t, "ASGAverageCPUUtilization", get(t, spec, "predefinedMetricType"), "cpu metric")
	assert.Nil(t, get(t, spec, "resourceLabel"), "no label for cpu")
	assert.Equal(t, 55.0, get(t, pol.Inputs, "targetTrackingConfiguration", "targetValue"), "target")

	asg := find(t, res, typeASG, "web-blue-asg")
	assert.Nil(t, asg.Inputs["instanceRefresh"], "refresh disabled")
	assert.Nil(t, asg.Inputs["initialLifecycleHooks"], "no hook")
	assert.Equal(t, 120.0, asg.Inputs["healthCheckGracePeriod"], "grace period")
	assert.Equal(t, "capacity-optimized", get(t, asg.Inputs, "mixedInstancesPolicy", "instancesDistribution", "spotAllocationStrategy"), "strategy")
	assert.Equal(t, 100.0, get(t, asg.Inputs, "mixedInstancesPolicy", "instancesDistribution", "onDemandPercentageAboveBaseCapacity"), "all on-demand")

	lt := find(t, res, typeLT, "web-blue-lt")
	assert.Equal(t, 50.0, get(t, lt.Inputs, "blockDeviceMappings", 0, "ebs", "volumeSize"), "root volume size")
	assert.Equal(t, 1.0, get(t, lt.Inputs, "metadataOptions", "httpPutResponseHopLimit"), "hop limit")
	script := decodeUserData(t, lt)
	assert.NotContains(t, script, "vp-drain", "no drain watcher without a hook")
	assert.Equal(t, 90.0, find(t, res, typeLogs, "web-blue-logs").Inputs["retentionInDays"], "retention")
}

func TestPoolPassesPolicyPack(t *testing.T) {
	for name, args := range map[string]*AsgPoolArgs{"web-blue": webArgs(), "tc-v7": transcoderArgs()} {
		res := runPool(t, name, args)
		var rs []rules.Resource
		for _, r := range res.Resources {
			rs = append(rs, rules.Resource{URN: r.URN, Type: r.Type, Name: r.Name, Inputs: r.Inputs})
		}
		violations, err := rules.Check(rules.Config{Env: "prod"}, rs)
		require.NoError(t, err, "policy check runs")
		for _, v := range violations {
			assert.NotEqual(t, rules.Mandatory, v.Level, "%s: %s: %s", name, v.Policy, v.Message)
		}
	}
}

func TestSecretEnvironmentMakesUserDataSecret(t *testing.T) {
	args := webArgs()
	args.Environment = pulumi.StringMap{"API_TOKEN": pulumi.ToSecret(pulumi.String("hunter2")).(pulumi.StringOutput)}
	res := runPool(t, "web-blue", args)
	lt := find(t, res, typeLT, "web-blue-lt")
	assert.Equal(t, offline.SecretMarker, lt.Inputs["userData"], "a secret env value keeps the user data secret")
}

func TestUserDataErrorFailsTheRun(t *testing.T) {
	args := webArgs()
	args.Environment = pulumi.StringMap{"MULTI": pulumi.String("line\nbreak")}
	_, err := offline.Run(offline.Stack{Name: "prod-test"}, func(ctx *pulumi.Context) (pulumi.Map, error) {
		_, err := NewAsgPool(ctx, "web-blue", args)
		return nil, err
	})
	require.Error(t, err, "a value Docker's env file cannot carry fails the deployment")
	assert.Contains(t, err.Error(), "MULTI", "error names the variable")
}

func TestBadArgsRegisterNothing(t *testing.T) {
	cases := []struct {
		name  string
		edit  func(a *AsgPoolArgs)
		field string
	}{
		{"uppercase env", func(a *AsgPoolArgs) { a.Env = "Prod" }, "Env:"},
		{"service with capitals", func(a *AsgPoolArgs) { a.Service = "Web API" }, "Service:"},
		{"new service without color", func(a *AsgPoolArgs) { a.Service = "api"; a.Color = "" }, "Color:"},
		{"web without color", func(a *AsgPoolArgs) { a.Color = "" }, "Color:"},
		{"transcoder with color", func(a *AsgPoolArgs) { a.Service = ServiceTranscoder; a.TargetGroupARNs = nil; a.Scaling = nil }, "Color:"},
		{"bad release", func(a *AsgPoolArgs) { a.Release = "-v1 bad" }, "Release:"},
		{"reserved tag", func(a *AsgPoolArgs) { a.Tags = map[string]string{"env": "dev"} }, "Tags:"},
		{"aws tag", func(a *AsgPoolArgs) { a.Tags = map[string]string{"aws:x": "y"} }, "Tags:"},
		{"long tag value", func(a *AsgPoolArgs) { a.Tags = map[string]string{"k": strings.Repeat("v", 257)} }, "Tags:"},
		{"no repository", func(a *AsgPoolArgs) { a.ImageRepositoryURL = nil }, "ImageRepositoryURL:"},
		{"port too high", func(a *AsgPoolArgs) { a.ContainerPort = 70000 }, "ContainerPort:"},
		{"no port behind a load balancer", func(a *AsgPoolArgs) { a.ContainerPort = 0 }, "ContainerPort:"},
		{"bad env var name", func(a *AsgPoolArgs) { a.Environment = pulumi.StringMap{"1X": pulumi.String("v")} }, "Environment:"},
		{"no ami", func(a *AsgPoolArgs) { a.AmiID = nil }, "AmiID:"},
		{"no instance type", func(a *AsgPoolArgs) { a.InstanceType = "" }, "InstanceType:"},
		{"type and mixed", func(a *AsgPoolArgs) { a.MixedInstances = transcoderArgs().MixedInstances }, "InstanceType:"},
		{"two mixed types", func(a *AsgPoolArgs) {
			a.InstanceType = ""
			a.MixedInstances = &MixedInstances{InstanceTypes: []string{"c5.large", "c6i.large"}}
		}, "MixedInstances.InstanceTypes:"},
		{"duplicate mixed type", func(a *AsgPoolArgs) {
			a.InstanceType = ""
			a.MixedInstances = &MixedInstances{InstanceTypes: []string{"c5.large", "c5.large", "c6i.large"}}
		}, "MixedInstances.InstanceTypes:"},
		{"bad mixed type", func(a *AsgPoolArgs) {
			a.InstanceType = ""
			a.MixedInstances = &MixedInstances{InstanceTypes: []string{"c5", "c5.large", "c6i.large"}}
		}, "MixedInstances.InstanceTypes:"},
		{"lowest-price strategy", func(a *AsgPoolArgs) {
			a.InstanceType = ""
			a.MixedInstances = &MixedInstances{InstanceTypes: []string{"c5.large", "c6a.large", "c6i.large"}, SpotAllocationStrategy: "lowest-price"}
		}, "MixedInstances.SpotAllocationStrategy:"},
		{"negative on-demand base", func(a *AsgPoolArgs) {
			a.InstanceType = ""
			a.MixedInstances = &MixedInstances{InstanceTypes: []string{"c5.large", "c6a.large", "c6i.large"}, OnDemandBaseCapacity: -1}
		}, "MixedInstances.OnDemandBaseCapacity:"},
		{"on-demand percentage", func(a *AsgPoolArgs) {
			a.InstanceType = ""
			a.MixedInstances = &MixedInstances{InstanceTypes: []string{"c5.large", "c6a.large", "c6i.large"}, OnDemandPercentageAboveBase: 101}
		}, "MixedInstances.OnDemandPercentageAboveBase:"},
		{"no security group", func(a *AsgPoolArgs) { a.SecurityGroupIDs = nil }, "SecurityGroupIDs:"},
		{"no instance profile", func(a *AsgPoolArgs) { a.InstanceProfileName = nil }, "InstanceProfileName:"},
		{"two subnets", func(a *AsgPoolArgs) { a.SubnetIDs = subnets(2) }, "SubnetIDs:"},
		{"MinAZs one", func(a *AsgPoolArgs) { a.MinAZs = 1 }, "MinAZs:"},
		{"min above desired", func(a *AsgPoolArgs) { a.MinSize = 4 }, "MinSize/DesiredCapacity/MaxSize:"},
		{"max too large", func(a *AsgPoolArgs) { a.MaxSize = 1001 }, "MinSize/DesiredCapacity/MaxSize:"},
		{"short grace with ELB", func(a *AsgPoolArgs) { a.HealthCheckGracePeriodSeconds = 30 }, "HealthCheckGracePeriodSeconds:"},
		{"heartbeat too short", func(a *AsgPoolArgs) { a.LifecycleHook = &LifecycleHook{HeartbeatSeconds: 20} }, "LifecycleHook.HeartbeatSeconds:"},
		{"bad hook result", func(a *AsgPoolArgs) { a.LifecycleHook = &LifecycleHook{HeartbeatSeconds: 300, DefaultResult: "RETRY"} }, "LifecycleHook.DefaultResult:"},
		{"drain above heartbeat", func(a *AsgPoolArgs) { a.DrainTimeoutSeconds = 301 }, "DrainTimeoutSeconds:"},
		{"drain without hook", func(a *AsgPoolArgs) { a.LifecycleHook = nil; a.DrainTimeoutSeconds = 30 }, "DrainTimeoutSeconds:"},
		{"cron with six fields", func(a *AsgPoolArgs) { a.Schedules[0].Recurrence = "0 0 22 * * *" }, "Schedules[0].Recurrence:"},
		{"cron hour 24", func(a *AsgPoolArgs) { a.Schedules[0].Recurrence = "0 24 * * *" }, "Schedules[0].Recurrence:"},
		{"bad time zone", func(a *AsgPoolArgs) { a.Schedules[0].TimeZone = "Mars/Olympus" }, "Schedules[0].TimeZone:"},
		{"local time zone", func(a *AsgPoolArgs) { a.Schedules[0].TimeZone = "Local" }, "Schedules[0].TimeZone:"},
		{"schedule sizes", func(a *AsgPoolArgs) { a.Schedules[0].MaxSize = 1 }, "Schedules[0].MinSize/DesiredCapacity/MaxSize:"},
		{"schedule name", func(a *AsgPoolArgs) { a.Schedules[0].Name = "night shift" }, "Schedules[0].Name:"},
		{"duplicate schedule", func(a *AsgPoolArgs) { a.Schedules = append(a.Schedules, a.Schedules[0]) }, "Schedules[1].Name:"},
		{"unknown metric", func(a *AsgPoolArgs) { a.Scaling = &TargetTracking{Metric: "memory", TargetValue: 50} }, "Scaling.Metric:"},
		{"cpu over 100", func(a *AsgPoolArgs) { a.Scaling = &TargetTracking{Metric: MetricCPU, TargetValue: 150} }, "Scaling.TargetValue:"},
		{"cpu with label", func(a *AsgPoolArgs) {
			a.Scaling = &TargetTracking{Metric: MetricCPU, TargetValue: 50, ResourceLabel: pulumi.String("x/y")}
		}, "Scaling.ResourceLabel:"},
		{"requests without label", func(a *AsgPoolArgs) { a.Scaling = &TargetTracking{Metric: MetricALBRequests, TargetValue: 100} }, "Scaling.ResourceLabel:"},
		{"requests target zero", func(a *AsgPoolArgs) { a.Scaling.TargetValue = 0 }, "Scaling.TargetValue:"},
		{"requests without target groups", func(a *AsgPoolArgs) { a.TargetGroupARNs = nil }, "Scaling.Metric:"},
		{"refresh percentage", func(a *AsgPoolArgs) { a.InstanceRefresh = &InstanceRefresh{MinHealthyPercentage: 101} }, "InstanceRefresh.MinHealthyPercentage:"},
		{"refresh warmup", func(a *AsgPoolArgs) { a.InstanceRefresh = &InstanceRefresh{InstanceWarmupSeconds: 4000} }, "InstanceRefresh.InstanceWarmupSeconds:"},
		{"tiny root volume", func(a *AsgPoolArgs) { a.RootVolumeGiB = 4 }, "RootVolumeGiB:"},
		{"hop limit 3", func(a *AsgPoolArgs) { a.MetadataHopLimit = 3 }, "MetadataHopLimit:"},
		{"retention 10 days", func(a *AsgPoolArgs) { a.LogRetentionDays = 10 }, "LogRetentionDays:"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			args := webArgs()
			tc.edit(args)
			registered := false
			res, err := offline.Run(offline.Stack{Name: "prod-test"}, func(ctx *pulumi.Context) (pulumi.Map, error) {
				_, err := NewAsgPool(ctx, "web-blue", args)
				registered = err == nil
				return nil, err
			})
			require.Error(t, err, "invalid args are rejected")
			assert.Nil(t, res, "nothing is returned")
			assert.False(t, registered, "the component was not created")
			assert.Contains(t, err.Error(), tc.field, "the error names the field")
			assert.Contains(t, err.Error(), `asgpool "web-blue"`, "the error names the component")
		})
	}
}

func TestValidationRegistersNoChild(t *testing.T) {
	var poolErr error
	res, err := offline.Run(offline.Stack{Name: "prod-test"}, func(ctx *pulumi.Context) (pulumi.Map, error) {
		args := webArgs()
		args.LifecycleHook = &LifecycleHook{HeartbeatSeconds: 20}
		// The error is kept aside so the run completes and shows what was registered.
		_, poolErr = NewAsgPool(ctx, "web-blue", args)
		return nil, nil
	})
	require.NoError(t, err, "the run itself completes")
	require.Error(t, poolErr, "invalid args")
	assert.Empty(t, res.Resources, "no resource was registered")
}

func TestNilArgs(t *testing.T) {
	_, err := offline.Run(offline.Stack{Name: "prod-test"}, func(ctx *pulumi.Context) (pulumi.Map, error) {
		_, err := NewAsgPool(ctx, "web-blue", nil)
		return nil, err
	})
	require.Error(t, err, "nil args")
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
	a := AsgPoolArgs{Env: "staging", Service: ServiceTranscoder, Release: strings.Repeat("r", 128)}
	p := a.namePrefix()
	assert.LessOrEqual(t, len(p), maxLaunchTemplatePrefix, "prefix leaves room for the unique suffix")
	assert.True(t, strings.HasPrefix(p, "staging-transcoder-rrr"), "prefix keeps env and service: %s", p)
	assert.True(t, strings.HasSuffix(p, "-"), "prefix ends with a dash")
}

func TestCron(t *testing.T) {
	for _, ok := range []string{"0 22 * * *", "*/15 8-18 * * MON-FRI", "30 6 1,15 JAN-MAR 0", "0 0 * * 7", "5 4 * * sun"} {
		assert.NoError(t, validateCron(ok), "%q is accepted", ok)
	}
	for _, bad := range []string{"", "0 22 * *", "60 * * * *", "* * 0 * *", "* * * 13 *", "* * * * 8", "*/0 * * * *", "a * * * *", "1-x * * * *"} {
		assert.Error(t, validateCron(bad), "%q is rejected", bad)
	}
}

func TestDesiredCapacityIgnoredOnlyWhenAPolicyOwnsIt(t *testing.T) {
	idle := webArgs()
	idle.MinSize, idle.MaxSize, idle.DesiredCapacity = 0, 0, 0
	fixed := webArgs()
	fixed.Scaling = nil
	cases := []struct {
		name   string
		args   *AsgPoolArgs
		ignore []string
	}{
		{"own scaling policy", webArgs(), []string{"desiredCapacity"}},
		{"policy elsewhere", transcoderArgs(), []string{"desiredCapacity"}},
		{"no policy", fixed, nil},
		{"idle pool enforces zero", idle, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, err := offline.Run(offline.Stack{Name: "prod-test"}, func(ctx *pulumi.Context) (pulumi.Map, error) {
				_, err := NewAsgPool(ctx, "pool", tc.args)
				return nil, err
			})
			require.NoError(t, err, "run")
			asg, ok := res.Find(typeASG, "pool-asg")
			require.True(t, ok, "the group is declared")
			assert.Equal(t, tc.ignore, asg.IgnoreChanges, "ignoreChanges on the group itself")
			assert.Equal(t, []string{"initialLifecycleHooks"}, asg.ReplaceOnChanges, "a hook change replaces the group")
			lt, ok := res.Find(typeLT, "pool-lt")
			require.True(t, ok, "the template is declared")
			assert.Empty(t, lt.IgnoreChanges, "nothing ignored on the template")
		})
	}
}
