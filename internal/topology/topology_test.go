package topology

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestEnvStacksAreInDependencyOrder(t *testing.T) {
	topo := Default()
	ids := topo.EnvStacks("prod")
	require.Len(t, ids, 7, "base, four copies, transcoders, dns")
	assert.Equal(t, Identity{Name: "prod", Env: "prod", Kind: KindBase, Topology: topo}, ids[0], "base first")
	assert.Equal(t, Identity{Name: "prod-dns", Env: "prod", Kind: KindDNS, Topology: topo}, ids[6], "dns last")
	var middle []string
	for _, id := range ids[1:6] {
		middle = append(middle, id.Name)
	}
	assert.Equal(t, []string{"prod-recorder-blue", "prod-recorder-green", "prod-web-blue", "prod-web-green", "prod-transcoders"},
		middle, "copies and transcoders between, in a stable order")
	assert.Len(t, topo.StackNames(), 14, "7 stacks per env, 2 envs")
}

func TestParse(t *testing.T) {
	topo := Default()
	cases := []struct {
		name string
		want Identity
	}{
		{"staging", Identity{Name: "staging", Env: "staging", Kind: KindBase}},
		{"prod-web-green", Identity{Name: "prod-web-green", Env: "prod", Kind: KindCopy, Service: "web", Color: "green"}},
		{"acme/video-platform/prod-recorder-blue", Identity{Name: "prod-recorder-blue", Env: "prod", Kind: KindCopy, Service: "recorder", Color: "blue"}},
		{"staging-transcoders", Identity{Name: "staging-transcoders", Env: "staging", Kind: KindTranscoders}},
		{"prod-dns", Identity{Name: "prod-dns", Env: "prod", Kind: KindDNS}},
	}
	for _, c := range cases {
		got, err := topo.Parse(c.name)
		require.NoError(t, err, "parse %s", c.name)
		c.want.Topology = topo
		assert.Equal(t, c.want, got, "identity of %s", c.name)
	}
	for _, bad := range []string{"dev", "prod-web", "prod-web-purple", "prod-api-blue", ""} {
		_, err := topo.Parse(bad)
		require.Error(t, err, "%q is not a stack", bad)
		assert.Contains(t, err.Error(), "declared envs: prod, staging; blue-green services: recorder, web", "names what is declared for %q", bad)
		assert.Contains(t, err.Error(), "valid names: prod, prod-dns", "lists the valid names for %q", bad)
	}
}

func TestProfilesAndMinAZs(t *testing.T) {
	topo := Default()
	assert.Equal(t, "green", Other("blue"), "blue's other")
	assert.Equal(t, "blue", Other("green"), "green's other")
	assert.Equal(t, 3, topo.MinAZs("prod"), "prod survives an AZ loss")
	assert.Equal(t, 2, topo.MinAZs("staging"), "staging needs two")
	assert.Equal(t, []string{"recorder", "web"}, topo.ServiceNames(), "services sorted")
	rec, _ := topo.Parse("prod-recorder-blue")
	assert.Equal(t, 3600, rec.Profile().DeregistrationDelaySeconds, "recordings drain for an hour")
	assert.True(t, rec.Profile().Stickiness, "a recording stays on its server")
	assert.Equal(t, "us-east-1", rec.Region(), "default region")
	assert.True(t, rec.Production(), "prod is production")
}

func TestOwnerStack(t *testing.T) {
	topo := Default()
	assert.Equal(t, "prod-web-green", topo.OwnerStack("prod", map[string]string{"env": "prod", "service": "web", "color": "green"}), "a copy's group")
	assert.Equal(t, "prod-transcoders", topo.OwnerStack("prod", map[string]string{"env": "prod", "service": TranscoderService, "release": "r1"}), "a transcoder group")
	assert.Equal(t, "", topo.OwnerStack("prod", map[string]string{"env": "staging", "service": "web", "color": "green"}), "another env")
	assert.Equal(t, "", topo.OwnerStack("prod", map[string]string{"env": "prod", "service": "api", "color": "green"}), "an unknown service")
	assert.Equal(t, "", topo.OwnerStack("prod", map[string]string{"env": "prod", "service": "web"}), "no color")
}

func TestDecodeEmptyIsDefault(t *testing.T) {
	for _, raw := range []string{"", "{}", "null", " {} "} {
		topo, err := Decode(raw)
		require.NoError(t, err, "%q", raw)
		assert.Equal(t, Default(), topo, "%q is the default topology", raw)
	}
}

// A third env and service come from the declaration alone: the profile
// fields left out take serviceDefaults, and the lists replace the
// defaults as a whole.
func TestDecodeAddsEnvAndService(t *testing.T) {
	topo, err := Decode(`{
		"envs": {"staging": {}, "prod": {"production": true}, "dev": {"region": "eu-west-1"}},
		"services": {"web": {"port": 8080}, "api": {"port": 8070, "healthPath": "/ready", "scaling": {"metric": "cpu", "target": 60}}}
	}`)
	require.NoError(t, err)
	assert.Equal(t, []string{"dev", "prod", "staging"}, topo.EnvNames())
	assert.Equal(t, []string{"api", "web"}, topo.ServiceNames(), "the declared list, recorder left out")
	id, err := topo.Parse("dev-api-green")
	require.NoError(t, err)
	assert.Equal(t, "eu-west-1", id.Region())
	assert.False(t, id.Production())
	assert.Equal(t, 2, id.MinAZs())
	assert.Equal(t, ServiceProfile{Port: 8070, HealthPath: "/ready", DeregistrationDelaySeconds: 60, DrainHeartbeatSeconds: 300,
		IdleTimeoutSeconds: 120, Scaling: ScalingDefault{Metric: "cpu", Target: 60}}, id.Profile())
	assert.Equal(t, DefaultRegion, topo.Envs["staging"].Region, "an env without a region gets the default")
	_, err = topo.Parse("dev-recorder-blue")
	assert.ErrorContains(t, err, "blue-green services: api, web", "an undeclared service names the declared ones")
	encoded, err := json.Marshal(topo)
	require.NoError(t, err)
	again, err := Decode(string(encoded))
	require.NoError(t, err)
	assert.Equal(t, topo, again, "the topology's JSON is what Decode reads")
}

func TestDecodeRefusesBadDeclarations(t *testing.T) {
	cases := []struct {
		name, raw string
		want      []string
	}{
		{"port missing", `{"services": {"api": {}}}`, []string{"services.api.port is required; accepted: the service's container port, 1 to 65535"}},
		{"explicit zero port", `{"services": {"api": {"port": 0}}}`, []string{"services.api.port = 0 is not accepted; accepted: 1 to 65535"}},
		{"bad region", `{"envs": {"dev": {"region": "mars"}}}`, []string{`envs.dev.region = "mars" is not accepted; accepted: an AWS region`}},
		{"bad env name", `{"envs": {"Dev": {}}}`, []string{`envs.Dev = "Dev" is not an env name`}},
		{"transcoder is reserved", `{"services": {"transcoder": {"port": 1}}}`, []string{`services.transcoder = "transcoder" is the transcoder fleet's name`}},
		{"wrong type names the field", `{"services": {"api": {"port": "80"}}}`, []string{"services.api.port is a JSON string; accepted: a number"}},
		{"unknown field", `{"services": {"api": {"port": 80, "prot": 1}}}`, []string{"services.api.prot is not a field of the topology"}},
		{"no envs", `{"envs": {}}`, []string{"envs = {} declares no env"}},
		{"ambiguous stack names", `{"envs": {"prod": {}, "prod-web-blue": {}}}`, []string{"names the stack prod-web-blue, which env prod already names"}},
		{"negative delay", `{"services": {"api": {"port": 80, "drainHeartbeatSeconds": -1}}}`, []string{"services.api.drainHeartbeatSeconds = -1 is not accepted"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Decode(c.raw)
			require.Error(t, err)
			for _, w := range c.want {
				assert.Contains(t, err.Error(), w)
			}
		})
	}
}
