package standin

import (
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"math/big"
	"net/http"
	"strconv"
	"strings"
)

// DynamoDB speaks awsJson1_0 with X-Amz-Target DynamoDB_20120810.<Op>. The
// stand-in answers the item calls of infra's env lock (PutItem, GetItem and
// DeleteItem, with condition expressions) on tables the Store holds, and
// keeps their items in the Store directory so that every process sharing
// the Store sees the same items.
const (
	apiTypeDynamoDBTable = "aws:dynamodb/table:Table"
	apiSvcDynamoDB       = "dynamodb"

	ddbTargetPrefix = "DynamoDB_20120810."
	ddbContentType  = "application/x-amz-json-1.0"
	// ddbNamespace prefixes DynamoDB's modeled errors in __type; the SDK
	// strips everything up to '#'.
	ddbNamespace = "com.amazonaws.dynamodb.v20120810#"
	// Errors DynamoDB reports from its request framework carry coral's
	// namespaces instead.
	ddbValidationShape    = "com.amazon.coral.validate#ValidationException"
	ddbSerializationShape = "com.amazon.coral.service#SerializationException"
	ddbUnknownOpShape     = "com.amazon.coral.service#UnknownOperationException"
)

// ddbRequest holds the parameters of PutItem, GetItem and DeleteItem that
// the stand-in reads.
type ddbRequest struct {
	TableName                           string                     `json:"TableName"`
	Item                                ddbItem                    `json:"Item"`
	Key                                 ddbItem                    `json:"Key"`
	ConditionExpression                 *string                    `json:"ConditionExpression"`
	ExpressionAttributeNames            map[string]string          `json:"ExpressionAttributeNames"`
	ExpressionAttributeValues           map[string]json.RawMessage `json:"ExpressionAttributeValues"`
	ReturnValues                        string                     `json:"ReturnValues"`
	ReturnValuesOnConditionCheckFailure string                     `json:"ReturnValuesOnConditionCheckFailure"`

	// Parameters that change what a call does but that the stand-in does
	// not evaluate: a request carrying one is refused rather than answered
	// as if it were absent.
	Expected             json.RawMessage `json:"Expected"`
	ConditionalOperator  json.RawMessage `json:"ConditionalOperator"`
	ProjectionExpression json.RawMessage `json:"ProjectionExpression"`
	AttributesToGet      json.RawMessage `json:"AttributesToGet"`
}

// ddbTable is a table the Store holds: its resource ID (which names its
// items file) and its key schema, partition key first.
type ddbTable struct {
	id, name string
	keys     []ddbKeyAttr
}

// ddbKeyAttr is one key attribute and its declared type (S, N or B; empty
// when the resource does not declare it).
type ddbKeyAttr struct{ name, typ string }

// dynamoDBAPI answers DynamoDB's item calls on the Store's tables.
type dynamoDBAPI struct {
	store  *Store
	tables ddbTables
}

// serve answers an awsJson1_0 request whose X-Amz-Target is
// DynamoDB_20120810.<Op>.
func (d *dynamoDBAPI) serve(c *apiCall) {
	op := strings.TrimPrefix(c.r.Header.Get("X-Amz-Target"), ddbTargetPrefix)
	faults, aerr := apiFaultsInForce(d.store)
	if aerr != nil {
		ddbError(c, aerr, nil)
		return
	}
	if t, aerr := apiThrottled(d.store, apiSvcDynamoDB, faults); aerr != nil || t {
		if aerr == nil {
			// The throttling error the item calls model; the SDK's default
			// retryer backs off on it.
			aerr = &apiError{Status: http.StatusBadRequest, Code: "ProvisionedThroughputExceededException",
				Message: "Rate exceeded (stand-in throttle fault on dynamodb)"}
		}
		ddbError(c, aerr, nil)
		return
	}
	switch op {
	case "PutItem":
		d.putItem(c)
	case "GetItem":
		d.getItem(c)
	case "DeleteItem":
		d.deleteItem(c)
	default:
		ddbError(c, &apiError{Status: http.StatusBadRequest, Code: "UnknownOperationException", Shape: ddbUnknownOpShape,
			Message: "stand-in AWS API: DynamoDB operation " + op + " is not implemented (only PutItem, GetItem and DeleteItem)"}, nil)
	}
}

// putItem writes Item unless ConditionExpression, evaluated against the
// item it would replace, is false.
func (d *dynamoDBAPI) putItem(c *apiCall) {
	in, table, aerr := d.requestFor(c, "PutItem")
	if aerr != nil {
		ddbError(c, aerr, nil)
		return
	}
	if in.Item == nil {
		ddbError(c, ddbInvalid("1 validation error detected: Value null at 'item' failed to satisfy constraint: Member must not be null"), nil)
		return
	}
	for name, v := range in.Item {
		if _, _, err := ddbScalar(v); err != nil {
			ddbError(c, ddbInvalid(fmt.Sprintf("One or more parameter values were invalid: attribute %s: %s", name, err)), nil)
			return
		}
	}
	key, aerr := table.keyOf(in.Item, true)
	if aerr != nil {
		ddbError(c, aerr, nil)
		return
	}
	d.conditionalWrite(c, in, table, key, func(items ddbItems, _ ddbItem) bool {
		items[key] = in.Item
		return true
	})
}

// conditionalWrite evaluates the request's ConditionExpression against
// the item at key, under the table's lock, and applies write only when it
// holds; write says whether it changed anything. It answers as DynamoDB
// does, with the old item when the request asks for it.
func (d *dynamoDBAPI) conditionalWrite(c *apiCall, in *ddbRequest, table *ddbTable, key string, write func(items ddbItems, old ddbItem) bool) {
	cond, rv, rvFail, aerr := ddbWriteOptions(in)
	if aerr != nil {
		ddbError(c, aerr, nil)
		return
	}
	var old ddbItem
	failed := false
	err := d.tables.withItems(table.id, true, func(items ddbItems) (bool, error) {
		old = items[key]
		if cond != nil && !cond.eval(old) {
			failed = true
			return false, nil
		}
		return write(items, old), nil
	})
	if err != nil {
		ddbError(c, errAPIInternal(err), nil)
		return
	}
	ddbWriteResult(c, old, failed, rv, rvFail)
}

// deleteItem deletes the item at Key unless ConditionExpression,
// evaluated against that item, is false.
func (d *dynamoDBAPI) deleteItem(c *apiCall) {
	in, table, aerr := d.requestFor(c, "DeleteItem")
	if aerr != nil {
		ddbError(c, aerr, nil)
		return
	}
	key, aerr := table.keyOf(in.Key, false)
	if aerr != nil {
		ddbError(c, aerr, nil)
		return
	}
	d.conditionalWrite(c, in, table, key, func(items ddbItems, old ddbItem) bool {
		if old == nil {
			return false
		}
		delete(items, key)
		return true
	})
}

// getItem answers the item at Key. Every read is strongly consistent:
// writes hold the table's lock until their file is in place.
func (d *dynamoDBAPI) getItem(c *apiCall) {
	in, table, aerr := d.requestFor(c, "GetItem")
	if aerr != nil {
		ddbError(c, aerr, nil)
		return
	}
	if in.ConditionExpression != nil || in.ExpressionAttributeValues != nil || in.ReturnValues != "" {
		ddbError(c, ddbInvalid("the stand-in's GetItem takes no ConditionExpression, ExpressionAttributeValues or ReturnValues"), nil)
		return
	}
	if in.ExpressionAttributeNames != nil {
		// Only a ProjectionExpression could use them, and that is refused.
		ddbError(c, ddbInvalid("ExpressionAttributeNames can only be specified when using expressions"), nil)
		return
	}
	key, aerr := table.keyOf(in.Key, false)
	if aerr != nil {
		ddbError(c, aerr, nil)
		return
	}
	var item ddbItem
	err := d.tables.withItems(table.id, false, func(items ddbItems) (bool, error) {
		item = items[key]
		return false, nil
	})
	if err != nil {
		ddbError(c, errAPIInternal(err), nil)
		return
	}
	out := map[string]any{}
	if item != nil {
		out["Item"] = item
	}
	ddbWrite(c, http.StatusOK, out)
}

// requestFor decodes the request and finds its table.
func (d *dynamoDBAPI) requestFor(c *apiCall, op string) (*ddbRequest, *ddbTable, *apiError) {
	var in ddbRequest
	if err := json.NewDecoder(c.r.Body).Decode(&in); err != nil {
		return nil, nil, &apiError{Status: http.StatusBadRequest, Code: "SerializationException", Shape: ddbSerializationShape,
			Message: "stand-in AWS API: " + op + " body is not JSON: " + err.Error()}
	}
	for _, p := range []struct {
		name string
		raw  json.RawMessage
	}{{"Expected", in.Expected}, {"ConditionalOperator", in.ConditionalOperator},
		{"ProjectionExpression", in.ProjectionExpression}, {"AttributesToGet", in.AttributesToGet}} {
		if p.raw != nil {
			return nil, nil, ddbInvalid("stand-in AWS API: " + op + " parameter " + p.name + " is not implemented")
		}
	}
	if in.TableName == "" {
		return nil, nil, ddbInvalid("1 validation error detected: Value null at 'tableName' failed to satisfy constraint: Member must not be null")
	}
	table, aerr := d.table(in.TableName)
	if aerr != nil {
		return nil, nil, aerr
	}
	return &in, table, nil
}

// table finds the Table resource whose name output is name.
func (d *dynamoDBAPI) table(name string) (*ddbTable, *apiError) {
	tables, aerr := apiResourcesOf(d.store, apiTypeDynamoDBTable)
	if aerr != nil {
		return nil, aerr
	}
	for _, r := range tables {
		if r.Str("name") != name {
			continue
		}
		t := &ddbTable{id: r.ID, name: name}
		declared := map[string]string{}
		attrs, _ := r.Outputs["attributes"].([]any)
		for _, e := range attrs {
			m, _ := e.(map[string]any)
			n, _ := m["name"].(string)
			typ, _ := m["type"].(string)
			declared[n] = typ
		}
		hash, rng := r.Str("hashKey"), r.Str("rangeKey")
		if hash == "" {
			// Without a key schema no item can be placed; that is the
			// stand-in's state at fault, not the caller's request.
			return nil, errAPIInternal(fmt.Errorf("table %s (resource %s) has no hashKey output", name, r.ID))
		}
		t.keys = append(t.keys, ddbKeyAttr{hash, declared[hash]})
		if rng != "" {
			t.keys = append(t.keys, ddbKeyAttr{rng, declared[rng]})
		}
		return t, nil
	}
	return nil, &apiError{Status: http.StatusBadRequest, Code: "ResourceNotFoundException",
		Message: "Requested resource not found: Table: " + name + " not found"}
}

// keyOf returns the canonical key of item (a whole item for PutItem, only
// the key attributes for GetItem and DeleteItem), checking it against the
// table's key schema the way DynamoDB does.
func (t *ddbTable) keyOf(item ddbItem, whole bool) (string, *apiError) {
	if !whole && len(item) != len(t.keys) {
		return "", ddbInvalid("The provided key element does not match the schema")
	}
	parts := make([]string, 0, 2*len(t.keys))
	for _, k := range t.keys {
		raw, ok := item[k.name]
		if !ok {
			if whole {
				return "", ddbInvalid("One or more parameter values were invalid: Missing the key " + k.name + " in the item")
			}
			return "", ddbInvalid("The provided key element does not match the schema")
		}
		typ, v, err := ddbScalar(raw)
		if err != nil {
			return "", ddbInvalid(fmt.Sprintf("One or more parameter values were invalid: key %s: %s", k.name, err))
		}
		if (k.typ != "" && typ != k.typ) || (typ != "S" && typ != "N" && typ != "B") {
			want := k.typ
			if want == "" {
				want = "S, N or B"
			}
			return "", ddbInvalid(fmt.Sprintf("One or more parameter values were invalid: Type mismatch for key %s expected: %s actual: %s", k.name, want, typ))
		}
		if v == "" {
			return "", ddbInvalid("One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: " + k.name)
		}
		if typ == "N" {
			// 1 and 1.0 are the same key.
			r, _ := new(big.Rat).SetString(v)
			v = r.RatString()
		}
		parts = append(parts, typ, v)
	}
	b, err := json.Marshal(parts)
	if err != nil {
		return "", errAPIInternal(err)
	}
	return string(b), nil
}

// ddbWriteOptions parses a write's condition and return-value options.
func ddbWriteOptions(in *ddbRequest) (cond ddbCond, rv, rvFail string, aerr *apiError) {
	for _, v := range in.ExpressionAttributeValues {
		if _, _, err := ddbScalar(v); err != nil {
			return nil, "", "", ddbInvalid("ExpressionAttributeValues contains invalid value: " + err.Error())
		}
	}
	if in.ConditionExpression == nil {
		if in.ExpressionAttributeNames != nil {
			return nil, "", "", ddbInvalid("ExpressionAttributeNames can only be specified when using expressions")
		}
		if in.ExpressionAttributeValues != nil {
			return nil, "", "", ddbInvalid("ExpressionAttributeValues can only be specified when using expressions")
		}
	} else {
		var err error
		cond, err = parseDDBCondition(*in.ConditionExpression, in.ExpressionAttributeNames, in.ExpressionAttributeValues)
		if err != nil {
			var v ddbValidation
			if errors.As(err, &v) {
				return nil, "", "", ddbInvalid(string(v))
			}
			return nil, "", "", errAPIInternal(err)
		}
	}
	rv, rvFail = in.ReturnValues, in.ReturnValuesOnConditionCheckFailure
	if rv != "" && rv != "NONE" && rv != "ALL_OLD" {
		return nil, "", "", ddbInvalid("Return values set to invalid value")
	}
	if rvFail != "" && rvFail != "NONE" && rvFail != "ALL_OLD" {
		return nil, "", "", ddbInvalid("1 validation error detected: Value '" + rvFail +
			"' at 'returnValuesOnConditionCheckFailure' failed to satisfy constraint: Member must satisfy enum value set: [ALL_OLD, NONE]")
	}
	return cond, rv, rvFail, nil
}

// ddbWriteResult answers a PutItem or DeleteItem: the old item when asked
// for with ALL_OLD, or ConditionalCheckFailedException (carrying the item
// when ReturnValuesOnConditionCheckFailure is ALL_OLD) when the condition
// was false.
func ddbWriteResult(c *apiCall, old ddbItem, failed bool, rv, rvFail string) {
	if failed {
		var extra map[string]any
		if rvFail == "ALL_OLD" && old != nil {
			extra = map[string]any{"Item": old}
		}
		ddbError(c, &apiError{Status: http.StatusBadRequest, Code: "ConditionalCheckFailedException",
			Message: "The conditional request failed"}, extra)
		return
	}
	out := map[string]any{}
	if rv == "ALL_OLD" && old != nil {
		out["Attributes"] = old
	}
	ddbWrite(c, http.StatusOK, out)
}

func ddbInvalid(msg string) *apiError {
	return &apiError{Status: http.StatusBadRequest, Code: "ValidationException", Shape: ddbValidationShape, Message: msg}
}

// ddbWrite writes a DynamoDB response with the X-Amz-Crc32 header DynamoDB
// sends, which the SDK checks against the body when present.
func ddbWrite(c *apiCall, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		body = []byte(`{"__type":"` + ddbNamespace + `InternalServerError","message":"stand-in AWS API: encode response"}`)
	}
	c.w.Header().Set("X-Amz-Crc32", strconv.FormatUint(uint64(crc32.ChecksumIEEE(body)), 10))
	c.write(status, ddbContentType, body)
}

// ddbError writes e as DynamoDB does: __type names the error shape (the
// SDK matches the part after '#'), message the text, and extra adds the
// error's own members such as ConditionalCheckFailedException's Item.
func ddbError(c *apiCall, e *apiError, extra map[string]any) {
	shape := e.shape()
	if !strings.Contains(shape, "#") {
		shape = ddbNamespace + shape
	}
	body := map[string]any{"__type": shape, "message": e.Message}
	for k, v := range extra {
		body[k] = v
	}
	ddbWrite(c, e.Status, body)
}

// ddbIsTarget says whether an X-Amz-Target header addresses DynamoDB.
func ddbIsTarget(target string) bool {
	return strings.HasPrefix(target, ddbTargetPrefix)
}
