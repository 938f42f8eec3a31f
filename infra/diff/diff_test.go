package diff

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/video-platform/video-platform/internal/render"
)

const (
	groupType = "aws:autoscaling/group:Group"
	eipType   = "aws:ec2/eip:Eip"
	queueType = "aws:sqs/queue:Queue"
)

func res(stack, typ, name string, inputs map[string]any) render.Resource {
	return render.Resource{
		URN:    "urn:pulumi:" + stack + "::video-platform::" + typ + "::" + name,
		Type:   typ,
		Name:   name,
		Custom: true,
		Inputs: inputs,
	}
}

func weighted(stack, color string, weight any) render.Resource {
	return res(stack, recordType, "web-"+color, map[string]any{
		"name":          "www.example.com",
		"type":          "A",
		"setIdentifier": color,
		"aliases": []any{map[string]any{
			"name":                 "<computed:aws:lb/loadBalancer:LoadBalancer.dnsName[prod-web-" + color + "-alb]>",
			"evaluateTargetHealth": true,
		}},
		"weightedRoutingPolicies": []any{map[string]any{"weight": weight}},
	})
}

// copyOutputs are what a copy stack exports about itself.
func copyOutputs(color, release string, desired int) map[string]any {
	return map[string]any{
		"color": color, "service": "web", "release": release, "instanceType": "c6i.large",
		"capacity": map[string]any{"min": float64(desired), "desired": float64(desired), "max": 12.0},
	}
}

// prodEnv builds a small prod render with web live on the given color.
func prodEnv(live string) render.Env {
	blueWeight, greenWeight := 100.0, 0.0
	if live == "green" {
		blueWeight, greenWeight = 0, 100
	}
	return render.Env{
		SchemaVersion: render.SchemaVersion,
		Env:           "prod",
		LiveColors:    map[string]string{"web": live, "recorder": "blue"},
		Stacks: []render.Stack{
			{Name: "prod", Resources: []render.Resource{res("prod", eipType, "nat-ip", map[string]any{"domain": "vpc"})},
				Outputs: map[string]any{"vpcId": "<computed:aws:ec2/vpc:Vpc.id[prod-vpc]>"}},
			{Name: "prod-web-blue", References: []string{"prod"}, Outputs: copyOutputs("blue", "r1", 2), Resources: []render.Resource{
				res("prod-web-blue", "aws:ec2/launchTemplate:LaunchTemplate", "pool-lt", map[string]any{"instanceType": "c6i.large"}),
				res("prod-web-blue", groupType, "pool", map[string]any{
					"desiredCapacity": 2.0,
					"launchTemplate":  map[string]any{"id": "<computed:aws:ec2/launchTemplate:LaunchTemplate.id[pool-lt]>", "version": "$Latest"},
					"tags": []any{
						map[string]any{"key": "color", "value": "blue", "propagateAtLaunch": true},
					},
				}),
			}},
			{Name: "prod-web-green", References: []string{"prod"}, Outputs: copyOutputs("green", "r2", 3)},
			{Name: "prod-dns", References: []string{"prod-web-blue", "prod-web-green"}, Outputs: map[string]any{
				"live":      map[string]any{"web": live, "recorder": "blue"},
				"hostnames": map[string]any{"web": "www.example.com"},
			}, Resources: []render.Resource{
				weighted("prod-dns", "blue", blueWeight),
				weighted("prod-dns", "green", greenWeight),
			}},
		},
	}
}

func stackDiff(t *testing.T, r Report, name string) StackDiff {
	t.Helper()
	for _, sd := range r.Stacks {
		if sd.Name == name {
			return sd
		}
	}
	require.Failf(t, "stack missing", "no stack %s in report", name)
	return StackDiff{}
}

func TestCompareSwapReportsOnlyTheWeights(t *testing.T) {
	r := Compare(prodEnv("blue"), prodEnv("green"))

	assert.Equal(t, Summary{Change: 2, Outputs: 1}, Summary{Change: r.Summary.Change, Add: r.Summary.Add, Remove: r.Summary.Remove, Outputs: r.Summary.Outputs},
		"a swap changes two records and the live output, nothing else")
	dns := stackDiff(t, r, "prod-dns")
	assert.Equal(t, StatusChanged, dns.Status, "dns stack changed")
	require.Len(t, dns.Changed, 2, "two records change")
	assert.Equal(t, []Change{{Path: "weightedRoutingPolicies[0].weight", Op: OpChange, Old: 100.0, New: 0.0}}, dns.Changed[0].Changes, "blue record: exactly its weight")
	assert.Equal(t, "web-blue", dns.Changed[0].Name, "sorted by URN: blue first")
	assert.Equal(t, []Change{{Path: "weightedRoutingPolicies[0].weight", Op: OpChange, Old: 0.0, New: 100.0}}, dns.Changed[1].Changes, "green record: exactly its weight")
	for _, name := range []string{"prod", "prod-web-blue", "prod-web-green"} {
		assert.Equal(t, StatusUnchanged, stackDiff(t, r, name).Status, "stack %s untouched by a swap", name)
	}
	assert.Equal(t, "prod: 2 to change, 0 to add, 0 to remove, 1 output changed; estimated cost +$0.00/month; 0 mandatory violations", r.SummaryLine(), "summary line")

	text := Text(r)
	assert.Contains(t, text, "~ weightedRoutingPolicies[0].weight: 100 → 0", "text shows old and new weight")
	assert.Contains(t, text, "live colors: recorder blue, web blue → green", "text shows the swap")
}

func TestCompareNormalizesInMemoryValues(t *testing.T) {
	old := render.Env{Env: "staging", Stacks: []render.Stack{{Name: "staging", Resources: []render.Resource{
		res("staging", queueType, "jobs", map[string]any{"delaySeconds": 0.0, "tags": map[string]any{"env": "staging"}, "subnets": []any{"a", "b"}}),
	}}}}
	neu := render.Env{Env: "staging", Stacks: []render.Stack{{Name: "staging", Resources: []render.Resource{
		res("staging", queueType, "jobs", map[string]any{"delaySeconds": 0, "tags": map[string]string{"env": "staging"}, "subnets": []string{"a", "b"}}),
	}}}}

	r := Compare(old, neu)

	assert.Zero(t, r.Summary.Change, "int vs float64, []string vs []any and typed maps are the same JSON")
}

func TestCompareAddRemove(t *testing.T) {
	old := prodEnv("blue")
	neu := prodEnv("blue")
	neu.Stacks[0].Resources = append(neu.Stacks[0].Resources, res("prod", queueType, "jobs", map[string]any{}))
	neu.Stacks[1].Resources = neu.Stacks[1].Resources[:1]
	neu.Stacks = append(neu.Stacks, render.Stack{Name: "prod-transcoders", References: []string{"prod"},
		Resources: []render.Resource{res("prod-transcoders", queueType, "work", nil)}})
	old.Stacks = append(old.Stacks, render.Stack{Name: "prod-legacy", Resources: []render.Resource{res("prod-legacy", eipType, "old-ip", nil)}})
	neu.Stacks[0].Outputs = map[string]any{"vpcId": "<computed:aws:ec2/vpc:Vpc.id[prod-vpc]>", "queueUrl": "<computed:aws:sqs/queue:Queue.url[jobs]>"}

	r := Compare(old, neu)

	base := stackDiff(t, r, "prod")
	require.Len(t, base.Added, 1, "queue added to base")
	assert.Equal(t, "jobs", base.Added[0].Name, "added resource named")
	assert.Equal(t, []Change{{Path: "queueUrl", Op: OpAdd, New: "<computed:aws:sqs/queue:Queue.url[jobs]>"}}, base.Outputs, "output added")
	web := stackDiff(t, r, "prod-web-blue")
	require.Len(t, web.Removed, 1, "pool removed")
	assert.Equal(t, "pool", web.Removed[0].Name, "removed resource named")
	assert.Equal(t, StatusAdded, stackDiff(t, r, "prod-transcoders").Status, "new stack")
	legacy := stackDiff(t, r, "prod-legacy")
	assert.Equal(t, StatusRemoved, legacy.Status, "stack gone")
	assert.Len(t, legacy.Removed, 1, "its resources are removed")
	assert.Equal(t, "prod-legacy", r.Stacks[len(r.Stacks)-1].Name, "removed stacks come after the new render's stacks")
	assert.Equal(t, 2, r.Summary.Add, "summary adds")
	assert.Equal(t, 2, r.Summary.Remove, "summary removes")

	// The queue and the new stack's queue are priced, the EIP is gone.
	assert.InDelta(t, 2.0, stackDiff(t, r, "prod").Cost.Delta(), 1e-9, "base stack gains a queue at 5M requests x $0.40/M")
	assert.InDelta(t, -3.65, legacy.Cost.Delta(), 1e-9, "legacy stack loses its public IPv4")
	assert.InDelta(t, -2*0.085*730, web.Cost.Delta(), 1e-9, "the removed pool's 2 x c6i.large no longer cost anything")
	assert.Contains(t, r.SummaryLine(), "estimated cost", "summary has the cost")
}

// A resource moved under a component keeps its identity through an alias
// to its old URN: the engine updates it in place, so the comment lists
// neither a deletion nor a creation, only what its inputs change.
func TestCompareMatchesAMovedResourceByItsAlias(t *testing.T) {
	old := prodEnv("blue")
	neu := prodEnv("blue")
	moved := res("prod", eipType, "nat-ip", map[string]any{"domain": "vpc", "tags": map[string]any{"tier": "base"}})
	moved.URN = "urn:pulumi:prod::video-platform::video-platform:network:Network$" + eipType + "::nat-ip"
	moved.Aliases = []string{old.Stacks[0].Resources[0].URN}
	neu.Stacks[0].Resources = []render.Resource{moved}

	r := Compare(old, neu)
	base := stackDiff(t, r, "prod")
	assert.Empty(t, base.Removed, "the old URN is the moved resource, not a deletion")
	assert.Empty(t, base.Added, "the new URN is not a creation")
	require.Len(t, base.Changed, 1, "its inputs are still compared")
	assert.Equal(t, moved.URN, base.Changed[0].URN, "under its new URN")
	assert.Equal(t, 0, r.Summary.Remove+r.Summary.Add, "nothing created or deleted")

	moved.Aliases = []string{"urn:pulumi:prod::video-platform::" + eipType + "::other-ip"}
	neu.Stacks[0].Resources = []render.Resource{moved}
	r = Compare(old, neu)
	assert.Len(t, stackDiff(t, r, "prod").Removed, 1, "an alias to another URN covers nothing: the old one is deleted")
}

func TestCompareNestedPathsAndQuotedKeys(t *testing.T) {
	old := render.Env{Env: "prod", Stacks: []render.Stack{{Name: "prod", Resources: []render.Resource{
		res("prod", groupType, "pool", map[string]any{
			"tags":  []any{map[string]any{"key": "release", "value": "r1"}},
			"extra": map[string]any{"kubernetes.io/role": "web", "gone": 1.0},
			"list":  []any{1.0, 2.0, 3.0},
		}),
	}}}}
	neu := render.Env{Env: "prod", Stacks: []render.Stack{{Name: "prod", Resources: []render.Resource{
		res("prod", groupType, "pool", map[string]any{
			"tags":  []any{map[string]any{"key": "release", "value": "r2"}},
			"extra": map[string]any{"kubernetes.io/role": "api", "fresh": true},
			"list":  []any{1.0, 2.0},
		}),
	}}}}
	old.Cost, neu.Cost = render.Cost{Stacks: map[string]render.StackCost{}}, render.Cost{Stacks: map[string]render.StackCost{}}

	r := Compare(old, neu)

	require.Len(t, r.Stacks[0].Changed, 1, "one resource changed")
	assert.Equal(t, []Change{
		{Path: "extra.fresh", Op: OpAdd, New: true},
		{Path: "extra.gone", Op: OpRemove, Old: 1.0},
		{Path: `extra["kubernetes.io/role"]`, Op: OpChange, Old: "web", New: "api"},
		{Path: "list[2]", Op: OpRemove, Old: 3.0},
		{Path: "tags.release.value", Op: OpChange, Old: "r1", New: "r2"},
	}, r.Stacks[0].Changed[0].Changes, "paths dotted, indexed, quoted where needed, in key order")
}

func TestCompareSecretsStayMasked(t *testing.T) {
	mk := func(password, token any, extra map[string]any) render.Env {
		in := map[string]any{"password": password, "token": token}
		for k, v := range extra {
			in[k] = v
		}
		return render.Env{Env: "prod", Stacks: []render.Stack{{Name: "prod",
			Resources: []render.Resource{res("prod", "aws:ssm/parameter:Parameter", "db", in)},
			Outputs:   map[string]any{"dbPassword": password},
		}}}
	}
	old := mk(Secret, "hunter2-plain", nil)
	neu := mk(Secret, Secret, map[string]any{"nested": map[string]any{"key": Secret}})

	r := Compare(old, neu)

	require.Len(t, r.Stacks[0].Changed, 1, "the resource changed")
	assert.Equal(t, []Change{
		{Path: "nested", Op: OpAdd, New: map[string]any{"key": Secret}},
		{Path: "token", Op: OpChange, Old: Secret, New: Secret, Secret: true},
	}, r.Stacks[0].Changed[0].Changes, "secret to secret is no change; a value turning secret is masked on both sides")
	assert.Empty(t, r.Stacks[0].Outputs, "a secret output that stays secret is no change")
	for name, out := range map[string]string{"text": Text(r), "markdown": Markdown(r, 0)} {
		assert.NotContains(t, out, "hunter2", "%s output never shows a value that became secret", name)
		assert.Contains(t, out, "token: [secret] → [secret] (secret)", "%s output says the secret changed", name)
		assert.Contains(t, out, `nested: {"key":"[secret]"}`, "%s output keeps nested secrets masked", name)
	}
}

func TestCompareCostAndViolations(t *testing.T) {
	old := prodEnv("blue")
	neu := prodEnv("blue")
	neu.Stacks[0].Resources = append(neu.Stacks[0].Resources, res("prod", eipType, "nat-ip-2", map[string]any{}))
	neu.Stacks[3].Violations = []render.Violation{
		{Policy: "dns-weights-sum", Level: "mandatory", URN: "urn:x", Message: "weights must sum to 100"},
		{Policy: "tag-owner", Level: "advisory", Message: "add an owner <tag>"},
	}

	r := Compare(old, neu)

	base := stackDiff(t, r, "prod")
	assert.InDelta(t, 3.65, base.Cost.Old, 1e-9, "old base cost: one public IPv4")
	assert.InDelta(t, 7.30, base.Cost.New, 1e-9, "new base cost: two public IPv4")
	assert.Equal(t, 1, r.Summary.Mandatory, "mandatory counted")
	assert.Equal(t, 1, r.Summary.Advisory, "advisory counted")
	assert.Equal(t, "prod: 0 to change, 1 to add, 0 to remove; estimated cost +$3.65/month; 1 mandatory violation", r.SummaryLine(), "summary with cost and violations")
	md := Markdown(r, 0)
	assert.Contains(t, md, "| prod | $3.65 | $7.30 | +$3.65 |", "cost table row per stack")
	assert.Contains(t, md, "- [mandatory] dns-weights-sum: weights must sum to 100 (urn:x)", "violation listed")
	assert.Contains(t, md, "add an owner &lt;tag&gt;", "violation text is escaped")
}

func TestCompareUsesRenderedCostWhenPresent(t *testing.T) {
	old, neu := prodEnv("blue"), prodEnv("blue")
	old.Cost = render.Cost{Currency: "USD", Monthly: 10, Stacks: map[string]render.StackCost{"prod": {Monthly: 10}}, Source: "rendered"}
	neu.Cost = render.Cost{Currency: "USD", Monthly: 12.5, Stacks: map[string]render.StackCost{"prod": {Monthly: 12.5}}, Source: "rendered"}

	r := Compare(old, neu)

	assert.InDelta(t, 2.5, stackDiff(t, r, "prod").Cost.Delta(), 1e-9, "the render's own estimate is used")
	assert.Equal(t, "rendered", r.CostSource, "its source is carried")
	assert.Contains(t, r.SummaryLine(), "estimated cost +$2.50/month", "summary delta")
}

func TestMarkdownShape(t *testing.T) {
	r := Compare(prodEnv("blue"), prodEnv("green"))

	md := Markdown(r, 0)

	lines := strings.Split(md, "\n")
	require.Greater(t, len(lines), 3, "a comment of several lines")
	assert.Equal(t, "web: blue → green", lines[0], "the swap comes first")
	assert.Equal(t, "- green (live after this change): release r2, capacity 3 (min 3, max 12), c6i.large", lines[1], "then the copy that takes the traffic")
	assert.Equal(t, "- blue (live until now): release r1, capacity 2 (min 2, max 12), c6i.large", lines[2], "and the one that gives it up")
	assert.Contains(t, md, "\n\n"+r.SummaryLine()+"\n\nEstimated monthly cost: $127.75 → $127.75 (+$0.00)\n\n3 of 4 stacks unchanged: prod, prod-web-blue, prod-web-green.\n\n",
		"then the summary, the cost delta and the unchanged stacks")
	assert.Less(t, strings.Index(md, r.SummaryLine()), strings.Index(md, "```mermaid"), "the summary comes before the diagram")

	assert.Equal(t, 1, strings.Count(md, "<details><summary>"), "only the changed stack gets a section")
	assert.Contains(t, md, "<details><summary>prod-dns: 2 to change, 0 to add, 0 to remove; 1 output changed; cost $0.00 → $0.00/month (+$0.00)</summary>", "its heading with cost")
	assert.Contains(t, md, "```diff\n~ aws:route53/record:Record web-blue\n  ~ weightedRoutingPolicies[0].weight: 100 → 0\n", "changes in a diff block, marked as pulumi marks an update")
	assert.Contains(t, md, "| prod-dns | $0.00 | $0.00 | +$0.00 |\n| **Total (estimate)** |", "a cost row for the changed stack only")
	assert.NotContains(t, md, "| prod-web-blue |", "no cost row for an unchanged stack")

	assert.Contains(t, md, `s2["prod-web-green (live)"]`, "live color marked after the swap")
	assert.Contains(t, md, `s1["prod-web-blue (idle)"]`, "the other color is idle")
	assert.Contains(t, md, "  s3 --> s1\n  s3 --> s2\n", "dns reads both web colors, as edges 2 and 3")
	assert.Contains(t, md, "  class s3 changed\n", "the changed stack is highlighted")
	assert.NotContains(t, md, "class s0 changed", "an unchanged stack is not")
	assert.Contains(t, md, "  linkStyle 3 stroke:", "the arrow from dns to the new live copy is highlighted")
	assert.Equal(t, 1, strings.Count(md, "linkStyle"), "and no other arrow")

	assert.True(t, strings.HasSuffix(md, "<sub>"+escapeMarkdownLine(r.CostSource)+"</sub>\n"), "the estimate's disclaimer ends the comment, in small print")
}

// bigEnv makes a render with thousands of resources in several stacks.
func bigEnv(stacks, perStack int, version string) render.Env {
	env := render.Env{Env: "prod", LiveColors: map[string]string{"web": "blue"}}
	for s := 0; s < stacks; s++ {
		name := fmt.Sprintf("prod-svc%d", s)
		st := render.Stack{Name: name, References: []string{"prod"}, Outputs: map[string]any{"version": version}}
		for i := 0; i < perStack; i++ {
			st.Resources = append(st.Resources, res(name, queueType, fmt.Sprintf("queue-%05d", i), map[string]any{
				"visibilityTimeoutSeconds": 30.0,
				"tags":                     map[string]any{"release": version, "index": float64(i)},
			}))
		}
		if version == "v2" {
			st.Resources = append(st.Resources, res(name, queueType, "brand-new", nil))
			st.Violations = []render.Violation{{Policy: "p", Level: "mandatory", Message: "fix it"}}
		}
		env.Stacks = append(env.Stacks, st)
	}
	return env
}

func TestMarkdownLargeDiffStaysUnderLimit(t *testing.T) {
	r := Compare(bigEnv(6, 1000, "v1"), bigEnv(6, 1000, "v2"))
	require.Equal(t, 6000, r.Summary.Change, "every queue's release tag changed")

	for _, limit := range []int{0, DefaultLimit, 20000, 3000} {
		t.Run(fmt.Sprint(limit), func(t *testing.T) {
			md := Markdown(r, limit)
			want := limit
			if want == 0 {
				want = DefaultLimit
			}
			assert.LessOrEqual(t, len(md), want, "markdown stays under the limit")
			assert.True(t, strings.HasPrefix(md, r.SummaryLine()+"\n"), "summary is kept first")
			assert.Contains(t, md, "more changes not shown", "long sections say what they cut")
			assert.Equal(t, strings.Count(md, "<details>"), strings.Count(md, "</details>"), "no section left open")
			assert.Equal(t, 6, strings.Count(md, "<details><summary>"), "every stack keeps its section")
		})
	}
	assert.Greater(t, len(Markdown(r, 0)), DefaultLimit*9/10, "the room is used, not wasted")
	assert.Greater(t, len(Text(r)), DefaultLimit, "text is not cut")
}

func TestMarkdownTinyLimitKeepsSummary(t *testing.T) {
	r := Compare(bigEnv(3, 50, "v1"), bigEnv(3, 50, "v2"))
	for _, limit := range []int{400, 150, 20} {
		md := Markdown(r, limit)
		assert.True(t, strings.HasPrefix(md, r.SummaryLine()), "limit %d: summary never dropped", limit)
		if len(r.SummaryLine())+1 < limit {
			assert.LessOrEqual(t, len(md), limit, "limit %d respected when the summary fits", limit)
		}
	}
}

func TestOutputHasNoANSIAndIsDeterministic(t *testing.T) {
	old, neu := bigEnv(4, 200, "v1"), bigEnv(4, 200, "v2")
	neu.LiveColors = map[string]string{"web": "green", "recorder": "blue", "api": "blue"}

	r1, r2 := Compare(old, neu), Compare(old, neu)
	j1, err := json.Marshal(r1)
	require.NoError(t, err, "report marshals")
	j2, err := json.Marshal(r2)
	require.NoError(t, err, "report marshals")
	assert.Equal(t, string(j1), string(j2), "same inputs, same report")

	for name, f := range map[string]func(Report) string{
		"text":     Text,
		"markdown": func(r Report) string { return Markdown(r, 0) },
		"short":    func(r Report) string { return Markdown(r, 5000) },
	} {
		a, b := f(r1), f(r2)
		assert.Equal(t, a, b, "%s: two calls give the same bytes", name)
		assert.NotContains(t, a, "\x1b", "%s: no ANSI escape codes", name)
	}
}
