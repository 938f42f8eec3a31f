// Command policies serves the video-platform rules as a Pulumi policy pack:
//
//	pulumi preview --policy-pack ./policies --policy-pack-config policies/config.prod.json
//
// Every policy is a thin wrapper around a rule in package rules, so the pack,
// `infra synth` and unit tests judge resources identically.
package main

import (
	"context"
	"fmt"
	"os"
	"path"

	"github.com/blang/semver"
	"github.com/pulumi/pulumi/sdk/v3/go/property"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/policyx"

	"github.com/video-platform/video-platform/internal/topology"
	"github.com/video-platform/video-platform/policies/rules"
)

// PackName must match the name in PulumiPolicy.yaml.
const PackName = "video-platform-policies"

// packVersion is reported to the engine; bump it when rules change meaning.
var packVersion = semver.MustParse("0.1.0")

func main() {
	if err := serve(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// serve blocks serving the analyzer protocol; the engine reads the port
// from stdout.
func serve() error {
	return policyx.Main(func(ctx *pulumi.Context) (policyx.PolicyPack, error) {
		raw, _ := ctx.GetConfig(ctx.Project() + ":" + topology.ConfigKey)
		scope, err := stackScope(raw, ctx.Project(), ctx.Stack())
		if err != nil {
			return nil, err
		}
		if env, ok := ctx.GetConfig(ctx.Project() + ":env"); ok && env != "" {
			scope.env = env
		}
		return newPack(scope)
	})
}

// scope is what the pack knows of the stack it checks: its env and the
// project's topology, which says whether an env is production.
type scope struct {
	env  string
	topo *topology.Topology
}

// stackScope reads the topology from its config value and picks the
// pack-wide env: the env the stack name belongs to (prod-web-blue is a
// prod stack and gets prod's levels), else the stack name. Stack config
// "<project>:env" overrides it, and resource policies can refine it per
// call from policy config or stack tags, see resolveEnv. A declaration
// the program would refuse is refused here too, rather than judged by
// the default topology's production flags.
func stackScope(topologyConfig, project, stack string) (scope, error) {
	topo, err := topology.Decode(topologyConfig)
	if err != nil {
		return scope{}, fmt.Errorf("policy pack: %s:%s: %w", project, topology.ConfigKey, err)
	}
	if id, err := topo.Parse(stack); err == nil {
		return scope{env: id.Env, topo: topo}, nil
	}
	return scope{env: path.Base(stack), topo: topo}, nil
}

// config is the rules' config for env with the given overrides: the env is
// production if, and only if, the topology declares it so.
func (s scope) config(env string, overrides map[string]map[string]any) rules.Config {
	return rules.Config{Env: env, Production: s.topo.Envs[env].Production, Overrides: overrides}
}

// newPack builds one policyx policy per rule. Default levels come from the
// environment because some rules (alb-deletion-protection) are stricter in
// a production env; policy config can still override them.
func newPack(s scope) (policyx.PolicyPack, error) {
	var policies []policyx.Policy
	for _, r := range rules.Rules() {
		schema := &policyx.ConfigSchema{Properties: r.ConfigSchema()}
		level := toEnforcement(r.DefaultLevel(s.config(s.env, nil).Production))
		if r.Stack != nil {
			policies = append(policies, policyx.NewStackValidationPolicy(r.Name, policyx.StackValidationPolicyArgs{
				Description:      r.Description,
				EnforcementLevel: level,
				ConfigSchema:     schema,
				ValidateStack:    stackValidator(r, s),
			}))
			continue
		}
		policies = append(policies, policyx.NewResourceValidationPolicy(r.Name, policyx.ResourceValidationPolicyArgs{
			Description:      r.Description,
			EnforcementLevel: level,
			ConfigSchema:     schema,
			ValidateResource: resourceValidator(r, s),
		}))
	}
	return policyx.NewPolicyPack(PackName, packVersion, policyx.EnforcementLevelMandatory, policies)
}

func toEnforcement(l rules.Level) policyx.EnforcementLevel {
	switch l {
	case rules.Advisory:
		return policyx.EnforcementLevelAdvisory
	case rules.Disabled:
		return policyx.EnforcementLevelDisabled
	default:
		return policyx.EnforcementLevelMandatory
	}
}

// resourceValidator adapts a rule to policyx. The engine has already
// applied the enforcement level (it skips disabled policies and stamps the
// configured level on diagnostics), so the rule is forced to run here and
// only thresholds are taken from the policy config.
func resourceValidator(r rules.Rule, s scope) func(context.Context, policyx.ResourceValidationArgs) error {
	return func(_ context.Context, args policyx.ResourceValidationArgs) error {
		env := resolveEnv(args.Config, args.StackTags, s.env)
		overrides := map[string]any{}
		for k, v := range args.Config {
			overrides[k] = v
		}
		overrides[rules.KeyEnforcementLevel] = string(rules.Mandatory)
		cfg := s.config(env, map[string]map[string]any{r.Name: overrides})
		violations, err := r.Evaluate(cfg, []rules.Resource{toResource(args.Resource)})
		if err != nil {
			return fmt.Errorf("policy config: %w", err)
		}
		for _, v := range violations {
			args.Manager.ReportViolation(v.Message, v.URN)
		}
		return nil
	}
}

// stackValidator adapts a stack rule. policyx (v3.262) passes neither
// policy config nor stack tags to stack policies, which is why stack rules
// take no thresholds and use the pack-wide environment.
func stackValidator(r rules.Rule, s scope) func(context.Context, policyx.StackValidationArgs) error {
	return func(_ context.Context, args policyx.StackValidationArgs) error {
		resources := make([]rules.Resource, len(args.Resources))
		for i, res := range args.Resources {
			resources[i] = toResource(res)
		}
		cfg := s.config(s.env, map[string]map[string]any{
			r.Name: {rules.KeyEnforcementLevel: string(rules.Mandatory)},
		})
		violations, err := r.Evaluate(cfg, resources)
		if err != nil {
			return fmt.Errorf("policy config: %w", err)
		}
		for _, v := range violations {
			args.Manager.ReportViolation(v.Message, v.URN)
		}
		return nil
	}
}

// resolveEnv: explicit policy config beats stack tags beats the stack name.
func resolveEnv(config map[string]any, tags map[string]string, packEnv string) string {
	if env, ok := config[rules.KeyEnv].(string); ok && env != "" {
		return env
	}
	if env := tags[rules.KeyEnv]; env != "" {
		return env
	}
	return packEnv
}

func toResource(r policyx.AnalyzerResource) rules.Resource {
	return rules.Resource{
		URN:                  r.URN,
		Type:                 r.Type,
		Name:                 r.Name,
		Inputs:               toPlainMap(r.Properties),
		PropertyDependencies: r.PropertyDependencies,
	}
}

func toPlainMap(m property.Map) map[string]any {
	out := make(map[string]any, m.Len())
	for k, v := range m.All {
		out[k] = toPlain(v)
	}
	return out
}

// toPlain converts engine property values to the JSON-like shape rules
// read. Secrets are redacted rather than unwrapped so no rule can echo them
// into a diagnostic; unknowns become rules.UnknownMarker.
func toPlain(v property.Value) any {
	switch {
	case v.Secret():
		return rules.SecretMarker
	case v.IsComputed():
		return rules.UnknownMarker
	case v.IsNull():
		return nil
	case v.IsBool():
		return v.AsBool()
	case v.IsNumber():
		return v.AsNumber()
	case v.IsString():
		return v.AsString()
	case v.IsArray():
		arr := v.AsArray()
		out := make([]any, 0, arr.Len())
		for _, item := range arr.All {
			out = append(out, toPlain(item))
		}
		return out
	case v.IsMap():
		return toPlainMap(v.AsMap())
	case v.IsResourceReference():
		ref := v.AsResourceReference()
		if ref.ID.IsComputed() {
			return rules.UnknownMarker
		}
		if id, ok := ref.IDString(); ok {
			return id
		}
		return string(ref.URN)
	default:
		// Assets and archives: no rule inspects them.
		return nil
	}
}
