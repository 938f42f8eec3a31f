package deploy

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/video-platform/video-platform/infra/awscheck"
	"github.com/video-platform/video-platform/infra/decide"
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

// Roll makes a release the active transcoder release in two phases, and
// with GC drops draining releases whose groups are empty.
func (a *Workflow) Roll(ctx context.Context, o RollOptions) error {
	if err := checkEnv(o.Env); err != nil {
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
	return a.roll(ctx, o)
}

// roll makes release the active transcoder release in two phases. Phase 1
// creates its group beside the active one (warming) and waits until every
// instance is in service: with the launch hook, in service means ready.
// Phase 2 makes it active and the previous release draining. If the new
// release is not ready within timeout, its group is removed and nothing is
// drained. Re-running a roll that stopped between the phases finishes it.
func (a *Workflow) roll(ctx context.Context, o RollOptions) error {
	env, release, gc, timeout := o.Env, o.Release, o.GC, o.Timeout
	name := topology.TranscodersStackName(env)
	unlock, err := a.lockEnv(ctx, env, "roll "+name, o.BreakLock)
	if err != nil {
		return fmt.Errorf("roll refused: %w", err)
	}
	defer unlock()
	s, err := a.stack(ctx, name)
	if err != nil {
		return err
	}
	raw, found, err := s.GetConfig(ctx, "transcoders")
	if err != nil {
		return fmt.Errorf("read %s config transcoders: %w", name, err)
	}
	if !found {
		return fmt.Errorf("%s has no %s:transcoders config", name, ConfigNamespace)
	}
	var cfg decide.Fleet
	if err := json.Unmarshal([]byte(raw), &cfg); err != nil {
		return fmt.Errorf("%s config transcoders is not an object: %w", name, err)
	}
	maxDraining := decide.DefaultMaxDraining
	if cfg.MaxDraining != nil {
		maxDraining = *cfg.MaxDraining
	}
	checks, err := a.checks(ctx, env)
	if err != nil {
		return err
	}
	draining := cfg.Draining
	if release != "" {
		draining = decide.NextDraining(cfg, release)
	}
	if gc {
		if draining, err = a.gcDraining(ctx, env, s, checks.Fleet, cfg.Active, draining); err != nil {
			return err
		}
	}
	if len(draining) > maxDraining {
		return fmt.Errorf("roll refused: %s would have %d draining releases (%s), more than maxDraining %d; run `infra roll %s transcoders --release %s --gc` to drop releases whose groups are empty, or wait for them to drain",
			name, len(draining), strings.Join(draining, ", "), maxDraining, env, release)
	}
	pw := &prefixWriter{out: &syncWriter{w: a.out}, prefix: "[" + name + "] "}
	if release == "" {
		if strings.Join(draining, ",") == strings.Join(cfg.Draining, ",") {
			a.printf("roll: nothing to change in %s\n", name)
			return nil
		}
		next := cfg
		next.Draining = draining
		if err := a.applyFleet(ctx, env, s, pw, cfg, next); err != nil {
			return fmt.Errorf("roll %s: %w", name, err)
		}
		a.printf("roll: %s draining releases now %s\n", name, strings.Join(draining, ", "))
		return nil
	}
	plan, err := decide.PlanRoll(cfg, env, release)
	if err != nil {
		return fmt.Errorf("roll refused: %w", err)
	}

	// A draining release made active again warms up from its own group.
	warming := cfg
	warming.Warming = release
	warming.Draining = slices.DeleteFunc(slices.Clone(cfg.Draining), func(r string) bool { return r == release })
	if plan.Warm {
		a.printf("roll phase 1 of 2: %s starts beside the active %s; both take jobs\n", release, plan.Previous)
		if err := a.applyFleet(ctx, env, s, pw, cfg, warming); err != nil {
			return fmt.Errorf("roll %s: %w", name, err)
		}
	} else {
		a.printf("roll: resuming the roll to %s (it is warming beside %s)\n", release, plan.Previous)
	}
	if err := a.waitFleet(ctx, env, s, checks.Fleet, release, timeout); err != nil {
		// Nothing drains for a release that never proved itself: its
		// group goes, the previous release keeps every job.
		abandon := warming
		abandon.Warming = ""
		if aerr := a.applyFleet(ctx, env, s, pw, warming, abandon); aerr != nil {
			return fmt.Errorf("roll %s: %w\nREMOVING the group of %s ALSO FAILED: %v; %s is still active, nothing was drained; run `infra up %s --stack %s` after removing transcoders.warming",
				name, err, release, aerr, plan.Previous, env, name)
		}
		return fmt.Errorf("roll %s: %w\nthe group of %s is removed and the config restored; %s is still active and nothing was drained", name, err, release, plan.Previous)
	}
	a.printf("roll phase 2 of 2: %s is ready; it becomes active and %s drains\n", release, plan.Previous)
	active := warming
	active.Active, active.Warming, active.Draining = release, "", draining
	if err := a.applyFleet(ctx, env, s, pw, warming, active); err != nil {
		return fmt.Errorf("roll %s: %w\n%s is ready and still warming beside %s; re-run `infra roll %s transcoders --release %s` to finish", name, err, release, plan.Previous, env, release)
	}
	a.printf("roll: %s is active in %s; %s is draining\nto roll back: infra roll %s transcoders --release %s\n", release, name, plan.Previous, env, plan.Previous)
	return nil
}

// gcDraining drops the draining releases whose groups hold no instance in
// any lifecycle state: one in Terminating:Wait still finishes a job.
func (a *Workflow) gcDraining(ctx context.Context, env string, s Stack, checks awscheck.Fleet, active string, draining []string) ([]string, error) {
	outs, err := s.Outputs(ctx)
	if err != nil {
		return nil, fmt.Errorf("read %s outputs: %w", s.Name(), err)
	}
	groups, err := checks.GroupsByTag(ctx, "env", env)
	if err != nil {
		return nil, fmt.Errorf("list groups of %s: %w", env, err)
	}
	byName := map[string]awscheck.Group{}
	for _, g := range groups {
		byName[g.Name] = g
	}
	declared := outStrings(outs, "groups")
	var kept []string
	for _, r := range draining {
		g, exists := byName[declared[r]]
		if r != active && (!exists || (g.Instances == 0 && g.Desired == 0)) {
			a.printf("gc: dropping draining release %s (group %q has no instances)\n", r, declared[r])
			continue
		}
		if r != active && exists {
			a.printf("gc: keeping draining release %s: group %q still has %d instance(s)%s\n", r, g.Name, g.Instances, drainingNote(g))
		}
		kept = append(kept, r)
	}
	return kept, nil
}

// drainingNote says how many of a group's instances still finish a job.
func drainingNote(g awscheck.Group) string {
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

// applyFleet writes next and updates the stack; on failure it restores
// prev in the config and says so.
func (a *Workflow) applyFleet(ctx context.Context, env string, s Stack, pw *prefixWriter, prev, next decide.Fleet) error {
	if err := a.setFleet(ctx, s, next); err != nil {
		return fmt.Errorf("write config: %w (restore: %v)", err, a.setFleet(ctx, s, prev))
	}
	_, err := s.Up(ctx, RunOptions{Progress: pw})
	pw.Flush()
	if err == nil {
		return nil
	}
	if rerr := a.setFleet(ctx, s, prev); rerr != nil {
		return fmt.Errorf("up failed: %w\nRESTORING the config ALSO FAILED: %v", err, rerr)
	}
	return fmt.Errorf("up failed: %w\nthe config is restored (active %s); if the update got partway run `infra up %s --stack %s`", err, prev.Active, env, s.Name())
}

// setFleet writes active and warming and replaces the draining list: a
// list cannot be set by path in one call, so it is removed and rewritten
// element by element.
func (a *Workflow) setFleet(ctx context.Context, s Stack, f decide.Fleet) error {
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
	for i, r := range f.Draining {
		if err := s.SetConfig(ctx, "transcoders.draining["+strconv.Itoa(i)+"]", r); err != nil {
			return err
		}
	}
	return nil
}

// waitFleet waits until the release's group has all its desired
// instances in service.
func (a *Workflow) waitFleet(ctx context.Context, env string, s Stack, checks awscheck.Fleet, release string, timeout time.Duration) error {
	outs, err := s.Outputs(ctx)
	if err != nil {
		return fmt.Errorf("read %s outputs: %w", s.Name(), err)
	}
	asg := outStrings(outs, "groups")[release]
	if asg == "" {
		return fmt.Errorf("the stack exports no group for release %s (outputs groups)", release)
	}
	start := a.deps.Clock.Now()
	deadline := start.Add(timeout)
	for {
		groups, err := checks.GroupsByTag(ctx, "env", env)
		if err != nil {
			return fmt.Errorf("list groups: %w", err)
		}
		for _, g := range groups {
			if g.Name != asg {
				continue
			}
			a.printf("%s group %s: %d/%d in service after %s\n", release, asg, g.InService, g.Desired, a.deps.Clock.Now().Sub(start).Round(time.Second))
			if g.Desired > 0 && g.InService >= g.Desired {
				return nil
			}
		}
		if a.deps.Clock.Now().After(deadline) {
			return fmt.Errorf("group %s of %s did not reach its desired capacity within %s", asg, release, timeout)
		}
		if err := a.sleep(ctx, a.deps.Poll); err != nil {
			return err
		}
	}
}
