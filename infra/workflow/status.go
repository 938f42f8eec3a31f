package workflow

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
	"github.com/video-platform/video-platform/infra/engine"
	"github.com/video-platform/video-platform/infra/observed"
	"github.com/video-platform/video-platform/internal/topology"
)

// StatusOptions are `infra status`'.
type StatusOptions struct {
	// Envs are the envs to show, in order.
	Envs []string
}

func (o StatusOptions) check(s *session) error {
	if len(o.Envs) == 0 {
		return usagef("status takes one or more envs; accepted: %s", strings.Join(s.topo.EnvNames(), ", "))
	}
	// Status only reads what is deployed, so a stack file out of place
	// does not keep it from answering.
	for _, env := range o.Envs {
		if err := s.checkEnvDeclared(env); err != nil {
			return err
		}
	}
	return nil
}

// statusRun is one env's status: what it read, and how many reads failed.
type statusRun struct {
	s   *session
	env string
	// failures counts the failed reads; each is a warning.
	failures int
	outputs  map[string]map[string]any
	// unread are the stacks whose outputs could not be read: what they
	// declare is unknown, not absent.
	unread map[string]bool
	// checks and groups are nil when AWS cannot be read: the tables then
	// show what the stacks say, and "?" for what only AWS knows.
	checks   *awscheck.Checks
	groups   map[string]observed.Group
	draining []decide.DrainingInstance
	outdated []decide.OutdatedInstance
}

// run prints every env's tables, and ends with exit code 3 when one has
// phantom groups, 1 when a read failed.
func (r *statusRun) run(ctx context.Context, envs []string) error {
	phantoms, failures := 0, 0
	for _, env := range envs {
		one := &statusRun{s: r.s, env: env, outputs: map[string]map[string]any{}, unread: map[string]bool{}}
		phantoms += one.show(ctx)
		failures += one.failures
	}
	switch {
	case phantoms > 0:
		return exitError{code: ExitPhantom, msg: fmt.Sprintf("%d phantom group(s): Auto Scaling groups tagged with the env that no stack declares", phantoms)}
	case failures > 0:
		return failed("%d read(s) failed; the tables are incomplete", failures)
	}
	return nil
}

// show prints one env's tables and returns its phantom group count.
func (r *statusRun) show(ctx context.Context) int {
	r.s.printf("== %s ==\n", r.env)
	r.stacks(ctx)
	r.readAWS(ctx)
	r.s.printf("\n")
	r.copies(ctx)
	r.s.printf("\n")
	r.transcoders(ctx)
	if _, err := printInstances(r.s.out, r.draining, r.outdated); err != nil {
		r.warn("%v", err)
	}
	phantoms := r.phantoms()
	r.s.printf("\n")
	return phantoms
}

func (r *statusRun) warn(format string, args ...any) {
	r.failures++
	r.s.warnf(format, args...)
}

// stacks prints each stack's last update, and reads its outputs.
func (r *statusRun) stacks(ctx context.Context) {
	tw := tabwriter.NewWriter(r.s.out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "STACK\tLAST UPDATE\tRESULT\tCHANGES")
	for _, id := range r.s.topo.EnvStacks(r.env) {
		s, err := r.s.stack(ctx, id.Name)
		if errors.Is(err, engine.ErrNoStack) {
			fmt.Fprintf(tw, "%s\tnever\tnot created\t-\n", id.Name)
			continue
		}
		if err != nil {
			r.warn("%v", err)
			r.unread[id.Name] = true
			fmt.Fprintf(tw, "%s\t?\t?\t?\n", id.Name)
			continue
		}
		u, err := s.LastUpdate(ctx)
		switch {
		case err != nil:
			r.warn("history of %s: %v", id.Name, err)
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
			r.warn("outputs of %s: %v", id.Name, err)
			r.unread[id.Name] = true
			continue
		}
		r.outputs[id.Name] = outs
	}
	if err := tw.Flush(); err != nil {
		r.warn("%v", err)
	}
}

// readAWS reads the env's groups and instances.
func (r *statusRun) readAWS(ctx context.Context) {
	checks, err := r.s.checks(ctx, r.env)
	if err == nil {
		r.groups, err = envGroups(ctx, checks.Fleet, r.env)
	}
	if err != nil {
		r.warn("groups of %s: %v", r.env, err)
		return
	}
	r.checks = &checks
	tagged, drains, err := readInstances(ctx, checks.Fleet, r.env, r.groups)
	if err != nil {
		r.warn("instances of %s: %v", r.env, err)
		return
	}
	r.draining, r.outdated = decide.JudgeInstances(r.s.now(), r.groups, tagged, drains)
}

// copies prints each copy's release, capacity and health.
func (r *statusRun) copies(ctx context.Context) {
	live := outStrings(r.outputs[topology.DNSStackName(r.env)], "live")
	tw := tabwriter.NewWriter(r.s.out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SERVICE\tCOLOR\tRELEASE\tLIVE\tDESIRED\tIN SERVICE\tHEALTHY")
	for _, svc := range r.s.topo.ServiceNames() {
		for _, color := range topology.Colors {
			outs, ok := r.outputs[topology.CopyStackName(r.env, svc, color)]
			if !ok || len(outs) == 0 {
				fmt.Fprintf(tw, "%s\t%s\t-\t%s\t-\t-\t-\n", svc, color, yes(live[svc] == color))
				continue
			}
			desired, _ := asInt(outMap(outs, "capacity")["desired"])
			inService, healthy := "?", "?"
			if name := outString(outs, "groupName"); name != "" {
				if g, ok := r.groups[name]; ok {
					inService = fmt.Sprint(g.InService)
				} else if r.groups != nil {
					inService = "no group"
				}
			}
			if tg := outString(outs, "targetGroupArn"); tg != "" && r.checks != nil {
				targets, err := r.checks.Fleet.TargetHealth(ctx, tg)
				if err != nil {
					r.warn("target health of %s-%s: %v", svc, color, err)
				} else {
					n := 0
					for _, t := range targets {
						if t.State == observed.TargetHealthy {
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
		r.warn("%v", err)
	}
}

// transcoders prints each transcoder release's group, and the queue.
func (r *statusRun) transcoders(ctx context.Context) {
	tout := r.outputs[topology.TranscodersStackName(r.env)]
	fleet := outStrings(tout, "groups")
	active := outString(tout, "active")
	tw := tabwriter.NewWriter(r.s.out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TRANSCODER RELEASE\tROLE\tGROUP\tDESIRED\tIN SERVICE\tDRAINING")
	for _, rel := range slices.Sorted(maps.Keys(fleet)) {
		name := fleet[rel]
		role := "draining"
		if rel == active {
			role = "active"
		}
		desired, inService := "?", "?"
		if g, ok := r.groups[name]; ok {
			desired, inService = fmt.Sprint(g.Desired), fmt.Sprint(g.InService)
		} else if r.groups != nil {
			desired, inService = "no group", "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", rel, role, name, desired, inService, drainingSummary(r.draining, name))
	}
	if err := tw.Flush(); err != nil {
		r.warn("%v", err)
	}
	if url := outString(outMap(r.outputs[topology.BaseStackName(r.env)], "queue"), "url"); url != "" && r.checks != nil {
		visible, inFlight, err := r.checks.Queues.QueueDepth(ctx, url)
		if err != nil {
			r.warn("queue depth: %v", err)
		} else {
			r.s.printf("queue: %d visible, %d in flight\n", visible, inFlight)
		}
	}
}

// phantoms prints the groups no stack declares, and warns of the ones it
// cannot classify; it returns how many phantoms there are.
func (r *statusRun) phantoms() int {
	phantom, unknown := decide.ClassifyGroups(r.s.topo, r.env, r.groups, decide.DeclaredGroups(r.outputs), r.unread)
	for _, name := range unknown {
		r.warn("group %s is not classified: the outputs of %s, which would declare it, could not be read", name, r.s.topo.OwnerStack(r.env, r.groups[name].Tags))
	}
	if len(phantom) > 0 {
		red, reset := "", ""
		if r.s.deps.Color != nil && r.s.deps.Color(r.s.out) {
			red, reset = "\x1b[31m", "\x1b[0m"
		}
		r.s.printf("\n%sPHANTOM GROUPS (tagged env=%s, declared by no stack):%s\n", red, r.env, reset)
		for _, name := range phantom {
			g := r.groups[name]
			r.s.printf("%s  %s  desired %d, in service %d%s\n", red, name, g.Desired, g.InService, reset)
		}
	}
	return len(phantom)
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
