package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/video-platform/video-platform/infra/diff"
	"github.com/video-platform/video-platform/infra/engine"
	"github.com/video-platform/video-platform/infra/synth"
	"github.com/video-platform/video-platform/infra/workflow"
	"github.com/video-platform/video-platform/stacks"
)

// invocation is one Execute: where output goes, the deploy workflow's
// collaborators, and whether the command line parsed.
type invocation struct {
	deps           workflow.Deps
	stdout, stderr io.Writer
	// isTerminal says whether w is a terminal, for color.
	isTerminal func(w io.Writer) bool
	// started is set once cobra has parsed the command line and is about
	// to run a command.
	started bool
}

// root is the repository root: the one the deps name, or the checkout
// around the working directory.
func (inv *invocation) root() (string, error) {
	if inv.deps.Root != "" {
		return inv.deps.Root, nil
	}
	root, err := findRoot()
	if err != nil {
		return "", exitError{code: workflow.ExitUsage, msg: err.Error()}
	}
	return root, nil
}

// workflow is the deploy workflow on workflowDeps. Nothing is opened yet:
// `swap --dry-run` needs no credentials.
func (inv *invocation) workflow() (*workflow.Workflow, error) {
	deps, err := inv.workflowDeps()
	if err != nil {
		return nil, err
	}
	return workflow.NewWorkflow(deps, inv.stdout, inv.stderr), nil
}

// workflowDeps are the invocation's deps, or the real collaborators when
// they name no root, with infra's color decision unless they bring one.
func (inv *invocation) workflowDeps() (workflow.Deps, error) {
	deps := inv.deps
	if deps.Root == "" {
		root, err := inv.root()
		if err != nil {
			return workflow.Deps{}, err
		}
		deps = realDeps(root)
	}
	if deps.Color == nil {
		deps.Color = inv.color
	}
	return deps, nil
}

// realDeps runs the deploy workflow against the real Pulumi CLI and AWS,
// with the offline synth answering `swap --dry-run`.
func realDeps(root string) workflow.Deps {
	deps := workflow.DefaultDeps(root)
	// The stacks run inside infra through the Automation API: no
	// pulumi-language-go and no program build are needed, and every stack
	// runs the code this binary was built from.
	deps.Pulumi = func(ctx context.Context) (engine.Pulumi, error) {
		return engine.Engine{Root: root, Program: stacks.Main}.Open(ctx)
	}
	deps.DryRun = func(env string, sets []string) (string, error) { return dryRun(root, env, sets) }
	return deps
}

// dryRun shows what a config change would do, rendered offline: the same
// synth and diff that pull requests get, without credentials.
func dryRun(root, env string, sets []string) (string, error) {
	var overrides []synth.Set
	for _, s := range sets {
		set, err := synth.ParseSet(s)
		if err != nil {
			return "", err
		}
		overrides = append(overrides, set)
	}
	before, err := synth.Render(synth.Options{Root: root, Env: env})
	if err != nil {
		return "", fmt.Errorf("rendering %s as committed: %w", env, err)
	}
	after, err := synth.Render(synth.Options{Root: root, Env: env, Sets: overrides})
	if err != nil {
		return "", fmt.Errorf("rendering %s with %s: %w", env, strings.Join(sets, " "), err)
	}
	return diff.Text(diff.Compare(before, after)), nil
}

// findRoot walks up from the working directory to the Pulumi project, so
// `infra` works from any folder of the checkout.
func findRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "Pulumi.yaml")); err == nil {
			return dir, nil
		} else if !errors.Is(err, os.ErrNotExist) {
			return "", err
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no Pulumi.yaml in this directory or any parent; run infra inside the video-platform checkout")
		}
		dir = parent
	}
}

// runWorkflow is the RunE of a deploy command: it makes the workflow
// (which opens nothing yet) and runs do on it with the command's context
// and arguments.
func (inv *invocation) runWorkflow(do func(ctx context.Context, w *workflow.Workflow, args []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		w, err := inv.workflow()
		if err != nil {
			return err
		}
		return do(cmd.Context(), w, args)
	}
}
