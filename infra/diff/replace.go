package diff

import (
	"encoding/base64"
	"reflect"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/video-platform/video-platform/internal/awsschema"
	"github.com/video-platform/video-platform/internal/render"
)

const launchTemplateType = "aws:ec2/launchTemplate:LaunchTemplate"

// replaceReasons lists the changed inputs that make the engine replace the
// resource: the new render's replaceOnChanges paths (what the engine
// applies) and the provider's ForceNew properties, from the one table the
// rehearsal's stand-in provider also answers from. An input the resource
// ignores after creation replaces nothing, because the engine never diffs it.
func replaceReasons(from, to render.Resource) []string {
	oldIn, _ := normalize(from.Inputs).(map[string]any)
	newIn, _ := normalize(to.Inputs).(map[string]any)
	reasons := map[string]bool{}
	changed := func(path string) bool {
		if ignored(to.IgnoreChanges, path) {
			return false
		}
		ov, _ := render.Resource{Inputs: oldIn}.Input(path)
		nv, _ := render.Resource{Inputs: newIn}.Input(path)
		return !reflect.DeepEqual(ov, nv)
	}
	keys := map[string]bool{}
	for k := range oldIn {
		keys[k] = true
	}
	for k := range newIn {
		keys[k] = true
	}
	for k := range keys {
		if awsschema.ForcesReplacement(to.Type, k) && changed(k) {
			reasons[k] = true
		}
	}
	for _, p := range to.ReplaceOnChanges {
		if p == "*" {
			for k := range keys {
				if changed(k) {
					reasons[k] = true
				}
			}
			continue
		}
		if changed(p) {
			reasons[p] = true
		}
	}
	if len(reasons) == 0 {
		return nil
	}
	out := make([]string, 0, len(reasons))
	for k := range reasons {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// replaceNote says which inputs force a replacement.
func replaceNote(props []string) string {
	verb := "forces"
	if len(props) > 1 {
		verb = "force"
	}
	return strings.Join(props, ", ") + " " + verb + " replacement"
}

// ignored reports whether an ignoreChanges entry covers path: the same
// path or one of its parents.
func ignored(ignore []string, path string) bool {
	for _, p := range ignore {
		if p == path || strings.HasPrefix(path, p+".") || strings.HasPrefix(path, p+"[") {
			return true
		}
	}
	return false
}

// keyTags rewrites every "tags" list of {key, ...} objects (an Auto Scaling
// group's tags) into an object keyed by tag key, so that adding one tag is
// one change and not a shift of every tag after it.
func keyTags(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			if k == "tags" {
				if keyed, ok := tagsByKey(e); ok {
					out[k] = keyed
					continue
				}
			}
			out[k] = keyTags(e)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = keyTags(e)
		}
		return out
	}
	return v
}

// tagsByKey keys a list of tag objects by their "key"; a list that is not
// one (no key, a key twice) is left as a list.
func tagsByKey(v any) (map[string]any, bool) {
	list, ok := v.([]any)
	if !ok || len(list) == 0 {
		return nil, false
	}
	out := make(map[string]any, len(list))
	for _, e := range list {
		m, ok := e.(map[string]any)
		if !ok {
			return nil, false
		}
		key, ok := m["key"].(string)
		if _, dup := out[key]; !ok || dup {
			return nil, false
		}
		rest := make(map[string]any, len(m)-1)
		for k, x := range m {
			if k != "key" {
				rest[k] = x
			}
		}
		out[key] = rest
	}
	return out, true
}

// decodeUserData gives a launch template's user data change a line diff of
// the decoded script, where a new release or image tag is one readable
// line instead of two walls of base64.
func decodeUserData(changes []Change) {
	for i := range changes {
		c := &changes[i]
		if c.Path != "userData" || c.Secret {
			continue
		}
		oldText, okOld := decodedText(c.Old)
		newText, okNew := decodedText(c.New)
		if okOld && okNew {
			c.Lines = lineDiff(oldText, newText, userDataContext)
		}
	}
}

// userDataContext is the unchanged lines shown around a change: one says
// where in the script it is without crowding the comment.
const userDataContext = 1

// decodedText decodes base64 that holds UTF-8 text; an absent value is no
// text.
func decodedText(v any) (string, bool) {
	if v == nil {
		return "", true
	}
	s, ok := v.(string)
	if !ok {
		return "", false
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil || !utf8.Valid(b) {
		return "", false
	}
	return string(b), true
}
