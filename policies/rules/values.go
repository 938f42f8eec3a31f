package rules

import (
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
)

// UnknownMarker is what adapters put in place of values that are not known
// yet (Pulumi computed outputs during preview). The offline render uses the
// richer form "<computed:{type}.{property}[{logical name}]>"; both share the
// "<computed" prefix so rules treat them alike.
const UnknownMarker = "<computed>"

// SecretMarker replaces secret values; rules cannot inspect them, and
// printing them in a violation message would leak them.
const SecretMarker = "[secret]"

// IsUnknown reports whether v is a placeholder for a value that cannot be
// judged: a computed marker or a redacted secret.
func IsUnknown(v any) bool {
	s, ok := v.(string)
	return ok && (strings.HasPrefix(s, "<computed") || s == SecretMarker)
}

// lookup walks a dotted path through nested maps. A missing key and an
// explicit null both report found=false, because pulumi-aws treats them the
// same way (the provider default applies).
func lookup(m map[string]any, path string) (any, bool) {
	var cur any = m
	for _, key := range strings.Split(path, ".") {
		obj, ok := asMap(cur)
		if !ok {
			return nil, false
		}
		cur, ok = obj[key]
		if !ok || cur == nil {
			return nil, false
		}
	}
	return cur, true
}

// asMap accepts any map keyed by strings, so hand-built fixtures
// (map[string]string) and decoded JSON (map[string]any) behave the same.
func asMap(v any) (map[string]any, bool) {
	if m, ok := v.(map[string]any); ok {
		return m, true
	}
	rv := reflect.ValueOf(v)
	if !rv.IsValid() || rv.Kind() != reflect.Map || rv.Type().Key().Kind() != reflect.String {
		return nil, false
	}
	out := make(map[string]any, rv.Len())
	iter := rv.MapRange()
	for iter.Next() {
		out[iter.Key().String()] = iter.Value().Interface()
	}
	return out, true
}

// asList accepts any slice for the same reason asMap accepts any map.
func asList(v any) ([]any, bool) {
	if l, ok := v.([]any); ok {
		return l, true
	}
	rv := reflect.ValueOf(v)
	if !rv.IsValid() || (rv.Kind() != reflect.Slice && rv.Kind() != reflect.Array) {
		return nil, false
	}
	out := make([]any, rv.Len())
	for i := range out {
		out[i] = rv.Index(i).Interface()
	}
	return out, true
}

// asBool accepts the string forms because pulumi-aws models several boolean
// launch-template fields (e.g. ebs.encrypted) as strings.
func asBool(v any) (value, ok bool) {
	switch b := v.(type) {
	case bool:
		return b, true
	case string:
		parsed, err := strconv.ParseBool(b)
		return parsed, err == nil
	}
	return false, false
}

// asInt accepts every numeric shape the three callers produce: float64 from
// JSON and protobuf structs, Go ints from hand-built fixtures, numeric
// strings from providers that model ports as strings.
func asInt(v any) (int, bool) {
	switch n := v.(type) {
	case int:
		return n, true
	case int32:
		return int(n), true
	case int64:
		return int(n), true
	case float64:
		if n != float64(int(n)) {
			return 0, false
		}
		return int(n), true
	case float32:
		return asInt(float64(n))
	case json.Number:
		i, err := n.Int64()
		return int(i), err == nil
	case string:
		i, err := strconv.Atoi(strings.TrimSpace(n))
		return i, err == nil
	}
	return 0, false
}

// asString returns non-empty, known strings only; callers treat the rest as
// "not set" or "unknown" explicitly.
func asString(v any) (string, bool) {
	s, ok := v.(string)
	return s, ok
}

// getString is lookup + asString for the common case of a string input.
func getString(m map[string]any, path string) (value string, set bool) {
	v, ok := lookup(m, path)
	if !ok {
		return "", false
	}
	s, ok := asString(v)
	if !ok {
		return "", false
	}
	return s, true
}

// getList is lookup + asList; unknown reports that the list itself is a
// computed placeholder so callers can skip rather than misjudge it.
func getList(m map[string]any, path string) (list []any, unknown bool) {
	v, ok := lookup(m, path)
	if !ok {
		return nil, false
	}
	if IsUnknown(v) {
		return nil, true
	}
	l, _ := asList(v)
	return l, false
}

// tagSet is the merged tag view of a resource. Unknown is set when the tag
// collection itself is computed, in which case tag-based rules must not
// conclude a tag is missing.
type tagSet struct {
	values  map[string]string
	unknown bool
}

func (t tagSet) get(key string) (string, bool) {
	v, ok := t.values[key]
	return v, ok
}

// resourceTags merges `tags` with `tagsAll` because under `pulumi preview`
// provider default tags only show up in tagsAll, while the offline render
// only has `tags`. ASGs model tags as a list of {key, value} objects.
func resourceTags(r Resource) tagSet {
	ts := tagSet{values: map[string]string{}}
	for _, field := range []string{"tags", "tagsAll"} {
		raw, ok := r.Inputs[field]
		if !ok || raw == nil {
			continue
		}
		if IsUnknown(raw) {
			ts.unknown = true
			continue
		}
		if list, ok := asList(raw); ok {
			for _, item := range list {
				entry, ok := asMap(item)
				if !ok {
					continue
				}
				k, kok := asString(entry["key"])
				if !kok || k == "" {
					continue
				}
				v, _ := asString(entry["value"])
				ts.values[k] = v
			}
			continue
		}
		if m, ok := asMap(raw); ok {
			for k, v := range m {
				s, _ := asString(v)
				ts.values[k] = s
			}
		}
	}
	return ts
}
