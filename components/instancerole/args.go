// Package instancerole provides InstanceRole: the IAM role that the
// instances of one tier run as, with its least-privilege inline policy, the
// Session Manager attachment that replaces SSH, and the instance profile a
// launch template names.
package instancerole

import (
	"fmt"
	"maps"
	"regexp"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/video-platform/video-platform/components/internal/field"
)

// QueueAccess is what a role may do on the job queue.
type QueueAccess string

// The accesses to the job queue a role may have.
const (
	// QueueNone gives no access to the queue.
	QueueNone QueueAccess = ""
	// QueueSend submits jobs: sqs:SendMessage and sqs:GetQueueUrl.
	QueueSend QueueAccess = "send"
	// QueueConsume works jobs off: receive, delete, extend the visibility
	// of a message, and read the queue's attributes and URL.
	QueueConsume QueueAccess = "consume"
)

// maxNamePrefix keeps "<prefix><26-character unique suffix>" within the 64
// characters IAM allows for a role name.
const maxNamePrefix = 64 - 26

var (
	// partitionPattern accepts aws, aws-cn, aws-us-gov and the like.
	partitionPattern = regexp.MustCompile(`^aws(-[a-z]+)*$`)
	regionPattern    = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+$`)
	accountPattern   = regexp.MustCompile(`^[0-9]{12}$`)
	// repositoryPattern is ECR's repository name rule.
	repositoryPattern = regexp.MustCompile(`^([a-z0-9]+([._-][a-z0-9]+)*/)*[a-z0-9]+([._-][a-z0-9]+)*$`)
)

// InstanceRoleArgs configures the role of one tier's instances.
type InstanceRoleArgs struct {
	// Env is the environment name, such as "prod": lowercase letters,
	// digits and inner '-'. It is tagged on every child, prefixes the role
	// and profile names, and scopes the log groups
	// (/video-platform/<Env>/<Service>-*) and Auto Scaling groups
	// (<Env>-<Service>-*) the role may write to and act on. Required.
	Env string
	// Service is the tier whose instances take the role, such as "web" or
	// "transcoder", in the same form as Env. It is tagged as service and
	// scopes the role like Env. Required.
	Service string
	// Tags are added to every taggable child. The keys env, service and
	// managed-by are set by the component and win over these.
	Tags map[string]string

	// Partition is the AWS partition of the ARNs in the policy, such as
	// "aws". Required.
	Partition string
	// Region is the region of the log groups, Auto Scaling groups and ECR
	// repository the policy names, such as "us-east-1". Required.
	Region string
	// Account is the 12-digit account that owns them. Required.
	Account string
	// RepositoryName is the ECR repository whose images the instances
	// pull, and the only one they may pull from, such as
	// "video-platform/prod/web". Required.
	RepositoryName string
	// QueueAccess is what the instances may do on the job queue: QueueSend
	// (web submits jobs), QueueConsume (transcoders work them off) or
	// QueueNone, the zero value (recorders do not touch it).
	QueueAccess QueueAccess
	// QueueArn is the job queue's ARN: required with a QueueAccess, and
	// nil with QueueNone.
	QueueArn pulumi.StringInput
}

// FieldError is one rejected field: its name in Args, the value and what
// is accepted. Every component reports its fields with this one type.
type FieldError = field.Error

// withDefaults returns a copy of the args; the caller's are left untouched.
// No field has a default: the zero QueueAccess is no access.
func (a InstanceRoleArgs) withDefaults() InstanceRoleArgs {
	a.Tags = maps.Clone(a.Tags)
	return a
}

// Check reports every rejected field of the args except QueueArn, which
// only exists once its queue is declared: a caller checks the args it
// derives from its own config before it declares anything.
func (a InstanceRoleArgs) Check() []FieldError {
	return a.withDefaults().check()
}

// Validate reports every invalid field at once.
func (a InstanceRoleArgs) Validate() error {
	errs := a.check()
	switch {
	case a.QueueAccess != QueueNone && a.QueueArn == nil:
		errs = append(errs, FieldError{Field: "QueueArn", Value: nil, Accepted: fmt.Sprintf("the job queue's ARN, which QueueAccess %q needs", a.QueueAccess)})
	case a.QueueAccess == QueueNone && a.QueueArn != nil:
		errs = append(errs, FieldError{Field: "QueueArn", Value: "a queue ARN", Accepted: "nil with QueueAccess QueueNone, which gives no access to it"})
	}
	return field.Join(errs)
}

func (a InstanceRoleArgs) check() []FieldError {
	var errs []FieldError
	bad := func(name string, value any, accepted string) {
		errs = append(errs, FieldError{Field: name, Value: value, Accepted: accepted})
	}
	errs = append(errs, field.Names([2]string{"Env", a.Env}, [2]string{"Service", a.Service})...)
	if prefix := namePrefix(a.Env, a.Service); len(prefix) > maxNamePrefix {
		bad("Service", a.Service, fmt.Sprintf("an env and service whose role name prefix %q fits in %d characters", prefix, maxNamePrefix))
	}
	if !partitionPattern.MatchString(a.Partition) {
		bad("Partition", a.Partition, `an AWS partition such as "aws"`)
	}
	if !regionPattern.MatchString(a.Region) {
		bad("Region", a.Region, `a region such as "us-east-1"`)
	}
	if !accountPattern.MatchString(a.Account) {
		bad("Account", a.Account, "a 12-digit AWS account ID")
	}
	if !repositoryPattern.MatchString(a.RepositoryName) {
		bad("RepositoryName", a.RepositoryName, `an ECR repository name such as "video-platform/prod/web"`)
	}
	switch a.QueueAccess {
	case QueueNone, QueueSend, QueueConsume:
	default:
		bad("QueueAccess", string(a.QueueAccess), fmt.Sprintf("%q, %q or %q", QueueNone, QueueSend, QueueConsume))
	}
	return errs
}

// namePrefix is the role's and the profile's namePrefix.
func namePrefix(env, service string) string {
	return env + "-" + service + "-"
}
