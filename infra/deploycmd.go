package main

import (
	"context"
	"fmt"
	"io"
)

// deployCommand is replaced by the deploy workflow when it lands.
func deployCommand(_ context.Context, args []string, _, stderr io.Writer) int {
	fmt.Fprintf(stderr, "infra: unknown command %q\n%s", args[0], usage)
	return 2
}
