package cli

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/video-platform/video-platform/infra/diff"
	"github.com/video-platform/video-platform/infra/synth"
	"github.com/video-platform/video-platform/infra/workflow"
	"github.com/video-platform/video-platform/internal/render"
)

func newDiffCmd(inv *invocation) *cobra.Command {
	var (
		markdown, failOnViolations bool
		limit                      int
		out                        string
	)
	cmd := &cobra.Command{
		Use:     "diff <old.json> <new.json>",
		Short:   "Compare two `infra synth --json` renders, as text or a pull-request comment",
		Example: `  infra diff old.json new.json --markdown --out comment.md`,
		GroupID: groupOffline,
		Args:    exactArgs("<old.json>", "<new.json>"),
		RunE: func(_ *cobra.Command, args []string) error {
			var renders [2]render.Env
			for i, path := range args {
				data, err := os.ReadFile(path) //nolint:gosec // the operator names the render files to compare on the command line
				if err != nil {
					return exitError{code: workflow.ExitUsage, msg: err.Error()}
				}
				if err := json.Unmarshal(data, &renders[i]); err != nil {
					return exitError{code: workflow.ExitUsage, msg: fmt.Sprintf("%s is not an `infra synth --json` render: %v", path, err)}
				}
			}
			if err := diff.CheckSchema(renders[0], renders[1]); err != nil {
				return exitError{code: workflow.ExitUsage, msg: fmt.Sprintf("%s and %s: %v", args[0], args[1], err)}
			}
			report := diff.Compare(renders[0], renders[1])
			text := diff.Text(report)
			if markdown {
				text = diff.Markdown(report, limit)
			}
			if err := writeOut(out, []byte(text), inv.stdout); err != nil {
				return err
			}
			if n := synth.Mandatory(renders[1]); failOnViolations && n > 0 {
				return exitError{code: workflow.ExitFailed, msg: fmt.Sprintf("the new render has %d mandatory policy violations", n)}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.BoolVar(&markdown, "markdown", false, "write a pull-request comment")
	f.IntVar(&limit, "limit", diff.DefaultLimit, "the markdown's `characters` limit")
	f.BoolVar(&failOnViolations, "fail-on-violations", false, "exit 1 when the new render has mandatory violations")
	f.StringVar(&out, "out", "", "write to this `file` instead of standard output")
	return cmd
}
