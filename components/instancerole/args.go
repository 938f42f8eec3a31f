// Package instancerole provides InstanceRole: the IAM role that the
// instances of one tier run as, with its least-privilege inline policy, the
// Session Manager attachment that replaces SSH, and the instance profile a
// launch template names.
package instancerole

import (
	"fmt"
	"regexp"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/video-platform/video-platform/components/internal/field"
	"github.com/video-platform/video-platform/internal/contract"
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
	accountPattern   = regexp.MustCompile(`^[0-9]{12}$`)
)

// InstanceRoleArgs configures the role of one tier's instances.
type InstanceRoleArgs struct {
	// Identity is the env and the tier whose instances take the role, such
	// as "web" or "transcoder", and the extra tags of the role and the
	// profile. Env and Service prefix the role and profile names and scope
	// the log groups (/video-platform/<Env>/<Service>-*) and Auto Scaling
	// groups (<Env>-<Service>-*) the role may write to and act on. Color
	// must be empty: both copies of a tier run as its one role.
	contract.Identity

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
	// QueueARN is the job queue's ARN: required with a QueueAccess, and
	// nil with QueueNone.
	QueueARN pulumi.StringInput
}

// Validate reports every rejected field of the args as given, each as a
// contract.FieldError; no field has a default, the zero QueueAccess being
// no access. A QueueARN left unset that QueueAccess needs is marked as an
// input, which a caller validating its config before the queue exists
// skips.
func (a InstanceRoleArgs) Validate() error {
	var errs field.List
	errs.Part("", a.Identity.Validate())
	if a.Color != "" {
		errs.Add("Color", a.Color, `"": both copies of a tier run as its one role`)
	}
	if prefix := namePrefix(a.Env, a.Service); len(prefix) > maxNamePrefix {
		errs.Add("Service", a.Service, fmt.Sprintf("an env and service whose role name prefix %q fits in %d characters", prefix, maxNamePrefix))
	}
	if !partitionPattern.MatchString(a.Partition) {
		errs.Add("Partition", a.Partition, `an AWS partition such as "aws"`)
	}
	if !contract.RegionPattern.MatchString(a.Region) {
		errs.Add("Region", a.Region, `a region such as "us-east-1"`)
	}
	if !accountPattern.MatchString(a.Account) {
		errs.Add("Account", a.Account, "a 12-digit AWS account ID")
	}
	if !contract.RepositoryPattern.MatchString(a.RepositoryName) {
		errs.Add("RepositoryName", a.RepositoryName, `an ECR repository name such as "video-platform/prod/web"`)
	}
	switch a.QueueAccess {
	case QueueNone, QueueSend, QueueConsume:
	default:
		errs.Add("QueueAccess", string(a.QueueAccess), fmt.Sprintf("%q, %q or %q", QueueNone, QueueSend, QueueConsume))
	}
	switch {
	case a.QueueAccess != QueueNone && a.QueueARN == nil:
		errs.Input("QueueARN", fmt.Sprintf("the job queue's ARN, which QueueAccess %q needs", a.QueueAccess))
	case a.QueueAccess == QueueNone && a.QueueARN != nil:
		errs.Add("QueueARN", "a queue ARN", "nil with QueueAccess QueueNone, which gives no access to it")
	}
	return errs.Err()
}

// namePrefix is the role's and the profile's namePrefix.
func namePrefix(env, service string) string {
	return env + "-" + service + "-"
}
