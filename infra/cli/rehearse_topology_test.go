package cli

import (
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/video-platform/video-platform/infra/engine"
	"github.com/video-platform/video-platform/infra/rehearse"
	"github.com/video-platform/video-platform/infra/workflow"
	"github.com/video-platform/video-platform/internal/topology/topologytest"
)

// The env dev (eu-west-1) and the service api, declared by config files
// alone, are rehearsed under the real engine against the stand-in: every
// stack of dev deploys, api's records included, and the default scenarios
// (web's swap and rollback, a retire, a transcoder roll, a second up that
// changes nothing) hold their invariants, which the rehearsal judges from
// the stand-in's deployed state: every hostname, api's too, keeps a record
// that serves.
func TestRehearseAThirdEnvAndServiceDeclaredByConfig(t *testing.T) {
	repo, err := filepath.Abs("../..")
	require.NoError(t, err)
	if _, err := engine.FindCLI(repo); err != nil {
		t.Skipf("no Pulumi CLI (%v); .ci/run builds one with .ci/pulumi-cli.sh", err)
	}
	project := topologytest.Extended(t, repo)
	code, stdout, stderr := execute(t, workflow.Deps{}, "rehearse", "dev", "--project", project, "--json")
	require.Equal(t, 0, code, "the rehearsal of dev passes:\n%s\n%s", stdout, stderr)
	var rep rehearse.Report
	require.NoError(t, json.Unmarshal([]byte(stdout), &rep), "the JSON report")
	assert.True(t, rep.OK, "every scenario held its invariants")
	var stacks []string
	for _, s := range rep.Stacks {
		stacks = append(stacks, s.Name)
	}
	for _, want := range []string{"dev", "dev-api-blue", "dev-api-green", "dev-web-blue", "dev-recorder-blue", "dev-transcoders", "dev-dns"} {
		assert.Contains(t, stacks, want, "%s deployed", want)
	}
	require.NotEmpty(t, rep.Scenarios, "scenarios ran")
	for _, s := range rep.Scenarios {
		assert.True(t, s.OK, "scenario %s passed: %+v", s.Name, s.Invariants)
	}
}
