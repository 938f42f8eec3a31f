// Package cli is the `infra` command line: one cobra command per file,
// each parsing its flags into the typed options of the workflow it calls
// (infra/workflow, infra/synth, infra/diff, infra/rehearse). Help, usage
// lines and shell completion are generated from the flag definitions, so
// they cannot disagree with what is parsed.
//
// Execute is the one entry point, for the binary and for the rehearsal,
// which drives the same command tree an operator types.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/video-platform/video-platform/infra/workflow"
)

// commands are the constructors of infra's subcommands, in the order help
// lists them. A new command is one file with its constructor and one line
// here. (A function, not a variable: rehearse refers back to Execute.)
func commands() []func(*invocation) *cobra.Command {
	return []func(*invocation) *cobra.Command{
		newSynthCmd,
		newDiffCmd,
		newRehearseCmd,
		newPreviewCmd,
		newUpCmd,
		newDestroyCmd,
		newSwapCmd,
		newRollbackCmd,
		newRetireCmd,
		newRollCmd,
		newReleaseCmd,
		newHousekeepingCmd,
		newStatusCmd,
		newCompletionCmd,
	}
}

// Command groups in help: what each kind of command needs to run.
const (
	groupOffline   = "offline"
	groupRehearsal = "rehearsal"
	groupDeploy    = "deploy"
)

func init() {
	// Help lists the commands in the order an operator meets them (the
	// deploy workflow's order), not alphabetically.
	cobra.EnableCommandSorting = false
}

// Execute runs one infra command line and returns its exit code: 0 ok, 1
// mandatory policy violation or failed operation, 2 bad usage or config,
// 3 phantom groups found (status). deps are the deploy workflow's
// collaborators; with an empty Root, the real ones for the checkout around
// the working directory.
func Execute(ctx context.Context, args []string, deps workflow.Deps, stdout, stderr io.Writer) (code int) {
	defer func() {
		// A bug in one command must not take the operator's terminal down
		// with a stack trace in the middle of a swap.
		if r := recover(); r != nil {
			fmt.Fprintf(stderr, "infra: internal error: %v\n", r)
			code = workflow.ExitFailed
		}
	}()
	inv := &invocation{deps: deps, stdout: stdout, stderr: stderr, isTerminal: isTerminal}
	root := newRoot(inv)
	if len(args) == 0 {
		fmt.Fprint(stderr, root.UsageString())
		return workflow.ExitUsage
	}
	root.SetArgs(singleDashLongFlags(root, args, stderr))
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return workflow.ExitOK
	}
	return inv.report(cmd, args, err)
}

func newRoot(inv *invocation) *cobra.Command {
	root := &cobra.Command{
		Use:   "infra",
		Short: "Operate the video platform's environments",
		Long: `infra operates the video platform's environments (staging, prod), each a set
of small Pulumi stacks: it renders them offline, rehearses the runbook against
a stand-in AWS, and runs the deploy workflow through the Automation API.

Every command that changes an env takes its lock (a DynamoDB item beside the
env; a lock file before the base stack exists); --break-lock removes a lock a
dead process left and says whose it was.

Exit codes: 0 ok, 1 mandatory policy violation or failed operation, 2 bad
usage or config, 3 phantom groups found (status).`,
		// Errors are reported once, by report, with their exit codes.
		SilenceErrors:     true,
		SilenceUsage:      true,
		CompletionOptions: cobra.CompletionOptions{DisableDefaultCmd: true},
		// Reached only once the command line parsed: what fails before it
		// is a usage error.
		PersistentPreRun: func(*cobra.Command, []string) { inv.started = true },
	}
	root.SetOut(inv.stdout)
	root.SetErr(inv.stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError(err.Error()) })
	root.AddGroup(
		&cobra.Group{ID: groupOffline, Title: "Offline (no credentials needed):"},
		&cobra.Group{ID: groupRehearsal, Title: "Rehearsal (Pulumi CLI, no AWS: a stand-in answers):"},
		&cobra.Group{ID: groupDeploy, Title: "Deploy workflow (Pulumi CLI and AWS credentials):"},
	)
	for _, newCmd := range commands() {
		root.AddCommand(newCmd(inv))
	}
	root.SetHelpCommand(newHelpCmd())
	root.InitDefaultHelpCmd()
	return root
}

// report prints a failed command's error and returns its exit code. Usage
// errors get a pointer to the command's help.
func (inv *invocation) report(cmd *cobra.Command, args []string, err error) int {
	name := cmd.CommandPath()
	var usage usageError
	if !inv.started && !errors.As(err, &usage) && !cmd.HasParent() {
		// Cobra's own refusal of an unknown command, which it words over
		// several lines.
		err = unknownCommand(cmd, args)
	}
	if !inv.started || isUsage(err) {
		fmt.Fprintf(inv.stderr, "%s: %v\nRun '%s --help' for usage.\n", name, err, name)
		return workflow.ExitUsage
	}
	if msg := err.Error(); msg != "" {
		fmt.Fprintf(inv.stderr, "%s: %s\n", name, msg)
	}
	return workflow.ExitCode(err)
}

// unknownCommand names the word that is not a command, and the command it
// was probably meant to be.
func unknownCommand(root *cobra.Command, args []string) error {
	word := ""
	for _, a := range args {
		if !strings.HasPrefix(a, "-") {
			word = a
			break
		}
	}
	if s := root.SuggestionsFor(word); len(s) > 0 {
		return usagef("unknown command %q; did you mean %s?", word, strings.Join(s, " or "))
	}
	return usagef("unknown command %q", word)
}
