package cli

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/video-platform/video-platform/infra/awscheck"
	"github.com/video-platform/video-platform/infra/engine"
	"github.com/video-platform/video-platform/infra/workflow"
)

// offlineDeps are collaborators that fail when used, so a test proves a
// command line was refused before it reached Pulumi or AWS.
func offlineDeps(t *testing.T) workflow.Deps {
	root := t.TempDir()
	// The project and its stack files, which the commands hold to the
	// topology before anything else.
	files, err := filepath.Glob("../../Pulumi*.yaml")
	if err != nil || len(files) < 2 {
		t.Fatalf("the repository's Pulumi.yaml and stack files: %v", err)
	}
	for _, f := range files {
		data, err := os.ReadFile(f) //nolint:gosec // the repository's own files
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, filepath.Base(f)), data, 0o600); err != nil { //nolint:gosec // G703 taints the copied contents; the path is under t.TempDir()
			t.Fatal(err)
		}
	}
	return workflow.Deps{
		Root:   root,
		Pulumi: func(context.Context) (engine.Pulumi, error) { return nil, errors.New("no Pulumi in this test") },
		AWS: func(context.Context, string) (awscheck.Checks, error) {
			return awscheck.Checks{}, errors.New("no AWS in this test")
		},
	}
}

func execute(t *testing.T, deps workflow.Deps, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := Execute(context.Background(), args, deps, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func TestHelpGoesToStdoutAndExitsZero(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"-h"}, {"help"}, {"help", "swap"}, {"swap", "--help"}, {"swap", "-h"}, {"swap", "prod", "web", "--help"}} {
		code, out, errOut := execute(t, offlineDeps(t), args...)
		assert.Equal(t, 0, code, "%s exits 0", strings.Join(args, " "))
		assert.Empty(t, errOut, "%s writes nothing to stderr", strings.Join(args, " "))
		assert.Contains(t, out, "Usage:", "%s prints usage on stdout", strings.Join(args, " "))
	}
	_, out, _ := execute(t, offlineDeps(t), "help", "swap")
	_, same, _ := execute(t, offlineDeps(t), "swap", "--help")
	assert.Equal(t, same, out, "help swap and swap --help are one text")
	assert.Contains(t, out, "infra swap <env> <service> [flags]", "the usage line")
	for _, flag := range []string{"--to color", "--canary percent", "--allow-smaller", "--dry-run", "--break-lock"} {
		assert.Contains(t, out, flag, "generated from the flag definitions")
	}
}

func TestRootHelpListsEveryCommandOnce(t *testing.T) {
	_, out, _ := execute(t, offlineDeps(t), "--help")
	for _, name := range []string{"synth", "diff", "rehearse", "preview", "up", "destroy", "swap", "rollback", "retire", "roll", "status", "completion", "help"} {
		assert.Regexp(t, `(?m)^  `+name+` +\S`, out, "%s is listed", name)
	}
	assert.Contains(t, out, "Exit codes: 0 ok, 1 mandatory policy violation or failed operation, 2 bad\nusage or config, 3 phantom groups found (status).", "the exit codes")
	assert.Less(t, strings.Index(out, "Offline"), strings.Index(out, "Deploy workflow"), "grouped by what they need")
	assert.Less(t, strings.Index(out, "  preview"), strings.Index(out, "  status"), "in the workflow's order")
}

func TestNoArgumentsIsUsageOnStderr(t *testing.T) {
	code, out, errOut := execute(t, offlineDeps(t))
	assert.Equal(t, workflow.ExitUsage, code, "exit 2")
	assert.Empty(t, out, "nothing on stdout")
	assert.Contains(t, errOut, "Usage:\n  infra [command]", "usage on stderr")
	assert.Contains(t, errOut, "swap", "lists the commands")
}

func TestUsageErrorsGoToStderrWithExitTwo(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"deploy"}, `infra: unknown command "deploy"`},
		{[]string{"stauts", "prod"}, `unknown command "stauts"; did you mean status?`},
		{[]string{"--bogus"}, "infra: unknown flag: --bogus"},
		{[]string{"up"}, "infra up: expects <env>; got no arguments"},
		{[]string{"up", "prod", "staging"}, `expects <env>; got 2 arguments: "prod", "staging"`},
		{[]string{"up", "qa"}, `infra up: env "qa" is not declared; declared envs: prod, staging`},
		{[]string{"up", "prod", "--stack", "staging-dns"}, `--stack "staging-dns" is not a stack of env prod`},
		{[]string{"up", "prod", "--force"}, "unknown flag: --force"},
		{[]string{"up", "prod", "--bogus"}, "infra up: unknown flag: --bogus"},
		{[]string{"preview", "prod", "--break-lock"}, "unknown flag: --break-lock"},
		{[]string{"destroy", "prod", "--policy-pack", "policies"}, "unknown flag: --policy-pack"},
		{[]string{"swap", "prod"}, `expects <env> <service>; got 1 argument: "prod"`},
		{[]string{"swap", "prod", "api"}, `service "api" is not declared; declared blue-green services: recorder, web`},
		{[]string{"swap", "prod", "web", "--to", "red"}, `--to "red" is not a color; accepted: blue, green`},
		{[]string{"swap", "prod", "web", "--to"}, "flag needs an argument: --to"},
		{[]string{"swap", "prod", "web", "--canary", "150"}, "--canary 150 is out of range; accepted 0..100"},
		{[]string{"swap", "prod", "web", "--canary", "ten"}, `invalid argument "ten" for "--canary" flag: not a whole number; accepted 0..100`},
		{[]string{"swap", "prod", "web", "--force"}, "unknown flag: --force"},
		{[]string{"rollback", "prod", "web", "--to", "blue"}, "unknown flag: --to"},
		{[]string{"retire", "prod", "web"}, "expects <env> <service> <color>"},
		{[]string{"retire", "prod", "web", "purple"}, `color "purple" is not a color; accepted: blue, green`},
		{[]string{"retire", "prod", "web", "green", "--quiet-for", "10s"}, "--quiet-for 10s is too short"},
		{[]string{"retire", "prod", "web", "green", "--min-wait", "soon"}, `invalid argument "soon" for "--min-wait" flag`},
		{[]string{"roll", "prod", "web", "--release", "r3"}, "only the transcoder fleet rolls"},
		{[]string{"roll", "prod", "transcoders"}, "--release is required"},
		{[]string{"status"}, "status takes one or more envs; accepted: prod, staging"},
		{[]string{"status", "prod", "qa"}, `env "qa" is not declared; declared envs: prod, staging`},
		{[]string{"rehearse", "qa"}, `env "qa" is not declared; declared envs: prod, staging`},
		{[]string{"rehearse", "prod", "--scenario", "nope"}, `scenario "nope" is unknown`},
		{[]string{"rehearse", "prod", "--parallel", "0"}, "--parallel 0; accepted: 1 or more"},
		{[]string{"synth"}, "infra synth: expects <env>; got no arguments"},
		{[]string{"diff", "old.json"}, `expects <old.json> <new.json>; got 1 argument: "old.json"`},
		{[]string{"help", "nope"}, `no help for "nope"`},
		{[]string{"completion", "tcsh"}, `shell "tcsh" is unknown; accepted: bash, zsh, fish`},
	}
	for _, c := range cases {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			code, out, errOut := execute(t, offlineDeps(t), c.args...)
			assert.Equal(t, workflow.ExitUsage, code, "a usage error: %s", errOut)
			assert.Empty(t, out, "nothing on stdout")
			assert.Contains(t, errOut, c.want, "names the problem")
			assert.Contains(t, errOut, "--help' for usage.", "points to the help")
			assert.NotContains(t, errOut, "[", "no Go slice formatting")
		})
	}
}

// A failed operation reports its own exit code, after the command's name.
func TestWorkflowErrorsKeepTheirExitCodes(t *testing.T) {
	code, out, errOut := execute(t, offlineDeps(t), "swap", "prod", "web")
	assert.Equal(t, workflow.ExitFailed, code, "refused: %s", out)
	assert.Contains(t, errOut, "infra swap: swap refused: ", "a refusal names the command")
	assert.Contains(t, errOut, "no Pulumi in this test", "and the cause")
	assert.NotContains(t, errOut, "--help", "no usage hint for a failed operation")

	code, _, errOut = execute(t, offlineDeps(t), "status", "prod")
	assert.Equal(t, workflow.ExitFailed, code, "failed reads exit 1: %s", errOut)
	assert.Regexp(t, `infra status: \d+ read\(s\) failed; the tables are incomplete\n$`, errOut, "says the tables are incomplete")
}

// The flags reach the workflow's typed options: a dry run shows the
// config change they ask for.
func TestFlagsReachTheWorkflow(t *testing.T) {
	deps := offlineDeps(t)
	var sets []string
	deps.DryRun = func(_ string, s []string) (string, error) { sets = s; return "diff\n", nil }
	code, out, errOut := execute(t, deps, "swap", "--canary", "5", "prod", "recorder", "--dry-run", "--to", "green")
	require.Equal(t, 0, code, "dry run: %s", errOut)
	assert.Equal(t, []string{"prod-dns:canary.recorder=5"}, sets, "flags before and after the arguments")
	assert.Contains(t, out, "dry run: prod-dns:canary.recorder=5", "prints the change")

	code, _, errOut = execute(t, deps, "swap", "prod", "web", "--to=green", "--dry-run")
	require.Equal(t, 0, code, "dry run: %s", errOut)
	assert.Equal(t, []string{"prod-dns:live.web=green"}, sets, "--flag=value")
}

func TestAPanicIsAnInternalErrorNotACrash(t *testing.T) {
	deps := offlineDeps(t)
	deps.Pulumi = func(context.Context) (engine.Pulumi, error) { panic("a bug") }
	code, _, errOut := execute(t, deps, "swap", "prod", "web")
	assert.Equal(t, workflow.ExitFailed, code, "exit 1")
	assert.Equal(t, "infra: internal error: a bug\n", errOut, "one line, no trace")
}

func TestCompletionScripts(t *testing.T) {
	for shell, want := range map[string]string{"bash": "# bash completion V2 for infra", "zsh": "#compdef infra", "fish": "# fish completion for infra"} {
		code, out, errOut := execute(t, offlineDeps(t), "completion", shell)
		require.Equal(t, 0, code, "completion %s: %s", shell, errOut)
		assert.True(t, strings.HasPrefix(out, want), "a %s script: %.60q", shell, out)
	}
}

func TestCompletionOfArgumentsAndFlags(t *testing.T) {
	cases := []struct {
		args []string
		want []string
	}{
		{[]string{"__complete", "swap", ""}, []string{"staging", "prod"}},
		{[]string{"__complete", "swap", "prod", ""}, []string{"recorder", "web"}},
		{[]string{"__complete", "retire", "prod", "web", ""}, []string{"blue", "green"}},
		{[]string{"__complete", "swap", "prod", "web", "--to", ""}, []string{"blue", "green"}},
		{[]string{"__complete", "up", "prod", "--stack", ""}, []string{"prod", "prod-dns"}},
		{[]string{"__complete", "roll", "prod", ""}, []string{"transcoders"}},
		{[]string{"__complete", "rehearse", "prod", "--scenario", ""}, []string{"swap", "destroy-idle-copy-then-swap"}},
	}
	for _, c := range cases {
		code, out, errOut := execute(t, offlineDeps(t), c.args...)
		require.Equal(t, 0, code, "%s: %s", strings.Join(c.args, " "), errOut)
		lines := strings.Split(strings.TrimSpace(out), "\n")
		for _, w := range c.want {
			assert.Contains(t, lines, w, "%s completes %s", strings.Join(c.args[1:], " "), w)
		}
	}
}
