package workflow

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/video-platform/video-platform/infra/awscheck"
	"github.com/video-platform/video-platform/infra/decide"
	"github.com/video-platform/video-platform/infra/engine"
	"github.com/video-platform/video-platform/internal/topology"
)

// Release defaults, shared with the command's help.
const (
	DefaultReleaseStep    = 5 * time.Minute
	DefaultReleaseWatch   = 15 * time.Minute
	DefaultReleaseTimeout = 30 * time.Minute
)

// transcodersService is how `infra release` names the transcoder fleet,
// whose releases roll instead of swapping.
const transcodersService = "transcoders"

// ReleaseOptions are `infra release`'s.
type ReleaseOptions struct {
	// Env, Service and Release: prod web 2026.11.27-1. Service is a
	// blue-green service or "transcoders".
	Env, Service, Release string
	// Canary are the traffic shares (ascending, 1..99) the new color gets,
	// each held for Step with its alarms watched, before the swap.
	Canary []int
	// Step is how long each canary share is held.
	Step time.Duration
	// Watch is how long the new color's alarms are watched after the swap.
	Watch time.Duration
	// Timeout bounds the wait for the idle copy (or the new transcoder
	// group) to be healthy.
	Timeout time.Duration
	// BreakLock removes the env lock a dead process left before taking it.
	BreakLock bool
}

func (o ReleaseOptions) check(s *session) error {
	if err := s.checkEnv(o.Env); err != nil {
		return err
	}
	if o.Service != transcodersService {
		if err := s.checkService(o.Service); err != nil {
			return usagef("service %q is unknown; accepted: %s, %s", o.Service, strings.Join(s.topo.ServiceNames(), ", "), transcodersService)
		}
	}
	if o.Release == "" || strings.ContainsAny(o.Release, " \t\n/:") {
		return usagef("release %q is not an image tag", o.Release)
	}
	if err := decide.CheckCanary(o.Canary); err != nil {
		return usagef("%v", err)
	}
	if o.Service == transcodersService && len(o.Canary) > 0 {
		return usagef("--canary does not apply to transcoders: a release rolls, it does not share traffic")
	}
	for _, d := range []struct {
		flag string
		v    time.Duration
	}{{"--step", o.Step}, {"--watch", o.Watch}, {"--timeout", o.Timeout}} {
		if d.v <= 0 {
			return usagef("%s %s must be positive", d.flag, d.v)
		}
	}
	return nil
}

// releaseRun is one `infra release`.
type releaseRun struct {
	s     *session
	o     ReleaseOptions
	start time.Time
}

// run takes the env lock for the whole release and checks the image; the
// transcoders then roll, a blue-green service goes step by step, and ends
// with what its records serve.
func (r *releaseRun) run(ctx context.Context) error {
	o := r.o
	unlock, err := r.s.lock(ctx, o.Env, fmt.Sprintf("release %s %s %s", o.Env, o.Service, o.Release), o.BreakLock)
	if err != nil {
		return fmt.Errorf("release refused: %w", err)
	}
	defer unlock()
	r.start = r.s.now()
	if o.Service == transcodersService {
		if err := r.checkImage(ctx); err != nil {
			return err
		}
		r.progress("rolling the transcoders to %s (two phases: the new group proves ready before the old one drains)", o.Release)
		return (&rollRun{s: r.s, o: RollOptions{Env: o.Env, Release: o.Release, Timeout: o.Timeout}}).run(ctx)
	}
	// Whatever happened, the last line says what the records serve now.
	defer releaseStatement(ctx, r.s, o.Env, o.Service)
	if err := r.checkImage(ctx); err != nil {
		return err
	}
	return r.steps(ctx)
}

// releaseStatement prints what the service's deployed records serve now.
func releaseStatement(ctx context.Context, s *session, env, svc string) {
	dns, err := s.stack(ctx, topology.DNSStackName(env))
	if err == nil {
		var weights map[string]int
		if weights, err = deployedWeights(ctx, dns, svc); err == nil {
			s.printf("%s\n", decide.LiveStatement(svc, weights))
			return
		}
	}
	fmt.Fprintf(s.errw, "what %s serves now could not be read (%v): run `infra status %s`\n", svc, err, env)
}

// progress prints a step with the time since the release started.
func (r *releaseRun) progress(format string, args ...any) {
	elapsed := r.s.now().Sub(r.start).Round(time.Second)
	r.s.printf("[release +%s] %s\n", elapsed, fmt.Sprintf(format, args...))
}

// checkImage refuses a release whose image is not in the service's
// repository, naming the tags nearest in time.
func (r *releaseRun) checkImage(ctx context.Context) error {
	tier := r.o.Service
	if tier == transcodersService {
		tier = "transcoder"
	}
	repo := topology.RepositoryName(r.o.Env, tier)
	checks, err := r.s.checks(ctx, r.o.Env)
	if err != nil {
		return err
	}
	ok, err := checks.Registry.ImageExists(ctx, repo, r.o.Release)
	if err != nil {
		return fmt.Errorf("release refused: check the image %s:%s: %w", repo, r.o.Release, err)
	}
	if ok {
		r.progress("image %s:%s is in the registry", repo, r.o.Release)
		return nil
	}
	msg := fmt.Sprintf("release refused: no image %s:%s", repo, r.o.Release)
	if near, nerr := checks.Registry.NearestTags(ctx, repo, 5); nerr == nil && len(near) > 0 {
		var tags []string
		for _, t := range near {
			if !strings.HasPrefix(t.Tag, "keep-") {
				tags = append(tags, fmt.Sprintf("%s (pushed %s)", t.Tag, t.PushedAt.UTC().Format("2006-01-02 15:04")))
			}
		}
		msg += "; the newest tags: " + strings.Join(tags, ", ")
	} else if nerr != nil {
		msg += fmt.Sprintf("; listing its tags failed too: %v", nerr)
	}
	return failed("%s\nnothing changed", msg)
}

// releaseCopies are the two copies of the service as a release sees them.
type releaseCopies struct {
	live, target       engine.Stack
	liveOuts           map[string]any
	liveCap            decide.Capacity
	targetDesired      int
	liveInService      int
	targetSC           *swapCopies
	targetNotReadyWhy  string
	previous, prevRel  string
	swappedAt          time.Time
	canary             int
	liveRel, targetRel string
	liveColor          string
}

// steps does, step after step, what decide.NextReleaseStep says.
func (r *releaseRun) steps(ctx context.Context) error {
	for {
		c, st, err := r.observe(ctx)
		if err != nil {
			return fmt.Errorf("release %s: %w", r.o.Release, err)
		}
		plan := decide.NextReleaseStep(st, r.o.Release, r.o.Canary, r.o.Watch)
		switch plan.Step {
		case decide.StepDeploy:
			if err := r.deploy(ctx, c, st); err != nil {
				return err
			}
		case decide.StepWaitHealthy:
			if err := r.waitHealthy(ctx, st); err != nil {
				return err
			}
		case decide.StepCanary:
			if err := r.canary(ctx, c, st, plan.CanaryPct); err != nil {
				return err
			}
		case decide.StepSwap:
			r.progress("swapping %s to %s", r.o.Service, st.Target)
			if err := runSwap(ctx, r.s, swapReq{env: r.o.Env, svc: r.o.Service, to: st.Target, canary: -1}); err != nil {
				return fmt.Errorf("release %s: the swap failed: %w", r.o.Release, err)
			}
		case decide.StepWatch:
			return r.watch(ctx, c, st, plan.WatchLeft)
		case decide.StepDone:
			r.progress("%s runs %s on %s; %s keeps running for a rollback until housekeeping retires it", r.o.Service, r.o.Release, st.Live, topology.Other(st.Live))
			return nil
		case decide.StepRolledBack:
			return failed("release %s of %s was swapped in and rolled back at %s (%s config previous.%s); "+
				"nothing changed. Fix the release and publish a new tag; to put this one on traffic again, swap by hand: infra swap %s %s",
				r.o.Release, r.o.Service, st.SwappedAt.UTC().Format(time.RFC3339), topology.DNSStackName(r.o.Env), r.o.Service, r.o.Env, r.o.Service)
		}
	}
}

// observe reads everything decide.NextReleaseStep decides from.
func (r *releaseRun) observe(ctx context.Context) (*releaseCopies, decide.ReleaseState, error) {
	env, svc := r.o.Env, r.o.Service
	idle, err := readIdle(ctx, r.s, env, svc)
	if err != nil {
		return nil, decide.ReleaseState{}, err
	}
	if idle.live == "" {
		return nil, decide.ReleaseState{}, fmt.Errorf("%s serves no live color for %s; run `infra up %s` first", topology.DNSStackName(env), svc, env)
	}
	c := &releaseCopies{liveColor: idle.live, canary: idle.canary, swappedAt: idle.swappedAt, previous: idle.previous, prevRel: idle.previousRelease}
	target := topology.Other(idle.live)
	if c.live, err = r.s.stack(ctx, topology.CopyStackName(env, svc, idle.live)); err != nil {
		return nil, decide.ReleaseState{}, err
	}
	if c.target, err = r.s.stack(ctx, topology.CopyStackName(env, svc, target)); err != nil {
		return nil, decide.ReleaseState{}, err
	}
	if c.liveOuts, err = c.live.Outputs(ctx); err != nil {
		return nil, decide.ReleaseState{}, fmt.Errorf("read %s outputs: %w", c.live.Name(), err)
	}
	c.liveRel = outString(c.liveOuts, "release")
	if c.liveCap, _, err = readCapacity(ctx, c.live); err != nil {
		return nil, decide.ReleaseState{}, err
	}
	targetCap, _, err := readCapacity(ctx, c.target)
	if err != nil {
		return nil, decide.ReleaseState{}, err
	}
	c.targetDesired = targetCap.Desired
	if c.targetRel, err = configText(ctx, c.target, "copy.release"); err != nil {
		return nil, decide.ReleaseState{}, err
	}
	checks, err := r.s.checks(ctx, env)
	if err != nil {
		return nil, decide.ReleaseState{}, err
	}
	groups, err := envGroups(ctx, checks.Fleet, env)
	if err != nil {
		return nil, decide.ReleaseState{}, fmt.Errorf("read the Auto Scaling groups of %s: %w", env, err)
	}
	c.liveInService = groups[outString(c.liveOuts, "groupName")].InService
	st := decide.ReleaseState{Live: idle.live, Target: target, LiveRelease: c.liveRel, TargetRelease: c.targetRel,
		TargetDesired: c.targetDesired, LiveInService: c.liveInService, Canary: idle.canary,
		Previous: c.previous, PreviousRelease: c.prevRel, SwappedAt: idle.swappedAt, Now: r.s.now()}
	// Readiness is asked only of a copy that runs the release at size: the
	// preflight of a swap, without its printing.
	if decide.TargetSized(st, r.o.Release) {
		sc, err := preflight(ctx, r.s, swapReq{env: env, svc: svc, quiet: true}, idle.live, target)
		st.TargetReady = err == nil
		if err != nil {
			c.targetNotReadyWhy = err.Error()
		}
		c.targetSC = sc
	}
	return c, st, nil
}

// deploy sets the target copy's release and its capacity to the live
// copy's (desired at least what the live copy has in service), and runs an
// up of that copy only. On failure the config is restored.
func (r *releaseRun) deploy(ctx context.Context, c *releaseCopies, st decide.ReleaseState) error {
	want := decide.DeployCapacity(c.liveCap, st.LiveInService)
	name := c.target.Name()
	r.progress("deploying %s to %s (live %s runs %s with %d in service): capacity min %d, desired %d, max %d",
		r.o.Release, name, st.Live, st.LiveRelease, st.LiveInService, want.Min, want.Desired, want.Max)
	changes := append([]configChange{{path: "copy.release", value: r.o.Release}}, capacityChanges(want)...)
	if i, err := readOld(ctx, c.target, changes); err != nil {
		return fmt.Errorf("release %s: read %s config %s: %w", r.o.Release, name, changes[i].path, err)
	}
	if i, err := writeConfig(ctx, c.target, changes); err != nil {
		return fmt.Errorf("release %s: set %s config %s: %w (restore: %v)", r.o.Release, name, changes[i].path, err, restoreConfig(ctx, c.target, changes))
	}
	pw := r.s.stackWriter(name)
	_, err := c.target.Up(ctx, engine.RunOptions{Progress: pw})
	pw.Flush()
	if err != nil {
		rerr := restoreConfig(ctx, c.target, changes)
		return fmt.Errorf("release %s: the up of %s failed: %w\nno traffic moved; the config of %s is restored (restore error: %v); re-run the release to try again",
			r.o.Release, name, err, name, rerr)
	}
	r.progress("%s runs %s", name, r.o.Release)
	return nil
}

// waitHealthy waits until the target copy passes the swap's preflight,
// printing what it waits for at every poll.
func (r *releaseRun) waitHealthy(ctx context.Context, st decide.ReleaseState) error {
	deadline := r.s.now().Add(r.o.Timeout)
	for {
		c, cur, err := r.observe(ctx)
		if err != nil {
			return fmt.Errorf("release %s: %w", r.o.Release, err)
		}
		if cur.TargetReady || cur.TargetRelease != r.o.Release {
			return nil
		}
		why := c.targetNotReadyWhy
		if !r.s.now().Before(deadline) {
			return failed("release %s: the %s copy of %s is not healthy after %s: %s\nno traffic moved: %s is still live; "+
				"the idle copy keeps %s for inspection; re-run the release to keep waiting", r.o.Release, st.Target, r.o.Service, r.o.Timeout, why, st.Live, r.o.Release)
		}
		r.progress("waiting for the %s copy to be healthy: %s", st.Target, why)
		if err := r.s.sleep(ctx, r.s.deps.Poll); err != nil {
			return err
		}
	}
}

// canary moves the share pct to the target, holds it for Step with the
// target's alarms watched, then moves on to the next share or the swap.
func (r *releaseRun) canary(ctx context.Context, c *releaseCopies, st decide.ReleaseState, pct int) error {
	if st.Canary != pct {
		r.progress("canary: %d%% of %s to %s", pct, r.o.Service, st.Target)
		if err := runSwap(ctx, r.s, swapReq{env: r.o.Env, svc: r.o.Service, canary: pct}); err != nil {
			return fmt.Errorf("release %s: the canary of %d%% failed: %w", r.o.Release, pct, err)
		}
	}
	alarms, err := r.alarmNames(ctx, c.target)
	if err != nil {
		return err
	}
	r.progress("holding %d%% on %s for %s, watching %s", pct, st.Target, r.o.Step, strings.Join(alarms, ", "))
	fired, err := r.watchAlarms(ctx, alarms, r.o.Step)
	if err != nil {
		return err
	}
	if fired != "" {
		r.progress("%s; ending the canary", fired)
		if err := runSwap(ctx, r.s, swapReq{env: r.o.Env, svc: r.o.Service, canary: 0}); err != nil {
			return fmt.Errorf("release %s: %s, and ending the canary FAILED: %w; run `infra swap %s %s --canary 0`", r.o.Release, fired, err, r.o.Env, r.o.Service)
		}
		return failed("release %s: %s during the %d%% canary; the canary is ended and %s serves everything", r.o.Release, fired, pct, st.Live)
	}
	if next := decide.NextCanary(r.o.Canary, pct); next > 0 {
		r.progress("canary: %d%% of %s to %s", next, r.o.Service, st.Target)
		if err := runSwap(ctx, r.s, swapReq{env: r.o.Env, svc: r.o.Service, canary: next}); err != nil {
			return fmt.Errorf("release %s: the canary of %d%% failed: %w", r.o.Release, next, err)
		}
		return nil
	}
	r.progress("the last canary share held; swapping %s to %s", r.o.Service, st.Target)
	if err := runSwap(ctx, r.s, swapReq{env: r.o.Env, svc: r.o.Service, to: st.Target, canary: -1}); err != nil {
		return fmt.Errorf("release %s: the swap failed: %w", r.o.Release, err)
	}
	return nil
}

// watch watches the new live color's alarms for what is left of Watch and
// swaps back when one fires.
func (r *releaseRun) watch(ctx context.Context, c *releaseCopies, st decide.ReleaseState, left time.Duration) error {
	alarms, err := r.alarmNames(ctx, c.live)
	if err != nil {
		return err
	}
	r.progress("watching %s on %s for %s", strings.Join(alarms, ", "), st.Live, left.Round(time.Second))
	fired, err := r.watchAlarms(ctx, alarms, left)
	if err != nil {
		return err
	}
	if fired == "" {
		r.progress("%s runs %s on %s and its alarms stayed quiet for the watch; %s keeps running for a rollback until housekeeping retires it",
			r.o.Service, r.o.Release, st.Live, topology.Other(st.Live))
		return nil
	}
	r.progress("%s; rolling back", fired)
	if err := runSwap(ctx, r.s, swapReq{env: r.o.Env, svc: r.o.Service, canary: -1, rollback: true}); err != nil {
		return fmt.Errorf("release %s: %s, and the automatic rollback FAILED: %w\nroll back by hand: infra rollback %s %s", r.o.Release, fired, err, r.o.Env, r.o.Service)
	}
	return failed("release %s: %s; rolled back to %s", r.o.Release, fired, topology.Other(st.Live))
}

// alarmNames reads a copy's alarms from its outputs.
func (r *releaseRun) alarmNames(ctx context.Context, s engine.Stack) ([]string, error) {
	outs, err := s.Outputs(ctx)
	if err != nil {
		return nil, fmt.Errorf("read %s outputs: %w", s.Name(), err)
	}
	byKey := outStrings(outs, "alarms")
	if len(byKey) == 0 {
		return nil, fmt.Errorf("%s exports no alarms; run `infra up %s --stack %s` so that it declares them", s.Name(), r.o.Env, s.Name())
	}
	var names []string
	for _, k := range slices.Sorted(maps.Keys(byKey)) {
		names = append(names, byKey[k])
	}
	return names, nil
}

// watchAlarms polls the alarms for d and returns a description of the
// first one in ALARM, or "" when none fired. A watch that cannot see is no
// watch: three failed reads in a row stop it with an error.
func (r *releaseRun) watchAlarms(ctx context.Context, names []string, d time.Duration) (string, error) {
	checks, err := r.s.checks(ctx, r.o.Env)
	if err != nil {
		return "", err
	}
	end := r.s.now().Add(d)
	failures := 0
	lastShown := time.Time{}
	for {
		states, err := checks.Metrics.AlarmStates(ctx, names)
		switch {
		case err != nil:
			failures++
			r.s.warnf("reading the alarms failed (%d in a row): %v", failures, err)
			if failures >= 3 {
				return "", failed("release %s: the alarms cannot be read (%v); the watch stopped and nothing moved; "+
					"check the new color yourself, and roll back with `infra rollback %s %s` if in doubt", r.o.Release, err, r.o.Env, r.o.Service)
			}
		default:
			failures = 0
			for _, n := range names {
				s := states[n]
				switch s.Value {
				case awscheck.AlarmAlarm:
					return fmt.Sprintf("alarm %s fired (%s)", n, s.Reason), nil
				case awscheck.AlarmMissing:
					return "", failed("release %s: alarm %s does not exist in CloudWatch; the watch cannot see, nothing moved", r.o.Release, n)
				}
			}
		}
		now := r.s.now()
		if !now.Before(end) {
			return "", nil
		}
		if now.Sub(lastShown) >= 15*time.Second || lastShown.IsZero() {
			r.progress("alarms quiet; %s of the watch left", end.Sub(now).Round(time.Second))
			lastShown = now
		}
		if err := r.s.sleep(ctx, min(r.s.deps.Poll, end.Sub(now))); err != nil {
			return "", err
		}
	}
}

// runSwap runs one swap of a release: a canary share, the swap, or the
// rollback.
func runSwap(ctx context.Context, s *session, req swapReq) error {
	return (&swapRun{s: s, req: req}).run(ctx)
}
