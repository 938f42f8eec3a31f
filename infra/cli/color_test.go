package cli

import (
	"bytes"
	"io"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The deploy workflow colors what infra's one decision allows: a terminal,
// unless NO_COLOR is set.
func TestColorOnlyOnATerminalAndNeverWithNoColor(t *testing.T) {
	var w bytes.Buffer
	for _, c := range []struct {
		terminal bool
		noColor  string
		want     bool
	}{
		{true, "", true},
		{false, "", false},
		{true, "1", false},
		{true, "false", false},
	} {
		t.Setenv("NO_COLOR", c.noColor)
		inv := &invocation{deps: offlineDeps(t), isTerminal: func(io.Writer) bool { return c.terminal }}
		deps, err := inv.workflowDeps()
		require.NoError(t, err, "deps")
		assert.Equal(t, c.want, deps.Color(&w), "terminal %v, NO_COLOR=%q", c.terminal, c.noColor)
	}
}

func TestBuffersAndFilesAreNoTerminals(t *testing.T) {
	assert.False(t, isTerminal(&bytes.Buffer{}), "a buffer")
	f, err := os.CreateTemp(t.TempDir(), "out")
	require.NoError(t, err, "temp file")
	assert.False(t, isTerminal(f), "a file")
	require.NoError(t, f.Close(), "close")
}
