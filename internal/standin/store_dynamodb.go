package standin

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// ddbItem is one DynamoDB item as its JSON protocol puts it: attribute name
// to AttributeValue ({"S": "..."}, {"N": "..."}...). Values stay raw so that
// every type survives a round trip without the stand-in modelling it.
type ddbItem map[string]json.RawMessage

// ddbItems are one table's items by their canonical key (ddbKeyOf).
type ddbItems map[string]ddbItem

// withTableItems runs fn on the items of one table, holding an flock on the
// table's lock file for the whole read-decide-write, as Store.Next does for
// counters: two `infra` processes (each with its own API) racing for one
// lock item must see one another's writes, so that exactly one conditional
// put wins. A shared lock is enough for readers (write false); fn's changes
// are kept only when write is true and fn reports a change.
//
// Items live under dynamodb/ in one JSON file per table, named after the
// table resource's type and ID: a table deleted and created again under
// the same name has a new ID and so starts empty, as in AWS.
func (s *Store) withTableItems(tableID string, write bool, fn func(items ddbItems) (changed bool, err error)) error {
	dir := filepath.Join(s.dir, "dynamodb")
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return err
	}
	base := strings.TrimSuffix(fileKey(apiTypeDynamoDBTable, tableID), ".json")
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
	items := ddbItems{}
	raw, err := os.ReadFile(path) //nolint:gosec // inside the store
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		return err
	default:
		if err := json.Unmarshal(raw, &items); err != nil {
			return fmt.Errorf("stand-in store: items of table %s: %w", tableID, err)
		}
	}
	changed, err := fn(items)
	if err != nil || !changed || !write {
		return err
	}
	data, err := json.MarshalIndent(items, "", "  ")
	if err != nil {
		return err
	}
	return writeAtomic(path, data)
}
