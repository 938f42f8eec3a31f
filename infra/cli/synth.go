package cli

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/video-platform/video-platform/infra/synth"
	"github.com/video-platform/video-platform/infra/workflow"
	"github.com/video-platform/video-platform/internal/render"
)

func newSynthCmd(inv *invocation) *cobra.Command {
	var (
		o          synth.Options
		sets       []string
		asJSON     bool
		out        string
		stackNames []string
		empty      bool
	)
	cmd := &cobra.Command{
		Use:   "synth <env>",
		Short: "Render an env offline: stacks, live colors, policy findings, cost estimate",
		Long: `Render an env offline: the real stack functions run under the Pulumi SDK's
mock monitor in dependency order. Prints each stack as a tree, a summary, the
live color per service, the policy findings and a monthly cost estimate.
Exits 1 on a mandatory policy violation. A config value the stacks refuse
exits 2; with --json the render is written all the same, holding only the
refused values (configErrors), so that a pull-request comment can lead with
them.`,
		Example: `  infra synth staging
  infra synth prod --json --out prod.json
  infra synth prod --set prod-dns:live.web=green --stack prod-dns`,
		GroupID:           groupOffline,
		Args:              exactArgs("<env>"),
		ValidArgsFunction: completeArgs(envs),
		RunE: func(_ *cobra.Command, args []string) error {
			o.Env, o.Stacks = args[0], stackNames
			var env render.Env
			var err error
			if empty {
				env, err = synth.Empty(o.Root, o.Env)
			} else {
				env, err = inv.render(o, sets)
			}
			if err != nil {
				// A render holding the refused values still goes out, so
				// that the pull-request comment can lead with what to fix.
				if asJSON && len(env.ConfigErrors) > 0 {
					if werr := writeJSON(out, env, inv.stdout); werr != nil {
						return errors.Join(err, werr)
					}
				}
				return err
			}
			if asJSON {
				err = writeJSON(out, env, inv.stdout)
			} else {
				var buf bytes.Buffer
				if err = synth.WriteText(&buf, env); err == nil {
					err = writeOut(out, buf.Bytes(), inv.stdout)
				}
			}
			if err != nil {
				return err
			}
			if n := synth.Mandatory(env); n > 0 {
				return exitError{code: workflow.ExitFailed, msg: fmt.Sprintf("%d mandatory policy violations in %s", n, env.Env)}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.BoolVar(&asJSON, "json", false, "write the JSON contract instead of text")
	f.StringVar(&out, "out", "", "write to this `file` instead of standard output")
	f.StringVar(&o.Root, "root", "", "repository root `dir`ectory holding Pulumi.yaml (default: found from the working directory)")
	f.StringVar(&o.PolicyConfig, "policy-config", "", "policy pack config `file` (default policies/config.<env>.json)")
	f.StringArrayVar(&stackNames, "stack", nil, "render only this `stack` (repeatable)")
	f.StringArrayVar(&sets, "set", nil, "override config: `stack:key=value` (repeatable)")
	f.BoolVar(&empty, "empty", false, "write the render of the env with no stacks (the base of a first preview)")
	completeFlag(cmd, "stack", envStacks)
	return cmd
}

// render renders o, finding the root when --root did not name it and
// applying the --set overrides.
func (inv *invocation) render(o synth.Options, sets []string) (render.Env, error) {
	if o.Root == "" {
		root, err := inv.root()
		if err != nil {
			return render.Env{}, err
		}
		o.Root = root
	}
	for _, s := range sets {
		set, err := synth.ParseSet(s)
		if err != nil {
			return render.Env{}, err
		}
		o.Sets = append(o.Sets, set)
	}
	return synth.Render(o)
}
