package awscheck

import (
	"context"
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

func TestWaitInsyncPendingThenInsync(t *testing.T) {
	c, calls := statusServer(t, ChangePending, ChangePending, ChangeInsync)
	var slept []time.Duration
	sleep := func(_ context.Context, d time.Duration) error {
		slept = append(slept, d)
		return nil
	}

	err := WaitInsync(context.Background(), c, "CWAIT", 10*time.Second, sleep)
	require.NoError(t, err, "change reaches INSYNC")
	assert.Equal(t, int32(3), calls.Load(), "polled until INSYNC")
	assert.Equal(t, []time.Duration{10 * time.Second, 10 * time.Second}, slept, "slept poll between PENDING reads only")
}

func TestWaitInsyncHonoursCancel(t *testing.T) {
	t.Run("cancelled before the first poll", func(t *testing.T) {
		c, calls := statusServer(t, ChangePending)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		err := WaitInsync(ctx, c, "CWAIT", time.Second, func(context.Context, time.Duration) error {
			t.Error("must not sleep once cancelled")
			return nil
		})
		require.Error(t, err, "cancelled wait fails")
		assert.ErrorIs(t, err, context.Canceled, "cancellation surfaces")
		assert.Contains(t, err.Error(), "CWAIT", "error names the change")
		assert.Equal(t, int32(0), calls.Load(), "no request after cancel")
	})

	t.Run("cancelled while sleeping", func(t *testing.T) {
		c, calls := statusServer(t, ChangePending)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		sleep := func(ctx context.Context, _ time.Duration) error {
			cancel()
			return ctx.Err()
		}
		err := WaitInsync(ctx, c, "CWAIT", time.Second, sleep)
		require.Error(t, err, "cancelled wait fails")
		assert.ErrorIs(t, err, context.Canceled, "cancellation surfaces")
		assert.Equal(t, int32(1), calls.Load(), "one poll before the cancel")
	})

	t.Run("real sleep stops on deadline", func(t *testing.T) {
		c, _ := statusServer(t, ChangePending)
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		err := WaitInsync(ctx, c, "CWAIT", time.Hour, nil)
		require.Error(t, err, "wait past deadline fails")
		assert.ErrorIs(t, err, context.DeadlineExceeded, "deadline surfaces rather than an hour's sleep")
	})
}

func TestWaitInsyncRejects(t *testing.T) {
	noSleep := func(context.Context, time.Duration) error { return nil }
	t.Run("unknown status", func(t *testing.T) {
		c, _ := statusServer(t, "ROLLED_BACK")
		err := WaitInsync(context.Background(), c, "CWAIT", time.Second, noSleep)
		require.Error(t, err, "unknown status must not spin")
		assert.Contains(t, err.Error(), `"ROLLED_BACK"`, "error shows the status")
	})
	t.Run("non-positive poll", func(t *testing.T) {
		c, calls := statusServer(t, ChangeInsync)
		err := WaitInsync(context.Background(), c, "CWAIT", 0, noSleep)
		require.Error(t, err, "zero poll is a caller bug")
		assert.Equal(t, int32(0), calls.Load(), "no request made")
	})
}
