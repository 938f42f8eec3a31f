package decide

import (
	"cmp"
	"maps"
	"slices"
	"time"

	"github.com/video-platform/video-platform/infra/observed"
	"github.com/video-platform/video-platform/internal/topology"
)

// DrainingInstance is an instance whose termination hook still holds its
// work.
type DrainingInstance struct {
	Group, Release, ID string
	// Age is how long it has been terminating; zero when unknown.
	Age time.Duration
	// Heartbeat is its hook's heartbeat timeout; zero when unknown.
	Heartbeat time.Duration
}

// Overdue reports an instance draining for longer than its hook's
// heartbeat: a job running far past its expected length, or a drain
// script that keeps the hook alive with nothing left to do.
func (d DrainingInstance) Overdue() bool { return d.Heartbeat > 0 && d.Age > d.Heartbeat }

// OutdatedInstance runs code other than its group's release: it was
// launched before the group's release tag changed, and it still takes work.
type OutdatedInstance struct {
	Group, ID, GroupRelease, InstanceRelease string
}

// JudgeInstances sorts the env's instances into the draining and the
// outdated ones, from what Auto Scaling and the instances' tags say.
func JudgeInstances(now time.Time, groups map[string]observed.Group, tagged []observed.TaggedInstance, drains map[string]observed.Drain) (draining []DrainingInstance, outdated []OutdatedInstance) {
	for _, name := range slices.Sorted(maps.Keys(groups)) {
		g := groups[name]
		d := drains[name]
		for _, m := range g.Members {
			if !m.Draining() {
				continue
			}
			di := DrainingInstance{Group: name, Release: g.Tags["release"], ID: m.ID, Heartbeat: d.Heartbeat}
			if since, ok := d.Since[m.ID]; ok {
				di.Age = now.Sub(since)
			}
			draining = append(draining, di)
		}
	}
	slices.SortFunc(tagged, func(x, y observed.TaggedInstance) int {
		return cmp.Or(cmp.Compare(x.Group, y.Group), cmp.Compare(x.ID, y.ID))
	})
	for _, inst := range tagged {
		g, ok := groups[inst.Group]
		if !ok {
			continue // a phantom or foreign group: status reports those apart
		}
		want, have := g.Tags["release"], inst.Tags["release"]
		if want != "" && have != want {
			outdated = append(outdated, OutdatedInstance{Group: inst.Group, ID: inst.ID, GroupRelease: want, InstanceRelease: have})
		}
	}
	return draining, outdated
}

// ClassifyGroups sorts the env's groups that no readable stack declares:
// phantoms, and unknown ones whose owner stack's outputs could not be
// read. A failed read is an error for that stack, never a reason to call
// its groups phantoms.
func ClassifyGroups(topo *topology.Topology, env string, groups map[string]observed.Group, declared, unread map[string]bool) (phantom, unknown []string) {
	for _, name := range slices.Sorted(maps.Keys(groups)) {
		if declared[name] {
			continue
		}
		if owner := topo.OwnerStack(env, groups[name].Tags); owner != "" && unread[owner] {
			unknown = append(unknown, name)
			continue
		}
		phantom = append(phantom, name)
	}
	return phantom, unknown
}

// DeclaredGroups are the Auto Scaling groups the stacks' outputs declare:
// a copy's groupName and the transcoders' groups per release.
func DeclaredGroups(outputs map[string]map[string]any) map[string]bool {
	declared := map[string]bool{}
	for _, outs := range outputs {
		if g, _ := outs["groupName"].(string); g != "" {
			declared[g] = true
		}
		groups, _ := outs["groups"].(map[string]any)
		for _, g := range groups {
			if g, _ := g.(string); g != "" {
				declared[g] = true
			}
		}
	}
	return declared
}
