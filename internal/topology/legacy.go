package topology

// The package-level forms below read the default topology. They remain
// only until every caller holds the project's declared topology.

// Envs are the default topology's envs.
var Envs = Default().EnvNames()

// ServiceNames lists the default topology's services.
func ServiceNames() []string { return Default().ServiceNames() }

// Services are the default topology's service profiles.
var Services = Default().Services

// EnvStacks lists the stacks of env in the default topology.
func EnvStacks(env string) []Identity { return Default().EnvStacks(env) }

// ValidStackNames lists the default topology's stacks.
func ValidStackNames() []string { return Default().StackNames() }

// Parse reads a stack name against the default topology.
func Parse(name string) (Identity, error) { return Default().Parse(name) }

// OwnerStack names a group's stack in the default topology.
func OwnerStack(env string, tags map[string]string) string { return Default().OwnerStack(env, tags) }

// MinAZs is env's least AZ count in the default topology.
func MinAZs(env string) int { return Default().MinAZs(env) }
