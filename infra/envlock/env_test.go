package envlock

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var holdsT0 = time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)

// memTable is a lock table in memory.
type memTable struct{ held map[string]Lock }

func (m *memTable) AcquireLock(_ context.Context, table string, l Lock, now time.Time) error {
	if cur, ok := m.held[l.Env]; ok && now.Before(cur.Expires) {
		return fmt.Errorf("%w: %s in table %s is held by %s", ErrLocked, l.Env, table, cur)
	}
	m.held[l.Env] = l
	return nil
}

func (m *memTable) ReleaseLock(_ context.Context, _, env, holder string) error {
	if m.held[env].Holder == holder {
		delete(m.held, env)
	}
	return nil
}

func (m *memTable) BreakLock(_ context.Context, _, env string) (*Lock, error) {
	cur, ok := m.held[env]
	if !ok {
		return nil, nil
	}
	delete(m.held, env)
	return &cur, nil
}

func (m *memTable) ReadLock(_ context.Context, _, env string) (*Lock, error) {
	cur, ok := m.held[env]
	if !ok {
		return nil, nil
	}
	return &cur, nil
}

func newHolds(t *testing.T, table Table) (*Holds, *bytes.Buffer) {
	root := t.TempDir()
	var out bytes.Buffer
	h := &Holds{Root: root, Files: FileLocker{Dir: Dir(root)}, Now: func() time.Time { return holdsT0 }, Out: &out, Warn: &out,
		Table: func(context.Context, string) (string, Table, error) {
			if table == nil {
				return "", nil, nil
			}
			return "locks", table, nil
		}}
	return h, &out
}

func TestHoldsTakeTheTableAndNestInOneRun(t *testing.T) {
	table := &memTable{held: map[string]Lock{}}
	h, _ := newHolds(t, table)
	outer, err := h.Take(context.Background(), "prod", "release prod web r2", false)
	require.NoError(t, err)
	assert.Equal(t, "release prod web r2", table.held["prod"].Command, "the table holds the command")
	assert.Equal(t, holdsT0.Add(TTL), table.held["prod"].Expires, "for the TTL")
	inner, err := h.Take(context.Background(), "prod", "swap prod web", false)
	require.NoError(t, err, "a step of the run takes it again")
	inner()
	assert.Contains(t, table.held, "prod", "the step's release keeps the run's hold")
	outer()
	assert.Empty(t, table.held, "the run's release frees it")

	other, _ := newHolds(t, table)
	table.held["prod"] = Lock{Env: "prod", Holder: "up prod by bob #1", Command: "up prod", Host: "ci-7", PID: 42, Start: holdsT0, Expires: holdsT0.Add(time.Hour)}
	_, err = other.Take(context.Background(), "prod", "swap prod web", false)
	assert.ErrorIs(t, err, ErrLocked)
	assert.ErrorContains(t, err, `held by "up prod by bob #1" (command "up prod", pid 42 on ci-7`, "names the holder")
	assert.ErrorContains(t, err, "run the command again with --break-lock", "says how to break it")
}

func TestHoldsBreakLockSaysWhoseItWas(t *testing.T) {
	table := &memTable{held: map[string]Lock{"prod": {Env: "prod", Holder: "swap prod web by carol #9", Expires: holdsT0.Add(time.Hour)}}}
	h, out := newHolds(t, table)
	release, err := h.Take(context.Background(), "prod", "swap prod web", true)
	require.NoError(t, err)
	assert.Contains(t, out.String(), `--break-lock: broke the lock of prod held by "swap prod web by carol #9"`)
	release()

	h, out = newHolds(t, table)
	release, err = h.Take(context.Background(), "prod", "swap prod web", true)
	require.NoError(t, err)
	assert.Contains(t, out.String(), "--break-lock: prod was not locked")
	release()
}

func TestHoldsFallBackToTheLockFile(t *testing.T) {
	h, out := newHolds(t, nil)
	release, err := h.Take(context.Background(), "prod", "up prod", false)
	require.NoError(t, err)
	_, err = FileLocker{Dir: Dir(h.Root)}.Lock("prod", "someone else", holdsT0)
	assert.ErrorIs(t, err, ErrLocked, "the lock file is held")
	release()

	other, _ := newHolds(t, nil)
	other.Root = h.Root
	other.Files = h.Files
	_, err = FileLocker{Dir: Dir(h.Root)}.Lock("prod", "a dead process", holdsT0)
	require.NoError(t, err, "a lock left behind")
	release, err = other.Take(context.Background(), "prod", "up prod", true)
	require.NoError(t, err, "--break-lock removes it")
	assert.Contains(t, out.String()+other.Out.(*bytes.Buffer).String(), "--break-lock: broke the lock file", "and says so")
	release()
}
