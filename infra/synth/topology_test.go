package synth

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/video-platform/video-platform/internal/render"
	"github.com/video-platform/video-platform/internal/topology/topologytest"
)

// resource finds a resource of a stack by type and name.
func resource(t *testing.T, env render.Env, stack, typ, name string) render.Resource {
	t.Helper()
	for _, s := range env.Stacks {
		if s.Name != stack {
			continue
		}
		for _, r := range s.Resources {
			if r.Type == typ && r.Name == name {
				return r
			}
		}
	}
	require.Failf(t, "missing resource", "%s has no %s %s", stack, typ, name)
	return render.Resource{}
}

// The env dev (eu-west-1) and the service api are added by config files
// alone: Pulumi.yaml's topology and the stack files. dev renders with all
// three services, api takes its declared profile, and every stack deploys
// to dev's region.
func TestThirdEnvAndServiceFromConfigAlone(t *testing.T) {
	root := topologytest.Extended(t, repoRoot)
	_, env := renderJSON(t, Options{Root: root, Env: "dev"})
	var names []string
	for _, s := range env.Stacks {
		names = append(names, s.Name)
	}
	assert.Equal(t, []string{"dev", "dev-api-blue", "dev-api-green", "dev-recorder-blue", "dev-recorder-green",
		"dev-web-blue", "dev-web-green", "dev-transcoders", "dev-dns"}, names, "every stack of dev, in dependency order")
	assert.Zero(t, Mandatory(env), "no mandatory violation")
	assert.Equal(t, map[string]string{"api": "blue", "recorder": "blue", "web": "blue"}, env.LiveColors, "the DNS stack serves api too")
	assert.Contains(t, env.Cost.KeptDaily, "dev-api-green", "the idle api copy is a cost of keeping")
	assert.Contains(t, env.Cost.Source, "Env dev is in eu-west-1, which this table does not price", "the estimate says whose prices it uses")

	tg := resource(t, env, "dev-api-blue", "aws:lb/targetGroup:TargetGroup", "api-blue-tg")
	assert.EqualValues(t, 8070, tg.Inputs["port"], "api's declared port")
	assert.EqualValues(t, 30, tg.Inputs["deregistrationDelay"], "api's declared drain")
	hc, _ := tg.Inputs["healthCheck"].(map[string]any)
	assert.Equal(t, "/ready", hc["path"], "api's declared health path")
	web := resource(t, env, "dev-web-blue", "aws:lb/targetGroup:TargetGroup", "web-blue-tg")
	assert.EqualValues(t, 8080, web.Inputs["port"], "web keeps its port")

	var azs []string
	for _, s := range env.Stacks {
		for _, r := range s.Resources {
			if r.Type == "aws:ec2/subnet:Subnet" {
				azs = append(azs, r.Inputs["availabilityZone"].(string))
			}
		}
	}
	require.NotEmpty(t, azs, "dev's subnets")
	for _, az := range azs {
		assert.True(t, strings.HasPrefix(az, "eu-west-1"), "subnet in dev's region, not %s", az)
	}
}

// A declared service without its copy stack files is named with the
// missing files; a stack file of an undeclared env is named with the
// declared ones; a stack file in another region than its env's is refused.
func TestTopologyMismatchesAreNamed(t *testing.T) {
	root := topologytest.Extended(t, repoRoot)
	require.NoError(t, os.Remove(filepath.Join(root, "Pulumi.staging-api-green.yaml")))
	_, err := Render(Options{Root: root, Env: "staging"})
	require.Error(t, err)
	assert.True(t, IsUsage(err), "exit 2")
	assert.Contains(t, err.Error(), "Pulumi.staging-api-green.yaml does not exist in "+root)

	root = topologytest.Extended(t, repoRoot)
	require.NoError(t, os.WriteFile(filepath.Join(root, "Pulumi.qa-web-blue.yaml"), []byte("config: {}\n"), 0o600))
	_, err = Render(Options{Root: root, Env: "dev"})
	require.Error(t, err)
	assert.True(t, IsUsage(err), "exit 2")
	assert.Contains(t, err.Error(), "stack file Pulumi.qa-web-blue.yaml belongs to no declared stack: declared envs: dev, prod, staging; blue-green services: api, recorder, web")

	root = topologytest.Extended(t, repoRoot)
	path := filepath.Join(root, "Pulumi.dev-web-green.yaml")
	data, err := os.ReadFile(filepath.Clean(path))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path, []byte(strings.Replace(string(data), "eu-west-1", "us-east-1", 1)), 0o600)) //nolint:gosec // under t.TempDir()
	_, err = Render(Options{Root: root, Env: "dev"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `stack dev-web-green: config aws:region = "us-east-1" is not accepted; accepted: "eu-west-1", the region Pulumi.yaml's video-platform:topology declares for env dev`)

	_, err = Render(Options{Root: repoRoot, Env: "dev"})
	require.Error(t, err, "the repository itself declares no dev")
	assert.Contains(t, err.Error(), `env "dev" is not declared; declared envs: prod, staging`)
}
