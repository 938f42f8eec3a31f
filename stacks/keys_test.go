package stacks

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/video-platform/video-platform/internal/offline"
)

// projectDefaults is what the engine hands every stack for the keys
// Pulumi.yaml declares and its file leaves out: scalars as text, objects
// and lists as JSON.
func projectDefaults(t *testing.T) map[string]string {
	t.Helper()
	project, err := workspace.LoadProject("../Pulumi.yaml")
	require.NoError(t, err, "load Pulumi.yaml")
	out := map[string]string{}
	for key, decl := range project.Config {
		require.NotNil(t, decl.Default, "%s has a default: without one Pulumi requires it in every stack", key)
		switch v := decl.Default.(type) {
		case string, bool, int, float64:
			out[key] = fmt.Sprint(v)
		default:
			b, err := json.Marshal(v)
			require.NoError(t, err, "default of %s", key)
			out[key] = string(b)
		}
	}
	return out
}

// Pulumi.yaml and kindKeys are two lists of one thing: a key declared
// there and read by no kind of stack would be accepted and ignored, and a
// key read here but not declared would be refused as unknown.
func TestPulumiYamlDeclaresTheKeysOfEveryKind(t *testing.T) {
	defaults := projectDefaults(t)
	var read []string
	for _, k := range projectKeys {
		read = append(read, ProjectName+":"+k)
	}
	for _, keys := range kindKeys {
		for _, k := range keys {
			read = append(read, ProjectName+":"+k)
		}
	}
	assert.ElementsMatch(t, read, slices.Collect(maps.Keys(defaults)), "Pulumi.yaml declares exactly the keys the stacks read")
	for key, v := range defaults {
		assert.True(t, isEmpty(v), "%s defaults to an empty value, so that a stack that leaves it out reads as unset, not as %q", key, v)
	}
}

// The keys are listed from the context, where the SDK keeps them
// unexported; an SDK that moves them makes every stack fail here rather
// than let unknown keys through.
func TestConfigKeysAreListedFromTheContext(t *testing.T) {
	cfg := map[string]string{"aws:region": "us-east-1", ProjectName + ":keepImage": "3"}
	var keys []string
	_, err := offline.Run(offline.Stack{Name: "prod", Config: cfg}, func(ctx *pulumi.Context) (pulumi.Map, error) {
		var err error
		keys, err = configKeys(ctx)
		return pulumi.Map{}, err
	})
	require.NoError(t, err, "the keys are found")
	assert.Equal(t, []string{"aws:region", ProjectName + ":keepImage"}, keys, "every key, sorted, the unread ones included")
}
