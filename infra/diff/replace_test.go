package diff

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/video-platform/video-platform/internal/render"
)

const (
	ltType = "aws:ec2/launchTemplate:LaunchTemplate"
	tgType = "aws:lb/targetGroup:TargetGroup"
)

// copyEnv is a prod render with one copy stack holding the given resources.
func copyEnv(resources ...render.Resource) render.Env {
	return render.Env{Env: "prod", Stacks: []render.Stack{{Name: "prod-web-green", Resources: resources}}}
}

func changedResource(t *testing.T, r Report, name string) ResourceChange {
	t.Helper()
	for _, sd := range r.Stacks {
		for _, rc := range sd.Changed {
			if rc.Name == name {
				return rc
			}
		}
	}
	require.Failf(t, "resource not changed", "no changed resource %s", name)
	return ResourceChange{}
}

func TestReplacementMarks(t *testing.T) {
	group := func(hookTimeout float64, desired float64) render.Resource {
		g := res("prod-web-green", groupType, "web-green-asg", map[string]any{
			"desiredCapacity":       desired,
			"initialLifecycleHooks": []any{map[string]any{"name": "drain", "heartbeatTimeout": hookTimeout}},
		})
		g.ReplaceOnChanges = []string{"initialLifecycleHooks"}
		g.IgnoreChanges = []string{"desiredCapacity"}
		return g
	}
	ignoredName := func(name string) render.Resource {
		q := res("prod-web-green", queueType, "jobs", map[string]any{"name": name})
		q.IgnoreChanges = []string{"name"}
		return q
	}
	old := copyEnv(
		res("prod-web-green", ltType, "web-green-lt", map[string]any{"instanceType": "c6i.large", "namePrefix": "prod-web-green-"}),
		res("prod-web-green", tgType, "web-green-tg", map[string]any{"name": "web-green-tg", "port": 8080.0}),
		group(300, 3),
		ignoredName("jobs-a"),
	)
	neu := copyEnv(
		res("prod-web-green", ltType, "web-green-lt", map[string]any{"instanceType": "c6i.xlarge", "namePrefix": "prod-web-green-"}),
		res("prod-web-green", tgType, "web-green-tg", map[string]any{"name": "web-green-tg2", "port": 8080.0}),
		group(3600, 6),
		ignoredName("jobs-b"),
	)

	r := Compare(old, neu)

	lt := changedResource(t, r, "web-green-lt")
	assert.Equal(t, OpChange, lt.Op(), "a changed instanceType on a launch template is an update in place")
	assert.Empty(t, lt.Replace, "nothing forces it")
	tg := changedResource(t, r, "web-green-tg")
	assert.Equal(t, OpReplace, tg.Op(), "a changed name on a target group is a replacement (ForceNew)")
	assert.Equal(t, []string{"name"}, tg.Replace, "and the name is why")
	asg := changedResource(t, r, "web-green-asg")
	assert.Equal(t, []string{"initialLifecycleHooks"}, asg.Replace, "the group's replaceOnChanges path replaces it; its ignored desired capacity does not count")
	assert.Equal(t, OpChange, changedResource(t, r, "jobs").Op(), "a ForceNew input the resource ignores replaces nothing")

	md := Markdown(r, 0)
	assert.Contains(t, md, "\n~ aws:ec2/launchTemplate:LaunchTemplate web-green-lt\n  ~ instanceType: \"c6i.large\" → \"c6i.xlarge\"\n", "the section marks the update ~")
	assert.Contains(t, md, "\n+- aws:lb/targetGroup:TargetGroup web-green-tg (name forces replacement)\n", "and the replacement +-")
	assert.True(t, strings.HasPrefix(md, "Replaced (2):\n\n```diff\n"+
		"+- prod-web-green: aws:autoscaling/group:Group web-green-asg (initialLifecycleHooks forces replacement)\n"+
		"+- prod-web-green: aws:lb/targetGroup:TargetGroup web-green-tg (name forces replacement)\n```\n\n"+r.SummaryLine()+"\n"),
		"the comment leads with the replacements, then the summary:\n%s", md)
	assert.Contains(t, Text(r), "  +- aws:lb/targetGroup:TargetGroup web-green-tg (name forces replacement)\n", "the text output marks it too")
}

func TestTagsAreDiffedByKey(t *testing.T) {
	tag := func(key, value string) map[string]any {
		return map[string]any{"key": key, "value": value, "propagateAtLaunch": true}
	}
	old := copyEnv(res("prod-web-green", groupType, "pool", map[string]any{
		"tags": []any{tag("color", "green"), tag("env", "prod"), tag("release", "r1")},
	}))
	neu := copyEnv(res("prod-web-green", groupType, "pool", map[string]any{
		"tags": []any{tag("color", "green"), tag("delivery", "ci"), tag("env", "prod"), tag("release", "r2")},
	}))

	r := Compare(old, neu)

	assert.Equal(t, []Change{
		{Path: "tags.delivery", Op: OpAdd, New: map[string]any{"value": "ci", "propagateAtLaunch": true}},
		{Path: "tags.release.value", Op: OpChange, Old: "r1", New: "r2"},
	}, changedResource(t, r, "pool").Changes, "a tag inserted before others is one addition, not a shift of every later index")

	dup := []any{tag("env", "prod"), tag("env", "staging")}
	old = copyEnv(res("prod-web-green", groupType, "pool", map[string]any{"tags": dup}))
	neu = copyEnv(res("prod-web-green", groupType, "pool", map[string]any{"tags": []any{tag("env", "prod"), tag("env", "prod")}}))
	assert.Equal(t, "tags[1].value", changedResource(t, Compare(old, neu), "pool").Changes[0].Path, "a key listed twice cannot key the list, so it stays by index")
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func TestUserDataIsDecodedAndDiffedByLine(t *testing.T) {
	script := func(release string) string {
		return "#!/bin/bash\nset -euo pipefail\n\nIMAGE='repo/web:" + release + "'\nREGION=us-east-1\ndocker run \"$IMAGE\"\n"
	}
	old := copyEnv(res("prod-web-green", ltType, "web-green-lt", map[string]any{"userData": b64(script("2026.11.27-1"))}))
	neu := copyEnv(res("prod-web-green", ltType, "web-green-lt", map[string]any{"userData": b64(script("2026.12.04-1"))}))

	r := Compare(old, neu)

	changes := changedResource(t, r, "web-green-lt").Changes
	require.Len(t, changes, 1, "the user data changed")
	assert.Equal(t, []string{
		"@@ -3,3 +3,3 @@",
		" ",
		"-IMAGE='repo/web:2026.11.27-1'",
		"+IMAGE='repo/web:2026.12.04-1'",
		" REGION=us-east-1",
	}, changes[0].Lines, "one changed line, one line of context either side")
	md := Markdown(r, 0)
	assert.Contains(t, md, "  ~ userData (decoded, by line):\n    @@ -3,3 +3,3 @@\n\n-   IMAGE='repo/web:2026.11.27-1'\n+   IMAGE='repo/web:2026.12.04-1'\n    REGION=us-east-1\n",
		"the lines are shown with their mark in the first column, where a diff block colours them")
	assert.NotContains(t, md, b64(script("2026.12.04-1")), "no base64 wall")

	notBase64 := copyEnv(res("prod-web-green", ltType, "web-green-lt", map[string]any{"userData": "<computed:aws:ssm/parameter:Parameter.value[boot]>"}))
	r = Compare(old, notBase64)
	assert.Empty(t, changedResource(t, r, "web-green-lt").Changes[0].Lines, "a value that is not base64 text is shown as it is")
}

func TestLineDiff(t *testing.T) {
	a := "1\n2\n3\n4\n5\n6\n7\n8\n9\n"
	cases := []struct {
		name, b string
		want    []string
	}{
		{"same", a, nil},
		{"two changes far apart are two hunks", "1\nTWO\n3\n4\n5\n6\n7\nEIGHT\n9\n",
			[]string{"@@ -1,3 +1,3 @@", " 1", "-2", "+TWO", " 3", "@@ -7,3 +7,3 @@", " 7", "-8", "+EIGHT", " 9"}},
		{"changes two lines apart share a hunk", "1\nTWO\n3\n4\nFIVE\n6\n7\n8\n9\n",
			[]string{"@@ -1,6 +1,6 @@", " 1", "-2", "+TWO", " 3", " 4", "-5", "+FIVE", " 6"}},
		{"an insertion", "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n",
			[]string{"@@ -9 +9,2 @@", " 9", "+10"}},
		{"a deletion at the start", "2\n3\n4\n5\n6\n7\n8\n9\n",
			[]string{"@@ -1,2 +1 @@", "-1", " 2"}},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, lineDiff(a, c.b, 1), c.name)
	}
	assert.Equal(t, []string{"@@ -0,0 +1,2 @@", "+a", "+b"}, lineDiff("", "a\nb\n", 1), "from nothing")
}
