// Package rules holds the video-platform policy rules and the engine that
// runs them. The same rule functions back three callers: the policyx pack
// served to `pulumi preview --policy-pack`, the offline `infra synth`
// command, and unit tests. Rules only see plain JSON-like maps keyed by
// pulumi-aws v6 input names, so none of the callers needs the AWS SDK.
package rules

import (
	"fmt"
	"sort"
)

// Resource is one rendered resource as a rule sees it.
type Resource struct {
	// URN identifies the resource in violations; the offline render may leave
	// it empty, in which case messages still name the resource by Name.
	URN string
	// Type is the Pulumi type token, e.g. "aws:ec2/launchTemplate:LaunchTemplate".
	Type string
	// Name is the logical resource name.
	Name string
	// Inputs holds pulumi-aws v6 inputs (camelCase) as JSON-like values.
	Inputs map[string]any
	// PropertyDependencies maps an input name to the URNs it was computed
	// from. Optional: the engine provides it, the offline render may not. Stack
	// rules use it to resolve references whose value is still unknown.
	PropertyDependencies map[string][]string
}

// Level is a policy enforcement level, spelled as in Pulumi policy config.
type Level string

// Enforcement levels accepted in config files and reported in violations.
const (
	Mandatory Level = "mandatory"
	Advisory  Level = "advisory"
	Disabled  Level = "disabled"
)

// Violation is one failed check.
type Violation struct {
	Policy  string
	Level   Level
	URN     string
	Message string
}

// Finding is what a stack check returns: the violation without policy
// metadata, which the engine fills in.
type Finding struct {
	URN     string
	Message string
}

// ResourceCheck inspects one resource and returns one message per problem.
// It is called for every resource, so it must ignore types it does not own.
type ResourceCheck func(s Settings, r Resource) []string

// StackCheck inspects all resources of a stack together.
type StackCheck func(s Settings, rs []Resource) []Finding

// Rule is one named policy. Resource and Stack may both be set; the policyx
// adapter then serves the rule as a stack policy running both parts.
type Rule struct {
	// Name is the stable kebab-case policy name used in config files.
	Name string
	// Description is a one-line summary shown by `pulumi preview`.
	Description string
	// Level is the default enforcement level.
	Level Level
	// ProductionLevel, if set, is the default level in an env the
	// project's topology declares production.
	ProductionLevel Level
	// Params are the thresholds this rule accepts in config.
	Params []Param
	// Resource is the per-resource check, if any.
	Resource ResourceCheck
	// Stack is the whole-stack check, if any.
	Stack StackCheck
}

// DefaultLevel is the level used when config does not override it, in a
// production env or another.
func (r Rule) DefaultLevel(production bool) Level {
	if production && r.ProductionLevel != "" {
		return r.ProductionLevel
	}
	return r.Level
}

// Evaluate runs the rule over resources using cfg for thresholds and level.
// Violations are sorted by URN, then resource name; messages about the same
// resource keep the order the check reported them in.
func (r Rule) Evaluate(cfg Config, resources []Resource) ([]Violation, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	level := cfg.level(r)
	if level == Disabled {
		return nil, nil
	}
	settings, err := cfg.settings(r)
	if err != nil {
		return nil, err
	}
	type keyed struct {
		v    Violation
		name string
	}
	var found []keyed
	if r.Resource != nil {
		for _, res := range resources {
			for _, msg := range r.Resource(settings, res) {
				found = append(found, keyed{Violation{Policy: r.Name, Level: level, URN: res.URN, Message: msg}, res.Name})
			}
		}
	}
	if r.Stack != nil {
		for _, f := range r.Stack(settings, resources) {
			found = append(found, keyed{Violation{Policy: r.Name, Level: level, URN: f.URN, Message: f.Message}, ""})
		}
	}
	sort.SliceStable(found, func(i, j int) bool {
		a, b := found[i], found[j]
		if a.v.URN != b.v.URN {
			return a.v.URN < b.v.URN
		}
		return a.name < b.name
	})
	out := make([]Violation, len(found))
	for i, k := range found {
		out[i] = k.v
	}
	return out, nil
}

// Check runs every rule over resources: resource checks on each resource,
// stack checks on the whole list. Output is grouped by rule in Rules() order
// and sorted within a rule, so it does not depend on input order.
func Check(cfg Config, resources []Resource) ([]Violation, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	var out []Violation
	for _, r := range Rules() {
		vs, err := r.Evaluate(cfg, resources)
		if err != nil {
			return nil, fmt.Errorf("rule %s: %w", r.Name, err)
		}
		out = append(out, vs...)
	}
	return out, nil
}

// Lookup returns the rule with the given name.
func Lookup(name string) (Rule, bool) {
	for _, r := range Rules() {
		if r.Name == name {
			return r, true
		}
	}
	return Rule{}, false
}

// Rules returns every rule in a stable order (the order of RULES.md).
func Rules() []Rule {
	return []Rule{
		asgMultiAZ(),
		asgELBHealthCheck(),
		launchTemplateIMDSv2(),
		launchTemplateEncryptedVolumes(),
		noPublicInstances(),
		noWorldSSH(),
		worldIngressOnlyOnLB(),
		albHTTPSOnly(),
		albDeletionProtection(),
		sqsDLQAndEncryption(),
		spotFleetDiversified(),
		drainHooks(),
		dnsSwapRecords(),
		requiredTags(),
		instanceTypesAllowed(),
		capacityCap(),
		iamNoWildcards(),
		alertsSubscribed(),
	}
}

// label names a resource in messages; the logical name is what engineers
// grep for in the program, the URN is carried separately in Violation.
func label(kind string, r Resource) string {
	if r.Name != "" {
		return fmt.Sprintf("%s %q", kind, r.Name)
	}
	return fmt.Sprintf("%s %s", kind, r.URN)
}
