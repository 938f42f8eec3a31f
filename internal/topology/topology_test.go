package topology

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestEnvStacksAreInDependencyOrder(t *testing.T) {
	ids := EnvStacks("prod")
	require.Len(t, ids, 7, "base, four copies, transcoders, dns")
	assert.Equal(t, Identity{Name: "prod", Env: "prod", Kind: KindBase}, ids[0], "base first")
	assert.Equal(t, Identity{Name: "prod-dns", Env: "prod", Kind: KindDNS}, ids[6], "dns last")
	var middle []string
	for _, id := range ids[1:6] {
		middle = append(middle, id.Name)
	}
	assert.Equal(t, []string{"prod-recorder-blue", "prod-recorder-green", "prod-web-blue", "prod-web-green", "prod-transcoders"},
		middle, "copies and transcoders between, in a stable order")
	assert.Len(t, ValidStackNames(), 14, "7 stacks per env, 2 envs")
}

func TestParse(t *testing.T) {
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
		got, err := Parse(c.name)
		require.NoError(t, err, "parse %s", c.name)
		assert.Equal(t, c.want, got, "identity of %s", c.name)
	}
	for _, bad := range []string{"dev", "prod-web", "prod-web-purple", "prod-api-blue", ""} {
		_, err := Parse(bad)
		require.Error(t, err, "%q is not a stack", bad)
		assert.Contains(t, err.Error(), "valid names: prod, prod-dns", "lists the valid names for %q", bad)
	}
}

func TestOtherAndMinAZs(t *testing.T) {
	assert.Equal(t, "green", Other("blue"), "blue's other")
	assert.Equal(t, "blue", Other("green"), "green's other")
	assert.Equal(t, 3, MinAZs("prod"), "prod survives an AZ loss")
	assert.Equal(t, 2, MinAZs("staging"), "staging needs two")
	assert.Equal(t, []string{"recorder", "web"}, ServiceNames(), "services sorted")
}

func TestOwnerStack(t *testing.T) {
	assert.Equal(t, "prod-web-green", OwnerStack("prod", map[string]string{"env": "prod", "service": "web", "color": "green"}), "a copy's group")
	assert.Equal(t, "prod-transcoders", OwnerStack("prod", map[string]string{"env": "prod", "service": TranscoderService, "release": "r1"}), "a transcoder group")
	assert.Equal(t, "", OwnerStack("prod", map[string]string{"env": "staging", "service": "web", "color": "green"}), "another env")
	assert.Equal(t, "", OwnerStack("prod", map[string]string{"env": "prod", "service": "api", "color": "green"}), "an unknown service")
	assert.Equal(t, "", OwnerStack("prod", map[string]string{"env": "prod", "service": "web"}), "no color")
}
