package stackconfig

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/video-platform/video-platform/internal/topology"
)

// CheckStackFiles holds the stack files at root to the topology: every
// stack of env needs its Pulumi.<stack>.yaml, and every stack file must
// belong to a declared env and service. Each file out of place is named,
// with what is declared.
func CheckStackFiles(t *topology.Topology, root, env string) error {
	if err := t.CheckEnv(env); err != nil {
		return err
	}
	err := StrayStackFiles(t, root)
	if missing := MissingStackFiles(t, root, env); len(missing) > 0 {
		err = errors.Join(err, fmt.Errorf("env %s declares stacks without a stack file in %s: %s; %s",
			env, root, strings.Join(missing, ", "), topology.StackFileRule))
	}
	return err
}

// StrayStackFiles refuses a stack file at root that belongs to no declared
// env and service, naming it and what is declared.
func StrayStackFiles(t *topology.Topology, root string) error {
	files, err := filepath.Glob(filepath.Join(root, topology.StackFile("*")))
	if err != nil {
		return err
	}
	var errs []error
	for _, f := range files {
		stack := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(f), "Pulumi."), ".yaml")
		if _, err := t.Parse(stack); err != nil {
			errs = append(errs, fmt.Errorf("stack file %s belongs to no declared stack: declared envs: %s; blue-green services: %s; declare its env or service in Pulumi.yaml's %s:%s, or remove the file",
				filepath.Base(f), strings.Join(t.EnvNames(), ", "), strings.Join(t.ServiceNames(), ", "), topology.ProjectName, topology.ConfigKey))
		}
	}
	return errors.Join(errs...)
}

// MissingStackFiles lists the stack files of env's declared stacks that do
// not exist at root.
func MissingStackFiles(t *topology.Topology, root, env string) []string {
	var missing []string
	for _, id := range t.EnvStacks(env) {
		if _, err := os.Stat(filepath.Join(root, topology.StackFile(id.Name))); errors.Is(err, os.ErrNotExist) {
			missing = append(missing, topology.StackFile(id.Name))
		}
	}
	return missing
}
