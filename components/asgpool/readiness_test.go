package asgpool

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// transcoderParams are a transcoder's user data: no published port, a drain
// hook and the readiness gate on a loopback health port.
func transcoderParams() UserDataParams {
	p := baseParams()
	p.ContainerPort = 0
	p.HeartbeatSeconds, p.DrainTimeoutSeconds = 1800, 1740
	p.ReadyTimeoutSeconds, p.HealthPort, p.HealthPath = 600, 8081, "/healthz"
	return p
}

// stubs are the commands the user data calls, each logging one line per
// call to $STUB_LOG. curl answers IMDS (token, region, instance ID, the
// group tag) and the health check, which fails $STUB_HEALTH_FAILS times and
// then succeeds (-1: never).
var stubs = map[string]string{
	"aws": `#!/bin/bash
echo "aws $*" >>"${STUB_LOG}"
if [ "$1 $2" = "ecr get-login-password" ]; then printf 'password'; fi
`,
	"docker": `#!/bin/bash
echo "docker $*" >>"${STUB_LOG}"
if [ "$1" = "login" ]; then cat >/dev/null; fi
`,
	"systemctl": `#!/bin/bash
echo "systemctl $*" >>"${STUB_LOG}"
`,
	"dnf": `#!/bin/bash
echo "dnf $*" >>"${STUB_LOG}"
exit 1
`,
	"curl": `#!/bin/bash
url="${*: -1}"
token=""
for arg in "$@"; do
  case "${arg}" in X-aws-ec2-metadata-token:*) token="${arg}" ;; esac
done
case "${url}" in
  http://169.254.169.254/latest/api/token)
    echo "curl imds-token" >>"${STUB_LOG}"
    printf 'tok-123' ;;
  http://169.254.169.254/latest/*)
    echo "curl imds ${url#http://169.254.169.254/latest/} ${token}" >>"${STUB_LOG}"
    case "${url}" in
      */meta-data/placement/region) printf 'us-east-1' ;;
      */meta-data/instance-id) printf 'i-0abc' ;;
      */meta-data/tags/instance/aws:autoscaling:groupName) printf 'prod-transcoder-v42-0001' ;;
      *) exit 22 ;;
    esac ;;
  http://127.0.0.1:*)
    n=$(($(cat "${STUB_DIR}/health-count" 2>/dev/null || echo 0) + 1))
    echo "${n}" >"${STUB_DIR}/health-count"
    if [ "${STUB_HEALTH_FAILS}" -ge 0 ] && [ "${n}" -gt "${STUB_HEALTH_FAILS}" ]; then
      echo "curl health ${url} ok" >>"${STUB_LOG}"
      exit 0
    fi
    echo "curl health ${url} fail" >>"${STUB_LOG}"
    exit 7 ;;
  *)
    echo "curl unexpected $*" >>"${STUB_LOG}"
    exit 99 ;;
esac
`,
}

// runWithStubs runs the rendered script under bash with the stubs first on
// PATH and every file it writes under a scratch root; it returns the call
// log, how long the run took and the exit error.
// runWithStubs runs the rendered script against the stubs, with its
// readiness bound set to boundSeconds. The bound is generous where the test
// waits for health: a loaded CI machine runs the stubs slowly.
func runWithStubs(t *testing.T, bash, script string, healthFails, boundSeconds int) ([]string, time.Duration, error) {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "bin")
	root := filepath.Join(dir, "root")
	for _, d := range []string{bin, filepath.Join(root, "etc/systemd/system"), filepath.Join(root, "usr/local/sbin")} {
		require.NoError(t, os.MkdirAll(d, 0o750), "mkdir %s", d)
	}
	for name, body := range stubs {
		require.NoError(t, os.WriteFile(filepath.Join(bin, name), []byte(body), 0o755), "stub %s", name) //nolint:gosec // stubs must be executable
	}
	path := filepath.Join(dir, "userdata.sh")
	require.NoError(t, os.WriteFile(path, []byte(script), 0o600), "write script")
	logPath := filepath.Join(dir, "calls.log")

	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bash, path) //nolint:gosec // the test runs the script it rendered, against stubs
	cmd.Env = append(os.Environ(),
		"PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"),
		"VP_ROOT="+root,
		"VP_READY_TIMEOUT="+strconv.Itoa(boundSeconds),
		"VP_READY_POLL_INTERVAL=0.1",
		"STUB_LOG="+logPath,
		"STUB_DIR="+dir,
		"STUB_HEALTH_FAILS="+strconv.Itoa(healthFails),
	)
	start := time.Now()
	out, runErr := cmd.CombinedOutput()
	elapsed := time.Since(start)
	t.Logf("script output:\n%s", out)
	raw, err := os.ReadFile(logPath) //nolint:gosec // the test's own scratch file
	require.NoError(t, err, "call log written")
	return strings.Split(strings.TrimSpace(string(raw)), "\n"), elapsed, runErr
}

// indexes are the positions of the log lines containing s.
func indexes(lines []string, s string) []int {
	var out []int
	for i, l := range lines {
		if strings.Contains(l, s) {
			out = append(out, i)
		}
	}
	return out
}

func TestReadinessGateWithStubs(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("bash is not installed")
	}
	script, err := RenderUserData(transcoderParams())
	require.NoError(t, err, "render")

	completeArgs := []string{
		"--lifecycle-hook-name ready",
		"--auto-scaling-group-name prod-transcoder-v42-0001",
		"--instance-id i-0abc",
		"--region us-east-1",
	}

	t.Run("healthy after two failures continues once", func(t *testing.T) {
		log, _, runErr := runWithStubs(t, bash, script, 2, 60)
		require.NoError(t, runErr, "the script succeeds")

		completes := indexes(log, "complete-lifecycle-action")
		require.Len(t, completes, 1, "the launch is completed exactly once:\n%s", strings.Join(log, "\n"))
		call := log[completes[0]]
		assert.Contains(t, call, "--lifecycle-action-result CONTINUE", "with CONTINUE")
		for _, arg := range completeArgs {
			assert.Contains(t, call, arg, "complete-lifecycle-action names %s", arg)
		}
		assert.Empty(t, indexes(log, "ABANDON"), "never abandoned")

		health := indexes(log, "curl health http://127.0.0.1:8081/healthz")
		require.Len(t, health, 3, "two failed checks and one passing")
		assert.Equal(t, []int{health[0], health[1]}, indexes(log, "curl health http://127.0.0.1:8081/healthz fail"), "the first two fail")
		assert.Equal(t, []int{health[2]}, indexes(log, "curl health http://127.0.0.1:8081/healthz ok"), "the third passes")
		assert.Greater(t, completes[0], health[2], "CONTINUE only after the health check passed")

		runs := indexes(log, "docker run")
		require.Len(t, runs, 1, "the container is started once")
		assert.Less(t, runs[0], health[0], "health is polled after the container starts")
		assert.Contains(t, log[runs[0]], "--publish 127.0.0.1:8081:8081", "health port on loopback only")
		assert.NotContains(t, log[runs[0]], "--publish 8081", "no public port")

		for _, i := range indexes(log, "curl imds meta-data/") {
			assert.Contains(t, log[i], "X-aws-ec2-metadata-token: tok-123", "IMDSv2 token on %s", log[i])
		}
		assert.NotEmpty(t, indexes(log, "curl imds meta-data/tags/instance/aws:autoscaling:groupName"), "group name from the instance's tags")
		assert.Empty(t, indexes(log, "describe-auto-scaling-instances"), "no API fallback needed")
		assert.Empty(t, indexes(log, "dnf "), "nothing installed: the stubs are on PATH")
	})

	t.Run("never healthy abandons once after the bound", func(t *testing.T) {
		log, elapsed, runErr := runWithStubs(t, bash, script, -1, 5)
		require.Error(t, runErr, "the script fails")

		completes := indexes(log, "complete-lifecycle-action")
		require.Len(t, completes, 1, "the launch is completed exactly once:\n%s", strings.Join(log, "\n"))
		call := log[completes[0]]
		assert.Contains(t, call, "--lifecycle-action-result ABANDON", "with ABANDON")
		for _, arg := range completeArgs {
			assert.Contains(t, call, arg, "complete-lifecycle-action names %s", arg)
		}
		assert.Empty(t, indexes(log, "CONTINUE"), "never continued")

		health := indexes(log, "curl health")
		require.GreaterOrEqual(t, len(health), 3, "polled repeatedly")
		assert.Empty(t, indexes(log, "curl health http://127.0.0.1:8081/healthz ok"), "never healthy")
		assert.Greater(t, completes[0], slices.Max(health), "ABANDON after the last check")
		// VP_READY_TIMEOUT=5 counts whole seconds of bash's SECONDS, so the
		// bound has run out after more than four seconds.
		assert.Greater(t, elapsed, 4*time.Second, "abandoned only once the bound ran out")
	})
}
