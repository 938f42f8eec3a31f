package engine

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/stretchr/testify/assert"
)

// Config paths read as `pulumi config get --path` reads them.
func TestLookupPath(t *testing.T) {
	all := auto.ConfigMap{
		"video-platform:live":        {Value: `{"web":"blue"}`},
		"video-platform:transcoders": {Value: `{"active":"r2","draining":["r1","r0"],"maxDraining":2}`},
		"video-platform:note":        {Value: "plain text"},
	}
	for path, want := range map[string]string{
		"live.web":                "blue",
		"live":                    `{"web":"blue"}`,
		"transcoders.draining[1]": "r0",
		"transcoders.draining":    `["r1","r0"]`,
		"transcoders.maxDraining": "2",
		"note":                    "plain text",
	} {
		v, found, err := lookupPath(all, path)
		assert.NoError(t, err, path)
		assert.True(t, found, path)
		assert.Equal(t, want, v, path)
	}
	for _, path := range []string{"live.api", "transcoders.draining[2]", "transcoders.draining[-1]", "note.x", "copy", ""} {
		_, found, err := lookupPath(all, path)
		assert.NoError(t, err, path)
		assert.False(t, found, "%s is not set", path)
	}
	assert.Equal(t, []string{"a", "b", "0", "c"}, SplitPath("a.b[0].c"))
}
