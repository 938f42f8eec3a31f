package instancerole

import (
	"encoding/json"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/video-platform/video-platform/internal/iampolicy"
	"github.com/video-platform/video-platform/internal/offline"
	"github.com/video-platform/video-platform/internal/offline/offlinetest"
)

const (
	typeRole       = "aws:iam/role:Role"
	typePolicy     = "aws:iam/rolePolicy:RolePolicy"
	typeAttachment = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
	typeProfile    = "aws:iam/instanceProfile:InstanceProfile"
	queueArn       = "arn:aws:sqs:us-east-1:123456789012:prod-transcoder-jobs-1"
	prefix         = "urn:pulumi:prod::video-platform::"
)

var stack = offline.Stack{Name: "prod", Config: map[string]string{"aws:region": "us-east-1"}}

func validArgs() *InstanceRoleArgs {
	return &InstanceRoleArgs{
		Env: "prod", Service: "transcoder", Tags: map[string]string{"team": "video", "service": "overridden"},
		Partition: "aws", Region: "us-east-1", Account: "123456789012",
		RepositoryName: "video-platform/prod/transcoder",
		QueueAccess:    QueueConsume, QueueArn: pulumi.String(queueArn),
	}
}

func run(t *testing.T, args *InstanceRoleArgs) *offline.Result {
	t.Helper()
	return offlinetest.Run(t, stack, func(ctx *pulumi.Context) (pulumi.Map, error) {
		r, err := NewInstanceRole(ctx, args.Service, args)
		if err != nil {
			return nil, err
		}
		return pulumi.Map{"role": r.RoleName, "roleArn": r.RoleArn, "profile": r.InstanceProfileName, "profileArn": r.InstanceProfileArn}, nil
	})
}

// actions maps each allowed action of a tier's policy to its resources.
func actions(t *testing.T, res *offline.Result, name string) map[string][]string {
	t.Helper()
	var doc iampolicy.Document
	require.NoError(t, json.Unmarshal([]byte(offlinetest.Input(t, offlinetest.Find(t, res, typePolicy, name), "policy").(string)), &doc), "the policy is JSON")
	out := map[string][]string{}
	for _, s := range doc.Statement {
		require.Equal(t, "Allow", s.Effect, "%s only allows", s.Sid)
		for _, a := range s.Action {
			out[a] = s.Resource
		}
	}
	return out
}

func TestRoleIsForEc2AndTaggedAndNamedFromEnvAndService(t *testing.T) {
	res := run(t, validArgs())
	role := offlinetest.Find(t, res, typeRole, "transcoder-role")
	assert.Equal(t, "prod-transcoder-", offlinetest.Input(t, role, "namePrefix"), "named from env and service")
	assert.Equal(t, map[string]any{"env": "prod", "service": "transcoder", "managed-by": "pulumi", "team": "video"},
		offlinetest.Input(t, role, "tags"), "the component's tags win over the caller's")
	var trust iampolicy.Document
	require.NoError(t, json.Unmarshal([]byte(offlinetest.Input(t, role, "assumeRolePolicy").(string)), &trust), "trust policy is JSON")
	assert.Equal(t, map[string]string{"Service": "ec2.amazonaws.com"}, trust.Statement[0].Principal, "instances take the role")

	ssm := offlinetest.Find(t, res, typeAttachment, "transcoder-ssm")
	assert.Equal(t, "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore", offlinetest.Input(t, ssm, "policyArn"), "Session Manager instead of SSH")
	profile := offlinetest.Find(t, res, typeProfile, "transcoder-profile")
	assert.Equal(t, offline.Placeholder(typeRole, "name", "transcoder-role"), offlinetest.Input(t, profile, "role"), "the profile carries the role")
	assert.Equal(t, offline.Placeholder(typeProfile, "name", "transcoder-profile"), res.Outputs["profile"], "the profile's name is an output")
	assert.Equal(t, offline.Placeholder(typeRole, "arn", "transcoder-role"), res.Outputs["roleArn"], "and the role's ARN")
}

func TestPolicyGrantsOnlyWhatTheTierNeeds(t *testing.T) {
	res := run(t, validArgs())
	tr := actions(t, res, "transcoder-policy")
	assert.Equal(t, []string{queueArn}, tr["sqs:ReceiveMessage"], "a consumer receives from its queue")
	assert.Equal(t, []string{queueArn}, tr["sqs:DeleteMessage"], "and deletes there")
	assert.NotContains(t, tr, "sqs:SendMessage", "but submits nothing")
	assert.Equal(t, []string{"arn:aws:ecr:us-east-1:123456789012:repository/video-platform/prod/transcoder"}, tr["ecr:BatchGetImage"], "pulls its own images only")
	assert.Equal(t, []string{"arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:*:autoScalingGroupName/prod-transcoder-*"},
		tr["autoscaling:CompleteLifecycleAction"], "completes the hooks of its own groups only")
	assert.Equal(t, []string{
		"arn:aws:logs:us-east-1:123456789012:log-group:/video-platform/prod/transcoder-*",
		"arn:aws:logs:us-east-1:123456789012:log-group:/video-platform/prod/transcoder-*:log-stream:*",
	}, tr["logs:PutLogEvents"], "writes its own logs only")

	send := validArgs()
	send.Service, send.QueueAccess = "web", QueueSend
	web := actions(t, run(t, send), "web-policy")
	assert.Equal(t, []string{queueArn}, web["sqs:SendMessage"], "a sender submits jobs")
	assert.NotContains(t, web, "sqs:ReceiveMessage", "and consumes none")

	none := validArgs()
	none.Service, none.QueueAccess, none.QueueArn = "recorder", QueueNone, nil
	for action := range actions(t, run(t, none), "recorder-policy") {
		assert.NotContains(t, action, "sqs:", "no queue access without QueueAccess")
	}
}

// TestChildrenAliasTheURNsTheyHadInTheBaseStack: the base stack declared
// the role and profile at its top level, and the policy and attachment as
// children of the role, before this component existed.
func TestChildrenAliasTheURNsTheyHadInTheBaseStack(t *testing.T) {
	res := run(t, validArgs())
	under := prefix + TypeToken + "$"
	assert.Equal(t, map[string][]string{
		under + typeRole + "::transcoder-role":                       {prefix + typeRole + "::transcoder-role"},
		under + typeProfile + "::transcoder-profile":                 {prefix + typeProfile + "::transcoder-profile"},
		under + typeRole + "$" + typePolicy + "::transcoder-policy":  {prefix + typeRole + "$" + typePolicy + "::transcoder-policy"},
		under + typeRole + "$" + typeAttachment + "::transcoder-ssm": {prefix + typeRole + "$" + typeAttachment + "::transcoder-ssm"},
	}, res.Aliases, "every child, and only the children, alias their old URNs")
}

func TestWithDefaultsDoesNotShareTheCallersTags(t *testing.T) {
	args := validArgs()
	args.withDefaults().Tags["x"] = "y"
	assert.NotContains(t, args.Tags, "x", "caller's tags untouched")
}

func TestBadArgs(t *testing.T) {
	cases := []offlinetest.Case[InstanceRoleArgs]{
		{Name: "missing env", Edit: func(a *InstanceRoleArgs) { a.Env = "" }, Want: []string{`Env: "" is not accepted`}},
		{Name: "bad service", Edit: func(a *InstanceRoleArgs) { a.Service = "Web" }, Want: []string{`Service: "Web" is not accepted`}},
		{Name: "long prefix", Edit: func(a *InstanceRoleArgs) { a.Service = "a-service-name-far-too-long-for-iam-names" }, Want: []string{"whose role name prefix"}},
		{Name: "bad partition", Edit: func(a *InstanceRoleArgs) { a.Partition = "" }, Want: []string{`Partition: "" is not accepted; accepted an AWS partition`}},
		{Name: "bad region", Edit: func(a *InstanceRoleArgs) { a.Region = "moon" }, Want: []string{`Region: "moon" is not accepted`}},
		{Name: "bad account", Edit: func(a *InstanceRoleArgs) { a.Account = "1234" }, Want: []string{`Account: "1234" is not accepted; accepted a 12-digit AWS account ID`}},
		{Name: "bad repository", Edit: func(a *InstanceRoleArgs) { a.RepositoryName = "Video/Web" }, Want: []string{`RepositoryName: "Video/Web" is not accepted`}},
		{Name: "unknown access", Edit: func(a *InstanceRoleArgs) { a.QueueAccess = "admin" }, Want: []string{`QueueAccess: "admin" is not accepted; accepted "", "send" or "consume"`}},
		{Name: "access without a queue", Edit: func(a *InstanceRoleArgs) { a.QueueArn = nil }, Want: []string{`QueueArn: (unset) is not accepted; accepted the job queue's ARN, which QueueAccess "consume" needs`}},
		{Name: "a queue without access", Edit: func(a *InstanceRoleArgs) { a.QueueAccess = QueueNone }, Want: []string{"QueueArn: \"a queue ARN\" is not accepted; accepted nil with QueueAccess QueueNone"}},
	}
	offlinetest.BadArgs[InstanceRoleArgs]{
		Stack: stack, Valid: validArgs, Component: `instancerole "transcoder"`,
		New: func(ctx *pulumi.Context, a *InstanceRoleArgs) error {
			_, err := NewInstanceRole(ctx, "transcoder", a)
			return err
		},
	}.Run(t, cases)
}

func TestCheckLeavesTheQueueArnToValidate(t *testing.T) {
	a := validArgs()
	a.QueueArn = nil
	assert.Empty(t, a.Check(), "the queue is declared after the config is checked")
	assert.ErrorContains(t, a.Validate(), "QueueArn", "Validate needs it")
}

func TestNilArgs(t *testing.T) {
	res, err := offlinetest.RunRejected(t, stack, func(ctx *pulumi.Context) error {
		_, err := NewInstanceRole(ctx, "web", nil)
		return err
	})
	assert.Contains(t, err.Error(), "args: nil", "error says args are nil")
	assert.Empty(t, res.Resources, "nothing is registered")
}
