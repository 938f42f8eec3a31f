package envlock

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// Locker serializes the operations that change which copy serves an env
// (swap, rollback, retire, roll).
type Locker interface {
	// Lock takes env's lock for holder (what and who, for the message a
	// second operator sees) and returns the function that releases it. A
	// held lock yields an error matching ErrLocked that names the holder.
	Lock(env, holder string, now time.Time) (unlock func() error, err error)
}

// ErrLocked marks a refused lock.
var ErrLocked = errors.New("env is locked")

// TTL is how long a lock counts as held. A swap waits at most ten minutes
// for Route53 and a roll at most its --timeout, so an older lock belongs
// to a process that died.
const TTL = 2 * time.Hour

// Dir is where FileLocker keeps its files by default; .infra-locks/ is
// meant to be git-ignored.
func Dir(root string) string { return filepath.Join(root, ".infra-locks") }

// FileLocker is an exclusive lock file per env (O_CREATE|O_EXCL), holding
// the holder and expiry as JSON.
//
// Its limits: it protects operators sharing one checkout (one laptop, one
// CI runner). Two laptops each have their own lock directory; what protects
// them is (1) Pulumi's own update lock in the backend, which makes a
// second concurrent `up` of the DNS stack fail instead of interleaving, and
// (2) the swap preflight that refuses when the DNS stack's deployed `live`
// output disagrees with the local config (someone else swapped: pull their
// committed Pulumi.<env>-dns.yaml first). Neither covers the window between
// two operators' preflights, so teams with several operators should also
// serialize swaps in chat or CI.
type FileLocker struct {
	// Dir holds one <env>.lock file per locked env.
	Dir string
}

type lockInfo struct {
	Holder  string    `json:"holder"`
	PID     int       `json:"pid"`
	Host    string    `json:"host"`
	Taken   time.Time `json:"taken"`
	Expires time.Time `json:"expires"`
}

// Lock implements Locker.
func (f FileLocker) Lock(env, holder string, now time.Time) (func() error, error) {
	if err := os.MkdirAll(f.Dir, 0o750); err != nil {
		return nil, fmt.Errorf("lock %s: %w", env, err)
	}
	path := filepath.Clean(filepath.Join(f.Dir, env+".lock"))
	host, _ := os.Hostname()
	info := lockInfo{Holder: holder, PID: os.Getpid(), Host: host, Taken: now.UTC(), Expires: now.Add(TTL).UTC()}
	data, err := json.Marshal(info)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", env, err)
	}
	for attempt := 0; attempt < 2; attempt++ {
		fh, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		if err == nil {
			_, werr := fh.Write(data)
			cerr := fh.Close()
			if werr = errors.Join(werr, cerr); werr != nil {
				return nil, errors.Join(fmt.Errorf("lock %s: %w", env, werr), os.Remove(path))
			}
			return func() error { return os.Remove(path) }, nil
		}
		if !errors.Is(err, os.ErrExist) {
			return nil, fmt.Errorf("lock %s: %w", env, err)
		}
		var held lockInfo
		raw, rerr := os.ReadFile(path)
		if rerr == nil {
			rerr = json.Unmarshal(raw, &held)
		}
		if rerr == nil && now.After(held.Expires) {
			// The holder died without unlocking; its lock has expired.
			if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
				return nil, fmt.Errorf("lock %s: remove expired lock: %w", env, err)
			}
			continue
		}
		if rerr != nil {
			return nil, fmt.Errorf("%w: %s exists but is unreadable (%v); if no infra command is running, delete it", ErrLocked, path, rerr)
		}
		return nil, fmt.Errorf("%w: %s is held by %q (pid %d on %s since %s, expires %s); wait for it to finish, or delete %s if that process is gone",
			ErrLocked, env, held.Holder, held.PID, held.Host, held.Taken.Format(time.RFC3339), held.Expires.Format(time.RFC3339), path)
	}
	return nil, fmt.Errorf("%w: %s: lock file %s keeps reappearing", ErrLocked, env, path)
}
