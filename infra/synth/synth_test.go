package synth

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/video-platform/video-platform/infra/diff"
	"github.com/video-platform/video-platform/internal/render"
	"github.com/video-platform/video-platform/internal/stackconfig"
	"github.com/video-platform/video-platform/internal/topology"
	"github.com/video-platform/video-platform/internal/topology/topologytest"
	"github.com/video-platform/video-platform/stacks"
)

const repoRoot = "../.."

func renderJSON(t testing.TB, opts Options) ([]byte, render.Env) {
	t.Helper()
	if opts.Root == "" {
		opts.Root = repoRoot
	}
	env, err := Render(opts)
	require.NoError(t, err, "render %s", opts.Env)
	b, err := json.Marshal(env)
	require.NoError(t, err, "marshal render")
	return b, env
}

// repoTopology is the topology the repository's Pulumi.yaml declares.
func repoTopology(t testing.TB) *topology.Topology {
	t.Helper()
	topo, err := stackconfig.LoadTopology(repoRoot)
	require.NoError(t, err, "the repository's topology")
	return topo
}

func TestContractFieldsForBothEnvs(t *testing.T) {
	for _, envName := range repoTopology(t).EnvNames() {
		raw, env := renderJSON(t, Options{Env: envName})
		var doc map[string]any
		require.NoError(t, json.Unmarshal(raw, &doc), "render is JSON")
		assert.Equal(t, envName, doc["env"], "env field")
		assert.EqualValues(t, render.SchemaVersion, doc["schemaVersion"], "schemaVersion field")
		assert.NotContains(t, doc, "configErrors", "a clean render has no config errors")

		stacks := doc["stacks"].([]any)
		require.Len(t, stacks, 7, "%s renders its 7 stacks", envName)
		for _, s := range stacks {
			stack := s.(map[string]any)
			name := stack["name"].(string)
			assert.Contains(t, stack, "outputs", "%s has outputs", name)
			assert.NotNil(t, stack["violations"], "%s has a violations list, even if empty", name)
			resources := stack["resources"].([]any)
			require.NotEmpty(t, resources, "%s has resources", name)
			for _, r := range resources {
				res := r.(map[string]any)
				for _, field := range []string{"urn", "type", "name", "parent", "inputs"} {
					assert.Contains(t, res, field, "%s resource has %s", name, field)
				}
			}
		}
		cost := doc["cost"].(map[string]any)
		assert.Equal(t, "USD", cost["currency"], "cost currency")
		assert.Greater(t, cost["monthly"].(float64), 0.0, "the env costs something")
		perStack := cost["stacks"].(map[string]any)
		for _, id := range repoTopology(t).EnvStacks(envName) {
			require.Contains(t, perStack, id.Name, "cost of %s", id.Name)
			assert.Contains(t, perStack[id.Name], "items", "cost items of %s", id.Name)
		}
		assert.Equal(t, map[string]string{"web": "blue", "recorder": "blue"}, env.LiveColors, "live colors of %s", envName)
		assert.Zero(t, Mandatory(env), "the committed %s config has no mandatory violations", envName)
		assert.NotEmpty(t, env.Fixtures, "fixtures are listed")
	}
}

func TestRenderIsDeterministic(t *testing.T) {
	a, _ := renderJSON(t, Options{Env: "prod"})
	b, _ := renderJSON(t, Options{Env: "prod"})
	assert.True(t, bytes.Equal(a, b), "two renders give the same bytes")
}

func TestSwapByConfigChangesOnlyTheWebRecords(t *testing.T) {
	_, before := renderJSON(t, Options{Env: "prod"})
	set, err := ParseSet("prod-dns:live.web=green")
	require.NoError(t, err, "parse --set")
	_, after := renderJSON(t, Options{Env: "prod", Sets: []Set{set}})

	report := diff.Compare(before, after)
	var changed []string
	for _, s := range report.Stacks {
		assert.Empty(t, s.Added, "nothing is added to %s", s.Name)
		assert.Empty(t, s.Removed, "nothing is removed from %s", s.Name)
		for _, r := range s.Changed {
			assert.Equal(t, "prod-dns", s.Name, "only the DNS stack changes, not %s", s.Name)
			assert.Equal(t, "aws:route53/record:Record", r.Type, "only Route53 records change, not %s", r.URN)
			changed = append(changed, r.Name)
			for _, c := range r.Changes {
				assert.Equal(t, "weightedRoutingPolicies[0].weight", c.Path, "only the weight of %s changes", r.Name)
			}
		}
	}
	sort.Strings(changed)
	assert.Equal(t, []string{"web-blue-a", "web-green-a"}, changed, "exactly the web hostname's weighted records")
	assert.Equal(t, "green", after.LiveColors["web"], "green is live")
}

func TestSecretsNeverAppear(t *testing.T) {
	root := scratchRoot(t)
	const cipher = "v1:c2VjcmV0LWNpcGhlcnRleHQ="
	base := filepath.Clean(filepath.Join(root, "Pulumi.prod.yaml"))
	data, err := os.ReadFile(base)
	require.NoError(t, err, "read base config")
	data = append(data, []byte("  video-platform:alertsWebhookUrl:\n    secure: "+cipher+"\n")...)
	require.NoError(t, os.WriteFile(base, data, 0o600), "add a secret") //nolint:gosec // G703 taints the written contents, not the path, which is under t.TempDir()

	raw, env := renderJSON(t, Options{Root: root, Env: "prod"})
	var text bytes.Buffer
	require.NoError(t, WriteText(&text, env), "text render")
	for _, out := range []string{string(raw), text.String()} {
		assert.NotContains(t, out, cipher, "the ciphertext never appears")
		assert.NotContains(t, out, "c2VjcmV0", "no part of it either")
	}
	var sub render.Resource
	for _, r := range env.Stacks[0].Resources {
		if r.Name == "alerts-webhook" {
			sub = r
		}
	}
	assert.Equal(t, "[secret]", sub.Inputs["endpoint"], "the secret reaches the resource masked")
}

func TestBadInputsAreUsageErrors(t *testing.T) {
	cases := []struct {
		name string
		opts Options
		want string
	}{
		{"unknown env", Options{Env: "dev"}, `env "dev" is not declared; declared envs: prod, staging`},
		{"unknown stack", Options{Env: "prod", Stacks: []string{"prod-api"}}, `--stack "prod-api" is not a stack of prod`},
		{"set on another env", Options{Env: "prod", Sets: []Set{{Stack: "staging-dns", Key: "live.web", Value: "green"}}}, `"staging-dns" is not a stack of prod`},
		{"undeclared key", Options{Env: "prod", Sets: []Set{{Stack: "prod-dns", Key: "lvie.web", Value: "green"}}}, `stack prod-dns has no config key "video-platform:lvie"`},
		{"bad color", Options{Env: "prod", Sets: []Set{{Stack: "prod-dns", Key: "live.web", Value: "purple"}}}, `config video-platform:live.web = "purple" is not accepted; accepted: one of blue, green`},
		{"path into a scalar", Options{Env: "prod", Sets: []Set{{Stack: "prod-web-blue", Key: "copy.release.major", Value: "1"}}},
			`--set prod-web-blue:copy.release.major: copy.release is "2026.11.20-1", not an object or a list, so it has no major`},
		{"index past the end of a list", Options{Env: "prod", Sets: []Set{{Stack: "prod-transcoders", Key: "transcoders.draining[5]", Value: "r1"}}},
			"--set prod-transcoders:transcoders.draining[5]: transcoders.draining[5]: array index out of range"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.opts.Root = repoRoot
			_, err := Render(c.opts)
			require.Error(t, err, "rejected")
			assert.True(t, IsUsage(err), "a usage or config error (exit 2): %v", err)
			assert.Contains(t, err.Error(), c.want, "message")
		})
	}
	_, err := ParseSet("prod-dns-live.web")
	require.Error(t, err, "malformed --set")
	assert.Contains(t, err.Error(), "expected <stack>:<key>=<value>", "says the form")
}

// scratchRoot copies the project and stack files into a directory the test
// may change, and returns it.
func scratchRoot(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	files, err := filepath.Glob(filepath.Join(repoRoot, "Pulumi*.yaml"))
	require.NoError(t, err, "list stack files")
	for _, f := range append(files, filepath.Join(repoRoot, "policies", "config.prod.json")) {
		data, err := os.ReadFile(filepath.Clean(f))
		require.NoError(t, err, "read %s", f)
		rel, _ := filepath.Rel(repoRoot, f)
		require.NoError(t, os.MkdirAll(filepath.Dir(filepath.Join(root, rel)), 0o750), "mkdir")
		require.NoError(t, os.WriteFile(filepath.Join(root, rel), data, 0o600), "copy %s", rel) //nolint:gosec // G703 taints the copied contents, not the path, which is under t.TempDir()
	}
	return root
}

// Every kind of config problem is a config error: exit 2, never 1, which
// means a policy violation, and in the render for the pull-request comment.
func TestEveryConfigProblemExitsTwo(t *testing.T) {
	typo := scratchRoot(t)
	base := filepath.Join(typo, "Pulumi.prod.yaml")
	data, err := os.ReadFile(filepath.Clean(base))
	require.NoError(t, err, "read the base stack file")
	require.NoError(t, os.WriteFile(base, append(data, "  video-platform:keepImage: 20\n"...), 0o600), "add a typo") //nolint:gosec // G703 taints the written contents, not the path, which is under t.TempDir()
	noFile := scratchRoot(t)
	require.NoError(t, os.Remove(filepath.Join(noFile, "Pulumi.prod-dns.yaml")), "remove a stack file")

	cases := []struct {
		name string
		root string
		sets []Set
		want string
	}{
		{"an explicit zero", repoRoot, []Set{{Stack: "prod", Key: "keepImages", Value: "0"}},
			"stack prod: config video-platform:keepImages = 0 is not accepted; accepted: an integer from 1 to 1000"},
		{"a value a component refuses", repoRoot, []Set{{Stack: "prod-transcoders", Key: "transcoders.capacity.min", Value: "0"}},
			"stack prod-transcoders: config video-platform:transcoders.capacity.min = 0 is not accepted; accepted: at least 1 for a fleet that takes jobs"},
		{"a key of another stack", repoRoot, []Set{{Stack: "prod", Key: "copy.release", Value: "r1"}},
			"stack prod: config video-platform:copy is a key of the copy stacks prod-<service>-<color> (Pulumi.prod-<service>-<color>.yaml), not of a base stack"},
		{"a key nobody declared", typo, nil,
			"stack prod: config video-platform:keepImage is not a key of this project; accepted: in a base stack, video-platform:network"},
		{"a required object emptied", repoRoot, []Set{{Stack: "prod-dns", Key: "live", Value: "{}"}},
			"stack prod-dns: config video-platform:live is not set; set it in Pulumi.prod-dns.yaml"},
		{"a word for a number", repoRoot, []Set{{Stack: "prod-web-blue", Key: "copy.capacity.min", Value: "three"}},
			`stack prod-web-blue: config video-platform:copy.capacity.min = "three" is not accepted; accepted: an integer`},
		{"a stack file missing", noFile, nil,
			"stack prod-dns has no stack file: Pulumi.prod-dns.yaml does not exist in " + noFile + "; every stack of a declared env and service needs its own"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			env, err := Render(Options{Root: c.root, Env: "prod", Sets: c.sets, PolicyConfig: filepath.Join(repoRoot, "policies", "config.prod.json")})
			require.Error(t, err, "refused")
			assert.True(t, IsUsage(err), "a config error exits 2: %v", err)
			var cfgErr *stacks.ConfigError
			require.ErrorAs(t, err, &cfgErr, "a stacks.ConfigError")
			assert.Contains(t, err.Error(), c.want, "the message")
			require.NotEmpty(t, env.ConfigErrors, "the render holds the refusal, for the pull-request comment")
			assert.Contains(t, env.ConfigErrors[0].Message, c.want, "as the stack said it")
			assert.Empty(t, env.Stacks, "nothing is half-rendered")
		})
	}
}

// A whole object set by --set takes paths into it afterwards, as the golden
// pull-request comments pin one and change the other.
func TestSetAnObjectThenAPathIntoIt(t *testing.T) {
	_, env := renderJSON(t, Options{Env: "prod", Sets: []Set{
		{Stack: "prod-dns", Key: "live", Value: `{"web":"blue","recorder":"blue"}`},
		{Stack: "prod-dns", Key: "live.web", Value: "green"},
		{Stack: "prod-transcoders", Key: "transcoders.draining[1]", Value: "2026.11.06-1"},
	}})
	assert.Equal(t, map[string]string{"web": "green", "recorder": "blue"}, env.LiveColors, "the path changed the object the first set wrote")
	for _, s := range env.Stacks {
		if s.Name == "prod-transcoders" {
			assert.Equal(t, []any{"2026.11.13-1", "2026.11.06-1"}, s.Outputs["draining"], "a list element set by index")
		}
	}
}

func TestRefusedConfigIsInTheRender(t *testing.T) {
	env, err := Render(Options{Root: repoRoot, Env: "prod", Sets: []Set{
		{Stack: "prod-dns", Key: "live.web", Value: "gren"},
		{Stack: "prod-dns", Key: "canary.web", Value: "500"},
	}})
	require.Error(t, err, "refused")
	assert.True(t, IsUsage(err), "still a config error (exit 2)")
	assert.Equal(t, []render.ConfigError{
		{Stack: "prod-dns", Key: "video-platform:live.web", Message: `stack prod-dns: config video-platform:live.web = "gren" is not accepted; accepted: one of blue, green`},
		{Stack: "prod-dns", Key: "video-platform:canary.web", Message: `stack prod-dns: config video-platform:canary.web = 500 is not accepted; accepted: an integer from 0 to 100`},
	}, env.ConfigErrors, "every problem of the stack, in order")
	assert.Empty(t, env.Stacks, "nothing is half-rendered: the stacks before prod-dns are dropped too")
	assert.Equal(t, render.SchemaVersion, env.SchemaVersion, "versioned like any render")

	env, err = Render(Options{Root: repoRoot, Env: "prod", Sets: []Set{{Stack: "prod-dns", Key: "lvie.web", Value: "green"}}})
	require.Error(t, err, "an undeclared key is refused")
	assert.Empty(t, env.ConfigErrors, "a bad command line is not a value a stack refused")
}

func TestEmptyRender(t *testing.T) {
	env, err := Empty(repoRoot, "staging")
	require.NoError(t, err, "staging")
	raw, err := json.Marshal(env)
	require.NoError(t, err, "marshal")
	assert.JSONEq(t, fmt.Sprintf(`{"schemaVersion": %d, "env": "staging", "stacks": [], "cost": {"currency": "", "monthly": 0, "stacks": null}}`, render.SchemaVersion), string(raw), "no stacks, this code's version")
	_, err = Empty(repoRoot, "dev")
	assert.True(t, IsUsage(err), "an unknown env is a usage error")
}

func TestPolicyViolationsAreReportedPerStack(t *testing.T) {
	set, err := ParseSet("prod-web-blue:copy.instanceType=m5.24xlarge")
	require.NoError(t, err, "parse")
	_, env := renderJSON(t, Options{Env: "prod", Sets: []Set{set}})
	require.Equal(t, 1, Mandatory(env), "an unapproved instance type is a mandatory violation")
	var text bytes.Buffer
	require.NoError(t, WriteText(&text, env), "text")
	assert.Contains(t, text.String(), "instance-types-allowed (mandatory)", "grouped by policy")
	assert.Contains(t, text.String(), "m5.24xlarge", "names the value")
}

func TestStackFilterKeepsUpstreamRendersOutOfTheOutput(t *testing.T) {
	_, env := renderJSON(t, Options{Env: "prod", Stacks: []string{"prod-dns"}})
	require.Len(t, env.Stacks, 1, "only the selected stack")
	assert.Equal(t, "prod-dns", env.Stacks[0].Name, "selected stack")
	assert.Equal(t, []string{"prod", "prod-recorder-blue", "prod-recorder-green", "prod-web-blue", "prod-web-green"},
		env.Stacks[0].References, "its references resolved from upstream renders")
}

func TestTextShowsTreeLiveColorsAndFixtures(t *testing.T) {
	_, env := renderJSON(t, Options{Env: "staging"})
	var text bytes.Buffer
	require.NoError(t, WriteText(&text, env), "text")
	out := text.String()
	for _, want := range []string{
		"== staging-web-blue", "aws:autoscaling/group:Group web-blue-asg", "metadataOptions.httpTokens=required",
		"== Live colors", "web: blue", "== Policy violations: 0 (18 rules checked)", "Estimate only", "aws:ec2/getAmi:getAmi",
	} {
		assert.Contains(t, out, want, "text output shows %q", want)
	}
	assert.False(t, strings.Contains(out, "\x1b"), "no ANSI codes")
}

func BenchmarkRenderProd(b *testing.B) {
	for b.Loop() {
		if _, err := Render(Options{Root: repoRoot, Env: "prod"}); err != nil {
			b.Fatal(err)
		}
	}
}

func TestShippedConfigsHaveNoMandatoryViolations(t *testing.T) {
	for _, envName := range repoTopology(t).EnvNames() {
		_, env := renderJSON(t, Options{Env: envName})
		for _, s := range env.Stacks {
			for _, v := range s.Violations {
				assert.NotEqual(t, "mandatory", v.Level, "%s: rule %s fails on %s: %s", envName, v.Policy, v.URN, v.Message)
			}
		}
	}
}

// BenchmarkRenderServices shows that rendering time grows linearly with the
// number of blue-green services: each extra service adds two copies, a
// DnsRecords component and base resources, and nothing is compared across
// services.
func BenchmarkRenderServices(b *testing.B) {
	for _, n := range []int{2, 4, 8, 16} {
		b.Run(fmt.Sprintf("services=%d", n), func(b *testing.B) {
			root := syntheticServices(b, n)
			b.ResetTimer()
			for b.Loop() {
				if _, err := Render(Options{Root: root, Env: "prod", PolicyConfig: filepath.Join(repoRoot, "policies", "config.prod.json")}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// syntheticServices declares n services (web plus copies of its profile)
// in a scratch root's Pulumi.yaml and writes their stack files there.
func syntheticServices(b *testing.B, n int) string {
	b.Helper()
	services := map[string]any{"web": map[string]any{"port": 8080}}
	root := b.TempDir()
	copyFile := func(from, to string) {
		data, err := os.ReadFile(filepath.Clean(filepath.Join(repoRoot, from)))
		require.NoError(b, err, "read %s", from)
		require.NoError(b, os.WriteFile(filepath.Join(root, to), data, 0o600), "write %s", to) //nolint:gosec // G703 taints the copied contents, not the path, which is under b.TempDir()
	}
	for _, f := range []string{"Pulumi.yaml", "Pulumi.prod.yaml", "Pulumi.prod-transcoders.yaml", "Pulumi.prod-web-blue.yaml", "Pulumi.prod-web-green.yaml"} {
		copyFile(f, f)
	}
	live := "config:\n  aws:region: us-east-1\n  video-platform:live:\n    web: blue\n"
	for i := 1; i < n; i++ {
		svc := fmt.Sprintf("svc%02d", i)
		services[svc] = map[string]any{"port": 8080}
		copyFile("Pulumi.prod-web-blue.yaml", "Pulumi.prod-"+svc+"-blue.yaml")
		copyFile("Pulumi.prod-web-green.yaml", "Pulumi.prod-"+svc+"-green.yaml")
		live += "    " + svc + ": blue\n"
	}
	require.NoError(b, os.WriteFile(filepath.Join(root, "Pulumi.prod-dns.yaml"), []byte(live), 0o600), "dns config")
	topologytest.Declare(b, root, map[string]any{"envs": map[string]any{"prod": map[string]any{"production": true}}, "services": services})
	return root
}

// scheduledActions lists a stack's scheduled actions as
// "name recurrence timeZone min/max/desired", sorted.
func scheduledActions(t *testing.T, env render.Env, stack string) []string {
	t.Helper()
	var out []string
	for _, s := range env.Stacks {
		if s.Name != stack {
			continue
		}
		for _, r := range s.Resources {
			if r.Type == "aws:autoscaling/schedule:Schedule" {
				in := r.Inputs
				out = append(out, fmt.Sprintf("%v %v %v %v/%v/%v", in["scheduledActionName"], in["recurrence"], in["timeZone"], in["minSize"], in["maxSize"], in["desiredCapacity"]))
			}
		}
	}
	sort.Strings(out)
	return out
}

func TestCommittedProdSchedulesFollowTheServiceNotTheColor(t *testing.T) {
	_, env := renderJSON(t, Options{Env: "prod"})
	want := []string{"evening-trough 0 20 * * * America/New_York 3/12/3", "weekday-peak 0 7 * * 1-5 America/New_York 6/12/6"}
	assert.Equal(t, want, scheduledActions(t, env, "prod-web-blue"), "the live web copy has the web schedules of Pulumi.prod.yaml")
	assert.Equal(t, want, scheduledActions(t, env, "prod-web-green"), "the other web copy with capacity has the same ones")
	assert.Empty(t, scheduledActions(t, env, "prod-recorder-blue"), "the recorder has no schedules")

	var sets []Set
	for _, k := range []string{"min", "max", "desired"} {
		sets = append(sets, Set{Stack: "prod-web-green", Key: "copy.capacity." + k, Value: "0"})
	}
	_, retired := renderJSON(t, Options{Env: "prod", Sets: sets})
	assert.Empty(t, scheduledActions(t, retired, "prod-web-green"), "an idle copy has no schedule to wake it")
	assert.Equal(t, want, scheduledActions(t, retired, "prod-web-blue"), "and the live copy keeps its own")
	var group render.CostItem
	for _, it := range retired.Cost.Stacks["prod-web-green"].Items {
		if strings.HasSuffix(it.URN, "::web-green-asg") {
			group = it
		}
	}
	require.NotEmpty(t, group.URN, "the idle group is in the estimate")
	assert.Zero(t, group.Monthly, "an idle copy's group costs nothing")
	assert.NotContains(t, group.Basis, "scheduled", "and no schedule is priced for it: %s", group.Basis)
}

func TestTextShowsTheNamesTheCertificateCovers(t *testing.T) {
	_, env := renderJSON(t, Options{Env: "prod", Stacks: []string{"prod"}})
	var text bytes.Buffer
	require.NoError(t, WriteText(&text, env), "text")
	assert.Contains(t, text.String(),
		"aws:acm/certificate:Certificate certificate  [domainName=prod.video.example.com subjectAlternativeNames=[*.prod.video.example.com,*.recorder.prod.video.example.com,*.web.prod.video.example.com] validationMethod=DNS]",
		"the domain, its wildcard and one wildcard per service, for the direct names")
}

// The production rules follow the topology's production flag, not the env's
// name: the same prod stacks, with a load balancer unprotected, break a
// mandatory rule while prod is declared production, and an advisory one
// once a copy of the project declares it not.
func TestPolicyLevelsFollowTheTopologysProductionFlag(t *testing.T) {
	set, err := ParseSet("prod-web-blue:copy.deletionProtection=false")
	require.NoError(t, err, "parse --set")
	// A policy config without level overrides, so the defaults decide.
	policy := filepath.Join(t.TempDir(), "config.prod.json")
	require.NoError(t, os.WriteFile(policy, []byte(`{"asg-multi-az": {"env": "prod"}}`), 0o600), "write policy config")
	level := func(root string) string {
		_, env := renderJSON(t, Options{Root: root, Env: "prod", Sets: []Set{set}, PolicyConfig: policy})
		for _, s := range env.Stacks {
			for _, v := range s.Violations {
				if v.Policy == "alb-deletion-protection" {
					return v.Level
				}
			}
		}
		return "none"
	}
	assert.Equal(t, "mandatory", level(scratchRoot(t)), "prod is production in the default topology")
	notProduction := scratchRoot(t)
	topologytest.Declare(t, notProduction, map[string]any{"envs": map[string]any{"prod": map[string]any{}, "staging": map[string]any{}}})
	assert.Equal(t, "advisory", level(notProduction), "prod declared not production")
}
