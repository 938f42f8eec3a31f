package queue

import (
	"encoding/json"
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
	queueType  = "aws:sqs/queue:Queue"
	alarmType  = "aws:cloudwatch/metricAlarm:MetricAlarm"
	allowType  = "aws:sqs/redriveAllowPolicy:RedriveAllowPolicy"
	topicARN   = "arn:aws:sns:us-east-1:123456789012:prod-alarms"
	dlqARN     = "<computed:aws:sqs/queue:Queue.arn[transcode-dlq]>"
	jobsARN    = "<computed:aws:sqs/queue:Queue.arn[transcode-queue]>"
	jobsName   = "<computed:aws:sqs/queue:Queue.name[transcode-queue]>"
	dlqName    = "<computed:aws:sqs/queue:Queue.name[transcode-dlq]>"
	stackName  = "prod-test"
	regionKey  = "aws:region"
	regionName = "us-east-1"
)

func validArgs() *QueueArgs {
	return &QueueArgs{
		Identity:          contract.Identity{Env: "prod", Service: "transcoder", Tags: map[string]string{"team": "video"}},
		JobTimeoutSeconds: 1800,
		AlarmTopicARN:     pulumi.String(topicARN),
	}
}

// queues declares queues offline for these tests.
var queues = offlinetest.Component[QueueArgs, Queue]{
	Stack: offline.Stack{Name: stackName, Config: map[string]string{regionKey: regionName}},
	New:   NewQueue,
}

func TestQueueRedrivesIntoDLQ(t *testing.T) {
	res := queues.Run(t, "transcode", validArgs())
	comp := offlinetest.Find(t, res, TypeToken, "transcode")
	jobs := offlinetest.Find(t, res, queueType, "transcode-queue")
	dlq := offlinetest.Find(t, res, queueType, "transcode-dlq")

	raw, ok := jobs.Inputs["redrivePolicy"].(string)
	require.True(t, ok, "redrivePolicy is a JSON string, got %#v", jobs.Inputs["redrivePolicy"])
	var policy map[string]any
	require.NoError(t, json.Unmarshal([]byte(raw), &policy), "redrivePolicy parses as JSON")
	assert.Equal(t, dlqARN, policy["deadLetterTargetArn"], "main queue redrives into the DLQ")
	assert.Equal(t, 5.0, policy["maxReceiveCount"], "default maxReceiveCount")
	assert.Len(t, policy, 2, "redrivePolicy has only the two documented keys")

	for _, q := range []render.Resource{jobs, dlq} {
		assert.Equal(t, true, q.Inputs["sqsManagedSseEnabled"], "%s encrypted at rest", q.Name)
		assert.Equal(t, comp.URN, q.Parent, "%s parented to the component", q.Name)
		assert.NotContains(t, q.Inputs, "name", "%s uses namePrefix, not a fixed name", q.Name)
	}
	assert.Equal(t, "prod-transcoder-jobs-", jobs.Inputs["namePrefix"], "main queue prefix")
	assert.Equal(t, "prod-transcoder-dlq-", dlq.Inputs["namePrefix"], "dlq prefix")

	assert.Equal(t, 1860.0, jobs.Inputs["visibilityTimeoutSeconds"], "visibility = job timeout + 60")
	assert.GreaterOrEqual(t, jobs.Inputs["visibilityTimeoutSeconds"], 1800.0, "visibility >= job timeout")
	assert.Equal(t, 345600.0, jobs.Inputs["messageRetentionSeconds"], "main retention defaults to 4 days")
	assert.Equal(t, 1209600.0, dlq.Inputs["messageRetentionSeconds"], "DLQ retention defaults to 14 days")
	assert.Equal(t, 20.0, jobs.Inputs["receiveWaitTimeSeconds"], "long polling by default")
	assert.NotContains(t, dlq.Inputs, "redrivePolicy", "the DLQ redrives nowhere")

	offlinetest.HasInputs(t, jobs, map[string]any{
		"tags.env": "prod", "tags.service": "transcoder", "tags.managed-by": "pulumi", "tags.team": "video", "tags.role": "jobs",
	})
	offlinetest.HasInputs(t, dlq, map[string]any{
		"tags.env": "prod", "tags.service": "transcoder", "tags.managed-by": "pulumi", "tags.team": "video", "tags.role": "dlq",
	})

	assert.Equal(t, "<computed:aws:sqs/queue:Queue.url[transcode-queue]>", res.Outputs["QueueURL"], "QueueURL output")
	assert.Equal(t, jobsARN, res.Outputs["QueueARN"], "QueueARN output")
	assert.Equal(t, jobsName, res.Outputs["QueueName"], "QueueName output")
	assert.Equal(t, "<computed:aws:sqs/queue:Queue.url[transcode-dlq]>", res.Outputs["DlqURL"], "DlqURL output")
	assert.Equal(t, dlqARN, res.Outputs["DlqARN"], "DlqARN output")
	assert.Equal(t, dlqName, res.Outputs["DlqName"], "DlqName output")
}

// The queues and alarms are fields of the component, as awsx exposes
// children.
func TestChildrenAreExposed(t *testing.T) {
	got, _ := queues.Declared(t, "transcode", validArgs())
	offlinetest.Exposes(t, got, "Queue", "DeadLetterQueue", "RedriveAllowPolicy", "OldestMessageAlarm", "DeadLetterAlarm")
}

func TestRedriveAllowPolicyLetsOnlyTheMainQueueIn(t *testing.T) {
	res := queues.Run(t, "transcode", validArgs())
	comp := offlinetest.Find(t, res, TypeToken, "transcode")
	allow := offlinetest.Find(t, res, allowType, "transcode-dlq-redrive-allow")

	assert.Equal(t, comp.URN, allow.Parent, "allow policy parented to the component")
	assert.Equal(t, "<computed:aws:sqs/queue:Queue.url[transcode-dlq]>", allow.Inputs["queueUrl"], "attached to the DLQ")
	raw, ok := allow.Inputs["redriveAllowPolicy"].(string)
	require.True(t, ok, "redriveAllowPolicy is a JSON string")
	var policy map[string]any
	require.NoError(t, json.Unmarshal([]byte(raw), &policy), "redriveAllowPolicy parses as JSON")
	assert.Equal(t, "byQueue", policy["redrivePermission"], "permission by queue")
	assert.Equal(t, []any{jobsARN}, policy["sourceQueueArns"], "only the main queue may use the DLQ")
}

func TestAlarms(t *testing.T) {
	args := validArgs()
	args.OldestMessageAlarmSeconds = new(1200)
	res := queues.Run(t, "transcode", args)
	comp := offlinetest.Find(t, res, TypeToken, "transcode")
	require.Len(t, res.OfType(alarmType), 2, "two alarms")

	oldest := offlinetest.Find(t, res, alarmType, "transcode-oldest-message")
	assert.Equal(t, comp.URN, oldest.Parent, "oldest-message alarm parented")
	assert.Equal(t, "AWS/SQS", oldest.Inputs["namespace"], "namespace")
	assert.Equal(t, "ApproximateAgeOfOldestMessage", oldest.Inputs["metricName"], "metric")
	assert.Equal(t, "Maximum", oldest.Inputs["statistic"], "statistic")
	assert.Equal(t, 60.0, oldest.Inputs["period"], "period")
	assert.Equal(t, "GreaterThanThreshold", oldest.Inputs["comparisonOperator"], "comparison")
	assert.Equal(t, 1200.0, oldest.Inputs["threshold"], "threshold from OldestMessageAlarmSeconds")
	assert.Equal(t, map[string]any{"QueueName": jobsName}, oldest.Inputs["dimensions"], "watches the main queue")
	assert.Equal(t, []any{topicARN}, oldest.Inputs["alarmActions"], "alarm notifies the topic")
	assert.Equal(t, []any{topicARN}, oldest.Inputs["okActions"], "recovery notifies the topic")
	assert.Equal(t, "notBreaching", oldest.Inputs["treatMissingData"], "idle queue is healthy")
	assert.Contains(t, oldest.Inputs["alarmDescription"], "1200 seconds", "description states the threshold")
	assert.Equal(t, "jobs", offlinetest.Input(t, oldest, "tags.role"), "alarm tagged")

	dlq := offlinetest.Find(t, res, alarmType, "transcode-dlq-not-empty")
	assert.Equal(t, comp.URN, dlq.Parent, "dlq alarm parented")
	assert.Equal(t, "AWS/SQS", dlq.Inputs["namespace"], "namespace")
	assert.Equal(t, "ApproximateNumberOfMessagesVisible", dlq.Inputs["metricName"], "metric")
	assert.Equal(t, "Maximum", dlq.Inputs["statistic"], "statistic")
	assert.Equal(t, "GreaterThanThreshold", dlq.Inputs["comparisonOperator"], "comparison")
	assert.Equal(t, 0.0, dlq.Inputs["threshold"], "any message in the DLQ alarms")
	assert.Equal(t, map[string]any{"QueueName": dlqName}, dlq.Inputs["dimensions"], "watches the DLQ")
	assert.Equal(t, []any{topicARN}, dlq.Inputs["alarmActions"], "alarm notifies the topic")
	assert.Equal(t, []any{topicARN}, dlq.Inputs["okActions"], "recovery notifies the topic")
	assert.Equal(t, "notBreaching", dlq.Inputs["treatMissingData"], "missing data")
}

func TestExplicitSettings(t *testing.T) {
	args := validArgs()
	args.JobTimeoutSeconds = 43200
	args.MessageRetentionSeconds = 86400
	args.DlqRetentionSeconds = 86400
	args.MaxReceiveCount = new(3)
	short := 0
	args.ReceiveWaitTimeSeconds = &short
	res := queues.Run(t, "transcode", args)

	jobs := offlinetest.Find(t, res, queueType, "transcode-queue")
	assert.Equal(t, 43200.0, jobs.Inputs["visibilityTimeoutSeconds"], "default visibility is capped at the SQS maximum")
	assert.Equal(t, 86400.0, jobs.Inputs["messageRetentionSeconds"], "explicit retention")
	assert.Equal(t, 0.0, jobs.Inputs["receiveWaitTimeSeconds"], "a pointer to 0 asks for short polling")
	raw, ok := jobs.Inputs["redrivePolicy"].(string)
	require.True(t, ok, "redrivePolicy is a JSON string")
	var policy map[string]any
	require.NoError(t, json.Unmarshal([]byte(raw), &policy), "redrivePolicy parses")
	assert.Equal(t, 3.0, policy["maxReceiveCount"], "explicit maxReceiveCount")
	dlq := offlinetest.Find(t, res, queueType, "transcode-dlq")
	assert.Equal(t, 86400.0, dlq.Inputs["messageRetentionSeconds"], "explicit DLQ retention")
}

func TestWithDefaultsDoesNotMutateCaller(t *testing.T) {
	args := validArgs()
	_ = args.withDefaults()
	assert.Nil(t, args.ReceiveWaitTimeSeconds, "caller's wait time untouched")
	assert.Zero(t, args.VisibilityTimeoutSeconds, "caller's visibility untouched")
}

func TestBadArgs(t *testing.T) {
	cases := []offlinetest.Case[QueueArgs]{
		{Name: "missing env", Edit: func(a *QueueArgs) { a.Env = "" }, Want: []string{"Env:"}},
		{Name: "bad service", Edit: func(a *QueueArgs) { a.Service = "Trans coder" }, Want: []string{"Service:"}},
		{Name: "long prefix", Edit: func(a *QueueArgs) { a.Service = "a-very-long-service-name-that-does-not-fit-sqs" }, Want: []string{"whose name prefix"}},
		{Name: "missing job timeout", Edit: func(a *QueueArgs) { a.JobTimeoutSeconds = 0 }, Want: []string{"JobTimeoutSeconds: 0 is not accepted; accepted an integer from 1 to 43200"}},
		{Name: "job timeout too long", Edit: func(a *QueueArgs) { a.JobTimeoutSeconds = 50000 }, Want: []string{"JobTimeoutSeconds: 50000"}},
		{Name: "visibility below job timeout", Edit: func(a *QueueArgs) { a.VisibilityTimeoutSeconds = 600 }, Want: []string{"VisibilityTimeoutSeconds: 600 is not accepted; accepted from JobTimeoutSeconds (1800)"}},
		{Name: "visibility above max", Edit: func(a *QueueArgs) { a.VisibilityTimeoutSeconds = 43201 }, Want: []string{"VisibilityTimeoutSeconds: 43201"}},
		{Name: "negative max receive", Edit: func(a *QueueArgs) { a.MaxReceiveCount = new(-1) }, Want: []string{"MaxReceiveCount: -1 is not accepted; accepted an integer from 1 to 1000"}},
		{Name: "max receive too high", Edit: func(a *QueueArgs) { a.MaxReceiveCount = new(1001) }, Want: []string{"MaxReceiveCount: 1001"}},
		// A count set is taken as given: 0 is not the default.
		{Name: "max receive zero", Edit: func(a *QueueArgs) { a.MaxReceiveCount = new(0) }, Want: []string{"MaxReceiveCount: 0 is not accepted"}},
		{Name: "retention too short", Edit: func(a *QueueArgs) { a.MessageRetentionSeconds = 30 }, Want: []string{"MessageRetentionSeconds: 30 is not accepted; accepted an integer from 60 to 1209600"}},
		{Name: "retention too long", Edit: func(a *QueueArgs) { a.MessageRetentionSeconds = 1209601 }, Want: []string{"MessageRetentionSeconds: 1209601"}},
		{Name: "dlq retention out of range", Edit: func(a *QueueArgs) { a.DlqRetentionSeconds = 2000000 }, Want: []string{"DlqRetentionSeconds: 2000000 is not accepted"}},
		{Name: "dlq retention below main", Edit: func(a *QueueArgs) {
			a.MessageRetentionSeconds = 86400
			a.DlqRetentionSeconds = 3600
		}, Want: []string{"DlqRetentionSeconds: 3600 is not accepted; accepted at least MessageRetentionSeconds (86400)"}},
		{Name: "wait too long", Edit: func(a *QueueArgs) { w := 21; a.ReceiveWaitTimeSeconds = &w }, Want: []string{"ReceiveWaitTimeSeconds: 21 is not accepted; accepted an integer from 0 to 20"}},
		{Name: "missing topic", Edit: func(a *QueueArgs) { a.AlarmTopicARN = nil }, Want: []string{"AlarmTopicARN: (unset) is not accepted; accepted an SNS topic ARN"}},
		{Name: "reserved tag", Edit: func(a *QueueArgs) { a.Tags = map[string]string{"role": "x"} }, Want: []string{`Tags: "role" is not accepted`}},
		{Name: "negative alarm age", Edit: func(a *QueueArgs) { a.OldestMessageAlarmSeconds = new(-5) }, Want: []string{"OldestMessageAlarmSeconds: -5"}},
		{Name: "alarm age zero", Edit: func(a *QueueArgs) { a.OldestMessageAlarmSeconds = new(0) }, Want: []string{"OldestMessageAlarmSeconds: 0 is not accepted; accepted an integer from 60 to 1209600"}},
	}
	queues.BadArgs(t, "transcode", validArgs, cases)
}

func TestAllBadFieldsReportedAtOnce(t *testing.T) {
	err := (QueueArgs{}).Validate()
	require.Error(t, err, "empty args are invalid")
	for _, field := range []string{"Env:", "Service:", "JobTimeoutSeconds:", "AlarmTopicARN:"} {
		assert.Contains(t, err.Error(), field, "joined error names %s", field)
	}
	assert.NotContains(t, err.Error(), "ReceiveWaitTimeSeconds", "Validate takes raw args: a nil wait is the default")
	var inputs []string
	for _, fe := range contract.FieldErrors(err) {
		if fe.Input {
			inputs = append(inputs, fe.Field)
		}
	}
	assert.Equal(t, []string{"AlarmTopicARN"}, inputs, "the topic is the one input, set once it exists")
}

func TestNilArgs(t *testing.T) {
	res, err := queues.Rejected(t, "transcode", nil)
	assert.Equal(t, `queue "transcode": args are required`, err.Error(), "message")
	assert.Empty(t, res.Resources, "nothing is registered")
}
