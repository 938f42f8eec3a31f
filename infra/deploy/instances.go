package deploy

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/video-platform/video-platform/infra/awscheck"
)

// drainingInstance is an instance whose termination hook still holds its
// work.
type drainingInstance struct {
	Group, Release, ID string
	// Age is how long it has been terminating; zero when unknown.
	Age time.Duration
	// Heartbeat is its hook's heartbeat timeout; zero when unknown.
	Heartbeat time.Duration
}

// Overdue reports an instance draining for longer than its hook's
// heartbeat: a job running far past its expected length, or a drain
// script that keeps the hook alive with nothing left to do.
func (d drainingInstance) Overdue() bool { return d.Heartbeat > 0 && d.Age > d.Heartbeat }

// outdatedInstance runs code other than its group's release: it was
// launched before the group's release tag changed, and it still takes work.
type outdatedInstance struct {
	Group, ID, GroupRelease, InstanceRelease string
}

// judgeInstances sorts the env's instances into the draining and the
// outdated ones, from what Auto Scaling and the instances' tags say.
func judgeInstances(now time.Time, groups map[string]awscheck.Group, tagged []awscheck.TaggedInstance, drains map[string]awscheck.Drain) (draining []drainingInstance, outdated []outdatedInstance) {
	for _, name := range slices.Sorted(maps.Keys(groups)) {
		g := groups[name]
		d := drains[name]
		for _, m := range g.Members {
			if !m.Draining() {
				continue
			}
			di := drainingInstance{Group: name, Release: g.Tags["release"], ID: m.ID, Heartbeat: d.Heartbeat}
			if since, ok := d.Since[m.ID]; ok {
				di.Age = now.Sub(since)
			}
			draining = append(draining, di)
		}
	}
	slices.SortFunc(tagged, func(x, y awscheck.TaggedInstance) int {
		return cmp.Or(cmp.Compare(x.Group, y.Group), cmp.Compare(x.ID, y.ID))
	})
	for _, inst := range tagged {
		g, ok := groups[inst.Group]
		if !ok {
			continue // a phantom or foreign group: status reports those apart
		}
		want, have := g.Tags["release"], inst.Tags["release"]
		if want != "" && have != want {
			outdated = append(outdated, outdatedInstance{Group: inst.Group, ID: inst.ID, GroupRelease: want, InstanceRelease: have})
		}
	}
	return draining, outdated
}

// readInstances reads what judgeInstances needs: the instances' own tags
// for the env and, for groups with terminating instances, their drains.
func readInstances(ctx context.Context, checks awscheck.Fleet, env string, groups map[string]awscheck.Group) ([]awscheck.TaggedInstance, map[string]awscheck.Drain, error) {
	tagged, err := checks.TaggedInstances(ctx, "env", env)
	if err != nil {
		return nil, nil, err
	}
	drains := map[string]awscheck.Drain{}
	for _, name := range slices.Sorted(maps.Keys(groups)) {
		var terminating []string
		for _, m := range groups[name].Members {
			if m.Draining() {
				terminating = append(terminating, m.ID)
			}
		}
		if len(terminating) == 0 {
			continue
		}
		d, err := checks.Drains(ctx, name, terminating)
		if err != nil {
			return nil, nil, err
		}
		drains[name] = d
	}
	return tagged, drains, nil
}

// printInstances writes the draining and outdated instance tables; it
// returns how many instances are overdue or outdated.
func (a *Workflow) printInstances(draining []drainingInstance, outdated []outdatedInstance) (overdue int, err error) {
	if len(draining) > 0 {
		a.printf("\nDRAINING INSTANCES (terminating, their hook holding the work):\n")
		tw := tabwriter.NewWriter(a.out, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "GROUP\tRELEASE\tINSTANCE\tDRAINING FOR\tHOOK HEARTBEAT\t")
		for _, d := range draining {
			age, note := "?", ""
			if d.Age > 0 {
				age = d.Age.Round(time.Second).String()
			}
			if d.Overdue() {
				overdue++
				note = "overdue: past its hook's heartbeat"
			}
			hb := "none"
			if d.Heartbeat > 0 {
				hb = d.Heartbeat.String()
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", d.Group, d.Release, d.ID, age, hb, note)
		}
		if err := tw.Flush(); err != nil {
			return overdue, err
		}
	}
	if len(outdated) > 0 {
		a.printf("\nOUTDATED INSTANCES (release tag differs from their group's; they still take work):\n")
		tw := tabwriter.NewWriter(a.out, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "GROUP\tINSTANCE\tGROUP RELEASE\tINSTANCE RELEASE")
		for _, o := range outdated {
			have := o.InstanceRelease
			if have == "" {
				have = "(untagged)"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", o.Group, o.ID, o.GroupRelease, have)
		}
		if err := tw.Flush(); err != nil {
			return overdue, err
		}
	}
	return overdue, nil
}
