package rehearse

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/video-platform/video-platform/internal/standin"
	"github.com/video-platform/video-platform/internal/topology"
)

// Scenario is one named rehearsal: what it injects, the commands it runs
// and what it checks beyond the four standard invariants.
type Scenario struct {
	// Name is what --scenario selects.
	Name string
	// Fault describes the injected fault; "" for none.
	Fault string
	// InMatrix puts it in the --faults matrix, where it starts from the
	// baseline; otherwise it is a step of the default run.
	InMatrix bool
	// Play runs the scenario's steps.
	Play func(ctx context.Context, s *scenarioRun)
}

// knownFailing lists the scenarios today's workflow fails, with the issue
// that fixes each. A listed scenario that passes is an error until it is
// taken off the list, so that nobody forgets to promote it.
var knownFailing = map[string]string{}

// runner plays scenarios on a rig.
type runner struct {
	rig *rig
	env string
	log io.Writer
	// logMu keeps the logs of scenarios played side by side apart.
	logMu *sync.Mutex
}

// scenarioRun is one scenario being played.
type scenarioRun struct {
	*runner
	// log collects the scenario's log until it ends.
	log *lockedBuffer
	res *ScenarioResult
	// failedAt keeps the first failure per invariant name; the report
	// shows one line per invariant.
	invariants map[string]*Invariant
	order      []string
}

func (r *runner) run(ctx context.Context, s Scenario) ScenarioResult {
	start := time.Now()
	res := ScenarioResult{Name: s.Name, Fault: s.Fault, KnownFailing: knownFailing[s.Name]}
	sc := &scenarioRun{runner: r, log: &lockedBuffer{}, res: &res, invariants: map[string]*Invariant{}}
	fmt.Fprintf(sc.log, "\n=== scenario %s\n", s.Name)
	s.Play(ctx, sc)
	res.OK = true
	for _, name := range sc.order {
		inv := *sc.invariants[name]
		res.Invariants = append(res.Invariants, inv)
		res.OK = res.OK && inv.OK
	}
	if len(res.Invariants) == 0 {
		res.OK = false
		res.Invariants = append(res.Invariants, Invariant{Name: "ran", Detail: "the scenario checked nothing"})
	}
	res.Seconds = time.Since(start).Seconds()
	fmt.Fprintf(sc.log, "=== scenario %s: ok=%v (%.1fs)\n", s.Name, res.OK, res.Seconds)
	r.logMu.Lock()
	_, _ = io.WriteString(r.log, sc.log.String())
	r.logMu.Unlock()
	return res
}

// check records one invariant result; a failure is kept over later passes.
func (s *scenarioRun) check(inv Invariant) {
	cur, ok := s.invariants[inv.Name]
	if !ok {
		s.invariants[inv.Name] = &inv
		s.order = append(s.order, inv.Name)
		return
	}
	if cur.OK && (!inv.OK || inv.Detail != "") {
		*cur = inv
	}
}

// fail records a failed scenario-specific check.
func (s *scenarioRun) fail(name, format string, args ...any) {
	s.check(Invariant{Name: name, Detail: fmt.Sprintf(format, args...)})
}

// pass records a held scenario-specific check.
func (s *scenarioRun) pass(name, format string, args ...any) {
	s.check(Invariant{Name: name, OK: true, Detail: fmt.Sprintf(format, args...)})
}

// expect records name as held when ok, failed otherwise.
func (s *scenarioRun) expect(name string, ok bool, format string, args ...any) {
	if ok {
		s.pass(name, format, args...)
	} else {
		s.fail(name, format, args...)
	}
}

// world reads the stand-in's state, failing the scenario when it cannot.
func (s *scenarioRun) world() world {
	w, err := loadWorld(s.rig.store)
	if err != nil {
		s.fail("stand-in", "%v", err)
	}
	return w
}

// infra runs one infra command and checks the four standard invariants
// against the stand-in's state after it. svc names the service whose live
// color the command is about, which it owes a statement of ("" for
// commands that are not about a live color).
func (s *scenarioRun) infra(ctx context.Context, svc string, args ...string) (int, string) {
	before := s.world()
	start := time.Now()
	code, out := s.rig.infra(ctx, args...)
	s.record("infra "+strings.Join(args, " "), code, out, start)
	s.standard(before, out, code, svc)
	return code, out
}

func (s *scenarioRun) record(cmd string, code int, out string, start time.Time) {
	fmt.Fprintf(s.log, "--- %s (exit %d, %.1fs)\n%s", cmd, code, time.Since(start).Seconds(), out)
	s.res.Steps = append(s.res.Steps, Step{Command: cmd, Exit: code, Seconds: time.Since(start).Seconds(), Output: tail(out, 12)})
}

// standard checks invariants (a) to (d).
func (s *scenarioRun) standard(before world, out string, code int, svc string) {
	after := s.world()
	s.check(after.dnsWeights(s.env))
	s.check(after.configState(s.rig.work, s.env, out))
	s.check(after.truthfulMessage(before, out, code, svc))
	s.check(noPanic(out))
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// inject puts faults in force for the rest of the scenario.
func (s *scenarioRun) inject(faults ...standin.Fault) {
	if err := s.rig.store.SetFaults(faults); err != nil {
		s.fail("stand-in", "inject faults: %v", err)
	}
}

// setConfig edits a stack's config as an operator would with `pulumi
// config set --path`.
func (s *scenarioRun) setConfig(ctx context.Context, stack string, values map[string]string) bool {
	start := time.Now()
	p, err := s.rig.deps.Pulumi(ctx)
	if err == nil {
		st, serr := p.Stack(ctx, stack)
		err = serr
		for _, path := range sortedKeys(values) {
			if err != nil {
				break
			}
			err = st.SetConfig(ctx, path, values[path])
		}
	}
	var parts []string
	for _, k := range sortedKeys(values) {
		parts = append(parts, k+"="+values[k])
	}
	out := ""
	code := 0
	if err != nil {
		out, code = err.Error()+"\n", 1
		s.fail("setup", "config set on %s: %v", stack, err)
	}
	s.record(fmt.Sprintf("pulumi config set --path %s -s %s", strings.Join(parts, " "), stack), code, out, start)
	return err == nil
}

// liveColor reads the workspace's live color of svc.
func liveColor(s *scenarioRun, svc string) string {
	cfg, err := readDNSConfig(s.rig.work, s.env)
	if err != nil {
		s.fail("setup", "read the DNS config: %v", err)
		return "blue"
	}
	return cfg.live[svc]
}

// groupDesired is the effective desired capacity of a copy's group, or -1
// when it has none.
func groupDesired(s *scenarioRun, svc, color string) int {
	groups := s.world().groupsTagged(map[string]string{"env": s.env, "service": svc, "color": color})
	if len(groups) != 1 {
		return -1
	}
	return groups[0].DesiredCapacity()
}

// expectLive checks from the records that color takes all of svc's traffic.
func expectLive(s *scenarioRun, svc, color string) {
	have := s.world().weights(svc)
	s.expect("live-"+svc, have[color] == 100 && have[topology.Other(color)] == 0,
		"%s records %v; want %s at 100", svc, have, color)
}

// rehearsalRelease is the release the rehearsal deploys to idle copies
// and rolls the transcoders to.
const rehearsalRelease = "2099.01.01-rehearsal"
