package diff

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/video-platform/video-platform/internal/render"
)

// canaryEnv is prodEnv with a canary share for green.
func canaryEnv(canary float64) render.Env {
	env := prodEnv("blue")
	dns := &env.Stacks[3]
	dns.Resources[0].Inputs["weightedRoutingPolicies"] = []any{map[string]any{"weight": 100 - canary}}
	dns.Resources[1].Inputs["weightedRoutingPolicies"] = []any{map[string]any{"weight": canary}}
	return env
}

func TestCanaryChangeLeads(t *testing.T) {
	r := Compare(canaryEnv(0), canaryEnv(10))

	require.Len(t, r.Traffic, 1, "one service's traffic moves")
	assert.False(t, r.Traffic[0].Swap(), "not a swap")
	md := Markdown(r, 0)
	assert.True(t, strings.HasPrefix(md, "web: canary on green 0% → 10% (blue stays live)\n- green (the canary): release r2, capacity 3 (min 3, max 12), c6i.large\n\n"),
		"the canary leads, with the copy that takes it:\n%s", md)
	assert.Contains(t, md, "  linkStyle 3 stroke:", "the arrow to the canary copy is highlighted")

	assert.Empty(t, Compare(canaryEnv(10), canaryEnv(10)).Traffic, "no change, no traffic line")
	dropped := canaryEnv(0)
	dropped.Stacks[3].Resources = dropped.Stacks[3].Resources[:1]
	assert.Empty(t, Compare(canaryEnv(0), dropped).Traffic, "dropping the idle color's record at weight 0 moves no traffic")
	swapWithCanary := Compare(prodEnv("blue"), func() render.Env {
		env := prodEnv("green")
		env.Stacks[3].Resources[0].Inputs["weightedRoutingPolicies"] = []any{map[string]any{"weight": 10.0}}
		return env
	}())
	require.Len(t, swapWithCanary.Traffic, 1, "the swap")
	assert.Equal(t, "web: blue → green (blue keeps 10% as a canary)", swapWithCanary.Traffic[0].Headline(), "a swap that keeps a canary on the old color says so")
}

func TestLeadOrderAndLimit(t *testing.T) {
	old, neu := prodEnv("blue"), prodEnv("green")
	old.Stacks[0].Resources = append(old.Stacks[0].Resources,
		res("prod", queueType, "jobs", map[string]any{"name": "jobs", "fifoQueue": false}),
		res("prod", queueType, "legacy", map[string]any{"name": "legacy"}))
	neu.Stacks[0].Resources = append(neu.Stacks[0].Resources,
		res("prod", queueType, "jobs", map[string]any{"name": "jobs", "fifoQueue": true}))
	old.Stacks = append(old.Stacks, render.Stack{Name: "prod-legacy", Resources: []render.Resource{
		res("prod-legacy", eipType, "ip-1", nil), res("prod-legacy", eipType, "ip-2", nil),
		{URN: "urn:pulumi:prod-legacy::video-platform::video-platform:network:Thing::thing", Type: "video-platform:network:Thing", Name: "thing"},
	}})

	r := Compare(old, neu)
	md := Markdown(r, 0)

	want := "web: blue → green\n" +
		"- green (live after this change): release r2, capacity 3 (min 3, max 12), c6i.large\n" +
		"- blue (live until now): release r1, capacity 2 (min 2, max 12), c6i.large\n\n" +
		"Replaced (1):\n\n```diff\n+- prod: aws:sqs/queue:Queue jobs (fifoQueue forces replacement)\n```\n\n" +
		"Deleted (2):\n\n```diff\n- prod: aws:sqs/queue:Queue legacy\n- prod-legacy: the whole stack, 2 resources\n```\n\n" +
		r.SummaryLine() + "\n\n"
	require.True(t, strings.HasPrefix(md, want), "swap, replaced, deleted, then the summary:\n%s", md)
	assert.Contains(t, md, "\n\n2 of 5 stacks unchanged: prod-web-blue, prod-web-green.\n\n", "the removed stack is not unchanged")

	for _, limit := range []int{len(want) + 60, len(want) / 2} {
		cut := Markdown(r, limit)
		assert.True(t, strings.HasPrefix(cut, want), "limit %d: the risks and the summary are never cut", limit)
		if limit > len(want) {
			assert.LessOrEqual(t, len(cut), limit, "limit %d: respected when the lead fits", limit)
		}
	}
}

func TestConfigErrorLeadsAndNothingIsCompared(t *testing.T) {
	refused := render.Env{SchemaVersion: render.SchemaVersion, Env: "prod", Stacks: []render.Stack{}, ConfigErrors: []render.ConfigError{{
		Stack: "prod-dns", Key: "video-platform:live.web",
		Message: `stack prod-dns: config video-platform:live.web = "gren" is not accepted; accepted: one of blue, green`,
	}}}

	r := Compare(prodEnv("blue"), refused)

	assert.Empty(t, r.Stacks, "nothing is compared with a render that has no stacks")
	assert.Zero(t, r.Summary.Remove, "so nothing reads as removed")
	md := Markdown(r, 0)
	assert.Equal(t, "Config error in prod-dns: video-platform:live.web\n\n"+
		"```text\nstack prod-dns: config video-platform:live.web = \"gren\" is not accepted; accepted: one of blue, green\n```\n\n"+
		"prod: the head does not render: 1 config value refused, nothing compared\n", md, "the comment is the error and what it means")
	assert.Contains(t, Text(r), "config error: stack prod-dns: config video-platform:live.web = \"gren\"", "the text output names it too")
	assert.NotContains(t, Text(r), "live colors", "no live colors from a render that has none")
}

func TestBaseThatDidNotRenderIsSaid(t *testing.T) {
	base := render.Env{SchemaVersion: render.SchemaVersion, Env: "prod", Stacks: []render.Stack{},
		ConfigErrors: []render.ConfigError{{Stack: "prod-web-blue", Key: "video-platform:copy", Message: "refused"}}}

	md := Markdown(Compare(base, prodEnv("blue")), 0)

	assert.True(t, strings.HasPrefix(md, "The base does not render (config refused in prod-web-blue), so every stack shows as new.\n\nprod: 0 to change, 5 to add"),
		"said before the summary, which would otherwise read as a big change:\n%s", md)
}

func TestUnchangedStackWithMandatoryViolationKeepsItsSection(t *testing.T) {
	old, neu := prodEnv("blue"), prodEnv("blue")
	neu.Stacks[1].Violations = []render.Violation{{Policy: "capacity-cap", Level: "advisory", Message: "advisory only"}}
	neu.Stacks[2].Violations = []render.Violation{{Policy: "asg-multi-az", Level: "mandatory", Message: "one AZ"}}

	md := Markdown(Compare(old, neu), 0)

	assert.Contains(t, md, "<details><summary>prod-web-green: no changes;", "a stack that blocks the merge shows why")
	assert.Contains(t, md, "- [mandatory] asg-multi-az: one AZ", "with its finding")
	assert.NotContains(t, md, "<summary>prod-web-blue", "an unchanged stack with advisory findings only gets no section")
	assert.Equal(t, 1, strings.Count(md, "<details>"), "and no other stack does")
	assert.Contains(t, md, "All 4 stacks unchanged.", "findings are not changes")
	assert.NotContains(t, md, "| Stack |", "no cost table when no stack changes")
}
