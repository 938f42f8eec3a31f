package envlock_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/video-platform/video-platform/infra/envlock"
	"github.com/video-platform/video-platform/internal/standin"
)

// These tests drive the real lock table client, and so the SDK's DynamoDB
// wire code, against the stand-in AWS API: the same pairing a rehearsal
// uses, so a lock that works here works there.

const (
	lockTable = "video-platform-locks"
	lockEnv   = "prod"
)

// lockT0 is a virtual "now", years from the wall clock.
var lockT0 = time.Date(2031, 5, 6, 7, 8, 0, 0, time.UTC)

// lockStandin is a stand-in Store holding the lock table.
type lockStandin struct {
	dir   string
	store *standin.Store
}

func newLockStandin(t *testing.T) *lockStandin {
	t.Helper()
	dir := t.TempDir()
	store, err := standin.OpenStore(dir)
	require.NoError(t, err, "open store")
	// What the provider would hold for the base stack's lock table.
	require.NoError(t, store.Put(standin.Resource{
		ID: "locks-0123456", Type: "aws:dynamodb/table:Table", Stack: "prod", Name: "locks",
		Outputs: map[string]any{
			"name":        lockTable,
			"hashKey":     "env",
			"attributes":  []any{map[string]any{"name": "env", "type": "S"}},
			"billingMode": "PAY_PER_REQUEST",
		},
	}), "put the lock table")
	return &lockStandin{dir: dir, store: store}
}

// serve starts an API over its own Store opened on the shared directory,
// as a second `infra` process would, and returns its URL. wrap, when not
// nil, sits between the client and the API.
func (s *lockStandin) serve(t *testing.T, wrap func(api http.Handler) http.Handler) string {
	t.Helper()
	store, err := standin.OpenStore(s.dir)
	require.NoError(t, err, "open store")
	var h http.Handler = standin.NewAPI(store)
	if wrap != nil {
		h = wrap(h)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

func lockConfig() aws.Config {
	return aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", "")}
}

// client is a fresh lock table client on a fresh API over the shared Store.
func (s *lockStandin) client(t *testing.T) envlock.Table {
	t.Helper()
	return envlock.NewTable(lockConfig(), s.serve(t, nil))
}

func lockOf(holder string, start time.Time, ttl time.Duration) envlock.Lock {
	return envlock.Lock{
		Env: lockEnv, Holder: holder, Command: "infra swap " + lockEnv,
		Host: "laptop-" + holder, PID: 4242, Start: start, Expires: start.Add(ttl),
	}
}

func TestAcquireLockOnEmptyTable(t *testing.T) {
	s := newLockStandin(t)
	c := s.client(t)
	ctx := context.Background()

	held, err := c.ReadLock(ctx, lockTable, lockEnv)
	require.NoError(t, err, "read an absent lock")
	assert.Nil(t, held, "no lock yet")

	want := lockOf("alice", lockT0, 2*time.Hour)
	require.NoError(t, c.AcquireLock(ctx, lockTable, want, lockT0), "acquire on an empty table")
	held, err = c.ReadLock(ctx, lockTable, lockEnv)
	require.NoError(t, err, "read the lock")
	require.NotNil(t, held, "the lock is stored")
	assert.Equal(t, want, *held, "every field round-trips")
}

func TestAcquireLockZeroStartIsNow(t *testing.T) {
	s := newLockStandin(t)
	c := s.client(t)
	l := lockOf("alice", lockT0, time.Hour)
	l.Start = time.Time{}
	require.NoError(t, c.AcquireLock(context.Background(), lockTable, l, lockT0.Add(time.Minute)), "acquire")
	held, err := c.ReadLock(context.Background(), lockTable, lockEnv)
	require.NoError(t, err, "read")
	assert.Equal(t, lockT0.Add(time.Minute), held.Start, "Start defaults to now")
}

func TestAcquireLockRejectsBadLocks(t *testing.T) {
	s := newLockStandin(t)
	c := s.client(t)
	for name, l := range map[string]envlock.Lock{
		"no env":            {Holder: "alice", Expires: lockT0.Add(time.Hour)},
		"no holder":         {Env: lockEnv, Expires: lockT0.Add(time.Hour)},
		"already expired":   lockOf("alice", lockT0.Add(-2*time.Hour), time.Hour),
		"expires right now": lockOf("alice", lockT0.Add(-time.Hour), time.Hour),
	} {
		err := c.AcquireLock(context.Background(), lockTable, l, lockT0)
		assert.Error(t, err, name)
		assert.NotErrorIs(t, err, envlock.ErrLocked, "%s: a bad request, not a held lock", name)
	}
	held, err := c.ReadLock(context.Background(), lockTable, lockEnv)
	require.NoError(t, err, "read")
	assert.Nil(t, held, "nothing was written")
}

func TestAcquireLockHeldNamesTheHolder(t *testing.T) {
	s := newLockStandin(t)
	alice, bob := s.client(t), s.client(t)
	ctx := context.Background()
	first := lockOf("alice", lockT0, 2*time.Hour)
	require.NoError(t, alice.AcquireLock(ctx, lockTable, first, lockT0), "alice acquires")

	err := bob.AcquireLock(ctx, lockTable, lockOf("bob", lockT0.Add(time.Minute), 2*time.Hour), lockT0.Add(time.Minute))
	require.ErrorIs(t, err, envlock.ErrLocked, "bob is refused")
	for _, want := range []string{`"alice"`, `"infra swap prod"`, "laptop-alice", "pid 4242",
		"2031-05-06T07:08:00Z", "2031-05-06T09:08:00Z", lockTable, "env " + lockEnv, `"bob"`} {
		assert.Contains(t, err.Error(), want, "the refusal names holder, command, host, pid, start, expiry, table, env and the refused")
	}

	// The same holder string is no pass either: a second run must not
	// share a lock with the first.
	err = alice.AcquireLock(ctx, lockTable, lockOf("alice", lockT0.Add(time.Minute), 2*time.Hour), lockT0.Add(time.Minute))
	assert.ErrorIs(t, err, envlock.ErrLocked, "a second acquisition by the same holder is refused")

	held, err := bob.ReadLock(ctx, lockTable, lockEnv)
	require.NoError(t, err, "read")
	assert.Equal(t, first, *held, "alice still holds it")
}

func TestAcquireLockTakesOverAnExpiredLock(t *testing.T) {
	s := newLockStandin(t)
	c := s.client(t)
	ctx := context.Background()
	dead := lockOf("alice", lockT0, time.Hour)
	require.NoError(t, c.AcquireLock(ctx, lockTable, dead, lockT0), "alice acquires and dies")

	// Expiry is "expires < now" in whole seconds: at the expiry second the
	// lock still counts.
	at := dead.Expires
	err := c.AcquireLock(ctx, lockTable, lockOf("bob", at, time.Hour), at)
	require.ErrorIs(t, err, envlock.ErrLocked, "not yet expired at its expiry second")

	at = dead.Expires.Add(time.Second)
	next := lockOf("bob", at, time.Hour)
	require.NoError(t, c.AcquireLock(ctx, lockTable, next, at), "bob takes over the expired lock")
	held, err := c.ReadLock(ctx, lockTable, lockEnv)
	require.NoError(t, err, "read")
	assert.Equal(t, next, *held, "bob holds it now")
}

func TestReleaseLock(t *testing.T) {
	s := newLockStandin(t)
	c := s.client(t)
	ctx := context.Background()
	mine := lockOf("alice", lockT0, time.Hour)
	require.NoError(t, c.AcquireLock(ctx, lockTable, mine, lockT0), "acquire")

	err := c.ReleaseLock(ctx, lockTable, lockEnv, "bob")
	require.ErrorIs(t, err, envlock.ErrLockLost, "bob cannot release alice's lock")
	for _, want := range []string{`"bob"`, `"alice"`, lockTable, "env " + lockEnv} {
		assert.Contains(t, err.Error(), want, "the error names the table, env, caller and holder")
	}
	held, err := c.ReadLock(ctx, lockTable, lockEnv)
	require.NoError(t, err, "read")
	assert.Equal(t, mine, *held, "the lock is left alone")

	require.NoError(t, c.ReleaseLock(ctx, lockTable, lockEnv, "alice"), "alice releases")
	held, err = c.ReadLock(ctx, lockTable, lockEnv)
	require.NoError(t, err, "read")
	assert.Nil(t, held, "released")
	assert.NoError(t, c.ReleaseLock(ctx, lockTable, lockEnv, "alice"), "releasing a lock that is gone is not an error")
	require.NoError(t, c.AcquireLock(ctx, lockTable, lockOf("bob", lockT0, time.Hour), lockT0), "the env can be locked again")
}

func TestReleaseLockTakenOverIsReported(t *testing.T) {
	s := newLockStandin(t)
	c := s.client(t)
	ctx := context.Background()
	require.NoError(t, c.AcquireLock(ctx, lockTable, lockOf("alice", lockT0, time.Hour), lockT0), "alice acquires")
	at := lockT0.Add(time.Hour + time.Second)
	bobs := lockOf("bob", at, time.Hour)
	require.NoError(t, c.AcquireLock(ctx, lockTable, bobs, at), "bob takes over the expired lock")

	err := c.ReleaseLock(ctx, lockTable, lockEnv, "alice")
	require.ErrorIs(t, err, envlock.ErrLockLost, "alice learns she lost the lock")
	assert.Contains(t, err.Error(), `"bob"`, "the error names the new holder")
	held, err := c.ReadLock(ctx, lockTable, lockEnv)
	require.NoError(t, err, "read")
	assert.Equal(t, bobs, *held, "bob's lock is left alone")
}

func TestBreakLock(t *testing.T) {
	s := newLockStandin(t)
	c := s.client(t)
	ctx := context.Background()
	old := lockOf("alice", lockT0, time.Hour)
	require.NoError(t, c.AcquireLock(ctx, lockTable, old, lockT0), "acquire")

	broken, err := c.BreakLock(ctx, lockTable, lockEnv)
	require.NoError(t, err, "break")
	require.NotNil(t, broken, "break returns what it removed")
	assert.Equal(t, old, *broken, "the removed lock is alice's")
	assert.Contains(t, broken.String(), `"alice"`, "String names the holder for the message")
	held, err := c.ReadLock(ctx, lockTable, lockEnv)
	require.NoError(t, err, "read")
	assert.Nil(t, held, "the lock is gone")

	broken, err = c.BreakLock(ctx, lockTable, lockEnv)
	require.NoError(t, err, "breaking no lock is not an error")
	assert.Nil(t, broken, "nothing was removed")
	require.NoError(t, c.AcquireLock(ctx, lockTable, lockOf("bob", lockT0, time.Hour), lockT0), "the env can be locked again")
}

func TestLockUnknownTableIsNotFound(t *testing.T) {
	s := newLockStandin(t)
	c := s.client(t)
	ctx := context.Background()
	const missing = "no-such-locks"
	calls := map[string]func() error{
		"AcquireLock": func() error {
			return c.AcquireLock(ctx, missing, lockOf("alice", lockT0, time.Hour), lockT0)
		},
		"ReleaseLock": func() error { return c.ReleaseLock(ctx, missing, lockEnv, "alice") },
		"BreakLock": func() error {
			_, err := c.BreakLock(ctx, missing, lockEnv)
			return err
		},
		"ReadLock": func() error {
			_, err := c.ReadLock(ctx, missing, lockEnv)
			return err
		},
	}
	for name, call := range calls {
		err := call()
		require.ErrorIs(t, err, envlock.ErrNotFound, "%s on a missing table", name)
		assert.Contains(t, err.Error(), missing, "%s names the table", name)
		assert.Contains(t, err.Error(), "env "+lockEnv, "%s names the env", name)
	}
}

// TestAcquireLockRace is the property that matters: operators and CI
// acquiring at the same moment, each through its own client and its own
// stand-in API process (here: its own Store handle, so only the table
// file's flock orders them), get exactly one winner, and every loser is
// told who won.
func TestAcquireLockRace(t *testing.T) {
	const (
		contenders = 8
		rounds     = 40
	)
	s := newLockStandin(t)
	clients := make([]envlock.Table, contenders)
	for i := range clients {
		clients[i] = s.client(t)
	}
	ctx := context.Background()
	for round := range rounds {
		now := lockT0.Add(time.Duration(round) * time.Minute)
		errs := make([]error, contenders)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i, c := range clients {
			wg.Go(func() {
				<-start
				errs[i] = c.AcquireLock(ctx, lockTable, lockOf(fmt.Sprintf("op%d-round%d", i, round), now, time.Hour), now)
			})
		}
		close(start)
		wg.Wait()

		winner := -1
		for i, err := range errs {
			if err == nil {
				require.Equal(t, -1, winner, "round %d: operators %d and %d both acquired", round, winner, i)
				winner = i
			}
		}
		require.NotEqual(t, -1, winner, "round %d: nobody acquired: %v", round, errs)
		holder := fmt.Sprintf("op%d-round%d", winner, round)
		for i, err := range errs {
			if i != winner {
				require.ErrorIs(t, err, envlock.ErrLocked, "round %d: operator %d lost", round, i)
				assert.Contains(t, err.Error(), strconv.Quote(holder), "round %d: the loser is told who won", round)
			}
		}
		held, err := clients[0].ReadLock(ctx, lockTable, lockEnv)
		require.NoError(t, err, "read")
		require.Equal(t, holder, held.Holder, "round %d: the stored lock is the winner's", round)
		require.NoError(t, clients[0].ReleaseLock(ctx, lockTable, lockEnv, holder), "round %d: release", round)
	}
}

// noBackoff retries at once, so tests of retried calls do not sleep.
func noBackoff() aws.Config {
	cfg := lockConfig()
	cfg.Retryer = func() aws.Retryer {
		return retry.NewStandard(func(o *retry.StandardOptions) {
			o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
		})
	}
	return cfg
}

// TestAcquireLockWhoseAnswerWasLost covers the SDK retrying a PutItem that
// succeeded but whose answer never arrived: the retry is refused because
// the lock is there, and the lock there is ours.
func TestAcquireLockWhoseAnswerWasLost(t *testing.T) {
	s := newLockStandin(t)
	var puts atomic.Int32
	url := s.serve(t, func(api http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasSuffix(r.Header.Get("X-Amz-Target"), ".PutItem") && puts.Add(1) == 1 {
				api.ServeHTTP(httptest.NewRecorder(), r) // done, answer dropped
				w.WriteHeader(http.StatusBadGateway)
				return
			}
			api.ServeHTTP(w, r)
		})
	})
	c := envlock.NewTable(noBackoff(), url)
	mine := lockOf("alice", lockT0, time.Hour)
	require.NoError(t, c.AcquireLock(context.Background(), lockTable, mine, lockT0), "our own lock is not someone else's")
	assert.Equal(t, int32(2), puts.Load(), "the SDK retried the put")
	held, err := c.ReadLock(context.Background(), lockTable, lockEnv)
	require.NoError(t, err, "read")
	assert.Equal(t, mine, *held, "we hold it")
}

// TestLockWithoutItemOnConditionFailure covers an endpoint that ignores
// ReturnValuesOnConditionCheckFailure: the holder comes from a consistent
// read instead.
func TestLockWithoutItemOnConditionFailure(t *testing.T) {
	s := newLockStandin(t)
	url := s.serve(t, func(api http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			rec := httptest.NewRecorder()
			api.ServeHTTP(rec, r)
			body := rec.Body.Bytes()
			if bytes.Contains(body, []byte("ConditionalCheckFailedException")) {
				var m map[string]any
				require.NoError(t, json.Unmarshal(body, &m), "decode the refusal")
				delete(m, "Item")
				var err error
				body, err = json.Marshal(m)
				require.NoError(t, err, "encode the refusal")
			}
			for k, v := range rec.Header() {
				if k != "X-Amz-Crc32" && k != "Content-Length" {
					w.Header()[k] = v
				}
			}
			w.WriteHeader(rec.Code)
			_, _ = w.Write(body)
		})
	})
	c := envlock.NewTable(lockConfig(), url)
	ctx := context.Background()
	require.NoError(t, c.AcquireLock(ctx, lockTable, lockOf("alice", lockT0, time.Hour), lockT0), "alice acquires")

	err := c.AcquireLock(ctx, lockTable, lockOf("bob", lockT0, time.Hour), lockT0)
	require.ErrorIs(t, err, envlock.ErrLocked, "bob is refused")
	assert.Contains(t, err.Error(), `"alice"`, "the holder comes from the read")

	err = c.ReleaseLock(ctx, lockTable, lockEnv, "bob")
	require.ErrorIs(t, err, envlock.ErrLockLost, "bob cannot release it")
	assert.Contains(t, err.Error(), `"alice"`, "the holder comes from the read")

	require.NoError(t, c.ReleaseLock(ctx, lockTable, lockEnv, "alice"), "alice releases")
	assert.NoError(t, c.ReleaseLock(ctx, lockTable, lockEnv, "alice"), "and again: nothing there is no error")
}
