// Package topologytest builds, for tests, a copy of the project whose
// topology declares more than the repository's: the env dev and the
// service api, added by config files alone (testdata/third-env-and-service).
package topologytest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"

	"github.com/video-platform/video-platform/internal/topology"
)

// ExtensionDir is where the added config files live, under the repository
// root.
const ExtensionDir = "testdata/third-env-and-service"

// Extended copies the project at repoRoot (Pulumi.yaml, the stack files and
// the policy configs) to a temporary directory, lays the extension's files
// over it and declares its topology.json in Pulumi.yaml. It returns the
// copy's root.
func Extended(t testing.TB, repoRoot string) string {
	t.Helper()
	root := t.TempDir()
	copyGlob(t, repoRoot, root, "Pulumi*.yaml")
	copyGlob(t, filepath.Join(repoRoot, "policies"), filepath.Join(root, "policies"), "config.*.json")
	ext := filepath.Join(repoRoot, ExtensionDir)
	copyGlob(t, ext, root, "Pulumi.*.yaml")
	copyGlob(t, filepath.Join(ext, "policies"), filepath.Join(root, "policies"), "*.json")

	raw, err := os.ReadFile(filepath.Join(ext, "topology.json")) //nolint:gosec // the extension's own file under the repository root
	if err != nil {
		t.Fatalf("read topology.json: %v", err)
	}
	var value any
	if err := json.Unmarshal(raw, &value); err != nil {
		t.Fatalf("topology.json: %v", err)
	}
	Declare(t, root, value)
	return root
}

// Declare sets value, as YAML would decode it, as the topology the
// Pulumi.yaml at root declares for the whole project.
func Declare(t testing.TB, root string, value any) {
	t.Helper()
	proj, err := workspace.LoadProject(filepath.Join(root, "Pulumi.yaml"))
	if err != nil {
		t.Fatalf("load the Pulumi.yaml at %s: %v", root, err)
	}
	key := topology.ProjectName + ":" + topology.ConfigKey
	decl := proj.Config[key]
	decl.Default, decl.Value = nil, value
	proj.Config[key] = decl
	if err := proj.Save(filepath.Join(root, "Pulumi.yaml")); err != nil {
		t.Fatalf("declare the topology in %s: %v", root, err)
	}
}

func copyGlob(t testing.TB, from, to, pattern string) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(from, pattern))
	if err != nil || len(files) == 0 {
		t.Fatalf("no %s in %s (%v)", pattern, from, err)
	}
	if err := os.MkdirAll(to, 0o750); err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		data, err := os.ReadFile(f) //nolint:gosec // test input under the repository root
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(to, filepath.Base(f)), data, 0o600); err != nil { //nolint:gosec // G703 taints the copied contents, not the path, which is under t.TempDir()
			t.Fatal(err)
		}
	}
}
