package cli

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/video-platform/video-platform/internal/stackconfig"
	"github.com/video-platform/video-platform/internal/topology"
)

// exactArgs accepts exactly the positional arguments named (as in the
// command's Use line), and otherwise says what was expected and what came.
func exactArgs(names ...string) cobra.PositionalArgs {
	return func(_ *cobra.Command, args []string) error {
		if len(args) == len(names) {
			return nil
		}
		return usagef("expects %s; got %s", strings.Join(names, " "), describeArgs(args))
	}
}

// describeArgs words a list of arguments for a message.
func describeArgs(args []string) string {
	quoted := make([]string, len(args))
	for i, a := range args {
		quoted[i] = strconv.Quote(a)
	}
	switch len(args) {
	case 0:
		return "no arguments"
	case 1:
		return "1 argument: " + quoted[0]
	}
	return fmt.Sprintf("%d arguments: %s", len(args), strings.Join(quoted, ", "))
}

// Shell completions of the positional arguments: each function completes
// the argument at its position.
type completer func(args []string) []string

func envs([]string) []string     { return declared().EnvNames() }
func services([]string) []string { return declared().ServiceNames() }
func colors([]string) []string   { return topology.Colors }

// declared is the topology of the project the shell is in, for
// completions, which have no other way to fail: the default topology when
// there is no project to read.
func declared() *topology.Topology {
	if root, err := findRoot(); err == nil {
		if topo, err := stackconfig.LoadTopology(root); err == nil {
			return topo
		}
	}
	return topology.Default()
}

// envStacks completes the stacks of the env given first.
func envStacks(args []string) []string {
	if len(args) == 0 {
		return nil
	}
	var names []string
	for _, id := range declared().EnvStacks(args[0]) {
		names = append(names, id.Name)
	}
	return names
}

// completeArgs completes each positional argument with its completer.
func completeArgs(byPosition ...completer) cobra.CompletionFunc {
	return func(_ *cobra.Command, args []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if len(args) >= len(byPosition) {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return byPosition[len(args)](args), cobra.ShellCompDirectiveNoFileComp
	}
}

// completeFlag completes a flag's value; the command's positional
// arguments so far are what it may depend on.
func completeFlag(cmd *cobra.Command, flag string, values completer) {
	// The error only says the flag does not exist, a bug the tests catch.
	_ = cmd.RegisterFlagCompletionFunc(flag, func(_ *cobra.Command, args []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
		return values(args), cobra.ShellCompDirectiveNoFileComp
	})
}

// Flags several commands share, so that they are worded once.

func stackFlag(f *pflag.FlagSet, stacks *[]string, what string) {
	f.StringArrayVar(stacks, "stack", nil, what+" only this `stack` (repeatable; default every stack of the env)")
}

func policyPackFlag(f *pflag.FlagSet, packs *[]string) {
	f.StringArrayVar(packs, "policy-pack", nil, "enforce the policy pack in this `dir`ectory (repeatable); ./policies runs with the env's committed config")
}

func breakLockFlag(f *pflag.FlagSet, breakLock *bool) {
	f.BoolVar(breakLock, "break-lock", false, "remove the env lock a dead process left, saying whose it was, before taking it")
}

// oneOf checks a positional argument against a fixed list.
func oneOf(what, value string, accepted []string) error {
	if slices.Contains(accepted, value) {
		return nil
	}
	return usagef("%s %q is unknown; accepted: %s", what, value, strings.Join(accepted, ", "))
}
