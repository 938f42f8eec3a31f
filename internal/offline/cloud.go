// Package offline renders Pulumi programs without a cloud: it is the one mock
// monitor that tests and `infra synth` share. It records every resource,
// answers invokes from fixtures and StackReferences from earlier renders, and
// marks every value only AWS could know with a deterministic placeholder.
package offline

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/video-platform/video-platform/internal/render"
)

// StackReferenceType is the type token of a StackReference resource.
const StackReferenceType = "pulumi:pulumi:StackReference"

// Cloud is a pulumi.MockResourceMonitor for one stack's run.
type Cloud struct {
	project string
	stack   string
	region  string
	// stackOutputs are the outputs of other stacks, keyed by stack name
	// (the last segment of a fully qualified reference name).
	stackOutputs map[string]map[string]any

	mu         sync.Mutex
	resources  []render.Resource
	references map[string]bool
	fixtures   map[string]string
	// aliases are the alias URNs each resource declared, keyed by its URN.
	aliases map[string][]string
}

var _ pulumi.MockResourceMonitor = (*Cloud)(nil)

// NewResource records a registration and returns the state the cloud would.
func (c *Cloud) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	parent := ""
	var ignore, replace, deps []string
	if args.RegisterRPC != nil {
		parent = args.RegisterRPC.GetParent()
		ignore = args.RegisterRPC.GetIgnoreChanges()
		replace = args.RegisterRPC.GetReplaceOnChanges()
		deps = slices.Sorted(slices.Values(args.RegisterRPC.GetDependencies()))
	}
	if resource.URN(parent).IsValid() && resource.URN(parent).QualifiedType() == resource.RootStackType {
		parent = ""
	}
	urn := c.urn(parent, args.TypeToken, args.Name)
	aliases := c.aliasURNs(args.RegisterRPC, parent, args.TypeToken, args.Name)

	id, state, err := c.stateFor(args)
	if err != nil {
		return "", nil, err
	}

	c.mu.Lock()
	defer c.mu.Unlock()
	c.resources = append(c.resources, render.Resource{
		URN:    urn,
		Type:   args.TypeToken,
		Name:   args.Name,
		Parent: parent,
		Custom: args.Custom,
		Inputs: plainMap(args.Inputs),

		IgnoreChanges:    ignore,
		ReplaceOnChanges: replace,
		DependsOn:        deps,
	})
	if len(aliases) > 0 {
		if c.aliases == nil {
			c.aliases = map[string][]string{}
		}
		c.aliases[urn] = aliases
	}
	return id, state, nil
}

func (c *Cloud) urn(parent, typ, name string) string {
	parentType := tokens.Type("")
	if p := resource.URN(parent); p.IsValid() {
		parentType = p.QualifiedType()
	}
	return string(resource.NewURN(tokens.QName(c.stack), tokens.PackageName(c.project), parentType,
		tokens.Type(typ), name))
}

func (c *Cloud) stateFor(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	switch {
	case args.TypeToken == StackReferenceType:
		return c.stackReference(args)
	case !args.Custom, strings.HasPrefix(args.TypeToken, "pulumi:providers:"):
		// Components and providers have no cloud state of their own.
		return args.Name, resource.PropertyMap{}, nil
	default:
		state := args.Inputs.Copy()
		ComputeState(args.TypeToken, args.Name, state, c.region)
		id := args.ID
		if id == "" {
			id = Placeholder(args.TypeToken, "id", args.Name)
		}
		return id, state, nil
	}
}

func (c *Cloud) stackReference(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	full := args.Name
	if n, ok := args.Inputs["name"]; ok && n.IsString() {
		full = n.StringValue()
	}
	state, err := c.readStackOutputs(full)
	if err != nil {
		return "", nil, err
	}
	c.mu.Lock()
	c.references[full[strings.LastIndex(full, "/")+1:]] = true
	c.mu.Unlock()
	return full, state, nil
}

// ReadStackOutputsFunction is the engine's builtin function behind a
// StackReference, which a program may also invoke to learn whether a
// stack exists without failing its run.
const ReadStackOutputsFunction = "pulumi:pulumi:readStackOutputs"

// readStackOutputs answers like the engine's builtin provider: the outputs
// of a stack rendered before, and for any other the engine's own error
// text (`unknown stack "<org>/<project>/<stack>"`), which programs match
// to tell a stack that does not exist from other failures.
func (c *Cloud) readStackOutputs(full string) (resource.PropertyMap, error) {
	stack := full[strings.LastIndex(full, "/")+1:]
	outputs, ok := c.stackOutputs[stack]
	if !ok {
		return nil, fmt.Errorf("unknown stack %q: %s has not been rendered; render it first or pass its outputs", full, stack)
	}
	var secretNames []resource.PropertyValue
	for _, k := range slices.Sorted(maps.Keys(outputs)) {
		if outputs[k] == SecretMarker {
			secretNames = append(secretNames, resource.NewStringProperty(k))
		}
	}
	return resource.PropertyMap{
		"name":              resource.NewStringProperty(full),
		"outputs":           propertyValue(outputs),
		"secretOutputNames": resource.NewArrayProperty(secretNames),
	}, nil
}

// Call answers invokes (data sources) from offline fixtures.
func (c *Cloud) Call(args pulumi.MockCallArgs) (resource.PropertyMap, error) {
	if args.Token == ReadStackOutputsFunction {
		name := args.Args["name"]
		if !name.IsString() {
			return nil, fmt.Errorf("%s: name is %v, not a stack name", ReadStackOutputsFunction, name)
		}
		return c.readStackOutputs(name.StringValue())
	}
	answer, err := Invoke(args.Token, c.region, args.Args)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.fixtures[args.Token] = fixtures[args.Token].describes
	c.mu.Unlock()
	return answer, nil
}

// sortedResources returns the recorded resources ordered by URN, because the
// SDK registers resources from many goroutines and arrival order varies.
func (c *Cloud) sortedResources() []render.Resource {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := append([]render.Resource(nil), c.resources...)
	sort.Slice(out, func(i, j int) bool { return out[i].URN < out[j].URN })
	return out
}
