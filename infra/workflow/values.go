package workflow

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/video-platform/video-platform/infra/observed"
)

// formatChanges renders an op→count map compactly: "+1 ~2 -0 =5".
func formatChanges(ch map[string]int) string {
	if len(ch) == 0 {
		return "-"
	}
	symbols := map[string]string{"create": "+", "update": "~", "delete": "-", "replace": "+-", "same": "="}
	var parts []string
	for _, op := range []string{"create", "update", "replace", "delete", "same"} {
		if n, ok := ch[op]; ok && n > 0 {
			parts = append(parts, fmt.Sprintf("%s%d", symbols[op], n))
		}
	}
	var rest []string
	for op, n := range ch {
		if _, known := symbols[op]; !known && n > 0 {
			rest = append(rest, fmt.Sprintf("%s:%d", op, n))
		}
	}
	sort.Strings(rest)
	parts = append(parts, rest...)
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, " ")
}

// outString reads a string output; missing or non-string yields "".
func outString(m map[string]any, key string) string {
	s, _ := m[key].(string)
	return s
}

// outMap reads an object output.
func outMap(m map[string]any, key string) map[string]any {
	v, _ := m[key].(map[string]any)
	return v
}

// outStrings reads an object output whose values are strings.
func outStrings(m map[string]any, key string) map[string]string {
	res := map[string]string{}
	for k, v := range outMap(m, key) {
		if s, ok := v.(string); ok {
			res[k] = s
		}
	}
	return res
}

// configJSON decodes a config value that holds an object or list; a plain
// string is returned as is.
func configJSON(value string) any {
	var v any
	if err := json.Unmarshal([]byte(value), &v); err != nil {
		return value
	}
	return v
}

// configString reads a scalar config value; quoted JSON strings are
// unquoted so both CLI styles compare equal.
func configString(value string) string {
	if s, ok := configJSON(value).(string); ok {
		return s
	}
	return value
}

// asInt reads a number from outputs or config (see observed.Int).
func asInt(v any) (int, bool) { return observed.Int(v) }

// firstLine keeps a table cell to one line; Pulumi errors carry the whole
// stderr.
func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i] + " ..."
	}
	return s
}
