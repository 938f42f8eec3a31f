package workflow

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/video-platform/video-platform/infra/observed"
)

func TestUpRefusesBeforeAnyStackRuns(t *testing.T) {
	w := newWorld(t)
	w.stack("prod-web-blue").setJSON("copy", `{"release":"2026.11.20-1","capacity":{"min":0,"max":0,"desired":0},"instanceType":"c6i.large"}`)
	code, _, errOut := call(w, (*Workflow).Up, UpOptions{Env: "prod"})
	assert.Equal(t, ExitFailed, code, "refused")
	assert.Contains(t, errOut, "up prod refused; no stack was run", "says nothing ran")
	assert.Contains(t, errOut, "prod-web-blue config video-platform:copy.capacity.min = 0", "names the stack, key and value")
	for name, s := range w.p.stacks {
		assert.Zero(t, s.ups, "%s was not updated", name)
	}
}

func TestUpRefusesADNSLiveChange(t *testing.T) {
	w := newWorld(t)
	w.stack("prod-dns").setJSON("live", `{"web":"green","recorder":"blue"}`)
	code, _, errOut := call(w, (*Workflow).Preview, PreviewOptions{Env: "prod", Stacks: []string{"prod-dns"}})
	assert.Equal(t, ExitFailed, code, "refused")
	assert.Contains(t, errOut, "traffic moves only through `infra swap prod web --to green`", "points to the swap")
	assert.Zero(t, w.stack("prod-dns").previews, "not even previewed")
}

func TestDestroyRefusesACanaryTarget(t *testing.T) {
	w := newWorld(t)
	w.stack("prod-dns").records["web"] = map[string]int{"blue": 90, "green": 10}
	code, out, errOut := call(w, (*Workflow).Destroy, DestroyOptions{Env: "prod", Stacks: []string{"prod-web-green"}})
	assert.Equal(t, ExitFailed, code, "refused: %s", out)
	assert.True(t, strings.Contains(out+errOut, "prod-web-green takes 10% of web's traffic"), "names the share: %s %s", out, errOut)
	assert.Zero(t, w.stack("prod-web-green").destroys, "not destroyed")
}

// The repo's policy pack runs on the deploy path with the env's committed
// config, the same one synth and pull requests apply.
func TestUpPassesTheEnvsPolicyConfig(t *testing.T) {
	w := newWorld(t)
	own := filepath.Join(w.root, "policies")
	require.NoError(t, os.MkdirAll(own, 0o750), "pack dir")
	require.NoError(t, os.WriteFile(filepath.Join(own, "config.prod.json"), []byte("{}"), 0o600), "config")
	code, out, errOut := call(w, (*Workflow).Up, UpOptions{Env: "prod", Stacks: []string{"prod-web-blue"}, PolicyPacks: []string{"/elsewhere/pack", own}})
	require.Equal(t, ExitOK, code, "up: %s %s", out, errOut)
	o := w.stack("prod-web-blue").lastOpts
	assert.Equal(t, []string{own, "/elsewhere/pack"}, o.PolicyPacks, "the repo's pack first")
	assert.Equal(t, []string{filepath.Join(own, "config.prod.json")}, o.PolicyPackConfigs, "with the env's config")

	code, _, errOut = call(w, (*Workflow).Preview, PreviewOptions{Env: "staging", Stacks: []string{"staging-web-blue"}, PolicyPacks: []string{own}})
	assert.Equal(t, ExitFailed, code, "no committed config for staging in this root")
	assert.Contains(t, errOut, "policy config for staging", "names the env")
}

// Bringing an idle copy back replaces its empty group: with schedules the
// group ignores min, max and desired after creation, and an update alone
// would leave it at 0.
func TestUpReplacesTheGroupOfACopyComingBackFromIdle(t *testing.T) {
	w := newWorld(t)
	green := w.stack("prod-web-green")
	green.outputs = copyOutputs("web", "green", 0)
	green.outputs["capacity"].(map[string]any)["max"] = 0.0
	const group = "urn:pulumi:prod-web-green::video-platform::video-platform:compute:AsgPool$aws:autoscaling/group:Group::web-green-asg"
	green.deployed = []observed.Deployed{{URN: group, Type: groupType}}
	code, out, errOut := call(w, (*Workflow).Up, UpOptions{Env: "prod", Stacks: []string{"prod-web-green"}})
	require.Equal(t, ExitOK, code, "up: %s %s", out, errOut)
	assert.Equal(t, []string{group}, green.lastOpts.Replace, "the empty group is replaced")
	assert.Contains(t, out, "bringing the idle copy back", "says why")

	w.stack("prod-web-blue").deployed = []observed.Deployed{{URN: group, Type: groupType}}
	code, _, errOut = call(w, (*Workflow).Up, UpOptions{Env: "prod", Stacks: []string{"prod-web-blue"}})
	require.Equal(t, ExitOK, code, "up: %s", errOut)
	assert.Empty(t, w.stack("prod-web-blue").lastOpts.Replace, "a copy with capacity is updated in place")
}

// An idle copy's load balancer is protected against deletion, which AWS
// enforces: the destroy turns the protection off in an update of its own,
// destroys, clears the setting, and drops the copy's DNS records.
func TestDestroyAnIdleCopyTurnsOffDeletionProtectionFirst(t *testing.T) {
	w := newWorld(t)
	green := w.stack("prod-web-green")
	green.deployed = []observed.Deployed{{URN: "urn:pulumi:prod-web-green::video-platform::video-platform:lb:LoadBalancer$aws:lb/loadBalancer:LoadBalancer::web-green-alb",
		Type: lbType, Outputs: map[string]any{"enableDeletionProtection": true}}}
	var protection []string
	green.onUp = func(s *fakeStack) error {
		v, _, _ := s.GetConfig(context.Background(), "copy.deletionProtection")
		protection = append(protection, v)
		return nil
	}
	code, out, errOut := call(w, (*Workflow).Destroy, DestroyOptions{Env: "prod", Stacks: []string{"prod-web-green"}})
	require.Equal(t, ExitOK, code, "destroy: %s %s", out, errOut)
	assert.Equal(t, []string{"false"}, protection, "step 1 updated the copy with protection off")
	var steps []string
	for _, ev := range w.p.events() {
		if strings.HasPrefix(ev, "start ") {
			steps = append(steps, strings.TrimPrefix(ev, "start "))
		}
	}
	assert.Equal(t, []string{"up prod-web-green", "destroy prod-web-green", "up prod-dns"}, steps, "unprotect, destroy, drop the records, in that order")
	assert.Contains(t, out, "step 1 of 3: turning off the load balancer's deletion protection", "shows step 1")
	assert.Contains(t, out, "step 3 of 3: removing its records from prod-dns", "shows step 3")
	assert.Equal(t, "<unset>", cfg(t, green, "copy.deletionProtection"), "a recreated copy is protected again")

	green.onUp = func(*fakeStack) error { return assert.AnError }
	code, out, _ = call(w, (*Workflow).Destroy, DestroyOptions{Env: "prod", Stacks: []string{"prod-web-green"}})
	assert.Equal(t, ExitFailed, code, "step 1 failed")
	assert.Contains(t, out, "nothing was destroyed", "says so in the stack's row")
	assert.Equal(t, 1, green.destroys, "no second destroy")
	assert.Equal(t, "<unset>", cfg(t, green, "copy.deletionProtection"), "setting removed again")
}
