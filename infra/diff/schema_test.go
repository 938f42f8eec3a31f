package diff

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/video-platform/video-platform/internal/render"
)

func TestCheckSchema(t *testing.T) {
	v := render.SchemaVersion
	assert.NoError(t, CheckSchema(render.Env{SchemaVersion: v}, render.Env{SchemaVersion: v}), "same version as this code")

	cases := []struct {
		name       string
		base, head int
		want       string
	}{
		{"base unversioned", 0, v, "base and head were rendered by different binaries: the base render has no schemaVersion and the head render has schemaVersion 1"},
		{"head unversioned", v, 0, "the base render has schemaVersion 1 and the head render has no schemaVersion"},
		{"newer head", v, v + 1, "base and head were rendered by different binaries"},
		{"both from another binary", v + 1, v + 1, "base and head both have schemaVersion 2, but this infra diff reads schemaVersion 1"},
	}
	for _, c := range cases {
		err := CheckSchema(render.Env{SchemaVersion: c.base}, render.Env{SchemaVersion: c.head})
		require.Error(t, err, c.name)
		assert.Contains(t, err.Error(), c.want, c.name)
		assert.Equal(t, &SchemaError{Base: c.base, Head: c.head}, err, "%s: the versions are kept", c.name)
	}
}
