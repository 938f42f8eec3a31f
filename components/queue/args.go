package queue

import (
	"errors"
	"fmt"
	"regexp"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Limits that SQS enforces; validating them here turns a failed deployment
// into an error at preview time.
const (
	maxVisibilitySeconds = 43200   // 12 hours
	minRetentionSeconds  = 60      // 1 minute
	maxRetentionSeconds  = 1209600 // 14 days
	maxReceiveCountLimit = 1000
	maxWaitTimeSeconds   = 20

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

// namePart is what env and service may look like: they end up in queue names
// and tag values, where SQS allows only letters, digits, '-' and '_'.
var namePart = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?$`)

// QueueArgs configures a job queue, its dead-letter queue and their alarms.
type QueueArgs struct {
	// Env is the environment name, such as "prod"; it prefixes the queue
	// names and is tagged on every child. Required.
	Env string
	// Service is the service that consumes the queue, such as "transcoder".
	// Required.
	Service string
	// Tags are added to every taggable child. The keys env, service,
	// managed-by and role are set by the component and win over these.
	Tags map[string]string

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
	// it to the DLQ, 1..1000. 0 means 5.
	MaxReceiveCount int
	// ReceiveWaitTimeSeconds is the long-polling wait, 0..20. nil means 20;
	// pass a pointer to 0 to ask for short polling.
	ReceiveWaitTimeSeconds *int
	// AlarmTopicArn is the SNS topic that both alarms notify on alarm and on
	// recovery. Required.
	AlarmTopicArn pulumi.StringInput
	// OldestMessageAlarmSeconds is the age of the oldest waiting job above
	// which the backlog alarm fires; it must be > 0. 0 means 900.
	OldestMessageAlarmSeconds int
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
	if a.MaxReceiveCount == 0 {
		a.MaxReceiveCount = defaultMaxReceiveCount
	}
	if a.ReceiveWaitTimeSeconds == nil {
		wait := defaultReceiveWaitTimeSeconds
		a.ReceiveWaitTimeSeconds = &wait
	}
	if a.OldestMessageAlarmSeconds == 0 {
		a.OldestMessageAlarmSeconds = defaultOldestMessageAlarmSeconds
	}
	return a
}

// Validate reports every invalid field at once. It expects defaults to have
// been applied, as NewQueue does.
func (a QueueArgs) Validate() error {
	var errs []error
	bad := func(format string, v ...any) { errs = append(errs, fmt.Errorf(format, v...)) }
	inRange := func(field string, v, lo, hi int) {
		if v < lo || v > hi {
			bad("%s: %d is out of range; accepted %d..%d", field, v, lo, hi)
		}
	}

	if !namePart.MatchString(a.Env) {
		bad("Env: %q is invalid; accepted lowercase letters, digits and inner '-'", a.Env)
	}
	if !namePart.MatchString(a.Service) {
		bad("Service: %q is invalid; accepted lowercase letters, digits and inner '-'", a.Service)
	}
	if prefix := jobsPrefix(a.Env, a.Service); len(prefix) > maxPrefixLength {
		bad("Env, Service: name prefix %q is %d characters; accepted at most %d", prefix, len(prefix), maxPrefixLength)
	}

	inRange("JobTimeoutSeconds", a.JobTimeoutSeconds, 1, maxVisibilitySeconds)
	if a.VisibilityTimeoutSeconds < a.JobTimeoutSeconds || a.VisibilityTimeoutSeconds > maxVisibilitySeconds {
		bad("VisibilityTimeoutSeconds: %d is out of range; accepted JobTimeoutSeconds (%d)..%d",
			a.VisibilityTimeoutSeconds, a.JobTimeoutSeconds, maxVisibilitySeconds)
	}
	inRange("MessageRetentionSeconds", a.MessageRetentionSeconds, minRetentionSeconds, maxRetentionSeconds)
	inRange("DlqRetentionSeconds", a.DlqRetentionSeconds, minRetentionSeconds, maxRetentionSeconds)
	if a.DlqRetentionSeconds < a.MessageRetentionSeconds {
		bad("DlqRetentionSeconds: %d is less than MessageRetentionSeconds (%d); accepted >= MessageRetentionSeconds, "+
			"because a message keeps its age in the DLQ and would expire there on arrival",
			a.DlqRetentionSeconds, a.MessageRetentionSeconds)
	}
	inRange("MaxReceiveCount", a.MaxReceiveCount, 1, maxReceiveCountLimit)
	if a.ReceiveWaitTimeSeconds == nil {
		bad("ReceiveWaitTimeSeconds: nil; accepted 0..%d", maxWaitTimeSeconds)
	} else {
		inRange("ReceiveWaitTimeSeconds", *a.ReceiveWaitTimeSeconds, 0, maxWaitTimeSeconds)
	}
	if a.AlarmTopicArn == nil {
		bad("AlarmTopicArn: missing; accepted an SNS topic ARN")
	}
	if a.OldestMessageAlarmSeconds <= 0 {
		bad("OldestMessageAlarmSeconds: %d is out of range; accepted > 0", a.OldestMessageAlarmSeconds)
	}
	return errors.Join(errs...)
}

// jobsPrefix is the main queue's namePrefix, the longer of the two.
func jobsPrefix(env, service string) string {
	return env + "-" + service + "-jobs-"
}

// dlqPrefix is the dead-letter queue's namePrefix.
func dlqPrefix(env, service string) string {
	return env + "-" + service + "-dlq-"
}
