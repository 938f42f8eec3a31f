package diff

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/video-platform/video-platform/infra/synth"
	"github.com/video-platform/video-platform/internal/render"
)

var update = flag.Bool("update", false, "rewrite the golden comments in testdata/ from what the code writes now")

const repoRoot = "../.."

// pinned are the config values that the deploy workflow commits (live
// colors, canaries, copies, transcoder releases), set to what the base of
// every golden PR runs, so that a deployment does not change the goldens.
// Everything else comes from the committed Pulumi.<stack>.yaml files.
var pinned = []string{
	`prod-dns:live={"web":"blue","recorder":"blue"}`,
	`prod-dns:canary={}`,
	`prod-dns:previous={}`,
	`prod-web-blue:copy={"release":"2026.11.20-1","capacity":{"min":3,"max":12,"desired":3},"instanceType":"c6i.large"}`,
	`prod-web-green:copy={"release":"2026.11.27-1","capacity":{"min":3,"max":12,"desired":3},"instanceType":"c6i.large"}`,
	`prod-recorder-blue:copy={"release":"2026.11.20-1","capacity":{"min":3,"max":9,"desired":3},"instanceType":"c6i.xlarge"}`,
	`prod-recorder-green:copy={"release":"2026.11.13-1","capacity":{"min":0,"max":0,"desired":0},"instanceType":"c6i.xlarge"}`,
	`prod-transcoders:transcoders={"active":"2026.11.20-1","draining":["2026.11.13-1"],"maxDraining":2,` +
		`"instanceTypes":["c6i.xlarge","c6a.xlarge","c5.xlarge","c7i.xlarge"],"capacity":{"min":2,"max":20,"desired":2},` +
		`"onDemandBase":1,"onDemandPercentageAboveBase":0,"averageJobSeconds":120,"acceptableLatencySeconds":600,"jobHeartbeatSeconds":1800}`,
}

// renderProd renders prod with the real offline synth, the pinned values and
// the PR's own overrides, and reads it back from JSON as CI does.
func renderProd(t *testing.T, overrides ...string) render.Env {
	t.Helper()
	opts := synth.Options{Root: repoRoot, Env: "prod"}
	for _, s := range append(append([]string{}, pinned...), overrides...) {
		set, err := synth.ParseSet(s)
		require.NoError(t, err, "--set %s", s)
		opts.Sets = append(opts.Sets, set)
	}
	env, err := synth.Render(opts)
	if len(env.ConfigErrors) == 0 {
		require.NoError(t, err, "render prod with %q", overrides)
	}
	raw, err := json.Marshal(env)
	require.NoError(t, err, "marshal the render")
	var read render.Env
	require.NoError(t, json.Unmarshal(raw, &read), "read the render back")
	return read
}

// TestGoldenComments renders three pull requests against the same base and
// compares their comments with testdata/<name>.md. After a deliberate change
// of the comment (or of what the stacks render), regenerate them with
//
//	go test ./infra/diff -run TestGoldenComments -update
//
// and read the diff of testdata/ before committing it.
func TestGoldenComments(t *testing.T) {
	base := renderProd(t)
	cases := []struct {
		name  string
		sets  []string
		check func(t *testing.T, md string)
	}{
		{"swap", []string{"prod-dns:live.web=green"}, func(t *testing.T, md string) {
			lines := strings.Split(md, "\n")
			assert.Equal(t, "web: blue → green", lines[0], "the swap is the first line")
			assert.Equal(t, "- green (live after this change): release 2026.11.27-1, capacity 3 (min 3, max 12), c6i.large", lines[1], "with the release and capacity that take the traffic")
			assert.Equal(t, 1, strings.Count(md, "<details>"), "one section: the DNS stack's")
			assert.Contains(t, md, "<details><summary>prod-dns:", "the DNS stack's")
			assert.Contains(t, md, "\n6 of 7 stacks unchanged: ", "the others are counted")
			assert.Contains(t, md, "  linkStyle 9 stroke:", "the arrow from prod-dns (s6) to prod-web-green (s4), the tenth, is highlighted")
		}},
		{"new-release-idle-copy", []string{"prod-web-green:copy.release=2026.12.04-1"}, func(t *testing.T, md string) {
			assert.True(t, strings.HasPrefix(md, "prod: 3 to change, 0 to add, 0 to remove"),
				"a release on the idle copy moves no traffic and replaces and deletes nothing, so the summary comes first")
			assert.Contains(t, md, "\n-   IMAGE='<computed:aws:ecr/repository:Repository.repositoryUrl[web-repo]>:2026.11.27-1'\n"+
				"+   IMAGE='<computed:aws:ecr/repository:Repository.repositoryUrl[web-repo]>:2026.12.04-1'\n", "the image tag in the decoded user data")
			assert.Contains(t, md, "~ tags.release.value: \"2026.11.27-1\" → \"2026.12.04-1\"", "the group's release tag, by key")
			assert.Equal(t, 1, strings.Count(md, "<details>"), "one section: the green copy's")
			assert.Contains(t, md, "  class s4 changed\n", "the green copy is highlighted")
			assert.NotContains(t, md, "linkStyle", "no traffic moves")
		}},
		{"config-typo", []string{"prod-web-green:copy.relase=2026.12.04-1"}, func(t *testing.T, md string) {
			first, _, _ := strings.Cut(md, "\n")
			assert.Equal(t, "Config error in prod-web-green: video-platform:copy.relase", first, "the refused key leads, with its full path")
			assert.Contains(t, md, "is not a field of video-platform:copy; accepted: its fields release, capacity,", "with the stack's own explanation")
			assert.NotContains(t, md, "<details>", "nothing is compared")
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			head := renderProd(t, c.sets...)
			require.NoError(t, CheckSchema(base, head), "renders of one binary compare")
			md := Markdown(Compare(base, head), 0)
			assert.Equal(t, md, Markdown(Compare(base, renderProd(t, c.sets...)), 0), "a second render gives the same comment")
			c.check(t, md)

			path := filepath.Join("testdata", c.name+".md")
			if *update {
				require.NoError(t, os.MkdirAll("testdata", 0o750), "testdata")
				require.NoError(t, os.WriteFile(path, []byte(md), 0o600), "write %s", path)
			}
			want, err := os.ReadFile(path) //nolint:gosec // a golden file of this package
			require.NoError(t, err, "read %s (create it with -update)", path)
			assert.Equal(t, string(want), md, "%s is what the comment says; if the change is intended, regenerate with -update", path)
		})
	}
}
