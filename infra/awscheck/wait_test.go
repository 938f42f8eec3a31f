package awscheck

import (
	"context"
	"errors"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func getChangeXML(status string) string {
	return `<?xml version="1.0" encoding="UTF-8"?>
<GetChangeResponse xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><ChangeInfo><Id>/change/CWAIT</Id><Status>` + status + `</Status><SubmittedAt>2026-01-02T03:04:06.958Z</SubmittedAt></ChangeInfo></GetChangeResponse>`
}

// statusServer answers GetChange with statuses in order, repeating the last.
func statusServer(t *testing.T, statuses ...string) (DNS, *atomic.Int32) {
	t.Helper()
	var calls atomic.Int32
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		assert.Equal(t, "/2013-04-01/change/CWAIT", r.URL.Path, "GetChange path")
		i := int(calls.Add(1)) - 1
		writeBody(t, w, http.StatusOK, "text/xml", getChangeXML(statuses[min(i, len(statuses)-1)]))
	})
	return c.DNS, &calls
}

// fast polls every millisecond, recording every poll it is told about.
func fast(t *testing.T, polls *[]string) WaitOptions {
	return WaitOptions{MinDelay: time.Millisecond, MaxDelay: time.Millisecond, Timeout: time.Minute,
		Poll: func(_ context.Context, calls int, status string) error {
			*polls = append(*polls, status)
			assert.Equal(t, len(*polls), calls, "the calls so far")
			return nil
		}}
}

func TestWaitInsyncReturnsOnInsyncAndReportsEveryPoll(t *testing.T) {
	c, calls := statusServer(t, ChangePending, ChangePending, ChangeInsync)
	var polls []string
	require.NoError(t, c.WaitInsync(context.Background(), "CWAIT", fast(t, &polls)), "the change reaches INSYNC")
	assert.Equal(t, int32(3), calls.Load(), "polled until INSYNC")
	assert.Equal(t, []string{ChangePending, ChangePending}, polls, "every PENDING answer is reported, the INSYNC one ends the wait")
}

func TestWaitInsyncAtOnce(t *testing.T) {
	c, calls := statusServer(t, ChangeInsync)
	start := time.Now()
	require.NoError(t, c.WaitInsync(context.Background(), "CWAIT", WaitOptions{}), "already INSYNC")
	assert.Equal(t, int32(1), calls.Load(), "one call")
	assert.Less(t, time.Since(start), 5*time.Second, "the waiter does not sleep before its first call")
}

func TestWaitInsyncTimesOutNamingTheChangeAndItsLastStatus(t *testing.T) {
	c, calls := statusServer(t, ChangePending)
	o := WaitOptions{MinDelay: 10 * time.Millisecond, MaxDelay: 10 * time.Millisecond, Timeout: 100 * time.Millisecond}
	err := c.WaitInsync(context.Background(), "CWAIT", o)
	require.Error(t, err, "never INSYNC")
	assert.Contains(t, err.Error(), "route53 change CWAIT", "names the change")
	assert.Contains(t, err.Error(), "last status PENDING", "says what it last saw")
	assert.Contains(t, err.Error(), "still PENDING after 100ms", "the waiter's own bound, whether it struck between polls or during one")
	assert.Greater(t, calls.Load(), int32(2), "polled on its delay")
}

// The caller's Poll ends a wait on its own clock: the rehearsal's virtual
// one, whose ten minutes take no real time.
func TestWaitInsyncEndsWhenPollSaysSo(t *testing.T) {
	c, calls := statusServer(t, ChangePending)
	gaveUp := errors.New("gave up after 10m0s")
	o := WaitOptions{MinDelay: time.Millisecond, MaxDelay: time.Millisecond, Timeout: time.Hour,
		Poll: func(_ context.Context, n int, _ string) error {
			if n == 3 {
				return gaveUp
			}
			return nil
		}}
	err := c.WaitInsync(context.Background(), "CWAIT", o)
	require.ErrorIs(t, err, gaveUp, "Poll's error ends the wait")
	assert.Contains(t, err.Error(), "route53 change CWAIT to be INSYNC (last status PENDING, after 3 GetChange calls)", "names the change and its last status")
	assert.Equal(t, int32(3), calls.Load(), "no call after Poll gave up")
}

func TestWaitInsyncRejects(t *testing.T) {
	var polls []string
	t.Run("unknown status", func(t *testing.T) {
		c, calls := statusServer(t, "ROLLED_BACK")
		err := c.WaitInsync(context.Background(), "CWAIT", fast(t, &polls))
		require.Error(t, err, "an unknown status must not spin")
		assert.Contains(t, err.Error(), `unexpected status "ROLLED_BACK"`, "shows the status")
		assert.Equal(t, int32(1), calls.Load(), "not retried")
	})
	t.Run("unknown change", func(t *testing.T) {
		c := newTestClient(t, func(w http.ResponseWriter, _ *http.Request) {
			writeBody(t, w, http.StatusNotFound, "text/xml", `<?xml version="1.0"?>
<ErrorResponse xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><Error><Type>Sender</Type><Code>NoSuchChange</Code><Message>A change with the specified change ID does not exist: CWAIT</Message></Error><RequestId>r-1</RequestId></ErrorResponse>`)
		})
		err := c.DNS.WaitInsync(context.Background(), "CWAIT", fast(t, &polls))
		assert.ErrorIs(t, err, ErrNotFound, "NoSuchChange is ErrNotFound")
		assert.Contains(t, err.Error(), "CWAIT", "names the change")
	})
	assert.Empty(t, polls, "nothing PENDING was reported")
}

func TestWaitInsyncHonoursCancel(t *testing.T) {
	c, _ := statusServer(t, ChangePending)
	ctx, cancel := context.WithCancel(context.Background())
	o := WaitOptions{MinDelay: time.Hour, MaxDelay: time.Hour, Timeout: 2 * time.Hour,
		Poll: func(context.Context, int, string) error { cancel(); return nil }}
	start := time.Now()
	err := c.WaitInsync(ctx, "CWAIT", o)
	require.Error(t, err, "cancelled")
	assert.ErrorIs(t, err, context.Canceled, "the cancellation surfaces")
	assert.Less(t, time.Since(start), time.Minute, "rather than an hour's delay")
}
