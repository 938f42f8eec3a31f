package render

import (
	"strconv"
	"strings"
)

// Input reads an input by path, such as "metadataOptions.httpTokens" or
// "weightedRoutingPolicies[0].weight".
func (r Resource) Input(path string) (any, bool) {
	var cur any = r.Inputs
	for _, part := range strings.Split(path, ".") {
		name, index, hasIndex := strings.Cut(part, "[")
		if name != "" {
			obj, ok := cur.(map[string]any)
			if !ok {
				return nil, false
			}
			if cur, ok = obj[name]; !ok {
				return nil, false
			}
		}
		for hasIndex {
			var rest string
			index, rest, _ = strings.Cut(index, "]")
			i, err := strconv.Atoi(index)
			list, ok := cur.([]any)
			if err != nil || !ok || i < 0 || i >= len(list) {
				return nil, false
			}
			cur = list[i]
			index, hasIndex = strings.CutPrefix(rest, "[")
		}
	}
	return cur, true
}
