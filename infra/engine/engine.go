// Package engine is infra's adapter to the Pulumi engine: the Pulumi and
// Stack interfaces the workflow drives stacks through, and their
// Automation API implementation on a LocalWorkspace (AutoPulumi,
// AutoStack), which reports what the engine did as plain values of
// infra/observed.
package engine

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/video-platform/video-platform/infra/observed"
)

// ErrNoStack marks a stack that does not exist in the backend, so commands
// can tell "not deployed" from a failed call.
var ErrNoStack = errors.New("stack does not exist")

// Pulumi opens the project's stacks. It is the narrow seam between the
// workflow and the Automation API, so the workflow can run against fakes.
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
	// GetConfig reads a config value by path relative to the project's
	// namespace (observed.ConfigNamespace)
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
	LastUpdate(ctx context.Context) (*observed.Update, error)
	// Resources lists the resources of the stack's deployed state, so that
	// a command can tell what an interrupted update really changed.
	Resources(ctx context.Context) ([]observed.Deployed, error)
}

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
	Steps []observed.Step
	// Changes counts resources per operation ("create", "update", "same"...).
	Changes map[string]int
	// Duration is how long the operation took.
	Duration time.Duration
}
