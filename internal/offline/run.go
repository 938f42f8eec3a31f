package offline

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/video-platform/video-platform/internal/render"
	"github.com/video-platform/video-platform/internal/topology"
)

// Project is the Pulumi project name every stack of this repository shares.
const Project = "video-platform"

// Organization is what a file:// backend reports as the organization, so
// StackReference names built offline match the ones a real backend sees.
const Organization = "organization"

// DefaultRegion is the region of a run whose config names no aws:region:
// the default topology's, so that a test config need not name it.
const DefaultRegion = topology.DefaultRegion

// captureTimeout bounds how long a run waits for an output to resolve; an
// output that never resolves is a bug in the program, not a slow cloud.
const captureTimeout = 30 * time.Second

// Program is a stack body that returns its exports, so that offline runs can
// read them back without the engine.
type Program func(ctx *pulumi.Context) (pulumi.Map, error)

// Stack describes one offline run.
type Stack struct {
	// Name is the stack name, such as "prod-web-blue".
	Name string
	// Config holds fully qualified keys ("aws:region", "video-platform:web")
	// and their raw values; objects and lists are JSON text.
	Config map[string]string
	// SecretKeys lists the config keys whose values are secret.
	SecretKeys []string
	// StackOutputs are the outputs of stacks rendered before this one,
	// keyed by stack name, which answer StackReferences.
	StackOutputs map[string]map[string]any
}

// Result is what one offline run produced.
type Result struct {
	// Resources are all registered resources, ordered by URN.
	Resources []render.Resource
	// Outputs are the stack's exports as plain JSON.
	Outputs map[string]any
	// References are the stacks read through StackReferences, sorted.
	References []string
	// Fixtures say which invoke answers were offline fixtures, sorted.
	Fixtures []string
	// Aliases are, keyed by a resource's URN, the URNs it declared as
	// aliases (pulumi.Aliases), resolved as the engine resolves them and
	// sorted: the URNs under which the engine would find it in a stack's
	// state. Resources without aliases are not listed. It is not part of
	// the render contract.
	Aliases map[string][]string
}

// Run renders one stack under the mock monitor and returns what it declared.
func Run(s Stack, program Program) (*Result, error) {
	region := s.Config["aws:region"]
	if region == "" {
		region = DefaultRegion
		s.Config = maps.Clone(s.Config)
		if s.Config == nil {
			s.Config = map[string]string{}
		}
		s.Config["aws:region"] = region
	}
	cloud := &Cloud{
		project:      Project,
		stack:        s.Name,
		region:       region,
		stackOutputs: s.StackOutputs,
		references:   map[string]bool{},
		fixtures:     map[string]string{},
	}
	var outputs map[string]any
	body := func(ctx *pulumi.Context) error {
		exports, err := program(ctx)
		if err != nil {
			return err
		}
		for _, k := range slices.Sorted(maps.Keys(exports)) {
			ctx.Export(k, exports[k])
		}
		outputs, err = capture(exports)
		return err
	}
	withConfig := func(info *pulumi.RunInfo) {
		info.Config = s.Config
		info.ConfigSecretKeys = s.SecretKeys
	}
	err := pulumi.RunErr(body, pulumi.WithMocksWithOrganization(Organization, Project, s.Name, cloud), withConfig)
	if err != nil {
		return nil, unframed(err)
	}
	res := &Result{Resources: cloud.sortedResources(), Outputs: outputs, Aliases: cloud.aliases}
	for i, r := range res.Resources {
		res.Resources[i].Aliases = cloud.aliases[r.URN]
	}
	if res.Outputs == nil {
		res.Outputs = map[string]any{}
	}
	for stack := range cloud.references {
		res.References = append(res.References, stack)
	}
	sort.Strings(res.References)
	for token, what := range cloud.fixtures {
		res.Fixtures = append(res.Fixtures, token+": "+what)
	}
	sort.Strings(res.Fixtures)
	return res, nil
}

// unframed returns the errors a program run collected, one per line,
// without the "1 error occurred:\n\t* ..." framing of the go-multierror
// the SDK gathers them in: they reach operators as `infra synth` errors.
func unframed(err error) error {
	var multi interface{ WrappedErrors() []error }
	if errors.As(err, &multi) {
		return errors.Join(multi.WrappedErrors()...)
	}
	return err
}

// plainJSON turns Go values into what a StackReference or a JSON reader
// sees: objects, lists, strings, float64 numbers and booleans.
func plainJSON(v any) (any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var out any
	err = json.Unmarshal(b, &out)
	return out, err
}

// capture waits for every export and turns it into plain JSON, masking
// secrets so that an offline render never shows one.
func capture(exports pulumi.Map) (map[string]any, error) {
	out := make(map[string]any, len(exports))
	for _, k := range slices.Sorted(maps.Keys(exports)) {
		o := pulumi.ToOutput(exports[k])
		if pulumi.IsSecret(o) {
			out[k] = SecretMarker
			continue
		}
		ch := make(chan any, 1)
		o.ApplyT(func(v any) any {
			ch <- v
			return nil
		})
		select {
		case v := <-ch:
			plain, err := plainJSON(v)
			if err != nil {
				return nil, fmt.Errorf("export %q: %w", k, err)
			}
			out[k] = plain
		case <-time.After(captureTimeout):
			return nil, fmt.Errorf("export %q did not resolve within %s", k, captureTimeout)
		}
	}
	return out, nil
}
