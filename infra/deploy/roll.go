package deploy

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/video-platform/video-platform/infra/awscheck"
	"github.com/video-platform/video-platform/internal/topology"
)

// defaultMaxDraining matches the transcoders stack's default.
const defaultMaxDraining = 2

func (a *app) rollCmd(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("roll", flag.ContinueOnError)
	release := fs.String("release", "", "the release to make active")
	gc := fs.Bool("gc", false, "drop draining releases whose groups have no instances")
	timeout := fs.Duration("timeout", 30*time.Minute, "how long to wait for the new group to be in service")
	a.breakLockFlag(fs)
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 || pos[1] != "transcoders" {
		return usagef("roll takes <env> transcoders, got %q; only the transcoder fleet rolls", pos)
	}
	if err := checkEnv(pos[0]); err != nil {
		return err
	}
	if *release == "" && !*gc {
		return usagef("--release is required (or --gc alone to drop empty draining releases)")
	}
	if strings.ContainsAny(*release, " \t\n") {
		return usagef("--release %q contains whitespace", *release)
	}
	if *timeout <= 0 {
		return usagef("--timeout %s must be positive", *timeout)
	}
	return a.roll(ctx, pos[0], *release, *gc, *timeout)
}

// fleetConfig is the part of video-platform:transcoders a roll changes.
type fleetConfig struct {
	Active      string   `json:"active"`
	Draining    []string `json:"draining"`
	MaxDraining *int     `json:"maxDraining"`
}

func (a *app) roll(ctx context.Context, env, release string, gc bool, timeout time.Duration) error {
	name := topology.TranscodersStackName(env)
	unlock, err := a.lockEnv(ctx, env, "roll "+name)
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
	var cfg fleetConfig
	if err := json.Unmarshal([]byte(raw), &cfg); err != nil {
		return fmt.Errorf("%s config transcoders is not an object: %w", name, err)
	}
	maxDraining := defaultMaxDraining
	if cfg.MaxDraining != nil {
		maxDraining = *cfg.MaxDraining
	}
	if release != "" && release == cfg.Active {
		return fmt.Errorf("roll refused: %s is already the active release of %s", release, name)
	}

	active := cfg.Active
	var draining []string
	if release != "" {
		active = release
		draining = append(draining, cfg.Active)
	}
	for _, r := range cfg.Draining {
		// Re-activating a draining release takes it off the draining list.
		if r != release && r != cfg.Active {
			draining = append(draining, r)
		}
	}

	checks, err := a.checks(ctx, env)
	if err != nil {
		return err
	}
	outs, err := s.Outputs(ctx)
	if err != nil {
		return fmt.Errorf("read %s outputs: %w", name, err)
	}
	if gc {
		groups, err := checks.GroupsByTag(ctx, "env", env)
		if err != nil {
			return fmt.Errorf("list groups of %s: %w", env, err)
		}
		byName := map[string]awscheck.Group{}
		for _, g := range groups {
			byName[g.Name] = g
		}
		declared := outStrings(outs, "groups")
		var kept []string
		for _, r := range draining {
			g, exists := byName[declared[r]]
			if r != cfg.Active && (!exists || (g.InService == 0 && g.Desired == 0)) {
				a.printf("gc: dropping draining release %s (group %q has no instances)\n", r, declared[r])
				continue
			}
			kept = append(kept, r)
		}
		draining = kept
	}
	if len(draining) > maxDraining {
		return fmt.Errorf("roll refused: %s would have %d draining releases (%s), more than maxDraining %d; run `infra roll %s transcoders --release %s --gc` to drop releases whose groups are empty, or wait for them to drain",
			name, len(draining), strings.Join(draining, ", "), maxDraining, env, release)
	}
	if active == cfg.Active && strings.Join(draining, ",") == strings.Join(cfg.Draining, ",") {
		a.printf("roll: nothing to change in %s\n", name)
		return nil
	}

	if err := a.setFleet(ctx, s, active, draining); err != nil {
		return fmt.Errorf("roll %s: write config: %w (restore: %v)", name, err, a.setFleet(ctx, s, cfg.Active, cfg.Draining))
	}
	pw := &prefixWriter{out: &syncWriter{w: a.out}, prefix: "[" + name + "] "}
	_, err = s.Up(ctx, RunOptions{Progress: pw})
	pw.Flush()
	if err != nil {
		if rerr := a.setFleet(ctx, s, cfg.Active, cfg.Draining); rerr != nil {
			return fmt.Errorf("roll %s: up failed: %w\nRESTORING the config ALSO FAILED: %v", name, err, rerr)
		}
		return fmt.Errorf("roll %s: up failed: %w\nthe config is restored (active %s); if the update got partway run `infra up %s --stack %s`", name, err, cfg.Active, env, name)
	}
	if release == "" {
		a.printf("roll: %s draining releases now %q\n", name, draining)
		return nil
	}
	return a.waitFleet(ctx, env, s, checks, release, timeout, cfg.Active)
}

// setFleet writes active and replaces the draining list: a list cannot be
// set by path in one call, so it is removed and rewritten element by
// element.
func (a *app) setFleet(ctx context.Context, s Stack, active string, draining []string) error {
	if err := s.SetConfig(ctx, "transcoders.active", active); err != nil {
		return err
	}
	if err := s.RemoveConfig(ctx, "transcoders.draining"); err != nil {
		return err
	}
	for i, r := range draining {
		if err := s.SetConfig(ctx, "transcoders.draining["+strconv.Itoa(i)+"]", r); err != nil {
			return err
		}
	}
	return nil
}

// waitFleet waits until the new release's group has all its desired
// instances in service.
func (a *app) waitFleet(ctx context.Context, env string, s Stack, checks awscheck.Checks, release string, timeout time.Duration, previous string) error {
	outs, err := s.Outputs(ctx)
	if err != nil {
		return fmt.Errorf("read %s outputs: %w", s.Name(), err)
	}
	asg := outStrings(outs, "groups")[release]
	if asg == "" {
		return fmt.Errorf("roll %s: the stack exports no group for release %s (outputs groups)", s.Name(), release)
	}
	deadline := a.deps.Clock.Now().Add(timeout)
	for {
		groups, err := checks.GroupsByTag(ctx, "env", env)
		if err != nil {
			return fmt.Errorf("roll %s: list groups: %w", s.Name(), err)
		}
		for _, g := range groups {
			if g.Name != asg {
				continue
			}
			a.printf("%s group %s: %d/%d in service\n", release, asg, g.InService, g.Desired)
			if g.Desired > 0 && g.InService >= g.Desired {
				a.printf("roll: %s is active in %s; %s is draining\nto roll back: infra roll %s transcoders --release %s\n", release, s.Name(), previous, env, previous)
				return nil
			}
		}
		if a.deps.Clock.Now().After(deadline) {
			return fmt.Errorf("roll %s: group %s of %s did not reach its desired capacity within %s; the config and stack ARE updated; check the group's activity history, or roll back with `infra roll %s transcoders --release %s`",
				s.Name(), asg, release, timeout, env, previous)
		}
		if err := a.sleep(ctx, a.deps.Poll); err != nil {
			return fmt.Errorf("roll %s: %w", s.Name(), err)
		}
	}
}
