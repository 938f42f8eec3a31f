package image

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/video-platform/video-platform/internal/imagetag"
	"github.com/video-platform/video-platform/internal/offline/offlinetest"
)

// The tests below run the policy the component declares through an
// evaluator of ECR's lifecycle rules, as the ECR user guide states them
// ("Lifecycle policy evaluation rules"):
//   - every rule selects the images matching its tag filter, whatever
//     other rules do, and counts or ages all of them;
//   - an image selected by a rule's tag filter cannot be expired by a rule
//     of lower priority (a higher rulePriority number);
//   - an image is expired by one rule at most;
//   - a tagPrefixList or tagPatternList selects an image when every entry
//     matches at least one of the image's tags;
//   - imageCountMoreThan sorts by push time, newest first, and expires
//     what is beyond the count; sinceImagePushed expires what is older.
// The evaluator is checked against the guide's worked examples first.

// ecrImage is an image as the evaluator sees it.
type ecrImage struct {
	id     string
	tags   []string
	pushed time.Time
}

type evalSelection struct {
	TagStatus      string   `json:"tagStatus"`
	TagPrefixList  []string `json:"tagPrefixList"`
	TagPatternList []string `json:"tagPatternList"`
	CountType      string   `json:"countType"`
	CountUnit      string   `json:"countUnit"`
	CountNumber    int      `json:"countNumber"`
}

type evalRule struct {
	RulePriority int           `json:"rulePriority"`
	Selection    evalSelection `json:"selection"`
	Action       struct {
		Type string `json:"type"`
	} `json:"action"`
}

// parsePolicy reads a policy document and checks what ECR checks when the
// policy is put.
func parsePolicy(t *testing.T, doc string) []evalRule {
	t.Helper()
	var p struct {
		Rules []evalRule `json:"rules"`
	}
	dec := json.NewDecoder(strings.NewReader(doc))
	require.NoError(t, dec.Decode(&p), "policy parses")
	rules := slices.Clone(p.Rules)
	slices.SortFunc(rules, func(a, b evalRule) int { return a.RulePriority - b.RulePriority })
	untagged := 0
	for i, r := range rules {
		s := r.Selection
		where := fmt.Sprintf("rule %d", r.RulePriority)
		require.Equal(t, "expire", r.Action.Type, "%s: action", where)
		require.Positive(t, s.CountNumber, "%s: countNumber", where)
		if i > 0 {
			require.NotEqual(t, rules[i-1].RulePriority, r.RulePriority, "%s: priorities are unique", where)
		}
		switch s.TagStatus {
		case "any":
			require.Equal(t, len(rules)-1, i, "%s: a tagStatus any rule must be evaluated last", where)
		case "untagged":
			untagged++
		case "tagged":
			require.True(t, (len(s.TagPrefixList) > 0) != (len(s.TagPatternList) > 0), "%s: tagged needs a prefix or a pattern list, not both", where)
			for _, p := range s.TagPatternList {
				require.LessOrEqual(t, strings.Count(p, "*"), 4, "%s: at most four wildcards in %q", where, p)
			}
		default:
			require.Failf(t, "bad tagStatus", "%s: %q", where, s.TagStatus)
		}
		if s.TagStatus != "tagged" {
			require.Empty(t, s.TagPrefixList, "%s: tag lists only with tagged", where)
			require.Empty(t, s.TagPatternList, "%s: tag lists only with tagged", where)
		}
		switch s.CountType {
		case "imageCountMoreThan":
			require.Empty(t, s.CountUnit, "%s: no countUnit with a count", where)
		case "sinceImagePushed":
			require.Equal(t, "days", s.CountUnit, "%s: countUnit", where)
		default:
			require.Failf(t, "bad countType", "%s: %q", where, s.CountType)
		}
	}
	require.LessOrEqual(t, untagged, 1, "only one rule may select untagged images")
	return rules
}

// selects says whether a rule's tag filter selects img.
func (r evalRule) selects(img ecrImage) bool {
	s := r.Selection
	switch s.TagStatus {
	case "any":
		return true
	case "untagged":
		return len(img.tags) == 0
	}
	if len(img.tags) == 0 {
		return false
	}
	each := func(entries []string, match func(entry, tag string) bool) bool {
		for _, e := range entries {
			if !slices.ContainsFunc(img.tags, func(tag string) bool { return match(e, tag) }) {
				return false
			}
		}
		return true
	}
	if len(s.TagPrefixList) > 0 {
		return each(s.TagPrefixList, func(prefix, tag string) bool { return strings.HasPrefix(tag, prefix) })
	}
	return each(s.TagPatternList, func(pattern, tag string) bool {
		re := "^" + strings.ReplaceAll(regexp.QuoteMeta(pattern), `\*`, ".*") + "$"
		return regexp.MustCompile(re).MatchString(tag)
	})
}

// evaluate returns the ids of the images the rules expire at now, sorted.
func evaluate(rules []evalRule, images []ecrImage, now time.Time) []string {
	selectedAbove := map[string]bool{}
	expired := map[string]bool{}
	for _, r := range rules {
		var selected []ecrImage
		for _, img := range images {
			if r.selects(img) {
				selected = append(selected, img)
			}
		}
		var marked []ecrImage
		switch r.Selection.CountType {
		case "imageCountMoreThan":
			slices.SortStableFunc(selected, func(a, b ecrImage) int { return b.pushed.Compare(a.pushed) })
			if len(selected) > r.Selection.CountNumber {
				marked = selected[r.Selection.CountNumber:]
			}
		case "sinceImagePushed":
			limit := time.Duration(r.Selection.CountNumber) * 24 * time.Hour
			for _, img := range selected {
				if now.Sub(img.pushed) > limit {
					marked = append(marked, img)
				}
			}
		}
		for _, img := range marked {
			if !selectedAbove[img.id] {
				expired[img.id] = true
			}
		}
		for _, img := range selected {
			selectedAbove[img.id] = true
		}
	}
	out := make([]string, 0, len(expired))
	for id := range expired {
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}

// evalT0 is the evaluator's "now" in the examples.
var evalT0 = time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)

func daysAgo(d int) time.Time { return evalT0.Add(-time.Duration(d) * 24 * time.Hour) }

// TestEvaluatorFollowsTheUserGuidesExamples checks the evaluator against
// the outcomes the ECR user guide works out for its example repositories.
func TestEvaluatorFollowsTheUserGuidesExamples(t *testing.T) {
	rule := func(priority int, status string, prefixes []string, countType string, n int) string {
		sel := map[string]any{"tagStatus": status, "countType": countType, "countNumber": n}
		if prefixes != nil {
			sel["tagPrefixList"] = prefixes
		}
		if countType == "sinceImagePushed" {
			sel["countUnit"] = "days"
		}
		raw, err := json.Marshal(map[string]any{"rulePriority": priority, "selection": sel, "action": map[string]string{"type": "expire"}})
		require.NoError(t, err, "rule")
		return string(raw)
	}
	policy := func(rules ...string) string { return `{"rules":[` + strings.Join(rules, ",") + `]}` }
	prodBeta := []ecrImage{
		{"A", []string{"beta-1", "prod-1"}, daysAgo(10)},
		{"B", []string{"beta-2", "prod-2"}, daysAgo(9)},
		{"C", []string{"beta-3"}, daysAgo(8)},
	}
	tests := []struct {
		name   string
		policy string
		images []ecrImage
		want   []string
	}{
		{"prod rule first: B is kept because prod selected it", policy(
			rule(1, "tagged", []string{"prod"}, "imageCountMoreThan", 1),
			rule(2, "tagged", []string{"beta"}, "imageCountMoreThan", 1),
		), prodBeta, []string{"A"}},
		{"beta rule first: prod sees nothing left to expire", policy(
			rule(1, "tagged", []string{"beta"}, "imageCountMoreThan", 1),
			rule(2, "tagged", []string{"prod"}, "imageCountMoreThan", 1),
		), prodBeta, []string{"A", "B"}},
		{"several prefixes in one rule must all match", policy(
			rule(1, "tagged", []string{"alpha", "beta"}, "sinceImagePushed", 5),
		), []ecrImage{
			{"A", []string{"alpha-1"}, daysAgo(12)}, {"B", []string{"beta-1"}, daysAgo(11)},
			{"C", []string{"alpha-2", "beta-2"}, daysAgo(10)}, {"D", []string{"alpha-3"}, daysAgo(4)},
			{"E", []string{"beta-3"}, daysAgo(3)}, {"F", []string{"alpha-4", "beta-4"}, daysAgo(2)},
		}, []string{"C"}},
		{"an any rule after others expires only what they did not select", policy(
			rule(1, "tagged", []string{"alpha"}, "imageCountMoreThan", 1),
			rule(2, "untagged", nil, "sinceImagePushed", 1),
			rule(3, "any", nil, "imageCountMoreThan", 1),
		), []ecrImage{
			{"A", []string{"alpha-1", "beta-1"}, daysAgo(4)}, {"B", nil, daysAgo(3)},
			{"C", []string{"alpha-2"}, daysAgo(2)}, {"D", []string{"git hash"}, daysAgo(1).Add(-time.Hour)},
			{"E", nil, daysAgo(1).Add(time.Hour)},
		}, []string{"A", "B", "D"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, evaluate(parsePolicy(t, tc.policy), tc.images, evalT0), "expired images")
		})
	}
}

// releaseHistory is a repository after 40 daily releases r01..r40 (r40
// pushed an hour ago) and two untagged images, one 30 days old and one
// an hour old. The stacks reference r40 (live), r31 (the idle copy: the
// previous release a rollback returns to), r12 (the transcoders' active
// release, stuck while a roll waits) and r05 (a draining transcoder
// release); each carries its keep- tag.
func releaseHistory(t *testing.T) (images []ecrImage, referenced []string) {
	t.Helper()
	referenced = []string{"r05", "r12", "r31", "r40"}
	for i := 1; i <= 40; i++ {
		release := fmt.Sprintf("r%02d", i)
		tags := []string{release}
		if slices.Contains(referenced, release) {
			keep, err := imagetag.KeepTag(release)
			require.NoError(t, err, "KeepTag(%s)", release)
			tags = append(tags, keep)
		}
		images = append(images, ecrImage{release, tags, evalT0.Add(-time.Hour - time.Duration(40-i)*24*time.Hour)})
	}
	images = append(images,
		ecrImage{"untagged-old", nil, daysAgo(30)},
		ecrImage{"untagged-new", nil, evalT0.Add(-time.Hour)},
	)
	return images, referenced
}

// declaredPolicy is the policy document NewImage declares with
// KeepLastImages keep.
func declaredPolicy(t *testing.T, keep int) string {
	t.Helper()
	args := validArgs()
	args.KeepLastImages = &keep
	return policyOf(t, offlinetest.Find(t, images.Run(t, "recorder", args), lifecycleType, "recorder-lifecycle"))
}

func TestLifecyclePolicyNeverExpiresAReferencedImage(t *testing.T) {
	images, referenced := releaseHistory(t)
	rules := parsePolicy(t, declaredPolicy(t, 5))

	expired := evaluate(rules, images, evalT0)
	for _, release := range referenced {
		assert.NotContains(t, expired, release, "%s is referenced: it survives however old it is", release)
	}
	// The newest five images by push time are r37..r40 and the untagged
	// image an hour old, which counts for the limit although its own rule
	// keeps it a day; every other release and the old untagged image go.
	var want []string
	for i := 1; i <= 36; i++ {
		if r := fmt.Sprintf("r%02d", i); !slices.Contains(referenced, r) {
			want = append(want, r)
		}
	}
	want = append(want, "untagged-old")
	slices.Sort(want)
	assert.Equal(t, want, expired, "unreferenced old releases and the old untagged image expire")

	// Housekeeping takes r31's keep tag off once nothing references it,
	// and the next evaluation expires it.
	for i := range images {
		if images[i].id == "r31" {
			images[i].tags = []string{"r31"}
		}
	}
	assert.Contains(t, evaluate(rules, images, evalT0), "r31", "an image no longer protected expires like any other")
}

// TestWithoutTheKeepRuleReferencedImagesExpire shows that the protection
// is the keep rule's and its place: dropped, or put after a rule that
// selects releases by pattern, it no longer saves the images it tags.
func TestWithoutTheKeepRuleReferencedImagesExpire(t *testing.T) {
	images, _ := releaseHistory(t)
	rules := parsePolicy(t, declaredPolicy(t, 5))
	require.Equal(t, []string{imagetag.KeepTagPrefix}, rules[0].Selection.TagPrefixList, "rule 1 is the keep rule")

	withoutKeep := rules[1:]
	assert.Subset(t, evaluate(withoutKeep, images, evalT0), []string{"r05", "r12", "r31"},
		"without the keep rule the old referenced releases expire")

	// A rule on release tags ahead of the keep rule selects r31 by its
	// release tag, because one matching tag is enough.
	byPattern := evalRule{RulePriority: 0, Selection: evalSelection{
		TagStatus: "tagged", TagPatternList: []string{"r*"}, CountType: "imageCountMoreThan", CountNumber: 5,
	}}
	byPattern.Action.Type = "expire"
	assert.Subset(t, evaluate(append([]evalRule{byPattern}, rules...), images, evalT0), []string{"r05", "r12", "r31"},
		"a release rule evaluated before the keep rule expires protected images")
}
