package workflow

import (
	"context"
	"fmt"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/video-platform/video-platform/infra/envlock"
)

// lockingAWS is the fake lock table: one item per env.
type lockingAWS struct {
	mu       sync.Mutex
	held     map[string]envlock.Lock
	acquired []string
}

func (l *lockingAWS) AcquireLock(_ context.Context, table string, lk envlock.Lock, now time.Time) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if cur, ok := l.held[lk.Env]; ok && now.Before(cur.Expires) {
		return fmt.Errorf("%w: %s in table %s is held by %s", envlock.ErrLocked, lk.Env, table, cur)
	}
	l.held[lk.Env] = lk
	l.acquired = append(l.acquired, lk.Command)
	return nil
}

func (l *lockingAWS) ReleaseLock(_ context.Context, _, env, holder string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.held[env].Holder == holder {
		delete(l.held, env)
	}
	return nil
}

func (l *lockingAWS) BreakLock(_ context.Context, _, env string) (*envlock.Lock, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	cur, ok := l.held[env]
	if !ok {
		return nil, nil
	}
	delete(l.held, env)
	return &cur, nil
}

func (l *lockingAWS) ReadLock(_ context.Context, _, env string) (*envlock.Lock, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	cur, ok := l.held[env]
	if !ok {
		return nil, nil
	}
	return &cur, nil
}

// withLockTable gives the world's base stack a lock table and its AWS the
// table's API.
func withLockTable(w *world) *lockingAWS {
	w.stack("prod").outputs[lockTableOutput] = "video-platform-prod-locks"
	l := &lockingAWS{held: map[string]envlock.Lock{}}
	w.deps.LockTable = func(context.Context, string) (envlock.Table, error) { return l, nil }
	return l
}

func TestSwapTakesTheEnvLockInTheTable(t *testing.T) {
	w := newWorld(t)
	l := withLockTable(w)
	code, out, errOut := call(w, (*Workflow).Swap, SwapOptions{Env: "prod", Service: "web"})
	require.Equal(t, ExitOK, code, "swap: %s %s", out, errOut)
	assert.Equal(t, []string{"swap prod web"}, l.acquired, "took the table's lock")
	assert.Empty(t, l.held, "released it")
}

func TestAHeldLockRefusesEveryChangingCommand(t *testing.T) {
	for name, run := range map[string]func(w *world) (int, string, string){
		"swap": func(w *world) (int, string, string) {
			return call(w, (*Workflow).Swap, SwapOptions{Env: "prod", Service: "web"})
		},
		"rollback": func(w *world) (int, string, string) {
			return call(w, (*Workflow).Rollback, RollbackOptions{Env: "prod", Service: "web"})
		},
		"up": func(w *world) (int, string, string) {
			return call(w, (*Workflow).Up, UpOptions{Env: "prod"})
		},
		"destroy": func(w *world) (int, string, string) {
			return call(w, (*Workflow).Destroy, DestroyOptions{Env: "prod", Stacks: []string{"prod-web-green"}})
		},
		"retire": func(w *world) (int, string, string) {
			return call(w, (*Workflow).Retire, retireProdWeb("green", func(o *RetireOptions) { o.MinWait = 0 }))
		},
		"roll": func(w *world) (int, string, string) {
			return call(w, (*Workflow).Roll, RollOptions{Env: "prod", Release: "r3", Timeout: DefaultRollTimeout})
		},
	} {
		t.Run(name, func(t *testing.T) {
			w := newWorld(t)
			l := withLockTable(w)
			w.stack("prod-dns").setJSON("previous", `{"web":{"color":"green"}}`)
			l.held["prod"] = envlock.Lock{Env: "prod", Holder: "up prod by bob #1", Command: "up prod", Host: "ci-7", PID: 42, Start: t0, Expires: t0.Add(time.Hour)}
			code, _, errOut := run(w)
			assert.Equal(t, ExitFailed, code, "refused")
			assert.Contains(t, errOut, `held by "up prod by bob #1" (command "up prod", pid 42 on ci-7`, "names the holder")
			assert.Contains(t, errOut, "run the command again with --break-lock", "says how to break it")
			for name, s := range w.p.stacks {
				assert.Zero(t, s.ups+s.destroys, "%s untouched", name)
			}
		})
	}
}

func TestBreakLockSaysWhoseLockItBroke(t *testing.T) {
	w := newWorld(t)
	l := withLockTable(w)
	l.held["prod"] = envlock.Lock{Env: "prod", Holder: "swap prod web by carol #9", Command: "swap prod web", Host: "laptop", PID: 7, Start: t0, Expires: t0.Add(time.Hour)}
	code, out, errOut := call(w, (*Workflow).Swap, SwapOptions{Env: "prod", Service: "web", BreakLock: true})
	require.Equal(t, ExitOK, code, "swap: %s %s", out, errOut)
	assert.Contains(t, out, `--break-lock: broke the lock of prod held by "swap prod web by carol #9"`, "says whose lock it broke")
	assert.Empty(t, l.held, "its own lock released at the end")
}

func TestWithoutALockTableTheLockFileStandsIn(t *testing.T) {
	w := newWorld(t)
	code, _, errOut := call(w, (*Workflow).Up, UpOptions{Env: "prod"})
	require.Equal(t, ExitOK, code, "up: %s", errOut)
	unlock, err := envlock.FileLocker{Dir: envlock.Dir(w.root)}.Lock("prod", "probe", t0)
	require.NoError(t, err, "the lock file was released")
	require.NoError(t, unlock(), "unlock")
}

// A release swaps under the lock it took: the nested hold is the same
// lock, and only the outer release frees it.
func TestNestedHoldsShareTheLock(t *testing.T) {
	w := newWorld(t)
	l := withLockTable(w)
	wf := NewWorkflow(w.deps, io.Discard, io.Discard)
	outer, err := wf.s.lock(context.Background(), "prod", "release prod web r2", false)
	require.NoError(t, err)
	inner, err := wf.s.lock(context.Background(), "prod", "swap prod web", false)
	require.NoError(t, err, "the run that holds the lock may take it again")
	assert.Equal(t, []string{"release prod web r2"}, l.acquired, "the table saw one acquisition")
	inner()
	assert.Contains(t, l.held, "prod", "the inner release leaves the outer hold")
	outer()
	assert.Empty(t, l.held, "the outer release frees the lock")
	other := NewWorkflow(w.deps, io.Discard, io.Discard)
	again, err := other.s.lock(context.Background(), "prod", "up prod", false)
	require.NoError(t, err, "another run takes it afterwards")
	again()
}
