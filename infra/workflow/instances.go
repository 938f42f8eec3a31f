package workflow

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/video-platform/video-platform/infra/decide"
)

// printInstances writes the draining and outdated instance tables; it
// returns how many instances are overdue or outdated.
func printInstances(w io.Writer, draining []decide.DrainingInstance, outdated []decide.OutdatedInstance) (overdue int, err error) {
	if len(draining) > 0 {
		fmt.Fprintf(w, "\nDRAINING INSTANCES (terminating, their hook holding the work):\n")
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
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
		fmt.Fprintf(w, "\nOUTDATED INSTANCES (release tag differs from their group's; they still take work):\n")
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
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
