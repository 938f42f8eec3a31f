package synth

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/config"

	"github.com/video-platform/video-platform/internal/offline"
	"github.com/video-platform/video-platform/internal/stackconfig"
	"github.com/video-platform/video-platform/internal/topology"
	"github.com/video-platform/video-platform/stacks"
)

// UsageError is a bad command line or config: the exit code is 2.
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

func usagef(format string, args ...any) error { return &UsageError{Msg: fmt.Sprintf(format, args...)} }

// project is Pulumi.yaml, read by the shared loader (internal/stackconfig).
type project struct {
	stackconfig.Project
}

func loadProject(root string) (project, error) {
	p, err := stackconfig.LoadProject(root)
	if err != nil {
		return project{}, usagef("reading %s: %v (run infra from the repository root or pass --root)", filepath.Join(root, "Pulumi.yaml"), err)
	}
	return project{p}, nil
}

// key is a config key of the project: namespaced as the CLI does for the
// keys Pulumi.yaml and the stack files write without one.
func (p project) key(name string) (config.Key, error) { return p.Key(name) }

// declared is the set of keys Pulumi.yaml declares.
func (p project) declared() (map[config.Key]bool, error) {
	out, err := p.Declared()
	if err != nil {
		return nil, usagef("%v", err)
	}
	return out, nil
}

// StackConfig is one stack's config: its Pulumi.<stack>.yaml with the
// project's defaults for the keys it leaves out, as the engine hands it to
// the program. Secure values stay ciphertext: they are never decrypted,
// only masked.
type StackConfig struct {
	config.Map
}

// Set is one --set override: "<stack>:<key>=<value>", where key may be a
// path into an object ("live.web", "transcoders.draining[0]") and may
// carry a namespace ("aws:region").
type Set struct {
	// Stack is the stack the override applies to.
	Stack string
	// Key is the key or path, without the project namespace.
	Key string
	// Value is the raw value; true, false and integers are typed as
	// Pulumi's `config set --path` types them, and a JSON object or list
	// is set as one.
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

// readStackConfig reads Pulumi.<stack>.yaml with the SDK's loader and
// fills in the project's defaults. Every stack of an env has a committed
// file, so a missing one is a config error that names it, rather than a
// stack rendered from defaults that then reports their empty values.
func readStackConfig(p project, root, stack string) (StackConfig, error) {
	file := topology.StackFile(stack)
	path := filepath.Join(root, file)
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return StackConfig{}, &stacks.ConfigError{Stack: stack,
			Problem: fmt.Sprintf("has no stack file: %s does not exist in %s; %s", file, root, topology.StackFileRule)}
	}
	st, err := p.LoadStack(stack)
	if err != nil {
		return StackConfig{}, usagef("%s: %v", path, err)
	}
	if err := st.WithDefaults(p.Project); err != nil {
		return StackConfig{}, usagef("%v", err)
	}
	return StackConfig{Map: st.Map}, nil
}

// values renders the config as the Go SDK receives it: fully qualified
// keys with raw values, JSON text for objects and lists, and the keys whose
// values are secret, which are masked without being decrypted: an offline
// render must be safe to paste into a pull request.
func (c StackConfig) values() (map[string]string, []string, error) {
	values := map[string]string{}
	var secrets []string
	for k, v := range c.Map {
		switch {
		case v.Secure() && v.Object():
			return nil, nil, usagef("config %s: secure values inside objects are not supported offline", k)
		case v.Secure():
			values[k.String()] = offline.SecretMarker
			secrets = append(secrets, k.String())
		default:
			raw, err := v.Value(config.NopDecrypter)
			if err != nil {
				return nil, nil, usagef("config %s: %v", k, err)
			}
			values[k.String()] = raw
		}
	}
	slices.Sort(secrets)
	return values, secrets, nil
}

// apply writes one override into a stack's config, by path as
// `pulumi config set --path` does. declared is the set of keys Pulumi.yaml
// declares.
func (c StackConfig) apply(p project, s Set, declared map[config.Key]bool) error {
	fail := func(format string, args ...any) error {
		return usagef("--set %s:%s: %s", s.Stack, s.Key, fmt.Sprintf(format, args...))
	}
	k, err := p.key(s.Key)
	if err != nil {
		return fail("%v", err)
	}
	top, rest, _ := strings.Cut(k.Name(), ".")
	if i := strings.Index(top, "["); i >= 0 {
		top, rest = top[:i], top[i:]+rest
	}
	topKey := config.MustMakeKey(k.Namespace(), top)
	if k.Namespace() == p.Name.String() && !declared[topKey] {
		names := make([]string, 0, len(declared))
		for d := range declared {
			names = append(names, d.String())
		}
		slices.Sort(names)
		return usagef("--set %s:%s: stack %s has no config key %q; declared keys: %s", s.Stack, s.Key, s.Stack, topKey.String(), strings.Join(names, ", "))
	}
	if v, ok := c.Map[topKey]; ok && v.Secure() {
		return fail("%s is a secret and cannot be overridden offline", topKey)
	}
	if rest != "" {
		if err := c.objectsAlong(k); err != nil {
			return fail("%v", err)
		}
	}
	value := config.NewValue(s.Value)
	if (strings.HasPrefix(s.Value, "{") || strings.HasPrefix(s.Value, "[")) && json.Valid([]byte(s.Value)) {
		value = config.NewObjectValue(s.Value)
	}
	if err := c.Set(k, value, true); err != nil {
		return fail("%v", err)
	}
	return nil
}

// objectsAlong refuses a path that goes through a value that is not an
// object or a list, saying what the value is: Pulumi would silently
// replace such a value of a top-level key with an object.
func (c StackConfig) objectsAlong(k config.Key) error {
	name := k.Name()
	for i := range len(name) {
		if name[i] != '.' && name[i] != '[' {
			continue
		}
		prefix := config.MustMakeKey(k.Namespace(), name[:i])
		v, ok, err := c.Get(prefix, true)
		if err != nil || !ok {
			return nil
		}
		if !v.Object() {
			raw, _ := v.Value(config.NopDecrypter)
			return fmt.Errorf("%s is %q, not an object or a list, so it has no %s", name[:i], raw, strings.TrimLeft(name[i:], "."))
		}
	}
	return nil
}
