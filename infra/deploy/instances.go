package deploy

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/video-platform/video-platform/infra/awscheck"
	"github.com/video-platform/video-platform/infra/decide"
)

// readInstances reads what decide.JudgeInstances needs: the instances' own tags
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
func (a *Workflow) printInstances(draining []decide.DrainingInstance, outdated []decide.OutdatedInstance) (overdue int, err error) {
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
