package standin

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/video-platform/video-platform/infra/envlock"
)

const apiTestLockTable = "video-platform-locks"

// The throttle tests in api_test.go call one infra client method per service
// in APIServices; this adds DynamoDB's. Their fixture holds no lock table,
// so a call the throttle lets through is answered ResourceNotFound: that
// answer comes after the throttle check, so it counts as passing it.
func init() {
	apiThrottledCalls[apiSvcDynamoDB] = func(ctx context.Context, c apiClient) error {
		_, err := c.Locks.ReadLock(ctx, apiTestLockTable, "prod")
		if errors.Is(err, envlock.ErrNotFound) {
			return nil
		}
		return err
	}
}

// lockTable puts what the provider would hold for the base stack's lock
// table, under resource ID id.
func (e *apiEnv) lockTable(t *testing.T, id string) {
	t.Helper()
	e.put(t, apiTypeDynamoDBTable, id, map[string]any{
		"name":       apiTestLockTable,
		"hashKey":    "env",
		"attributes": []any{map[string]any{"name": "env", "type": "S"}},
	})
}

// ddbClient is the SDK's DynamoDB client on the stand-in, for requests
// infra never makes.
func (e *apiEnv) ddbClient() *dynamodb.Client {
	cfg := apiConfig()
	cfg.RetryMaxAttempts = 1
	return dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(e.url) })
}

// ddbRaw posts body to target and returns the status, headers and body.
func (e *apiEnv) ddbRaw(t *testing.T, target, body string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, e.url+"/", strings.NewReader(body))
	require.NoError(t, err, "build request")
	req.Header.Set("X-Amz-Target", target)
	req.Header.Set("Content-Type", ddbContentType)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err, "send request")
	defer func() { _ = resp.Body.Close() }()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err, "read body")
	return resp.StatusCode, resp.Header, raw
}

func TestDynamoDBWireFormat(t *testing.T) {
	env := newAPIEnv(t)
	env.lockTable(t, "locks-1")
	put := func(holder, extra string) string {
		return `{"TableName":"` + apiTestLockTable + `","Item":{"env":{"S":"prod"},"holder":{"S":"` + holder + `"},"expires":{"N":"10"}},` +
			`"ConditionExpression":"attribute_not_exists(#e)","ExpressionAttributeNames":{"#e":"env"}` + extra + `}`
	}
	status, hdr, body := env.ddbRaw(t, "DynamoDB_20120810.PutItem", put("alice", ""))
	require.Equal(t, http.StatusOK, status, "put: %s", body)
	assert.JSONEq(t, `{}`, string(body), "an empty PutItem answer")
	assert.Equal(t, ddbContentType, hdr.Get("Content-Type"), "awsJson 1.0")
	assert.Equal(t, strconv.FormatUint(uint64(crc32.ChecksumIEEE(body)), 10), hdr.Get("X-Amz-Crc32"), "DynamoDB's body checksum")
	assert.NotEmpty(t, hdr.Get("X-Amzn-RequestId"), "a request ID")

	status, _, body = env.ddbRaw(t, "DynamoDB_20120810.GetItem", `{"TableName":"`+apiTestLockTable+`","Key":{"env":{"S":"prod"}},"ConsistentRead":true}`)
	require.Equal(t, http.StatusOK, status, "get: %s", body)
	assert.JSONEq(t, `{"Item":{"env":{"S":"prod"},"holder":{"S":"alice"},"expires":{"N":"10"}}}`, string(body), "the item as put")

	status, _, body = env.ddbRaw(t, "DynamoDB_20120810.PutItem", put("bob", `,"ReturnValuesOnConditionCheckFailure":"ALL_OLD"`))
	require.Equal(t, http.StatusBadRequest, status, "a failed condition")
	assert.JSONEq(t, `{"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException","message":"The conditional request failed",`+
		`"Item":{"env":{"S":"prod"},"holder":{"S":"alice"},"expires":{"N":"10"}}}`, string(body), "DynamoDB's refusal, with the item")

	for _, c := range []struct{ name, target, body, errType string }{
		{"unknown operation", "DynamoDB_20120810.ListTables", `{}`, "com.amazon.coral.service#UnknownOperationException"},
		{"not JSON", "DynamoDB_20120810.GetItem", `{`, "com.amazon.coral.service#SerializationException"},
		{"no table name", "DynamoDB_20120810.GetItem", `{"Key":{"env":{"S":"prod"}}}`, "com.amazon.coral.validate#ValidationException"},
		{"unknown table", "DynamoDB_20120810.GetItem", `{"TableName":"nope","Key":{"env":{"S":"prod"}}}`, "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException"},
	} {
		status, hdr, body := env.ddbRaw(t, c.target, c.body)
		assert.Equal(t, http.StatusBadRequest, status, "%s: a client error", c.name)
		var got struct {
			Type    string `json:"__type"`
			Message string `json:"message"`
		}
		require.NoError(t, json.Unmarshal(body, &got), "%s: a JSON error body", c.name)
		assert.Equal(t, c.errType, got.Type, c.name)
		assert.NotEmpty(t, got.Message, "%s: a message", c.name)
		assert.Equal(t, strconv.FormatUint(uint64(crc32.ChecksumIEEE(body)), 10), hdr.Get("X-Amz-Crc32"), "%s: checksummed too", c.name)
	}
}

// TestDynamoDBRefusesWhatAWSRefuses runs requests AWS would refuse with a
// ValidationException (or that the stand-in cannot evaluate faithfully)
// through the SDK, so a caller's mistake shows in a rehearsal.
func TestDynamoDBRefusesWhatAWSRefuses(t *testing.T) {
	env := newAPIEnv(t)
	env.lockTable(t, "locks-1")
	c := env.ddbClient()
	ctx := context.Background()
	s := func(v string) ddbtypes.AttributeValue { return &ddbtypes.AttributeValueMemberS{Value: v} }
	n := func(v string) ddbtypes.AttributeValue { return &ddbtypes.AttributeValueMemberN{Value: v} }
	table := aws.String(apiTestLockTable)
	prod := map[string]ddbtypes.AttributeValue{"env": s("prod")}
	cases := map[string]struct {
		call func() error
		want string
	}{
		"put without the key": {func() error {
			_, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: table, Item: map[string]ddbtypes.AttributeValue{"holder": s("a")}})
			return err
		}, "Missing the key env"},
		"put with a numeric key": {func() error {
			_, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: table, Item: map[string]ddbtypes.AttributeValue{"env": n("1")}})
			return err
		}, "Type mismatch for key env expected: S actual: N"},
		"put with an empty key": {func() error {
			_, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: table, Item: map[string]ddbtypes.AttributeValue{"env": s("")}})
			return err
		}, "cannot contain an empty string value"},
		"get with an extra key attribute": {func() error {
			_, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: table, Key: map[string]ddbtypes.AttributeValue{"env": s("prod"), "x": s("y")}})
			return err
		}, "does not match the schema"},
		"get with a projection": {func() error {
			_, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: table, Key: prod, ProjectionExpression: aws.String("holder")})
			return err
		}, "ProjectionExpression is not implemented"},
		"an undefined value": {func() error {
			_, err := c.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: table, Key: prod, ConditionExpression: aws.String("holder = :h")})
			return err
		}, "attribute value: :h"},
		"an unused name": {func() error {
			_, err := c.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: table, Key: prod, ConditionExpression: aws.String("holder = :h"),
				ExpressionAttributeNames: map[string]string{"#x": "x"}, ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{":h": s("a")}})
			return err
		}, "unused in expressions: keys: {#x}"},
		"values without an expression": {func() error {
			_, err := c.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: table, Key: prod,
				ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{":h": s("a")}})
			return err
		}, "can only be specified when using expressions"},
		"a condition the stand-in lacks": {func() error {
			_, err := c.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: table, Key: prod, ConditionExpression: aws.String("begins_with(holder, :h)"),
				ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{":h": s("a")}})
			return err
		}, `does not implement function "begins_with"`},
		"a bad ReturnValues": {func() error {
			_, err := c.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: table, Key: prod, ReturnValues: ddbtypes.ReturnValueAllNew})
			return err
		}, "Return values set to invalid value"},
	}
	for name, tc := range cases {
		err := tc.call()
		var apiErr smithy.APIError
		require.ErrorAs(t, err, &apiErr, "%s: an API error", name)
		assert.Equal(t, "ValidationException", apiErr.ErrorCode(), name)
		assert.Contains(t, apiErr.ErrorMessage(), tc.want, name)
	}
	out, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: table, Key: prod})
	require.NoError(t, err, "get")
	assert.Empty(t, out.Item, "nothing was written by a refused call")
}

func TestDynamoDBReturnValuesAndNumericKeys(t *testing.T) {
	env := newAPIEnv(t)
	env.put(t, apiTypeDynamoDBTable, "counters-1", map[string]any{
		"name": "counters", "hashKey": "id", "rangeKey": "at",
		"attributes": []any{map[string]any{"name": "id", "type": "S"}, map[string]any{"name": "at", "type": "N"}},
	})
	c := env.ddbClient()
	ctx := context.Background()
	table := aws.String("counters")
	key := func(at string) map[string]ddbtypes.AttributeValue {
		return map[string]ddbtypes.AttributeValue{"id": &ddbtypes.AttributeValueMemberS{Value: "x"}, "at": &ddbtypes.AttributeValueMemberN{Value: at}}
	}
	item := key("1")
	item["v"] = &ddbtypes.AttributeValueMemberN{Value: "7"}
	_, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: table, Item: item})
	require.NoError(t, err, "put")

	got, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: table, Key: key("1.0")})
	require.NoError(t, err, "get")
	assert.Equal(t, &ddbtypes.AttributeValueMemberN{Value: "7"}, got.Item["v"], "1.0 and 1 are the same number key")

	out, err := c.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: table, Key: key("1"), ReturnValues: ddbtypes.ReturnValueAllOld,
		ConditionExpression: aws.String("v > :six AND NOT (v >= :ten)"),
		ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{
			":six": &ddbtypes.AttributeValueMemberN{Value: "6"}, ":ten": &ddbtypes.AttributeValueMemberN{Value: "10"},
		}})
	require.NoError(t, err, "a conditional delete whose condition holds")
	assert.Equal(t, &ddbtypes.AttributeValueMemberN{Value: "7"}, out.Attributes["v"], "ALL_OLD returns the deleted item")

	out, err = c.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: table, Key: key("1"), ReturnValues: ddbtypes.ReturnValueAllOld})
	require.NoError(t, err, "deleting nothing")
	assert.Empty(t, out.Attributes, "nothing to return")
}

func TestDynamoDBTableRecreatedStartsEmpty(t *testing.T) {
	env := newAPIEnv(t)
	env.lockTable(t, "locks-1")
	c := env.client()
	ctx := context.Background()
	lock := envlock.Lock{Env: "prod", Holder: "alice", Expires: apiT0.Add(time.Hour)}
	require.NoError(t, c.Locks.AcquireLock(ctx, apiTestLockTable, lock, apiT0), "acquire")

	require.NoError(t, env.store.Delete(apiTypeDynamoDBTable, "locks-1"), "destroy the table")
	_, err := c.Locks.ReadLock(ctx, apiTestLockTable, "prod")
	require.ErrorIs(t, err, envlock.ErrNotFound, "the table is gone")

	env.lockTable(t, "locks-2")
	held, err := c.Locks.ReadLock(ctx, apiTestLockTable, "prod")
	require.NoError(t, err, "read the new table")
	assert.Nil(t, held, "a new table under the old name holds no items")
}

func TestDynamoDBThrottleFault(t *testing.T) {
	env := newAPIEnv(t)
	env.lockTable(t, "locks-1")
	env.faults(t, Fault{Kind: FaultThrottle, Service: "dynamodb", Count: 1})
	_, err := env.onceClient().Locks.ReadLock(context.Background(), apiTestLockTable, "prod")
	var pte *ddbtypes.ProvisionedThroughputExceededException
	require.ErrorAs(t, err, &pte, "DynamoDB's modeled throttling error")
	held, err := env.onceClient().Locks.ReadLock(context.Background(), apiTestLockTable, "prod")
	require.NoError(t, err, "the fault held back one call")
	assert.Nil(t, held, "no lock")
}

func TestDynamoDBCondition(t *testing.T) {
	item := ddbItem{
		"env":     json.RawMessage(`{"S":"prod"}`),
		"expires": json.RawMessage(`{"N":"100"}`),
		"bin":     json.RawMessage(`{"B":"AAE="}`),
		"list":    json.RawMessage(`{"L":[{"S":"a"}]}`),
	}
	names := map[string]string{"#env": "env", "#x": "expires"}
	values := map[string]json.RawMessage{
		":nine": json.RawMessage(`{"N":"9"}`), ":hundred": json.RawMessage(`{"N":"1e2"}`),
		":s100": json.RawMessage(`{"S":"100"}`), ":prod": json.RawMessage(`{"S":"prod"}`),
		":bin": json.RawMessage(`{"B":"AAI="}`), ":list": json.RawMessage(`{"L": [ {"S":"a"} ]}`),
	}
	for _, c := range []struct {
		expr string
		want bool
	}{
		{"attribute_not_exists(#env) OR #x < :nine", false},
		{"attribute_exists(env) AND #x = :hundred", true}, // numbers compare by value
		{"#x > :nine", true},                              // numerically, though "100" < "9" as strings
		{"#x = :s100", false},                             // different types never compare
		{"nope < :nine", false},                           // nor does a missing attribute
		{"NOT nope < :nine", true},
		{"bin < :bin", true},
		{"list = :list", true},
		{"env = :prod or #x < :nine and nope = :nine", true}, // AND binds tighter
		{"(env = :prod OR #x < :nine) AND nope = :nine", false},
		{"NOT attribute_exists(#env) OR NOT (#x >= :hundred)", false},
		{":nine <= #x", true},
	} {
		// DynamoDB refuses unused placeholders, so each expression gets
		// only its own.
		usedNames := map[string]string{}
		for k, v := range names {
			if strings.Contains(c.expr, k) {
				usedNames[k] = v
			}
		}
		usedValues := map[string]json.RawMessage{}
		for k, v := range values {
			if strings.Contains(c.expr, k) {
				usedValues[k] = v
			}
		}
		cond, err := parseDDBCondition(c.expr, usedNames, usedValues)
		require.NoError(t, err, c.expr)
		assert.Equal(t, c.want, cond.eval(item), c.expr)
	}
	for _, bad := range []string{"", "env =", "env = :prod AND", "(env = :prod", "env = :prod)", "env <> :prod",
		"env BETWEEN :prod AND :prod", "contains(env, :prod)", "attribute_exists(:prod)", "a.b = :prod", "AND = :prod"} {
		_, err := parseDDBCondition(bad, nil, map[string]json.RawMessage{":prod": values[":prod"]})
		var v ddbValidation
		assert.ErrorAs(t, err, &v, "%q is refused", bad)
	}
}

// ddbHelperEnv tells a re-run test binary to serve the stand-in API over
// the Store in the named directory; see TestDynamoDBHelperServe.
const ddbHelperEnv = "VP_STANDIN_TEST_DDB_SERVE"

// TestDynamoDBHelperServe is not a test: run by TestDynamoDBLockRaceAcrossProcesses
// in a child process, it serves the API over the shared Store, prints its URL
// and serves until its standard input closes.
func TestDynamoDBHelperServe(t *testing.T) {
	dir := os.Getenv(ddbHelperEnv)
	if dir == "" {
		t.Skip("helper process for TestDynamoDBLockRaceAcrossProcesses")
	}
	store, err := OpenStore(dir)
	require.NoError(t, err, "open store")
	url, stop, err := NewAPI(store).Serve()
	require.NoError(t, err, "serve")
	fmt.Println(url)
	_, _ = io.Copy(io.Discard, os.Stdin)
	require.NoError(t, stop(), "stop")
}

// TestDynamoDBLockRaceAcrossProcesses races 8 awscheck clients for one lock
// through three stand-in APIs in three processes over one Store directory,
// as two `infra` processes and a rehearsal would: only the flock on the
// table file stands between them, and exactly one must win each round.
func TestDynamoDBLockRaceAcrossProcesses(t *testing.T) {
	env := newAPIEnv(t)
	env.lockTable(t, "locks-1")
	urls := []string{env.url}
	for range 2 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestDynamoDBHelperServe$") //nolint:gosec // the test binary itself
		cmd.Env = append(os.Environ(), ddbHelperEnv+"="+env.store.Dir())
		stdin, err := cmd.StdinPipe()
		require.NoError(t, err, "stdin pipe")
		stdout, err := cmd.StdoutPipe()
		require.NoError(t, err, "stdout pipe")
		cmd.Stderr = os.Stderr
		require.NoError(t, cmd.Start(), "start helper")
		t.Cleanup(func() {
			_ = stdin.Close() // the helper stops serving
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			// The helper's exit status says nothing the test needs.
			select {
			case err := <-done:
				t.Logf("helper exited: %v", err)
			case <-time.After(10 * time.Second):
				_ = cmd.Process.Kill()
				t.Logf("helper killed: %v", <-done)
			}
		})
		line, err := bufio.NewReader(stdout).ReadString('\n')
		require.NoError(t, err, "read the helper's URL")
		url := strings.TrimSpace(line)
		require.True(t, strings.HasPrefix(url, "http://127.0.0.1:"), "helper URL %q", url)
		urls = append(urls, url)
	}

	const contenders, rounds = 8, 40
	clients := make([]apiClient, contenders)
	for i := range clients {
		clients[i] = newAPIClient(apiConfig(), urls[i%len(urls)])
	}
	ctx := context.Background()
	for round := range rounds {
		now := apiT0.Add(time.Duration(round) * time.Minute)
		errs := make([]error, contenders)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i, c := range clients {
			wg.Go(func() {
				<-start
				errs[i] = c.Locks.AcquireLock(ctx, apiTestLockTable, envlock.Lock{
					Env: "prod", Holder: fmt.Sprintf("op%d-round%d", i, round), Expires: now.Add(time.Hour),
				}, now)
			})
		}
		close(start)
		wg.Wait()
		var winners []int
		for i, err := range errs {
			if err == nil {
				winners = append(winners, i)
			} else {
				require.ErrorIs(t, err, envlock.ErrLocked, "round %d: operator %d", round, i)
			}
		}
		require.Len(t, winners, 1, "round %d: exactly one of %d acquires wins", round, contenders)
		holder := fmt.Sprintf("op%d-round%d", winners[0], round)
		// Release through another process than the winner's, so the
		// delete too crosses processes.
		other := clients[(winners[0]+1)%contenders]
		require.NoError(t, other.Locks.ReleaseLock(ctx, apiTestLockTable, "prod", holder), "round %d: release", round)
	}
}
