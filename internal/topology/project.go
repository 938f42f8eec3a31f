package topology

import (
	"encoding/json"
	"fmt"
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

// StackFileRule says why a declared stack's file must exist.
const StackFileRule = "every stack of a declared env and service needs its own, and a service needs both copies, blue and green"

// StackFile is the name of a stack's config file.
func StackFile(stack string) string { return "Pulumi." + stack + ".yaml" }
