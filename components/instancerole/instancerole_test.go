package instancerole

import (
	"encoding/json"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/video-platform/video-platform/internal/contract"
	"github.com/video-platform/video-platform/internal/iampolicy"
	"github.com/video-platform/video-platform/internal/offline"
	"github.com/video-platform/video-platform/internal/offline/offlinetest"
	"github.com/video-platform/video-platform/internal/render"
)

const (
	typeRole       = "aws:iam/role:Role"
	typePolicy     = "aws:iam/rolePolicy:RolePolicy"
	typeAttachment = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
	typeProfile    = "aws:iam/instanceProfile:InstanceProfile"
	queueARN       = "arn:aws:sqs:us-east-1:123456789012:prod-transcoder-jobs-1"
	prefix         = "urn:pulumi:prod::video-platform::"
)

// roles declares instance roles offline for these tests.
var roles = offlinetest.Component[InstanceRoleArgs, InstanceRole]{
	Stack: offline.Stack{Name: "prod", Config: map[string]string{"aws:region": "us-east-1"}},
	New:   NewInstanceRole,
}

func validArgs() *InstanceRoleArgs {
	return &InstanceRoleArgs{
		Identity:  contract.Identity{Env: "prod", Service: "transcoder", Tags: map[string]string{"team": "video"}},
		Partition: "aws", Region: "us-east-1", Account: "123456789012",
		RepositoryName: "video-platform/prod/transcoder",
		QueueAccess:    QueueConsume, QueueARN: pulumi.String(queueARN),
	}
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
	res := roles.Run(t, "transcoder", validArgs())
	role := offlinetest.Find(t, res, typeRole, "transcoder-role")
	profile := offlinetest.Find(t, res, typeProfile, "transcoder-profile")
	for _, r := range []render.Resource{role, profile} {
		assert.Equal(t, "prod-transcoder-", offlinetest.Input(t, r, "namePrefix"), "%s is named from env and service", r.Name)
		offlinetest.HasInputs(t, r, map[string]any{
			"tags.env": "prod", "tags.service": "transcoder", "tags.managed-by": "pulumi", "tags.team": "video",
		})
		_, colored := r.Input("tags.color")
		assert.False(t, colored, "%s serves both copies: no color tag", r.Name)
	}
	var trust iampolicy.Document
	require.NoError(t, json.Unmarshal([]byte(offlinetest.Input(t, role, "assumeRolePolicy").(string)), &trust), "trust policy is JSON")
	assert.Equal(t, map[string]string{"Service": "ec2.amazonaws.com"}, trust.Statement[0].Principal, "instances take the role")

	ssm := offlinetest.Find(t, res, typeAttachment, "transcoder-ssm")
	assert.Equal(t, "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore", offlinetest.Input(t, ssm, "policyArn"), "Session Manager instead of SSH")
	assert.Equal(t, offline.Placeholder(typeRole, "name", "transcoder-role"), offlinetest.Input(t, profile, "role"), "the profile carries the role")
	assert.Equal(t, offline.Placeholder(typeProfile, "name", "transcoder-profile"), res.Outputs["InstanceProfileName"], "the profile's name is an output")
	assert.Equal(t, offline.Placeholder(typeProfile, "arn", "transcoder-profile"), res.Outputs["InstanceProfileARN"], "and its ARN")
	assert.Equal(t, offline.Placeholder(typeRole, "name", "transcoder-role"), res.Outputs["RoleName"], "and the role's name")
	assert.Equal(t, offline.Placeholder(typeRole, "arn", "transcoder-role"), res.Outputs["RoleARN"], "and the role's ARN")
}

// The role, its policy and attachment and the profile are fields of the
// component, as awsx exposes children.
func TestChildrenAreExposed(t *testing.T) {
	got, _ := roles.Declared(t, "transcoder", validArgs())
	offlinetest.Exposes(t, got, "Role", "Policy", "SSMAttachment", "InstanceProfile")
}

func TestPolicyGrantsOnlyWhatTheTierNeeds(t *testing.T) {
	tr := actions(t, roles.Run(t, "transcoder", validArgs()), "transcoder-policy")
	assert.Equal(t, []string{queueARN}, tr["sqs:ReceiveMessage"], "a consumer receives from its queue")
	assert.Equal(t, []string{queueARN}, tr["sqs:DeleteMessage"], "and deletes there")
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
	web := actions(t, roles.Run(t, "web", send), "web-policy")
	assert.Equal(t, []string{queueARN}, web["sqs:SendMessage"], "a sender submits jobs")
	assert.NotContains(t, web, "sqs:ReceiveMessage", "and consumes none")

	none := validArgs()
	none.Service, none.QueueAccess, none.QueueARN = "recorder", QueueNone, nil
	for action := range actions(t, roles.Run(t, "recorder", none), "recorder-policy") {
		assert.NotContains(t, action, "sqs:", "no queue access without QueueAccess")
	}
}

// TestChildrenAliasTheURNsTheyHadInTheBaseStack: the base stack declared
// the role and profile at its top level, and the policy and attachment as
// children of the role, before this component existed.
func TestChildrenAliasTheURNsTheyHadInTheBaseStack(t *testing.T) {
	res := roles.Run(t, "transcoder", validArgs())
	under, role := prefix+TypeToken+"$", typeRole+"$"
	for now, old := range map[string]string{
		under + typeRole + "::transcoder-role":             typeRole + "::transcoder-role",
		under + typeProfile + "::transcoder-profile":       typeProfile + "::transcoder-profile",
		under + role + typePolicy + "::transcoder-policy":  role + typePolicy + "::transcoder-policy",
		under + role + typeAttachment + "::transcoder-ssm": role + typeAttachment + "::transcoder-ssm",
	} {
		assert.Equal(t, []string{prefix + old}, res.Aliases[now], "%s aliases its URN in the base stack", now)
	}
	assert.Empty(t, res.Aliases[offlinetest.Find(t, res, TypeToken, "transcoder").URN], "the component itself is new")
	assert.Len(t, res.Aliases, 4, "the four children, and only they, alias old URNs")
}

func TestBadArgs(t *testing.T) {
	cases := []offlinetest.Case[InstanceRoleArgs]{
		{Name: "missing env", Edit: func(a *InstanceRoleArgs) { a.Env = "" }, Want: []string{`Env: "" is not accepted; accepted ` + contract.NameAccepted}},
		{Name: "bad service", Edit: func(a *InstanceRoleArgs) { a.Service = "Web" }, Want: []string{`Service: "Web" is not accepted`}},
		{Name: "a color", Edit: func(a *InstanceRoleArgs) { a.Color = "blue" }, Want: []string{`Color: "blue" is not accepted; accepted "": both copies of a tier run as its one role`}},
		{Name: "a reserved tag", Edit: func(a *InstanceRoleArgs) { a.Tags = map[string]string{"service": "overridden"} }, Want: []string{`Tags: "service" is not accepted`}},
		{Name: "long prefix", Edit: func(a *InstanceRoleArgs) { a.Env, a.Service = "prod-environment-one", "transcoder-pool-spot" }, Want: []string{"whose role name prefix"}},
		{Name: "bad partition", Edit: func(a *InstanceRoleArgs) { a.Partition = "" }, Want: []string{`Partition: "" is not accepted; accepted an AWS partition`}},
		{Name: "bad region", Edit: func(a *InstanceRoleArgs) { a.Region = "moon" }, Want: []string{`Region: "moon" is not accepted`}},
		{Name: "bad account", Edit: func(a *InstanceRoleArgs) { a.Account = "1234" }, Want: []string{`Account: "1234" is not accepted; accepted a 12-digit AWS account ID`}},
		{Name: "bad repository", Edit: func(a *InstanceRoleArgs) { a.RepositoryName = "Video/Web" }, Want: []string{`RepositoryName: "Video/Web" is not accepted`}},
		{Name: "unknown access", Edit: func(a *InstanceRoleArgs) { a.QueueAccess = "admin" }, Want: []string{`QueueAccess: "admin" is not accepted; accepted "", "send" or "consume"`}},
		{Name: "access without a queue", Edit: func(a *InstanceRoleArgs) { a.QueueARN = nil }, Want: []string{`QueueARN: (unset) is not accepted; accepted the job queue's ARN, which QueueAccess "consume" needs`}},
		{Name: "a queue without access", Edit: func(a *InstanceRoleArgs) { a.QueueAccess = QueueNone }, Want: []string{`QueueARN: "a queue ARN" is not accepted; accepted nil with QueueAccess QueueNone`}},
	}
	roles.BadArgs(t, "transcoder", validArgs, cases)
}

// A stack validates the args it maps from config before the queue exists:
// the queue's ARN is the one input left unset, which it skips.
func TestTheQueueARNIsAnInput(t *testing.T) {
	a := validArgs()
	a.QueueARN = nil
	fields := contract.FieldErrors(a.Validate())
	require.Len(t, fields, 1, "only the queue is missing")
	assert.Equal(t, "QueueARN", fields[0].Field, "the queue's ARN")
	assert.True(t, fields[0].Input, "is an input, set once the queue is declared")
}

func TestNilArgs(t *testing.T) {
	res, err := roles.Rejected(t, "web", nil)
	assert.Equal(t, `instancerole "web": args are required`, err.Error(), "message")
	assert.Empty(t, res.Resources, "nothing is registered")
}
