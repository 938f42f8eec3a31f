// Package synth renders a whole environment offline: it runs the real stack
// functions under the SDK's mock monitor in dependency order, answers
// StackReferences from the stacks rendered before, checks the policy pack and
// estimates the cost. It needs no cloud credentials, providers or CLI.
package synth

import (
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"

	"github.com/video-platform/video-platform/infra/cost"
	"github.com/video-platform/video-platform/internal/offline"
	"github.com/video-platform/video-platform/internal/render"
	"github.com/video-platform/video-platform/internal/stackconfig"
	"github.com/video-platform/video-platform/internal/topology"
	"github.com/video-platform/video-platform/policies/rules"
	"github.com/video-platform/video-platform/stacks"
)

// Options select what to render.
type Options struct {
	// Root is the repository root holding Pulumi.yaml and the stack files.
	Root string
	// Env is an env the project's topology declares, such as "staging".
	Env string
	// Stacks limits the output to these stacks; their upstream stacks are
	// still rendered, because their outputs answer StackReferences.
	Stacks []string
	// Sets are config overrides for what-if renders.
	Sets []Set
	// PolicyConfig is the policy pack's config file; default
	// policies/config.<env>.json under Root.
	PolicyConfig string
}

// Render renders an env. A config or usage problem is a *UsageError or a
// *stacks.ConfigError; nothing is half-rendered. The values a stack refused
// are also returned in the render's ConfigErrors, with no stacks, so that
// the render can still be written and compared.
func Render(opts Options) (render.Env, error) {
	out := render.Env{SchemaVersion: render.SchemaVersion, Env: opts.Env, LiveColors: map[string]string{}}
	proj, err := loadProject(opts.Root)
	if err != nil {
		return out, err
	}
	topo, err := proj.Topology()
	if err != nil {
		return out, usagef("%v", err)
	}
	if err := topo.CheckEnv(opts.Env); err != nil {
		return out, usagef("%v", err)
	}
	if err := stackconfig.StrayStackFiles(topo, opts.Root); err != nil {
		return out, usagef("%v", err)
	}
	ids := topo.EnvStacks(opts.Env)
	names := make([]string, len(ids))
	for i, id := range ids {
		names[i] = id.Name
	}
	for _, s := range opts.Stacks {
		if !slices.Contains(names, s) {
			return out, usagef("--stack %q is not a stack of %s; accepted: %s", s, opts.Env, strings.Join(names, ", "))
		}
	}
	declared, err := proj.declared()
	if err != nil {
		return out, err
	}
	configs := map[string]StackConfig{}
	var readErrs []error
	for _, name := range names {
		cfg, err := readStackConfig(proj, opts.Root, name)
		readErrs = append(readErrs, err)
		configs[name] = cfg
	}
	if err := errors.Join(readErrs...); err != nil {
		return refused(out, err)
	}
	for _, s := range opts.Sets {
		cfg, ok := configs[s.Stack]
		if !ok {
			return out, usagef("--set %s:%s: %q is not a stack of %s; accepted: %s", s.Stack, s.Key, s.Stack, opts.Env, strings.Join(names, ", "))
		}
		if err := cfg.apply(proj, s, declared); err != nil {
			return out, err
		}
	}
	policyPath := opts.PolicyConfig
	if policyPath == "" {
		policyPath = filepath.Join(opts.Root, "policies", "config."+opts.Env+".json")
	}
	policy, err := rules.LoadConfig(policyPath, opts.Env)
	if err != nil {
		return out, usagef("policy config: %v", err)
	}
	policy.Production = topo.Envs[opts.Env].Production

	outputs := map[string]map[string]any{}
	fixtures := map[string]bool{}
	for _, name := range names {
		res, err := runStack(name, configs[name], outputs)
		if err != nil {
			return refused(out, err)
		}
		outputs[name] = res.Outputs
		for _, f := range res.Fixtures {
			fixtures[f] = true
		}
		if len(opts.Stacks) > 0 && !slices.Contains(opts.Stacks, name) {
			continue
		}
		stack := render.Stack{Name: name, References: res.References, Resources: res.Resources, Outputs: res.Outputs}
		if stack.Violations, err = check(policy, res.Resources); err != nil {
			return out, err
		}
		out.Stacks = append(out.Stacks, stack)
	}
	out.RulesChecked = policy.Enabled()
	if live, ok := outputs[topology.DNSStackName(opts.Env)]["live"].(map[string]any); ok {
		for svc, color := range live {
			out.LiveColors[svc] = fmt.Sprint(color)
		}
	}
	out.Fixtures = slices.Sorted(maps.Keys(fixtures))
	out.Cost = cost.Estimate(out, topo.Envs[opts.Env].Region)
	return out, nil
}

// refused returns a render that holds only the config errors in err, if
// it has any, with err: nothing is half-rendered.
func refused(out render.Env, err error) (render.Env, error) {
	if list := configErrors(err); len(list) > 0 {
		out.Stacks, out.LiveColors, out.ConfigErrors = []render.Stack{}, nil, list
	}
	return out, err
}

// Empty is the render of an env with no stacks, at this code's schema
// version: what a preview compares with when the base has no render (the
// first pull request, or a base whose infra command does not build).
func Empty(root, env string) (render.Env, error) {
	topo, err := stackconfig.LoadTopology(root)
	if err != nil {
		return render.Env{}, usagef("%v", err)
	}
	if err := topo.CheckEnv(env); err != nil {
		return render.Env{}, usagef("%v", err)
	}
	return render.Env{SchemaVersion: render.SchemaVersion, Env: env, Stacks: []render.Stack{}}, nil
}

// runStack renders one stack, turning a panic in the program into an error
// so that a bad input never prints a goroutine trace.
func runStack(name string, cfg StackConfig, outputs map[string]map[string]any) (res *offline.Result, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("stack %s: rendering failed: %v", name, r)
		}
	}()
	values, secrets, err := cfg.values()
	if err != nil {
		return nil, err
	}
	res, err = offline.Run(offline.Stack{Name: name, Config: values, SecretKeys: secrets, StackOutputs: outputs}, stacks.Program)
	if err != nil {
		return nil, err
	}
	return res, nil
}

func check(policy rules.Config, resources []render.Resource) ([]render.Violation, error) {
	in := make([]rules.Resource, 0, len(resources))
	for _, r := range resources {
		if !r.Custom {
			continue
		}
		in = append(in, rules.Resource{URN: r.URN, Type: r.Type, Name: r.Name, Inputs: r.Inputs})
	}
	found, err := rules.Check(policy, in)
	if err != nil {
		return nil, err
	}
	out := make([]render.Violation, 0, len(found))
	for _, v := range found {
		out = append(out, render.Violation{Policy: v.Policy, Level: string(v.Level), URN: v.URN, Message: v.Message})
	}
	return out, nil
}

// configErrors lists the *stacks.ConfigError values in err's tree, in
// order. errors.As would find only the first, and a stack reports all of
// its problems at once (errors.Join).
func configErrors(err error) []render.ConfigError {
	var out []render.ConfigError
	var walk func(error)
	walk = func(e error) {
		switch t := e.(type) {
		case *stacks.ConfigError:
			out = append(out, render.ConfigError{Stack: t.Stack, Key: t.Key, Message: t.Error()})
		case interface{ Unwrap() []error }:
			for _, inner := range t.Unwrap() {
				walk(inner)
			}
		case interface{ Unwrap() error }:
			if inner := t.Unwrap(); inner != nil {
				walk(inner)
			}
		}
	}
	walk(err)
	return out
}

// IsUsage reports whether err is a config or usage error (exit code 2).
func IsUsage(err error) bool {
	var usage *UsageError
	var cfg *stacks.ConfigError
	return errors.As(err, &usage) || errors.As(err, &cfg)
}

// Mandatory counts mandatory violations across an env.
func Mandatory(env render.Env) int {
	n := 0
	for _, s := range env.Stacks {
		for _, v := range s.Violations {
			if v.Level == string(rules.Mandatory) {
				n++
			}
		}
	}
	return n
}
