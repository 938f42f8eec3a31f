package engine

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/video-platform/video-platform/internal/stackconfig"
	"github.com/video-platform/video-platform/internal/topology"
)

// TestRealCLIAcceptsTheProjectAndEveryStackConfig loads the repository's own
// Pulumi.yaml and each committed Pulumi.<stack>.yaml with the real CLI. The
// engine checks the declared config schema (types, and that every declared
// key without a default is set), which no offline render can.
func TestRealCLIAcceptsTheProjectAndEveryStackConfig(t *testing.T) {
	cli := realCLI(t)
	dir := t.TempDir()
	files, err := filepath.Glob("../../Pulumi*.yaml")
	require.NoError(t, err, "list project files")
	require.Len(t, files, 15, "Pulumi.yaml and 14 stack files")
	for _, f := range files {
		data, err := os.ReadFile(f) //nolint:gosec // the repository's own project files
		require.NoError(t, err, "read %s", f)
		require.NoError(t, os.WriteFile(filepath.Join(dir, filepath.Base(f)), data, 0o600), "copy %s", f) //nolint:gosec // G703 taints the copied contents, not the path, which is under t.TempDir()
	}
	env := append(os.Environ(),
		"PULUMI_BACKEND_URL=file://"+filepath.Join(dir, "state"),
		"PULUMI_CONFIG_PASSPHRASE=test",
		"PULUMI_SKIP_UPDATE_CHECK=true",
		"PULUMI_HOME="+filepath.Join(dir, "home"),
	)
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "state"), 0o750), "state dir")
	pulumi := func(args ...string) ([]byte, error) {
		cmd := exec.Command(cli, append(args, "--non-interactive")...) //nolint:gosec // the test's own CLI and arguments
		cmd.Dir, cmd.Env = dir, env
		return cmd.CombinedOutput()
	}
	topo, err := stackconfig.LoadTopology("../..")
	require.NoError(t, err, "the repository's topology")
	for _, envName := range topo.EnvNames() {
		for _, id := range topo.EnvStacks(envName) {
			out, err := pulumi("stack", "init", id.Name)
			require.NoError(t, err, "stack init %s: %s", id.Name, out)
			out, err = pulumi("config", "--json", "-s", id.Name)
			require.NoError(t, err, "the engine accepts the config of %s: %s", id.Name, out)
			var cfg map[string]struct {
				Value       any `json:"value"`
				ObjectValue any `json:"objectValue"`
			}
			require.NoError(t, json.Unmarshal(out, &cfg), "config of %s is JSON", id.Name)
			assert.Equal(t, "us-east-1", cfg["aws:region"].Value, "%s has its region", id.Name)
			key := map[topology.Kind]string{
				topology.KindBase: "video-platform:network", topology.KindCopy: "video-platform:copy",
				topology.KindTranscoders: "video-platform:transcoders", topology.KindDNS: "video-platform:live",
			}[id.Kind]
			obj, ok := cfg[key].ObjectValue.(map[string]any)
			require.True(t, ok, "%s: %s is an object", id.Name, key)
			assert.NotEmpty(t, obj, "%s: %s is set, not just defaulted", id.Name, key)
		}
	}
}
