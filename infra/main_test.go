package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/video-platform/video-platform/infra/cli"
	"github.com/video-platform/video-platform/infra/workflow"
)

// run is what main runs: the command tree on the real collaborators.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return cli.Execute(ctx, args, workflow.Deps{}, stdout, stderr)
}

func runInfra(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), append(args, "--root", ".."), &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func TestSynthExitCodes(t *testing.T) {
	code, out, errOut := runInfra(t, "synth", "staging")
	assert.Equal(t, 0, code, "a clean render exits 0: %s", errOut)
	assert.Contains(t, out, "== Live colors", "text render")

	code, _, errOut = runInfra(t, "synth", "prod", "--set", "prod-dns:live.web=purple")
	assert.Equal(t, 2, code, "a bad --set is a config error")
	assert.Contains(t, errOut, "video-platform:live.web", "names the key")
	assert.Contains(t, errOut, `"purple"`, "names the value")
	assert.NotContains(t, errOut, "goroutine", "no trace")
	assert.NotContains(t, errOut, "error occurred", "no multierror framing")
	assert.True(t, strings.HasPrefix(errOut, "infra synth: stack prod-dns: config video-platform:live.web"), "one sentence after the command: %q", errOut)

	code, _, errOut = runInfra(t, "synth", "prod", "--set", "prod-dns:nolive=1")
	assert.Equal(t, 2, code, "an undeclared key is a usage error")
	assert.Contains(t, errOut, `no config key "video-platform:nolive"`, "names the key")

	code, _, errOut = runInfra(t, "synth", "prod", "--set", "prod-transcoders:transcoders.instanceTypes=[\"c6i.xlarge\",\"c6a.xlarge\",\"c5n.9xlarge\"]")
	assert.Equal(t, 1, code, "a mandatory policy violation exits 1")
	assert.Contains(t, errOut, "mandatory policy violation", "says why")

	dir := t.TempDir()
	refused := filepath.Join(dir, "refused.json")
	code, _, errOut = runInfra(t, "synth", "prod", "--json", "--out", refused, "--set", "prod-web-green:copy.relase=2026.12.04-1")
	assert.Equal(t, 2, code, "a value the stack refuses is a config error: %s", errOut)
	data, err := os.ReadFile(filepath.Clean(refused))
	require.NoError(t, err, "the render is written all the same")
	var doc struct {
		Stacks       []any `json:"stacks"`
		ConfigErrors []struct {
			Stack string `json:"stack"`
		} `json:"configErrors"`
	}
	require.NoError(t, json.Unmarshal(data, &doc), "valid JSON")
	require.Len(t, doc.ConfigErrors, 1, "the refused value")
	assert.Equal(t, "prod-web-green", doc.ConfigErrors[0].Stack, "names the stack")
	assert.Empty(t, doc.Stacks, "and no stacks")

	code, out, errOut = runInfra(t, "synth", "prod", "--json", "--empty")
	assert.Equal(t, 0, code, "an empty render: %s", errOut)
	assert.JSONEq(t, `{"schemaVersion": 1, "env": "prod", "stacks": [], "cost": {"currency": "", "monthly": 0, "stacks": null}}`, out, "no stacks, versioned")

	code, _, errOut = runInfra(t, "synth")
	assert.Equal(t, 2, code, "missing env")
	assert.Contains(t, errOut, "expects <env>; got no arguments", "usage message")

	code, _, _ = runInfra(t, "launch")
	assert.Equal(t, 2, code, "unknown command")
}

func TestSynthJSONOutAndDiff(t *testing.T) {
	dir := t.TempDir()
	old, cur := filepath.Join(dir, "old.json"), filepath.Join(dir, "new.json")
	code, _, errOut := runInfra(t, "synth", "prod", "--json", "--out", old)
	require.Equal(t, 0, code, "synth --json: %s", errOut)
	code, _, errOut = runInfra(t, "synth", "--json", "--out", cur, "prod", "--set", "prod-dns:live.web=green")
	require.Equal(t, 0, code, "flags before and after the env: %s", errOut)

	data, err := os.ReadFile(filepath.Clean(old))
	require.NoError(t, err, "read render")
	var doc map[string]any
	require.NoError(t, json.Unmarshal(data, &doc), "valid JSON")
	assert.Equal(t, "prod", doc["env"], "env field")

	var stdout, stderr bytes.Buffer
	code = run(context.Background(), []string{"diff", old, cur, "--markdown"}, &stdout, &stderr)
	require.Equal(t, 0, code, "diff exits 0 even with differences: %s", stderr.String())
	md := stdout.String()
	assert.Equal(t, "web: blue → green", strings.SplitN(md, "\n", 2)[0], "the swap first")
	assert.Contains(t, md, "weightedRoutingPolicies[0].weight", "the weights change")
	assert.Contains(t, md, "```mermaid", "stack diagram")
	assert.Less(t, len(md), 60000, "under the comment limit")

	code = run(context.Background(), []string{"diff", old, filepath.Join(dir, "missing.json")}, &stdout, &stderr)
	assert.Equal(t, 2, code, "a missing render is a usage error")

	// A render from before schema versions: the same JSON without the field.
	delete(doc, "schemaVersion")
	unversioned, err := json.Marshal(doc)
	require.NoError(t, err, "marshal")
	legacy := filepath.Join(dir, "legacy.json")
	require.NoError(t, os.WriteFile(legacy, unversioned, 0o600), "write the unversioned render")
	stdout.Reset()
	stderr.Reset()
	code = run(context.Background(), []string{"diff", legacy, cur, "--markdown"}, &stdout, &stderr)
	assert.Equal(t, 2, code, "renders of different versions are refused")
	assert.Contains(t, stderr.String(), "base and head were rendered by different binaries", "says why")
	assert.Contains(t, stderr.String(), "legacy.json", "names the file")
	assert.Empty(t, stdout.String(), "no comment from renders it cannot compare")
}

func TestSwapDryRunWorksOffline(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("PULUMI_CLI", filepath.Join(t.TempDir(), "no-such-pulumi"))
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"swap", "prod", "web", "--dry-run"}, &stdout, &stderr)
	require.Equal(t, 0, code, "dry run needs no credentials or CLI: %s", stderr.String())
	out := stdout.String()
	assert.Contains(t, out, "prod-dns:live.web=green", "the change it would make")
	assert.Contains(t, out, "web-blue-a", "the blue weight changes")
	assert.Contains(t, out, "web-green-a", "the green weight changes")
	assert.Contains(t, out, "0 to add, 0 to remove", "nothing is added or removed")
}

func TestHelpAndUsageExitCodes(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"help", "swap"}, {"swap", "--help"}} {
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), args, &stdout, &stderr)
		assert.Equal(t, 0, code, "%q exits 0", args)
		assert.Contains(t, stdout.String(), "Usage:", "%q: help on stdout", args)
		assert.Empty(t, stderr.String(), "%q: nothing on stderr", args)
	}
	for _, args := range [][]string{nil, {"swap", "prod", "web", "--bogus"}} {
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), args, &stdout, &stderr)
		assert.Equal(t, 2, code, "%q exits 2", args)
		assert.Empty(t, stdout.String(), "%q: nothing on stdout", args)
		assert.NotEmpty(t, stderr.String(), "%q: usage or the error on stderr", args)
	}
}
