// Package rehearse runs the `infra` runbook end to end under the real
// Pulumi engine, against a stand-in AWS (internal/standin), and checks
// after every step, from the stand-in's state, that traffic is never
// stranded: `infra rehearse`.
//
// The program is the real one (stacks.Main, inline through the Automation
// API) and the workflow is the real one (Options.Run, the command tree of
// `infra swap` and the others); only AWS is a stand-in. Faults injected
// into the stand-in make provider calls or AWS API answers fail, and each
// named scenario says what it injects and what must still hold.
package rehearse

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/video-platform/video-platform/infra/engine"
	"github.com/video-platform/video-platform/infra/workflow"
	"github.com/video-platform/video-platform/internal/stackconfig"
	"github.com/video-platform/video-platform/internal/topology"
)

// Options are one rehearsal's inputs.
type Options struct {
	// Root is the repo root (Pulumi.yaml, the stack files, go.mod).
	Root string
	// Project is where Pulumi.yaml and the stack files are read from, when
	// not from Root: a copy that declares other envs or services.
	Project string
	// Env is the env to rehearse.
	Env string
	// Scenarios are the scenarios to run by name; empty means the default
	// run, or the fault matrix with Faults.
	Scenarios []string
	// Faults runs the fault matrix.
	Faults bool
	// Keep, when set, is where the workspace, state and stand-in Store stay
	// for inspection; otherwise they go to a temp dir that is removed.
	Keep string
	// CLI is the pulumi binary.
	CLI string
	// Log receives progress lines and each step's output; nil discards.
	Log io.Writer
	// Parallel is how many fault scenarios run side by side, each on its
	// own copy of the deployed env; 0 means 2.
	Parallel int
	// Infra is the infra binary, which scenarios of several operators run
	// as separate processes.
	Infra string
	// Run is infra's command tree (cli.Execute), through which every step
	// runs as an operator would type it. It is passed in because the
	// command tree itself includes `infra rehearse`.
	Run Entry

	// topo is the project's declared topology, read by Run.
	topo *topology.Topology
}

// project is the directory of Pulumi.yaml and the stack files.
func (o Options) project() string {
	if o.Project != "" {
		return o.Project
	}
	return o.Root
}

// topology reads the topology the project declares and checks the env
// against it.
func (o Options) topology() (*topology.Topology, error) {
	topo, err := stackconfig.LoadTopology(o.project())
	if err != nil {
		return nil, usageError(err.Error())
	}
	if err := topo.CheckEnv(o.Env); err != nil {
		return nil, usageError(err.Error())
	}
	return topo, nil
}

// Entry runs one infra command line against deps and returns its exit
// code.
type Entry func(ctx context.Context, args []string, deps workflow.Deps, stdout, stderr io.Writer) int

// Report is the rehearsal's result, the JSON contract of
// `infra rehearse --json`.
type Report struct {
	// Env is the env rehearsed.
	Env string `json:"env"`
	// Engine is the Pulumi CLI's version.
	Engine string `json:"engine"`
	// OK is true when every scenario passed.
	OK bool `json:"ok"`
	// Stacks are the stacks' results of the first env-wide up.
	Stacks []StackResult `json:"stacks"`
	// Scenarios are the scenarios in the order they ran.
	Scenarios []ScenarioResult `json:"scenarios"`
	// Seconds is the whole rehearsal's wall time.
	Seconds float64 `json:"seconds"`
	// Workspace is the kept directory, when --keep was given.
	Workspace string `json:"workspace,omitempty"`
}

// StackResult is one stack's outcome in the env up.
type StackResult struct {
	// Name is the stack name.
	Name string `json:"name"`
	// Result is succeeded, failed, skipped or refused.
	Result string `json:"result"`
	// Seconds is the stack's own update time.
	Seconds float64 `json:"seconds"`
	// Changes counts the resources per operation.
	Changes map[string]int `json:"changes,omitempty"`
}

// ScenarioResult is one scenario's outcome.
type ScenarioResult struct {
	// Name is the scenario's name.
	Name string `json:"name"`
	// Fault describes what was injected ("" for none).
	Fault string `json:"fault"`
	// OK is true when every invariant held.
	OK bool `json:"ok"`
	// Seconds is the scenario's wall time.
	Seconds float64 `json:"seconds"`
	// Invariants are the checks, judged from the stand-in's state.
	Invariants []Invariant `json:"invariants"`
	// KnownFailing names the issue that must fix this scenario while it
	// is on the known-failing list.
	KnownFailing string `json:"knownFailing,omitempty"`
	// Steps are the commands run, with their exit codes.
	Steps []Step `json:"steps"`
}

// Step is one command of a scenario.
type Step struct {
	// Command is the infra command line, or a description of a direct
	// action (a config edit).
	Command string `json:"command"`
	// Exit is the command's exit code.
	Exit int `json:"exit"`
	// Seconds is its wall time.
	Seconds float64 `json:"seconds"`
	// Output is what it printed, last lines only.
	Output string `json:"output,omitempty"`
}

// ErrUsage marks a bad env, scenario name or option: errors.Is matches
// it.
var ErrUsage = errors.New("usage error")

// usageError is a bad option; its message is the whole sentence.
type usageError string

func (e usageError) Error() string { return string(e) }

// Is makes errors.Is(err, ErrUsage) hold.
func (e usageError) Is(target error) bool { return target == ErrUsage }

// Select returns the scenarios a rehearsal runs, in order, or a usage
// error for an unknown env or scenario.
func Select(o Options) ([]Scenario, error) {
	if _, err := o.topology(); err != nil {
		return nil, err
	}
	return o.scenarios()
}

// scenarios are the scenarios o names, or the default run or fault matrix.
func (o Options) scenarios() ([]Scenario, error) {
	var out []Scenario
	if len(o.Scenarios) == 0 {
		for _, s := range Scenarios() {
			if s.InMatrix == o.Faults {
				out = append(out, s)
			}
		}
		return out, nil
	}
	all := Scenarios()
	for _, name := range o.Scenarios {
		i := slices.IndexFunc(all, func(s Scenario) bool { return s.Name == name })
		if i < 0 {
			return nil, usageError(fmt.Sprintf("scenario %q is unknown; accepted: %s", name, strings.Join(ScenarioNames(), ", ")))
		}
		out = append(out, all[i])
	}
	return out, nil
}

// Run rehearses o.Env and returns the report; an error means the
// rehearsal itself could not run (no engine, a broken workspace), not that
// a scenario failed.
func Run(ctx context.Context, o Options) (*Report, error) {
	start := time.Now()
	if o.Log == nil {
		o.Log = io.Discard
	}
	var err error
	if o.topo, err = o.topology(); err != nil {
		return nil, err
	}
	selected, err := o.scenarios()
	if err != nil {
		return nil, err
	}
	if err := stackconfig.CheckStackFiles(o.topo, o.project(), o.Env); err != nil {
		return nil, usageError(err.Error())
	}
	if o.Run == nil {
		return nil, errors.New("no command tree to rehearse: Options.Run is not set")
	}
	version, err := AWSPluginVersion(o.Root)
	if err != nil {
		return nil, err
	}
	plugin, err := BuildPlugin(ctx, o.Root, version, o.Log)
	if err != nil {
		return nil, err
	}
	dir := o.Keep
	if dir == "" {
		dir, err = os.MkdirTemp("", "infra-rehearse-")
		if err != nil {
			return nil, err
		}
		defer func() { _ = os.RemoveAll(dir) }()
	} else {
		if dir, err = filepath.Abs(dir); err != nil {
			return nil, err
		}
		if err := os.RemoveAll(dir); err != nil {
			return nil, err
		}
	}
	r, err := newRig(ctx, o, dir, plugin, version)
	if err != nil {
		return nil, err
	}
	defer func() { _ = r.stop() }()
	rep := &Report{Env: o.Env, OK: true}
	if o.Keep != "" {
		rep.Workspace = dir
	}
	if p, err := r.deps.Pulumi(ctx); err == nil {
		if f, ok := p.(faultyPulumi); ok {
			p = f.Pulumi
		}
		if ap, ok := p.(*engine.AutoPulumi); ok {
			rep.Engine = "v" + strings.TrimPrefix(ap.Version(), "v")
		}
	}

	logMu := &sync.Mutex{}
	sr := &runner{rig: r, env: o.Env, log: o.Log, logMu: logMu}
	// Every scenario starts from the env deployed with a release waiting on
	// the idle web copy; the default run goes on from there step by step,
	// each fault scenario starts from a copy of it.
	for _, base := range baseline() {
		res := sr.run(ctx, base)
		rep.Scenarios = append(rep.Scenarios, res)
		if base.Name == "up" {
			for _, o := range r.takeOutcomes() {
				rep.Stacks = append(rep.Stacks, StackResult{Name: o.Stack, Result: o.State, Seconds: o.Duration.Seconds(), Changes: o.Changes})
			}
		}
		if !res.OK {
			rep.OK = false
			rep.Seconds = time.Since(start).Seconds()
			return rep, nil // nothing else can run on a broken baseline
		}
	}
	if err := r.snapshot("baseline"); err != nil {
		return nil, err
	}
	var matrix []Scenario
	for _, s := range selected {
		if s.InMatrix {
			matrix = append(matrix, s)
			continue
		}
		res := sr.run(ctx, s)
		rep.Scenarios = append(rep.Scenarios, res)
		rep.OK = rep.OK && res.OK
	}
	results, err := runMatrix(ctx, o, r, matrix, logMu)
	if err != nil {
		return nil, err
	}
	for _, res := range results {
		rep.Scenarios = append(rep.Scenarios, res)
		rep.OK = rep.OK && res.OK
	}
	rep.Seconds = time.Since(start).Seconds()
	return rep, nil
}

// runMatrix plays the fault scenarios, each from the baseline snapshot, on
// o.Parallel rigs side by side: the engine spends most of a scenario
// starting CLI processes and waiting on them, which two cores overlap
// well. Results come back in the scenarios' order.
func runMatrix(ctx context.Context, o Options, base *rig, matrix []Scenario, logMu *sync.Mutex) ([]ScenarioResult, error) {
	workers := o.Parallel
	if workers <= 0 {
		workers = 2
	}
	workers = min(workers, len(matrix))
	rigs := []*rig{base}
	for i := 1; i < workers; i++ {
		c, err := base.clone(o, "baseline", filepath.Join(base.dir, "workers", strconv.Itoa(i)))
		if err != nil {
			return nil, err
		}
		defer func() { _ = c.stop() }()
		rigs = append(rigs, c)
	}
	results := make([]ScenarioResult, len(matrix))
	next := make(chan int)
	var wg sync.WaitGroup
	for _, rg := range rigs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sr := &runner{rig: rg, env: o.Env, log: o.Log, logMu: logMu}
			for i := range next {
				if err := rg.restore("baseline"); err != nil {
					// A scenario that cannot start from the baseline
					// proves nothing: it fails, and says why.
					results[i] = ScenarioResult{Name: matrix[i].Name, Fault: matrix[i].Fault, KnownFailing: knownFailing[matrix[i].Name],
						Invariants: []Invariant{{Name: "baseline", Detail: "restore the deployed env: " + err.Error()}}}
					continue
				}
				results[i] = sr.run(ctx, matrix[i])
			}
		}()
	}
	for i := range matrix {
		next <- i
	}
	close(next)
	wg.Wait()
	return results, nil
}

// Unexpected lists the scenarios whose result differs from what the
// known-failing list says: failures of scenarios expected to pass, and
// passes of scenarios expected to fail (which must be promoted).
func (r *Report) Unexpected() []string {
	var out []string
	for _, s := range r.Scenarios {
		switch {
		case !s.OK && s.KnownFailing == "":
			out = append(out, s.Name+" failed")
		case s.OK && s.KnownFailing != "":
			out = append(out, fmt.Sprintf("%s now passes: remove it from the known-failing list (%s)", s.Name, s.KnownFailing))
		}
	}
	return out
}
