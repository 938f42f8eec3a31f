package topology

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// ProjectName is the Pulumi project, and so the namespace of its config.
const ProjectName = "video-platform"

// FromDeclaration reads the topology from its declaration in Pulumi.yaml
// (the config key's value, or its default when it has none), as YAML
// decoded it.
func FromDeclaration(v any) (*Topology, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("Pulumi.yaml: %s:%s: %w", ProjectName, ConfigKey, err) //nolint:staticcheck // ST1005: the message starts with the file's name, which is capitalized
	}
	t, err := Decode(string(raw))
	if err != nil {
		return nil, fmt.Errorf("Pulumi.yaml: %s:%s: %w", ProjectName, ConfigKey, err) //nolint:staticcheck // ST1005: the message starts with the file's name, which is capitalized
	}
	return t, nil
}

// CheckStackFiles holds the stack files at root to the topology: every
// stack of env needs its Pulumi.<stack>.yaml, and every stack file must
// belong to a declared env and service. Each file out of place is named,
// with what is declared.
func (t *Topology) CheckStackFiles(root, env string) error {
	if err := t.CheckEnv(env); err != nil {
		return err
	}
	err := t.StrayStackFiles(root)
	if missing := t.MissingStackFiles(root, env); len(missing) > 0 {
		err = errors.Join(err, fmt.Errorf("env %s declares stacks without a stack file in %s: %s; %s",
			env, root, strings.Join(missing, ", "), StackFileRule))
	}
	return err
}

// StackFileRule says why a declared stack's file must exist.
const StackFileRule = "every stack of a declared env and service needs its own, and a service needs both copies, blue and green"

// StackFile is the name of a stack's config file.
func StackFile(stack string) string { return "Pulumi." + stack + ".yaml" }

// StrayStackFiles refuses a stack file at root that belongs to no declared
// env and service, naming it and what is declared.
func (t *Topology) StrayStackFiles(root string) error {
	files, err := filepath.Glob(filepath.Join(root, StackFile("*")))
	if err != nil {
		return err
	}
	var errs []error
	for _, f := range files {
		stack := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(f), "Pulumi."), ".yaml")
		if _, err := t.Parse(stack); err != nil {
			errs = append(errs, fmt.Errorf("stack file %s belongs to no declared stack: declared envs: %s; blue-green services: %s; declare its env or service in Pulumi.yaml's %s:%s, or remove the file",
				filepath.Base(f), strings.Join(t.EnvNames(), ", "), strings.Join(t.ServiceNames(), ", "), ProjectName, ConfigKey))
		}
	}
	return errors.Join(errs...)
}

// MissingStackFiles lists the stack files of env's declared stacks that do
// not exist at root.
func (t *Topology) MissingStackFiles(root, env string) []string {
	var missing []string
	for _, id := range t.EnvStacks(env) {
		if _, err := os.Stat(filepath.Join(root, StackFile(id.Name))); errors.Is(err, os.ErrNotExist) {
			missing = append(missing, StackFile(id.Name))
		}
	}
	return missing
}
