package awscheck

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	tagging "github.com/aws/aws-sdk-go-v2/service/resourcegroupstaggingapi"
	taggingtypes "github.com/aws/aws-sdk-go-v2/service/resourcegroupstaggingapi/types"
)

// terminatingTransition is the hook transition whose heartbeat bounds a drain.
const terminatingTransition = "autoscaling:EC2_INSTANCE_TERMINATING"

// TaggedInstances implements Fleet.
func (c fleet) TaggedInstances(ctx context.Context, key, value string) ([]TaggedInstance, error) {
	in := &tagging.GetResourcesInput{
		ResourceTypeFilters: []string{"ec2:instance"},
		TagFilters:          []taggingtypes.TagFilter{{Key: aws.String(key), Values: []string{value}}},
	}
	var out []TaggedInstance
	p := tagging.NewGetResourcesPaginator(c.tag, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list instances tagged %s=%s: %w", key, value, err)
		}
		for _, m := range page.ResourceTagMappingList {
			arn := aws.ToString(m.ResourceARN)
			inst := TaggedInstance{ID: arn[strings.LastIndex(arn, "/")+1:], Tags: map[string]string{}}
			for _, t := range m.Tags {
				inst.Tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
			}
			inst.Group = inst.Tags["aws:autoscaling:groupName"]
			out = append(out, inst)
		}
	}
	return out, nil
}

// Drains implements Fleet.
func (c fleet) Drains(ctx context.Context, group string, terminating []string) (Drain, error) {
	d := Drain{Since: map[string]time.Time{}}
	hooks, err := c.asg.DescribeLifecycleHooks(ctx, &autoscaling.DescribeLifecycleHooksInput{AutoScalingGroupName: aws.String(group)})
	if err != nil {
		return d, fmt.Errorf("lifecycle hooks of %s: %w", group, err)
	}
	for _, h := range hooks.LifecycleHooks {
		if aws.ToString(h.LifecycleTransition) == terminatingTransition {
			d.Heartbeat = max(d.Heartbeat, time.Duration(aws.ToInt32(h.HeartbeatTimeout))*time.Second)
		}
	}
	if len(terminating) == 0 {
		return d, nil
	}
	p := autoscaling.NewDescribeScalingActivitiesPaginator(c.asg, &autoscaling.DescribeScalingActivitiesInput{AutoScalingGroupName: aws.String(group)})
	// A group's history goes back six weeks; stop once every terminating
	// instance is accounted for.
	for p.HasMorePages() && len(d.Since) < len(terminating) {
		page, err := p.NextPage(ctx)
		if err != nil {
			return d, fmt.Errorf("scaling activities of %s: %w", group, err)
		}
		for _, a := range page.Activities {
			// Auto Scaling names the instance only in the description.
			id, ok := strings.CutPrefix(aws.ToString(a.Description), "Terminating EC2 instance: ")
			if !ok || a.StartTime == nil {
				continue
			}
			id, _, _ = strings.Cut(id, " ")
			// Activities come newest first: the first one per instance is
			// its current termination.
			if _, seen := d.Since[id]; !seen && slices.Contains(terminating, id) {
				d.Since[id] = a.StartTime.UTC()
			}
		}
	}
	return d, nil
}
