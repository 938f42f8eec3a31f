package engine

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/video-platform/video-platform/infra/decide"
)

// realCLI finds a Pulumi CLI or skips: this test drives the real engine.
func realCLI(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("../..")
	require.NoError(t, err, "repo root")
	cli, err := FindCLI(root)
	if err != nil {
		t.Skipf("no Pulumi CLI at $PULUMI_CLI, %s/.cache/pulumi-cli/bin/pulumi or on PATH; run .ci/pulumi-cli.sh to build one (%v)", root, err)
	}
	return cli
}

type testComponent struct {
	pulumi.ResourceState
}

// program needs no provider plugin: components only, plus a
// StackReference, which the engine's builtin provider reads.
func program(ctx *pulumi.Context) error {
	switch ctx.Stack() {
	case "base":
		ctx.Export("queue", pulumi.Map{"url": pulumi.String("https://sqs/q")})
		return nil
	case "dns":
		var live map[string]string
		if err := config.New(ctx, "video-platform").TryObject("live", &live); err != nil {
			return err
		}
		zone := &testComponent{}
		if err := ctx.RegisterComponentResource("test:dns:Zone", "zone", zone); err != nil {
			return err
		}
		recs := &testComponent{}
		if err := ctx.RegisterComponentResource("video-platform:dns:DnsRecords", "web", recs); err != nil {
			return err
		}
		rec := &testComponent{}
		if err := ctx.RegisterComponentResource(decide.RecordType, "web-"+live["web"]+"-a", rec, pulumi.Parent(recs)); err != nil {
			return err
		}
		base, err := pulumi.NewStackReference(ctx, "organization/deploytest/base", nil)
		if err != nil {
			return err
		}
		ctx.Export("live", pulumi.ToStringMap(live))
		ctx.Export("queueUrl", base.GetOutput(pulumi.String("queue")).ApplyT(func(q any) string {
			m, _ := q.(map[string]any)
			s, _ := m["url"].(string)
			return s
		}))
		return nil
	}
	return errors.New("unknown stack " + ctx.Stack())
}

func TestRealCLI(t *testing.T) {
	cli := realCLI(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	tmp := t.TempDir()
	project := filepath.Join(tmp, "project")
	require.NoError(t, os.MkdirAll(project, 0o750), "project dir")
	require.NoError(t, os.MkdirAll(filepath.Join(tmp, "state"), 0o750), "state dir")
	require.NoError(t, os.WriteFile(filepath.Join(project, "Pulumi.yaml"), []byte("name: deploytest\nruntime: go\n"), 0o600), "Pulumi.yaml")
	cmd, err := CLICommand(cli)
	require.NoError(t, err, "CLI command for %s", cli)
	opts := []auto.LocalWorkspaceOption{
		auto.WorkDir(project),
		auto.Program(program),
		auto.Pulumi(cmd),
		auto.PulumiHome(filepath.Join(tmp, "home")),
		auto.EnvVars(map[string]string{
			"PULUMI_BACKEND_URL":       "file://" + filepath.Join(tmp, "state"),
			"PULUMI_CONFIG_PASSPHRASE": "test",
			"PULUMI_SKIP_UPDATE_CHECK": "true",
		}),
	}
	ws, err := auto.NewLocalWorkspace(ctx, opts...)
	require.NoError(t, err, "workspace")
	for _, name := range []string{"base", "dns"} {
		_, err := auto.UpsertStack(ctx, name, ws)
		require.NoError(t, err, "create stack %s", name)
	}

	p, err := NewAutoPulumi(ctx, opts...)
	require.NoError(t, err, "AutoPulumi")
	_, err = p.Stack(ctx, "missing")
	assert.ErrorIs(t, err, ErrNoStack, "a missing stack is ErrNoStack")

	dns, err := p.Stack(ctx, "dns")
	require.NoError(t, err, "select dns")
	require.NoError(t, dns.SetConfig(ctx, "live.web", "blue"), "set by path")
	require.NoError(t, dns.SetConfig(ctx, "previous.web.color", "green"), "set nested path")
	raw, err := os.ReadFile(filepath.Clean(filepath.Join(project, "Pulumi.dns.yaml")))
	require.NoError(t, err, "the stack's config file is written")
	assert.Contains(t, string(raw), "video-platform:live:\n    web: blue", "live.web is an object entry in Pulumi.dns.yaml")
	assert.Contains(t, string(raw), "video-platform:previous:\n    web:\n      color: green", "nested path written as nested objects")

	require.NoError(t, dns.SetConfig(ctx, "copy.capacity.desired", "0"), "set a number by path")
	require.NoError(t, dns.SetConfig(ctx, "transcoders.draining[0]", "r1"), "set a list element by path")
	raw, err = os.ReadFile(filepath.Clean(filepath.Join(project, "Pulumi.dns.yaml")))
	require.NoError(t, err, "reread config file")
	assert.Contains(t, string(raw), "desired: 0\n", "numbers set by path are stored as YAML numbers, as the stacks expect")
	assert.Contains(t, string(raw), "draining:\n      - r1", "list element written as a YAML list")
	require.NoError(t, dns.RemoveConfig(ctx, "copy"), "remove object")
	require.NoError(t, dns.RemoveConfig(ctx, "transcoders"), "remove object")

	v, found, err := dns.GetConfig(ctx, "live.web")
	require.NoError(t, err, "get by path")
	assert.True(t, found, "found")
	assert.Equal(t, "blue", v, "value by path")
	_, found, err = dns.GetConfig(ctx, "live.recorder")
	require.NoError(t, err, "a missing path is not an error")
	assert.False(t, found, "missing path not found")
	v, found, err = dns.GetConfig(ctx, "live")
	require.NoError(t, err, "get object")
	assert.True(t, found, "object found")
	assert.JSONEq(t, `{"web":"blue"}`, v, "objects come back as JSON")
	require.NoError(t, dns.RemoveConfig(ctx, "previous.web.color"), "remove by path")
	require.NoError(t, dns.RemoveConfig(ctx, "previous.nothing"), "removing a missing path is fine")
	_, found, err = dns.GetConfig(ctx, "previous.web.color")
	require.NoError(t, err, "get removed")
	assert.False(t, found, "removed")

	base, err := p.Stack(ctx, "base")
	require.NoError(t, err, "select base")
	var progress strings.Builder
	_, err = base.Up(ctx, RunOptions{Progress: &progress})
	require.NoError(t, err, "up base: %s", progress.String())
	assert.Contains(t, progress.String(), "Updating", "the engine's progress reaches the writer")
	_, err = dns.Up(ctx, RunOptions{})
	require.NoError(t, err, "up dns")

	outs, err := dns.Outputs(ctx)
	require.NoError(t, err, "outputs")
	assert.Equal(t, "https://sqs/q", outs["queueUrl"], "the StackReference read the base stack's output")
	assert.Equal(t, map[string]any{"web": "blue"}, outs["live"], "object output")

	u, err := dns.LastUpdate(ctx)
	require.NoError(t, err, "history")
	require.NotNil(t, u, "one update")
	assert.Equal(t, "update", u.Kind, "kind")
	assert.Equal(t, "succeeded", u.Result, "result")
	assert.False(t, u.EndTime.IsZero(), "end time parsed")

	require.NoError(t, dns.SetConfig(ctx, "live.web", "green"), "swap config")
	res, err := dns.Preview(ctx, RunOptions{})
	require.NoError(t, err, "preview")
	ops := map[string]string{}
	for _, s := range res.Steps {
		ops[s.Name()] = s.Op
	}
	assert.Equal(t, "create", ops["web-green-a"], "the new record is created: %v", res.Steps)
	assert.Equal(t, "delete", ops["web-blue-a"], "the old record is deleted: %v", res.Steps)
	assert.Equal(t, "same", ops["zone"], "the zone is unchanged: %v", res.Steps)
	assert.Empty(t, decide.UnrelatedSteps(res.Steps, "web"), "only web records change")
	assert.NotEmpty(t, decide.UnrelatedSteps(res.Steps, "recorder"), "for the recorder these changes are unrelated")
	assert.Equal(t, 1, res.Changes["create"], "change summary counts the create")
}

func TestCLIScriptIsExecutable(t *testing.T) {
	st, err := os.Stat("../../.ci/pulumi-cli.sh")
	require.NoError(t, err, "the build script exists")
	assert.NotZero(t, st.Mode()&0o111, "the build script is executable")
	if _, err := exec.LookPath("bash"); err == nil {
		out, err := exec.Command("bash", "-n", "../../.ci/pulumi-cli.sh").CombinedOutput()
		assert.NoError(t, err, "the build script parses: %s", out)
	}
}
