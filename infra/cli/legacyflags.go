package cli

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// singleDashLongFlags rewrites the long flags that Go's flag package, which
// infra used before, accepted with one dash (-json, -stack prod,
// -min-wait=30m) to pflag's two, and says once per flag that the spelling
// is deprecated, so that scripts written for the old parser keep working
// while they are updated. pflag alone would read -json as the shorthands
// -j -s -o -n. Shorthands (-v, -h) are left alone.
func singleDashLongFlags(root *cobra.Command, args []string, stderr io.Writer) []string {
	cmd, _, err := root.Find(args)
	if err != nil {
		return args
	}
	cmd.InitDefaultHelpFlag()
	lookup := func(name string) *pflag.Flag {
		if f := cmd.Flags().Lookup(name); f != nil {
			return f
		}
		return cmd.InheritedFlags().Lookup(name)
	}
	// takesValue: a flag's value comes next, and is never a flag itself.
	takesValue := func(f *pflag.Flag, inline bool) bool { return f != nil && !inline && f.NoOptDefVal == "" }
	out := make([]string, 0, len(args))
	warned := map[string]bool{}
	value := false
	for i, a := range args {
		switch {
		case value:
			value = false
		case a == "--":
			return append(out, args[i:]...)
		case strings.HasPrefix(a, "--"):
			name, _, inline := strings.Cut(a[2:], "=")
			value = takesValue(lookup(name), inline)
		case strings.HasPrefix(a, "-") && len(a) > 2:
			name, _, inline := strings.Cut(a[1:], "=")
			f := lookup(name)
			if f == nil || len(name) < 2 {
				break
			}
			if !warned[name] {
				fmt.Fprintf(stderr, "infra: -%s is deprecated; use --%s\n", name, name)
				warned[name] = true
			}
			a = "-" + a
			value = takesValue(f, inline)
		}
		out = append(out, a)
	}
	return out
}
