package render

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestInputPaths(t *testing.T) {
	r := Resource{Inputs: map[string]any{
		"metadataOptions": map[string]any{"httpTokens": "required"},
		"weighted":        []any{map[string]any{"weight": 100.0}},
		"matrix":          []any{[]any{"a", "b"}},
	}}
	cases := []struct {
		path string
		want any
		ok   bool
	}{
		{"metadataOptions.httpTokens", "required", true},
		{"weighted[0].weight", 100.0, true},
		{"matrix[0][1]", "b", true},
		{"weighted[1].weight", nil, false},
		{"metadataOptions.missing", nil, false},
		{"weighted.weight", nil, false},
	}
	for _, c := range cases {
		got, ok := r.Input(c.path)
		assert.Equal(t, c.ok, ok, "found %s", c.path)
		assert.Equal(t, c.want, got, "value of %s", c.path)
	}
}
