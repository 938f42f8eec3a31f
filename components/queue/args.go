package queue

import (
	"fmt"
	"regexp"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/video-platform/video-platform/components/internal/field"
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
	// it to the DLQ, 1..1000. nil means 5; a value set is taken as given, 0
	// included.
	MaxReceiveCount *int
	// ReceiveWaitTimeSeconds is the long-polling wait, 0..20. nil means 20;
	// pass a pointer to 0 to ask for short polling.
	ReceiveWaitTimeSeconds *int
	// AlarmTopicArn is the SNS topic that both alarms notify on alarm and on
	// recovery. Required.
	AlarmTopicArn pulumi.StringInput
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

// FieldError is one rejected field: its name in Args, the value and what
// is accepted. Every component reports its fields with this one type.
type FieldError = field.Error

// Check reports every rejected field of the args, defaults applied first,
// except AlarmTopicArn, which only exists once its topic is declared: a
// caller checks the args it derives from its own config before it
// declares anything.
func (a QueueArgs) Check() []FieldError {
	return a.withDefaults().check()
}

// Validate reports every invalid field at once. It expects defaults to have
// been applied, as NewQueue does.
func (a QueueArgs) Validate() error {
	errs := a.check()
	if a.AlarmTopicArn == nil {
		errs = append(errs, FieldError{Field: "AlarmTopicArn", Value: nil, Accepted: "an SNS topic ARN"})
	}
	return field.Join(errs)
}

func (a QueueArgs) check() []FieldError {
	var errs []FieldError
	bad := func(name string, value any, accepted string) {
		errs = append(errs, FieldError{Field: name, Value: value, Accepted: accepted})
	}
	inRange := func(name string, v, lo, hi int) {
		if v < lo || v > hi {
			bad(name, v, fmt.Sprintf("an integer from %d to %d", lo, hi))
		}
	}

	if !namePart.MatchString(a.Env) {
		bad("Env", a.Env, "lowercase letters, digits and inner '-'")
	}
	if !namePart.MatchString(a.Service) {
		bad("Service", a.Service, "lowercase letters, digits and inner '-'")
	}
	if prefix := jobsPrefix(a.Env, a.Service); len(prefix) > maxPrefixLength {
		bad("Service", a.Service, fmt.Sprintf("an env and service whose name prefix %q fits in %d characters", prefix, maxPrefixLength))
	}

	inRange("JobTimeoutSeconds", a.JobTimeoutSeconds, 1, maxVisibilitySeconds)
	if a.VisibilityTimeoutSeconds < a.JobTimeoutSeconds || a.VisibilityTimeoutSeconds > maxVisibilitySeconds {
		bad("VisibilityTimeoutSeconds", a.VisibilityTimeoutSeconds, fmt.Sprintf("from JobTimeoutSeconds (%d) to %d", a.JobTimeoutSeconds, maxVisibilitySeconds))
	}
	inRange("MessageRetentionSeconds", a.MessageRetentionSeconds, minRetentionSeconds, maxRetentionSeconds)
	inRange("DlqRetentionSeconds", a.DlqRetentionSeconds, minRetentionSeconds, maxRetentionSeconds)
	if a.DlqRetentionSeconds < a.MessageRetentionSeconds {
		bad("DlqRetentionSeconds", a.DlqRetentionSeconds, fmt.Sprintf("at least MessageRetentionSeconds (%d), "+
			"because a message keeps its age in the DLQ and would expire there on arrival", a.MessageRetentionSeconds))
	}
	if a.MaxReceiveCount != nil {
		inRange("MaxReceiveCount", *a.MaxReceiveCount, 1, maxReceiveCountLimit)
	}
	if a.ReceiveWaitTimeSeconds == nil {
		bad("ReceiveWaitTimeSeconds", nil, fmt.Sprintf("an integer from 0 to %d", maxWaitTimeSeconds))
	} else {
		inRange("ReceiveWaitTimeSeconds", *a.ReceiveWaitTimeSeconds, 0, maxWaitTimeSeconds)
	}
	if a.OldestMessageAlarmSeconds != nil {
		inRange("OldestMessageAlarmSeconds", *a.OldestMessageAlarmSeconds, minOldestMessageAlarmSeconds, maxRetentionSeconds)
	}
	return errs
}

// jobsPrefix is the main queue's namePrefix, the longer of the two.
func jobsPrefix(env, service string) string {
	return env + "-" + service + "-jobs-"
}

// dlqPrefix is the dead-letter queue's namePrefix.
func dlqPrefix(env, service string) string {
	return env + "-" + service + "-dlq-"
}
