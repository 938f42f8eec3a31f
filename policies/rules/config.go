package rules

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
)

// Keys every rule accepts in its config object besides its own Params.
const (
	// KeyEnforcementLevel overrides a rule's level, as in Pulumi policy config.
	KeyEnforcementLevel = "enforcementLevel"
	// KeyEnv names the environment; rules with env-dependent defaults read it.
	KeyEnv = "env"
	// allRules is Pulumi's policy-config key that sets the level of every rule.
	allRules = "all"
)

// ParamKind is the JSON shape a threshold must have.
type ParamKind int

// Supported threshold shapes.
const (
	// IntParam is a whole number >= Param.Min.
	IntParam ParamKind = iota
	// StringListParam is a non-empty list of strings.
	StringListParam
	// IntMapParam is an object mapping names (e.g. services) to whole numbers >= Param.Min.
	IntMapParam
)

// Param describes one configurable threshold of a rule.
type Param struct {
	// Key is the property name in the rule's config object.
	Key string
	// Kind is the accepted JSON shape.
	Kind ParamKind
	// Min is the lowest accepted number for IntParam and IntMapParam values.
	Min int
	// Description documents the threshold in the policy config schema.
	Description string
	// Default returns the value used when config omits the key, in a
	// production env or another: an int, []string or map[string]int
	// matching Kind.
	Default func(production bool) any
}

func (p Param) accepted() string {
	switch p.Kind {
	case StringListParam:
		return "a non-empty list of strings"
	case IntMapParam:
		return fmt.Sprintf("an object of whole numbers >= %d", p.Min)
	default:
		return fmt.Sprintf("a whole number >= %d", p.Min)
	}
}

// convert turns a JSON-decoded value into the Go type Settings hands out.
func (p Param) convert(v any) (any, bool) {
	switch p.Kind {
	case StringListParam:
		list, ok := asList(v)
		if !ok || len(list) == 0 {
			return nil, false
		}
		out := make([]string, 0, len(list))
		for _, item := range list {
			s, ok := item.(string)
			if !ok || s == "" {
				return nil, false
			}
			out = append(out, s)
		}
		return out, true
	case IntMapParam:
		m, ok := asMap(v)
		if !ok {
			return nil, false
		}
		out := make(map[string]int, len(m))
		for k, item := range m {
			n, ok := strictInt(item)
			if !ok || n < p.Min {
				return nil, false
			}
			out[k] = n
		}
		return out, true
	default:
		n, ok := strictInt(v)
		if !ok || n < p.Min {
			return nil, false
		}
		return n, true
	}
}

// strictInt rejects numeric strings that asInt tolerates in resource
// inputs: a quoted threshold in a config file is a typo worth reporting.
func strictInt(v any) (int, bool) {
	if _, isString := v.(string); isString {
		return 0, false
	}
	return asInt(v)
}

// jsonSchema is the Pulumi policy config schema fragment for the param.
func (p Param) jsonSchema() map[string]any {
	var s map[string]any
	switch p.Kind {
	case StringListParam:
		s = map[string]any{"type": "array", "minItems": 1, "items": map[string]any{"type": "string", "minLength": 1}}
	case IntMapParam:
		s = map[string]any{"type": "object", "additionalProperties": map[string]any{"type": "integer", "minimum": p.Min}}
	default:
		s = map[string]any{"type": "integer", "minimum": p.Min}
	}
	s["description"] = p.Description
	return s
}

// ConfigSchema returns the JSON schema properties Pulumi validates a rule's
// config object against. Defaults are left out on purpose: several depend on
// the environment, which a static schema cannot express.
func (r Rule) ConfigSchema() map[string]map[string]any {
	props := map[string]map[string]any{
		KeyEnv: {"type": "string", "minLength": 1, "description": "Environment name (e.g. staging, prod)."},
	}
	for _, p := range r.Params {
		props[p.Key] = p.jsonSchema()
	}
	return props
}

// Settings are a rule's effective thresholds: defaults for the environment
// with config overrides applied. Values were type-checked by Config.Validate.
type Settings struct {
	// Env is the environment the rules run for.
	Env    string
	values map[string]any
}

// Int returns an IntParam value, or 0 if the key is not a declared int.
func (s Settings) Int(key string) int {
	n, _ := s.values[key].(int)
	return n
}

// Strings returns a StringListParam value.
func (s Settings) Strings(key string) []string {
	l, _ := s.values[key].([]string)
	return l
}

// IntMap returns an IntMapParam value.
func (s Settings) IntMap(key string) map[string]int {
	m, _ := s.values[key].(map[string]int)
	return m
}

// Config selects the environment and carries per-rule overrides.
type Config struct {
	// Env is the environment name.
	Env string
	// Production says the project's topology declares Env production; it
	// switches on the production defaults and levels.
	Production bool
	// Overrides uses the Pulumi policy-pack-config shape:
	// {"rule-name": {"enforcementLevel": "advisory", "<threshold>": value}}.
	// The key "all" may set only enforcementLevel, for every rule.
	Overrides map[string]map[string]any
}

// Validate reports the first invalid override in a stable order, naming
// the rule, key, value and what would have been accepted.
func (c Config) Validate() error {
	names := make([]string, 0, len(c.Overrides))
	for name := range c.Overrides {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if err := c.validateRule(name, c.Overrides[name]); err != nil {
			return err
		}
	}
	return nil
}

func (c Config) validateRule(name string, props map[string]any) error {
	var params []Param
	if name != allRules {
		r, ok := Lookup(name)
		if !ok {
			return fmt.Errorf("unknown rule %q; accepted rules: %s", name, strings.Join(ruleNames(), ", "))
		}
		params = r.Params
	}
	keys := make([]string, 0, len(props))
	for k := range props {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, key := range keys {
		value := props[key]
		bad := func(accepted string) error {
			return fmt.Errorf("rule %q: key %q: value %s is invalid; accepted: %s", name, key, show(value), accepted)
		}
		switch {
		case key == KeyEnforcementLevel:
			if l, ok := value.(string); !ok || !validLevel(Level(l)) {
				return bad(`"mandatory", "advisory", "disabled"`)
			}
		case name == allRules:
			return bad(fmt.Sprintf("only key %q under %q", KeyEnforcementLevel, allRules))
		case key == KeyEnv:
			s, ok := value.(string)
			if !ok || s == "" {
				return bad("a non-empty string")
			}
			if c.Env != "" && s != c.Env {
				return bad(fmt.Sprintf("%q (the environment being checked)", c.Env))
			}
		default:
			p, ok := findParam(params, key)
			if !ok {
				return bad("keys " + strings.Join(acceptedKeys(params), ", "))
			}
			if _, ok := p.convert(value); !ok {
				return bad(p.accepted())
			}
		}
	}
	return nil
}

// Enabled counts the rules that run under c: those not disabled.
func (c Config) Enabled() int {
	n := 0
	for _, r := range Rules() {
		if c.level(r) != Disabled {
			n++
		}
	}
	return n
}

func (c Config) level(r Rule) Level {
	if l, ok := c.Overrides[r.Name][KeyEnforcementLevel].(string); ok {
		return Level(l)
	}
	if l, ok := c.Overrides[allRules][KeyEnforcementLevel].(string); ok {
		return Level(l)
	}
	return r.DefaultLevel(c.Production)
}

// Settings returns the thresholds the rule named name runs with under c:
// its defaults for c.Env with c's overrides applied.
func (c Config) Settings(name string) (Settings, error) {
	r, ok := Lookup(name)
	if !ok {
		return Settings{}, fmt.Errorf("unknown rule %q; accepted rules: %s", name, strings.Join(ruleNames(), ", "))
	}
	return c.settings(r)
}

func (c Config) settings(r Rule) (Settings, error) {
	s := Settings{Env: c.Env, values: make(map[string]any, len(r.Params))}
	for _, p := range r.Params {
		raw, ok := c.Overrides[r.Name][p.Key]
		if !ok {
			s.values[p.Key] = p.Default(c.Production)
			continue
		}
		v, ok := p.convert(raw)
		if !ok {
			return Settings{}, fmt.Errorf("rule %q: key %q: value %s is invalid; accepted: %s", r.Name, p.Key, show(raw), p.accepted())
		}
		s.values[p.Key] = v
	}
	return s, nil
}

// LoadConfig reads a committed policy config file (Pulumi's
// policy-pack-config JSON) for env. If env is empty the file's "env" values
// decide; if both are set they must agree, so a prod file cannot silently be
// used for staging.
func LoadConfig(path, env string) (Config, error) {
	data, err := os.ReadFile(path) //nolint:gosec // the caller names the policy config to read (the committed one, or one the operator passes)
	if err != nil {
		return Config{}, fmt.Errorf("policy config: %w", err)
	}
	cfg, err := ParseConfig(data, env)
	if err != nil {
		return Config{}, fmt.Errorf("policy config %s: %w", path, err)
	}
	return cfg, nil
}

// ParseConfig is LoadConfig without the file read.
func ParseConfig(data []byte, env string) (Config, error) {
	var raw map[string]any
	if err := json.Unmarshal(data, &raw); err != nil {
		return Config{}, fmt.Errorf("invalid JSON: %w", err)
	}
	if raw == nil {
		return Config{}, errors.New("invalid JSON: top level must be an object of rule names")
	}
	cfg := Config{Env: env, Overrides: make(map[string]map[string]any, len(raw))}
	names := make([]string, 0, len(raw))
	for name := range raw {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		switch v := raw[name].(type) {
		case string:
			// Pulumi accepts a bare enforcement level as shorthand.
			cfg.Overrides[name] = map[string]any{KeyEnforcementLevel: v}
		case map[string]any:
			cfg.Overrides[name] = v
		default:
			return Config{}, fmt.Errorf("rule %q: value %s is invalid; accepted: an enforcement level string or an object of settings", name, show(v))
		}
	}
	if cfg.Env == "" {
		for _, name := range names {
			if s, ok := cfg.Overrides[name][KeyEnv].(string); ok && s != "" {
				cfg.Env = s
				break
			}
		}
	}
	if cfg.Env == "" {
		return Config{}, fmt.Errorf("no environment: pass one or set %q in a rule's settings", KeyEnv)
	}
	if err := cfg.Validate(); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

func validLevel(l Level) bool {
	return l == Mandatory || l == Advisory || l == Disabled
}

func findParam(params []Param, key string) (Param, bool) {
	for _, p := range params {
		if p.Key == key {
			return p, true
		}
	}
	return Param{}, false
}

func acceptedKeys(params []Param) []string {
	keys := []string{KeyEnforcementLevel, KeyEnv}
	for _, p := range params {
		keys = append(keys, p.Key)
	}
	return keys
}

func ruleNames() []string {
	names := []string{allRules}
	for _, r := range Rules() {
		names = append(names, r.Name)
	}
	return names
}

// show renders a config value the way it appeared in JSON.
func show(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%v", v)
	}
	return string(b)
}
