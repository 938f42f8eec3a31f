// Package envlock is the env lock every command that changes an env takes:
// an item in the env's DynamoDB lock table (Table), which the base stack
// declares, so that every operator's laptop and every CI runner contends
// for the same lock; and, before the base stack exists, a lock file in the
// checkout (FileLocker). Holds takes either for one infra run, and lets
// the steps of a run (the swap of a release) take it again.
package envlock

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Holds takes and releases the env locks of one infra run.
type Holds struct {
	// Root is the checkout, whose Dir holds the lock files.
	Root string
	// Files is the lock file before the env has a lock table.
	Files Locker
	// Table finds the env's lock table: its name and client, or "" when
	// the env has none (no base stack yet, or no lock table support).
	Table func(ctx context.Context, env string) (name string, table Table, err error)
	// Now tells the time.
	Now func() time.Time
	// Out receives what --break-lock broke; Warn a lock that could not be
	// released.
	Out, Warn io.Writer

	// held counts, per env, the nested holds of the env lock this run took.
	held map[string]int
}

// Take takes the env's lock for command: a conditional write to the lock
// table when the env has one, the lock file otherwise. With breakLock
// (--break-lock) the held lock is removed first, and Take says whose it
// was. A run that holds the lock already holds it again: a release swaps
// and a housekeeping run retires under the lock they took. The returned
// release never fails the command: a lock it cannot release is reported
// and expires.
func (h *Holds) Take(ctx context.Context, env, command string, breakLock bool) (release func(), err error) {
	if h.held[env] > 0 {
		h.held[env]++
		return func() { h.held[env]-- }, nil
	}
	unlock, err := h.acquire(ctx, env, command, breakLock)
	if err != nil {
		return nil, err
	}
	if h.held == nil {
		h.held = map[string]int{}
	}
	h.held[env] = 1
	return func() {
		if h.held[env]--; h.held[env] == 0 {
			unlock()
		}
	}, nil
}

// acquire takes the env's lock in its DynamoDB table, or its lock file
// before the base stack exists.
func (h *Holds) acquire(ctx context.Context, env, command string, breakLock bool) (release func(), err error) {
	now := h.Now()
	holder := fmt.Sprintf("%s by %s #%s", command, operator(), token())
	name, table, err := h.Table(ctx, env)
	if err != nil {
		return nil, err
	}
	if table == nil {
		return h.acquireFile(env, holder, breakLock)
	}
	if breakLock {
		old, err := table.BreakLock(ctx, name, env)
		if err != nil {
			return nil, fmt.Errorf("break the lock of %s in table %s: %w", env, name, err)
		}
		if old == nil {
			fmt.Fprintf(h.Out, "--break-lock: %s was not locked\n", env)
		} else {
			fmt.Fprintf(h.Out, "--break-lock: broke the lock of %s held by %s\n", env, old)
		}
	}
	host, _ := os.Hostname()
	l := Lock{Env: env, Holder: holder, Command: command, Host: host, PID: os.Getpid(), Start: now, Expires: now.Add(TTL)}
	if err := table.AcquireLock(ctx, name, l, now); err != nil {
		if errors.Is(err, ErrLocked) {
			return nil, fmt.Errorf("%w; wait for it to finish, or if that process is gone run the command again with --break-lock", err)
		}
		return nil, fmt.Errorf("take the lock of %s in table %s: %w", env, name, err)
	}
	return func() {
		if err := table.ReleaseLock(context.WithoutCancel(ctx), name, env, holder); err != nil {
			fmt.Fprintf(h.Warn, "warning: release the lock of %s: %v\n", env, err)
		}
	}, nil
}

// acquireFile is the lock before the env has a lock table.
func (h *Holds) acquireFile(env, holder string, breakLock bool) (func(), error) {
	if breakLock {
		path := filepath.Join(Dir(h.Root), env+".lock")
		raw, err := os.ReadFile(filepath.Clean(path))
		switch {
		case errors.Is(err, os.ErrNotExist):
			fmt.Fprintf(h.Out, "--break-lock: %s was not locked\n", env)
		case err != nil:
			return nil, err
		default:
			if err := os.Remove(path); err != nil {
				return nil, err
			}
			fmt.Fprintf(h.Out, "--break-lock: broke the lock file %s: %s\n", path, strings.TrimSpace(string(raw)))
		}
	}
	unlock, err := h.Files.Lock(env, holder, h.Now())
	if err != nil {
		return nil, err
	}
	return func() {
		if err := unlock(); err != nil {
			fmt.Fprintf(h.Warn, "warning: release lock: %v\n", err)
		}
	}, nil
}

// token tells two acquisitions by the same operator apart, so one never
// releases the other's lock.
func token() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// operator names who runs the command, for lock messages.
func operator() string {
	for _, k := range []string{"INFRA_OPERATOR", "USER", "LOGNAME"} {
		if v := os.Getenv(k); v != "" {
			return v
		}
	}
	return "unknown"
}
