package deploy

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/video-platform/video-platform/infra/decide"
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

// refuseMissingUpstream refuses, before any stack is created or run, a run
// of selected stacks that read a stack neither deployed nor in the run:
// the engine would create the stack and then fail on an unknown stack.
func (a *Workflow) refuseMissingUpstream(ctx context.Context, op, env string, selected map[string]bool) error {
	deployed := map[string]bool{}
	isDeployed := func(name string) (bool, error) {
		if ok, seen := deployed[name]; seen {
			return ok, nil
		}
		s, err := a.stack(ctx, name)
		if errors.Is(err, ErrNoStack) {
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
	for _, id := range topology.EnvStacks(env) {
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
	return exitError{code: ExitFailed, msg: fmt.Sprintf("%s %s refused; no stack was created or run:\n%s", op, env, strings.Join(msgs, "\n"))}
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
	op               string
	env              string
	stacks, packs    []string
	force, breakLock bool
}

// Preview previews the env's stacks in dependency order.
func (a *Workflow) Preview(ctx context.Context, o PreviewOptions) error {
	return a.runEnv(ctx, envRun{op: "preview", env: o.Env, stacks: o.Stacks, packs: o.PolicyPacks})
}

// Up deploys the env's stacks in dependency order, copies and transcoders
// in parallel, behind the traffic guard.
func (a *Workflow) Up(ctx context.Context, o UpOptions) error {
	return a.runEnv(ctx, envRun{op: "up", env: o.Env, stacks: o.Stacks, packs: o.PolicyPacks, breakLock: o.BreakLock})
}

// Destroy destroys the env's stacks in reverse dependency order; the
// traffic guard refuses a copy that takes traffic unless Force.
func (a *Workflow) Destroy(ctx context.Context, o DestroyOptions) error {
	return a.runEnv(ctx, envRun{op: "destroy", env: o.Env, stacks: o.Stacks, force: o.Force, breakLock: o.BreakLock})
}

// runEnv implements preview, up and destroy.
func (a *Workflow) runEnv(ctx context.Context, r envRun) error {
	op, env, stacks, packs := r.op, r.env, r.stacks, r.packs
	if err := checkEnv(env); err != nil {
		return err
	}
	selected := map[string]bool{}
	valid := map[string]bool{}
	var validNames []string
	for _, id := range topology.EnvStacks(env) {
		valid[id.Name] = true
		validNames = append(validNames, id.Name)
	}
	for _, s := range stacks {
		short := s[strings.LastIndex(s, "/")+1:]
		if !valid[short] {
			return usagef("--stack %q is not a stack of env %s; accepted: %s", s, env, strings.Join(validNames, ", "))
		}
		selected[short] = true
	}

	policyPacks, policyConfigs, err := a.policyPacks(env, packs)
	if err != nil {
		return err
	}
	if op != "destroy" && len(selected) > 0 {
		if err := a.refuseMissingUpstream(ctx, op, env, selected); err != nil {
			return err
		}
	}
	if op != "preview" {
		// Held through the guards too: what they read must not change
		// under them.
		release, err := a.lockEnv(ctx, env, strings.TrimSpace(op+" "+env+" "+strings.Join(stacks, " ")), r.breakLock)
		if err != nil {
			return fmt.Errorf("%s refused: %w", op, err)
		}
		defer release()
	}
	nodes := decide.Order(env, selected, op == "destroy")
	refused := map[string]error{}
	if op == "destroy" && !r.force {
		refused = a.destroyGuard(ctx, env, nodes)
	}
	if op != "destroy" {
		refused, err = a.upGuard(ctx, env, nodes)
		if err != nil {
			return err
		}
		// Refused before any stack runs: nothing is half-applied.
		if len(refused) > 0 {
			var msgs []string
			for _, name := range slices.Sorted(maps.Keys(refused)) {
				msgs = append(msgs, refused[name].Error())
			}
			return exitError{code: ExitFailed, msg: fmt.Sprintf("%s %s refused; no stack was run:\n%s", op, env, strings.Join(msgs, "\n"))}
		}
	}

	out := &syncWriter{w: a.out}
	outcomes := runGraph(ctx, nodes, func(ctx context.Context, id topology.Identity) Outcome {
		if err, ok := refused[id.Name]; ok {
			return Outcome{Stack: id.Name, State: StateRefused, Err: err}
		}
		pw := &prefixWriter{out: out, prefix: "[" + id.Name + "] "}
		o := a.runStack(ctx, op, id, RunOptions{Progress: pw, PolicyPacks: policyPacks, PolicyPackConfigs: policyConfigs}, selected[topology.DNSStackName(env)] || len(selected) == 0)
		pw.Flush()
		return o
	})
	a.printOutcomes(op, env, outcomes)
	if a.deps.OnEnvRun != nil {
		a.deps.OnEnvRun(op, env, outcomes)
	}
	var bad []string
	for _, o := range outcomes {
		if o.State != StateSucceeded {
			bad = append(bad, o.Stack+" "+o.State)
		}
	}
	if len(bad) > 0 {
		return exitError{code: ExitFailed, msg: fmt.Sprintf("%s %s: %s", op, env, strings.Join(bad, ", "))}
	}
	return nil
}

// runStack runs op on one stack. dnsInRun says whether the env's DNS
// stack is part of the same run (a destroyed copy's records then go with
// it).
func (a *Workflow) runStack(ctx context.Context, op string, id topology.Identity, o RunOptions, dnsInRun bool) Outcome {
	start := a.deps.Clock.Now()
	name := id.Name
	res := Outcome{Stack: name}
	s, err := a.stack(ctx, name)
	if err == nil {
		var r Result
		switch {
		case op == "preview":
			r, err = s.Preview(ctx, o)
		case op == "up":
			if o.Replace, err = a.wakeReplacements(ctx, s); err == nil {
				r, err = s.Up(ctx, o)
			}
		case id.Kind == topology.KindCopy:
			r, err = a.destroyCopy(ctx, id.Env, s, o, !dnsInRun)
		default:
			r, err = s.Destroy(ctx, o)
		}
		res.Changes = r.Changes
		res.Duration = r.Duration
	}
	if res.Duration == 0 {
		res.Duration = a.deps.Clock.Now().Sub(start)
	}
	if err != nil {
		res.State, res.Err = StateFailed, err
		return res
	}
	res.State = StateSucceeded
	return res
}

// lbType is the load balancer's type token.
const lbType = "aws:lb/loadBalancer:LoadBalancer"

// destroyCopy destroys an idle copy whose load balancer is protected
// against deletion, which AWS enforces: an update of its own turns the
// protection off (step 1), then the destroy runs (step 2), then, unless the
// DNS stack goes in the same run, the DNS stack drops the copy's records
// (step 3) so that other services still swap. The protection setting
// leaves the config again, so a recreated copy is protected.
func (a *Workflow) destroyCopy(ctx context.Context, env string, s Stack, o RunOptions, dropRecords bool) (Result, error) {
	resources, err := s.Resources(ctx)
	if err != nil {
		return Result{}, fmt.Errorf("read %s resources: %w", s.Name(), err)
	}
	steps := 2
	if dropRecords {
		steps = 3
	}
	protected := slices.ContainsFunc(resources, func(r Deployed) bool { return r.Type == lbType && r.Outputs["enableDeletionProtection"] == true })
	if protected {
		a.printf("%s step 1 of %d: turning off the load balancer's deletion protection\n", s.Name(), steps)
		if err := s.SetConfig(ctx, "copy.deletionProtection", "false"); err != nil {
			return Result{}, err
		}
		if _, err := s.Up(ctx, o); err != nil {
			return Result{}, errors.Join(fmt.Errorf("step 1, turning off deletion protection, failed; nothing was destroyed: %w", err),
				s.RemoveConfig(ctx, "copy.deletionProtection"))
		}
	}
	a.printf("%s step 2 of %d: destroying the copy\n", s.Name(), steps)
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
	a.printf("%s step 3 of 3: removing its records from %s\n", s.Name(), dnsName)
	a.dnsMu.Lock()
	defer a.dnsMu.Unlock()
	dns, err := a.stack(ctx, dnsName)
	if err == nil {
		_, err = dns.Up(ctx, o)
	}
	if err != nil {
		return r, fmt.Errorf("the copy is destroyed, but removing its records failed: %w; run `infra up %s --stack %s`", err, env, dnsName)
	}
	return r, nil
}

// groupType is the Auto Scaling group's type token.
const groupType = "aws:autoscaling/group:Group"

// wakeReplacements returns the groups an up must replace to bring an idle
// copy (deployed with max 0) back: a pool with schedules ignores its min,
// max and desired after creation, because the schedules own them, so an
// update alone would leave the woken group at 0. The idle group has no
// instances, and its name prefix lets the new one exist first.
func (a *Workflow) wakeReplacements(ctx context.Context, s Stack) ([]string, error) {
	id, err := topology.Parse(s.Name())
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
		a.printf("%s: bringing the idle copy back; its empty group is replaced so it starts at the configured capacity\n", s.Name())
	}
	return urns, nil
}

// policyPacks puts the repo's own pack first and gives it the env's
// committed policy config (policies/config.<env>.json), the one `infra
// synth` and pull requests apply; other packs run with their defaults.
func (a *Workflow) policyPacks(env string, packs []string) ([]string, []string, error) {
	own := filepath.Join(a.deps.Root, "policies")
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
func (a *Workflow) destroyGuard(ctx context.Context, env string, nodes []decide.Node) map[string]error {
	refused := map[string]error{}
	in := map[string]bool{}
	for _, n := range nodes {
		in[n.ID.Name] = true
	}
	dnsName := topology.DNSStackName(env)
	var live map[string]string
	dns, err := a.stack(ctx, dnsName)
	if err == nil {
		outs, oerr := dns.Outputs(ctx)
		if oerr != nil {
			err = oerr
		}
		live = outStrings(outs, "live")
	}
	if err != nil && !errors.Is(err, ErrNoStack) {
		// Without the DNS state nothing can be called idle.
		for _, n := range nodes {
			if n.ID.Kind == topology.KindCopy || n.ID.Kind == topology.KindDNS {
				refused[n.ID.Name] = fmt.Errorf("traffic guard: cannot read %s outputs (%v); use --force to destroy anyway", dnsName, err)
			}
		}
		return refused
	}
	// The deployed records say who takes traffic, a canary share included.
	st, terr := a.readTraffic(ctx, env)
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
	checks, err := a.checks(ctx, env)
	if err != nil {
		refused[dnsName] = fmt.Errorf("traffic guard: %v; use --force to destroy anyway", err)
		return refused
	}
	now := a.deps.Clock.Now()
	var serving []string
	for _, svc := range slices.Sorted(maps.Keys(live)) {
		name := topology.CopyStackName(env, svc, live[svc])
		s, err := a.stack(ctx, name)
		if errors.Is(err, ErrNoStack) {
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

func (a *Workflow) printOutcomes(op, env string, outcomes []Outcome) {
	a.printf("\n%s %s:\n", op, env)
	tw := tabwriter.NewWriter(a.out, 0, 0, 2, ' ', 0)
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

// firstLine keeps a table cell to one line; Pulumi errors carry the whole
// stderr.
func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i] + " ..."
	}
	return s
}

// syncWriter serializes writes from concurrent stacks.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

// prefixWriter prefixes every complete line so concurrent stacks' progress
// stays readable; a partial line waits for its newline or Flush.
type prefixWriter struct {
	out    io.Writer
	prefix string
	mu     sync.Mutex
	buf    []byte
}

func (p *prefixWriter) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.buf = append(p.buf, b...)
	for {
		i := bytes.IndexByte(p.buf, '\n')
		if i < 0 {
			return len(b), nil
		}
		line := strings.TrimRight(string(p.buf[:i]), "\r")
		p.buf = p.buf[i+1:]
		if _, err := io.WriteString(p.out, p.prefix+line+"\n"); err != nil {
			return len(b), err
		}
	}
}

// Flush writes a trailing partial line.
func (p *prefixWriter) Flush() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.buf) > 0 {
		_, _ = io.WriteString(p.out, p.prefix+string(p.buf)+"\n")
		p.buf = nil
	}
}
