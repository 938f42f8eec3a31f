package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/video-platform/video-platform/infra/deploy"
	"github.com/video-platform/video-platform/infra/rehearse"
	"github.com/video-platform/video-platform/internal/topology"
)

// rehearseCommand runs the runbook under the real Pulumi engine against the
// stand-in AWS. Exit codes: 0 every scenario passed (or, with
// --known-failing, failed exactly as the known-failing list says), 1 a
// scenario failed, 2 bad usage or no Pulumi CLI.
func rehearseCommand(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("rehearse", stderr)
	asJSON := fs.Bool("json", false, "write the report as JSON")
	faults := fs.Bool("faults", false, "run the fault matrix instead of the default run")
	keep := fs.String("keep", "", "keep the workspace, state and stand-in store in this directory")
	known := fs.Bool("known-failing", false, "let the scenarios on the known-failing list fail without failing the run; one of them passing fails it")
	verbose := fs.Bool("v", false, "print every step's output while running")
	parallel := fs.Int("parallel", 2, "fault scenarios run side by side, each on its own copy of the deployed env")
	var scenarios repeated
	fs.Var(&scenarios, "scenario", "run only this scenario (repeatable): "+strings.Join(rehearse.ScenarioNames(), ", "))
	positional, err := parseInterleaved(fs, args)
	if err != nil {
		return 2
	}
	if len(positional) != 1 || !slices.Contains(topology.Envs, positional[0]) {
		fmt.Fprintf(stderr, "infra rehearse: expected one env, got %q; accepted: %s\n", positional, strings.Join(topology.Envs, ", "))
		return 2
	}
	root, err := findRoot()
	if err != nil {
		fmt.Fprintf(stderr, "infra rehearse: %v\n", err)
		return 2
	}
	cli, err := deploy.FindCLI(root)
	if err != nil {
		fmt.Fprintf(stderr, "infra rehearse: %v\nbuild one with .ci/pulumi-cli.sh (a few minutes, once)\n", err)
		return 2
	}
	if *parallel < 1 {
		fmt.Fprintf(stderr, "infra rehearse: --parallel %d; accepted: 1 or more\n", *parallel)
		return 2
	}
	log := io.Discard
	if *verbose {
		log = stderr
	}
	self, err := os.Executable()
	if err != nil {
		fmt.Fprintf(stderr, "infra rehearse: find the infra binary for second-operator scenarios: %v\n", err)
		return 1
	}
	opts := rehearse.Options{Infra: self, Root: root, Env: positional[0], Scenarios: scenarios, Faults: *faults, Keep: *keep, CLI: cli, Log: log, Parallel: *parallel}
	if _, err := rehearse.Select(opts); err != nil {
		fmt.Fprintf(stderr, "infra rehearse: %v\n", err)
		return 2
	}
	rep, err := rehearse.Run(ctx, opts)
	if err != nil {
		fmt.Fprintf(stderr, "infra rehearse: %v\n", err)
		if errors.Is(err, rehearse.ErrUsage) {
			return 2
		}
		return 1
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			fmt.Fprintf(stderr, "infra rehearse: %v\n", err)
			return 1
		}
	} else {
		printRehearsal(stdout, rep)
	}
	unexpected := rep.Unexpected()
	switch {
	case *known && len(unexpected) == 0:
		return 0
	case *known:
		fmt.Fprintf(stderr, "infra rehearse: %s\n", strings.Join(unexpected, "; "))
		return 1
	case !rep.OK:
		return 1
	}
	return 0
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
