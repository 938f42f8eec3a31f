package workflow

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/video-platform/video-platform/infra/decide"
	"github.com/video-platform/video-platform/infra/engine"
	"github.com/video-platform/video-platform/infra/observed"
	"github.com/video-platform/video-platform/internal/topology"
)

// Outcome states of one stack in an env run.
const (
	StateSucceeded = "succeeded"
	StateFailed    = "failed"
	StateSkipped   = "skipped"
	StateRefused   = "refused"
)

// Outcome is one stack's result in an env run.
type Outcome struct {
	Stack    string
	State    string
	Changes  map[string]int
	Duration time.Duration
	Err      error
}

// PreviewOptions are `infra preview`'s.
type PreviewOptions struct {
	// Env is the env to preview.
	Env string
	// Stacks limits the run to these stacks, by short or fully qualified
	// name; empty means every stack of the env.
	Stacks []string
	// PolicyPacks are policy pack directories to enforce.
	PolicyPacks []string
}

// UpOptions are `infra up`'s.
type UpOptions struct {
	// Env is the env to deploy.
	Env string
	// Stacks limits the run to these stacks, by short or fully qualified
	// name; empty means every stack of the env.
	Stacks []string
	// PolicyPacks are policy pack directories to enforce.
	PolicyPacks []string
	// BreakLock removes the env lock a dead process left before taking it.
	BreakLock bool
}

// DestroyOptions are `infra destroy`'s.
type DestroyOptions struct {
	// Env is the env to destroy stacks of.
	Env string
	// Stacks limits the run to these stacks, by short or fully qualified
	// name; empty means every stack of the env.
	Stacks []string
	// Force skips the traffic guard.
	Force bool
	// BreakLock removes the env lock a dead process left before taking it.
	BreakLock bool
}

// envRun is one preview, up or destroy: the union of their options.
type envRun struct {
	s                *session
	op               string
	env              string
	stacks, packs    []string
	force, breakLock bool
	// selected are the stacks --stack named, by short name; empty means
	// every stack of the env.
	selected map[string]bool
}

// run implements preview, up and destroy.
func (r *envRun) run(ctx context.Context) error {
	op, env := r.op, r.env
	if err := r.s.checkEnv(env); err != nil {
		return err
	}
	if err := r.selectStacks(); err != nil {
		return err
	}
	policyPacks, policyConfigs, err := r.policyPacks()
	if err != nil {
		return err
	}
	if op != "destroy" && len(r.selected) > 0 {
		if err := r.refuseMissingUpstream(ctx); err != nil {
			return err
		}
	}
	if op != "preview" {
		// Held through the guards too: what they read must not change
		// under them.
		release, err := r.s.lock(ctx, env, strings.TrimSpace(op+" "+env+" "+strings.Join(r.stacks, " ")), r.breakLock)
		if err != nil {
			return fmt.Errorf("%s refused: %w", op, err)
		}
		defer release()
	}
	nodes := decide.Order(r.s.topo, env, r.selected, op == "destroy")
	refused, err := r.guard(ctx, nodes)
	if err != nil {
		return err
	}
	out := &syncWriter{w: r.s.out}
	dnsInRun := r.selected[topology.DNSStackName(env)] || len(r.selected) == 0
	outcomes := runGraph(ctx, nodes, func(ctx context.Context, id topology.Identity) Outcome {
		if err, ok := refused[id.Name]; ok {
			return Outcome{Stack: id.Name, State: StateRefused, Err: err}
		}
		pw := &prefixWriter{out: out, prefix: "[" + id.Name + "] "}
		o := r.runStack(ctx, id, engine.RunOptions{Progress: pw, PolicyPacks: policyPacks, PolicyPackConfigs: policyConfigs}, dnsInRun)
		pw.Flush()
		return o
	})
	r.printOutcomes(outcomes)
	if r.s.deps.OnEnvRun != nil {
		r.s.deps.OnEnvRun(op, env, outcomes)
	}
	var bad []string
	for _, o := range outcomes {
		if o.State != StateSucceeded {
			bad = append(bad, o.Stack+" "+o.State)
		}
	}
	if len(bad) > 0 {
		return failed("%s %s: %s", op, env, strings.Join(bad, ", "))
	}
	return nil
}

// selectStacks reads --stack, by short or fully qualified name.
func (r *envRun) selectStacks() error {
	r.selected = map[string]bool{}
	valid := map[string]bool{}
	var validNames []string
	for _, id := range r.s.topo.EnvStacks(r.env) {
		valid[id.Name] = true
		validNames = append(validNames, id.Name)
	}
	for _, s := range r.stacks {
		short := s[strings.LastIndex(s, "/")+1:]
		if !valid[short] {
			return usagef("--stack %q is not a stack of env %s; accepted: %s", s, r.env, strings.Join(validNames, ", "))
		}
		r.selected[short] = true
	}
	return nil
}

// guard runs the traffic guard of the operation: a destroy's refuses
// stacks (unless --force), an up's or preview's refuses the whole run
// before any stack runs, so that nothing is half-applied.
func (r *envRun) guard(ctx context.Context, nodes []decide.Node) (map[string]error, error) {
	if r.op == "destroy" {
		if r.force {
			return map[string]error{}, nil
		}
		return r.destroyGuard(ctx, nodes), nil
	}
	st, err := readTraffic(ctx, r.s, r.env)
	if err != nil {
		return nil, fmt.Errorf("traffic guard: %w", err)
	}
	capacities := map[string]decide.Capacity{}
	for _, n := range nodes {
		if n.ID.Kind != topology.KindCopy {
			continue
		}
		s, err := r.s.stack(ctx, n.ID.Name)
		if errors.Is(err, engine.ErrNoStack) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("traffic guard: %w", err)
		}
		c, found, err := readCapacity(ctx, s)
		if err != nil {
			return nil, fmt.Errorf("traffic guard: %w", err)
		}
		if found { // else the stack's own validation names the missing key
			capacities[n.ID.Name] = c
		}
	}
	refused := decide.JudgeUp(r.env, nodes, st, capacities)
	if len(refused) == 0 {
		return refused, nil
	}
	var msgs []string
	for _, name := range slices.Sorted(maps.Keys(refused)) {
		msgs = append(msgs, refused[name].Error())
	}
	return nil, failed("%s %s refused; no stack was run:\n%s", r.op, r.env, strings.Join(msgs, "\n"))
}

// refuseMissingUpstream refuses, before any stack is created or run, a run
// of selected stacks that read a stack neither deployed nor in the run:
// the engine would create the stack and then fail on an unknown stack.
func (r *envRun) refuseMissingUpstream(ctx context.Context) error {
	op, env, selected := r.op, r.env, r.selected
	deployed := map[string]bool{}
	isDeployed := func(name string) (bool, error) {
		if ok, seen := deployed[name]; seen {
			return ok, nil
		}
		s, err := r.s.stack(ctx, name)
		if errors.Is(err, engine.ErrNoStack) {
			deployed[name] = false
			return false, nil
		}
		if err != nil {
			return false, err
		}
		outs, err := s.Outputs(ctx)
		if err != nil {
			return false, fmt.Errorf("read %s outputs: %w", name, err)
		}
		deployed[name] = len(outs) > 0
		return deployed[name], nil
	}
	var msgs []string
	for _, id := range r.s.topo.EnvStacks(env) {
		if !selected[id.Name] {
			continue
		}
		for _, up := range decide.Upstreams(id) {
			if selected[up] {
				continue
			}
			ok, err := isDeployed(up)
			if err != nil {
				return err
			}
			if !ok {
				msgs = append(msgs, fmt.Sprintf("%s reads the outputs of %s, which is not deployed: run `infra up %s --stack %s` first (or add --stack %s to this run)",
					id.Name, up, env, up, up))
			}
		}
	}
	if len(msgs) == 0 {
		return nil
	}
	return failed("%s %s refused; no stack was created or run:\n%s", op, env, strings.Join(msgs, "\n"))
}

// runStack runs the operation on one stack. dnsInRun says whether the
// env's DNS stack is part of the same run (a destroyed copy's records
// then go with it).
func (r *envRun) runStack(ctx context.Context, id topology.Identity, o engine.RunOptions, dnsInRun bool) Outcome {
	start := r.s.now()
	res := Outcome{Stack: id.Name}
	s, err := r.s.stack(ctx, id.Name)
	if err == nil {
		var out engine.Result
		switch {
		case r.op == "preview":
			out, err = s.Preview(ctx, o)
		case r.op == "up":
			if o.Replace, err = r.wakeReplacements(ctx, s); err == nil {
				out, err = s.Up(ctx, o)
			}
		case id.Kind == topology.KindCopy:
			out, err = destroyCopy(ctx, r.s, id.Env, s, o, !dnsInRun)
		default:
			out, err = s.Destroy(ctx, o)
		}
		res.Changes = out.Changes
		res.Duration = out.Duration
	}
	if res.Duration == 0 {
		res.Duration = r.s.now().Sub(start)
	}
	if err != nil {
		res.State, res.Err = StateFailed, err
		return res
	}
	res.State = StateSucceeded
	return res
}

// groupType is the Auto Scaling group's type token.
const groupType = "aws:autoscaling/group:Group"

// wakeReplacements returns the groups an up must replace to bring an idle
// copy (deployed with max 0) back: a pool with schedules ignores its min,
// max and desired after creation, because the schedules own them, so an
// update alone would leave the woken group at 0. The idle group has no
// instances, and its name prefix lets the new one exist first.
func (r *envRun) wakeReplacements(ctx context.Context, s engine.Stack) ([]string, error) {
	id, err := r.s.topo.Parse(s.Name())
	if err != nil || id.Kind != topology.KindCopy {
		return nil, nil //nolint:nilerr // only copies wake; a name outside the topology has nothing to wake
	}
	outs, err := s.Outputs(ctx)
	if err != nil {
		return nil, fmt.Errorf("read %s outputs: %w", s.Name(), err)
	}
	deployedMax, ok := asInt(outMap(outs, "capacity")["max"])
	if !ok || deployedMax > 0 {
		return nil, nil
	}
	raw, found, err := s.GetConfig(ctx, "copy.capacity.max")
	if err != nil || !found {
		return nil, err
	}
	if wanted, _ := asInt(configString(raw)); wanted <= 0 {
		return nil, nil
	}
	res, err := s.Resources(ctx)
	if err != nil {
		return nil, fmt.Errorf("read %s resources: %w", s.Name(), err)
	}
	var urns []string
	for _, r := range res {
		if r.Type == groupType {
			urns = append(urns, r.URN)
		}
	}
	if len(urns) > 0 {
		r.s.printf("%s: bringing the idle copy back; its empty group is replaced so it starts at the configured capacity\n", s.Name())
	}
	return urns, nil
}

// policyPacks puts the repo's own pack first and gives it the env's
// committed policy config (policies/config.<env>.json), the one `infra
// synth` and pull requests apply; other packs run with their defaults.
func (r *envRun) policyPacks() ([]string, []string, error) {
	env, packs := r.env, r.packs
	own := filepath.Join(r.s.deps.Root, "policies")
	var ordered []string
	found := false
	for _, p := range packs {
		abs, err := filepath.Abs(p)
		if err != nil {
			return nil, nil, usagef("--policy-pack %q: %v", p, err)
		}
		if abs == own {
			found = true
			continue
		}
		ordered = append(ordered, p)
	}
	if !found {
		return packs, nil, nil
	}
	cfg := filepath.Join(own, "config."+env+".json")
	if _, err := os.Stat(cfg); err != nil {
		return nil, nil, fmt.Errorf("policy config for %s: %w", env, err)
	}
	return append([]string{own}, ordered...), []string{cfg}, nil
}

// destroyGuard refuses to destroy a copy that is live in the DNS stack
// (unless the DNS stack goes first in this run), and the DNS stack while
// the live copies still serve traffic.
func (r *envRun) destroyGuard(ctx context.Context, nodes []decide.Node) map[string]error {
	env := r.env
	refused := map[string]error{}
	in := map[string]bool{}
	for _, n := range nodes {
		in[n.ID.Name] = true
	}
	dnsName := topology.DNSStackName(env)
	var live map[string]string
	dns, err := r.s.stack(ctx, dnsName)
	if err == nil {
		outs, oerr := dns.Outputs(ctx)
		if oerr != nil {
			err = oerr
		}
		live = outStrings(outs, "live")
	}
	if err != nil && !errors.Is(err, engine.ErrNoStack) {
		// Without the DNS state nothing can be called idle.
		for _, n := range nodes {
			if n.ID.Kind == topology.KindCopy || n.ID.Kind == topology.KindDNS {
				refused[n.ID.Name] = fmt.Errorf("traffic guard: cannot read %s outputs (%v); use --force to destroy anyway", dnsName, err)
			}
		}
		return refused
	}
	// The deployed records say who takes traffic, a canary share included.
	st, terr := readTraffic(ctx, r.s, env)
	for _, n := range nodes {
		if n.ID.Kind != topology.KindCopy || in[dnsName] {
			continue
		}
		if err := decide.JudgeDestroyCopy(env, n.ID, live, st, terr); err != nil {
			refused[n.ID.Name] = err
		}
	}
	if !in[dnsName] || len(live) == 0 {
		return refused
	}
	checks, err := r.s.checks(ctx, env)
	if err != nil {
		refused[dnsName] = fmt.Errorf("traffic guard: %v; use --force to destroy anyway", err)
		return refused
	}
	now := r.s.now()
	var serving []string
	for _, svc := range slices.Sorted(maps.Keys(live)) {
		name := topology.CopyStackName(env, svc, live[svc])
		s, err := r.s.stack(ctx, name)
		if errors.Is(err, engine.ErrNoStack) {
			continue
		}
		var outs map[string]any
		if err == nil {
			outs, err = s.Outputs(ctx)
		}
		if err != nil {
			refused[dnsName] = fmt.Errorf("traffic guard: read %s: %v; use --force to destroy anyway", name, err)
			return refused
		}
		suffix := outString(outs, "lbArnSuffix")
		if suffix == "" {
			continue
		}
		start, end := decide.QuietWindow(now, 15*time.Minute)
		sum, err := residual(ctx, checks.Metrics, suffix, start, end)
		if err != nil {
			refused[dnsName] = fmt.Errorf("traffic guard: traffic of %s: %v; use --force to destroy anyway", name, err)
			return refused
		}
		if !sum.Quiet() {
			serving = append(serving, fmt.Sprintf("%s (%s)", name, sum))
		}
	}
	if len(serving) > 0 {
		refused[dnsName] = fmt.Errorf("traffic guard: copies still serve traffic: %s; use --force to destroy anyway", strings.Join(serving, "; "))
	}
	return refused
}

func (r *envRun) printOutcomes(outcomes []Outcome) {
	r.s.printf("\n%s %s:\n", r.op, r.env)
	tw := tabwriter.NewWriter(r.s.out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "STACK\tRESULT\tCHANGES\tDURATION\tERROR")
	for _, o := range outcomes {
		msg := ""
		if o.Err != nil {
			msg = firstLine(o.Err.Error())
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", o.Stack, o.State, formatChanges(o.Changes), o.Duration.Round(time.Second), msg)
	}
	_ = tw.Flush()
}

// runGraph runs fn for every node as soon as everything it comes after has
// finished, concurrently where the graph allows, and skips nodes whose
// needs did not succeed. Outcomes come back in the graph's order.
func runGraph(ctx context.Context, nodes []decide.Node, fn func(ctx context.Context, id topology.Identity) Outcome) []Outcome {
	done := map[string]chan struct{}{}
	for _, n := range nodes {
		done[n.ID.Name] = make(chan struct{})
	}
	outcomes := make([]Outcome, len(nodes))
	index := map[string]int{}
	for i, n := range nodes {
		index[n.ID.Name] = i
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i, n := range nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer close(done[n.ID.Name])
			for _, dep := range n.After {
				<-done[dep]
			}
			mu.Lock()
			var failed []string
			for _, dep := range n.Needs {
				if outcomes[index[dep]].State != StateSucceeded {
					failed = append(failed, dep)
				}
			}
			mu.Unlock()
			var o Outcome
			if len(failed) > 0 {
				o = Outcome{Stack: n.ID.Name, State: StateSkipped, Err: fmt.Errorf("not run: %s did not succeed", strings.Join(failed, ", "))}
			} else if err := ctx.Err(); err != nil {
				o = Outcome{Stack: n.ID.Name, State: StateSkipped, Err: err}
			} else {
				o = fn(ctx, n.ID)
			}
			mu.Lock()
			outcomes[i] = o
			mu.Unlock()
		}()
	}
	wg.Wait()
	return outcomes
}

// lbType is the load balancer's type token.
const lbType = "aws:lb/loadBalancer:LoadBalancer"

// destroyCopy destroys an idle copy whose load balancer is protected
// against deletion, which AWS enforces: an update of its own turns the
// protection off (step 1), then the destroy runs (step 2), then, unless the
// DNS stack goes in the same run, the DNS stack drops the copy's records
// (step 3) so that other services still swap. The protection setting
// leaves the config again, so a recreated copy is protected.
func destroyCopy(ctx context.Context, ss *session, env string, s engine.Stack, o engine.RunOptions, dropRecords bool) (engine.Result, error) {
	resources, err := s.Resources(ctx)
	if err != nil {
		return engine.Result{}, fmt.Errorf("read %s resources: %w", s.Name(), err)
	}
	steps := 2
	if dropRecords {
		steps = 3
	}
	protected := slices.ContainsFunc(resources, func(r observed.Deployed) bool {
		return r.Type == lbType && r.Outputs["enableDeletionProtection"] == true
	})
	if protected {
		ss.printf("%s step 1 of %d: turning off the load balancer's deletion protection\n", s.Name(), steps)
		if err := s.SetConfig(ctx, "copy.deletionProtection", "false"); err != nil {
			return engine.Result{}, err
		}
		if _, err := s.Up(ctx, o); err != nil {
			return engine.Result{}, errors.Join(fmt.Errorf("step 1, turning off deletion protection, failed; nothing was destroyed: %w", err),
				s.RemoveConfig(ctx, "copy.deletionProtection"))
		}
	}
	ss.printf("%s step 2 of %d: destroying the copy\n", s.Name(), steps)
	r, err := s.Destroy(ctx, o)
	if err != nil {
		return r, fmt.Errorf("step 2, the destroy, failed (deletion protection is off; run the destroy again): %w", err)
	}
	if err := s.RemoveConfig(ctx, "copy.deletionProtection"); err != nil {
		return r, fmt.Errorf("the copy is destroyed, but removing copy.deletionProtection from its config failed (remove it by hand so a recreated copy is protected): %w", err)
	}
	if !dropRecords {
		return r, nil
	}
	dnsName := topology.DNSStackName(env)
	ss.printf("%s step 3 of 3: removing its records from %s\n", s.Name(), dnsName)
	ss.dnsMu.Lock()
	defer ss.dnsMu.Unlock()
	dns, err := ss.stack(ctx, dnsName)
	if err == nil {
		_, err = dns.Up(ctx, o)
	}
	if err != nil {
		return r, fmt.Errorf("the copy is destroyed, but removing its records failed: %w; run `infra up %s --stack %s`", err, env, dnsName)
	}
	return r, nil
}
