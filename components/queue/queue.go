// Package queue declares an SQS job queue with its dead-letter queue and the
// CloudWatch alarms that tell the on-call engineer when jobs pile up or fail.
package queue

import (
	"encoding/json"
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sqs"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/video-platform/video-platform/components/internal/outputs"
	"github.com/video-platform/video-platform/internal/contract"
)

// TypeToken is the component's Pulumi type.
const TypeToken = "video-platform:queue:Queue"

// Queue is a job queue whose failed jobs land in a dead-letter queue.
type Queue struct {
	pulumi.ResourceState

	// Queue is the main queue.
	Queue *sqs.Queue
	// DeadLetterQueue is the queue failed jobs move to.
	DeadLetterQueue *sqs.Queue
	// RedriveAllowPolicy lets only the main queue redrive into the DLQ.
	RedriveAllowPolicy *sqs.RedriveAllowPolicy
	// OldestMessageAlarm fires when a job waits too long.
	OldestMessageAlarm *cloudwatch.MetricAlarm
	// DeadLetterAlarm fires when a job lands in the DLQ.
	DeadLetterAlarm *cloudwatch.MetricAlarm

	// QueueURL is the main queue's URL, which producers and workers use.
	QueueURL pulumi.StringOutput `pulumi:"queueUrl"`
	// QueueARN is the main queue's ARN, for IAM policies and event sources.
	QueueARN pulumi.StringOutput `pulumi:"queueArn"`
	// QueueName is the main queue's physical name (generated from a prefix).
	QueueName pulumi.StringOutput `pulumi:"queueName"`
	// DlqURL is the dead-letter queue's URL.
	DlqURL pulumi.StringOutput `pulumi:"dlqUrl"`
	// DlqARN is the dead-letter queue's ARN.
	DlqARN pulumi.StringOutput `pulumi:"dlqArn"`
	// DlqName is the dead-letter queue's physical name.
	DlqName pulumi.StringOutput `pulumi:"dlqName"`
}

// redrivePolicy is the main queue's redrive policy document.
type redrivePolicy struct {
	DeadLetterTargetARN string `json:"deadLetterTargetArn"`
	MaxReceiveCount     int    `json:"maxReceiveCount"`
}

// redriveAllowPolicy is the DLQ's redrive allow policy document.
type redriveAllowPolicy struct {
	RedrivePermission string   `json:"redrivePermission"`
	SourceQueueArns   []string `json:"sourceQueueArns"`
}

// NewQueue declares the DLQ, the main queue redriving into it, a policy that
// lets only that queue use the DLQ, and two alarms.
func NewQueue(ctx *pulumi.Context, name string, args *QueueArgs, opts ...pulumi.ResourceOption) (*Queue, error) {
	if args == nil {
		return nil, fmt.Errorf("queue %q: args are required", name)
	}
	if err := args.Validate(); err != nil {
		return nil, fmt.Errorf("queue %q: %w", name, err)
	}
	a := args.withDefaults()

	comp := &Queue{}
	if err := ctx.RegisterComponentResource(TypeToken, name, comp, opts...); err != nil {
		return nil, fmt.Errorf("queue %q: %w", name, err)
	}
	parent := pulumi.Parent(comp)

	// Both queues use namePrefix so that a change SQS can only apply by
	// replacement can create the new queue before deleting the old one.
	dlq, err := sqs.NewQueue(ctx, name+"-dlq", &sqs.QueueArgs{
		NamePrefix:              pulumi.String(dlqPrefix(a.Env, a.Service)),
		SqsManagedSseEnabled:    pulumi.Bool(true),
		MessageRetentionSeconds: pulumi.Int(a.DlqRetentionSeconds),
		Tags:                    tags(a, contract.RoleDLQ),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("queue %q: %w", name, err)
	}

	maxReceive := *a.MaxReceiveCount
	redrive := dlq.Arn.ApplyT(func(arn string) (string, error) {
		doc, err := json.Marshal(redrivePolicy{DeadLetterTargetARN: arn, MaxReceiveCount: maxReceive})
		return string(doc), err
	}).(pulumi.StringOutput)

	jobs, err := sqs.NewQueue(ctx, name+"-queue", &sqs.QueueArgs{
		NamePrefix:               pulumi.String(jobsPrefix(a.Env, a.Service)),
		SqsManagedSseEnabled:     pulumi.Bool(true),
		VisibilityTimeoutSeconds: pulumi.Int(a.VisibilityTimeoutSeconds),
		MessageRetentionSeconds:  pulumi.Int(a.MessageRetentionSeconds),
		ReceiveWaitTimeSeconds:   pulumi.Int(*a.ReceiveWaitTimeSeconds),
		RedrivePolicy:            redrive,
		Tags:                     tags(a, contract.RoleJobs),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("queue %q: %w", name, err)
	}

	// A separate resource, not the DLQ's own redriveAllowPolicy argument:
	// the DLQ would then need the main queue's ARN while the main queue
	// needs the DLQ's, a cycle.
	allow := jobs.Arn.ApplyT(func(arn string) (string, error) {
		doc, err := json.Marshal(redriveAllowPolicy{RedrivePermission: "byQueue", SourceQueueArns: []string{arn}})
		return string(doc), err
	}).(pulumi.StringOutput)
	redriveAllow, err := sqs.NewRedriveAllowPolicy(ctx, name+"-dlq-redrive-allow", &sqs.RedriveAllowPolicyArgs{
		QueueUrl:           dlq.Url,
		RedriveAllowPolicy: allow,
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("queue %q: %w", name, err)
	}

	topic := pulumi.Array{a.AlarmTopicARN}
	oldest, err := cloudwatch.NewMetricAlarm(ctx, name+"-oldest-message", &cloudwatch.MetricAlarmArgs{
		AlarmDescription: pulumi.Sprintf("%s %s jobs have waited more than %d seconds: workers are down or too few.",
			a.Env, a.Service, *a.OldestMessageAlarmSeconds),
		Namespace:          pulumi.String("AWS/SQS"),
		MetricName:         pulumi.String("ApproximateAgeOfOldestMessage"),
		Dimensions:         pulumi.StringMap{"QueueName": jobs.Name},
		Statistic:          pulumi.String("Maximum"),
		Period:             pulumi.Int(60),
		EvaluationPeriods:  pulumi.Int(1),
		ComparisonOperator: pulumi.String("GreaterThanThreshold"),
		Threshold:          pulumi.Float64(float64(*a.OldestMessageAlarmSeconds)),
		// An idle queue publishes no age; silence is healthy, not alarming.
		TreatMissingData: pulumi.String("notBreaching"),
		AlarmActions:     topic,
		OkActions:        topic,
		Tags:             tags(a, contract.RoleJobs),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("queue %q: %w", name, err)
	}

	dlqAlarm, err := cloudwatch.NewMetricAlarm(ctx, name+"-dlq-not-empty", &cloudwatch.MetricAlarmArgs{
		AlarmDescription: pulumi.Sprintf("%s %s jobs failed %d times and are in the dead-letter queue.",
			a.Env, a.Service, *a.MaxReceiveCount),
		Namespace:          pulumi.String("AWS/SQS"),
		MetricName:         pulumi.String("ApproximateNumberOfMessagesVisible"),
		Dimensions:         pulumi.StringMap{"QueueName": dlq.Name},
		Statistic:          pulumi.String("Maximum"),
		Period:             pulumi.Int(60),
		EvaluationPeriods:  pulumi.Int(1),
		ComparisonOperator: pulumi.String("GreaterThanThreshold"),
		Threshold:          pulumi.Float64(0),
		TreatMissingData:   pulumi.String("notBreaching"),
		AlarmActions:       topic,
		OkActions:          topic,
		Tags:               tags(a, contract.RoleDLQ),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("queue %q: %w", name, err)
	}

	comp.Queue, comp.DeadLetterQueue, comp.RedriveAllowPolicy, comp.OldestMessageAlarm, comp.DeadLetterAlarm = jobs, dlq, redriveAllow, oldest, dlqAlarm
	comp.QueueURL = jobs.Url
	comp.QueueARN = jobs.Arn
	comp.QueueName = jobs.Name
	comp.DlqURL = dlq.Url
	comp.DlqARN = dlq.Arn
	comp.DlqName = dlq.Name
	if err := outputs.Register(ctx, comp); err != nil {
		return nil, fmt.Errorf("queue %q: %w", name, err)
	}
	return comp, nil
}

// tags are the caller's tags plus the ones every child must carry, and the
// child's role ("jobs" or "dlq") so that the two queues and their alarms can
// be told apart; the component's keys win so that cost reports and policies
// can rely on them.
func tags(a QueueArgs, role string) pulumi.StringMap {
	return pulumi.ToStringMap(a.ChildTags(map[string]string{contract.TagRole: role}))
}
