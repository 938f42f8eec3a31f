package workflow

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/video-platform/video-platform/infra/awscheck"
	"github.com/video-platform/video-platform/infra/decide"
	"github.com/video-platform/video-platform/infra/engine"
	"github.com/video-platform/video-platform/infra/observed"
	"github.com/video-platform/video-platform/internal/topology"
)

// RollOptions are `infra roll <env> transcoders`'.
type RollOptions struct {
	// Env is the env whose transcoder fleet rolls.
	Env string
	// Release is the release to make active; empty with GC only drops
	// empty draining releases.
	Release string
	// GC drops draining releases whose groups have no instances.
	GC bool
	// Timeout is how long the new release's group may take to be in
	// service (DefaultRollTimeout).
	Timeout time.Duration
	// BreakLock removes the env lock a dead process left before taking it.
	BreakLock bool
}

func (o RollOptions) check(s *session) error {
	if err := s.checkEnv(o.Env); err != nil {
		return err
	}
	if o.Release == "" && !o.GC {
		return usagef("--release is required (or --gc alone to drop empty draining releases)")
	}
	if strings.ContainsAny(o.Release, " \t\n") {
		return usagef("--release %q contains whitespace", o.Release)
	}
	if o.Timeout <= 0 {
		return usagef("--timeout %s must be positive", o.Timeout)
	}
	return nil
}

// rollRun is one roll of the transcoder fleet.
type rollRun struct {
	s *session
	o RollOptions
	// name is the transcoders stack, stack the stack itself.
	name  string
	stack engine.Stack
	fleet awscheck.Fleet
	pw    *prefixWriter
}

// run makes the release active in two phases (see roll), after dropping
// the empty draining releases with --gc; without a release it only drops
// them.
func (r *rollRun) run(ctx context.Context) error {
	env, release := r.o.Env, r.o.Release
	r.name = topology.TranscodersStackName(env)
	unlock, err := r.s.lock(ctx, env, "roll "+r.name, r.o.BreakLock)
	if err != nil {
		return fmt.Errorf("roll refused: %w", err)
	}
	defer unlock()
	if r.stack, err = r.s.stack(ctx, r.name); err != nil {
		return err
	}
	cfg, found, err := readFleet(ctx, r.stack)
	if err != nil {
		return err
	}
	if !found {
		return fmt.Errorf("%s has no %s:transcoders config", r.name, observed.ConfigNamespace)
	}
	checks, err := r.s.checks(ctx, env)
	if err != nil {
		return err
	}
	r.fleet = checks.Fleet
	draining := cfg.Draining
	if release != "" {
		draining = decide.NextDraining(cfg, release)
	}
	if r.o.GC {
		if draining, err = r.gc(ctx, cfg.Active, draining); err != nil {
			return err
		}
	}
	if maxDraining := cfg.MaxDrainingOr(); len(draining) > maxDraining {
		return fmt.Errorf("roll refused: %s would have %d draining releases (%s), more than maxDraining %d; run `infra roll %s transcoders --release %s --gc` to drop releases whose groups are empty, or wait for them to drain",
			r.name, len(draining), strings.Join(draining, ", "), maxDraining, env, release)
	}
	r.pw = r.s.stackWriter(r.name)
	if release == "" {
		if strings.Join(draining, ",") == strings.Join(cfg.Draining, ",") {
			r.s.printf("roll: nothing to change in %s\n", r.name)
			return nil
		}
		next := cfg
		next.Draining = draining
		if err := r.apply(ctx, cfg, next); err != nil {
			return fmt.Errorf("roll %s: %w", r.name, err)
		}
		r.s.printf("roll: %s draining releases now %s\n", r.name, strings.Join(draining, ", "))
		return nil
	}
	return r.roll(ctx, cfg, draining)
}

// roll makes the release the active transcoder release in two phases.
// Phase 1 creates its group beside the active one (warming) and waits
// until every instance is in service: with the launch hook, in service
// means ready. Phase 2 makes it active and the previous release, with the
// others of draining, drain. If the new release is not ready within the
// timeout, its group is removed and nothing is drained. Re-running a roll
// that stopped between the phases finishes it.
func (r *rollRun) roll(ctx context.Context, cfg decide.Fleet, draining []string) error {
	env, release, name := r.o.Env, r.o.Release, r.name
	plan, err := decide.PlanRoll(cfg, env, release)
	if err != nil {
		return fmt.Errorf("roll refused: %w", err)
	}
	// A draining release made active again warms up from its own group.
	warming := cfg
	warming.Warming = release
	warming.Draining = slices.DeleteFunc(slices.Clone(cfg.Draining), func(r string) bool { return r == release })
	if plan.Warm {
		r.s.printf("roll phase 1 of 2: %s starts beside the active %s; both take jobs\n", release, plan.Previous)
		if err := r.apply(ctx, cfg, warming); err != nil {
			return fmt.Errorf("roll %s: %w", name, err)
		}
	} else {
		r.s.printf("roll: resuming the roll to %s (it is warming beside %s)\n", release, plan.Previous)
	}
	if err := r.wait(ctx, release); err != nil {
		// Nothing drains for a release that never proved itself: its
		// group goes, the previous release keeps every job.
		abandon := warming
		abandon.Warming = ""
		if aerr := r.apply(ctx, warming, abandon); aerr != nil {
			return fmt.Errorf("roll %s: %w\nREMOVING the group of %s ALSO FAILED: %v; %s is still active, nothing was drained; run `infra up %s --stack %s` after removing transcoders.warming",
				name, err, release, aerr, plan.Previous, env, name)
		}
		return fmt.Errorf("roll %s: %w\nthe group of %s is removed and the config restored; %s is still active and nothing was drained", name, err, release, plan.Previous)
	}
	r.s.printf("roll phase 2 of 2: %s is ready; it becomes active and %s drains\n", release, plan.Previous)
	active := warming
	active.Active, active.Warming, active.Draining = release, "", draining
	if err := r.apply(ctx, warming, active); err != nil {
		return fmt.Errorf("roll %s: %w\n%s is ready and still warming beside %s; re-run `infra roll %s transcoders --release %s` to finish", name, err, release, plan.Previous, env, release)
	}
	r.s.printf("roll: %s is active in %s; %s is draining\nto roll back: infra roll %s transcoders --release %s\n", release, name, plan.Previous, env, plan.Previous)
	return nil
}

// gc drops the draining releases whose groups hold no instance in any
// lifecycle state (decide.Drained): one in Terminating:Wait still
// finishes a job.
func (r *rollRun) gc(ctx context.Context, active string, draining []string) ([]string, error) {
	outs, err := r.stack.Outputs(ctx)
	if err != nil {
		return nil, fmt.Errorf("read %s outputs: %w", r.stack.Name(), err)
	}
	groups, err := envGroups(ctx, r.fleet, r.o.Env)
	if err != nil {
		return nil, fmt.Errorf("list groups of %s: %w", r.o.Env, err)
	}
	declared := outStrings(outs, "groups")
	var kept []string
	for _, rel := range draining {
		g, exists := groups[declared[rel]]
		if rel != active && decide.Drained(g, exists) {
			r.s.printf("gc: dropping draining release %s (group %q has no instances)\n", rel, declared[rel])
			continue
		}
		if rel != active && exists {
			r.s.printf("gc: keeping draining release %s: group %q still has %d instance(s)%s\n", rel, g.Name, g.Instances, drainingNote(g))
		}
		kept = append(kept, rel)
	}
	return kept, nil
}

// apply writes next and updates the stack; on failure it restores prev
// in the config and says so.
func (r *rollRun) apply(ctx context.Context, prev, next decide.Fleet) error {
	if err := r.set(ctx, next); err != nil {
		return fmt.Errorf("write config: %w (restore: %v)", err, r.set(ctx, prev))
	}
	_, err := r.stack.Up(ctx, engine.RunOptions{Progress: r.pw})
	r.pw.Flush()
	if err == nil {
		return nil
	}
	if rerr := r.set(ctx, prev); rerr != nil {
		return fmt.Errorf("up failed: %w\nRESTORING the config ALSO FAILED: %v", err, rerr)
	}
	return fmt.Errorf("up failed: %w\nthe config is restored (active %s); if the update got partway run `infra up %s --stack %s`", err, prev.Active, r.o.Env, r.stack.Name())
}

// set writes active and warming and replaces the draining list: a list
// cannot be set by path in one call, so it is removed and rewritten
// element by element.
func (r *rollRun) set(ctx context.Context, f decide.Fleet) error {
	s := r.stack
	if err := s.SetConfig(ctx, "transcoders.active", f.Active); err != nil {
		return err
	}
	if f.Warming == "" {
		if err := s.RemoveConfig(ctx, "transcoders.warming"); err != nil {
			return err
		}
	} else if err := s.SetConfig(ctx, "transcoders.warming", f.Warming); err != nil {
		return err
	}
	if err := s.RemoveConfig(ctx, "transcoders.draining"); err != nil {
		return err
	}
	for i, rel := range f.Draining {
		if err := s.SetConfig(ctx, "transcoders.draining["+strconv.Itoa(i)+"]", rel); err != nil {
			return err
		}
	}
	return nil
}

// wait waits until the release's group has all its desired instances in
// service (decide.FleetReady), printing them at every poll.
func (r *rollRun) wait(ctx context.Context, release string) error {
	outs, err := r.stack.Outputs(ctx)
	if err != nil {
		return fmt.Errorf("read %s outputs: %w", r.stack.Name(), err)
	}
	asg := outStrings(outs, "groups")[release]
	if asg == "" {
		return fmt.Errorf("the stack exports no group for release %s (outputs groups)", release)
	}
	start := r.s.now()
	deadline := start.Add(r.o.Timeout)
	for {
		groups, err := r.fleet.GroupsByTag(ctx, "env", r.o.Env)
		if err != nil {
			return fmt.Errorf("list groups: %w", err)
		}
		for _, g := range groups {
			if g.Name != asg {
				continue
			}
			r.s.printf("%s group %s: %d/%d in service after %s\n", release, asg, g.InService, g.Desired, r.s.now().Sub(start).Round(time.Second))
			if decide.FleetReady(g) {
				return nil
			}
		}
		if r.s.now().After(deadline) {
			return fmt.Errorf("group %s of %s did not reach its desired capacity within %s", asg, release, r.o.Timeout)
		}
		if err := r.s.sleep(ctx, r.s.deps.Poll); err != nil {
			return err
		}
	}
}

// drainingNote says how many of a group's instances still finish a job.
func drainingNote(g observed.Group) string {
	n := 0
	for _, m := range g.Members {
		if m.Draining() {
			n++
		}
	}
	if n == 0 {
		return ""
	}
	return fmt.Sprintf(", %d of them terminating and finishing their jobs", n)
}
