// Package awscheck holds the live AWS reads (and the DNS marker and image
// tag writes) that the deploy workflow needs to decide whether a swap,
// retire, roll or release is safe. The workflow depends only on the role
// interfaces gathered in Checks (Fleet, Metrics, DNS, Registry, Queues),
// so that each command can be tested against small fakes; New fills them
// with one aws-sdk-go-v2 client per service.
package awscheck

import (
	"context"
	"errors"
	"time"

	"github.com/video-platform/video-platform/infra/observed"
)

// Checks is what the deploy workflow asks of AWS, one role per service, so
// that each command (and each test fake) deals with the roles it uses.
// New fills every role with the aws-sdk-go-v2 clients.
type Checks struct {
	// Fleet reads Auto Scaling groups, target health and instance tags.
	Fleet Fleet
	// Metrics reads CloudWatch: load balancer traffic and alarm states.
	Metrics Metrics
	// DNS marks a swap in Route53 and reads the change's status.
	DNS DNS
	// Registry reads ECR images and keeps the referenced ones protected.
	Registry Registry
	// Queues reads the depth of an SQS queue.
	Queues Queues
}

// Fleet is what the workflow asks of Auto Scaling, ELBv2 and the Resource
// Groups Tagging API: the instances a copy or a transcoder release runs.
type Fleet interface {
	// TargetHealth lists the targets of one target group (ELBv2
	// DescribeTargetHealth). A missing group yields an error matching
	// ErrNotFound.
	TargetHealth(ctx context.Context, targetGroupARN string) ([]Target, error)

	// GroupsByTag lists the Auto Scaling groups carrying tag key=value.
	GroupsByTag(ctx context.Context, key, value string) ([]Group, error)

	// TaggedInstances lists the EC2 instances carrying tag key=value with
	// their own tags (Resource Groups Tagging API): an instance keeps the
	// release tag it was launched with when its group's changes in place.
	TaggedInstances(ctx context.Context, key, value string) ([]TaggedInstance, error)

	// Drains reads how a group's terminating instances drain: since when
	// each of terminating has been terminating (DescribeScalingActivities)
	// and the heartbeat of the group's terminating lifecycle hook
	// (DescribeLifecycleHooks).
	Drains(ctx context.Context, group string, terminating []string) (Drain, error)
}

// Metrics is what the workflow asks of CloudWatch.
type Metrics interface {
	// Traffic returns one point per minute in [start, end) for the ALB whose
	// CloudWatch dimension is lbARNSuffix ("app/<name>/<id>"), summing
	// RequestCount and ActiveConnectionCount (namespace AWS/ApplicationELB).
	// Minutes without a datapoint are zero because the ALB publishes only
	// non-zero values; when the whole window is empty the result is all
	// zeros only if CloudWatch knows the load balancer at all, and otherwise
	// an error matching ErrNoMetrics, so that a mistyped suffix cannot pass
	// for an idle copy. CloudWatch lags a minute or two, so callers asking
	// "has it been quiet" should end the window a few minutes before now.
	Traffic(ctx context.Context, lbARNSuffix string, start, end time.Time) ([]TrafficPoint, error)

	// AlarmStates returns the state of each named CloudWatch alarm (metric
	// or composite), keyed by name. Every name gets an entry: one
	// CloudWatch does not know is AlarmMissing, never AlarmOK.
	AlarmStates(ctx context.Context, alarmNames []string) (map[string]AlarmState, error)
}

// DNS is what a swap asks of Route53 once Pulumi has changed the records.
type DNS interface {
	// MarkSwap UPSERTs a TXT record name (e.g. "_swap.<hostname>") carrying
	// value in the hosted zone and returns the Route53 change ID. Route53
	// applies a zone's changes in order, so once this change is INSYNC the
	// record changes Pulumi submitted before it have reached every Route53
	// name server.
	MarkSwap(ctx context.Context, zoneID, name, value string) (changeID string, err error)

	// ChangeStatus returns ChangePending or ChangeInsync for a Route53
	// change (GetChange). An unknown change yields an error matching
	// ErrNotFound.
	ChangeStatus(ctx context.Context, changeID string) (string, error)

	// WaitInsync waits until a Route53 change is INSYNC, with the SDK's
	// ResourceRecordSetsChanged waiter paced and bounded by o. It fails
	// with an error that names the change and the last status it saw when
	// the change is not INSYNC within o.Timeout, when o.Poll ends the
	// wait, or when a GetChange fails (an unknown change matches
	// ErrNotFound).
	WaitInsync(ctx context.Context, changeID string, o WaitOptions) error
}

// WaitOptions pace and bound WaitInsync.
type WaitOptions struct {
	// MinDelay and MaxDelay bound the waiter's delay between two GetChange
	// calls, on the real clock: it starts at MinDelay and backs off, with
	// jitter, towards MaxDelay. Zero means DefaultWaitDelay; equal values
	// poll at that one interval.
	MinDelay, MaxDelay time.Duration
	// Timeout bounds the whole wait on the real clock; zero means
	// DefaultWaitTimeout.
	Timeout time.Duration
	// Poll, when set, is called after every GetChange that found the
	// change PENDING, with the number of calls so far: the caller reports
	// progress there. An error it returns ends the wait (a caller on
	// another clock ends it there when its own deadline has passed).
	Poll func(ctx context.Context, calls int, status string) error
}

// Defaults of WaitOptions. Route53 normally applies a change within a
// minute; the delay is short enough to report progress every 15 s.
const (
	DefaultWaitDelay   = 15 * time.Second
	DefaultWaitTimeout = 10 * time.Minute
)

// Registry is what a release and housekeeping ask of ECR.
type Registry interface {
	// ImageExists says whether the ECR repository holds an image tagged
	// tag (DescribeImages by image ID). A missing repository yields an
	// error matching ErrNotFound, never false: a mistyped repository must
	// not read as a release that was not pushed.
	ImageExists(ctx context.Context, repositoryName, tag string) (bool, error)

	// NearestTags returns the tags of the repository's n most recently
	// pushed tagged images, newest image first. An image with several tags
	// (a release and its protective keep- tag, see components/image) gives
	// one ImageTag per tag, in tag order, so n counts images, not tags. A
	// missing repository yields an error matching ErrNotFound.
	NearestTags(ctx context.Context, repositoryName string, n int) ([]ImageTag, error)

	// KeepImages makes the repository's protective keep- tags (see
	// internal/imagetag) match releases, the releases the stacks
	// reference. An image tagged with one of them but not with its
	// keep-<release> gets that tag: its manifest is read (BatchGetImage)
	// and put again under the new tag (PutImage), which IMMUTABLE tags
	// allow. Each keep- tag of another release is deleted alone
	// (BatchDeleteImage), which leaves the image and its release tag for
	// the lifecycle policy to expire. An image whose tags are all keep-
	// tags is left alone, because deleting its last tag would delete the
	// image, and the convention never makes one. A release no image is
	// tagged with is reported Missing, not an error; an empty releases
	// unprotects every image. Every list of the result is sorted; on an
	// error it holds what was done before. An invalid release fails
	// before any call, and a missing repository yields an error matching
	// ErrNotFound.
	KeepImages(ctx context.Context, repositoryName string, releases []string) (KeepResult, error)
}

// Queues is what status asks of SQS.
type Queues interface {
	// QueueDepth returns SQS ApproximateNumberOfMessages (visible) and
	// ApproximateNumberOfMessagesNotVisible (inFlight). A missing queue
	// yields an error matching ErrNotFound.
	QueueDepth(ctx context.Context, queueURL string) (visible, inFlight int, err error)
}

// Route53 change states, as returned by ChangeStatus.
const (
	ChangePending = "PENDING"
	ChangeInsync  = "INSYNC"
)

// Target states reported by ELBv2, so callers can compare Target.State
// without importing the SDK.
const (
	TargetInitial     = observed.TargetInitial
	TargetHealthy     = observed.TargetHealthy
	TargetUnhealthy   = observed.TargetUnhealthy
	TargetDraining    = observed.TargetDraining
	TargetUnused      = observed.TargetUnused
	TargetUnavailable = observed.TargetUnavailable
)

// ErrNotFound marks errors where the named AWS resource does not exist, so
// that retire and roll can tell "already gone" from a failed call.
var ErrNotFound = errors.New("not found")

// ErrNoMetrics marks a Traffic window for a load balancer CloudWatch has no
// metrics for: either the suffix is wrong or the ALB has had no traffic for
// the last two weeks, and only the caller can judge which is plausible.
var ErrNoMetrics = errors.New("no CloudWatch metrics for load balancer")

// The values the checks return are defined in infra/observed, without the
// SDK, so that the decisions made from them are tested on plain values.
type (
	// Target is one registered target of a target group and its health.
	Target = observed.Target
	// TrafficPoint is the ALB's traffic in one minute.
	TrafficPoint = observed.TrafficPoint
	// Group is an Auto Scaling group's sizing and members.
	Group = observed.Group
	// Member is one instance of a group as Auto Scaling sees it.
	Member = observed.Member
	// TaggedInstance is one EC2 instance and the tags it carries.
	TaggedInstance = observed.TaggedInstance
	// Drain is how a group's terminating instances drain.
	Drain = observed.Drain
)

// ImageTag is one tag of an ECR image and when the image was pushed (UTC).
type ImageTag struct {
	Tag      string
	PushedAt time.Time
}

// Sleep waits for d or until ctx ends, whichever comes first; it is the
// real clock behind every wait on AWS.
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
