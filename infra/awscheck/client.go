package awscheck

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	asgtypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	tagging "github.com/aws/aws-sdk-go-v2/service/resourcegroupstaggingapi"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// One client per AWS service role; New builds them from one aws.Config.
type (
	// fleet implements Fleet with Auto Scaling, ELBv2 and the Resource
	// Groups Tagging API.
	fleet struct {
		elb *elb.Client
		asg *autoscaling.Client
		tag *tagging.Client
	}
	// metrics implements Metrics with CloudWatch.
	metrics struct{ cw *cloudwatch.Client }
	// route53DNS implements DNS with Route53.
	route53DNS struct{ r53 *route53.Client }
	// registry implements Registry with ECR.
	registry struct{ ecr *ecr.Client }
	// queues implements Queues with SQS.
	queues struct{ sqs *sqs.Client }
)

// Option adjusts how New builds the service clients.
type Option func(*options)

type options struct {
	baseEndpoint string
}

// WithBaseEndpoint sends every service's requests to url instead of the
// regional AWS endpoints, so tests can point the real SDK wire code at a
// local server.
func WithBaseEndpoint(url string) Option {
	return func(o *options) { o.baseEndpoint = url }
}

// New builds the service clients from one aws.Config, so they share
// credentials, region and retry policy.
func New(cfg aws.Config, opts ...Option) Checks {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	var ep *string
	if o.baseEndpoint != "" {
		ep = aws.String(o.baseEndpoint)
	}
	elbClient := elb.NewFromConfig(cfg, func(so *elb.Options) {
		if ep != nil {
			so.BaseEndpoint = ep
		}
	})
	cwClient := cloudwatch.NewFromConfig(cfg, func(so *cloudwatch.Options) {
		if ep != nil {
			so.BaseEndpoint = ep
		}
	})
	r53Client := route53.NewFromConfig(cfg, func(so *route53.Options) {
		if ep != nil {
			so.BaseEndpoint = ep
		}
	})
	asgClient := autoscaling.NewFromConfig(cfg, func(so *autoscaling.Options) {
		if ep != nil {
			so.BaseEndpoint = ep
		}
	})
	sqsClient := sqs.NewFromConfig(cfg, func(so *sqs.Options) {
		if ep != nil {
			so.BaseEndpoint = ep
		}
	})
	tagClient := tagging.NewFromConfig(cfg, func(so *tagging.Options) {
		if ep != nil {
			so.BaseEndpoint = ep
		}
	})
	ecrClient := ecr.NewFromConfig(cfg, func(so *ecr.Options) {
		if ep != nil {
			so.BaseEndpoint = ep
		}
	})
	return Checks{
		Fleet:    fleet{elb: elbClient, asg: asgClient, tag: tagClient},
		Metrics:  metrics{cw: cwClient},
		DNS:      route53DNS{r53: r53Client},
		Registry: registry{ecr: ecrClient},
		Queues:   queues{sqs: sqsClient},
	}
}

// TargetHealth implements Fleet. DescribeTargetHealth does not paginate.
func (c fleet) TargetHealth(ctx context.Context, targetGroupARN string) ([]Target, error) {
	out, err := c.elb.DescribeTargetHealth(ctx, &elb.DescribeTargetHealthInput{
		TargetGroupArn: aws.String(targetGroupARN),
	})
	if err != nil {
		var nf *elbtypes.TargetGroupNotFoundException
		if errors.As(err, &nf) {
			return nil, fmt.Errorf("describe target health of %s: %w: %w", targetGroupARN, ErrNotFound, err)
		}
		return nil, fmt.Errorf("describe target health of %s: %w", targetGroupARN, err)
	}
	targets := make([]Target, 0, len(out.TargetHealthDescriptions))
	for _, d := range out.TargetHealthDescriptions {
		var t Target
		if d.Target != nil {
			t.ID = aws.ToString(d.Target.Id)
			t.Port = aws.ToInt32(d.Target.Port)
		}
		if d.TargetHealth != nil {
			t.State = string(d.TargetHealth.State)
			t.Reason = string(d.TargetHealth.Reason)
			t.Description = aws.ToString(d.TargetHealth.Description)
		}
		targets = append(targets, t)
	}
	return targets, nil
}

// swapTTL is short because the marker is read by the workflow through the
// Route53 API, never by resolvers; a low TTL just keeps stale caches brief
// for anyone who digs it by hand.
const swapTTL = 60

// MarkSwap implements DNS.
func (c route53DNS) MarkSwap(ctx context.Context, zoneID, name, value string) (string, error) {
	out, err := c.r53.ChangeResourceRecordSets(ctx, &route53.ChangeResourceRecordSetsInput{
		HostedZoneId: aws.String(zoneID),
		ChangeBatch: &r53types.ChangeBatch{
			Comment: aws.String("video-platform swap marker"),
			Changes: []r53types.Change{{
				Action: r53types.ChangeActionUpsert,
				ResourceRecordSet: &r53types.ResourceRecordSet{
					Name:            aws.String(name),
					Type:            r53types.RRTypeTxt,
					TTL:             aws.Int64(swapTTL),
					ResourceRecords: []r53types.ResourceRecord{{Value: aws.String(txtValue(value))}},
				},
			}},
		},
	})
	if err != nil {
		var nz *r53types.NoSuchHostedZone
		if errors.As(err, &nz) {
			return "", fmt.Errorf("upsert TXT %s in zone %s: %w: %w", name, zoneID, ErrNotFound, err)
		}
		return "", fmt.Errorf("upsert TXT %s in zone %s: %w", name, zoneID, err)
	}
	if out.ChangeInfo == nil || aws.ToString(out.ChangeInfo.Id) == "" {
		return "", fmt.Errorf("upsert TXT %s in zone %s: response carried no change ID", name, zoneID)
	}
	// Route53 answers "/change/C123"; the bare ID is what people paste into
	// the console and CLI, and GetChange accepts either.
	return strings.TrimPrefix(aws.ToString(out.ChangeInfo.Id), "/change/"), nil
}

// txtValue renders s as Route53 TXT record data: quoted character-strings
// of at most 255 bytes each, with quotes, backslashes and non-printable
// bytes escaped, because Route53 rejects or mangles anything else.
func txtValue(s string) string {
	const maxChunk = 255
	if s == "" {
		return `""`
	}
	var b strings.Builder
	for len(s) > 0 {
		n := min(maxChunk, len(s))
		chunk := s[:n]
		s = s[n:]
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteByte('"')
		for i := 0; i < len(chunk); i++ {
			ch := chunk[i]
			switch {
			case ch == '"' || ch == '\\':
				b.WriteByte('\\')
				b.WriteByte(ch)
			case ch < 0x20 || ch >= 0x7f:
				fmt.Fprintf(&b, `\%03o`, ch)
			default:
				b.WriteByte(ch)
			}
		}
		b.WriteByte('"')
	}
	return b.String()
}

// ChangeStatus implements DNS.
func (c route53DNS) ChangeStatus(ctx context.Context, changeID string) (string, error) {
	out, err := c.r53.GetChange(ctx, &route53.GetChangeInput{Id: aws.String(changeID)})
	if err != nil {
		var nc *r53types.NoSuchChange
		if errors.As(err, &nc) {
			return "", fmt.Errorf("get route53 change %s: %w: %w", changeID, ErrNotFound, err)
		}
		return "", fmt.Errorf("get route53 change %s: %w", changeID, err)
	}
	if out.ChangeInfo == nil {
		return "", fmt.Errorf("get route53 change %s: response carried no change info", changeID)
	}
	return string(out.ChangeInfo.Status), nil
}

// GroupsByTag implements Fleet, following NextToken across pages.
func (c fleet) GroupsByTag(ctx context.Context, key, value string) ([]Group, error) {
	in := &autoscaling.DescribeAutoScalingGroupsInput{
		Filters: []asgtypes.Filter{{
			Name:   aws.String("tag:" + key),
			Values: []string{value},
		}},
		MaxRecords: aws.Int32(100),
	}
	var groups []Group
	p := autoscaling.NewDescribeAutoScalingGroupsPaginator(c.asg, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("describe auto scaling groups tagged %s=%s: %w", key, value, err)
		}
		for _, g := range page.AutoScalingGroups {
			groups = append(groups, toGroup(g))
		}
	}
	return groups, nil
}

func toGroup(g asgtypes.AutoScalingGroup) Group {
	out := Group{
		Name:            aws.ToString(g.AutoScalingGroupName),
		Tags:            make(map[string]string, len(g.Tags)),
		Min:             int(aws.ToInt32(g.MinSize)),
		Max:             int(aws.ToInt32(g.MaxSize)),
		Desired:         int(aws.ToInt32(g.DesiredCapacity)),
		TargetGroupARNs: append([]string(nil), g.TargetGroupARNs...),
	}
	for _, t := range g.Tags {
		out.Tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	out.Instances = len(g.Instances)
	for _, inst := range g.Instances {
		out.Members = append(out.Members, Member{ID: aws.ToString(inst.InstanceId), LifecycleState: string(inst.LifecycleState)})
		if inst.LifecycleState == asgtypes.LifecycleStateInService {
			out.InService++
		}
	}
	return out
}

// QueueDepth implements Queues.
func (c queues) QueueDepth(ctx context.Context, queueURL string) (int, int, error) {
	const (
		visibleAttr  = sqstypes.QueueAttributeNameApproximateNumberOfMessages
		inFlightAttr = sqstypes.QueueAttributeNameApproximateNumberOfMessagesNotVisible
	)
	out, err := c.sqs.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{
		QueueUrl:       aws.String(queueURL),
		AttributeNames: []sqstypes.QueueAttributeName{visibleAttr, inFlightAttr},
	})
	if err != nil {
		var nq *sqstypes.QueueDoesNotExist
		if errors.As(err, &nq) {
			return 0, 0, fmt.Errorf("get attributes of queue %s: %w: %w", queueURL, ErrNotFound, err)
		}
		return 0, 0, fmt.Errorf("get attributes of queue %s: %w", queueURL, err)
	}
	visible, err := intAttr(out.Attributes, string(visibleAttr))
	if err != nil {
		return 0, 0, fmt.Errorf("queue %s: %w", queueURL, err)
	}
	inFlight, err := intAttr(out.Attributes, string(inFlightAttr))
	if err != nil {
		return 0, 0, fmt.Errorf("queue %s: %w", queueURL, err)
	}
	return visible, inFlight, nil
}

func intAttr(attrs map[string]string, name string) (int, error) {
	raw, ok := attrs[name]
	if !ok {
		// Treating a missing count as zero could let a roll drain a busy
		// transcoder, so absence is an error.
		return 0, fmt.Errorf("attribute %s missing from response", name)
	}
	n, err := strconv.Atoi(raw)
	if err != nil {
		return 0, fmt.Errorf("attribute %s: %w", name, err)
	}
	return n, nil
}
