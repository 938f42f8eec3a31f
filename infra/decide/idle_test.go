package decide

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/video-platform/video-platform/infra/observed"
)

func TestJudgeIdleCopy(t *testing.T) {
	swapped := func() IdleCopy {
		return IdleCopy{Stack: "prod-web-blue", Release: "r1", HasCapacity: true, SwappedOut: true, PreviousRelease: "r1",
			SwappedAt: t0.Add(-2 * time.Hour), Quiet: true, Traffic: "0 requests, 0 connections"}
	}
	edit := func(f func(c *IdleCopy)) IdleCopy { c := swapped(); f(&c); return c }
	cases := []struct {
		name   string
		c      IdleCopy
		action IdleCopyAction
		level  FindingLevel
		msg    string
	}{
		{"drained after its swap: retired", swapped(), RetireCopy, LevelDone, "retired to zero instances"},
		{"a canary target is never retired", edit(func(c *IdleCopy) { c.Canary = 10 }), KeepCopy, LevelInfo, "canary target with 10%"},
		{"a staged release is not the copy the swap left", edit(func(c *IdleCopy) { c.Release = "r3" }), KeepCopy, LevelInfo, "runs r3, staged after it was swapped out running r1"},
		{"never swapped out", edit(func(c *IdleCopy) { c.SwappedOut = false }), KeepCopy, LevelInfo, "was not swapped out"},
		{"too soon after the swap, even if quiet", edit(func(c *IdleCopy) { c.SwappedAt = t0.Add(-5 * time.Minute) }), KeepCopy, LevelInfo, "swapped out 5m0s ago"},
		{"traffic within max-idle: wait", edit(func(c *IdleCopy) { c.Quiet = false; c.Traffic = "12 requests" }), KeepCopy, LevelInfo, "still has traffic (12 requests) 2h0m0s after its swap; retired once it stops"},
		{"traffic past max-idle: reported, not retired", edit(func(c *IdleCopy) { c.Quiet = false; c.SwappedAt = t0.Add(-30 * time.Hour) }), KeepCopy, LevelAttention, "more than --max-idle 24h0m0s"},
		{"unreadable traffic is not silence", edit(func(c *IdleCopy) { c.TrafficErr = errors.New("throttled") }), KeepCopy, LevelAttention, "cannot be read (throttled)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			action, f := JudgeIdleCopy(c.c, t0, 15*time.Minute, 24*time.Hour)
			assert.Equal(t, c.action, action)
			assert.Equal(t, c.level, f.Level)
			assert.Contains(t, f.Message, c.msg)
		})
	}
	action, f := JudgeIdleCopy(edit(func(c *IdleCopy) { c.HasCapacity = false }), t0, 15*time.Minute, 24*time.Hour)
	assert.Equal(t, KeepCopy, action, "a retired copy stays retired")
	assert.Empty(t, f.Message, "and needs no line")
}

func TestRetireAfterAndRefuseRetire(t *testing.T) {
	assert.Equal(t, t0.Add(15*time.Minute), RetireAfter(t0, 15*time.Minute), "--min-wait when longer")
	assert.Equal(t, t0.Add(3*DNSTTL), RetireAfter(t0, 0), "3 × the DNS TTL at least")
	assert.NoError(t, RefuseRetire("blue", 0, "web", "green"))
	assert.EqualError(t, RefuseRetire("blue", 0, "web", "blue"), "retire refused: blue is the live color of web; swap first")
	assert.ErrorContains(t, RefuseRetire("blue", 10, "web", "green"), "takes a 10% canary of web")
}

func TestTrafficSum(t *testing.T) {
	s := SumTraffic([]observed.TrafficPoint{{Time: t0}, {Time: t0.Add(time.Minute), Requests: 12, ActiveConnections: 3}, {Time: t0.Add(2 * time.Minute)}})
	assert.False(t, s.Quiet())
	assert.Equal(t, "12 requests, 3 active connections, last at 10:01", s.String())
	assert.True(t, SumTraffic(nil).Quiet())
	assert.Equal(t, "no CloudWatch metrics in the last two weeks", Traffic{Unknown: true}.String())
	start, end := QuietWindow(t0, 10*time.Minute)
	assert.Equal(t, t0.Add(-13*time.Minute), start, "the quiet window ends MetricsLag before now")
	assert.Equal(t, t0.Add(-MetricsLag), end)
}
