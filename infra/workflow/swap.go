package workflow

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/video-platform/video-platform/infra/awscheck"
	"github.com/video-platform/video-platform/infra/decide"
	"github.com/video-platform/video-platform/infra/engine"
	"github.com/video-platform/video-platform/infra/observed"
	"github.com/video-platform/video-platform/internal/stackconfig"
	"github.com/video-platform/video-platform/internal/topology"
)

// insyncTimeout bounds the wait for Route53 to apply a swap; Route53
// normally takes under a minute.
const insyncTimeout = 10 * time.Minute

// SwapOptions are `infra swap`'s.
type SwapOptions struct {
	// Env and Service name what moves: prod web.
	Env, Service string
	// To is the color to make live; empty means the other one.
	To string
	// Canary, when set, is the percent (0..100) of traffic for the color
	// that is not live, instead of a full swap; 0 ends a canary.
	Canary *int
	// AllowSmaller lets a target with fewer instances than the live copy
	// take the traffic.
	AllowSmaller bool
	// DryRun renders the offline diff of the change, without Pulumi or AWS.
	DryRun bool
	// BreakLock removes the env lock a dead process left before taking it.
	BreakLock bool
}

// RollbackOptions are `infra rollback`'s.
type RollbackOptions struct {
	// Env and Service name what moves back: prod web.
	Env, Service string
	// Force skips the health preflight, for an emergency.
	Force bool
	// AllowSmaller lets a target with fewer instances than the live copy
	// take the traffic.
	AllowSmaller bool
	// BreakLock removes the env lock a dead process left before taking it.
	BreakLock bool
}

// swapReq is one swap or rollback.
type swapReq struct {
	env, svc string
	// to is the requested color; empty means the other one.
	to string
	// canary is the percent for the non-live color; -1 means a full swap.
	canary       int
	allowSmaller bool
	// skipHealth is rollback --force.
	skipHealth bool
	rollback   bool
	breakLock  bool
	// quiet leaves out the preflight's progress line.
	quiet bool
}

// request checks the options and makes them a swap request.
func (o SwapOptions) request(s *session) (swapReq, error) {
	req := swapReq{env: o.Env, svc: o.Service, to: o.To, canary: -1, allowSmaller: o.AllowSmaller, breakLock: o.BreakLock}
	if err := s.checkEnv(req.env); err != nil {
		return req, err
	}
	if err := s.checkService(req.svc); err != nil {
		return req, err
	}
	if req.to != "" {
		if err := checkColor("--to", req.to); err != nil {
			return req, err
		}
	}
	if o.Canary != nil {
		if *o.Canary < 0 || *o.Canary > 100 {
			return req, usagef("--canary %d is out of range; accepted 0..100 (percent for the non-live color)", *o.Canary)
		}
		req.canary = *o.Canary
	}
	return req, nil
}

// request checks the options and makes them a swap request.
func (o RollbackOptions) request(s *session) (swapReq, error) {
	req := swapReq{env: o.Env, svc: o.Service, canary: -1, allowSmaller: o.AllowSmaller, skipHealth: o.Force, rollback: true, breakLock: o.BreakLock}
	if err := s.checkEnv(req.env); err != nil {
		return req, err
	}
	return req, s.checkService(req.svc)
}

// swapDryRun reads the live color from the DNS stack's config file, not
// from Pulumi, so it works offline.
func swapDryRun(s *session, req swapReq) error {
	if s.deps.DryRun == nil {
		return errors.New("--dry-run is not available: no offline synth+diff is wired into this build")
	}
	dnsName := topology.DNSStackName(req.env)
	target := req.to
	if target == "" {
		live, err := fileLive(s.deps.Root, dnsName, req.svc)
		if err != nil {
			return err
		}
		target = topology.Other(live)
	}
	var sets []string
	if req.canary >= 0 {
		sets = append(sets, fmt.Sprintf("%s:canary.%s=%d", dnsName, req.svc, req.canary))
	} else {
		sets = append(sets, fmt.Sprintf("%s:live.%s=%s", dnsName, req.svc, target))
	}
	out, err := s.deps.DryRun(req.env, sets)
	if err != nil {
		return fmt.Errorf("dry run of %s: %w", strings.Join(sets, " "), err)
	}
	s.printf("dry run: %s\n%s", strings.Join(sets, " "), out)
	if !strings.HasSuffix(out, "\n") {
		s.printf("\n")
	}
	return nil
}

// fileLive reads video-platform:live.<svc> from Pulumi.<stack>.yaml with
// the SDK's loader (internal/stackconfig), without decrypting anything.
func fileLive(root, stack, svc string) (string, error) {
	p, err := stackconfig.LoadProject(root)
	if err != nil {
		return "", fmt.Errorf("read live color: %w", err)
	}
	path := p.StackFile(stack)
	if _, err := os.Stat(path); err != nil {
		return "", fmt.Errorf("read live color: %w", err)
	}
	st, err := p.LoadStack(stack)
	if err != nil {
		return "", fmt.Errorf("read live color from %s: %w", path, err)
	}
	k, err := p.Key("live." + svc)
	if err != nil {
		return "", fmt.Errorf("read live color from %s: %w", path, err)
	}
	color, _, err := st.String(k)
	if err != nil {
		return "", fmt.Errorf("read live color from %s: %w", path, err)
	}
	if color == "" {
		return "", fmt.Errorf("%s sets no %s:live.%s; pass --to", path, observed.ConfigNamespace, svc)
	}
	return color, nil
}

// swapRun is one swap or rollback of a service's traffic.
type swapRun struct {
	s   *session
	req swapReq
	// verb is swap or rollback, for messages.
	verb string
	now  time.Time
	dns  engine.Stack
	// live and target are the colors the traffic moves from and to;
	// oldCanary is the canary share before the swap.
	live, target string
	oldCanary    int
	// changes are the DNS stack's config writes, and change says what
	// they do ("live.web=green").
	changes []configChange
	change  string
	pw      *prefixWriter
}

// run swaps: it takes the env lock, reads what is live, checks the target
// copy as it runs, writes the DNS config, previews that only the service's
// records change, re-checks the target, updates, and waits for Route53.
func (r *swapRun) run(ctx context.Context) error {
	req := r.req
	r.now = r.s.now()
	r.verb = "swap"
	if req.rollback {
		r.verb = "rollback"
	}
	release, err := r.s.lock(ctx, req.env, fmt.Sprintf("%s %s %s", r.verb, req.env, req.svc), req.breakLock)
	if err != nil {
		return fmt.Errorf("%s refused: %w", r.verb, err)
	}
	defer release()
	if err := r.resolve(ctx); err != nil {
		return err
	}
	// checked is what the preflight judged, re-judged right before the
	// update; nil when the preflight was skipped.
	var checked *swapCopies
	if req.skipHealth {
		fmt.Fprintf(r.s.errw, "\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n"+
			"!!! --force: SKIPPING the health preflight of %s.\n"+
			"!!! Traffic will move to %s whether or not its targets are healthy.\n"+
			"!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n\n",
			topology.CopyStackName(req.env, req.svc, r.target), r.target)
	} else if req.canary != 0 {
		if checked, err = preflight(ctx, r.s, req, r.live, r.target); err != nil {
			return fmt.Errorf("%s refused: %w", r.verb, err)
		}
	}
	if err := r.plan(ctx); err != nil {
		return err
	}
	r.pw = r.s.stackWriter(r.dns.Name())
	if err := r.apply(ctx, checked); err != nil {
		return err
	}
	return r.report(ctx)
}

// resolve reads the live color from the DNS stack, refusing when its
// config and deployed state disagree, and picks the target color.
func (r *swapRun) resolve(ctx context.Context) error {
	req, verb := r.req, r.verb
	dnsName := topology.DNSStackName(req.env)
	dns, err := r.s.stack(ctx, dnsName)
	if err != nil {
		return err
	}
	r.dns = dns
	outs, err := dns.Outputs(ctx)
	if err != nil {
		return fmt.Errorf("read %s outputs: %w", dnsName, err)
	}
	deployed, configured, found, err := liveColors(ctx, dns, outs, req.svc)
	if err != nil {
		return err
	}
	if found && deployed != "" && configured != deployed {
		return fmt.Errorf("%s refused: %s config says live.%s=%s but the deployed stack serves %s: another swap is unapplied or was made elsewhere; pull the committed Pulumi.%s.yaml and run `infra preview %s --stack %s` to reconcile",
			verb, dnsName, req.svc, configured, deployed, dnsName, req.env, dnsName)
	}
	r.live = cmpOr(deployed, configured)
	if r.live == "" {
		return fmt.Errorf("%s refused: %s has no live color for %s (neither output nor config live.%s)", verb, dnsName, req.svc, req.svc)
	}
	r.target = req.to
	if req.rollback {
		r.target = outStrings(outs, "previous")[req.svc]
		if r.target == "" {
			if r.target, err = configText(ctx, dns, "previous."+req.svc+".color"); err != nil {
				return err
			}
		}
		if r.target == "" {
			return fmt.Errorf("rollback refused: %s records no previous color for %s; use `infra swap %s %s --to COLOR`", dnsName, req.svc, req.env, req.svc)
		}
	}
	if r.target == "" {
		r.target = topology.Other(r.live)
	}
	if req.canary < 0 && r.target == r.live {
		return fmt.Errorf("%s refused: %s is already live for %s in %s", verb, r.target, req.svc, req.env)
	}
	if req.canary >= 0 && r.target == r.live {
		return fmt.Errorf("swap refused: a canary sends traffic to the color that is not live; %s is live for %s, so the canary goes to %s", r.live, req.svc, topology.Other(r.live))
	}
	return nil
}

// plan decides the DNS stack's config writes and reads what they replace.
func (r *swapRun) plan(ctx context.Context) error {
	req := r.req
	var err error
	if r.oldCanary, err = configInt(ctx, r.dns, "canary."+req.svc); err != nil {
		return err
	}
	if req.canary >= 0 {
		r.changes = append(r.changes, configChange{path: "canary." + req.svc, value: strconv.Itoa(req.canary)})
		r.change = fmt.Sprintf("canary.%s=%d (to %s)", req.svc, req.canary, r.target)
	} else {
		r.changes = append(r.changes,
			configChange{path: "live." + req.svc, value: r.target},
			configChange{path: "previous." + req.svc + ".color", value: r.live},
			configChange{path: "previous." + req.svc + ".swappedAt", value: r.now.UTC().Format(time.RFC3339)},
		)
		// A full swap ends any canary: the weights would otherwise keep
		// sending the canary share to the now idle color.
		if r.oldCanary != 0 {
			r.changes = append(r.changes, configChange{path: "canary." + req.svc, value: "0"})
		}
		// What the swapped-out copy runs: housekeeping retires it only
		// while it still does, never a release staged on it afterwards.
		if rel := copyRelease(ctx, r.s, req.env, req.svc, r.live); rel != "" {
			r.changes = append(r.changes, configChange{path: "previous." + req.svc + ".release", value: rel})
		} else {
			r.changes = append(r.changes, configChange{path: "previous." + req.svc + ".release", remove: true})
		}
		r.change = fmt.Sprintf("live.%s=%s", req.svc, r.target)
	}
	if i, err := readOld(ctx, r.dns, r.changes); err != nil {
		return fmt.Errorf("read %s config %s: %w", r.dns.Name(), r.changes[i].path, err)
	}
	return nil
}

// failed restores the config and says plainly that nothing moved.
func (r *swapRun) failed(ctx context.Context, stage string, cause error) error {
	dnsName := r.dns.Name()
	if rerr := restoreConfig(ctx, r.dns, r.changes); rerr != nil {
		return fmt.Errorf("%s %s failed at %s: %w\nRESTORING the config of %s ALSO FAILED: %v\nfix Pulumi.%s.yaml by hand: live.%s must be %s",
			r.verb, r.change, stage, cause, dnsName, rerr, dnsName, r.req.svc, r.live)
	}
	return fmt.Errorf("%s %s failed at %s: %w\nthe config of %s is restored; the live color of %s did NOT change: %s is still live",
		r.verb, r.change, stage, cause, dnsName, r.req.svc, r.live)
}

// apply writes the config, previews the DNS stack, refuses anything but
// the service's records, re-checks the target, and updates.
func (r *swapRun) apply(ctx context.Context, checked *swapCopies) error {
	req, dnsName := r.req, r.dns.Name()
	if i, err := writeConfig(ctx, r.dns, r.changes); err != nil {
		return r.failed(ctx, "config set "+r.changes[i].path, errors.Join(err, errPartial(r.changes[i+1:])))
	}
	res, err := r.dns.Preview(ctx, engine.RunOptions{Progress: r.pw})
	r.pw.Flush()
	if err != nil {
		return r.failed(ctx, "preview", err)
	}
	if err := decide.PreviewComplete(res.Steps, res.Changes); err != nil {
		return r.failed(ctx, "preview", err)
	}
	if bad := decide.UnrelatedSteps(res.Steps, req.svc); len(bad) > 0 {
		var lines []string
		for _, s := range bad {
			lines = append(lines, fmt.Sprintf("  %s %s (%s)", s.Op, s.Name(), s.Type))
		}
		return r.failed(ctx, "preview", fmt.Errorf("the preview of %s changes more than the %s records; the DNS stack has other pending changes, deploy them first with `infra up %s --stack %s`:\n%s",
			dnsName, req.svc, req.env, dnsName, strings.Join(lines, "\n")))
	}
	if checked != nil {
		// The preview took seconds; a target that failed meanwhile must not
		// get the traffic.
		if err := checkTarget(ctx, r.s, req, checked, "re-check before the update"); err != nil {
			return r.failed(ctx, "the health re-check before the update", err)
		}
	}
	if _, err := r.dns.Up(ctx, engine.RunOptions{Progress: r.pw}); err != nil {
		r.pw.Flush()
		return r.recover(ctx, fmt.Sprintf("%s %s failed at up: %v", r.verb, r.change, err))
	}
	r.pw.Flush()
	return nil
}

// convergeAttempts bounds the updates a failed swap runs to bring the
// records back to the restored config.
const convergeAttempts = 2

// recover follows a failed update of the DNS stack: it restores the
// config, reads what the records really serve, runs the update again
// (at most convergeAttempts times) until they match the restored config,
// and ends with what is true now. It never says nothing changed when
// records moved.
func (r *swapRun) recover(ctx context.Context, failure string) error {
	req, dns, dnsName, live := r.req, r.dns, r.dns.Name(), r.live
	want := decide.ExpectedWeights(live, r.oldCanary)
	converge := fmt.Sprintf("infra up %s --stack %s", req.env, dnsName)
	if rerr := restoreConfig(ctx, dns, r.changes); rerr != nil {
		return fmt.Errorf("%s\nRESTORING the config of %s ALSO FAILED: %v\nfix Pulumi.%s.yaml by hand (live.%s must be %s), then run `%s`",
			failure, dnsName, rerr, dnsName, req.svc, live, converge)
	}
	var weights map[string]int
	var werr error
	for attempt := 1; ; attempt++ {
		weights, werr = deployedWeights(ctx, dns, req.svc)
		if werr != nil || decide.SameWeights(weights, want) || attempt > convergeAttempts {
			break
		}
		r.s.printf("the update got partway: %s; converging back to live.%s=%s (attempt %d of %d)\n",
			decide.LiveStatement(req.svc, weights), req.svc, live, attempt, convergeAttempts)
		_, uerr := dns.Up(ctx, engine.RunOptions{Progress: r.pw})
		r.pw.Flush()
		if uerr != nil {
			fmt.Fprintf(r.s.errw, "converge attempt %d failed: %s\n", attempt, firstLine(uerr.Error()))
		}
	}
	switch {
	case werr != nil:
		return fmt.Errorf("%s\nthe config of %s is restored, but what the records serve is unknown (%v): run `%s`, then `infra status %s`",
			failure, dnsName, werr, converge, req.env)
	case decide.SameWeights(weights, want):
		return fmt.Errorf("%s\nthe config of %s is restored; the live color of %s did NOT change: %s is still live\n%s",
			failure, dnsName, req.svc, live, decide.LiveStatement(req.svc, weights))
	default:
		return fmt.Errorf("%s\nthe config of %s is restored to live.%s=%s, but the records could not be brought back to it: run `%s`\n%s",
			failure, dnsName, req.svc, live, converge, decide.LiveStatement(req.svc, weights))
	}
}

// report says what the update did, waits for Route53, and ends with what
// the deployed records serve.
func (r *swapRun) report(ctx context.Context) error {
	req, dnsName := r.req, r.dns.Name()
	r.s.printf("%s: %s %s is now %s in %s (was %s)\n", r.verb, req.env, req.svc, r.change, dnsName, r.live)
	// What is true now comes from the deployed records, not from the
	// config that asked for it.
	statement := fmt.Sprintf("what %s serves now is unknown; check with `infra status %s`", req.svc, req.env)
	if weights, err := deployedWeights(ctx, r.dns, req.svc); err != nil {
		r.s.warnf("%v", err)
	} else {
		statement = decide.LiveStatement(req.svc, weights)
	}
	rollbackCmd := fmt.Sprintf("infra rollback %s %s", req.env, req.svc)
	if req.canary >= 0 {
		rollbackCmd = fmt.Sprintf("infra swap %s %s --canary 0", req.env, req.svc)
	}
	if err := r.waitPropagated(ctx); err != nil {
		return fmt.Errorf("the %s IS applied (%s) but Route53 propagation was not confirmed: %w\nto undo: %s\n%s", r.verb, r.change, err, rollbackCmd, statement)
	}
	r.s.printf("Route53 is INSYNC: every Route53 name server answers with the new records (resolvers may cache the old ones for the 60 s TTL, some for longer).\n")
	r.s.printf("commit Pulumi.%s.yaml so the next operator sees this change.\n", dnsName)
	r.s.printf("to roll back: %s\n", rollbackCmd)
	r.s.printf("%s\n", statement)
	return nil
}

// waitPropagated marks the swap with a TXT record after Pulumi's record
// changes and waits until that change is INSYNC: Route53 applies a zone's
// changes in order, so the swap has then reached every name server.
func (r *swapRun) waitPropagated(ctx context.Context) error {
	req, dns, target, now := r.req, r.dns, r.target, r.now
	outs, err := dns.Outputs(ctx)
	if err != nil {
		return fmt.Errorf("read %s outputs: %w", dns.Name(), err)
	}
	zone := outString(outs, "zoneId")
	host := outStrings(outs, "hostnames")[req.svc]
	if zone == "" || host == "" {
		return fmt.Errorf("%s exports no zoneId or hostnames.%s", dns.Name(), req.svc)
	}
	checks, err := r.s.checks(ctx, req.env)
	if err != nil {
		return err
	}
	id, err := checks.DNS.MarkSwap(ctx, zone, "_swap."+host, fmt.Sprintf("%s live=%s at=%s", req.svc, target, now.UTC().Format(time.RFC3339)))
	if err != nil {
		return fmt.Errorf("mark swap in zone %s: %w", zone, err)
	}
	// The SDK's waiter polls Route53 every InsyncDelay of real time and
	// gives up after insyncTimeout of it. Progress and the deadline are on
	// the injected clock, which at each poll sleeps what is left of a poll
	// interval since the one before: nothing on the real clock, where the
	// waiter waited it, the whole interval on a rehearsal's virtual clock,
	// whose ten minutes then pass in a few hundred milliseconds.
	start := r.s.deps.Clock.Now()
	deadline, prev := start.Add(insyncTimeout), start
	poll := func(ctx context.Context, calls int, status string) error {
		if gap := r.s.deps.Poll - r.s.deps.Clock.Now().Sub(prev); calls > 1 && gap > 0 {
			if err := r.s.deps.Clock.Sleep(ctx, gap); err != nil {
				return err
			}
		}
		now := r.s.deps.Clock.Now()
		if !now.Before(deadline) {
			return fmt.Errorf("still %s after %s: %w", status, insyncTimeout, context.DeadlineExceeded)
		}
		prev = now
		r.s.printf("Route53 change %s: %s after %s (the records reach every Route53 name server when it is INSYNC; gives up at %s)\n",
			id, status, now.Sub(start).Round(time.Second), insyncTimeout)
		return nil
	}
	r.s.printf("waiting for Route53 change %s to be INSYNC...\n", id)
	delay := r.s.deps.InsyncDelay
	return checks.DNS.WaitInsync(ctx, id, awscheck.WaitOptions{MinDelay: delay, MaxDelay: delay, Timeout: insyncTimeout, Poll: poll})
}

// swapCopies names what a swap checks in AWS: the target copy's group and
// target group, and the live copy's group when sizes are compared.
type swapCopies struct {
	target, targetGroup, targetGroupARN, release string
	// live is "" when --allow-smaller waives the comparison.
	live, liveGroup string
}

// preflight refuses a target copy that is not deployed, empty, smaller
// than the live copy or not fully healthy.
func preflight(ctx context.Context, s *session, req swapReq, liveColor, target string) (*swapCopies, error) {
	name := topology.CopyStackName(req.env, req.svc, target)
	st, err := s.stack(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("target copy %s is not deployed: %w", name, err)
	}
	outs, err := st.Outputs(ctx)
	if err != nil {
		return nil, fmt.Errorf("read %s outputs: %w", name, err)
	}
	sc := &swapCopies{target: name, targetGroup: outString(outs, "groupName"), targetGroupARN: outString(outs, "targetGroupArn"), release: outString(outs, "release")}
	if len(outs) == 0 || sc.targetGroupARN == "" {
		return nil, fmt.Errorf("target copy %s is not deployed (no targetGroupArn output); run `infra up %s --stack %s` first", name, req.env, name)
	}
	if sc.release == "" {
		return nil, fmt.Errorf("target copy %s has no release set (config %s:copy.release)", name, observed.ConfigNamespace)
	}
	desired, _ := asInt(outMap(outs, "capacity")["desired"])
	if desired <= 0 {
		return nil, fmt.Errorf("target copy %s has desired capacity %d; set %s:copy.capacity and run `infra up %s --stack %s` first", name, desired, observed.ConfigNamespace, req.env, name)
	}
	if !req.allowSmaller {
		sc.live = topology.CopyStackName(req.env, req.svc, liveColor)
		ls, err := s.stack(ctx, sc.live)
		if err != nil {
			return nil, fmt.Errorf("cannot compare with live copy: %w (use --allow-smaller to skip)", err)
		}
		lo, err := ls.Outputs(ctx)
		if err != nil {
			return nil, fmt.Errorf("read %s outputs: %w", sc.live, err)
		}
		sc.liveGroup = outString(lo, "groupName")
	}
	return sc, checkTarget(ctx, s, req, sc, "preflight")
}

// checkTarget observes both copies in AWS as they run now and judges the
// target. The swap calls it at its preflight and again right before the
// update, because a target can fail between the two.
func checkTarget(ctx context.Context, s *session, req swapReq, sc *swapCopies, stage string) error {
	checks, err := s.checks(ctx, req.env)
	if err != nil {
		return err
	}
	groups, err := checks.Fleet.GroupsByTag(ctx, "env", req.env)
	if err != nil {
		return fmt.Errorf("read the Auto Scaling groups of %s: %w", req.env, err)
	}
	observe := func(stack, group string) decide.CopyState {
		st := decide.CopyState{Name: stack, Group: group}
		for _, g := range groups {
			if g.Name == group && group != "" {
				st.Found, st.Desired, st.InService = true, g.Desired, g.InService
			}
		}
		return st
	}
	tgt := observe(sc.target, sc.targetGroup)
	if tgt.Targets, err = checks.Fleet.TargetHealth(ctx, sc.targetGroupARN); err != nil {
		return fmt.Errorf("target health of %s: %w", sc.target, err)
	}
	var live *decide.CopyState
	if sc.live != "" {
		st := observe(sc.live, sc.liveGroup)
		live = &st
	}
	if err := decide.JudgeSwapTarget(tgt, live); err != nil {
		return err
	}
	if !req.quiet {
		s.printf("%s: %s release %s, %d/%d instances in service, %d/%d targets healthy\n", stage, sc.target, sc.release, tgt.InService, tgt.Desired, len(tgt.Targets), len(tgt.Targets))
	}
	return nil
}
