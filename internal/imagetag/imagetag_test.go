package imagetag

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/video-platform/video-platform/internal/contract"
)

func TestKeepTagRoundTrip(t *testing.T) {
	keep, err := KeepTag("2026.11.27-1")
	require.NoError(t, err, "a release")
	assert.Equal(t, "keep-2026.11.27-1", keep, "keep-<release>")
	assert.True(t, IsKeepTag(keep), "recognised as protective")
	assert.Regexp(t, contract.ReleasePattern, keep, "a Docker tag")

	release, ok := KeptRelease(keep)
	assert.True(t, ok, "a keep- tag names a release")
	assert.Equal(t, "2026.11.27-1", release, "the release it protects")

	release, ok = KeptRelease("2026.11.27-1")
	assert.False(t, ok, "a release tag protects nothing")
	assert.Equal(t, "2026.11.27-1", release, "returned as is")
}

func TestCheckRelease(t *testing.T) {
	longest := strings.Repeat("r", 123)
	require.NoError(t, CheckRelease(longest), "123 characters leave room for keep-")
	keep, err := KeepTag(longest)
	require.NoError(t, err, "KeepTag of the longest release")
	assert.Len(t, keep, 128, "the longest Docker tag")

	for release, want := range map[string]string{
		longest + "r": "accepted at most 123",
		"keep-r41":    "starts with keep-",
		"":            "is not a Docker tag",
		"r 41":        "is not a Docker tag",
	} {
		err := CheckRelease(release)
		require.Error(t, err, "%q", release)
		assert.Contains(t, err.Error(), want, "%q", release)
		_, err = KeepTag(release)
		assert.ErrorContains(t, err, "keep tag: release", "%q: KeepTag refuses it too", release)
	}
}
