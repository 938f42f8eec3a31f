// Command infra operates the video platform's environments: `synth` renders
// an env offline, `diff` compares two renders, and the deploy workflow
// (preview, up, destroy, swap, rollback, retire, roll, status) drives the
// small stacks through the Pulumi Automation API.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
)

const usage = `usage: infra <command> [arguments]

offline (no credentials needed):
  synth <env> [--json] [--out FILE] [--stack NAME]... [--set STACK:KEY=VALUE]... [--empty]
  diff <old.json> <new.json> [--markdown] [--limit N] [--fail-on-violations]

rehearsal (Pulumi CLI, no AWS: a stand-in answers):
  rehearse <env> [--scenario NAME]... [--faults] [--json] [--keep DIR] [--known-failing] [-v]

deploy workflow (Pulumi CLI and AWS credentials):
  preview <env> [--stack NAME]... [--policy-pack DIR]...
  up <env> [--stack NAME]... [--policy-pack DIR]... [--break-lock]
  destroy <env> [--stack NAME]... [--force] [--break-lock]
  swap <env> <service> [--to COLOR] [--canary PCT] [--allow-smaller] [--dry-run] [--break-lock]
  rollback <env> <service> [--force] [--break-lock]
  retire <env> <service> <color> [--destroy] [--min-wait D] [--quiet-for D] [--no-wait] [--timeout D] [--break-lock]
  roll <env> transcoders --release R [--gc] [--timeout D] [--break-lock]
  status <env>

exit codes: 0 ok, 1 mandatory policy violation or failed operation,
2 bad usage or config, 3 phantom groups found (status)
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stderr, usage)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	switch args[0] {
	case "synth":
		return synthCommand(args[1:], stdout, stderr)
	case "diff":
		return diffCommand(args[1:], stdout, stderr)
	case "rehearse":
		return rehearseCommand(ctx, args[1:], stdout, stderr)
	default:
		return deployCommand(ctx, args, stdout, stderr)
	}
}
