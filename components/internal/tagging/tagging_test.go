package tagging

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestComponentKeysWin(t *testing.T) {
	caller := map[string]string{"team": "video", "env": "spoofed", "managed-by": "someone-else", "role": "x"}
	got := Tags(caller, "prod", "web", map[string]string{"role": "load-balancer", "Name": "web-blue-alb"})
	assert.Equal(t, map[string]string{
		"team": "video", "env": "prod", "service": "web", "managed-by": "pulumi",
		"role": "load-balancer", "Name": "web-blue-alb",
	}, got, "the caller's keys are kept unless the component sets them")
	assert.Equal(t, "spoofed", caller["env"], "the caller's map is not changed")
}

func TestNoCallerOrOwnTags(t *testing.T) {
	assert.Equal(t, map[string]string{"env": "staging", "service": "recorder", "managed-by": "pulumi"},
		Tags(nil, "staging", "recorder", nil), "the keys every resource carries")
}
