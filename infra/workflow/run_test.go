package workflow

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/video-platform/video-platform/infra/awscheck"
	"github.com/video-platform/video-platform/infra/engine"
)

func index(events []string, ev string) int {
	for i, e := range events {
		if e == ev {
			return i
		}
	}
	return -1
}

func TestUpOrderAndParallelism(t *testing.T) {
	w := newWorld(t)
	middle := []string{"prod-recorder-blue", "prod-recorder-green", "prod-web-blue", "prod-web-green", "prod-transcoders"}
	// Every middle stack blocks until all five have started: run one at a
	// time, they would time out.
	var started sync.WaitGroup
	started.Add(len(middle))
	all := make(chan struct{})
	go func() { started.Wait(); close(all) }()
	for _, name := range middle {
		w.stack(name).onUp = func(*fakeStack) error {
			started.Done()
			select {
			case <-all:
				return nil
			case <-time.After(5 * time.Second):
				return errors.New("not concurrent")
			}
		}
	}
	code, out, errOut := call(w, (*Workflow).Up, UpOptions{Env: "prod"})
	require.Equal(t, ExitOK, code, "up should succeed; stderr %s\n%s", errOut, out)
	ev := w.p.events()
	baseEnd := index(ev, "end up prod")
	dnsStart := index(ev, "start up prod-dns")
	for _, name := range middle {
		assert.Greater(t, index(ev, "start up "+name), baseEnd, "%s must start after the base ends", name)
		assert.Less(t, index(ev, "end up "+name), dnsStart, "%s must end before DNS starts", name)
	}
	assert.Contains(t, out, "[prod-web-blue] up line 1", "progress lines carry the stack prefix")
	assert.Contains(t, out, "[prod-dns] up line 2", "progress lines carry the stack prefix")
	assert.Regexp(t, `prod-dns\s+succeeded\s+~1 =3\s+2s`, out, "the table shows result, changes and duration")
}

func TestUpFailedStackStopsOnlyDependents(t *testing.T) {
	w := newWorld(t)
	w.stack("prod-web-green").onUp = func(*fakeStack) error { return errors.New("boom: launch template invalid") }
	code, out, _ := call(w, (*Workflow).Up, UpOptions{Env: "prod"})
	assert.Equal(t, ExitFailed, code, "a failed stack fails the run")
	assert.Equal(t, 0, w.stack("prod-dns").ups, "DNS depends on the failed copy and must not run")
	assert.Equal(t, 1, w.stack("prod-web-blue").ups, "the sibling copy runs")
	assert.Equal(t, 1, w.stack("prod-transcoders").ups, "the transcoders run")
	assert.Regexp(t, `prod-web-green\s+failed.*boom`, out, "the table shows the error")
	assert.Regexp(t, `prod-dns\s+skipped.*prod-web-green did not succeed`, out, "the table says why DNS was skipped")
}

func TestUpFailedBaseSkipsEverything(t *testing.T) {
	w2 := newWorld(t)
	w2.stack("prod").onPreview = func(*fakeStack) error { return errors.New("vpc quota") }
	code, out, _ := call(w2, (*Workflow).Preview, PreviewOptions{Env: "prod"})
	require.Equal(t, ExitFailed, code, "preview fails")
	for _, name := range []string{"prod-web-blue", "prod-transcoders", "prod-dns"} {
		assert.Equal(t, 0, w2.stack(name).previews, "%s must be skipped after the base failed", name)
		assert.Regexp(t, name+`\s+skipped`, out, "%s reported skipped", name)
	}
}

func TestTranscoderFailureDoesNotStopDNS(t *testing.T) {
	w := newWorld(t)
	w.stack("prod-transcoders").onUp = func(*fakeStack) error { return errors.New("spot capacity") }
	code, _, _ := call(w, (*Workflow).Up, UpOptions{Env: "prod"})
	assert.Equal(t, ExitFailed, code, "the run reports the failure")
	assert.Equal(t, 1, w.stack("prod-dns").ups, "DNS does not depend on the transcoders")
}

func TestStackSelectionAndPolicyPack(t *testing.T) {
	w := newWorld(t)
	var got []string
	w.stack("prod-dns").onPreview = func(*fakeStack) error { return nil }
	code, out, errOut := call(w, (*Workflow).Preview, PreviewOptions{Env: "prod", Stacks: []string{"prod-dns", "organization/video-platform/prod-web-blue"}, PolicyPacks: []string{"policies"}})
	require.Equal(t, ExitOK, code, "selected preview succeeds: %s", errOut)
	for name, s := range w.p.stacks {
		if s.previews > 0 {
			got = append(got, name)
		}
	}
	assert.ElementsMatch(t, []string{"prod-dns", "prod-web-blue"}, got, "only the selected stacks run")
	assert.NotContains(t, out, "prod-transcoders", "unselected stacks are not in the table")
}

func TestDestroyReverseOrderAndGuard(t *testing.T) {
	w := newWorld(t)
	// Only the idle copy: allowed.
	code, _, errOut := call(w, (*Workflow).Destroy, DestroyOptions{Env: "prod", Stacks: []string{"prod-web-green"}})
	require.Equal(t, ExitOK, code, "destroying the idle copy is allowed: %s", errOut)

	// The live copy without DNS: refused.
	code, out, _ := call(w, (*Workflow).Destroy, DestroyOptions{Env: "prod", Stacks: []string{"prod-web-blue"}})
	assert.Equal(t, ExitFailed, code, "destroying the live copy is refused")
	assert.Contains(t, out, "prod-web-blue is the live web copy", "the refusal names the live copy")
	assert.Equal(t, 0, w.stack("prod-web-blue").destroys, "the live copy is not destroyed")

	// --force overrides.
	code, _, _ = call(w, (*Workflow).Destroy, DestroyOptions{Env: "prod", Stacks: []string{"prod-web-blue"}, Force: true})
	assert.Equal(t, ExitOK, code, "--force destroys the live copy")

	// The whole env while live copies serve traffic: DNS refused, so
	// copies and base are skipped; the transcoders still go.
	w2 := newWorld(t)
	w2.aws.traffic = func(end time.Time) []awscheck.TrafficPoint { return busy(end) }
	code, out, _ = call(w2, (*Workflow).Destroy, DestroyOptions{Env: "prod"})
	assert.Equal(t, ExitFailed, code, "destroy refused")
	assert.Regexp(t, `prod-dns\s+refused.*copies still serve traffic`, out, "the DNS refusal says why")
	assert.Equal(t, 0, w2.stack("prod-web-blue").destroys, "copies wait for DNS")
	assert.Equal(t, 0, w2.stack("prod").destroys, "base waits for everything")
	assert.Equal(t, 1, w2.stack("prod-transcoders").destroys, "the transcoders do not depend on DNS")

	// Quiet env: reverse order.
	w3 := newWorld(t)
	code, _, errOut = call(w3, (*Workflow).Destroy, DestroyOptions{Env: "prod"})
	require.Equal(t, ExitOK, code, "quiet env destroys: %s", errOut)
	ev := w3.p.events()
	assert.Less(t, index(ev, "end destroy prod-dns"), index(ev, "start destroy prod-web-blue"), "DNS goes before the copies")
	assert.Less(t, index(ev, "end destroy prod-web-blue"), index(ev, "start destroy prod"), "copies go before the base")
	assert.Less(t, index(ev, "end destroy prod-transcoders"), index(ev, "start destroy prod"), "transcoders go before the base")
}

// Malformed options are refused before anything runs, with exit code 2
// and a message that names the value and what is accepted.
func TestMalformedOptionsAreUsageErrors(t *testing.T) {
	cases := []struct {
		name string
		run  func(w *world) (int, string, string)
		want string
	}{
		{"unknown env", func(w *world) (int, string, string) { return call(w, (*Workflow).Up, UpOptions{Env: "qa"}) },
			`env "qa" is not declared; declared envs: prod, staging`},
		{"stack of another env", func(w *world) (int, string, string) {
			return call(w, (*Workflow).Preview, PreviewOptions{Env: "prod", Stacks: []string{"staging-dns"}})
		}, `--stack "staging-dns" is not a stack of env prod`},
		{"unknown service", func(w *world) (int, string, string) {
			return call(w, (*Workflow).Swap, SwapOptions{Env: "prod", Service: "api"})
		}, `service "api" is not declared; declared blue-green services: recorder, web`},
		{"not a color", func(w *world) (int, string, string) {
			return call(w, (*Workflow).Swap, SwapOptions{Env: "prod", Service: "web", To: "red"})
		}, `--to "red" is not a color; accepted: blue, green`},
		{"canary out of range", func(w *world) (int, string, string) {
			return call(w, (*Workflow).Swap, SwapOptions{Env: "prod", Service: "web", Canary: pct(150)})
		}, "--canary 150 is out of range; accepted 0..100"},
		{"rollback of an unknown service", func(w *world) (int, string, string) {
			return call(w, (*Workflow).Rollback, RollbackOptions{Env: "prod", Service: "api"})
		}, `service "api" is not declared`},
		{"retire color", func(w *world) (int, string, string) { return call(w, (*Workflow).Retire, retireProdWeb("red")) },
			`color "red" is not a color; accepted: blue, green`},
		{"quiet-for too short", func(w *world) (int, string, string) {
			return call(w, (*Workflow).Retire, retireProdWeb("green", func(o *RetireOptions) { o.QuietFor = 10 * time.Second }))
		}, "--quiet-for 10s is too short"},
		{"negative min-wait", func(w *world) (int, string, string) {
			return call(w, (*Workflow).Retire, retireProdWeb("green", func(o *RetireOptions) { o.MinWait = -time.Minute }))
		}, "--min-wait -1m0s is negative"},
		{"retire timeout", func(w *world) (int, string, string) {
			return call(w, (*Workflow).Retire, retireProdWeb("green", func(o *RetireOptions) { o.Timeout = 0 }))
		}, "--timeout 0s must be positive"},
		{"roll without release", func(w *world) (int, string, string) {
			return call(w, (*Workflow).Roll, RollOptions{Env: "prod", Timeout: DefaultRollTimeout})
		}, "--release is required"},
		{"roll release with a space", func(w *world) (int, string, string) {
			return call(w, (*Workflow).Roll, RollOptions{Env: "prod", Release: "r 3", Timeout: DefaultRollTimeout})
		}, `--release "r 3" contains whitespace`},
		{"status without envs", func(w *world) (int, string, string) { return call(w, (*Workflow).Status, StatusOptions{}) },
			"status takes one or more envs"},
		{"status of an unknown env", func(w *world) (int, string, string) {
			return call(w, (*Workflow).Status, StatusOptions{Envs: []string{"prod", "qa"}})
		}, `env "qa" is not declared`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := newWorld(t)
			code, _, errOut := c.run(w)
			assert.Equal(t, ExitUsage, code, "a usage error: %s", errOut)
			assert.Contains(t, errOut, c.want, "names the problem")
			assert.Empty(t, w.p.events(), "nothing ran")
		})
	}
}

func TestPrefixWriterPartialLines(t *testing.T) {
	var b strings.Builder
	pw := &prefixWriter{out: &b, prefix: "[s] "}
	_, err := pw.Write([]byte("hel"))
	require.NoError(t, err, "write")
	_, err = pw.Write([]byte("lo\r\nwor"))
	require.NoError(t, err, "write")
	pw.Flush()
	assert.Equal(t, "[s] hello\n[s] wor\n", b.String(), "complete lines are prefixed, the rest on flush")
}

func TestFormatChanges(t *testing.T) {
	assert.Equal(t, "-", formatChanges(nil), "no changes")
	assert.Equal(t, "+1 ~2 -1 =4 read:1", formatChanges(map[string]int{"create": 1, "update": 2, "delete": 1, "same": 4, "read": 1}), "ordered symbols")
}

// A copy run before its base exists is refused before anything is created
// or run, naming the stack to deploy first; with the base in the run it goes.
func TestUpRefusesAStackWhoseBaseIsNotDeployed(t *testing.T) {
	w := newWorld(t)
	delete(w.p.stacks, "prod")
	code, _, errOut := call(w, (*Workflow).Up, UpOptions{Env: "prod", Stacks: []string{"prod-web-blue"}})
	assert.Equal(t, ExitFailed, code, "refused")
	assert.Contains(t, errOut, "prod-web-blue reads the outputs of prod, which is not deployed: run `infra up prod --stack prod` first", "says what to deploy first")
	assert.Equal(t, 0, w.stack("prod-web-blue").ups, "the copy was not run")
	_, err := os.Stat(filepath.Join(w.root, ".infra-locks", "prod.lock"))
	assert.True(t, os.IsNotExist(err), "not even the lock was taken")

	w = newWorld(t)
	w.stack("prod").outputs = map[string]any{}
	code, _, errOut = call(w, (*Workflow).Up, UpOptions{Env: "prod", Stacks: []string{"prod-transcoders"}})
	assert.Equal(t, ExitFailed, code, "a base with no outputs was never deployed: %s", errOut)
}

// A stack file out of place refuses every command that runs stack programs
// before it opens the workspace, takes the lock or reads AWS: a declared
// stack without its file, even one --stack does not select, and a file of
// no declared stack. Status, which only reads, still answers.
func TestStackFilesOutOfPlaceRefuseBeforeAnythingIsTouched(t *testing.T) {
	for _, tc := range []struct {
		desc, want string
		change     func(root string) error
	}{
		{desc: "a declared stack without its file", want: "env prod declares stacks without a stack file",
			change: func(root string) error { return os.Remove(filepath.Join(root, "Pulumi.prod-recorder-green.yaml")) }},
		{desc: "a file of no declared stack", want: "stack file Pulumi.prod-api-blue.yaml belongs to no declared stack",
			change: func(root string) error {
				return os.WriteFile(filepath.Join(root, "Pulumi.prod-api-blue.yaml"), []byte("config: {}\n"), 0o600)
			}},
	} {
		for _, run := range []struct {
			command string
			call    func(w *world) (int, string, string)
		}{
			{"up --stack", func(w *world) (int, string, string) {
				return call(w, (*Workflow).Up, UpOptions{Env: "prod", Stacks: []string{"prod-web-green"}})
			}},
			{"preview", func(w *world) (int, string, string) {
				return call(w, (*Workflow).Preview, PreviewOptions{Env: "prod"})
			}},
			{"swap", func(w *world) (int, string, string) {
				return call(w, (*Workflow).Swap, SwapOptions{Env: "prod", Service: "web"})
			}},
			{"roll", func(w *world) (int, string, string) {
				return call(w, (*Workflow).Roll, RollOptions{Env: "prod", Release: "r3"})
			}},
		} {
			w := newWorld(t)
			require.NoError(t, tc.change(w.root), "%s", tc.desc)
			opened := false
			w.deps.Pulumi = func(context.Context) (engine.Pulumi, error) { opened = true; return w.p, nil }
			w.deps.AWS = func(context.Context, string) (awscheck.Checks, error) {
				opened = true
				return awscheck.Checks{}, errors.New("not reached")
			}
			code, _, errOut := run.call(w)
			assert.Equal(t, ExitUsage, code, "%s, %s: a config error: %s", tc.desc, run.command, errOut)
			assert.Contains(t, errOut, tc.want, "%s, %s: names the file", tc.desc, run.command)
			assert.False(t, opened, "%s, %s: neither the workspace nor AWS was opened", tc.desc, run.command)
			_, err := os.Stat(filepath.Join(w.root, ".infra-locks", "prod.lock"))
			assert.True(t, os.IsNotExist(err), "%s, %s: the lock was not taken", tc.desc, run.command)
		}
		w := newWorld(t)
		require.NoError(t, tc.change(w.root), "%s", tc.desc)
		code, out, errOut := call(w, (*Workflow).Status, StatusOptions{Envs: []string{"prod"}})
		assert.Equal(t, ExitOK, code, "%s: status still answers: %s%s", tc.desc, out, errOut)
	}
}
