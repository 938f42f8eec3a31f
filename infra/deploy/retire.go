package deploy

import (
	"context"
	"fmt"
	"time"

	"github.com/video-platform/video-platform/infra/decide"
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

// Retire scales an idle copy to zero, or destroys it, once its traffic
// has really stopped.
func (a *Workflow) Retire(ctx context.Context, o RetireOptions) error {
	if err := checkEnv(o.Env); err != nil {
		return err
	}
	if err := checkService(o.Service); err != nil {
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
	return a.retire(ctx, o)
}

// idleState is what retire knows about the copy's idleness.
type idleState struct {
	live      string
	canary    int
	swappedAt time.Time
	// previous is the color the last swap made not live, and
	// previousRelease what it ran then.
	previous, previousRelease string
}

// readIdle reads the live color, the canary and what the last swap of svc
// recorded.
func (a *Workflow) readIdle(ctx context.Context, env, svc string) (idleState, error) {
	var st idleState
	dnsName := topology.DNSStackName(env)
	dns, err := a.stack(ctx, dnsName)
	if err != nil {
		return st, err
	}
	outs, err := dns.Outputs(ctx)
	if err != nil {
		return st, fmt.Errorf("read %s outputs: %w", dnsName, err)
	}
	st.live = outStrings(outs, "live")[svc]
	v, found, err := dns.GetConfig(ctx, "live."+svc)
	if err != nil {
		return st, fmt.Errorf("read %s config live.%s: %w", dnsName, svc, err)
	}
	if found && configString(v) != st.live && st.live != "" && a.recordsServe(ctx, dns, svc, configString(v)) {
		st.live = configString(v)
	}
	if found && configString(v) != st.live && st.live != "" {
		return st, fmt.Errorf("%s config says live.%s=%s but the deployed stack serves %s; reconcile first", dnsName, svc, configString(v), st.live)
	}
	if st.live == "" {
		st.live = configString(v)
	}
	if v, found, err = dns.GetConfig(ctx, "canary."+svc); err != nil {
		return st, fmt.Errorf("read %s config canary.%s: %w", dnsName, svc, err)
	} else if found {
		st.canary, _ = asInt(configString(v))
	}
	if v, found, err = dns.GetConfig(ctx, "previous."+svc+".swappedAt"); err != nil {
		return st, fmt.Errorf("read %s config previous.%s.swappedAt: %w", dnsName, svc, err)
	} else if found {
		t, perr := time.Parse(time.RFC3339, configString(v))
		if perr != nil {
			return st, fmt.Errorf("%s config previous.%s.swappedAt %q is not RFC 3339: %w", dnsName, svc, configString(v), perr)
		}
		st.swappedAt = t
	}
	for _, f := range []struct {
		key string
		v   *string
	}{{"color", &st.previous}, {"release", &st.previousRelease}} {
		v, found, err := dns.GetConfig(ctx, "previous."+svc+"."+f.key)
		if err != nil {
			return st, fmt.Errorf("read %s config previous.%s.%s: %w", dnsName, svc, f.key, err)
		}
		if found {
			*f.v = configString(v)
		}
	}
	return st, nil
}

func (a *Workflow) retire(ctx context.Context, o RetireOptions) error {
	env, svc, color := o.Env, o.Service, o.Color
	destroy, minWait, quietFor, noWait, timeout := o.Destroy, o.MinWait, o.QuietFor, o.NoWait, o.Timeout
	name := topology.CopyStackName(env, svc, color)
	start := a.deps.Clock.Now()
	st, err := a.readIdle(ctx, env, svc)
	if err != nil {
		return fmt.Errorf("retire %s: %w", name, err)
	}
	if err := decide.RefuseRetire(st.live, st.canary, svc, color); err != nil {
		return err
	}
	copyStack, err := a.stack(ctx, name)
	if err != nil {
		return fmt.Errorf("retire %s: %w", name, err)
	}
	outs, err := copyStack.Outputs(ctx)
	if err != nil {
		return fmt.Errorf("retire %s: read outputs: %w", name, err)
	}
	suffix := outString(outs, "lbArnSuffix")
	if suffix == "" {
		return fmt.Errorf("retire %s: the stack exports no lbArnSuffix; is it deployed?", name)
	}
	checks, err := a.checks(ctx, env)
	if err != nil {
		return err
	}

	since := st.swappedAt
	if since.IsZero() {
		since = start
		a.printf("no swap time recorded (%s config previous.%s.swappedAt); timing from now\n", topology.DNSStackName(env), svc)
	}
	waitUntil := since.Add(3 * decide.DNSTTL)
	if m := since.Add(minWait); m.After(waitUntil) {
		waitUntil = m
	}
	deadline := start.Add(timeout)
	for {
		now := a.deps.Clock.Now()
		sum, err := residual(ctx, checks.Metrics, suffix, now.Add(-decide.MetricsLag-quietFor), now.Add(-decide.MetricsLag))
		if err != nil {
			return fmt.Errorf("retire %s: traffic of %s: %w", name, suffix, err)
		}
		timerOK := !now.Before(waitUntil)
		timer := "done"
		if !timerOK {
			timer = fmt.Sprintf("%s left", waitUntil.Sub(now).Round(time.Second))
		}
		a.printf("%s %s: residual traffic over the last %s: %s; timer (3×TTL, --min-wait %s since swap): %s\n",
			now.UTC().Format("15:04:05"), name, quietFor, sum, minWait, timer)
		if timerOK && sum.Quiet() {
			break
		}
		if noWait {
			a.printf("not idle yet; --no-wait: nothing changed\n")
			return nil
		}
		if now.After(deadline) {
			return fmt.Errorf("retire %s: still not idle after %s; nothing changed (retry later, or check who still connects)", name, timeout)
		}
		// Every poll prints what it saw, so an operator watching a long
		// drain sees progress at least every poll interval.
		if err := a.sleep(ctx, a.deps.Poll); err != nil {
			return fmt.Errorf("retire %s: %w; nothing changed", name, err)
		}
	}
	if noWait {
		a.printf("%s is idle and could be retired; --no-wait: nothing changed\n", name)
		return nil
	}

	release, err := a.lockEnv(ctx, env, "retire "+name, o.BreakLock)
	if err != nil {
		return fmt.Errorf("retire refused: %w", err)
	}
	defer release()
	// A swap may have made this color live while we waited.
	if st, err = a.readIdle(ctx, env, svc); err != nil {
		return fmt.Errorf("retire %s: %w", name, err)
	}
	if err := decide.RefuseRetire(st.live, st.canary, svc, color); err != nil {
		return err
	}

	pw := &prefixWriter{out: &syncWriter{w: a.out}, prefix: "[" + name + "] "}
	defer pw.Flush()
	if destroy {
		if _, err := a.destroyCopy(ctx, env, copyStack, RunOptions{Progress: pw}, true); err != nil {
			return fmt.Errorf("retire %s: destroy: %w", name, err)
		}
		a.printf("retired %s: destroyed\n", name)
		return nil
	}
	var changes []configChange
	for _, k := range []string{"min", "max", "desired"} {
		p := "copy.capacity." + k
		v, found, err := copyStack.GetConfig(ctx, p)
		if err != nil {
			return fmt.Errorf("retire %s: read config %s: %w", name, p, err)
		}
		changes = append(changes, configChange{path: p, value: "0", old: v, oldFound: found})
	}
	for _, c := range changes {
		if err := copyStack.SetConfig(ctx, c.path, c.value); err != nil {
			return fmt.Errorf("retire %s: set config %s: %w (restore: %v)", name, c.path, err, a.restoreConfig(ctx, copyStack, changes))
		}
	}
	if _, err := copyStack.Up(ctx, RunOptions{Progress: pw}); err != nil {
		return fmt.Errorf("retire %s: up failed: %w\nthe config keeps capacity 0; re-run `infra up %s --stack %s`", name, err, env, name)
	}
	a.printf("retired %s: capacity {min:0,max:0,desired:0}; commit Pulumi.%s.yaml\n", name, name)
	return nil
}
