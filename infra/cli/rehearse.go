package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/video-platform/video-platform/infra/engine"
	"github.com/video-platform/video-platform/infra/rehearse"
	"github.com/video-platform/video-platform/infra/workflow"
)

func newRehearseCmd(inv *invocation) *cobra.Command {
	var (
		o             rehearse.Options
		asJSON, known bool
		verbose       bool
	)
	cmd := &cobra.Command{
		Use:   "rehearse <env>",
		Short: "Run the runbook end to end under the real Pulumi engine against a stand-in AWS",
		Long: `Run the runbook end to end under the real Pulumi engine, with a stand-in AWS
on this machine, and judge after every step from the stand-in's state that
traffic is never stranded. Needs a Pulumi CLI (PULUMI_CLI, .cache/pulumi-cli
from .ci/pulumi-cli.sh, or pulumi on PATH), no AWS account.

Exits 0 when every scenario held (or, with --known-failing, failed exactly as
the known-failing list says), 1 when one failed, 2 on bad usage or no Pulumi
CLI.`,
		Example: `  infra rehearse prod
  infra rehearse staging --faults --json
  infra rehearse prod --scenario swap-update-fails-new-record --keep /tmp/reh -v`,
		GroupID:           groupRehearsal,
		Args:              exactArgs("<env>"),
		ValidArgsFunction: completeArgs(envs),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Env = args[0]
			if o.Parallel < 1 {
				return usagef("--parallel %d; accepted: 1 or more", o.Parallel)
			}
			root, err := inv.root()
			if err != nil {
				return err
			}
			o.Root = root
			if _, err := rehearse.Select(o); err != nil {
				return err
			}
			pulumiCLI, err := engine.FindCLI(root)
			if err != nil {
				return exitError{code: workflow.ExitUsage, msg: fmt.Sprintf("%v\nbuild one with .ci/pulumi-cli.sh (a few minutes, once)", err)}
			}
			self, err := os.Executable()
			if err != nil {
				return fmt.Errorf("find the infra binary for second-operator scenarios: %w", err)
			}
			o.Root, o.CLI, o.Infra, o.Run = root, pulumiCLI, self, Execute
			o.Log = io.Discard
			if verbose {
				o.Log = inv.stderr
			}
			rep, err := rehearse.Run(cmd.Context(), o)
			if err != nil {
				return err
			}
			if asJSON {
				enc := json.NewEncoder(inv.stdout)
				enc.SetIndent("", "  ")
				if err := enc.Encode(rep); err != nil {
					return err
				}
			} else {
				printRehearsal(inv.stdout, rep)
			}
			unexpected := rep.Unexpected()
			switch {
			case known && len(unexpected) == 0:
				return nil
			case known:
				return exitError{code: workflow.ExitFailed, msg: strings.Join(unexpected, "; ")}
			case !rep.OK:
				return exitError{code: workflow.ExitFailed}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringArrayVar(&o.Scenarios, "scenario", nil, "run only this `scenario` (repeatable): "+strings.Join(rehearse.ScenarioNames(), ", "))
	f.BoolVar(&o.Faults, "faults", false, "run the fault matrix instead of the default run")
	f.BoolVar(&asJSON, "json", false, "write the report as JSON")
	f.StringVar(&o.Project, "project", "", "read Pulumi.yaml and the stack files from this `dir`ectory instead of the repository root, such as a copy that declares another env or service")
	f.StringVar(&o.Keep, "keep", "", "keep the workspace, state and stand-in store in this `dir`ectory")
	f.BoolVar(&known, "known-failing", false, "let the scenarios on the known-failing list fail without failing the run; one of them passing fails it")
	f.BoolVarP(&verbose, "verbose", "v", false, "print every step's output while running")
	f.IntVar(&o.Parallel, "parallel", 2, "`n` fault scenarios run side by side, each on its own copy of the deployed env")
	// -v was the flag's whole name before, so --v still means --verbose.
	f.SetNormalizeFunc(func(_ *pflag.FlagSet, name string) pflag.NormalizedName {
		if name == "v" {
			return "verbose"
		}
		return pflag.NormalizedName(name)
	})
	completeFlag(cmd, "scenario", func([]string) []string { return rehearse.ScenarioNames() })
	return cmd
}

func printRehearsal(w io.Writer, rep *rehearse.Report) {
	fmt.Fprintf(w, "rehearsal of %s on Pulumi %s, stand-in AWS\n\n", rep.Env, rep.Engine)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "STACK\tRESULT\tSECONDS")
	for _, s := range rep.Stacks {
		fmt.Fprintf(tw, "%s\t%s\t%.1f\n", s.Name, s.Result, s.Seconds)
	}
	_ = tw.Flush()
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SCENARIO\tRESULT\tSECONDS\tFAILED INVARIANT")
	passed, failed := 0, 0
	for _, s := range rep.Scenarios {
		result := "pass"
		if !s.OK {
			result = "FAIL"
			failed++
		} else {
			passed++
		}
		if s.KnownFailing != "" {
			issue, _, _ := strings.Cut(s.KnownFailing, ":")
			result += " (known failing, " + issue + ")"
		}
		var bad []string
		for _, inv := range s.Invariants {
			if !inv.OK {
				bad = append(bad, inv.Name+": "+inv.Detail)
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%.1f\t%s\n", s.Name, result, s.Seconds, strings.Join(bad, " | "))
	}
	_ = tw.Flush()
	// Not "N passed, N failed": CI reads that shape as a test runner's verdict.
	fmt.Fprintf(w, "\n%d scenarios in %.0f s: %d held every invariant, %d broke one\n", passed+failed, rep.Seconds, passed, failed)
	if rep.Workspace != "" {
		fmt.Fprintf(w, "workspace kept in %s\n", rep.Workspace)
	}
}
