package cli

import (
	"io"
	"os"

	"golang.org/x/term"
)

// color is infra's one decision about ANSI colors, which every colored
// output asks through workflow.Deps.Color: only a terminal gets them, and
// never when NO_COLOR is set to anything but "" (https://no-color.org).
func (inv *invocation) color(w io.Writer) bool {
	return os.Getenv("NO_COLOR") == "" && inv.isTerminal(w)
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(interface{ Fd() uintptr })
	return ok && term.IsTerminal(int(f.Fd()))
}
