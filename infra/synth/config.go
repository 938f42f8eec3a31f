package synth

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/video-platform/video-platform/internal/offline"
)

// UsageError is a bad command line or config: the exit code is 2.
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

func usagef(format string, args ...any) error { return &UsageError{Msg: fmt.Sprintf(format, args...)} }

// StackConfig is one stack's config as the Go SDK receives it: fully
// qualified keys with raw values (JSON text for objects and lists).
type StackConfig struct {
	// Values are keyed "namespace:key".
	Values map[string]string
	// Secrets lists the keys whose values are secure; their values are
	// never decrypted, only masked.
	Secrets []string
}

// Set is one --set override: "<stack>:<key>=<value>", where key may be a
// path into an object ("live.web") and may carry a namespace ("aws:region").
type Set struct {
	// Stack is the stack the override applies to.
	Stack string
	// Key is the key or path, without the project namespace.
	Key string
	// Value is the raw value; true, false and numbers are typed as Pulumi's
	// `config set --path` types them.
	Value string
}

// ParseSet reads "<stack>:<key>=<value>".
func ParseSet(s string) (Set, error) {
	stack, rest, ok := strings.Cut(s, ":")
	key, value, ok2 := strings.Cut(rest, "=")
	if !ok || !ok2 || stack == "" || key == "" {
		return Set{}, usagef("--set %q: expected <stack>:<key>=<value>, such as prod-dns:live.web=green", s)
	}
	return Set{Stack: stack, Key: key, Value: value}, nil
}

// readStackConfig reads Pulumi.<stack>.yaml. A missing file is an empty config.
func readStackConfig(root, stack string) (StackConfig, error) {
	cfg := StackConfig{Values: map[string]string{}}
	path := filepath.Clean(filepath.Join(root, "Pulumi."+stack+".yaml"))
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return cfg, nil
	}
	if err != nil {
		return cfg, err
	}
	var file struct {
		Config map[string]yaml.Node `yaml:"config"`
	}
	if err := yaml.Unmarshal(data, &file); err != nil {
		return cfg, usagef("%s: %v", path, err)
	}
	for _, key := range slices.Sorted(maps.Keys(file.Config)) {
		node := file.Config[key]
		if !strings.Contains(key, ":") {
			key = offline.Project + ":" + key
		}
		if isSecure(&node) {
			// The ciphertext is never decrypted: an offline render must
			// be safe to paste into a pull request.
			cfg.Values[key] = offline.SecretMarker
			cfg.Secrets = append(cfg.Secrets, key)
			continue
		}
		raw, err := rawValue(&node)
		if err != nil {
			return cfg, usagef("%s: config %s: %v", path, key, err)
		}
		cfg.Values[key] = raw
	}
	return cfg, nil
}

// isSecure reports whether a node is Pulumi's {secure: <ciphertext>}.
func isSecure(n *yaml.Node) bool {
	return n.Kind == yaml.MappingNode && len(n.Content) == 2 && n.Content[0].Value == "secure"
}

// rawValue renders a config node the way the Pulumi engine hands it to a
// Go program: scalars as their text, objects and lists as JSON.
func rawValue(n *yaml.Node) (string, error) {
	if n.Kind == yaml.ScalarNode {
		return n.Value, nil
	}
	var v any
	if err := n.Decode(&v); err != nil {
		return "", err
	}
	if containsSecure(v) {
		return "", errors.New("secure values inside objects are not supported offline")
	}
	b, err := json.Marshal(v)
	return string(b), err
}

func containsSecure(v any) bool {
	switch t := v.(type) {
	case map[string]any:
		if _, ok := t["secure"]; ok && len(t) == 1 {
			return true
		}
		for _, x := range t {
			if containsSecure(x) {
				return true
			}
		}
	case []any:
		for _, x := range t {
			if containsSecure(x) {
				return true
			}
		}
	}
	return false
}

// apply writes one override into a stack's config, by path when the key has
// dots. declared is the set of keys Pulumi.yaml declares.
func (c *StackConfig) apply(s Set, declared map[string]bool) error {
	key := s.Key
	if !strings.Contains(strings.SplitN(key, ".", 2)[0], ":") {
		key = offline.Project + ":" + key
	}
	top, path, _ := strings.Cut(key, ".")
	if strings.HasPrefix(top, offline.Project+":") && !declared[top] {
		return usagef("--set %s:%s: stack %s has no config key %q; declared keys: %s",
			s.Stack, s.Key, s.Stack, top, strings.Join(slices.Sorted(maps.Keys(declared)), ", "))
	}
	for _, secret := range c.Secrets {
		if secret == top {
			return usagef("--set %s:%s: %s is a secret and cannot be overridden offline", s.Stack, s.Key, top)
		}
	}
	if path == "" {
		c.Values[top] = s.Value
		return nil
	}
	var root any = map[string]any{}
	if raw, ok := c.Values[top]; ok {
		if err := json.Unmarshal([]byte(raw), &root); err != nil {
			return usagef("--set %s:%s: %s is not an object (value %q), so it has no path %q", s.Stack, s.Key, top, raw, path)
		}
	}
	root, err := setPath(root, strings.Split(path, "."), typedValue(s.Value))
	if err != nil {
		return usagef("--set %s:%s: %v", s.Stack, s.Key, err)
	}
	b, err := json.Marshal(root)
	if err != nil {
		return err
	}
	c.Values[top] = string(b)
	return nil
}

// typedValue types a --set value as `pulumi config set --path` would.
func typedValue(s string) any {
	if s == "true" || s == "false" {
		return s == "true"
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n
	}
	if strings.HasPrefix(s, "[") || strings.HasPrefix(s, "{") {
		var v any
		if json.Unmarshal([]byte(s), &v) == nil {
			return v
		}
	}
	return s
}

func setPath(node any, path []string, value any) (any, error) {
	if len(path) == 0 {
		return value, nil
	}
	head := path[0]
	switch t := node.(type) {
	case map[string]any:
		child, err := setPath(t[head], path[1:], value)
		if err != nil {
			return nil, err
		}
		t[head] = child
		return t, nil
	case []any:
		i, err := strconv.Atoi(head)
		if err != nil || i < 0 || i > len(t) {
			return nil, fmt.Errorf("index %q is not within the list of %d items", head, len(t))
		}
		if i == len(t) {
			t = append(t, nil)
		}
		child, err := setPath(t[i], path[1:], value)
		if err != nil {
			return nil, err
		}
		t[i] = child
		return t, nil
	case nil:
		return setPath(map[string]any{}, path, value)
	default:
		return nil, fmt.Errorf("%q is a %T, not an object", head, node)
	}
}

// declaredKeys reads the config keys Pulumi.yaml declares, with their
// defaults rendered as the engine hands them to the program.
func declaredKeys(root string) (map[string]bool, map[string]string, error) {
	data, err := os.ReadFile(filepath.Clean(filepath.Join(root, "Pulumi.yaml")))
	if err != nil {
		return nil, nil, usagef("reading Pulumi.yaml in %s: %v (run infra from the repository root or pass --root)", root, err)
	}
	var project struct {
		Config map[string]struct {
			Default yaml.Node `yaml:"default"`
		} `yaml:"config"`
	}
	if err := yaml.Unmarshal(data, &project); err != nil {
		return nil, nil, usagef("Pulumi.yaml: %v", err)
	}
	keys, defaults := map[string]bool{}, map[string]string{}
	for k, decl := range project.Config {
		if !strings.Contains(k, ":") {
			k = offline.Project + ":" + k
		}
		keys[k] = true
		if decl.Default.Kind != 0 {
			raw, err := rawValue(&decl.Default)
			if err != nil {
				return nil, nil, usagef("Pulumi.yaml: default of %s: %v", k, err)
			}
			defaults[k] = raw
		}
	}
	return keys, defaults, nil
}

// withDefaults fills in the project's defaults, as the engine does, so an
// offline render sees exactly what a deployment would.
func (c *StackConfig) withDefaults(defaults map[string]string) {
	for k, v := range defaults {
		if _, ok := c.Values[k]; !ok {
			c.Values[k] = v
		}
	}
}
