package deploy

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/video-platform/video-platform/infra/awscheck"
	"github.com/video-platform/video-platform/internal/topology"
)

// lockTableOutput is the base stack output naming the env's lock table.
const lockTableOutput = "lockTable"

// lockEnv takes the env's lock for command, shared by every operator and
// CI: a conditional write to the lock table the base stack declares,
// through the AWS client when it can reach one (awscheck.Locks). Before the
// base stack exists there is no table, and the lock file under Root/.infra-
// locks stands in. With breakLock (--break-lock) the held lock is removed
// first, and the command says whose it was. The returned release never fails the
// command: a lock it cannot release is reported and expires.
func (a *Workflow) lockEnv(ctx context.Context, env, command string, breakLock bool) (release func(), err error) {
	// A release swaps and a housekeeping run retires under the lock they
	// took: the steps they call find it held by this same run.
	if a.held[env] > 0 {
		a.held[env]++
		return func() { a.held[env]-- }, nil
	}
	unlock, err := a.acquireEnvLock(ctx, env, command, breakLock)
	if err != nil {
		return nil, err
	}
	if a.held == nil {
		a.held = map[string]int{}
	}
	a.held[env] = 1
	return func() {
		if a.held[env]--; a.held[env] == 0 {
			unlock()
		}
	}, nil
}

// acquireEnvLock takes the env's lock in its DynamoDB table, or its lock
// file before the base stack exists.
func (a *Workflow) acquireEnvLock(ctx context.Context, env, command string, breakLock bool) (release func(), err error) {
	now := a.deps.Clock.Now()
	holder := fmt.Sprintf("%s by %s #%s", command, operator(), lockToken())
	table, locks, err := a.lockTable(ctx, env)
	if err != nil {
		return nil, err
	}
	if locks == nil {
		return a.lockFile(env, holder, breakLock)
	}
	if breakLock {
		old, err := locks.BreakLock(ctx, table, env)
		if err != nil {
			return nil, fmt.Errorf("break the lock of %s in table %s: %w", env, table, err)
		}
		if old == nil {
			a.printf("--break-lock: %s was not locked\n", env)
		} else {
			a.printf("--break-lock: broke the lock of %s held by %s\n", env, old)
		}
	}
	host, _ := os.Hostname()
	l := awscheck.Lock{Env: env, Holder: holder, Command: command, Host: host, PID: os.Getpid(), Start: now, Expires: now.Add(lockTTL)}
	if err := locks.AcquireLock(ctx, table, l, now); err != nil {
		if errors.Is(err, awscheck.ErrLockHeld) {
			return nil, fmt.Errorf("%w; wait for it to finish, or if that process is gone run the command again with --break-lock", err)
		}
		return nil, fmt.Errorf("take the lock of %s in table %s: %w", env, table, err)
	}
	return func() {
		if err := locks.ReleaseLock(context.WithoutCancel(ctx), table, env, holder); err != nil {
			fmt.Fprintf(a.errw, "warning: release the lock of %s: %v\n", env, err)
		}
	}, nil
}

// lockTable finds the env's lock table in the base stack's outputs. No
// base stack, no table output, or an AWS client without lock support
// means the lock file.
func (a *Workflow) lockTable(ctx context.Context, env string) (string, awscheck.Locks, error) {
	base, err := a.stack(ctx, topology.BaseStackName(env))
	if errors.Is(err, ErrNoStack) {
		return "", nil, nil
	}
	if err != nil {
		return "", nil, err
	}
	outs, err := base.Outputs(ctx)
	if err != nil {
		return "", nil, fmt.Errorf("read %s outputs for the lock table: %w", base.Name(), err)
	}
	table := outString(outs, lockTableOutput)
	if table == "" {
		return "", nil, nil
	}
	checks, err := a.checks(ctx, env)
	if err != nil {
		return "", nil, err
	}
	if checks.Locks == nil {
		return "", nil, nil
	}
	return table, checks.Locks, nil
}

// lockFile is the lock before the env has a lock table.
func (a *Workflow) lockFile(env, holder string, breakLock bool) (func(), error) {
	if breakLock {
		path := filepath.Join(lockDir(a.deps.Root), env+".lock")
		raw, err := os.ReadFile(filepath.Clean(path))
		switch {
		case errors.Is(err, os.ErrNotExist):
			a.printf("--break-lock: %s was not locked\n", env)
		case err != nil:
			return nil, err
		default:
			if err := os.Remove(path); err != nil {
				return nil, err
			}
			a.printf("--break-lock: broke the lock file %s: %s\n", path, strings.TrimSpace(string(raw)))
		}
	}
	unlock, err := a.deps.Locker.Lock(env, holder, a.deps.Clock.Now())
	if err != nil {
		return nil, err
	}
	return func() {
		if err := unlock(); err != nil {
			fmt.Fprintf(a.errw, "warning: release lock: %v\n", err)
		}
	}, nil
}

// lockToken tells two acquisitions by the same operator apart, so one
// never releases the other's lock.
func lockToken() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
