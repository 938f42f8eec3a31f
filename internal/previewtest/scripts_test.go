package previewtest

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCIScripts checks that the CI scripts are executable, so that the
// workflows can run them directly, and shellcheck-clean when shellcheck is
// installed (.ci/lint installs it and checks every script in CI).
func TestCIScripts(t *testing.T) {
	root := repoRoot(t)
	scripts := []string{".ci/lint", ".ci/offline-preview.sh"}
	for _, s := range scripts {
		info, err := os.Stat(filepath.Join(root, s))
		require.NoError(t, err, "%s exists", s)
		assert.NotZero(t, info.Mode().Perm()&0o111, "%s is executable (chmod +x)", s)
	}
	shellcheck, err := exec.LookPath("shellcheck")
	if err != nil {
		t.Skip("shellcheck is not installed; .ci/lint installs it")
	}
	for _, s := range scripts {
		cmd := exec.Command(shellcheck, "--external-sources", s) //nolint:gosec // shellcheck on the repository's own scripts, a fixed list
		cmd.Dir = root
		out, err := cmd.CombinedOutput()
		assert.NoError(t, err, "shellcheck %s:\n%s", s, out)
	}
}
