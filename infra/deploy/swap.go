package deploy

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

// Swap moves a service's traffic to the other color (or To), or sends a
// canary share to it, after checking the target copy as it runs.
func (a *Workflow) Swap(ctx context.Context, o SwapOptions) error {
	req := swapReq{env: o.Env, svc: o.Service, to: o.To, canary: -1, allowSmaller: o.AllowSmaller, breakLock: o.BreakLock}
	if err := checkEnv(req.env); err != nil {
		return err
	}
	if err := checkService(req.svc); err != nil {
		return err
	}
	if req.to != "" {
		if err := checkColor("--to", req.to); err != nil {
			return err
		}
	}
	if o.Canary != nil {
		if *o.Canary < 0 || *o.Canary > 100 {
			return usagef("--canary %d is out of range; accepted 0..100 (percent for the non-live color)", *o.Canary)
		}
		req.canary = *o.Canary
	}
	if o.DryRun {
		return a.swapDryRun(req)
	}
	return a.swap(ctx, req)
}

// Rollback swaps a service back to the color its last swap recorded.
func (a *Workflow) Rollback(ctx context.Context, o RollbackOptions) error {
	req := swapReq{env: o.Env, svc: o.Service, canary: -1, allowSmaller: o.AllowSmaller, skipHealth: o.Force, rollback: true, breakLock: o.BreakLock}
	if err := checkEnv(req.env); err != nil {
		return err
	}
	if err := checkService(req.svc); err != nil {
		return err
	}
	return a.swap(ctx, req)
}

// swapDryRun reads the live color from the DNS stack's config file, not
// from Pulumi, so it works offline.
func (a *Workflow) swapDryRun(req swapReq) error {
	if a.deps.DryRun == nil {
		return errors.New("--dry-run is not available: no offline synth+diff is wired into this build")
	}
	dnsName := topology.DNSStackName(req.env)
	target := req.to
	if target == "" {
		live, err := fileLive(a.deps.Root, dnsName, req.svc)
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
	out, err := a.deps.DryRun(req.env, sets)
	if err != nil {
		return fmt.Errorf("dry run of %s: %w", strings.Join(sets, " "), err)
	}
	a.printf("dry run: %s\n%s", strings.Join(sets, " "), out)
	if !strings.HasSuffix(out, "\n") {
		a.printf("\n")
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
		return "", fmt.Errorf("%s sets no %s:live.%s; pass --to", path, ConfigNamespace, svc)
	}
	return color, nil
}

// configChange is one config write and what it replaced, for restoring.
type configChange struct {
	path, value string
	// remove deletes the key instead of setting value.
	remove   bool
	old      string
	oldFound bool
}

func (a *Workflow) swap(ctx context.Context, req swapReq) error {
	now := a.deps.Clock.Now()
	verb := "swap"
	if req.rollback {
		verb = "rollback"
	}
	release, err := a.lockEnv(ctx, req.env, fmt.Sprintf("%s %s %s", verb, req.env, req.svc), req.breakLock)
	if err != nil {
		return fmt.Errorf("%s refused: %w", verb, err)
	}
	defer release()

	dnsName := topology.DNSStackName(req.env)
	dns, err := a.stack(ctx, dnsName)
	if err != nil {
		return err
	}
	outs, err := dns.Outputs(ctx)
	if err != nil {
		return fmt.Errorf("read %s outputs: %w", dnsName, err)
	}
	deployedLive := outStrings(outs, "live")[req.svc]
	cfgLiveRaw, cfgFound, err := dns.GetConfig(ctx, "live."+req.svc)
	if err != nil {
		return fmt.Errorf("read %s config live.%s: %w", dnsName, req.svc, err)
	}
	cfgLive := configString(cfgLiveRaw)
	if cfgFound && deployedLive != "" && cfgLive != deployedLive && a.recordsServe(ctx, dns, req.svc, cfgLive) {
		deployedLive = cfgLive
	}
	if cfgFound && deployedLive != "" && cfgLive != deployedLive {
		return fmt.Errorf("%s refused: %s config says live.%s=%s but the deployed stack serves %s: another swap is unapplied or was made elsewhere; pull the committed Pulumi.%s.yaml and run `infra preview %s --stack %s` to reconcile",
			verb, dnsName, req.svc, cfgLive, deployedLive, dnsName, req.env, dnsName)
	}
	live := deployedLive
	if live == "" {
		live = cfgLive
	}
	if live == "" {
		return fmt.Errorf("%s refused: %s has no live color for %s (neither output nor config live.%s)", verb, dnsName, req.svc, req.svc)
	}

	target := req.to
	if req.rollback {
		target = outStrings(outs, "previous")[req.svc]
		if target == "" {
			v, found, err := dns.GetConfig(ctx, "previous."+req.svc+".color")
			if err != nil {
				return fmt.Errorf("read %s config previous.%s.color: %w", dnsName, req.svc, err)
			}
			if found {
				target = configString(v)
			}
		}
		if target == "" {
			return fmt.Errorf("rollback refused: %s records no previous color for %s; use `infra swap %s %s --to COLOR`", dnsName, req.svc, req.env, req.svc)
		}
	}
	if target == "" {
		target = topology.Other(live)
	}
	if req.canary < 0 && target == live {
		return fmt.Errorf("%s refused: %s is already live for %s in %s", verb, target, req.svc, req.env)
	}
	if req.canary >= 0 && target == live {
		return fmt.Errorf("swap refused: a canary sends traffic to the color that is not live; %s is live for %s, so the canary goes to %s", live, req.svc, topology.Other(live))
	}

	// checked is what the preflight judged, re-judged right before the
	// update; nil when the preflight was skipped.
	var checked *swapCopies
	if req.skipHealth {
		fmt.Fprintf(a.errw, "\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n"+
			"!!! --force: SKIPPING the health preflight of %s.\n"+
			"!!! Traffic will move to %s whether or not its targets are healthy.\n"+
			"!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n\n",
			topology.CopyStackName(req.env, req.svc, target), target)
	} else if req.canary != 0 {
		if checked, err = a.swapPreflight(ctx, req, live, target); err != nil {
			return fmt.Errorf("%s refused: %w", verb, err)
		}
	}

	oldCanary := 0
	if v, found, err := dns.GetConfig(ctx, "canary."+req.svc); err != nil {
		return fmt.Errorf("read %s config canary.%s: %w", dnsName, req.svc, err)
	} else if found {
		oldCanary, _ = asInt(configString(v))
	}
	var changes []configChange
	if req.canary >= 0 {
		changes = append(changes, configChange{path: "canary." + req.svc, value: strconv.Itoa(req.canary)})
	} else {
		changes = append(changes,
			configChange{path: "live." + req.svc, value: target},
			configChange{path: "previous." + req.svc + ".color", value: live},
			configChange{path: "previous." + req.svc + ".swappedAt", value: now.UTC().Format(time.RFC3339)},
		)
		// A full swap ends any canary: the weights would otherwise keep
		// sending the canary share to the now idle color.
		if oldCanary != 0 {
			changes = append(changes, configChange{path: "canary." + req.svc, value: "0"})
		}
		// What the swapped-out copy runs: housekeeping retires it only
		// while it still does, never a release staged on it afterwards.
		if rel := a.copyRelease(ctx, req.env, req.svc, live); rel != "" {
			changes = append(changes, configChange{path: "previous." + req.svc + ".release", value: rel})
		} else {
			changes = append(changes, configChange{path: "previous." + req.svc + ".release", remove: true})
		}
	}
	for i := range changes {
		v, found, err := dns.GetConfig(ctx, changes[i].path)
		if err != nil {
			return fmt.Errorf("read %s config %s: %w", dnsName, changes[i].path, err)
		}
		changes[i].old, changes[i].oldFound = v, found
	}

	change := fmt.Sprintf("live.%s=%s", req.svc, target)
	if req.canary >= 0 {
		change = fmt.Sprintf("canary.%s=%d (to %s)", req.svc, req.canary, target)
	}
	// failed restores the config and says plainly that nothing moved.
	failed := func(stage string, cause error) error {
		rerr := a.restoreConfig(ctx, dns, changes)
		if rerr != nil {
			return fmt.Errorf("%s %s failed at %s: %w\nRESTORING the config of %s ALSO FAILED: %v\nfix Pulumi.%s.yaml by hand: live.%s must be %s",
				verb, change, stage, cause, dnsName, rerr, dnsName, req.svc, live)
		}
		return fmt.Errorf("%s %s failed at %s: %w\nthe config of %s is restored; the live color of %s did NOT change: %s is still live",
			verb, change, stage, cause, dnsName, req.svc, live)
	}
	for i, c := range changes {
		set := func() error { return dns.SetConfig(ctx, c.path, c.value) }
		if c.remove {
			if !c.oldFound {
				continue
			}
			set = func() error { return dns.RemoveConfig(ctx, c.path) }
		}
		if err := set(); err != nil {
			return failed("config set "+c.path, errors.Join(err, errPartial(changes[i+1:])))
		}
	}

	pw := &prefixWriter{out: &syncWriter{w: a.out}, prefix: "[" + dnsName + "] "}
	res, err := dns.Preview(ctx, RunOptions{Progress: pw})
	pw.Flush()
	if err != nil {
		return failed("preview", err)
	}
	if err := decide.PreviewComplete(res.Steps, res.Changes); err != nil {
		return failed("preview", err)
	}
	if bad := decide.UnrelatedSteps(res.Steps, req.svc); len(bad) > 0 {
		var lines []string
		for _, s := range bad {
			lines = append(lines, fmt.Sprintf("  %s %s (%s)", s.Op, s.Name(), s.Type))
		}
		return failed("preview", fmt.Errorf("the preview of %s changes more than the %s records; the DNS stack has other pending changes, deploy them first with `infra up %s --stack %s`:\n%s",
			dnsName, req.svc, req.env, dnsName, strings.Join(lines, "\n")))
	}

	if checked != nil {
		// The preview took seconds; a target that failed meanwhile must not
		// get the traffic.
		if err := a.checkTarget(ctx, req, checked, "re-check before the update"); err != nil {
			return failed("the health re-check before the update", err)
		}
	}
	if _, err := dns.Up(ctx, RunOptions{Progress: pw}); err != nil {
		pw.Flush()
		return a.recoverSwap(ctx, req, dns, changes, decide.ExpectedWeights(live, oldCanary), fmt.Sprintf("%s %s failed at up: %v", verb, change, err), pw)
	}
	pw.Flush()
	a.printf("%s: %s %s is now %s in %s (was %s)\n", verb, req.env, req.svc, change, dnsName, live)
	// What is true now comes from the deployed records, not from the
	// config that asked for it.
	statement := fmt.Sprintf("what %s serves now is unknown; check with `infra status %s`", req.svc, req.env)
	if weights, err := a.deployedWeights(ctx, dns, req.svc); err != nil {
		fmt.Fprintf(a.errw, "warning: %v\n", err)
	} else {
		statement = decide.LiveStatement(req.svc, weights)
	}

	rollbackCmd := fmt.Sprintf("infra rollback %s %s", req.env, req.svc)
	if req.canary >= 0 {
		rollbackCmd = fmt.Sprintf("infra swap %s %s --canary 0", req.env, req.svc)
	}
	if err := a.waitPropagated(ctx, req, dns, target, now); err != nil {
		return fmt.Errorf("the %s IS applied (%s) but Route53 propagation was not confirmed: %w\nto undo: %s\n%s", verb, change, err, rollbackCmd, statement)
	}
	a.printf("Route53 is INSYNC: every Route53 name server answers with the new records (resolvers may cache the old ones for the 60 s TTL, some for longer).\n")
	a.printf("commit Pulumi.%s.yaml so the next operator sees this change.\n", dnsName)
	a.printf("to roll back: %s\n", rollbackCmd)
	a.printf("%s\n", statement)
	return nil
}

// convergeAttempts bounds the updates a failed swap runs to bring the
// records back to the restored config.
const convergeAttempts = 2

// recoverSwap follows a failed update of the DNS stack: it restores the
// config, reads what the records really serve, runs the update again
// (at most convergeAttempts times) until they match the restored config,
// and ends with what is true now. It never says nothing changed when
// records moved.
func (a *Workflow) recoverSwap(ctx context.Context, req swapReq, dns Stack, changes []configChange, want map[string]int, failure string, pw *prefixWriter) error {
	dnsName := dns.Name()
	converge := fmt.Sprintf("infra up %s --stack %s", req.env, dnsName)
	var live string
	for color, w := range want {
		if w > want[topology.Other(color)] {
			live = color
		}
	}
	if rerr := a.restoreConfig(ctx, dns, changes); rerr != nil {
		return fmt.Errorf("%s\nRESTORING the config of %s ALSO FAILED: %v\nfix Pulumi.%s.yaml by hand (live.%s must be %s), then run `%s`",
			failure, dnsName, rerr, dnsName, req.svc, live, converge)
	}
	var weights map[string]int
	var werr error
	for attempt := 1; ; attempt++ {
		weights, werr = a.deployedWeights(ctx, dns, req.svc)
		if werr != nil || decide.SameWeights(weights, want) || attempt > convergeAttempts {
			break
		}
		a.printf("the update got partway: %s; converging back to live.%s=%s (attempt %d of %d)\n",
			decide.LiveStatement(req.svc, weights), req.svc, live, attempt, convergeAttempts)
		_, uerr := dns.Up(ctx, RunOptions{Progress: pw})
		pw.Flush()
		if uerr != nil {
			fmt.Fprintf(a.errw, "converge attempt %d failed: %s\n", attempt, firstLine(uerr.Error()))
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

// errPartial names config writes that were never attempted.
func errPartial(rest []configChange) error {
	if len(rest) == 0 {
		return nil
	}
	var paths []string
	for _, c := range rest {
		paths = append(paths, c.path)
	}
	return fmt.Errorf("not written: %s", strings.Join(paths, ", "))
}

// swapPreflight refuses a target copy that is not deployed, empty, smaller
// than the live copy or not fully healthy.
func (a *Workflow) swapPreflight(ctx context.Context, req swapReq, liveColor, target string) (*swapCopies, error) {
	name := topology.CopyStackName(req.env, req.svc, target)
	s, err := a.stack(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("target copy %s is not deployed: %w", name, err)
	}
	outs, err := s.Outputs(ctx)
	if err != nil {
		return nil, fmt.Errorf("read %s outputs: %w", name, err)
	}
	sc := &swapCopies{target: name, targetGroup: outString(outs, "groupName"), targetGroupARN: outString(outs, "targetGroupArn"), release: outString(outs, "release")}
	if len(outs) == 0 || sc.targetGroupARN == "" {
		return nil, fmt.Errorf("target copy %s is not deployed (no targetGroupArn output); run `infra up %s --stack %s` first", name, req.env, name)
	}
	if sc.release == "" {
		return nil, fmt.Errorf("target copy %s has no release set (config %s:copy.release)", name, ConfigNamespace)
	}
	desired, _ := asInt(outMap(outs, "capacity")["desired"])
	if desired <= 0 {
		return nil, fmt.Errorf("target copy %s has desired capacity %d; set %s:copy.capacity and run `infra up %s --stack %s` first", name, desired, ConfigNamespace, req.env, name)
	}
	if !req.allowSmaller {
		sc.live = topology.CopyStackName(req.env, req.svc, liveColor)
		ls, err := a.stack(ctx, sc.live)
		if err != nil {
			return nil, fmt.Errorf("cannot compare with live copy: %w (use --allow-smaller to skip)", err)
		}
		lo, err := ls.Outputs(ctx)
		if err != nil {
			return nil, fmt.Errorf("read %s outputs: %w", sc.live, err)
		}
		sc.liveGroup = outString(lo, "groupName")
	}
	return sc, a.checkTarget(ctx, req, sc, "preflight")
}

// recordsServe says whether the deployed records send svc's traffic to
// color. A failed update leaves outputs naming the color it was moving to
// while its records, converged back, still serve the other: when config
// and records agree, the outputs are what is stale.
func (a *Workflow) recordsServe(ctx context.Context, dns Stack, svc, color string) bool {
	w, err := a.deployedWeights(ctx, dns, svc)
	return err == nil && w[color] > w[topology.Other(color)]
}

// copyRelease is the release a copy's deployed outputs say it runs, or ""
// when they cannot be read.
func (a *Workflow) copyRelease(ctx context.Context, env, svc, color string) string {
	s, err := a.stack(ctx, topology.CopyStackName(env, svc, color))
	if err != nil {
		return ""
	}
	outs, err := s.Outputs(ctx)
	if err != nil {
		return ""
	}
	return outString(outs, "release")
}

// swapPreflightQuiet is the swap's preflight without its progress line:
// `infra release` asks it at every poll while it waits.
func (a *Workflow) swapPreflightQuiet(ctx context.Context, req swapReq, liveColor, target string) (*swapCopies, error) {
	req.quiet = true
	return a.swapPreflight(ctx, req, liveColor, target)
}

// swapCopies names what a swap checks in AWS: the target copy's group and
// target group, and the live copy's group when sizes are compared.
type swapCopies struct {
	target, targetGroup, targetGroupARN, release string
	// live is "" when --allow-smaller waives the comparison.
	live, liveGroup string
}

// checkTarget observes both copies in AWS as they run now and judges the
// target. The swap calls it at its preflight and again right before the
// update, because a target can fail between the two.
func (a *Workflow) checkTarget(ctx context.Context, req swapReq, sc *swapCopies, stage string) error {
	checks, err := a.checks(ctx, req.env)
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
		a.printf("%s: %s release %s, %d/%d instances in service, %d/%d targets healthy\n", stage, sc.target, sc.release, tgt.InService, tgt.Desired, len(tgt.Targets), len(tgt.Targets))
	}
	return nil
}

// restoreConfig undoes changes in reverse; removing a path that did not
// exist also removes the empty objects the write created.
func (a *Workflow) restoreConfig(ctx context.Context, s Stack, changes []configChange) error {
	var errs []error
	for i := len(changes) - 1; i >= 0; i-- {
		c := changes[i]
		if c.oldFound {
			errs = append(errs, s.SetConfig(ctx, c.path, configString(c.old)))
			continue
		}
		errs = append(errs, s.RemoveConfig(ctx, c.path))
		for p := parentPath(c.path); p != ""; p = parentPath(p) {
			v, found, err := s.GetConfig(ctx, p)
			if err != nil {
				errs = append(errs, err)
				break
			}
			if !found || strings.TrimSpace(v) != "{}" {
				break
			}
			errs = append(errs, s.RemoveConfig(ctx, p))
		}
	}
	return errors.Join(errs...)
}

func parentPath(p string) string {
	i := strings.LastIndexByte(p, '.')
	if i < 0 {
		return ""
	}
	return p[:i]
}

// waitPropagated marks the swap with a TXT record after Pulumi's record
// changes and waits until that change is INSYNC: Route53 applies a zone's
// changes in order, so the swap has then reached every name server.
func (a *Workflow) waitPropagated(ctx context.Context, req swapReq, dns Stack, target string, now time.Time) error {
	outs, err := dns.Outputs(ctx)
	if err != nil {
		return fmt.Errorf("read %s outputs: %w", dns.Name(), err)
	}
	zone := outString(outs, "zoneId")
	host := outStrings(outs, "hostnames")[req.svc]
	if zone == "" || host == "" {
		return fmt.Errorf("%s exports no zoneId or hostnames.%s", dns.Name(), req.svc)
	}
	checks, err := a.checks(ctx, req.env)
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
	start := a.deps.Clock.Now()
	deadline, prev := start.Add(insyncTimeout), start
	poll := func(ctx context.Context, calls int, status string) error {
		if gap := a.deps.Poll - a.deps.Clock.Now().Sub(prev); calls > 1 && gap > 0 {
			if err := a.deps.Clock.Sleep(ctx, gap); err != nil {
				return err
			}
		}
		now := a.deps.Clock.Now()
		if !now.Before(deadline) {
			return fmt.Errorf("still %s after %s: %w", status, insyncTimeout, context.DeadlineExceeded)
		}
		prev = now
		a.printf("Route53 change %s: %s after %s (the records reach every Route53 name server when it is INSYNC; gives up at %s)\n",
			id, status, now.Sub(start).Round(time.Second), insyncTimeout)
		return nil
	}
	a.printf("waiting for Route53 change %s to be INSYNC...\n", id)
	delay := a.deps.InsyncDelay
	return checks.DNS.WaitInsync(ctx, id, awscheck.WaitOptions{MinDelay: delay, MaxDelay: delay, Timeout: insyncTimeout, Poll: poll})
}
