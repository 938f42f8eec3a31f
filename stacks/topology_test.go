package stacks

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/video-platform/video-platform/internal/offline"
)

// A bad topology declaration is a config error of whichever stack runs,
// naming the full key path, before anything is registered.
func TestTopologyDeclarationErrorsAreConfigErrors(t *testing.T) {
	withTopology := func(decl any) map[string]any {
		v := baseValues("prod")
		v["topology"] = decl
		return v
	}
	e := newEnvRender(t, "prod")
	e.refuse(t, []refusedCase{
		{"a service without a port", "prod", withTopology(map[string]any{"services": map[string]any{"api": map[string]any{}}}),
			"stack prod: config video-platform:topology.services.api.port is required (declared in Pulumi.yaml); accepted: the service's container port, 1 to 65535"},
		{"a wrong type names the field", "prod", withTopology(map[string]any{"envs": map[string]any{"prod": map[string]any{"production": "yes"}}}),
			"stack prod: config video-platform:topology.envs.prod.production is a JSON string (declared in Pulumi.yaml); accepted: a boolean (true or false)"},
		{"an explicit zero is checked as given", "prod", withTopology(map[string]any{"services": map[string]any{"web": map[string]any{"port": 0}}}),
			"stack prod: config video-platform:topology.services.web.port = 0 is not accepted; accepted: 1 to 65535"},
		{"a stack of an undeclared service", "prod-web-blue", map[string]any{"topology": map[string]any{"services": map[string]any{"api": map[string]any{"port": 8070}}}},
			`stack prod-web-blue belongs to no declared env and service (declared envs: prod, staging; blue-green services: api`},
	})
}

// Every stack deploys to its env's declared region: a stack file naming
// another is refused before anything is registered.
func TestStackRegionMustBeItsEnvs(t *testing.T) {
	cfg := cfgJSON(t, baseValues("prod"))
	cfg["aws:region"] = "eu-west-1"
	_, err := offline.Run(offline.Stack{Name: "prod", Config: cfg}, Program)
	require.Error(t, err)
	var ce *ConfigError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "aws:region", ce.Key)
	assert.Contains(t, err.Error(), `stack prod: config aws:region = "eu-west-1" is not accepted; accepted: "us-east-1", the region Pulumi.yaml's video-platform:topology declares for env prod`)

	cfg = cfgJSON(t, baseValues("prod"))
	cfg["video-platform:topology"] = `{"envs": {"prod": {"region": "eu-west-1", "production": true}}}`
	cfg["aws:region"] = "eu-west-1"
	_, err = offline.Run(offline.Stack{Name: "prod", Config: cfg}, Program)
	require.NoError(t, err, "the same region, declared for prod, is accepted")
}
