package deploy

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/video-platform/video-platform/infra/awscheck"
	"github.com/video-platform/video-platform/infra/decide"
	"github.com/video-platform/video-platform/internal/topology"
)

// DefaultMaxIdle is how long housekeeping lets a swapped-out copy keep
// traffic before it reports it.
const DefaultMaxIdle = 24 * time.Hour

// HousekeepingOptions are `infra housekeeping`'s.
type HousekeepingOptions struct {
	Env string
	// MaxIdle is how long a swapped-out copy may keep traffic before it is
	// reported instead of waited for.
	MaxIdle time.Duration
	// MinWait and QuietFor are retire's: the least time since the swap, and
	// how long the load balancer must have been quiet.
	MinWait, QuietFor time.Duration
	// JSON prints the findings as a JSON array instead of lines.
	JSON bool
	// BreakLock removes the env lock a dead process left before taking it.
	BreakLock bool
}

// Housekeeping does what nobody should have to remember, safe to run
// every 15 minutes: it retires the copies whose traffic has drained after
// a swap, drops the transcoder releases whose groups are empty, reports
// phantom groups and outdated instances, checks that every image a stack
// references exists, and keeps those images protected from the registry's
// lifecycle policy. It exits 1 when a finding needs someone.
func (a *Workflow) Housekeeping(ctx context.Context, o HousekeepingOptions) error {
	if err := checkEnv(o.Env); err != nil {
		return err
	}
	if o.MaxIdle <= 0 || o.QuietFor < time.Minute || o.MinWait < 0 {
		return usagef("--max-idle must be positive, --quiet-for at least 1m and --min-wait not negative; got %s, %s and %s", o.MaxIdle, o.QuietFor, o.MinWait)
	}
	unlock, err := a.lockEnv(ctx, o.Env, "housekeeping "+o.Env, o.BreakLock)
	if err != nil {
		return fmt.Errorf("housekeeping refused: %w", err)
	}
	defer unlock()
	h := &housekeeping{a: a, o: o}
	h.idleCopies(ctx)
	h.transcoders(ctx)
	h.groups(ctx)
	h.images(ctx)

	attention := 0
	for _, f := range h.findings {
		if f.Level == decide.LevelAttention {
			attention++
		}
	}
	if o.JSON {
		b, err := json.MarshalIndent(h.findings, "", "  ")
		if err != nil {
			return err
		}
		a.printf("%s\n", b)
	} else {
		for _, f := range h.findings {
			a.printf("%s\n", f)
		}
		a.printf("housekeeping %s: %d finding(s), %d need attention\n", o.Env, len(h.findings), attention)
	}
	if attention > 0 {
		return exitError{code: ExitFailed, msg: fmt.Sprintf("%d finding(s) need attention", attention)}
	}
	return nil
}

// housekeeping is one run's findings.
type housekeeping struct {
	a        *Workflow
	o        HousekeepingOptions
	findings []decide.Finding
}

func (h *housekeeping) add(level decide.FindingLevel, kind, subject, format string, args ...any) {
	h.findings = append(h.findings, decide.Finding{Level: level, Kind: kind, Subject: subject, Message: fmt.Sprintf(format, args...)})
}

// idleCopies retires each swapped-out copy whose traffic has stopped.
func (h *housekeeping) idleCopies(ctx context.Context) {
	env := h.o.Env
	checks, err := h.a.checks(ctx, env)
	if err != nil {
		h.add(decide.LevelAttention, "idle-copy", env, "no AWS client: %v", err)
		return
	}
	for _, svc := range topology.ServiceNames() {
		st, err := h.a.readIdle(ctx, env, svc)
		if err != nil {
			h.add(decide.LevelAttention, "idle-copy", svc, "cannot read what is live: %v", err)
			continue
		}
		if st.live == "" {
			continue
		}
		color := topology.Other(st.live)
		name := topology.CopyStackName(env, svc, color)
		c := decide.IdleCopy{Stack: name, Canary: st.canary, SwappedAt: st.swappedAt,
			SwappedOut: st.previous == color, PreviousRelease: st.previousRelease}
		s, err := h.a.stack(ctx, name)
		if err != nil {
			continue // a destroyed idle copy has nothing to retire
		}
		outs, err := s.Outputs(ctx)
		if err != nil {
			h.add(decide.LevelAttention, "idle-copy", name, "cannot read its outputs: %v", err)
			continue
		}
		if len(outs) == 0 {
			continue
		}
		c.Release = outString(outs, "release")
		maxSize, _ := asInt(outMap(outs, "capacity")["max"])
		c.HasCapacity = maxSize > 0
		if c.HasCapacity && c.SwappedOut && c.Release == c.PreviousRelease && c.Canary == 0 {
			now := h.a.deps.Clock.Now()
			sum, err := residual(ctx, checks.Metrics, outString(outs, "lbArnSuffix"), now.Add(-decide.MetricsLag-h.o.QuietFor), now.Add(-decide.MetricsLag))
			c.TrafficErr, c.Quiet, c.Traffic = err, err == nil && sum.Quiet(), sum.String()
		}
		action, f := decide.JudgeIdleCopy(c, h.a.deps.Clock.Now(), h.o.MinWait, h.o.MaxIdle)
		if action == decide.RetireCopy {
			if err := h.a.retire(ctx, RetireOptions{Env: env, Service: svc, Color: color, MinWait: h.o.MinWait, QuietFor: h.o.QuietFor,
				Timeout: time.Minute}); err != nil {
				f.Level, f.Message = decide.LevelAttention, fmt.Sprintf("was quiet, but retiring it failed: %v", err)
			}
		}
		if f.Message != "" {
			h.findings = append(h.findings, f)
		}
	}
}

// transcoders drops the draining releases whose groups are empty.
func (h *housekeeping) transcoders(ctx context.Context) {
	if err := h.a.roll(ctx, RollOptions{Env: h.o.Env, GC: true, Timeout: DefaultRollTimeout}); err != nil {
		h.add(decide.LevelAttention, "transcoders", topology.TranscodersStackName(h.o.Env), "dropping empty draining releases failed: %v", err)
	}
}

// groups reports phantom groups and outdated or overdue instances.
func (h *housekeeping) groups(ctx context.Context) {
	env := h.o.Env
	checks, err := h.a.checks(ctx, env)
	if err != nil {
		return
	}
	list, err := checks.Fleet.GroupsByTag(ctx, "env", env)
	if err != nil {
		h.add(decide.LevelAttention, "groups", env, "cannot list the Auto Scaling groups: %v", err)
		return
	}
	groups := map[string]awscheck.Group{}
	for _, g := range list {
		groups[g.Name] = g
	}
	declared, unread := map[string]bool{}, map[string]bool{}
	for _, id := range topology.EnvStacks(env) {
		s, err := h.a.stack(ctx, id.Name)
		if err != nil {
			continue
		}
		outs, err := s.Outputs(ctx)
		if err != nil {
			unread[id.Name] = true
			h.add(decide.LevelAttention, "groups", id.Name, "cannot read its outputs, so its groups are not classified: %v", err)
			continue
		}
		if g := outString(outs, "groupName"); g != "" {
			declared[g] = true
		}
		for _, g := range outStrings(outs, "groups") {
			declared[g] = true
		}
	}
	phantom, _ := decide.ClassifyGroups(env, groups, declared, unread)
	for _, name := range phantom {
		g := groups[name]
		h.add(decide.LevelAttention, "phantom-group", name, "tagged env=%s but declared by no stack (desired %d, %d instances); investigate, then delete it", env, g.Desired, g.Instances)
	}
	tagged, drains, err := readInstances(ctx, checks.Fleet, env, groups)
	if err != nil {
		h.add(decide.LevelAttention, "instances", env, "cannot read the instances: %v", err)
		return
	}
	draining, outdated := decide.JudgeInstances(h.a.deps.Clock.Now(), groups, tagged, drains)
	for _, d := range draining {
		if d.Overdue() {
			h.add(decide.LevelAttention, "overdue-drain", d.ID, "of %s (release %s) has drained for %s, past its hook's %s heartbeat", d.Group, d.Release, d.Age.Round(time.Second), d.Heartbeat)
		}
	}
	for _, o := range outdated {
		h.add(decide.LevelAttention, "outdated-instance", o.ID, "of %s runs release %q, not the group's %s; it still takes work: replace it (an instance refresh, or terminate it)",
			o.Group, o.InstanceRelease, o.GroupRelease)
	}
}

// images checks that every image a stack references exists, and keeps
// exactly those protected from the lifecycle policy.
func (h *housekeeping) images(ctx context.Context) {
	env := h.o.Env
	refs, err := h.referencedReleases(ctx)
	if err != nil {
		h.add(decide.LevelAttention, "images", env, "cannot read which releases the stacks reference: %v", err)
		return
	}
	checks, err := h.a.checks(ctx, env)
	if err != nil {
		return
	}
	for _, tier := range slices.Sorted(maps.Keys(refs)) {
		repo := topology.RepositoryName(env, tier)
		res, err := checks.Registry.KeepImages(ctx, repo, slices.Sorted(maps.Keys(refs[tier])))
		if err != nil {
			h.add(decide.LevelAttention, "images", repo, "cannot maintain the protected images: %v", err)
			continue
		}
		for _, r := range res.Missing {
			h.add(decide.LevelAttention, "missing-image", repo+":"+r, "referenced by %s but not in the registry: a replaced instance would fail to start", refs[tier][r])
		}
		for _, r := range res.Added {
			h.add(decide.LevelDone, "image-kept", repo+":"+r, "protected from the lifecycle policy (keep-%s), referenced by %s", r, refs[tier][r])
		}
		for _, r := range res.Removed {
			h.add(decide.LevelDone, "image-released", repo+":"+r, "no stack references it any more; the lifecycle policy may expire it")
		}
	}
}

// referencedReleases maps each tier to its referenced releases and who
// references them: both copies of each service (the idle one is the
// rollback), and the active, warming and draining transcoder releases.
func (h *housekeeping) referencedReleases(ctx context.Context) (map[string]map[string]string, error) {
	env := h.o.Env
	refs := map[string]map[string]string{}
	add := func(tier, release, by string) {
		if release == "" {
			return
		}
		if refs[tier] == nil {
			refs[tier] = map[string]string{}
		}
		if refs[tier][release] == "" {
			refs[tier][release] = by
		}
	}
	for _, svc := range topology.ServiceNames() {
		for _, color := range topology.Colors {
			name := topology.CopyStackName(env, svc, color)
			s, err := h.a.stack(ctx, name)
			if err != nil {
				continue
			}
			v, found, err := s.GetConfig(ctx, "copy.release")
			if err != nil {
				return nil, fmt.Errorf("read %s config copy.release: %w", name, err)
			}
			if found {
				add(svc, configString(v), name)
			}
		}
	}
	name := topology.TranscodersStackName(env)
	if s, err := h.a.stack(ctx, name); err == nil {
		raw, found, err := s.GetConfig(ctx, "transcoders")
		if err != nil {
			return nil, fmt.Errorf("read %s config transcoders: %w", name, err)
		}
		if found {
			var f decide.Fleet
			if err := json.Unmarshal([]byte(raw), &f); err != nil {
				return nil, fmt.Errorf("%s config transcoders is not an object: %w", name, err)
			}
			add("transcoder", f.Active, name+" (active)")
			add("transcoder", f.Warming, name+" (warming)")
			for i, r := range f.Draining {
				add("transcoder", r, name+" (draining["+strconv.Itoa(i)+"])")
			}
		}
	}
	return refs, nil
}
