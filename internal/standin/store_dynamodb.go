package standin

import (
	"encoding/json"
	"strings"
)

// ddbItem is one DynamoDB item as its JSON protocol puts it: attribute name
// to AttributeValue ({"S": "..."}, {"N": "..."}...). Values stay raw so that
// every type survives a round trip without the stand-in modelling it.
type ddbItem map[string]json.RawMessage

// ddbItems are one table's items by their canonical key (ddbKeyOf).
type ddbItems map[string]ddbItem

// ddbTables keeps the items of the Store's DynamoDB table resources; only
// the API's item calls read and write them.
type ddbTables struct {
	store *Store
}

// withItems runs fn on the items of one table under the table's lock
// (see withLockedJSON): two `infra` processes (each with its own API)
// racing for one lock item must see one another's writes, so that exactly
// one conditional put wins. A shared lock is enough for readers (write
// false); fn's changes are kept only when write is true and fn reports a
// change.
//
// Items live under dynamodb/ in one JSON file per table, named after the
// table resource's type and ID: a table deleted and created again under
// the same name has a new ID and so starts empty, as in AWS.
func (t ddbTables) withItems(tableID string, write bool, fn func(items ddbItems) (changed bool, err error)) error {
	items := ddbItems{}
	base := strings.TrimSuffix(fileKey(apiTypeDynamoDBTable, tableID), ".json")
	return t.store.withLockedJSON("dynamodb", base, write, &items, func() (bool, error) { return fn(items) })
}
