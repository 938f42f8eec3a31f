// Package stackconfig reads the project's Pulumi.yaml and its
// Pulumi.<stack>.yaml files with the Pulumi SDK's own workspace loaders,
// offline: secure values stay ciphertext and are never decrypted. It is
// the one reader of those files for `infra synth` (which renders the
// stacks from them) and for the deploy workflow (which reads a stack's
// region or live color without Pulumi or AWS).
package stackconfig

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/config"
	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"

	"github.com/video-platform/video-platform/internal/topology"
)

// Project is Pulumi.yaml, read by the SDK's loader, which also checks it
// against the project schema the CLI enforces.
type Project struct {
	*workspace.Project
	// Root is the directory that holds Pulumi.yaml and the stack files.
	Root string
}

// projectFile is the project's file, which errors name.
const projectFile = "Pulumi.yaml"

// LoadProject reads <root>/Pulumi.yaml. Its error is the SDK's, which
// names the file.
func LoadProject(root string) (Project, error) {
	p, err := workspace.LoadProject(filepath.Join(root, projectFile))
	if err != nil {
		return Project{}, err
	}
	return Project{Project: p, Root: root}, nil
}

// Topology is the envs and services the project declares in its
// video-platform:topology (the default topology when it declares none).
func (p Project) Topology() (*topology.Topology, error) {
	decl, ok := p.Config[topology.ProjectName+":"+topology.ConfigKey]
	if !ok {
		decl, ok = p.Config[topology.ConfigKey]
	}
	if !ok {
		return topology.Default(), nil
	}
	v := decl.Value
	if v == nil {
		v = decl.Default
	}
	return topology.FromDeclaration(v)
}

// LoadTopology reads the topology Pulumi.yaml at root declares.
func LoadTopology(root string) (*topology.Topology, error) {
	p, err := LoadProject(root)
	if err != nil {
		return nil, fmt.Errorf("%w (run infra from the repository root or pass --root)", err)
	}
	return p.Topology()
}

// Key is a config key of the project, namespaced as the CLI does for the
// keys Pulumi.yaml and the stack files write without one: "live.web" is
// "video-platform:live.web", "aws:region" stays as it is. A key may be a
// path into an object ("live.web", "transcoders.draining[0]").
func (p Project) Key(name string) (config.Key, error) {
	if !strings.Contains(strings.SplitN(name, ".", 2)[0], ":") {
		name = p.Name.String() + ":" + name
	}
	return config.ParseKey(name)
}

// Declared is the set of keys Pulumi.yaml declares.
func (p Project) Declared() (map[config.Key]bool, error) {
	out := map[config.Key]bool{}
	for name := range p.Config {
		k, err := p.Key(name)
		if err != nil {
			return nil, fmt.Errorf("%s: config %s: %w", projectFile, name, err)
		}
		out[k] = true
	}
	return out, nil
}

// StackFile is the path of a stack's config file.
func (p Project) StackFile(stack string) string {
	return filepath.Join(p.Root, "Pulumi."+stack+".yaml")
}

// Stack is one stack's config as its Pulumi.<stack>.yaml sets it.
type Stack struct {
	config.Map
}

// LoadStack reads Pulumi.<stack>.yaml with the SDK's loader. A file that
// does not exist reads as an empty config, as the SDK reads it; callers
// that need the file check for it first.
func (p Project) LoadStack(stack string) (Stack, error) {
	ps, err := workspace.LoadProjectStack(nil, p.Project, p.StackFile(stack))
	if err != nil {
		return Stack{}, err
	}
	return Stack{Map: ps.Config}, nil
}

// WithDefaults fills in the project's defaults as the engine does: a key
// the stack leaves out gets Pulumi.yaml's value or default, scalars as
// text and objects and lists as JSON.
func (s Stack) WithDefaults(p Project) error {
	for name, decl := range p.Config {
		k, err := p.Key(name)
		if err != nil {
			return fmt.Errorf("%s: config %s: %w", projectFile, name, err)
		}
		if _, ok := s.Map[k]; ok {
			continue
		}
		v := decl.Default
		if decl.Value != nil {
			v = decl.Value
		}
		switch v := v.(type) {
		case nil:
		case string, bool, int, int64, float64:
			s.Map[k] = config.NewValue(fmt.Sprint(v))
		default:
			b, err := json.Marshal(v)
			if err != nil {
				return fmt.Errorf("%s: default of %s: %w", projectFile, name, err)
			}
			s.Map[k] = config.NewObjectValue(string(b))
		}
	}
	return nil
}

// String reads a plain value by key, with the path semantics of `pulumi
// config get --path` ("live.web"): a scalar comes back as its text, an
// object or a list as JSON. found is false when the key or path is unset.
// A secret is refused rather than decrypted.
func (s Stack) String(key config.Key) (value string, found bool, err error) {
	v, found, err := s.Get(key, true)
	if err != nil || !found {
		return "", false, err
	}
	if v.Secure() {
		return "", false, fmt.Errorf("config %s is a secret; it is not read offline", key)
	}
	raw, err := v.Value(config.NopDecrypter)
	if err != nil {
		return "", false, fmt.Errorf("config %s: %w", key, err)
	}
	return raw, true, nil
}
