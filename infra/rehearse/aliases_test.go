package rehearse

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/video-platform/video-platform/components/instancerole"
	"github.com/video-platform/video-platform/components/network"
	"github.com/video-platform/video-platform/infra/engine"
	"github.com/video-platform/video-platform/internal/contract"
	"github.com/video-platform/video-platform/internal/standin"
)

// oldBaseLayout declares, as the base stack did before the network and
// instance role components, a VPC and a tier's role with its policy and
// SSM attachment as the role's children, at the top of the stack.
func oldBaseLayout(ctx *pulumi.Context) error {
	vpc, err := ec2.NewVpc(ctx, "vpc", &ec2.VpcArgs{
		CidrBlock: pulumi.String("10.20.0.0/16"), EnableDnsHostnames: pulumi.Bool(true), EnableDnsSupport: pulumi.Bool(true),
	})
	if err != nil {
		return err
	}
	role, err := iam.NewRole(ctx, "web-role", &iam.RoleArgs{
		NamePrefix:       pulumi.String("prod-web-"),
		AssumeRolePolicy: pulumi.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`),
	})
	if err != nil {
		return err
	}
	if _, err := iam.NewRolePolicy(ctx, "web-policy", &iam.RolePolicyArgs{
		Role: role.Name, Policy: pulumi.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ecr:GetAuthorizationToken","Resource":"*"}]}`),
	}, pulumi.Parent(role)); err != nil {
		return err
	}
	if _, err := iam.NewRolePolicyAttachment(ctx, "web-ssm", &iam.RolePolicyAttachmentArgs{
		Role: role.Name, PolicyArn: pulumi.String("arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"),
	}, pulumi.Parent(role)); err != nil {
		return err
	}
	ctx.Export("vpcId", vpc.ID())
	ctx.Export("roleArn", role.Arn)
	return nil
}

// newBaseLayout declares the same through the components.
func newBaseLayout(ctx *pulumi.Context) error {
	net, err := network.NewNetwork(ctx, "network", &network.NetworkArgs{
		Identity: contract.Identity{Env: "prod", Service: "base"},
		CIDR:     "10.20.0.0/16", AvailabilityZones: []string{"us-east-1a", "us-east-1b", "us-east-1c"},
		Tiers: []network.Tier{{Name: "web", Port: 8080}},
	})
	if err != nil {
		return err
	}
	role, err := instancerole.NewInstanceRole(ctx, "web", &instancerole.InstanceRoleArgs{
		Identity:  contract.Identity{Env: "prod", Service: "web"},
		Partition: "aws", Region: "us-east-1", Account: "123456789012",
		RepositoryName: "video-platform/prod/web",
	})
	if err != nil {
		return err
	}
	ctx.Export("vpcId", net.VpcID)
	ctx.Export("roleArn", role.RoleARN)
	return nil
}

// The aliases that keep a production base stack's VPC and roles when they
// move under the network and instance role components are checked by the
// URN golden test offline; this checks them under the real engine: a
// stack deployed with the old layout is updated to the components, and
// nothing is deleted or replaced, and the VPC and the role keep their IDs.
func TestComponentsAdoptTheOldBaseResourcesUnderTheRealEngine(t *testing.T) {
	repo, err := filepath.Abs("../..")
	require.NoError(t, err)
	cli, err := engine.FindCLI(repo)
	if err != nil {
		t.Skipf("no Pulumi CLI (%v); .ci/run builds one with .ci/pulumi-cli.sh", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	version, err := AWSPluginVersion(repo)
	require.NoError(t, err)
	plugin, err := BuildPlugin(ctx, repo, version, io.Discard)
	require.NoError(t, err)
	dir := t.TempDir()
	home, project := filepath.Join(dir, "home"), filepath.Join(dir, "project")
	for _, d := range []string{home, project, filepath.Join(dir, "state")} {
		require.NoError(t, os.MkdirAll(d, 0o750))
	}
	require.NoError(t, installPlugin(home, plugin, version))
	store, err := standin.OpenStore(filepath.Join(dir, "standin"))
	require.NoError(t, err)

	cmd, err := auto.NewPulumiCommand(&auto.PulumiCommandOptions{Root: filepath.Dir(filepath.Dir(cli))})
	require.NoError(t, err)
	proj := workspace.Project{Name: tokens.PackageName("video-platform"), Runtime: workspace.NewProjectRuntimeInfo("go", nil)}
	stack, err := auto.UpsertStackInlineSource(ctx, "prod", "video-platform", oldBaseLayout,
		auto.WorkDir(project), auto.Pulumi(cmd), auto.PulumiHome(home), auto.Project(proj),
		auto.EnvVars(map[string]string{
			"PULUMI_BACKEND_URL": "file://" + filepath.Join(dir, "state"), "PULUMI_CONFIG_PASSPHRASE": "aliases",
			"PULUMI_SKIP_UPDATE_CHECK": "true", "PULUMI_IGNORE_AMBIENT_PLUGINS": "true",
			"PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true", standin.StoreEnv: store.Dir(),
		}))
	require.NoError(t, err)
	require.NoError(t, stack.SetConfig(ctx, "aws:region", auto.ConfigValue{Value: "us-east-1"}))

	before, err := stack.Up(ctx)
	require.NoError(t, err, "deploy the old layout")
	stack.Workspace().SetProgram(newBaseLayout)
	after, err := stack.Up(ctx, optup.SuppressProgress())
	require.NoError(t, err, "update to the components")

	changes := after.Summary.ResourceChanges
	require.NotNil(t, changes)
	assert.Zero(t, (*changes)["delete"], "nothing deleted: %v", *changes)
	assert.Zero(t, (*changes)["replace"], "nothing replaced: %v", *changes)
	assert.Positive(t, (*changes)["create"], "the components and their new children are created: %v", *changes)
	assert.Equal(t, before.Outputs["vpcId"].Value, after.Outputs["vpcId"].Value, "the VPC is the same one")
	assert.Equal(t, before.Outputs["roleArn"].Value, after.Outputs["roleArn"].Value, "the role is the same one")
}
