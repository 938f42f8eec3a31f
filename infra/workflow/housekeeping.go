package workflow

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"

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

func (o HousekeepingOptions) check(s *session) error {
	if err := s.checkEnv(o.Env); err != nil {
		return err
	}
	if o.MaxIdle <= 0 || o.QuietFor < time.Minute || o.MinWait < 0 {
		return usagef("--max-idle must be positive, --quiet-for at least 1m and --min-wait not negative; got %s, %s and %s", o.MaxIdle, o.QuietFor, o.MinWait)
	}
	return nil
}

// housekeeping is one run's findings.
type housekeeping struct {
	s        *session
	o        HousekeepingOptions
	findings []decide.Finding
}

// run takes the env lock, does every chore, and reports the findings: one
// line each, or a JSON array. It fails when one needs attention.
func (h *housekeeping) run(ctx context.Context) error {
	o := h.o
	unlock, err := h.s.lock(ctx, o.Env, "housekeeping "+o.Env, o.BreakLock)
	if err != nil {
		return fmt.Errorf("housekeeping refused: %w", err)
	}
	defer unlock()
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
		h.s.printf("%s\n", b)
	} else {
		for _, f := range h.findings {
			h.s.printf("%s\n", f)
		}
		h.s.printf("housekeeping %s: %d finding(s), %d need attention\n", o.Env, len(h.findings), attention)
	}
	if attention > 0 {
		return failed("%d finding(s) need attention", attention)
	}
	return nil
}

func (h *housekeeping) add(level decide.FindingLevel, kind, subject, format string, args ...any) {
	h.findings = append(h.findings, decide.Finding{Level: level, Kind: kind, Subject: subject, Message: fmt.Sprintf(format, args...)})
}

// idleCopies retires each swapped-out copy whose traffic has stopped.
func (h *housekeeping) idleCopies(ctx context.Context) {
	env := h.o.Env
	checks, err := h.s.checks(ctx, env)
	if err != nil {
		h.add(decide.LevelAttention, "idle-copy", env, "no AWS client: %v", err)
		return
	}
	for _, svc := range h.s.topo.ServiceNames() {
		st, err := readIdle(ctx, h.s, env, svc)
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
		s, err := h.s.stack(ctx, name)
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
		if c.Retirable() {
			start, end := decide.QuietWindow(h.s.now(), h.o.QuietFor)
			sum, err := residual(ctx, checks.Metrics, outString(outs, "lbArnSuffix"), start, end)
			c.TrafficErr, c.Quiet, c.Traffic = err, err == nil && sum.Quiet(), sum.String()
		}
		action, f := decide.JudgeIdleCopy(c, h.s.now(), h.o.MinWait, h.o.MaxIdle)
		if action == decide.RetireCopy {
			retire := &retireRun{s: h.s, o: RetireOptions{Env: env, Service: svc, Color: color, MinWait: h.o.MinWait, QuietFor: h.o.QuietFor,
				Timeout: time.Minute}}
			if err := retire.run(ctx); err != nil {
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
	if err := (&rollRun{s: h.s, o: RollOptions{Env: h.o.Env, GC: true, Timeout: DefaultRollTimeout}}).run(ctx); err != nil {
		h.add(decide.LevelAttention, "transcoders", topology.TranscodersStackName(h.o.Env), "dropping empty draining releases failed: %v", err)
	}
}

// groups reports phantom groups and outdated or overdue instances.
func (h *housekeeping) groups(ctx context.Context) {
	env := h.o.Env
	checks, err := h.s.checks(ctx, env)
	if err != nil {
		return
	}
	groups, err := envGroups(ctx, checks.Fleet, env)
	if err != nil {
		h.add(decide.LevelAttention, "groups", env, "cannot list the Auto Scaling groups: %v", err)
		return
	}
	outputs, unread := envOutputs(ctx, h.s, env, func(stack string, err error) {
		h.add(decide.LevelAttention, "groups", stack, "cannot read its outputs, so its groups are not classified: %v", err)
	})
	phantom, _ := decide.ClassifyGroups(h.s.topo, env, groups, decide.DeclaredGroups(outputs), unread)
	for _, name := range phantom {
		g := groups[name]
		h.add(decide.LevelAttention, "phantom-group", name, "tagged env=%s but declared by no stack (desired %d, %d instances); investigate, then delete it", env, g.Desired, g.Instances)
	}
	tagged, drains, err := readInstances(ctx, checks.Fleet, env, groups)
	if err != nil {
		h.add(decide.LevelAttention, "instances", env, "cannot read the instances: %v", err)
		return
	}
	draining, outdated := decide.JudgeInstances(h.s.now(), groups, tagged, drains)
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
	checks, err := h.s.checks(ctx, env)
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
	for _, svc := range h.s.topo.ServiceNames() {
		for _, color := range topology.Colors {
			name := topology.CopyStackName(env, svc, color)
			s, err := h.s.stack(ctx, name)
			if err != nil {
				continue
			}
			release, err := configText(ctx, s, "copy.release")
			if err != nil {
				return nil, err
			}
			add(svc, release, name)
		}
	}
	name := topology.TranscodersStackName(env)
	if s, err := h.s.stack(ctx, name); err == nil {
		f, found, err := readFleet(ctx, s)
		if err != nil {
			return nil, err
		}
		if found {
			add("transcoder", f.Active, name+" (active)")
			add("transcoder", f.Warming, name+" (warming)")
			for i, r := range f.Draining {
				add("transcoder", r, name+" (draining["+strconv.Itoa(i)+"])")
			}
		}
	}
	return refs, nil
}
