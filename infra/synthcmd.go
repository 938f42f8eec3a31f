package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/video-platform/video-platform/infra/diff"
	"github.com/video-platform/video-platform/infra/synth"
	"github.com/video-platform/video-platform/internal/render"
)

func synthCommand(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("synth", stderr)
	asJSON := fs.Bool("json", false, "write the JSON contract instead of text")
	out := fs.String("out", "", "write to this file instead of standard output")
	root := fs.String("root", "", "repository root holding Pulumi.yaml (default: found from the working directory)")
	policyConfig := fs.String("policy-config", "", "policy pack config (default policies/config.<env>.json)")
	empty := fs.Bool("empty", false, "write the render of the env with no stacks (the base of a first preview)")
	var stackNames, sets repeated
	fs.Var(&stackNames, "stack", "render only this stack (repeatable)")
	fs.Var(&sets, "set", "override config: <stack>:<key>=<value> (repeatable)")
	positional, err := parseInterleaved(fs, args)
	if err != nil {
		return 2
	}
	if len(positional) != 1 {
		fmt.Fprintf(stderr, "infra synth: expected one env (staging or prod), got %d arguments %q\n", len(positional), positional)
		return 2
	}
	if *root == "" {
		if *root, err = findRoot(); err != nil {
			fmt.Fprintf(stderr, "infra synth: %v\n", err)
			return 2
		}
	}
	opts := synth.Options{Root: *root, Env: positional[0], Stacks: stackNames, PolicyConfig: *policyConfig}
	for _, s := range sets {
		set, err := synth.ParseSet(s)
		if err != nil {
			fmt.Fprintf(stderr, "infra synth: %v\n", err)
			return 2
		}
		opts.Sets = append(opts.Sets, set)
	}
	var env render.Env
	if *empty {
		env, err = synth.Empty(positional[0])
	} else {
		env, err = synth.Render(opts)
	}
	if err != nil {
		fmt.Fprintf(stderr, "infra synth: %v\n", err)
		code := 1
		if synth.IsUsage(err) {
			code = 2
		}
		// A render holding the refused values still goes out, so that the
		// pull-request comment can lead with what to fix.
		if *asJSON && len(env.ConfigErrors) > 0 {
			if werr := writeJSON(*out, env, stdout); werr != nil {
				fmt.Fprintf(stderr, "infra synth: %v\n", werr)
			}
		}
		return code
	}
	if *asJSON {
		err = writeJSON(*out, env, stdout)
	} else {
		var buf bytes.Buffer
		if err = synth.WriteText(&buf, env); err == nil {
			err = writeOut(*out, buf.Bytes(), stdout)
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "infra synth: %v\n", err)
		return 1
	}
	if n := synth.Mandatory(env); n > 0 {
		fmt.Fprintf(stderr, "infra synth: %d mandatory policy violations in %s\n", n, env.Env)
		return 1
	}
	return 0
}

func writeJSON(path string, env render.Env, stdout io.Writer) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	if err := enc.Encode(env); err != nil {
		return err
	}
	return writeOut(path, buf.Bytes(), stdout)
}

func writeOut(path string, data []byte, stdout io.Writer) error {
	if path == "" {
		_, err := stdout.Write(data)
		return err
	}
	return os.WriteFile(path, data, 0o644) //nolint:gosec // renders and PR comments hold no secrets and are shared with CI steps and reviewers
}

func diffCommand(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("diff", stderr)
	markdown := fs.Bool("markdown", false, "write a pull-request comment")
	limit := fs.Int("limit", diff.DefaultLimit, "the markdown's character limit")
	failOnViolations := fs.Bool("fail-on-violations", false, "exit 1 when the new render has mandatory violations")
	out := fs.String("out", "", "write to this file instead of standard output")
	positional, err := parseInterleaved(fs, args)
	if err != nil {
		return 2
	}
	if len(positional) != 2 {
		fmt.Fprintf(stderr, "infra diff: expected <old.json> <new.json>, got %q\n", positional)
		return 2
	}
	var renders [2]render.Env
	for i, path := range positional {
		data, err := os.ReadFile(path) //nolint:gosec // the operator names the render files to compare on the command line
		if err != nil {
			fmt.Fprintf(stderr, "infra diff: %v\n", err)
			return 2
		}
		if err := json.Unmarshal(data, &renders[i]); err != nil {
			fmt.Fprintf(stderr, "infra diff: %s is not an `infra synth --json` render: %v\n", path, err)
			return 2
		}
	}
	if err := diff.CheckSchema(renders[0], renders[1]); err != nil {
		fmt.Fprintf(stderr, "infra diff: %s and %s: %v\n", positional[0], positional[1], err)
		return 2
	}
	report := diff.Compare(renders[0], renders[1])
	text := diff.Text(report)
	if *markdown {
		text = diff.Markdown(report, *limit)
	}
	if err := writeOut(*out, []byte(text), stdout); err != nil {
		fmt.Fprintf(stderr, "infra diff: %v\n", err)
		return 1
	}
	if *failOnViolations && synth.Mandatory(renders[1]) > 0 {
		fmt.Fprintf(stderr, "infra diff: the new render has %d mandatory policy violations\n", synth.Mandatory(renders[1]))
		return 1
	}
	return 0
}
