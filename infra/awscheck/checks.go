// Package awscheck holds the live AWS reads (and the one DNS marker write)
// that the deploy workflow needs to decide whether a swap, retire or roll is
// safe. The workflow depends only on the Checks interface so that its
// decision logic can be tested against a fake; Client is the real
// aws-sdk-go-v2 implementation.
package awscheck

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Checks is what the deploy workflow asks of AWS.
type Checks interface {
	// TargetHealth lists the targets of one target group (ELBv2
	// DescribeTargetHealth). A missing group yields an error matching
	// ErrNotFound.
	TargetHealth(ctx context.Context, targetGroupARN string) ([]Target, error)

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

	// QueueDepth returns SQS ApproximateNumberOfMessages (visible) and
	// ApproximateNumberOfMessagesNotVisible (inFlight). A missing queue
	// yields an error matching ErrNotFound.
	QueueDepth(ctx context.Context, queueURL string) (visible, inFlight int, err error)

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

	// AlarmStates returns the state of each named CloudWatch alarm (metric
	// or composite), keyed by name. Every name gets an entry: one
	// CloudWatch does not know is AlarmMissing, never AlarmOK.
	AlarmStates(ctx context.Context, alarmNames []string) (map[string]AlarmState, error)
}

// Route53 change states, as returned by ChangeStatus.
const (
	ChangePending = "PENDING"
	ChangeInsync  = "INSYNC"
)

// Target states reported by ELBv2, so callers can compare Target.State
// without importing the SDK.
const (
	TargetInitial     = "initial"
	TargetHealthy     = "healthy"
	TargetUnhealthy   = "unhealthy"
	TargetDraining    = "draining"
	TargetUnused      = "unused"
	TargetUnavailable = "unavailable"
)

// ErrNotFound marks errors where the named AWS resource does not exist, so
// that retire and roll can tell "already gone" from a failed call.
var ErrNotFound = errors.New("not found")

// ErrNoMetrics marks a Traffic window for a load balancer CloudWatch has no
// metrics for: either the suffix is wrong or the ALB has had no traffic for
// the last two weeks, and only the caller can judge which is plausible.
var ErrNoMetrics = errors.New("no CloudWatch metrics for load balancer")

// Target is one registered target of a target group and its health.
type Target struct {
	ID    string
	Port  int32
	State string
	// Reason and Description explain a non-healthy State, e.g.
	// "Target.DeregistrationInProgress"; both are empty when healthy.
	Reason      string
	Description string
}

// TrafficPoint is the ALB's traffic in the minute starting at Time (UTC).
type TrafficPoint struct {
	Time              time.Time
	Requests          float64
	ActiveConnections float64
}

// ImageTag is one tag of an ECR image and when the image was pushed (UTC).
type ImageTag struct {
	Tag      string
	PushedAt time.Time
}

// Group is an Auto Scaling group's sizing and where it registers targets.
type Group struct {
	Name string
	Tags map[string]string
	Min  int
	Max  int
	// Desired is what the group is converging to; InService counts the
	// instances whose lifecycle state is InService right now, so a roll
	// can wait for the two to agree.
	Desired   int
	InService int
	// Instances counts the instances in any lifecycle state: one in
	// Terminating:Wait is still finishing its work.
	Instances int
	// Members are the group's instances and their lifecycle states.
	Members         []Member
	TargetGroupARNs []string
}

// Member is one instance of a group as Auto Scaling sees it.
type Member struct {
	ID             string
	LifecycleState string
}

// Draining reports whether the instance is terminating but still holds
// its work: its termination hook has not completed.
func (m Member) Draining() bool {
	return m.LifecycleState == "Terminating:Wait" || m.LifecycleState == "Terminating:Proceed" || m.LifecycleState == "Terminating"
}

// TaggedInstance is one EC2 instance and the tags it carries.
type TaggedInstance struct {
	ID string
	// Group is its Auto Scaling group (the aws:autoscaling:groupName tag).
	Group string
	Tags  map[string]string
}

// Drain is how a group's terminating instances drain.
type Drain struct {
	// Heartbeat is the terminating hook's heartbeat timeout; zero when the
	// group has no terminating hook.
	Heartbeat time.Duration
	// Since maps a terminating instance to when its termination began.
	Since map[string]time.Time
}

// WaitInsync polls ChangeStatus every poll until the change is INSYNC. sleep
// is injected so tests can run on a fake clock; nil means a real timer. It
// returns ctx's error (wrapped) if ctx ends first.
func WaitInsync(ctx context.Context, checks Checks, changeID string, poll time.Duration, sleep func(context.Context, time.Duration) error) error {
	if poll <= 0 {
		return fmt.Errorf("wait for route53 change %s: poll interval must be positive, got %s", changeID, poll)
	}
	if sleep == nil {
		sleep = Sleep
	}
	for {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("wait for route53 change %s: %w", changeID, err)
		}
		status, err := checks.ChangeStatus(ctx, changeID)
		if err != nil {
			return fmt.Errorf("wait for route53 change %s: %w", changeID, err)
		}
		switch status {
		case ChangeInsync:
			return nil
		case ChangePending:
		default:
			// An unexpected state would otherwise spin until ctx expires
			// and hide the real cause.
			return fmt.Errorf("wait for route53 change %s: unexpected status %q", changeID, status)
		}
		if err := sleep(ctx, poll); err != nil {
			return fmt.Errorf("wait for route53 change %s: %w", changeID, err)
		}
	}
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
