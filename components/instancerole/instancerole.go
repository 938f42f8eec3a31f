package instancerole

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/video-platform/video-platform/components/internal/outputs"
	"github.com/video-platform/video-platform/internal/iampolicy"
)

// TypeToken is the component's Pulumi type.
const TypeToken = "video-platform:iam:InstanceRole"

// roleType is the type token of the role, part of its children's URNs.
const roleType = "aws:iam/role:Role"

// InstanceRole is the role, policy and instance profile of one tier's
// instances.
type InstanceRole struct {
	pulumi.ResourceState

	// Role is the role, "<name>-role".
	Role *iam.Role
	// Policy is its least-privilege inline policy, "<name>-policy".
	Policy *iam.RolePolicy
	// SSMAttachment attaches AmazonSSMManagedInstanceCore, "<name>-ssm".
	SSMAttachment *iam.RolePolicyAttachment
	// InstanceProfile is the instance profile, "<name>-profile".
	InstanceProfile *iam.InstanceProfile

	// RoleName is the role's generated name.
	RoleName pulumi.StringOutput `pulumi:"roleName"`
	// RoleARN is the role's ARN.
	RoleARN pulumi.StringOutput `pulumi:"roleArn"`
	// InstanceProfileName is the instance profile's generated name, which
	// a launch template names.
	InstanceProfileName pulumi.StringOutput `pulumi:"instanceProfileName"`
	// InstanceProfileARN is the instance profile's ARN.
	InstanceProfileARN pulumi.StringOutput `pulumi:"instanceProfileArn"`
}

// NewInstanceRole validates args and declares the role, its inline policy
// and Session Manager attachment (children of the role), and the instance
// profile. The base stack declared these before this component existed, with
// the same names, the role and profile at the top of the stack: every child
// carries an alias to the URN it had there, so that the engine moves it
// under the component instead of replacing it.
func NewInstanceRole(ctx *pulumi.Context, name string, args *InstanceRoleArgs, opts ...pulumi.ResourceOption) (*InstanceRole, error) {
	if args == nil {
		return nil, fmt.Errorf("instancerole %q: args are required", name)
	}
	if err := args.Validate(); err != nil {
		return nil, fmt.Errorf("instancerole %q: %w", name, err)
	}

	comp := &InstanceRole{}
	if err := ctx.RegisterComponentResource(TypeToken, name, comp, opts...); err != nil {
		return nil, fmt.Errorf("instancerole %q: %w", name, err)
	}
	if err := comp.build(ctx, name, *args); err != nil {
		return nil, fmt.Errorf("instancerole %q: %w", name, err)
	}
	comp.RoleName = comp.Role.Name
	comp.RoleARN = comp.Role.Arn
	comp.InstanceProfileName = comp.InstanceProfile.Name
	comp.InstanceProfileARN = comp.InstanceProfile.Arn
	if err := outputs.Register(ctx, comp); err != nil {
		return nil, fmt.Errorf("instancerole %q: %w", name, err)
	}
	return comp, nil
}

func (comp *InstanceRole) build(ctx *pulumi.Context, name string, a InstanceRoleArgs) error {
	parent := pulumi.Parent(comp)
	wasTopLevel := pulumi.Aliases([]pulumi.Alias{{NoParent: pulumi.Bool(true)}})
	// The policy and the attachment were, and are, children of the role:
	// their old URNs have the top-level role's type as parent.
	oldRole := pulumi.CreateURN(pulumi.String(name+"-role"), pulumi.String(roleType), nil, pulumi.String(ctx.Project()), pulumi.String(ctx.Stack()))
	wasUnderTopLevelRole := pulumi.Aliases([]pulumi.Alias{{ParentURN: oldRole}})

	assume, err := iampolicy.New(iampolicy.Statement{
		Sid: "Ec2Assume", Effect: "Allow", Principal: map[string]string{"Service": "ec2.amazonaws.com"},
		Action: []string{"sts:AssumeRole"},
	}).JSON()
	if err != nil {
		return err
	}
	tags := pulumi.ToStringMap(a.ChildTags(nil))
	comp.Role, err = iam.NewRole(ctx, name+"-role", &iam.RoleArgs{
		NamePrefix:       pulumi.String(namePrefix(a.Env, a.Service)),
		Description:      pulumi.String("Instances of " + a.Service + " in " + a.Env),
		AssumeRolePolicy: pulumi.String(assume),
		Tags:             tags,
	}, parent, wasTopLevel)
	if err != nil {
		return err
	}

	var document pulumi.StringInput
	if a.QueueARN == nil {
		text, err := policy(a, "").JSON()
		if err != nil {
			return err
		}
		document = pulumi.String(text)
	} else {
		document = a.QueueARN.ToStringOutput().ApplyT(func(queueARN string) (string, error) { return policy(a, queueARN).JSON() }).(pulumi.StringOutput)
	}
	comp.Policy, err = iam.NewRolePolicy(ctx, name+"-policy", &iam.RolePolicyArgs{
		Role:   comp.Role.Name,
		Policy: document,
	}, pulumi.Parent(comp.Role), wasUnderTopLevelRole)
	if err != nil {
		return err
	}
	// Session Manager replaces SSH, so no port 22 is ever opened.
	comp.SSMAttachment, err = iam.NewRolePolicyAttachment(ctx, name+"-ssm", &iam.RolePolicyAttachmentArgs{
		Role:      comp.Role.Name,
		PolicyArn: pulumi.Sprintf("arn:%s:iam::aws:policy/AmazonSSMManagedInstanceCore", a.Partition),
	}, pulumi.Parent(comp.Role), wasUnderTopLevelRole)
	if err != nil {
		return err
	}
	comp.InstanceProfile, err = iam.NewInstanceProfile(ctx, name+"-profile", &iam.InstanceProfileArgs{
		NamePrefix: pulumi.String(namePrefix(a.Env, a.Service)),
		Role:       comp.Role.Name,
		Tags:       tags,
	}, parent, wasTopLevel)
	return err
}

// policy is least privilege for one tier's instances: pull its own image,
// write its own logs, finish its own lifecycle hooks, and touch the job
// queue only as QueueAccess says.
func policy(a InstanceRoleArgs, queueARN string) iampolicy.Document {
	arn := func(service, resource string) string {
		return fmt.Sprintf("arn:%s:%s:%s:%s:%s", a.Partition, service, a.Region, a.Account, resource)
	}
	doc := iampolicy.New(
		// GetAuthorizationToken has no resource-level permissions.
		iampolicy.Statement{Sid: "EcrLogin", Effect: "Allow", Action: []string{"ecr:GetAuthorizationToken"}, Resource: []string{"*"}},
		iampolicy.Statement{Sid: "EcrPull", Effect: "Allow",
			Action:   []string{"ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"},
			Resource: []string{arn("ecr", "repository/"+a.RepositoryName)}},
		iampolicy.Statement{Sid: "Logs", Effect: "Allow",
			Action: []string{"logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"},
			Resource: []string{
				arn("logs", fmt.Sprintf("log-group:/video-platform/%s/%s-*", a.Env, a.Service)),
				arn("logs", fmt.Sprintf("log-group:/video-platform/%s/%s-*:log-stream:*", a.Env, a.Service)),
			}},
		iampolicy.Statement{Sid: "DrainHook", Effect: "Allow",
			Action:   []string{"autoscaling:CompleteLifecycleAction", "autoscaling:RecordLifecycleActionHeartbeat"},
			Resource: []string{arn("autoscaling", fmt.Sprintf("autoScalingGroup:*:autoScalingGroupName/%s-%s-*", a.Env, a.Service))},
			Condition: map[string]map[string]string{
				"StringEquals": {"autoscaling:ResourceTag/env": a.Env, "autoscaling:ResourceTag/service": a.Service},
			}},
		// Describe calls have no resource-level permissions; they are read-only.
		iampolicy.Statement{Sid: "DescribeOwnGroup", Effect: "Allow", Action: []string{"autoscaling:DescribeAutoScalingInstances"}, Resource: []string{"*"}},
	)
	switch a.QueueAccess {
	case QueueSend:
		doc.Statement = append(doc.Statement, iampolicy.Statement{Sid: "SubmitJobs", Effect: "Allow",
			Action: []string{"sqs:SendMessage", "sqs:GetQueueUrl"}, Resource: []string{queueARN}})
	case QueueConsume:
		doc.Statement = append(doc.Statement, iampolicy.Statement{Sid: "ConsumeJobs", Effect: "Allow",
			Action:   []string{"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"},
			Resource: []string{queueARN}})
	}
	return doc
}
