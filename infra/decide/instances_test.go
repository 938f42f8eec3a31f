package decide

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/video-platform/video-platform/infra/observed"
	"github.com/video-platform/video-platform/internal/topology"
)

func TestJudgeInstancesWithoutActivityOrHook(t *testing.T) {
	groups := map[string]observed.Group{"g": {Tags: map[string]string{"release": "r1"}, Members: []observed.Member{{ID: "i-1", LifecycleState: "Terminating:Proceed"}}}}
	draining, outdated := JudgeInstances(t0, groups, []observed.TaggedInstance{{ID: "i-1", Group: "g", Tags: map[string]string{}}}, nil)
	require.Len(t, draining, 1, "Terminating:Proceed still holds work")
	assert.False(t, draining[0].Overdue(), "no hook heartbeat known: never called overdue")
	assert.Equal(t, time.Duration(0), draining[0].Age, "no activity: age unknown")
	require.Len(t, outdated, 1, "an instance without a release tag in a group with one is outdated")
	assert.Equal(t, "", outdated[0].InstanceRelease)
}

func TestClassifyGroupsAndDeclaredGroups(t *testing.T) {
	outputs := map[string]map[string]any{
		"prod-web-blue":    {"groupName": "asg-web-blue"},
		"prod-transcoders": {"groups": map[string]any{"r1": "asg-tr-r1"}},
		"prod-dns":         {"live": map[string]any{"web": "blue"}},
	}
	declared := DeclaredGroups(outputs)
	assert.Equal(t, map[string]bool{"asg-web-blue": true, "asg-tr-r1": true}, declared, "copies' groupName and the transcoders' groups")
	groups := map[string]observed.Group{
		"asg-web-blue":  {},
		"asg-tr-r1":     {},
		"asg-web-green": {Tags: map[string]string{"env": "prod", "service": "web", "color": "green"}},
		"asg-stray":     {Tags: map[string]string{"env": "prod", "service": "web", "color": "blue"}},
	}
	phantom, unknown := ClassifyGroups(topology.Default(), "prod", groups, declared, map[string]bool{"prod-web-green": true})
	assert.Equal(t, []string{"asg-stray"}, phantom, "declared by no stack")
	assert.Equal(t, []string{"asg-web-green"}, unknown, "its owner's outputs could not be read: not a phantom")
}
