package standin

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/video-platform/video-platform/infra/awscheck"
)

// TestECRKeepImagesThroughStandIn is housekeeping's call on the stand-in:
// r1 already kept, r2 not yet, r9 never pushed, and a stale keep-r0 on r0.
func TestECRKeepImagesThroughStandIn(t *testing.T) {
	env := newAPIEnv(t)
	env.repositories(t)
	for i, tag := range []string{"r0", "r1", "r2"} {
		env.push(t, apiTestRepo, tag, apiT0.Add(time.Duration(i)*time.Hour))
	}
	require.NoError(t, env.store.Registry().TagImage(apiTestRepo, "r0", "keep-r0"), "protect r0")
	require.NoError(t, env.store.Registry().TagImage(apiTestRepo, "r1", "keep-r1"), "protect r1")
	before, err := env.store.Registry().Images(apiTestRepo)
	require.NoError(t, err, "Images")
	ctx := context.Background()

	got, err := env.client().Registry.KeepImages(ctx, apiTestRepo, []string{"r1", "r2", "r9"})
	require.NoError(t, err, "KeepImages")
	assert.Equal(t, awscheck.KeepResult{Added: []string{"r2"}, Removed: []string{"r0"}, Missing: []string{"r9"}}, got, "result")
	assert.Equal(t, map[string][]string{
		before[0].Digest: {"r0"},
		before[1].Digest: {"keep-r1", "r1"},
		before[2].Digest: {"keep-r2", "r2"},
	}, env.tagsByDigest(t, apiTestRepo), "exactly r1 and r2 kept, r0 left to the lifecycle policy, no image added or lost")
	after, err := env.store.Registry().Images(apiTestRepo)
	require.NoError(t, err, "Images")
	assert.Equal(t, before[2].PushedAt, after[2].PushedAt, "tagging r2 was no push")

	calls, _ := env.invocationsOf("ecr")
	got, err = env.client().Registry.KeepImages(ctx, apiTestRepo, []string{"r1", "r2", "r9"})
	require.NoError(t, err, "KeepImages again")
	assert.Equal(t, awscheck.KeepResult{Missing: []string{"r9"}}, got, "nothing left to do")
	now, attempts := env.invocationsOf("ecr")
	assert.Equal(t, calls+1, now, "one listing and no change: %+v", attempts)
}

func TestECRKeepImagesLeavesAnImageWithOnlyKeepTags(t *testing.T) {
	env := newAPIEnv(t)
	env.repositories(t)
	// Pushed under keep- tags alone, against the convention: deleting
	// them would delete the image, so housekeeping leaves it.
	env.push(t, apiTestRepo, "keep-r5", apiT0)
	require.NoError(t, env.store.Registry().TagImage(apiTestRepo, "keep-r5", "keep-r6"), "a second keep- tag")
	env.push(t, apiTestRepo, "r7", apiT0.Add(time.Hour))
	before, err := env.store.Registry().Images(apiTestRepo)
	require.NoError(t, err, "Images")

	got, err := env.client().Registry.KeepImages(context.Background(), apiTestRepo, []string{"r7", "r5"})
	require.NoError(t, err, "KeepImages")
	assert.Equal(t, awscheck.KeepResult{Added: []string{"r7"}, Missing: []string{"r5"}}, got,
		"r5 has no image to deploy, and the odd image's keep- tags are not reported as removed")
	assert.Equal(t, map[string][]string{
		before[0].Digest: {"keep-r5", "keep-r6"},
		before[1].Digest: {"keep-r7", "r7"},
	}, env.tagsByDigest(t, apiTestRepo), "the odd image as it was, r7 protected, no image deleted")

	got, err = env.client().Registry.KeepImages(context.Background(), apiTestRepo, nil)
	require.NoError(t, err, "KeepImages of nothing")
	assert.Equal(t, awscheck.KeepResult{Removed: []string{"r7"}}, got, "only r7's keep- tag goes")
	assert.Equal(t, map[string][]string{
		before[0].Digest: {"keep-r5", "keep-r6"},
		before[1].Digest: {"r7"},
	}, env.tagsByDigest(t, apiTestRepo), "the odd image still as it was")
}
