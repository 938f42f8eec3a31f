package deploy

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestJudgeIdleCopy(t *testing.T) {
	swapped := func() idleCopy {
		return idleCopy{Stack: "prod-web-blue", Release: "r1", HasCapacity: true, SwappedOut: true, PreviousRelease: "r1",
			SwappedAt: t0.Add(-2 * time.Hour), Quiet: true, Traffic: "0 requests, 0 connections"}
	}
	edit := func(f func(c *idleCopy)) idleCopy { c := swapped(); f(&c); return c }
	cases := []struct {
		name   string
		c      idleCopy
		action idleCopyAction
		level  findingLevel
		msg    string
	}{
		{"drained after its swap: retired", swapped(), retireCopy, levelDone, "retired to zero instances"},
		{"a canary target is never retired", edit(func(c *idleCopy) { c.Canary = 10 }), keepCopy, levelInfo, "canary target with 10%"},
		{"a staged release is not the copy the swap left", edit(func(c *idleCopy) { c.Release = "r3" }), keepCopy, levelInfo, "runs r3, staged after it was swapped out running r1"},
		{"never swapped out", edit(func(c *idleCopy) { c.SwappedOut = false }), keepCopy, levelInfo, "was not swapped out"},
		{"too soon after the swap, even if quiet", edit(func(c *idleCopy) { c.SwappedAt = t0.Add(-5 * time.Minute) }), keepCopy, levelInfo, "swapped out 5m0s ago"},
		{"traffic within max-idle: wait", edit(func(c *idleCopy) { c.Quiet = false; c.Traffic = "12 requests" }), keepCopy, levelInfo, "still has traffic (12 requests) 2h0m0s after its swap; retired once it stops"},
		{"traffic past max-idle: reported, not retired", edit(func(c *idleCopy) { c.Quiet = false; c.SwappedAt = t0.Add(-30 * time.Hour) }), keepCopy, levelAttention, "more than --max-idle 24h0m0s"},
		{"unreadable traffic is not silence", edit(func(c *idleCopy) { c.TrafficErr = errors.New("throttled") }), keepCopy, levelAttention, "cannot be read (throttled)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			action, f := judgeIdleCopy(c.c, t0, 15*time.Minute, 24*time.Hour)
			assert.Equal(t, c.action, action)
			assert.Equal(t, c.level, f.Level)
			assert.Contains(t, f.Message, c.msg)
		})
	}
	action, f := judgeIdleCopy(edit(func(c *idleCopy) { c.HasCapacity = false }), t0, 15*time.Minute, 24*time.Hour)
	assert.Equal(t, keepCopy, action, "a retired copy stays retired")
	assert.Empty(t, f.Message, "and needs no line")
}
