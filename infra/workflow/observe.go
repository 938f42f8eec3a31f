package workflow

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
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

// What the commands observe of the deployed stacks and of AWS, as the
// plain values infra/decide decides from.

// idleState is what the DNS stack says of a service: its live color, its
// canary, and what the last swap recorded.
type idleState struct {
	live      string
	canary    int
	swappedAt time.Time
	// previous is the color the last swap made not live, and
	// previousRelease what it ran then.
	previous, previousRelease string
}

// liveColors reads the live color of svc from the DNS stack's outputs and
// from its config (found says the config sets one). A failed update leaves
// outputs naming the color it was moving to while its records, converged
// back, still serve the other: when config and records agree, the outputs
// are what is stale, and the config's color is taken as deployed.
func liveColors(ctx context.Context, dns engine.Stack, outs map[string]any, svc string) (deployed, configured string, found bool, err error) {
	deployed = outStrings(outs, "live")[svc]
	v, found, err := dns.GetConfig(ctx, "live."+svc)
	if err != nil {
		return "", "", false, fmt.Errorf("read %s config live.%s: %w", dns.Name(), svc, err)
	}
	configured = configString(v)
	if found && deployed != "" && configured != deployed && recordsServe(ctx, dns, svc, configured) {
		deployed = configured
	}
	return deployed, configured, found, nil
}

// readIdle reads the live color, the canary and what the last swap of svc
// recorded.
func readIdle(ctx context.Context, s *session, env, svc string) (idleState, error) {
	var st idleState
	dnsName := topology.DNSStackName(env)
	dns, err := s.stack(ctx, dnsName)
	if err != nil {
		return st, err
	}
	outs, err := dns.Outputs(ctx)
	if err != nil {
		return st, fmt.Errorf("read %s outputs: %w", dnsName, err)
	}
	deployed, configured, found, err := liveColors(ctx, dns, outs, svc)
	if err != nil {
		return st, err
	}
	if found && deployed != "" && configured != deployed {
		return st, fmt.Errorf("%s config says live.%s=%s but the deployed stack serves %s; reconcile first", dnsName, svc, configured, deployed)
	}
	st.live = cmpOr(deployed, configured)
	if st.canary, err = configInt(ctx, dns, "canary."+svc); err != nil {
		return st, err
	}
	v, found, err := dns.GetConfig(ctx, "previous."+svc+".swappedAt")
	if err != nil {
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
		if *f.v, err = configText(ctx, dns, "previous."+svc+"."+f.key); err != nil {
			return st, err
		}
	}
	return st, nil
}

// cmpOr is the first of a and b that is not empty.
func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// configText reads a scalar config value, "" when unset.
func configText(ctx context.Context, s engine.Stack, path string) (string, error) {
	v, found, err := s.GetConfig(ctx, path)
	if err != nil {
		return "", fmt.Errorf("read %s config %s: %w", s.Name(), path, err)
	}
	if !found {
		return "", nil
	}
	return configString(v), nil
}

// configInt reads a number from config, 0 when unset or not a number.
func configInt(ctx context.Context, s engine.Stack, path string) (int, error) {
	v, err := configText(ctx, s, path)
	n, _ := asInt(v)
	return n, err
}

// deployedWeights reads what the DNS stack's state says a service's
// records serve.
func deployedWeights(ctx context.Context, dns engine.Stack, svc string) (map[string]int, error) {
	res, err := dns.Resources(ctx)
	if err != nil {
		return nil, fmt.Errorf("read the deployed records of %s: %w", dns.Name(), err)
	}
	w := decide.RecordWeights(res, svc)
	if len(w) == 0 {
		return nil, fmt.Errorf("%s has no deployed weighted records for %s", dns.Name(), svc)
	}
	return w, nil
}

// recordsServe says whether the deployed records send svc's traffic to
// color.
func recordsServe(ctx context.Context, dns engine.Stack, svc, color string) bool {
	w, err := deployedWeights(ctx, dns, svc)
	return err == nil && decide.Serves(w, color)
}

// copyRelease is the release a copy's deployed outputs say it runs, or ""
// when they cannot be read.
func copyRelease(ctx context.Context, s *session, env, svc, color string) string {
	st, err := s.stack(ctx, topology.CopyStackName(env, svc, color))
	if err != nil {
		return ""
	}
	outs, err := st.Outputs(ctx)
	if err != nil {
		return ""
	}
	return outString(outs, "release")
}

// readTraffic reads the DNS stack's deployed records and its config.
func readTraffic(ctx context.Context, s *session, env string) (decide.TrafficState, error) {
	st := decide.TrafficState{Weights: map[string]map[string]int{}, Live: map[string]string{}, Canary: map[string]int{}}
	dnsName := topology.DNSStackName(env)
	dns, err := s.stack(ctx, dnsName)
	if errors.Is(err, engine.ErrNoStack) {
		return st, nil
	}
	if err != nil {
		return st, err
	}
	res, err := dns.Resources(ctx)
	if err != nil {
		return st, fmt.Errorf("read the deployed records of %s: %w", dnsName, err)
	}
	for _, svc := range s.topo.ServiceNames() {
		if w := decide.RecordWeights(res, svc); len(w) > 0 {
			st.Weights[svc] = w
			st.Deployed = true
		}
	}
	for key, out := range map[string]any{"live": &st.Live, "canary": &st.Canary} {
		raw, found, err := dns.GetConfig(ctx, key)
		if err != nil {
			return st, fmt.Errorf("read %s config %s: %w", dnsName, key, err)
		}
		if found {
			if err := json.Unmarshal([]byte(raw), out); err != nil {
				return st, fmt.Errorf("%s config %s:%s = %s is not an object of services", dnsName, observed.ConfigNamespace, key, raw)
			}
		}
	}
	return st, nil
}

// readCapacity reads a copy's config copy.capacity; found is false when
// it is unset. Each of min, max and desired is a whole number (a number
// or a numeric string), 0 when unset.
func readCapacity(ctx context.Context, s engine.Stack) (c decide.Capacity, found bool, err error) {
	raw, found, err := s.GetConfig(ctx, "copy.capacity")
	if err != nil || !found {
		if err != nil {
			err = fmt.Errorf("read %s config copy.capacity: %w", s.Name(), err)
		}
		return c, false, err
	}
	var fields map[string]any
	if err := json.Unmarshal([]byte(raw), &fields); err != nil {
		return c, true, fmt.Errorf("%s config %s:copy.capacity = %s is not {min, max, desired}", s.Name(), observed.ConfigNamespace, raw)
	}
	for _, f := range []struct {
		key string
		v   *int
	}{{"min", &c.Min}, {"max", &c.Max}, {"desired", &c.Desired}} {
		v, ok := fields[f.key]
		if !ok {
			continue
		}
		n, ok := asInt(v)
		if !ok {
			return c, true, fmt.Errorf("%s config copy.capacity.%s = %q is not a whole number", s.Name(), f.key, fmt.Sprint(v))
		}
		*f.v = n
	}
	return c, true, nil
}

// capacityChanges are the config writes that set a copy's capacity to c.
func capacityChanges(c decide.Capacity) []configChange {
	return []configChange{
		{path: "copy.capacity.min", value: strconv.Itoa(c.Min)},
		{path: "copy.capacity.max", value: strconv.Itoa(c.Max)},
		{path: "copy.capacity.desired", value: strconv.Itoa(c.Desired)},
	}
}

// readFleet reads the transcoders stack's config transcoders; found is
// false when it is unset.
func readFleet(ctx context.Context, s engine.Stack) (f decide.Fleet, found bool, err error) {
	raw, found, err := s.GetConfig(ctx, "transcoders")
	if err != nil {
		return f, false, fmt.Errorf("read %s config transcoders: %w", s.Name(), err)
	}
	if !found {
		return f, false, nil
	}
	if err := json.Unmarshal([]byte(raw), &f); err != nil {
		return f, true, fmt.Errorf("%s config transcoders is not an object: %w", s.Name(), err)
	}
	return f, true, nil
}

// residual sums an ALB's traffic over [start, end). An LB CloudWatch has
// never seen counts as quiet (see decide.Traffic).
func residual(ctx context.Context, metrics awscheck.Metrics, suffix string, start, end time.Time) (decide.Traffic, error) {
	points, err := metrics.Traffic(ctx, suffix, start, end)
	if errors.Is(err, awscheck.ErrNoMetrics) {
		return decide.Traffic{Unknown: true}, nil
	}
	if err != nil {
		return decide.Traffic{}, err
	}
	return decide.SumTraffic(points), nil
}

// envGroups lists the env's Auto Scaling groups by name.
func envGroups(ctx context.Context, fleet awscheck.Fleet, env string) (map[string]observed.Group, error) {
	list, err := fleet.GroupsByTag(ctx, "env", env)
	if err != nil {
		return nil, err
	}
	groups := map[string]observed.Group{}
	for _, g := range list {
		groups[g.Name] = g
	}
	return groups, nil
}

// readInstances reads what decide.JudgeInstances needs: the instances' own
// tags for the env and, for groups with terminating instances, their
// drains.
func readInstances(ctx context.Context, fleet awscheck.Fleet, env string, groups map[string]observed.Group) ([]observed.TaggedInstance, map[string]observed.Drain, error) {
	tagged, err := fleet.TaggedInstances(ctx, "env", env)
	if err != nil {
		return nil, nil, err
	}
	drains := map[string]observed.Drain{}
	for _, name := range slices.Sorted(maps.Keys(groups)) {
		var terminating []string
		for _, m := range groups[name].Members {
			if m.Draining() {
				terminating = append(terminating, m.ID)
			}
		}
		if len(terminating) == 0 {
			continue
		}
		d, err := fleet.Drains(ctx, name, terminating)
		if err != nil {
			return nil, nil, err
		}
		drains[name] = d
	}
	return tagged, drains, nil
}

// envOutputs reads the outputs of every stack of the env that exists.
// unread are the stacks whose outputs could not be read: what they declare
// is unknown, not absent; each failed read is passed to fail.
func envOutputs(ctx context.Context, s *session, env string, fail func(stack string, err error)) (outputs map[string]map[string]any, unread map[string]bool) {
	outputs, unread = map[string]map[string]any{}, map[string]bool{}
	for _, id := range s.topo.EnvStacks(env) {
		st, err := s.stack(ctx, id.Name)
		if err != nil {
			continue
		}
		outs, err := st.Outputs(ctx)
		if err != nil {
			unread[id.Name] = true
			fail(id.Name, err)
			continue
		}
		outputs[id.Name] = outs
	}
	return outputs, unread
}

// configChange is one config write and what it replaced, for restoring.
type configChange struct {
	path, value string
	// remove deletes the key instead of setting value.
	remove   bool
	old      string
	oldFound bool
}

// readOld records what each change replaces; on an error it returns the
// index of the change it could not read.
func readOld(ctx context.Context, s engine.Stack, changes []configChange) (int, error) {
	for i := range changes {
		v, found, err := s.GetConfig(ctx, changes[i].path)
		if err != nil {
			return i, err
		}
		changes[i].old, changes[i].oldFound = v, found
	}
	return 0, nil
}

// writeConfig makes the changes in order (a removal of a path that is not
// there is no write); on an error it returns the index of the change that
// failed.
func writeConfig(ctx context.Context, s engine.Stack, changes []configChange) (int, error) {
	for i, c := range changes {
		var err error
		switch {
		case !c.remove:
			err = s.SetConfig(ctx, c.path, c.value)
		case c.oldFound:
			err = s.RemoveConfig(ctx, c.path)
		}
		if err != nil {
			return i, err
		}
	}
	return 0, nil
}

// restoreConfig undoes changes in reverse; removing a path that did not
// exist also removes the empty objects the write created.
func restoreConfig(ctx context.Context, s engine.Stack, changes []configChange) error {
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
