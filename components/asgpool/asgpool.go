// Package asgpool provides AsgPool: an Auto Scaling group of identical
// instances, each running one release of a service's container, with the
// launch template, log group, drain hook, schedules and scaling policy that
// go with it.
package asgpool

import (
	"encoding/base64"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/autoscaling"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumix"

	"github.com/video-platform/video-platform/components/internal/outputs"
	"github.com/video-platform/video-platform/internal/contract"
)

// TypeToken is the Pulumi type of the component.
const TypeToken = "video-platform:compute:AsgPool"

// maxLaunchTemplatePrefix keeps "<prefix><26-character unique suffix>" within
// the 128 characters EC2 allows for a launch template name.
const maxLaunchTemplatePrefix = 128 - 26

// Capacity waits of the provider on group create and update.
const (
	elbCapacityWaitSeconds    = 15 * 60
	capacityWaitMarginSeconds = 300
)

// enabledMetrics are published every minute: scaling policies, dashboards
// and the transcoder backlog math (GroupInServiceInstances) read them.
var enabledMetrics = []string{
	"GroupMinSize", "GroupMaxSize", "GroupDesiredCapacity", "GroupInServiceInstances",
	"GroupPendingInstances", "GroupTerminatingInstances", "GroupTotalInstances",
}

// AsgPool is an Auto Scaling group running one container release.
type AsgPool struct {
	pulumi.ResourceState

	// Group is the Auto Scaling group.
	Group *autoscaling.Group
	// LaunchTemplate is the group's launch template.
	LaunchTemplate *ec2.LaunchTemplate
	// LogGroup is the CloudWatch Logs group of the containers.
	LogGroup *cloudwatch.LogGroup
	// Schedules are the group's scheduled actions, one per declared
	// schedule; none for an idle pool.
	Schedules []*autoscaling.Schedule
	// ScalingPolicy is the target tracking policy; nil without Scaling or
	// for an idle pool.
	ScalingPolicy *autoscaling.Policy

	// GroupName is the Auto Scaling group's generated name.
	GroupName pulumi.StringOutput `pulumi:"groupName"`
	// GroupARN is the Auto Scaling group's ARN.
	GroupARN pulumi.StringOutput `pulumi:"groupArn"`
	// LaunchTemplateID is the launch template's ID.
	LaunchTemplateID pulumi.StringOutput `pulumi:"launchTemplateId"`
	// LaunchTemplateLatestVersion is the launch template version the group
	// is pinned to.
	LaunchTemplateLatestVersion pulumi.IntOutput `pulumi:"launchTemplateLatestVersion"`
	// LogGroupName is the CloudWatch Logs group the containers log to.
	LogGroupName pulumi.StringOutput `pulumi:"logGroupName"`
}

// NewAsgPool declares the pool. It validates every argument before it
// registers anything.
func NewAsgPool(ctx *pulumi.Context, name string, args *AsgPoolArgs, opts ...pulumi.ResourceOption) (*AsgPool, error) {
	if args == nil {
		return nil, fmt.Errorf("asgpool %q: %w", name, errors.New("args are required"))
	}
	if err := args.Validate(); err != nil {
		return nil, fmt.Errorf("asgpool %q: %w", name, err)
	}
	a := pool{args.withDefaults()}

	comp := &AsgPool{}
	if err := ctx.RegisterComponentResource(TypeToken, name, comp, opts...); err != nil {
		return nil, fmt.Errorf("asgpool %q: %w", name, err)
	}
	if err := comp.build(ctx, name, a); err != nil {
		return nil, fmt.Errorf("asgpool %q: %w", name, err)
	}
	if err := outputs.Register(ctx, comp); err != nil {
		return nil, fmt.Errorf("asgpool %q: %w", name, err)
	}
	return comp, nil
}

// pool is the args with the defaults applied, as build declares the
// children from them: the values it derives (names, tags, the user data,
// each child's inputs) are its methods, apart from the validation of what
// a caller passes, which stays with AsgPoolArgs.
type pool struct{ AsgPoolArgs }

func (c *AsgPool) build(ctx *pulumi.Context, name string, a pool) error {
	parent := pulumi.Parent(c)
	tags := a.tags()
	identity := a.identity()

	logs, err := cloudwatch.NewLogGroup(ctx, name+"-logs", &cloudwatch.LogGroupArgs{
		NamePrefix:      pulumi.String(fmt.Sprintf("/video-platform/%s/%s-%s-", a.Env, a.Service, identity)),
		RetentionInDays: pulumi.Int(a.LogRetentionDays),
		Tags:            pulumi.ToStringMap(tags),
	}, parent)
	if err != nil {
		return err
	}

	lt, err := ec2.NewLaunchTemplate(ctx, name+"-lt", a.launchTemplateArgs(tags, a.userData(logs.Name)), parent)
	if err != nil {
		return err
	}
	// Pinning the group to the version this update created (never
	// "$Latest") makes a new release an explicit change of the group, which
	// is what starts the instance refresh.
	version := lt.LatestVersion.ApplyT(func(v int) string { return strconv.Itoa(v) }).(pulumi.StringOutput)

	groupOpts := []pulumi.ResourceOption{parent,
		// AWS applies initial lifecycle hooks only when it creates a group,
		// and the provider therefore replaces the group when they change.
		// Saying so here keeps a heartbeat change from ever being a silent
		// no-op; namePrefix lets the replacement be created before the old
		// group is deleted.
		pulumi.ReplaceOnChanges([]string{"initialLifecycleHooks"}),
	}
	if ignore := a.ignoredGroupChanges(); len(ignore) > 0 {
		// This has to sit on the group itself: ignoreChanges does not
		// propagate from a component.
		groupOpts = append(groupOpts, pulumi.IgnoreChanges(ignore))
	}
	group, err := autoscaling.NewGroup(ctx, name+"-asg", a.groupArgs(tags, lt.ID().ToStringOutput(), version), groupOpts...)
	if err != nil {
		return err
	}

	if a.scheduled() {
		for _, s := range a.Schedules {
			schedule, err := autoscaling.NewSchedule(ctx, name+"-schedule-"+s.Name, &autoscaling.ScheduleArgs{
				AutoscalingGroupName: group.Name,
				ScheduledActionName:  pulumi.String(s.Name),
				Recurrence:           pulumi.String(s.Recurrence),
				TimeZone:             pulumi.String(s.TimeZone),
				MinSize:              pulumi.Int(s.MinSize),
				MaxSize:              pulumi.Int(s.MaxSize),
				DesiredCapacity:      pulumi.Int(s.DesiredCapacity),
			}, parent)
			if err != nil {
				return err
			}
			c.Schedules = append(c.Schedules, schedule)
		}
	}
	if !a.idle() && a.Scaling != nil {
		if c.ScalingPolicy, err = autoscaling.NewPolicy(ctx, name+"-scaling", a.policyArgs(group.Name), parent); err != nil {
			return err
		}
	}

	c.Group, c.LaunchTemplate, c.LogGroup = group, lt, logs
	c.GroupName = group.Name
	c.GroupARN = group.Arn
	c.LaunchTemplateID = lt.ID().ToStringOutput()
	c.LaunchTemplateLatestVersion = lt.LatestVersion
	c.LogGroupName = logs.Name
	return nil
}

// ignoredGroupChanges are the group inputs that something other than the
// program sets once the group exists, so that re-applying the declared value
// on every update would undo its work:
//
//   - desiredCapacity, when a scaling policy (here or elsewhere) or a
//     schedule moves it;
//   - minSize and maxSize, when schedules set them: a scheduled action
//     changes min, max and desired, and an update during the peak would
//     otherwise reset min and max to the declared values, letting the policy
//     scale in below the peak's floor (and AWS refuses a desired capacity
//     outside the bounds).
//
// An idle pool has neither, so its zeros are always applied: a copy retired
// to MaxSize 0 drops its schedules, and that update scales it down. The way
// back is the one gap: ignoreChanges keeps the old inputs, so a pool brought
// back from idle with schedules keeps its zeros until its group is replaced
// (see AsgPoolArgs.Schedules).
func (a pool) ignoredGroupChanges() []string {
	var ignore []string
	if a.ownsDesired() || a.scheduled() {
		ignore = append(ignore, "desiredCapacity")
	}
	if a.scheduled() {
		ignore = append(ignore, "minSize", "maxSize")
	}
	return ignore
}

// idle is a pool scaled to nothing: schedules or a policy would bring it back.
func (a pool) idle() bool { return a.MaxSize == 0 }

// scheduled says whether the pool declares scheduled actions; an idle pool
// declares none, whatever Schedules holds.
func (a pool) scheduled() bool { return !a.idle() && len(a.Schedules) > 0 }

// ownsDesired says whether a scaling policy, here or elsewhere, sets the
// group's desired capacity. An idle pool has none, so 0 is enforced.
func (a pool) ownsDesired() bool {
	return !a.idle() && (a.Scaling != nil || a.ScalingOwnsDesired)
}

// identity tells copies of a service apart in names: the color for
// blue/green pools, the release for transcoder groups.
func (a pool) identity() string {
	if a.Color != "" {
		return a.Color
	}
	return a.Release
}

// namePrefix is "<env>-<service>-<identity>-", with the identity cut short
// when a long release would overflow a launch template name.
func (a pool) namePrefix() string {
	head := a.Env + "-" + a.Service + "-"
	identity := a.identity()
	if room := maxLaunchTemplatePrefix - len(head) - 1; len(identity) > room {
		identity = identity[:room]
	}
	return head + identity + "-"
}

// tags are put on every taggable child and propagated to instances.
func (a pool) tags() map[string]string {
	return a.ChildTags(map[string]string{
		contract.TagRelease: a.Release,
		contract.TagName:    a.Env + "-" + a.Service + "-" + a.identity(),
	})
}

// userData renders the bootstrap script once the repository URL, the log
// group name and the environment are known, base64-encoded for EC2.
func (a pool) userData(logGroupName pulumi.StringOutput) pulumi.StringOutput {
	env := a.Environment
	if env == nil {
		env = pulumi.StringMap{}
	}
	params := UserDataParams{
		Release:       a.Release,
		ContainerPort: a.ContainerPort,
	}
	if a.LifecycleHook != nil {
		params.HeartbeatSeconds = a.LifecycleHook.HeartbeatSeconds
		params.DrainTimeoutSeconds = a.DrainTimeoutSeconds
	}
	if h := a.LaunchHook; h != nil {
		params.ReadyTimeoutSeconds = h.TimeoutSeconds
		params.HealthPort = h.HealthPort
		params.HealthPath = h.HealthPath
	}
	rendered := pulumix.Apply3Err(a.ImageRepositoryURL.ToStringOutput(), logGroupName, env.ToStringMapOutput(),
		func(url, logGroup string, environment map[string]string) (string, error) {
			p := params
			p.ImageRepositoryURL, p.LogGroupName, p.Environment = url, logGroup, environment
			script, err := RenderUserData(p)
			if err != nil {
				return "", err
			}
			return base64.StdEncoding.EncodeToString([]byte(script)), nil
		})
	return pulumix.Cast[pulumi.StringOutput](rendered)
}

func (a pool) launchTemplateArgs(tags map[string]string, userData pulumi.StringOutput) *ec2.LaunchTemplateArgs {
	lt := &ec2.LaunchTemplateArgs{
		NamePrefix:  pulumi.String(a.namePrefix()),
		Description: pulumi.String(fmt.Sprintf("%s %s %s running release %s", a.Env, a.Service, a.identity(), a.Release)),
		ImageId:     a.AmiID.ToStringOutput().ToStringPtrOutput(),
		MetadataOptions: &ec2.LaunchTemplateMetadataOptionsArgs{
			HttpEndpoint:            pulumi.String("enabled"),
			HttpTokens:              pulumi.String("required"),
			HttpPutResponseHopLimit: pulumi.Int(a.MetadataHopLimit),
			// The drain watcher and the readiness gate read the group name
			// from the instance's tags.
			InstanceMetadataTags: pulumi.String("enabled"),
		},
		BlockDeviceMappings: ec2.LaunchTemplateBlockDeviceMappingArray{
			&ec2.LaunchTemplateBlockDeviceMappingArgs{
				DeviceName: pulumi.String("/dev/xvda"),
				Ebs: &ec2.LaunchTemplateBlockDeviceMappingEbsArgs{
					VolumeType:          pulumi.String("gp3"),
					VolumeSize:          pulumi.Int(a.RootVolumeGiB),
					Encrypted:           pulumi.String("true"),
					DeleteOnTermination: pulumi.String("true"),
				},
			},
		},
		// Security groups must sit on the interface once the template
		// declares one; the subnet comes from the group.
		NetworkInterfaces: ec2.LaunchTemplateNetworkInterfaceArray{
			&ec2.LaunchTemplateNetworkInterfaceArgs{
				DeviceIndex:              pulumi.Int(0),
				AssociatePublicIpAddress: pulumi.String("false"),
				DeleteOnTermination:      pulumi.String("true"),
				SecurityGroups:           a.SecurityGroupIDs,
			},
		},
		IamInstanceProfile: &ec2.LaunchTemplateIamInstanceProfileArgs{
			Name: a.InstanceProfileName.ToStringOutput().ToStringPtrOutput(),
		},
		Monitoring: &ec2.LaunchTemplateMonitoringArgs{Enabled: pulumi.Bool(true)},
		UserData:   userData,
		TagSpecifications: ec2.LaunchTemplateTagSpecificationArray{
			&ec2.LaunchTemplateTagSpecificationArgs{ResourceType: pulumi.String("instance"), Tags: pulumi.ToStringMap(tags)},
			&ec2.LaunchTemplateTagSpecificationArgs{ResourceType: pulumi.String("volume"), Tags: pulumi.ToStringMap(tags)},
		},
		Tags:                 pulumi.ToStringMap(tags),
		UpdateDefaultVersion: pulumi.Bool(true),
	}
	if a.MixedInstances == nil {
		lt.InstanceType = pulumi.String(a.InstanceType)
	}
	return lt
}

func (a pool) groupArgs(tags map[string]string, ltID, ltVersion pulumi.StringOutput) *autoscaling.GroupArgs {
	g := &autoscaling.GroupArgs{
		NamePrefix:             pulumi.String(a.namePrefix()),
		VpcZoneIdentifiers:     a.SubnetIDs,
		MinSize:                pulumi.Int(a.MinSize),
		MaxSize:                pulumi.Int(a.MaxSize),
		DesiredCapacity:        pulumi.Int(a.DesiredCapacity),
		HealthCheckType:        pulumi.String("EC2"),
		HealthCheckGracePeriod: pulumi.Int(a.HealthCheckGracePeriodSeconds),
		EnabledMetrics:         pulumi.ToStringArray(enabledMetrics),
		MetricsGranularity:     pulumi.String("1Minute"),
		Tags:                   groupTags(tags),
		ProtectFromScaleIn:     pulumi.Bool(false),
		// Old releases go first, so a scale-in during a refresh never removes
		// the instances just launched.
		TerminationPolicies: pulumi.ToStringArray([]string{"OldestLaunchTemplate", "OldestInstance"}),
	}
	if len(a.TargetGroupARNs) > 0 {
		g.TargetGroupArns = a.TargetGroupARNs
		g.HealthCheckType = pulumi.String("ELB")
		// A new group is only done once MinSize instances pass the load
		// balancer's health check, so nothing is pointed at an empty pool.
		g.MinElbCapacity = pulumi.Int(a.MinSize)
		g.WaitForCapacityTimeout = pulumi.String(strconv.Itoa(elbCapacityWaitSeconds/60) + "m")
	}
	if m := a.MixedInstances; m != nil {
		overrides := make(autoscaling.GroupMixedInstancesPolicyLaunchTemplateOverrideArray, 0, len(m.InstanceTypes))
		for _, t := range m.InstanceTypes {
			overrides = append(overrides, &autoscaling.GroupMixedInstancesPolicyLaunchTemplateOverrideArgs{InstanceType: pulumi.String(t)})
		}
		g.MixedInstancesPolicy = &autoscaling.GroupMixedInstancesPolicyArgs{
			InstancesDistribution: &autoscaling.GroupMixedInstancesPolicyInstancesDistributionArgs{
				OnDemandBaseCapacity:                pulumi.Int(m.OnDemandBaseCapacity),
				OnDemandPercentageAboveBaseCapacity: pulumi.Int(m.OnDemandPercentageAboveBase),
				SpotAllocationStrategy:              pulumi.String(m.SpotAllocationStrategy),
			},
			LaunchTemplate: &autoscaling.GroupMixedInstancesPolicyLaunchTemplateArgs{
				LaunchTemplateSpecification: &autoscaling.GroupMixedInstancesPolicyLaunchTemplateLaunchTemplateSpecificationArgs{
					LaunchTemplateId: ltID,
					Version:          ltVersion,
				},
				Overrides: overrides,
			},
		}
		// Replace Spot instances at risk before they are interrupted.
		g.CapacityRebalance = pulumi.Bool(true)
	} else {
		g.LaunchTemplate = &autoscaling.GroupLaunchTemplateArgs{Id: ltID, Version: ltVersion}
	}
	var hooks autoscaling.GroupInitialLifecycleHookArray
	if h := a.LifecycleHook; h != nil {
		hooks = append(hooks, &autoscaling.GroupInitialLifecycleHookArgs{
			Name:                pulumi.String(drainHookName),
			LifecycleTransition: pulumi.String("autoscaling:EC2_INSTANCE_TERMINATING"),
			HeartbeatTimeout:    pulumi.Int(h.HeartbeatSeconds),
			DefaultResult:       pulumi.String(h.DefaultResult),
		})
	}
	if h := a.LaunchHook; h != nil {
		// The user data completes it: CONTINUE once the container is
		// healthy, ABANDON when it is not within the bound. A script that
		// dies without completing it leaves the heartbeat to run out, and
		// ABANDON then replaces the instance.
		hooks = append(hooks, &autoscaling.GroupInitialLifecycleHookArgs{
			Name:                pulumi.String(readyHookName),
			LifecycleTransition: pulumi.String("autoscaling:EC2_INSTANCE_LAUNCHING"),
			HeartbeatTimeout:    pulumi.Int(h.heartbeat()),
			DefaultResult:       pulumi.String(HookAbandon),
		})
		// Instances wait in Pending:Wait for up to the heartbeat, so the
		// provider's capacity wait (10 minutes by default) must outlast it.
		wait := h.heartbeat() + capacityWaitMarginSeconds
		if len(a.TargetGroupARNs) > 0 {
			wait = max(wait, elbCapacityWaitSeconds)
		}
		g.WaitForCapacityTimeout = pulumi.String(strconv.Itoa(wait) + "s")
	}
	if len(hooks) > 0 {
		g.InitialLifecycleHooks = hooks
	}
	if r := a.InstanceRefresh; r != nil && !r.Disabled {
		g.InstanceRefresh = &autoscaling.GroupInstanceRefreshArgs{
			Strategy: pulumi.String("Rolling"),
			Preferences: &autoscaling.GroupInstanceRefreshPreferencesArgs{
				MinHealthyPercentage: pulumi.Int(r.MinHealthyPercentage),
				InstanceWarmup:       pulumi.String(strconv.Itoa(r.InstanceWarmupSeconds)),
			},
		}
	}
	return g
}

// groupTags turns the tag map into the group's tag list, in key order so a
// preview shows no spurious reordering.
func groupTags(tags map[string]string) autoscaling.GroupTagArray {
	out := make(autoscaling.GroupTagArray, 0, len(tags))
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		out = append(out, &autoscaling.GroupTagArgs{
			Key:               pulumi.String(k),
			Value:             pulumi.String(tags[k]),
			PropagateAtLaunch: pulumi.Bool(true),
		})
	}
	return out
}

func (a pool) policyArgs(groupName pulumi.StringOutput) *autoscaling.PolicyArgs {
	s := a.Scaling
	spec := &autoscaling.PolicyTargetTrackingConfigurationPredefinedMetricSpecificationArgs{
		PredefinedMetricType: pulumi.String("ASGAverageCPUUtilization"),
	}
	if s.Metric == MetricALBRequests {
		spec.PredefinedMetricType = pulumi.String("ALBRequestCountPerTarget")
		spec.ResourceLabel = s.ResourceLabel.ToStringOutput().ToStringPtrOutput()
	}
	// withDefaults always sets InstanceRefresh; its warmup is also how long
	// a new instance's metrics are left out of the policy's average.
	warmup := a.InstanceRefresh.InstanceWarmupSeconds
	return &autoscaling.PolicyArgs{
		AutoscalingGroupName:    groupName,
		PolicyType:              pulumi.String("TargetTrackingScaling"),
		EstimatedInstanceWarmup: pulumi.Int(warmup),
		TargetTrackingConfiguration: &autoscaling.PolicyTargetTrackingConfigurationArgs{
			PredefinedMetricSpecification: spec,
			TargetValue:                   pulumi.Float64(s.TargetValue),
		},
	}
}
