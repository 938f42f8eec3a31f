// Package widget is a fixture component for the docgen tests.
package widget

import "github.com/pulumi/pulumi/sdk/v3/go/pulumi"

// TypeToken is the widget's token.
const TypeToken = "video-platform:test:Widget"

// WidgetArgs configures a widget.
type WidgetArgs struct {
	// Env is the environment,
	// spread over two lines.
	Env string
	// Identity is embedded, and documented under its type's name.
	contract.Identity
	// Min and Max bound the size: 0|1 are both fine.
	Min, Max int
	Sizes    []Size // Sizes is documented by a line comment.
	// Mode picks the mode.
	Mode Mode
	// Inline is an inline struct.
	Inline struct {
		A int
	}
	// Zone is another package's type.
	Zone pulumi.StringInput
	// hidden is not exported.
	hidden       bool
	Undocumented bool
}

// Size is one size.
type Size struct {
	// Name names it.
	Name string
	// Nested refers further.
	Nested *Deep
}

// Deep is reached only through Size.
type Deep struct {
	// Depth is how deep.
	Depth int
}

// Mode is a mode.
type Mode string

// Unused is not referenced by the Args.
type Unused struct {
	// X is never shown.
	X int
}
