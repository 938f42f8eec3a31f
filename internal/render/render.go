// Package render holds the offline rendering of an environment: the JSON
// contract that `infra synth --json` writes and that `infra diff`, the cost
// estimate and the policy pack read. Every slice is kept in a stable order so
// that the same inputs give byte-identical JSON.
package render

// SchemaVersion is the version of this contract that the code writes.
// Raise it whenever a field is added, removed or changes meaning, so that
// `infra diff` refuses to compare two renders it would read differently
// instead of reporting the difference in format as a change.
const SchemaVersion = 1

// Env is one environment rendered offline: every stack in dependency order.
type Env struct {
	// SchemaVersion is the SchemaVersion of the binary that wrote the
	// render. Renders written before versioning have none (0).
	SchemaVersion int `json:"schemaVersion"`
	// Env is the environment name, "staging" or "prod".
	Env string `json:"env"`
	// Stacks are the rendered stacks in dependency order.
	Stacks []Stack `json:"stacks"`
	// Cost is the monthly cost estimate of the whole environment.
	Cost Cost `json:"cost"`
	// Fixtures lists the invoke results that came from offline fixtures
	// rather than the cloud, as "<token>: <what it stood for>".
	Fixtures []string `json:"fixtures,omitempty"`
	// LiveColors maps each blue-green service to its live color.
	LiveColors map[string]string `json:"liveColors,omitempty"`
	// RulesChecked is how many policy rules ran (those not disabled), so
	// that "no violations" can be told apart from "nothing checked".
	RulesChecked int `json:"rulesChecked,omitempty"`
	// ConfigErrors are the config values a stack refused. A render that has
	// them has no stacks, because nothing is half-rendered; it exists so
	// that a pull request's comment can say what to fix instead of only
	// that the render failed.
	ConfigErrors []ConfigError `json:"configErrors,omitempty"`
}

// ConfigError is one config value that a stack refused.
type ConfigError struct {
	// Stack is the stack whose config is bad.
	Stack string `json:"stack"`
	// Key is the fully qualified key with a path, such as
	// "video-platform:copy.capacity".
	Key string `json:"key"`
	// Message names the stack, the key, the value and what is accepted.
	Message string `json:"message"`
}

// Stack is one small stack's rendering.
type Stack struct {
	// Name is the full stack name, such as "prod-web-blue".
	Name string `json:"name"`
	// References lists the stacks this one reads through StackReferences.
	References []string `json:"references,omitempty"`
	// Resources are the registered resources in registration order.
	Resources []Resource `json:"resources"`
	// Outputs are the stack's exports, with computed values as placeholders.
	Outputs map[string]any `json:"outputs"`
	// Violations are the policy pack's findings for this stack.
	Violations []Violation `json:"violations"`
}

// Resource is one registered resource with its inputs as plain JSON.
type Resource struct {
	// URN is the resource's URN.
	URN string `json:"urn"`
	// Type is the type token, such as "aws:route53/record:Record".
	Type string `json:"type"`
	// Name is the logical name.
	Name string `json:"name"`
	// Parent is the parent's URN, empty for resources parented to the stack.
	Parent string `json:"parent"`
	// Custom is false for component resources.
	Custom bool `json:"custom"`
	// Aliases are the URNs the resource declared it had before a rename
	// or a move under a component (pulumi.Aliases), as the engine resolves
	// them: a resource at one of them is this one, not a deletion.
	Aliases []string `json:"aliases,omitempty"`
	// Inputs are the resource inputs as plain JSON. Secrets are "[secret]"
	// and values only the cloud can know are "<computed:...>" placeholders.
	Inputs map[string]any `json:"inputs"`
	// IgnoreChanges are the input paths the engine leaves alone after
	// creation, such as a desired capacity that scaling policies own.
	IgnoreChanges []string `json:"ignoreChanges,omitempty"`
	// ReplaceOnChanges are the input paths whose change replaces the resource.
	ReplaceOnChanges []string `json:"replaceOnChanges,omitempty"`
	// DependsOn are the URNs the engine must apply before this resource,
	// sorted: what orders a swap's records.
	DependsOn []string `json:"dependsOn,omitempty"`
}

// Violation is one policy finding.
type Violation struct {
	// Policy is the rule's stable kebab-case name.
	Policy string `json:"policy"`
	// Level is "mandatory" or "advisory".
	Level string `json:"level"`
	// URN is the offending resource, or empty for a stack-wide finding.
	URN string `json:"urn"`
	// Message names the resource and the fix.
	Message string `json:"message"`
}

// Cost is a monthly cost estimate. It is an estimate: prices come from a
// table kept in the repository, not from the AWS price list.
type Cost struct {
	// Currency is always "USD".
	Currency string `json:"currency"`
	// Monthly is the total of all known prices.
	Monthly float64 `json:"monthly"`
	// Unknown lists what could not be priced; it is never counted as zero.
	Unknown []string `json:"unknown,omitempty"`
	// Stacks holds the cost per stack name.
	Stacks map[string]StackCost `json:"stacks"`
	// KeptDaily maps each copy stack that is not live to what it costs per
	// day it is kept: after a swap the old copy runs at full size until it
	// is retired, and a retired one still pays for its load balancer.
	KeptDaily map[string]float64 `json:"keptDaily,omitempty"`
	// Source names the price table and its date and states the usage
	// assumptions, so that whoever reads the figure knows it is an estimate
	// and what it would take to check it.
	Source string `json:"source,omitempty"`
}

// StackCost is the monthly cost of one stack.
type StackCost struct {
	// Monthly is the stack's total of known prices.
	Monthly float64 `json:"monthly"`
	// Items are the priced resources.
	Items []CostItem `json:"items"`
}

// CostItem is the monthly cost of one resource.
type CostItem struct {
	// URN is the priced resource.
	URN string `json:"urn"`
	// Monthly is its estimated monthly cost, 0 when Unknown is set.
	Monthly float64 `json:"monthly"`
	// Basis says how the figure was reached, such as "2 x c6i.large at $0.085/h x 730 h".
	Basis string `json:"basis"`
	// Unknown is true when no price was found; Monthly is then not a price.
	Unknown bool `json:"unknown,omitempty"`
}
