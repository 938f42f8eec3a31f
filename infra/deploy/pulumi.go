package deploy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/video-platform/video-platform/infra/observed"
)

// ConfigNamespace is the project's config namespace; Stack config paths are
// relative to it ("live.web" means "video-platform:live.web").
const ConfigNamespace = observed.ConfigNamespace

// ErrNoStack marks a stack that does not exist in the backend, so commands
// can tell "not deployed" from a failed call.
var ErrNoStack = errors.New("stack does not exist")

// Pulumi opens the project's stacks. It is the narrow seam between the
// command logic and the Automation API, so the logic can run against fakes.
type Pulumi interface {
	// Stack selects an existing stack by its short name; a missing stack
	// yields an error matching ErrNoStack.
	Stack(ctx context.Context, name string) (Stack, error)
}

// Stack is what the commands do with one stack.
type Stack interface {
	// Name is the stack's short name.
	Name() string
	// Preview computes the steps an update would take.
	Preview(ctx context.Context, o RunOptions) (Result, error)
	// Up updates the stack.
	Up(ctx context.Context, o RunOptions) (Result, error)
	// Destroy deletes every resource of the stack.
	Destroy(ctx context.Context, o RunOptions) (Result, error)
	// GetConfig reads a config value by path relative to ConfigNamespace
	// ("copy.capacity.desired"); objects and lists come back as JSON.
	// found is false when the path is unset.
	GetConfig(ctx context.Context, path string) (value string, found bool, err error)
	// SetConfig writes a config value by path, creating parent objects.
	SetConfig(ctx context.Context, path, value string) error
	// RemoveConfig deletes a config value by path; a missing path is not an
	// error.
	RemoveConfig(ctx context.Context, path string) error
	// Outputs returns the stack outputs of the last update as plain values
	// (JSON shapes: strings, float64, map[string]any, []any).
	Outputs(ctx context.Context) (map[string]any, error)
	// LastUpdate describes the most recent operation, or nil when the stack
	// has never been updated.
	LastUpdate(ctx context.Context) (*Update, error)
	// Resources lists the resources of the stack's deployed state, so that
	// a command can tell what an interrupted update really changed.
	Resources(ctx context.Context) ([]Deployed, error)
}

// The engine's observations are plain values of infra/observed.
type (
	// Deployed is one resource of a stack's deployed state.
	Deployed = observed.Deployed
	// Step is one resource's planned or applied operation.
	Step = observed.Step
	// Update summarizes a stack's most recent operation.
	Update = observed.Update
)

// RunOptions are passed to Preview, Up and Destroy.
type RunOptions struct {
	// Progress receives Pulumi's progress output; nil discards it.
	Progress io.Writer
	// PolicyPacks are local policy pack directories to enforce.
	PolicyPacks []string
	// PolicyPackConfigs are config files for the first policy packs, by
	// position (the CLI pairs --policy-pack-config with --policy-pack).
	PolicyPackConfigs []string
	// Replace are URNs an up replaces even if their inputs did not change.
	Replace []string
}

// Result is the outcome of a Preview, Up or Destroy.
type Result struct {
	// Steps lists each resource's step (from the engine events), in order.
	Steps []Step
	// Changes counts resources per operation ("create", "update", "same"...).
	Changes map[string]int
	// Duration is how long the operation took.
	Duration time.Duration
}

// formatChanges renders an op→count map compactly: "+1 ~2 -0 =5".
func formatChanges(ch map[string]int) string {
	if len(ch) == 0 {
		return "-"
	}
	symbols := map[string]string{"create": "+", "update": "~", "delete": "-", "replace": "+-", "same": "="}
	var parts []string
	for _, op := range []string{"create", "update", "replace", "delete", "same"} {
		if n, ok := ch[op]; ok && n > 0 {
			parts = append(parts, fmt.Sprintf("%s%d", symbols[op], n))
		}
	}
	var rest []string
	for op, n := range ch {
		if _, known := symbols[op]; !known && n > 0 {
			rest = append(rest, fmt.Sprintf("%s:%d", op, n))
		}
	}
	sort.Strings(rest)
	parts = append(parts, rest...)
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, " ")
}

// outString reads a string output; missing or non-string yields "".
func outString(m map[string]any, key string) string {
	s, _ := m[key].(string)
	return s
}

// outMap reads an object output.
func outMap(m map[string]any, key string) map[string]any {
	v, _ := m[key].(map[string]any)
	return v
}

// outStrings reads an object output whose values are strings.
func outStrings(m map[string]any, key string) map[string]string {
	res := map[string]string{}
	for k, v := range outMap(m, key) {
		if s, ok := v.(string); ok {
			res[k] = s
		}
	}
	return res
}

// configJSON decodes a config value that holds an object or list; a plain
// string is returned as is.
func configJSON(value string) any {
	var v any
	if err := json.Unmarshal([]byte(value), &v); err != nil {
		return value
	}
	return v
}

// configString reads a scalar config value; quoted JSON strings are
// unquoted so both CLI styles compare equal.
func configString(value string) string {
	if s, ok := configJSON(value).(string); ok {
		return s
	}
	return value
}

// asInt reads a number from outputs or config (see observed.Int).
func asInt(v any) (int, bool) { return observed.Int(v) }
