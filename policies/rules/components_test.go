package rules_test

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/video-platform/video-platform/components/asgpool"
	"github.com/video-platform/video-platform/components/instancerole"
	"github.com/video-platform/video-platform/components/loadbalancer"
	"github.com/video-platform/video-platform/components/network"
	"github.com/video-platform/video-platform/components/queue"
	"github.com/video-platform/video-platform/components/transcoderfleet"
	"github.com/video-platform/video-platform/internal/contract"
	"github.com/video-platform/video-platform/internal/offline"
	"github.com/video-platform/video-platform/internal/offline/offlinetest"
	"github.com/video-platform/video-platform/policies/rules"
)

// The components and the policy pack agree through internal/contract: what
// a component declares with nothing but its required arguments passes
// every mandatory rule in prod. The components do not import the policy
// pack, so the agreement is checked here.
func TestComponentsPassThePolicyPack(t *testing.T) {
	subnets := pulumi.StringArray{pulumi.String("subnet-a"), pulumi.String("subnet-b"), pulumi.String("subnet-c")}
	res := offlinetest.Run(t, offline.Stack{Name: "prod-test"}, func(ctx *pulumi.Context) (pulumi.Map, error) {
		if _, err := network.NewNetwork(ctx, "network", &network.NetworkArgs{
			Identity: contract.Identity{Env: "prod", Service: "base"}, CIDR: "10.20.0.0/16",
			AvailabilityZones: []string{"us-east-1a", "us-east-1b", "us-east-1c"},
			Tiers:             []network.Tier{{Name: "web", Port: 8080}, {Name: "transcoder"}},
		}); err != nil {
			return nil, err
		}
		if _, err := instancerole.NewInstanceRole(ctx, "transcoder", &instancerole.InstanceRoleArgs{
			Identity:  contract.Identity{Env: "prod", Service: "transcoder"},
			Partition: "aws", Region: "us-east-1", Account: "123456789012", RepositoryName: "video-platform/prod/transcoder",
			QueueAccess: instancerole.QueueConsume, QueueARN: pulumi.String("arn:aws:sqs:us-east-1:123456789012:jobs"),
		}); err != nil {
			return nil, err
		}
		alb, err := loadbalancer.NewLoadBalancer(ctx, "web-blue", &loadbalancer.LoadBalancerArgs{
			Identity:  contract.Identity{Env: "prod", Service: "web", Color: "blue"},
			VpcID:     pulumi.String("vpc-1"),
			SubnetIDs: subnets, SecurityGroupIDs: pulumi.StringArray{pulumi.String("sg-lb")},
			CertificateARN: pulumi.String("arn:aws:acm:us-east-1:123456789012:certificate/web"), TargetPort: 8080,
		})
		if err != nil {
			return nil, err
		}
		if _, err := asgpool.NewAsgPool(ctx, "web-blue", &asgpool.AsgPoolArgs{
			Identity: contract.Identity{Env: "prod", Service: "web", Color: "blue"}, Release: "v1",
			ImageRepositoryURL: pulumi.String("123456789012.dkr.ecr.us-east-1.amazonaws.com/web"), ContainerPort: 8080,
			AmiID: pulumi.String("ami-0123456789abcdef0"), InstanceType: "m6i.large",
			SecurityGroupIDs: pulumi.StringArray{pulumi.String("sg-web")}, InstanceProfileName: pulumi.String("web"),
			SubnetIDs: subnets, MinSize: 2, MaxSize: 6, DesiredCapacity: 2,
			TargetGroupARNs: pulumi.StringArray{alb.TargetGroupARN},
		}); err != nil {
			return nil, err
		}
		if _, err := transcoderfleet.NewTranscoderFleet(ctx, "transcoder-v1", &transcoderfleet.TranscoderFleetArgs{
			Identity: contract.Identity{Env: "prod"}, Release: "v1",
			ImageRepositoryURL: pulumi.String("123456789012.dkr.ecr.us-east-1.amazonaws.com/transcoder"),
			AmiID:              pulumi.String("ami-0123456789abcdef0"), SecurityGroupIDs: pulumi.StringArray{pulumi.String("sg-tc")},
			InstanceProfileName: pulumi.String("transcoder"), SubnetIDs: subnets,
			InstanceTypes: []string{"c6i.xlarge", "c5.xlarge", "c6a.xlarge"}, MinSize: 1, MaxSize: 10, DesiredCapacity: 1,
			QueueURL: pulumi.String("https://sqs.us-east-1.amazonaws.com/123456789012/jobs"), QueueName: pulumi.String("jobs"),
			AverageJobSeconds: 120, AcceptableLatencySeconds: 600,
		}); err != nil {
			return nil, err
		}
		_, err = queue.NewQueue(ctx, "transcode", &queue.QueueArgs{
			Identity: contract.Identity{Env: "prod", Service: "transcoder"}, JobTimeoutSeconds: 900,
			AlarmTopicARN: pulumi.String("arn:aws:sns:us-east-1:123456789012:alerts"),
		})
		return nil, err
	})
	var rs []rules.Resource
	for _, r := range res.Resources {
		rs = append(rs, rules.Resource{URN: r.URN, Type: r.Type, Name: r.Name, Inputs: r.Inputs})
	}
	violations, err := rules.Check(rules.Config{Env: "prod", Production: true}, rs)
	require.NoError(t, err, "policy check runs")
	for _, v := range violations {
		assert.NotEqual(t, rules.Mandatory, v.Level, "%s: %s", v.Policy, v.Message)
	}
	assert.NotEmpty(t, rs, "the components declared something to check")
}
