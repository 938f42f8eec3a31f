package stacks

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/video-platform/video-platform/components/instancerole"
	"github.com/video-platform/video-platform/internal/contract"
	"github.com/video-platform/video-platform/internal/iampolicy"
	"github.com/video-platform/video-platform/internal/topology"
)

// queueAccess is what a tier's instances may do on the job queue: web
// submits jobs, transcoders consume them, and the recorder has no access.
func queueAccess(tier string) instancerole.QueueAccess {
	switch tier {
	case "web":
		return instancerole.QueueSend
	case topology.TranscoderService:
		return instancerole.QueueConsume
	default:
		return instancerole.QueueNone
	}
}

// roleArgs is a tier's instance role, all but the queue's ARN, which exists
// only once the queue is declared.
func roleArgs(env, tier, region, account, partition string) instancerole.InstanceRoleArgs {
	return instancerole.InstanceRoleArgs{
		Identity:  contract.Identity{Env: env, Service: tier},
		Partition: partition, Region: region, Account: account,
		RepositoryName: topology.RepositoryName(env, tier),
		QueueAccess:    queueAccess(tier),
	}
}

// newInstanceRole declares a tier's instance role, with access to the job
// queue at queueARN as queueAccess says.
func newInstanceRole(ctx *pulumi.Context, args instancerole.InstanceRoleArgs, queueARN pulumi.StringInput) (*instancerole.InstanceRole, error) {
	if args.QueueAccess != instancerole.QueueNone {
		args.QueueARN = queueARN
	}
	return instancerole.NewInstanceRole(ctx, args.Service, &args)
}

// alertsTopicPolicy lets EventBridge and CloudWatch of this account publish.
func alertsTopicPolicy(topicARN, account string) (string, error) {
	publisher := func(sid, service string) iampolicy.Statement {
		return iampolicy.Statement{
			Sid: sid, Effect: "Allow",
			Principal: map[string]string{"Service": service},
			Action:    []string{"sns:Publish"}, Resource: []string{topicARN},
			Condition: map[string]map[string]string{"StringEquals": {"aws:SourceAccount": account}},
		}
	}
	return iampolicy.New(publisher("AlertPublishers", "events.amazonaws.com"), publisher("AlarmPublishers", "cloudwatch.amazonaws.com")).JSON()
}
