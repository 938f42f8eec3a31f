// Package standin is a stand-in for AWS that lets the real Pulumi engine
// and `infra`'s own AWS clients run end to end on one machine: a
// `pulumi-resource-aws` provider plugin (Provider) that keeps resources in a
// Store instead of creating them, and an HTTP endpoint (API) that answers
// the AWS calls `infra` makes from that same Store. Faults written into the
// Store make either side fail on purpose, so the deploy workflow can be
// rehearsed under partial failure.
//
// The plugin runs in its own process (one per stack operation, several at
// once), so the Store lives in a directory and every write is atomic.
package standin

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
)

// StoreEnv names the environment variable that tells the plugin where its
// Store is; the engine passes its own environment on to plugins.
const StoreEnv = "VP_STANDIN_DIR"

// Resource is one resource the stand-in holds, as the provider reported it
// to the engine.
type Resource struct {
	// ID is the provider ID the engine records.
	ID string `json:"id"`
	// URN is the engine's URN of the resource.
	URN string `json:"urn"`
	// Type is the type token, e.g. "aws:lb/loadBalancer:LoadBalancer".
	Type string `json:"type"`
	// Stack is the stack that owns it (from the URN).
	Stack string `json:"stack"`
	// Name is the logical name (the URN's last part).
	Name string `json:"name"`
	// Outputs are the resource's state as plain JSON: the inputs plus what
	// AWS computes (arn, dnsName...).
	Outputs map[string]any `json:"outputs"`
}

// Str reads a string property; missing or non-string yields "".
func (r Resource) Str(prop string) string {
	s, _ := r.Outputs[prop].(string)
	return s
}

// Int reads a numeric property (JSON numbers arrive as float64).
func (r Resource) Int(prop string) int {
	switch n := r.Outputs[prop].(type) {
	case float64:
		return int(n)
	case string:
		i, _ := strconv.Atoi(n)
		return i
	}
	return 0
}

// DesiredCapacity is an Auto Scaling group's desired capacity as AWS keeps
// it: minSize when unset, and never outside [minSize, maxSize].
func (r Resource) DesiredCapacity() int {
	d := r.Int("minSize")
	if v, ok := r.Outputs["desiredCapacity"]; ok && v != nil {
		d = r.Int("desiredCapacity")
	}
	return max(min(d, r.Int("maxSize")), r.Int("minSize"))
}

// Strings reads a list of strings.
func (r Resource) Strings(prop string) []string {
	list, _ := r.Outputs[prop].([]any)
	out := make([]string, 0, len(list))
	for _, v := range list {
		if s, ok := v.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// Tags reads the resource's tags: a map for most types, a list of
// {key, value, propagateAtLaunch} for Auto Scaling groups.
func (r Resource) Tags() map[string]string {
	tags := map[string]string{}
	switch t := r.Outputs["tags"].(type) {
	case map[string]any:
		for k, v := range t {
			if s, ok := v.(string); ok {
				tags[k] = s
			}
		}
	case []any:
		for _, e := range t {
			m, _ := e.(map[string]any)
			k, _ := m["key"].(string)
			v, _ := m["value"].(string)
			if k != "" {
				tags[k] = v
			}
		}
	}
	return tags
}

// Store is the stand-in's state: one JSON file per resource under
// resources/, the fault list in faults.json and call counters under
// counters/. Writes go through a temporary file and a rename, so a reader
// in another process never sees half a file.
type Store struct {
	dir string
}

// OpenStore opens (creating if needed) the Store in dir.
func OpenStore(dir string) (*Store, error) {
	for _, sub := range []string{"resources", "counters"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o750); err != nil { //nolint:gosec // dir is the store the rehearsal chose
			return nil, fmt.Errorf("stand-in store %s: %w", dir, err)
		}
	}
	return &Store{dir: dir}, nil
}

// Dir is the Store's directory.
func (s *Store) Dir() string { return s.dir }

// fileKey turns an ID into a file name: IDs hold slashes and colons.
func fileKey(typ, id string) string {
	sum := sha256.Sum256([]byte(typ + "\x00" + id))
	return hex.EncodeToString(sum[:12]) + ".json"
}

func writeAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		return errors.Join(err, tmp.Close(), os.Remove(tmp.Name()))
	}
	if err := tmp.Close(); err != nil {
		return errors.Join(err, os.Remove(tmp.Name()))
	}
	return os.Rename(tmp.Name(), path)
}

// Put stores r, replacing the resource of the same type and ID.
func (s *Store) Put(r Resource) error {
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("store %s %s: %w", r.Type, r.ID, err)
	}
	return writeAtomic(filepath.Join(s.dir, "resources", fileKey(r.Type, r.ID)), data)
}

// Get returns the resource of this type and ID.
func (s *Store) Get(typ, id string) (Resource, bool, error) {
	raw, err := os.ReadFile(filepath.Join(s.dir, "resources", fileKey(typ, id)))
	if errors.Is(err, os.ErrNotExist) {
		return Resource{}, false, nil
	}
	if err != nil {
		return Resource{}, false, err
	}
	var r Resource
	if err := json.Unmarshal(raw, &r); err != nil {
		return Resource{}, false, fmt.Errorf("stand-in store: %s %s: %w", typ, id, err)
	}
	return r, true, nil
}

// Delete removes the resource of this type and ID; a missing one is fine.
func (s *Store) Delete(typ, id string) error {
	err := os.Remove(filepath.Join(s.dir, "resources", fileKey(typ, id)))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	return err
}

// List returns every resource, ordered by type and ID.
func (s *Store) List() ([]Resource, error) {
	entries, err := os.ReadDir(filepath.Join(s.dir, "resources"))
	if err != nil {
		return nil, err
	}
	var out []Resource
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".json") || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		raw, err := os.ReadFile(filepath.Join(s.dir, "resources", e.Name()))
		if errors.Is(err, os.ErrNotExist) {
			continue // deleted between ReadDir and ReadFile
		}
		if err != nil {
			return nil, err
		}
		var r Resource
		if err := json.Unmarshal(raw, &r); err != nil {
			return nil, fmt.Errorf("stand-in store: %s: %w", e.Name(), err)
		}
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Type != out[j].Type {
			return out[i].Type < out[j].Type
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

// OfType returns the resources of one type.
func (s *Store) OfType(typ string) ([]Resource, error) {
	all, err := s.List()
	if err != nil {
		return nil, err
	}
	var out []Resource
	for _, r := range all {
		if r.Type == typ {
			out = append(out, r)
		}
	}
	return out, nil
}

// Faults returns the faults in force; none when faults.json is absent.
func (s *Store) Faults() ([]Fault, error) {
	raw, err := os.ReadFile(filepath.Join(s.dir, "faults.json"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return ParseFaults(raw)
}

// SetFaults replaces the faults in force and resets their call counters.
func (s *Store) SetFaults(faults []Fault) error {
	for i, f := range faults {
		if err := f.Validate(); err != nil {
			return fmt.Errorf("fault %d: %w", i+1, err)
		}
	}
	data, err := json.MarshalIndent(faults, "", "  ")
	if err != nil {
		return err
	}
	if err := os.RemoveAll(filepath.Join(s.dir, "counters")); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(s.dir, "counters"), 0o750); err != nil {
		return err
	}
	return writeAtomic(filepath.Join(s.dir, "faults.json"), data)
}

// Next increments the named counter and returns its new value. Counters
// are shared by every process using the Store (an flock serializes them),
// so "fail on the 2nd update" counts across the engine's plugin processes.
func (s *Store) Next(counter string) (int, error) {
	lock, err := os.OpenFile(filepath.Join(s.dir, "counters", ".lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return 0, err
	}
	defer func() { _ = lock.Close() }()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil { //nolint:gosec // a file descriptor fits an int
		return 0, err
	}
	defer func() { _ = syscall.Flock(int(lock.Fd()), syscall.LOCK_UN) }() //nolint:gosec // as above
	sum := sha256.Sum256([]byte(counter))
	path := filepath.Join(s.dir, "counters", hex.EncodeToString(sum[:12]))
	n := 0
	if raw, err := os.ReadFile(path); err == nil { //nolint:gosec // path is inside the store
		n, _ = strconv.Atoi(strings.TrimSpace(string(raw)))
	}
	n++
	return n, writeAtomic(path, []byte(strconv.Itoa(n)))
}

// withLockedJSON runs fn on the JSON document <sub>/<base>.json of the
// Store, decoded into v (left as is when the file does not exist yet),
// holding an flock on <sub>/<base>.lock for the whole read-decide-write, as
// Next does for counters. A shared lock is enough for readers (write
// false); v is written back only when write is true and fn reports a
// change.
func (s *Store) withLockedJSON(sub, base string, write bool, v any, fn func() (changed bool, err error)) error {
	dir := filepath.Join(s.dir, sub)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return err
	}
	// The lock is a file of its own, never replaced: the data file is
	// renamed over on every write, and an flock on a replaced file would
	// lock nothing the next process opens.
	lock, err := os.OpenFile(filepath.Join(dir, base+".lock"), os.O_CREATE|os.O_RDWR, 0o600) //nolint:gosec // inside the store
	if err != nil {
		return err
	}
	defer func() { _ = lock.Close() }()
	how := syscall.LOCK_SH
	if write {
		how = syscall.LOCK_EX
	}
	if err := syscall.Flock(int(lock.Fd()), how); err != nil { //nolint:gosec // a file descriptor fits an int
		return err
	}
	defer func() { _ = syscall.Flock(int(lock.Fd()), syscall.LOCK_UN) }() //nolint:gosec // as above

	path := filepath.Join(dir, base+".json")
	raw, err := os.ReadFile(path) //nolint:gosec // inside the store
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		return err
	default:
		if err := json.Unmarshal(raw, v); err != nil {
			return fmt.Errorf("stand-in store: %s/%s.json: %w", sub, base, err)
		}
	}
	changed, err := fn()
	if err != nil || !changed || !write {
		return err
	}
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return writeAtomic(path, data)
}
