package workflow

import (
	"context"
	"fmt"
	"time"

	"github.com/video-platform/video-platform/infra/awscheck"
	"github.com/video-platform/video-platform/infra/decide"
	"github.com/video-platform/video-platform/infra/engine"
	"github.com/video-platform/video-platform/internal/topology"
)

// Defaults of retire's waits and roll's timeout, as the runbook states
// them.
const (
	DefaultRetireMinWait  = 15 * time.Minute
	DefaultRetireQuietFor = 10 * time.Minute
	DefaultRetireTimeout  = 3 * time.Hour
	DefaultRollTimeout    = 30 * time.Minute
)

// RetireOptions are `infra retire`'s.
type RetireOptions struct {
	// Env, Service and Color name the idle copy: prod web blue.
	Env, Service, Color string
	// Destroy destroys the copy's stack instead of scaling it to zero.
	Destroy bool
	// MinWait is the least time since the swap (DefaultRetireMinWait).
	MinWait time.Duration
	// QuietFor is how long the copy's load balancer must have had no
	// requests and no connections (DefaultRetireQuietFor).
	QuietFor time.Duration
	// NoWait only reports whether the copy is idle, changing nothing.
	NoWait bool
	// Timeout gives up waiting after this long (DefaultRetireTimeout).
	Timeout time.Duration
	// BreakLock removes the env lock a dead process left before taking it.
	BreakLock bool
}

func (o RetireOptions) check(s *session) error {
	if err := s.checkEnv(o.Env); err != nil {
		return err
	}
	if err := s.checkService(o.Service); err != nil {
		return err
	}
	if err := checkColor("color", o.Color); err != nil {
		return err
	}
	if o.MinWait < 0 {
		return usagef("--min-wait %s is negative; accepted >= 0", o.MinWait)
	}
	if o.QuietFor < time.Minute {
		return usagef("--quiet-for %s is too short; accepted >= 1m (CloudWatch has 1-minute resolution)", o.QuietFor)
	}
	if o.Timeout <= 0 {
		return usagef("--timeout %s must be positive", o.Timeout)
	}
	return nil
}

// retireRun is one retire of an idle copy.
type retireRun struct {
	s *session
	o RetireOptions
	// name is the copy's stack, stack the stack itself.
	name  string
	stack engine.Stack
}

// run waits until the copy is idle, then, under the env lock and only if
// it is still not live, scales it to zero or destroys it.
func (r *retireRun) run(ctx context.Context) error {
	o := r.o
	r.name = topology.CopyStackName(o.Env, o.Service, o.Color)
	st, err := readIdle(ctx, r.s, o.Env, o.Service)
	if err != nil {
		return fmt.Errorf("retire %s: %w", r.name, err)
	}
	if err := decide.RefuseRetire(st.live, st.canary, o.Service, o.Color); err != nil {
		return err
	}
	if r.stack, err = r.s.stack(ctx, r.name); err != nil {
		return fmt.Errorf("retire %s: %w", r.name, err)
	}
	idle, err := r.waitIdle(ctx, st.swappedAt)
	if err != nil || !idle {
		return err
	}
	if o.NoWait {
		r.s.printf("%s is idle and could be retired; --no-wait: nothing changed\n", r.name)
		return nil
	}
	release, err := r.s.lock(ctx, o.Env, "retire "+r.name, o.BreakLock)
	if err != nil {
		return fmt.Errorf("retire refused: %w", err)
	}
	defer release()
	// A swap may have made this color live while we waited.
	if st, err = readIdle(ctx, r.s, o.Env, o.Service); err != nil {
		return fmt.Errorf("retire %s: %w", r.name, err)
	}
	if err := decide.RefuseRetire(st.live, st.canary, o.Service, o.Color); err != nil {
		return err
	}
	return r.retire(ctx)
}

// waitIdle waits until the timer since the swap (swappedAt) has run out
// and the copy's load balancer has been quiet, printing what it saw at
// every poll. idle is false when --no-wait found it busy.
func (r *retireRun) waitIdle(ctx context.Context, swappedAt time.Time) (idle bool, err error) {
	o, name := r.o, r.name
	start := r.s.now()
	outs, err := r.stack.Outputs(ctx)
	if err != nil {
		return false, fmt.Errorf("retire %s: read outputs: %w", name, err)
	}
	suffix := outString(outs, "lbArnSuffix")
	if suffix == "" {
		return false, fmt.Errorf("retire %s: the stack exports no lbArnSuffix; is it deployed?", name)
	}
	checks, err := r.s.checks(ctx, o.Env)
	if err != nil {
		return false, err
	}
	since := swappedAt
	if since.IsZero() {
		since = start
		r.s.printf("no swap time recorded (%s config previous.%s.swappedAt); timing from now\n", topology.DNSStackName(o.Env), o.Service)
	}
	waitUntil := decide.RetireAfter(since, o.MinWait)
	deadline := start.Add(o.Timeout)
	for {
		quiet, err := r.poll(ctx, checks.Metrics, suffix, waitUntil)
		if err != nil || quiet {
			return quiet, err
		}
		if o.NoWait {
			r.s.printf("not idle yet; --no-wait: nothing changed\n")
			return false, nil
		}
		if r.s.now().After(deadline) {
			return false, fmt.Errorf("retire %s: still not idle after %s; nothing changed (retry later, or check who still connects)", name, o.Timeout)
		}
		// Every poll prints what it saw, so an operator watching a long
		// drain sees progress at least every poll interval.
		if err := r.s.sleep(ctx, r.s.deps.Poll); err != nil {
			return false, fmt.Errorf("retire %s: %w; nothing changed", name, err)
		}
	}
}

// poll reads the residual traffic once, prints it with the timer, and
// says whether the copy is idle: the timer ran out and it was quiet.
func (r *retireRun) poll(ctx context.Context, metrics awscheck.Metrics, suffix string, waitUntil time.Time) (bool, error) {
	now := r.s.now()
	start, end := decide.QuietWindow(now, r.o.QuietFor)
	sum, err := residual(ctx, metrics, suffix, start, end)
	if err != nil {
		return false, fmt.Errorf("retire %s: traffic of %s: %w", r.name, suffix, err)
	}
	timerOK := !now.Before(waitUntil)
	timer := "done"
	if !timerOK {
		timer = fmt.Sprintf("%s left", waitUntil.Sub(now).Round(time.Second))
	}
	r.s.printf("%s %s: residual traffic over the last %s: %s; timer (3×TTL, --min-wait %s since swap): %s\n",
		now.UTC().Format("15:04:05"), r.name, r.o.QuietFor, sum, r.o.MinWait, timer)
	return timerOK && sum.Quiet(), nil
}

// retire scales the copy to zero, or destroys it.
func (r *retireRun) retire(ctx context.Context) error {
	name, env := r.name, r.o.Env
	pw := r.s.stackWriter(name)
	defer pw.Flush()
	if r.o.Destroy {
		if _, err := destroyCopy(ctx, r.s, env, r.stack, engine.RunOptions{Progress: pw}, true); err != nil {
			return fmt.Errorf("retire %s: destroy: %w", name, err)
		}
		r.s.printf("retired %s: destroyed\n", name)
		return nil
	}
	changes := capacityChanges(decide.Capacity{})
	if i, err := readOld(ctx, r.stack, changes); err != nil {
		return fmt.Errorf("retire %s: read config %s: %w", name, changes[i].path, err)
	}
	if i, err := writeConfig(ctx, r.stack, changes); err != nil {
		return fmt.Errorf("retire %s: set config %s: %w (restore: %v)", name, changes[i].path, err, restoreConfig(ctx, r.stack, changes))
	}
	if _, err := r.stack.Up(ctx, engine.RunOptions{Progress: pw}); err != nil {
		return fmt.Errorf("retire %s: up failed: %w\nthe config keeps capacity 0; re-run `infra up %s --stack %s`", name, err, env, name)
	}
	r.s.printf("retired %s: capacity {min:0,max:0,desired:0}; commit Pulumi.%s.yaml\n", name, name)
	return nil
}
