package cli

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSingleDashLongFlagsStillWork(t *testing.T) {
	cases := []struct {
		in, want string
		warned   []string
	}{
		{"rehearse prod -v -keep /tmp/r -faults", "rehearse prod -v --keep /tmp/r --faults", []string{"-keep", "-faults"}},
		{"swap prod web -to green -canary=5 -dry-run", "swap prod web --to green --canary=5 --dry-run", []string{"-to", "-canary", "-dry-run"}},
		{"retire prod web blue -min-wait 30m -min-wait 1h", "retire prod web blue --min-wait 30m --min-wait 1h", []string{"-min-wait"}},
		{"synth -json -stack prod-dns prod", "synth --json --stack prod-dns prod", []string{"-json", "-stack"}},
		{"swap prod web --canary -5", "swap prod web --canary -5", nil},
		{"status prod -- -json", "status prod -- -json", nil},
		{"synth prod -help", "synth prod --help", []string{"-help"}},
		{"synth prod -nosuch", "synth prod -nosuch", nil},
	}
	for _, c := range cases {
		var stderr bytes.Buffer
		root := newRoot(&invocation{stdout: &bytes.Buffer{}, stderr: &stderr})
		got := singleDashLongFlags(root, strings.Fields(c.in), &stderr)
		assert.Equal(t, c.want, strings.Join(got, " "), "%s", c.in)
		for _, w := range c.warned {
			assert.Contains(t, stderr.String(), "infra: "+w+" is deprecated; use -"+w+"\n", "%s: warns", c.in)
		}
		assert.Equal(t, len(c.warned), strings.Count(stderr.String(), "deprecated"), "%s: once per flag", c.in)
	}
}

func TestSingleDashFlagsReachTheWorkflow(t *testing.T) {
	deps := offlineDeps(t)
	var sets []string
	deps.DryRun = func(_ string, s []string) (string, error) { sets = s; return "diff\n", nil }
	code, _, errOut := execute(t, deps, "swap", "prod", "web", "-to", "green", "-dry-run")
	require.Equal(t, 0, code, "dry run: %s", errOut)
	assert.Equal(t, []string{"prod-dns:live.web=green"}, sets, "-to green reached the swap")
	assert.Contains(t, errOut, "infra: -to is deprecated; use --to", "says so")
}

// -v was the rehearsal's verbose flag's whole name: -v, --v and --verbose
// all parse (the run then stops at --parallel 0, before anything starts).
func TestRehearseVerboseSpellings(t *testing.T) {
	for _, v := range []string{"-v", "--v", "--verbose", "-verbose"} {
		code, _, errOut := execute(t, offlineDeps(t), "rehearse", "prod", v, "--parallel", "0")
		assert.Equal(t, 2, code, "%s", v)
		assert.Contains(t, errOut, "--parallel 0; accepted: 1 or more", "%s parsed: %s", v, errOut)
	}
}
