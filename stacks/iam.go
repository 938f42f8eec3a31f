package stacks

import (
	"encoding/json"
	"fmt"
)

// policyDocument is an IAM policy. It is built from structs rather than
// text so that every document is valid JSON and testable as data.
type policyDocument struct {
	Version   string      `json:"Version"`
	Statement []statement `json:"Statement"`
}

type statement struct {
	Sid       string                       `json:"Sid"`
	Effect    string                       `json:"Effect"`
	Principal map[string]string            `json:"Principal,omitempty"`
	Action    []string                     `json:"Action"`
	Resource  []string                     `json:"Resource,omitempty"`
	Condition map[string]map[string]string `json:"Condition,omitempty"`
}

// tierPolicyParams is what a tier's instance policy is scoped to.
type tierPolicyParams struct {
	Env, Tier, Region, Account, Partition string
	// RepositoryName is the tier's ECR repository.
	RepositoryName string
	// QueueArn is the transcode job queue.
	QueueArn string
}

// tierPolicy is least privilege for one tier's instances: pull its own
// image, write its own logs, finish its own lifecycle hooks, and touch the
// job queue only as its role needs (web sends, transcoders consume).
func tierPolicy(p tierPolicyParams) (string, error) {
	arn := func(service, resource string) string {
		return fmt.Sprintf("arn:%s:%s:%s:%s:%s", p.Partition, service, p.Region, p.Account, resource)
	}
	doc := policyDocument{Version: "2012-10-17", Statement: []statement{
		// GetAuthorizationToken has no resource-level permissions.
		{Sid: "EcrLogin", Effect: "Allow", Action: []string{"ecr:GetAuthorizationToken"}, Resource: []string{"*"}},
		{Sid: "EcrPull", Effect: "Allow",
			Action:   []string{"ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"},
			Resource: []string{arn("ecr", "repository/"+p.RepositoryName)}},
		{Sid: "Logs", Effect: "Allow",
			Action: []string{"logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"},
			Resource: []string{
				arn("logs", fmt.Sprintf("log-group:/video-platform/%s/%s-*", p.Env, p.Tier)),
				arn("logs", fmt.Sprintf("log-group:/video-platform/%s/%s-*:log-stream:*", p.Env, p.Tier)),
			}},
		{Sid: "DrainHook", Effect: "Allow",
			Action:   []string{"autoscaling:CompleteLifecycleAction", "autoscaling:RecordLifecycleActionHeartbeat"},
			Resource: []string{arn("autoscaling", fmt.Sprintf("autoScalingGroup:*:autoScalingGroupName/%s-%s-*", p.Env, p.Tier))},
			Condition: map[string]map[string]string{
				"StringEquals": {"autoscaling:ResourceTag/env": p.Env, "autoscaling:ResourceTag/service": p.Tier},
			}},
		// Describe calls have no resource-level permissions; they are read-only.
		{Sid: "DescribeOwnGroup", Effect: "Allow", Action: []string{"autoscaling:DescribeAutoScalingInstances"}, Resource: []string{"*"}},
	}}
	switch p.Tier {
	case "web":
		doc.Statement = append(doc.Statement, statement{Sid: "SubmitJobs", Effect: "Allow",
			Action: []string{"sqs:SendMessage", "sqs:GetQueueUrl"}, Resource: []string{p.QueueArn}})
	case "transcoder":
		doc.Statement = append(doc.Statement, statement{Sid: "ConsumeJobs", Effect: "Allow",
			Action:   []string{"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"},
			Resource: []string{p.QueueArn}})
	}
	b, err := json.Marshal(doc)
	return string(b), err
}

// assumeRolePolicy lets EC2 instances take a role.
func assumeRolePolicy() (string, error) {
	b, err := json.Marshal(policyDocument{Version: "2012-10-17", Statement: []statement{{
		Sid: "Ec2Assume", Effect: "Allow", Principal: map[string]string{"Service": "ec2.amazonaws.com"},
		Action: []string{"sts:AssumeRole"},
	}}})
	return string(b), err
}

// alertsTopicPolicy lets EventBridge and CloudWatch of this account publish.
func alertsTopicPolicy(topicArn, account string) (string, error) {
	b, err := json.Marshal(policyDocument{Version: "2012-10-17", Statement: []statement{{
		Sid: "AlertPublishers", Effect: "Allow",
		Principal: map[string]string{"Service": "events.amazonaws.com"},
		Action:    []string{"sns:Publish"}, Resource: []string{topicArn},
		Condition: map[string]map[string]string{"StringEquals": {"aws:SourceAccount": account}},
	}, {
		Sid: "AlarmPublishers", Effect: "Allow",
		Principal: map[string]string{"Service": "cloudwatch.amazonaws.com"},
		Action:    []string{"sns:Publish"}, Resource: []string{topicArn},
		Condition: map[string]map[string]string{"StringEquals": {"aws:SourceAccount": account}},
	}}})
	return string(b), err
}
