package asgpool

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const hostile = `a'b $(rm -rf /) "c" ` + "`d`" + ` $HOME \ ; e`

func baseParams() UserDataParams {
	return UserDataParams{
		ImageRepositoryURL:  repoURL,
		Release:             "v1.4.2",
		LogGroupName:        "/video-platform/prod/web-blue-0001",
		ContainerPort:       8080,
		Environment:         map[string]string{"QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/1/jobs", "MODE": "web"},
		HeartbeatSeconds:    3600,
		DrainTimeoutSeconds: 3540,
	}
}

func TestShellQuoteRoundTripsThroughBash(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("bash is not installed")
	}
	for _, v := range []string{"", "plain", "a'b", "''", hostile, "line1\nline2", "tab\there", "*", "~root", "-n"} {
		cmd := exec.Command(bash, "-c", "printf '%s' "+shellQuote(v)) //nolint:gosec // the test builds the bash command from its own fixed inputs
		out, err := cmd.Output()
		require.NoError(t, err, "bash runs the quoted word %q", v)
		assert.Equal(t, v, string(out), "bash reads back exactly %q", v)
	}
	assert.Equal(t, `'a'\''b'`, shellQuote("a'b"), "single quotes are closed, escaped and reopened")
}

func TestRenderUserDataQuotesHostileValues(t *testing.T) {
	p := baseParams()
	p.ImageRepositoryURL = "registry.example/" + strings.ReplaceAll(hostile, " ", "")
	p.LogGroupName = hostile
	p.Environment = map[string]string{"EVIL": hostile}
	script, err := RenderUserData(p)
	require.NoError(t, err, "render")
	assert.Contains(t, script, "LOG_GROUP="+shellQuote(hostile)+"\n", "log group is one quoted word")
	assert.Contains(t, script, "printf '%s\\n' "+shellQuote("EVIL="+hostile)+` >>"${STATE_DIR}/app.env"`, "env line is one quoted word")
	assert.Contains(t, script, "IMAGE="+shellQuote(p.ImageRepositoryURL+":v1.4.2")+"\n", "image is one quoted word")
	assert.NotContains(t, script, "\n$(rm", "no command substitution escapes its quotes")

	// The assignment lines must give bash back exactly the hostile values.
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("bash is not installed")
	}
	var assigns []string
	for _, line := range strings.Split(script, "\n") {
		if strings.HasPrefix(line, "IMAGE=") || strings.HasPrefix(line, "LOG_GROUP=") {
			assigns = append(assigns, line)
		}
	}
	require.Len(t, assigns, 2, "both assignments found")
	out, err := exec.Command(bash, "-c", strings.Join(assigns, "\n")+"\nprintf '%s\\n%s' \"$IMAGE\" \"$LOG_GROUP\"").Output() //nolint:gosec // the test runs bash on the script it just rendered from fixed inputs
	require.NoError(t, err, "bash evaluates the assignments")
	assert.Equal(t, p.ImageRepositoryURL+":v1.4.2\n"+hostile, string(out), "values survive bash unchanged")
}

func TestRenderUserDataWithoutHookOrPort(t *testing.T) {
	p := baseParams()
	p.HeartbeatSeconds, p.DrainTimeoutSeconds, p.ContainerPort = 0, 0, 0
	p.Environment = nil
	script, err := RenderUserData(p)
	require.NoError(t, err, "render")
	assert.NotContains(t, script, "vp-drain", "no watcher")
	assert.NotContains(t, script, "complete-lifecycle-action", "no hook to complete")
	assert.NotContains(t, script, "--publish", "no port")
	assert.NotContains(t, script, `>>"${STATE_DIR}/app.env"`, "empty env file")
	assert.Contains(t, script, "--env-file", "env file still passed")
}

func TestRenderUserDataDrainWatcher(t *testing.T) {
	script, err := RenderUserData(baseParams())
	require.NoError(t, err, "render")
	drain := drainScript(t, script)
	assert.Contains(t, drain, "meta-data/autoscaling/target-lifecycle-state", "polls the target lifecycle state")
	assert.Contains(t, drain, `"${state}" = "Terminated"`, "waits for Terminated")
	assert.Contains(t, drain, `docker stop --time "${DRAIN_TIMEOUT}" "${CONTAINER_NAME}"`, "SIGTERM with the drain timeout")
	assert.Contains(t, drain, "aws autoscaling record-lifecycle-action-heartbeat", "records heartbeats")
	assert.Contains(t, drain, "aws autoscaling complete-lifecycle-action", "completes the action")
	assert.Contains(t, drain, "--lifecycle-action-result CONTINUE", "continues the termination")
	assert.Contains(t, drain, "tags/instance/aws:autoscaling:groupName", "group name from instance tags")
	assert.Contains(t, drain, "describe-auto-scaling-instances", "API fallback for the group name")
	assert.Contains(t, script, "printf 'HOOK_NAME=%q\\n' 'drain'", "hook name matches the group's hook")
	assert.Contains(t, script, "printf 'DRAIN_TIMEOUT=%q\\n' 3540", "drain timeout")
	assert.Contains(t, script, "printf 'HEARTBEAT_INTERVAL=%q\\n' 300", "heartbeat interval capped at 5 minutes")
	assert.Contains(t, script, "systemctl enable --now vp-drain.service", "watcher runs as a systemd unit")

	assert.Equal(t, 10, heartbeatInterval(30), "short heartbeat: every 10 s")
	assert.Equal(t, 100, heartbeatInterval(300), "a third of the window")
	assert.Equal(t, 300, heartbeatInterval(7200), "capped")
}

func TestRenderUserDataRejectsBadParams(t *testing.T) {
	cases := []struct {
		name  string
		edit  func(p *UserDataParams)
		field string
	}{
		{"no url", func(p *UserDataParams) { p.ImageRepositoryURL = "" }, "ImageRepositoryURL:"},
		{"url with newline", func(p *UserDataParams) { p.ImageRepositoryURL = "a\nb" }, "ImageRepositoryURL:"},
		{"bad release", func(p *UserDataParams) { p.Release = "a b" }, "Release:"},
		{"no log group", func(p *UserDataParams) { p.LogGroupName = "" }, "LogGroupName:"},
		{"bad port", func(p *UserDataParams) { p.ContainerPort = -1 }, "ContainerPort:"},
		{"bad env key", func(p *UserDataParams) { p.Environment = map[string]string{"A-B": "x"} }, "Environment:"},
		{"multi-line env value", func(p *UserDataParams) { p.Environment = map[string]string{"A": "x\ny"} }, "Environment:"},
		{"bad heartbeat", func(p *UserDataParams) { p.HeartbeatSeconds = 10 }, "HeartbeatSeconds:"},
		{"drain beyond heartbeat", func(p *UserDataParams) { p.DrainTimeoutSeconds = 3601 }, "DrainTimeoutSeconds:"},
		{"ready timeout too short", func(p *UserDataParams) { p.ReadyTimeoutSeconds, p.HealthPort, p.HealthPath = 30, 8081, "/healthz" }, "ReadyTimeoutSeconds:"},
		{"health path with a quote", func(p *UserDataParams) { p.ReadyTimeoutSeconds, p.HealthPort, p.HealthPath = 600, 8081, "/x'y" }, "HealthPath:"},
		{"no health port", func(p *UserDataParams) { p.ReadyTimeoutSeconds, p.HealthPath = 600, "/healthz" }, "HealthPort:"},
		{"too large", func(p *UserDataParams) { p.Environment = map[string]string{"BIG": strings.Repeat("x", 17000)} }, "user data:"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := baseParams()
			tc.edit(&p)
			_, err := RenderUserData(p)
			require.Error(t, err, "rejected")
			assert.Contains(t, err.Error(), tc.field, "names the field")
		})
	}
}

// drainScript extracts the watcher written through the quoted heredoc, which
// shellcheck would otherwise see only as text.
func drainScript(t *testing.T, script string) string {
	t.Helper()
	_, rest, ok := strings.Cut(script, "<<'DRAIN'\n")
	require.True(t, ok, "drain heredoc starts")
	body, _, ok := strings.Cut(rest, "\nDRAIN\n")
	require.True(t, ok, "drain heredoc ends")
	return body + "\n"
}

// TestShellcheck lints every script the pool can render. CI installs
// shellcheck and sets VP_REQUIRE_SHELLCHECK=1 so that a missing linter fails
// instead of silently skipping.
func TestShellcheck(t *testing.T) {
	shellcheck, err := exec.LookPath("shellcheck")
	if err != nil {
		if os.Getenv("VP_REQUIRE_SHELLCHECK") == "1" {
			t.Fatal("shellcheck is not on PATH but VP_REQUIRE_SHELLCHECK=1; install it (apt-get install -y shellcheck)")
		}
		t.Skip("shellcheck is not on PATH; set VP_REQUIRE_SHELLCHECK=1 to make this fail")
	}
	withHook, err := RenderUserData(baseParams())
	require.NoError(t, err, "render with hook")
	noHook := baseParams()
	noHook.HeartbeatSeconds, noHook.DrainTimeoutSeconds, noHook.ContainerPort = 0, 0, 0
	withoutHook, err := RenderUserData(noHook)
	require.NoError(t, err, "render without hook")
	hostileParams := baseParams()
	hostileParams.LogGroupName = hostile
	hostileParams.Environment = map[string]string{"EVIL": hostile}
	withHostile, err := RenderUserData(hostileParams)
	require.NoError(t, err, "render with hostile values")
	withLaunchHook, err := RenderUserData(transcoderParams())
	require.NoError(t, err, "render with the readiness gate")

	dir := t.TempDir()
	scripts := map[string]string{
		"with-hook.sh":    withHook,
		"without-hook.sh": withoutHook,
		"hostile.sh":      withHostile,
		"launch-hook.sh":  withLaunchHook,
		"vp-drain.sh":     drainScript(t, withHook),
	}
	for name, body := range scripts {
		path := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(path, []byte(body), 0o600), "write %s", name)
		out, err := exec.Command(shellcheck, "--shell=bash", "--severity=style", path).CombinedOutput() //nolint:gosec // shellcheck runs on scratch files the test wrote itself
		assert.NoError(t, err, "shellcheck %s:\n%s", name, out)
	}
}
