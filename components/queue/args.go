package queue

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/video-platform/video-platform/components/internal/field"
	"github.com/video-platform/video-platform/internal/contract"
)

// Limits that SQS enforces; validating them here turns a failed deployment
// into an error at preview time.
const (
	maxVisibilitySeconds = 43200   // 12 hours
	minRetentionSeconds  = 60      // 1 minute
	maxRetentionSeconds  = 1209600 // 14 days
	maxReceiveCountLimit = 1000
	maxWaitTimeSeconds   = 20
	// minOldestMessageAlarmSeconds is SQS's reporting period of the
	// oldest message's age: a lower threshold cannot be told apart.
	minOldestMessageAlarmSeconds = 60

	// SQS names are at most 80 characters and namePrefix appends a
	// 26-character unique suffix, so "<env>-<service>-jobs-" may use 54.
	maxPrefixLength = 80 - 26
)

// Defaults, chosen so that a queue declared with only the required fields is
// the safe one.
const (
	defaultVisibilityHeadroomSeconds = 60
	defaultMessageRetentionSeconds   = 345600 // 4 days
	defaultDlqRetentionSeconds       = 1209600
	defaultMaxReceiveCount           = 5
	defaultReceiveWaitTimeSeconds    = 20
	defaultOldestMessageAlarmSeconds = 900
)

// QueueArgs configures a job queue, its dead-letter queue and their alarms.
type QueueArgs struct {
	// Identity is the env and the service that consumes the queue, such as
	// "transcoder", and the extra tags of every taggable child. Env and
	// service prefix the queue names.
	contract.Identity

	// JobTimeoutSeconds is the longest a job may run, 1..43200. Required.
	JobTimeoutSeconds int
	// VisibilityTimeoutSeconds is how long a received message stays hidden
	// from other workers, JobTimeoutSeconds..43200. 0 means
	// JobTimeoutSeconds + 60 (capped at 43200), so that a message is not
	// redelivered while its worker is still finishing.
	VisibilityTimeoutSeconds int
	// MessageRetentionSeconds is how long an unprocessed job is kept,
	// 60..1209600. 0 means 345600 (4 days).
	MessageRetentionSeconds int
	// DlqRetentionSeconds is how long a failed job is kept in the
	// dead-letter queue, 60..1209600 and at least MessageRetentionSeconds,
	// because SQS keeps a message's original age when it moves it to the
	// DLQ. 0 means 1209600 (14 days) so failed jobs can be inspected.
	DlqRetentionSeconds int
	// MaxReceiveCount is how many times a job is received before SQS moves
	// it to the DLQ, 1..1000. nil means 5; a value set is taken as given, 0
	// included.
	MaxReceiveCount *int
	// ReceiveWaitTimeSeconds is the long-polling wait, 0..20. nil means 20;
	// pass a pointer to 0 to ask for short polling.
	ReceiveWaitTimeSeconds *int
	// AlarmTopicARN is the SNS topic that both alarms notify on alarm and on
	// recovery. Required.
	AlarmTopicARN pulumi.StringInput
	// OldestMessageAlarmSeconds is the age of the oldest waiting job above
	// which the backlog alarm fires, 60..1209600: SQS reports the age once a
	// minute, and no message gets older than the longest retention. nil
	// means 900; a value set is taken as given, 0 included.
	OldestMessageAlarmSeconds *int
}

// withDefaults returns a copy of the args with every default applied; the
// caller's struct is left untouched so it can be reused for another queue.
func (a QueueArgs) withDefaults() QueueArgs {
	if a.VisibilityTimeoutSeconds == 0 && a.JobTimeoutSeconds > 0 {
		a.VisibilityTimeoutSeconds = min(a.JobTimeoutSeconds+defaultVisibilityHeadroomSeconds, maxVisibilitySeconds)
	}
	if a.MessageRetentionSeconds == 0 {
		a.MessageRetentionSeconds = defaultMessageRetentionSeconds
	}
	if a.DlqRetentionSeconds == 0 {
		a.DlqRetentionSeconds = defaultDlqRetentionSeconds
	}
	if a.MaxReceiveCount == nil {
		a.MaxReceiveCount = new(defaultMaxReceiveCount)
	}
	if a.ReceiveWaitTimeSeconds == nil {
		wait := defaultReceiveWaitTimeSeconds
		a.ReceiveWaitTimeSeconds = &wait
	}
	if a.OldestMessageAlarmSeconds == nil {
		a.OldestMessageAlarmSeconds = new(defaultOldestMessageAlarmSeconds)
	}
	return a
}

// Validate reports every rejected field of the args as given, defaults
// applied first, each as a contract.FieldError; an unset AlarmTopicARN is
// marked as an input, which a caller validating its config before the
// topic exists skips.
func (a QueueArgs) Validate() error {
	a = a.withDefaults()
	var errs field.List
	errs.Part("", a.Identity.Validate())
	if prefix := jobsPrefix(a.Env, a.Service); len(prefix) > maxPrefixLength {
		errs.Add("Service", a.Service, fmt.Sprintf("an env and service whose name prefix %q fits in %d characters", prefix, maxPrefixLength))
	}

	errs.Range("JobTimeoutSeconds", a.JobTimeoutSeconds, 1, maxVisibilitySeconds)
	if a.VisibilityTimeoutSeconds < a.JobTimeoutSeconds || a.VisibilityTimeoutSeconds > maxVisibilitySeconds {
		errs.Add("VisibilityTimeoutSeconds", a.VisibilityTimeoutSeconds, fmt.Sprintf("from JobTimeoutSeconds (%d) to %d", a.JobTimeoutSeconds, maxVisibilitySeconds))
	}
	errs.Range("MessageRetentionSeconds", a.MessageRetentionSeconds, minRetentionSeconds, maxRetentionSeconds)
	errs.Range("DlqRetentionSeconds", a.DlqRetentionSeconds, minRetentionSeconds, maxRetentionSeconds)
	if a.DlqRetentionSeconds < a.MessageRetentionSeconds {
		errs.Add("DlqRetentionSeconds", a.DlqRetentionSeconds, fmt.Sprintf("at least MessageRetentionSeconds (%d), "+
			"because a message keeps its age in the DLQ and would expire there on arrival", a.MessageRetentionSeconds))
	}
	errs.Range("MaxReceiveCount", *a.MaxReceiveCount, 1, maxReceiveCountLimit)
	errs.Range("ReceiveWaitTimeSeconds", *a.ReceiveWaitTimeSeconds, 0, maxWaitTimeSeconds)
	errs.Range("OldestMessageAlarmSeconds", *a.OldestMessageAlarmSeconds, minOldestMessageAlarmSeconds, maxRetentionSeconds)
	if a.AlarmTopicARN == nil {
		errs.Input("AlarmTopicARN", "an SNS topic ARN")
	}
	return errs.Err()
}

// jobsPrefix is the main queue's namePrefix, the longer of the two.
func jobsPrefix(env, service string) string {
	return env + "-" + service + "-jobs-"
}

// dlqPrefix is the dead-letter queue's namePrefix.
func dlqPrefix(env, service string) string {
	return env + "-" + service + "-dlq-"
}
