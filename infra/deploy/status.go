package deploy

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/video-platform/video-platform/infra/awscheck"
	"github.com/video-platform/video-platform/infra/decide"
	"github.com/video-platform/video-platform/internal/topology"
)

// StatusOptions are `infra status`'.
type StatusOptions struct {
	// Envs are the envs to show, in order.
	Envs []string
}

// Status prints, per env, each stack's last update, each copy's release,
// capacity and health, the transcoder fleet and the queue, and the phantom
// groups: Auto Scaling groups tagged with the env that no stack declares
// (exit code 3).
func (a *Workflow) Status(ctx context.Context, o StatusOptions) error {
	if len(o.Envs) == 0 {
		return usagef("status takes one or more envs; accepted: %s", strings.Join(topology.Envs, ", "))
	}
	for _, env := range o.Envs {
		if err := checkEnv(env); err != nil {
			return err
		}
	}
	pos := o.Envs
	phantoms, failures := 0, 0
	for _, env := range pos {
		p, f := a.status(ctx, env)
		phantoms += p
		failures += f
	}
	switch {
	case phantoms > 0:
		return exitError{code: ExitPhantom, msg: fmt.Sprintf("%d phantom group(s): Auto Scaling groups tagged with the env that no stack declares", phantoms)}
	case failures > 0:
		return exitError{code: ExitFailed, msg: fmt.Sprintf("%d read(s) failed; the tables are incomplete", failures)}
	}
	return nil
}

// status prints one env's tables and returns the phantom group count and
// the number of failed reads.
func (a *Workflow) status(ctx context.Context, env string) (phantoms, failures int) {
	warn := func(format string, args ...any) {
		failures++
		fmt.Fprintf(a.errw, "warning: "+format+"\n", args...)
	}
	a.printf("== %s ==\n", env)
	outputs := map[string]map[string]any{}
	// unread are the stacks whose outputs could not be read: what they
	// declare is unknown, not absent.
	unread := map[string]bool{}
	tw := tabwriter.NewWriter(a.out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "STACK\tLAST UPDATE\tRESULT\tCHANGES")
	for _, id := range topology.EnvStacks(env) {
		s, err := a.stack(ctx, id.Name)
		if errors.Is(err, ErrNoStack) {
			fmt.Fprintf(tw, "%s\tnever\tnot created\t-\n", id.Name)
			continue
		}
		if err != nil {
			warn("%v", err)
			unread[id.Name] = true
			fmt.Fprintf(tw, "%s\t?\t?\t?\n", id.Name)
			continue
		}
		u, err := s.LastUpdate(ctx)
		switch {
		case err != nil:
			warn("history of %s: %v", id.Name, err)
			fmt.Fprintf(tw, "%s\t?\t?\t?\n", id.Name)
		case u == nil:
			fmt.Fprintf(tw, "%s\tnever\t-\t-\n", id.Name)
		default:
			when := u.EndTime
			if when.IsZero() {
				when = u.StartTime
			}
			fmt.Fprintf(tw, "%s\t%s %s\t%s\t%s\n", id.Name, u.Kind, when.UTC().Format(time.RFC3339), u.Result, formatChanges(u.Changes))
		}
		outs, err := s.Outputs(ctx)
		if err != nil {
			warn("outputs of %s: %v", id.Name, err)
			unread[id.Name] = true
			continue
		}
		outputs[id.Name] = outs
	}
	if err := tw.Flush(); err != nil {
		warn("%v", err)
	}

	var groups map[string]awscheck.Group
	aws, err := a.checks(ctx, env)
	// checks is nil when AWS cannot be read: the tables then show what
	// the stacks say, and "?" for what only AWS knows.
	checks := &aws
	if err == nil {
		var list []awscheck.Group
		list, err = checks.Fleet.GroupsByTag(ctx, "env", env)
		groups = map[string]awscheck.Group{}
		for _, g := range list {
			groups[g.Name] = g
		}
	}
	if err != nil {
		warn("groups of %s: %v", env, err)
		checks = nil
	}
	var draining []decide.DrainingInstance
	var outdated []decide.OutdatedInstance
	if checks != nil {
		tagged, drains, err := readInstances(ctx, checks.Fleet, env, groups)
		if err != nil {
			warn("instances of %s: %v", env, err)
		} else {
			draining, outdated = decide.JudgeInstances(a.deps.Clock.Now(), groups, tagged, drains)
		}
	}
	declared := map[string]bool{}

	a.printf("\n")
	live := outStrings(outputs[topology.DNSStackName(env)], "live")
	tw = tabwriter.NewWriter(a.out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SERVICE\tCOLOR\tRELEASE\tLIVE\tDESIRED\tIN SERVICE\tHEALTHY")
	for _, svc := range topology.ServiceNames() {
		for _, color := range topology.Colors {
			outs, ok := outputs[topology.CopyStackName(env, svc, color)]
			if !ok || len(outs) == 0 {
				fmt.Fprintf(tw, "%s\t%s\t-\t%s\t-\t-\t-\n", svc, color, yes(live[svc] == color))
				continue
			}
			desired, _ := asInt(outMap(outs, "capacity")["desired"])
			inService, healthy := "?", "?"
			if name := outString(outs, "groupName"); name != "" {
				declared[name] = true
				if g, ok := groups[name]; ok {
					inService = fmt.Sprint(g.InService)
				} else if groups != nil {
					inService = "no group"
				}
			}
			if tg := outString(outs, "targetGroupArn"); tg != "" && checks != nil {
				targets, err := checks.Fleet.TargetHealth(ctx, tg)
				if err != nil {
					warn("target health of %s-%s: %v", svc, color, err)
				} else {
					n := 0
					for _, t := range targets {
						if t.State == awscheck.TargetHealthy {
							n++
						}
					}
					healthy = fmt.Sprintf("%d/%d", n, len(targets))
				}
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\t%s\n", svc, color, outString(outs, "release"), yes(live[svc] == color), desired, inService, healthy)
		}
	}
	if err := tw.Flush(); err != nil {
		warn("%v", err)
	}

	a.printf("\n")
	tout := outputs[topology.TranscodersStackName(env)]
	fleet := outStrings(tout, "groups")
	active := outString(tout, "active")
	tw = tabwriter.NewWriter(a.out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TRANSCODER RELEASE\tROLE\tGROUP\tDESIRED\tIN SERVICE\tDRAINING")
	for _, r := range slices.Sorted(maps.Keys(fleet)) {
		name := fleet[r]
		declared[name] = true
		role := "draining"
		if r == active {
			role = "active"
		}
		desired, inService := "?", "?"
		if g, ok := groups[name]; ok {
			desired, inService = fmt.Sprint(g.Desired), fmt.Sprint(g.InService)
		} else if groups != nil {
			desired, inService = "no group", "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r, role, name, desired, inService, drainingSummary(draining, name))
	}
	if err := tw.Flush(); err != nil {
		warn("%v", err)
	}
	if url := outString(outMap(outputs[topology.BaseStackName(env)], "queue"), "url"); url != "" && checks != nil {
		visible, inFlight, err := checks.Queues.QueueDepth(ctx, url)
		if err != nil {
			warn("queue depth: %v", err)
		} else {
			a.printf("queue: %d visible, %d in flight\n", visible, inFlight)
		}
	}

	if _, err := a.printInstances(draining, outdated); err != nil {
		warn("%v", err)
	}
	phantom, unknown := decide.ClassifyGroups(env, groups, declared, unread)
	for _, name := range unknown {
		warn("group %s is not classified: the outputs of %s, which would declare it, could not be read", name, topology.OwnerStack(env, groups[name].Tags))
	}
	if len(phantom) > 0 {
		red, reset := "", ""
		if a.deps.Color != nil && a.deps.Color(a.out) {
			red, reset = "\x1b[31m", "\x1b[0m"
		}
		a.printf("\n%sPHANTOM GROUPS (tagged env=%s, declared by no stack):%s\n", red, env, reset)
		for _, name := range phantom {
			g := groups[name]
			a.printf("%s  %s  desired %d, in service %d%s\n", red, name, g.Desired, g.InService, reset)
		}
	}
	a.printf("\n")
	return len(phantom), failures
}

// drainingSummary is a release's draining instances in one cell: how many
// and the oldest's age.
func drainingSummary(draining []decide.DrainingInstance, group string) string {
	n, oldest := 0, time.Duration(0)
	for _, d := range draining {
		if d.Group == group {
			n++
			oldest = max(oldest, d.Age)
		}
	}
	switch {
	case n == 0:
		return "-"
	case oldest == 0:
		return fmt.Sprint(n)
	}
	return fmt.Sprintf("%d (oldest %s)", n, oldest.Round(time.Second))
}

func yes(b bool) string {
	if b {
		return "live"
	}
	return ""
}
