package stacks

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// realCLI finds a Pulumi CLI where infra looks for one ($PULUMI_CLI, the
// one .ci/pulumi-cli.sh builds, PATH), or skips the test.
func realCLI(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("PULUMI_CLI"); p != "" {
		return p
	}
	if p, err := filepath.Abs("../.cache/pulumi-cli/bin/pulumi"); err == nil {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("pulumi"); err == nil {
		return p
	}
	t.Skip("no Pulumi CLI at $PULUMI_CLI, .cache/pulumi-cli/bin/pulumi or on PATH; run .ci/pulumi-cli.sh to build one")
	return ""
}

// The offline runs above answer StackReferences and list config keys the
// way the engine does; this checks it against the engine itself, with the
// committed Pulumi.yaml: a stack deployed before its base says which to
// deploy first instead of the engine's `unknown stack "organization/..."`,
// and a key nobody declared is refused with the config the engine passes.
func TestUnderTheRealEngine(t *testing.T) {
	cli := realCLI(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	tmp := t.TempDir()
	project := filepath.Join(tmp, "project")
	require.NoError(t, os.MkdirAll(filepath.Join(tmp, "state"), 0o750), "state dir")
	require.NoError(t, os.MkdirAll(project, 0o750), "project dir")
	for _, f := range []string{"Pulumi.yaml", "Pulumi.prod-web-blue.yaml"} {
		data, err := os.ReadFile(filepath.Join("..", f)) //nolint:gosec // the repository's own project files
		require.NoError(t, err, "read %s", f)
		require.NoError(t, os.WriteFile(filepath.Join(project, f), data, 0o600), "copy %s", f) //nolint:gosec // G703 taints the copied contents, not the path, which is under t.TempDir()
	}
	cmd, err := auto.NewPulumiCommand(&auto.PulumiCommandOptions{Root: filepath.Dir(filepath.Dir(cli))})
	require.NoError(t, err, "the CLI at %s", cli)
	ws, err := auto.NewLocalWorkspace(ctx, auto.WorkDir(project), auto.Program(Main), auto.Pulumi(cmd),
		auto.PulumiHome(filepath.Join(tmp, "home")),
		auto.EnvVars(map[string]string{
			"PULUMI_BACKEND_URL":       "file://" + filepath.Join(tmp, "state"),
			"PULUMI_CONFIG_PASSPHRASE": "test",
			"PULUMI_SKIP_UPDATE_CHECK": "true",
		}))
	require.NoError(t, err, "workspace")
	copyStack, err := auto.UpsertStack(ctx, "prod-web-blue", ws)
	require.NoError(t, err, "create prod-web-blue")

	const first = "stack prod-web-blue reads the outputs of prod, which is not deployed: run `infra up prod --stack prod` (or pulumi up -s prod) first"
	_, err = copyStack.Preview(ctx)
	require.Error(t, err, "no base stack")
	assert.Contains(t, err.Error(), first, "says which stack to deploy first")
	assert.NotContains(t, err.Error(), `unknown stack "`, "not the engine's words")

	_, err = auto.UpsertStack(ctx, "prod", ws)
	require.NoError(t, err, "create prod, deploy nothing")
	_, err = copyStack.Preview(ctx)
	require.Error(t, err, "a base stack that holds nothing")
	assert.Contains(t, err.Error(), first, "is not deployed either")

	require.NoError(t, copyStack.SetConfig(ctx, "keepImage", auto.ConfigValue{Value: "3"}), "a key nobody declared")
	_, err = copyStack.Preview(ctx)
	require.Error(t, err, "refused")
	assert.Contains(t, err.Error(), "stack prod-web-blue: config video-platform:keepImage is not a key of this project; accepted: in a copy stack, video-platform:copy",
		"the keys the engine passes are listed, those Pulumi.yaml gives every stack are not refused")
}
