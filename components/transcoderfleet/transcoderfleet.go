// Package transcoderfleet provides TranscoderFleet: the Spot transcoder
// server group of one release, fed by SQS and scaled on its backlog per
// instance. A new instance is in service only once its container answers
// its health check (a launch hook the user data completes). A new release
// gets a new fleet; the old one is set Draining and its instances finish
// their jobs through the termination hook.
package transcoderfleet

import (
	"errors"
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/autoscaling"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/video-platform/video-platform/components/asgpool"
	"github.com/video-platform/video-platform/components/internal/outputs"
)

// TypeToken is the Pulumi type of the component.
const TypeToken = "video-platform:compute:TranscoderFleet"

// TranscoderFleet is the transcoder group of one release.
type TranscoderFleet struct {
	pulumi.ResourceState

	// Pool is the AsgPool the fleet runs on: its group, launch template and
	// log group.
	Pool *asgpool.AsgPool
	// BacklogPolicy is the scaling policy on the backlog per instance; nil
	// while the fleet drains.
	BacklogPolicy *autoscaling.Policy

	// GroupName is the Auto Scaling group's generated name.
	GroupName pulumi.StringOutput `pulumi:"groupName"`
	// Release is the image tag the fleet runs.
	Release pulumi.StringOutput `pulumi:"release"`
	// Draining says whether the fleet is scaled to zero and finishing jobs.
	Draining pulumi.BoolOutput `pulumi:"draining"`
	// TargetBacklogPerInstance is the queued messages per instance the
	// backlog policy holds the fleet at (when active).
	TargetBacklogPerInstance pulumi.Float64Output `pulumi:"targetBacklogPerInstance"`
}

// NewTranscoderFleet declares the fleet. It validates every argument,
// including the AsgPool child's, before it registers anything.
func NewTranscoderFleet(ctx *pulumi.Context, name string, args *TranscoderFleetArgs, opts ...pulumi.ResourceOption) (*TranscoderFleet, error) {
	if args == nil {
		return nil, fmt.Errorf("transcoderfleet %q: %w", name, errors.New("args are required"))
	}
	if err := args.Validate(); err != nil {
		return nil, fmt.Errorf("transcoderfleet %q: %w", name, err)
	}
	a := args.withDefaults()

	comp := &TranscoderFleet{}
	if err := ctx.RegisterComponentResource(TypeToken, name, comp, opts...); err != nil {
		return nil, fmt.Errorf("transcoderfleet %q: %w", name, err)
	}
	poolArgs := a.poolArgs()
	pool, err := asgpool.NewAsgPool(ctx, name+"-pool", &poolArgs, pulumi.Parent(comp))
	if err != nil {
		return nil, fmt.Errorf("transcoderfleet %q: %w", name, err)
	}
	comp.Pool = pool
	if !a.Draining {
		if comp.BacklogPolicy, err = autoscaling.NewPolicy(ctx, name+"-backlog", a.backlogPolicyArgs(pool.GroupName), pulumi.Parent(comp)); err != nil {
			return nil, fmt.Errorf("transcoderfleet %q: %w", name, err)
		}
	}

	comp.GroupName = pool.GroupName
	comp.Release = pulumi.String(a.Release).ToStringOutput()
	comp.Draining = pulumi.Bool(a.Draining).ToBoolOutput()
	comp.TargetBacklogPerInstance = pulumi.Float64(a.targetBacklog()).ToFloat64Output()
	if err := outputs.Register(ctx, comp); err != nil {
		return nil, fmt.Errorf("transcoderfleet %q: %w", name, err)
	}
	return comp, nil
}

type metricArgs = autoscaling.PolicyTargetTrackingConfigurationCustomizedMetricSpecificationMetricArgs

// backlogPolicyArgs tracks visible messages divided by in-service instances:
// the AWS-recommended signal for queue workers, because queue length alone
// does not say whether the fleet is big enough.
func (a TranscoderFleetArgs) backlogPolicyArgs(groupName pulumi.StringOutput) *autoscaling.PolicyArgs {
	metrics := autoscaling.PolicyTargetTrackingConfigurationCustomizedMetricSpecificationMetricArray{
		&metricArgs{
			Id:         pulumi.String("m1"),
			Label:      pulumi.String("visible messages"),
			MetricStat: metricStat("AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", a.QueueName.ToStringOutput(), "Sum"),
			ReturnData: pulumi.Bool(false),
		},
		&metricArgs{
			Id:         pulumi.String("m2"),
			Label:      pulumi.String("in-service instances"),
			MetricStat: metricStat("AWS/AutoScaling", "GroupInServiceInstances", "AutoScalingGroupName", groupName, "Average"),
			ReturnData: pulumi.Bool(false),
		},
		&metricArgs{
			Id:         pulumi.String("e1"),
			Label:      pulumi.String("backlog per instance"),
			Expression: pulumi.String("m1 / m2"),
			ReturnData: pulumi.Bool(true),
		},
	}
	return &autoscaling.PolicyArgs{
		AutoscalingGroupName: groupName,
		PolicyType:           pulumi.String("TargetTrackingScaling"),
		TargetTrackingConfiguration: &autoscaling.PolicyTargetTrackingConfigurationArgs{
			CustomizedMetricSpecification: &autoscaling.PolicyTargetTrackingConfigurationCustomizedMetricSpecificationArgs{
				Metrics: metrics,
			},
			TargetValue: pulumi.Float64(a.targetBacklog()),
		},
	}
}

func metricStat(namespace, metric, dimension string, value pulumi.StringOutput, stat string) *autoscaling.PolicyTargetTrackingConfigurationCustomizedMetricSpecificationMetricMetricStatArgs {
	return &autoscaling.PolicyTargetTrackingConfigurationCustomizedMetricSpecificationMetricMetricStatArgs{
		Metric: &autoscaling.PolicyTargetTrackingConfigurationCustomizedMetricSpecificationMetricMetricStatMetricArgs{
			Namespace:  pulumi.String(namespace),
			MetricName: pulumi.String(metric),
			Dimensions: autoscaling.PolicyTargetTrackingConfigurationCustomizedMetricSpecificationMetricMetricStatMetricDimensionArray{
				&autoscaling.PolicyTargetTrackingConfigurationCustomizedMetricSpecificationMetricMetricStatMetricDimensionArgs{
					Name:  pulumi.String(dimension),
					Value: value,
				},
			},
		},
		Stat: pulumi.String(stat),
	}
}
