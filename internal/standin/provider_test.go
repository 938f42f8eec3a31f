package standin

import (
	"context"
	"net"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"
)

// dial serves a Provider over real gRPC on loopback, as the engine talks
// to the plugin, and returns a client.
func dial(t *testing.T) (pulumirpc.ResourceProviderClient, *Store) {
	t.Helper()
	store, err := OpenStore(t.TempDir())
	require.NoError(t, err, "store")
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err, "listen")
	srv := grpc.NewServer()
	pulumirpc.RegisterResourceProviderServer(srv, NewProvider(store, "6.83.0"))
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	require.NoError(t, err, "dial")
	t.Cleanup(func() { _ = conn.Close() })
	return pulumirpc.NewResourceProviderClient(conn), store
}

func props(t *testing.T, m map[string]any) *structpb.Struct {
	t.Helper()
	s, err := marshal(resource.NewPropertyMapFromMap(m))
	require.NoError(t, err, "marshal")
	return s
}

func plainOf(t *testing.T, s *structpb.Struct) map[string]any {
	t.Helper()
	m, err := unmarshal(s)
	require.NoError(t, err, "unmarshal")
	return plainMap(m)
}

const (
	lbURN     = "urn:pulumi:prod-web-blue::video-platform::video-platform:lb:LoadBalancer$aws:lb/loadBalancer:LoadBalancer::web-blue-alb"
	recordURN = "urn:pulumi:prod-dns::video-platform::video-platform:dns:DnsRecords$aws:route53/record:Record::web-blue-a"
)

func TestPluginInfoReportsTheVersionTheEngineAsksFor(t *testing.T) {
	c, _ := dial(t)
	info, err := c.GetPluginInfo(context.Background(), &emptypb.Empty{})
	require.NoError(t, err, "plugin info")
	assert.Equal(t, "6.83.0", info.GetVersion(), "version")
}

func TestCheckAutoNamesFromTheSeedAndKeepsTheOldName(t *testing.T) {
	c, _ := dial(t)
	ctx := context.Background()
	seed := []byte("seed-1")
	first, err := c.Check(ctx, &pulumirpc.CheckRequest{Urn: lbURN, News: props(t, map[string]any{"internal": false}), RandomSeed: seed})
	require.NoError(t, err, "check")
	name, _ := plainOf(t, first.GetInputs())["name"].(string)
	assert.Regexp(t, `^web-blue-alb-[0-9a-f]{7}$`, name, "auto-name is the logical name, a dash and 7 characters")
	again, err := c.Check(ctx, &pulumirpc.CheckRequest{Urn: lbURN, News: props(t, map[string]any{"internal": false}), RandomSeed: seed})
	require.NoError(t, err, "check again")
	assert.Equal(t, name, plainOf(t, again.GetInputs())["name"], "the same seed gives the same name")
	update, err := c.Check(ctx, &pulumirpc.CheckRequest{Urn: lbURN, Olds: first.GetInputs(), News: props(t, map[string]any{"internal": false}), RandomSeed: []byte("other")})
	require.NoError(t, err, "check update")
	assert.Equal(t, name, plainOf(t, update.GetInputs())["name"], "an update keeps the name it had")
}

func TestDiffReplacesOnlyOnForceNewProperties(t *testing.T) {
	c, _ := dial(t)
	ctx := context.Background()
	olds := props(t, map[string]any{"name": "web-blue", "internal": false, "idleTimeout": 60.0})
	inPlace, err := c.Diff(ctx, &pulumirpc.DiffRequest{Urn: lbURN, OldInputs: olds, Olds: olds,
		News: props(t, map[string]any{"name": "web-blue", "internal": false, "idleTimeout": 120.0})})
	require.NoError(t, err, "diff")
	assert.Equal(t, pulumirpc.DiffResponse_DIFF_SOME, inPlace.GetChanges(), "a changed idle timeout is a change")
	assert.Equal(t, []string{"idleTimeout"}, inPlace.GetDiffs(), "the changed property")
	assert.Empty(t, inPlace.GetReplaces(), "an idle timeout is updated in place")

	replace, err := c.Diff(ctx, &pulumirpc.DiffRequest{Urn: lbURN, OldInputs: olds, Olds: olds,
		News: props(t, map[string]any{"name": "web-blue", "internal": true, "idleTimeout": 60.0})})
	require.NoError(t, err, "diff")
	assert.Equal(t, []string{"internal"}, replace.GetReplaces(), "internal is ForceNew on aws_lb")
	assert.Equal(t, pulumirpc.PropertyDiff_UPDATE_REPLACE, replace.GetDetailedDiff()["internal"].GetKind(), "detailed diff says replace")

	same, err := c.Diff(ctx, &pulumirpc.DiffRequest{Urn: lbURN, OldInputs: olds, Olds: olds, News: olds})
	require.NoError(t, err, "diff")
	assert.Equal(t, pulumirpc.DiffResponse_DIFF_NONE, same.GetChanges(), "no change")
}

func TestCreateStoresRealisticIdentifiersAndRefusesNameCollisions(t *testing.T) {
	c, store := dial(t)
	ctx := context.Background()
	created, err := c.Create(ctx, &pulumirpc.CreateRequest{Urn: lbURN, Properties: props(t, map[string]any{"name": "web-blue", "enableDeletionProtection": true})})
	require.NoError(t, err, "create")
	out := plainOf(t, created.GetProperties())
	assert.Regexp(t, `^app/web-blue/[0-9a-f]{16}$`, out["arnSuffix"], "arnSuffix is what CloudWatch's LoadBalancer dimension takes")
	assert.Equal(t, "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/"+out["arnSuffix"].(string), created.GetId(), "the ID is the ARN")
	stored, found, err := store.Get("aws:lb/loadBalancer:LoadBalancer", created.GetId())
	require.NoError(t, err, "get")
	require.True(t, found, "the store holds it")
	assert.Equal(t, "prod-web-blue", stored.Stack, "stack from the URN")
	assert.Equal(t, "web-blue-alb", stored.Name, "logical name from the URN")

	other := "urn:pulumi:prod-web-blue::video-platform::aws:lb/loadBalancer:LoadBalancer::web-blue-alb-2"
	_, err = c.Create(ctx, &pulumirpc.CreateRequest{Urn: other, Properties: props(t, map[string]any{"name": "web-blue"})})
	require.Error(t, err, "a second load balancer named web-blue")
	assert.Contains(t, err.Error(), "already exists", "AWS's answer")

	_, err = c.Delete(ctx, &pulumirpc.DeleteRequest{Urn: lbURN, Id: created.GetId()})
	require.Error(t, err, "deletion protection")
	assert.Contains(t, err.Error(), "deletion protection is enabled", "AWS's answer")
	_, found, err = store.Get("aws:lb/loadBalancer:LoadBalancer", created.GetId())
	require.NoError(t, err, "get")
	assert.True(t, found, "a refused delete keeps the resource")
}

func TestUpdateFaultFailsOnlyTheNthCallAndKeepsComputedOutputs(t *testing.T) {
	c, store := dial(t)
	ctx := context.Background()
	in := map[string]any{"zoneId": "Z1", "name": "web.example.com", "type": "A", "setIdentifier": "blue",
		"weightedRoutingPolicies": []any{map[string]any{"weight": 100.0}}}
	created, err := c.Create(ctx, &pulumirpc.CreateRequest{Urn: recordURN, Properties: props(t, in)})
	require.NoError(t, err, "create")
	assert.Equal(t, "Z1_web.example.com_A_blue", created.GetId(), "record ID as pulumi-aws builds it")
	require.NoError(t, store.SetFaults([]Fault{{Kind: FaultFail, Op: OpUpdate, Name: "web-blue-a", Nth: 2}}), "faults")

	next := map[string]any{"zoneId": "Z1", "name": "web.example.com", "type": "A", "setIdentifier": "blue",
		"weightedRoutingPolicies": []any{map[string]any{"weight": 0.0}}}
	update := &pulumirpc.UpdateRequest{Urn: recordURN, Id: created.GetId(), Olds: created.GetProperties(),
		OldInputs: props(t, in), News: props(t, next)}
	first, err := c.Update(ctx, update)
	require.NoError(t, err, "the first update is not the faulted one")
	assert.Equal(t, "web.example.com", plainOf(t, first.GetProperties())["fqdn"], "computed fqdn kept")
	_, err = c.Update(ctx, update)
	require.Error(t, err, "the second update fails")
	assert.Contains(t, err.Error(), "injected fault", "says it was injected")
	_, err = c.Update(ctx, update)
	require.NoError(t, err, "the third succeeds again")

	r, _, err := store.Get("aws:route53/record:Record", created.GetId())
	require.NoError(t, err, "get")
	policies := r.Outputs["weightedRoutingPolicies"].([]any)
	assert.Equal(t, 0.0, policies[0].(map[string]any)["weight"], "the stored weight is the applied one")
}

func TestReadAnswersGoneResourcesWithAnEmptyID(t *testing.T) {
	c, _ := dial(t)
	resp, err := c.Read(context.Background(), &pulumirpc.ReadRequest{Urn: lbURN, Id: "arn:aws:elasticloadbalancing:us-east-1:1:loadbalancer/app/x/y"})
	require.NoError(t, err, "read")
	assert.Empty(t, resp.GetId(), "a resource gone from AWS reads as an empty ID")
}

func TestInvokeAnswersTheOfflineFixtures(t *testing.T) {
	c, _ := dial(t)
	resp, err := c.Invoke(context.Background(), &pulumirpc.InvokeRequest{Tok: "aws:index/getAvailabilityZones:getAvailabilityZones", Args: props(t, map[string]any{})})
	require.NoError(t, err, "invoke")
	names, _ := plainOf(t, resp.GetReturn())["names"].([]any)
	assert.Equal(t, "us-east-1a", names[0], "first AZ in the configured region")

	bad, err := c.Invoke(context.Background(), &pulumirpc.InvokeRequest{Tok: "aws:s3/getBucket:getBucket"})
	require.NoError(t, err, "an unknown invoke is a failure, not a transport error")
	require.Len(t, bad.GetFailures(), 1, "one failure")
	assert.Contains(t, bad.GetFailures()[0].GetReason(), "aws:s3/getBucket:getBucket", "names the token")
}

func TestReadAnswersARefreshFromTheStore(t *testing.T) {
	c, store := dial(t)
	ctx := context.Background()
	created, err := c.Create(ctx, &pulumirpc.CreateRequest{Urn: lbURN, Properties: props(t, map[string]any{"name": "web-blue", "idleTimeout": 60.0})})
	require.NoError(t, err, "create")
	r, _, err := store.Get("aws:lb/loadBalancer:LoadBalancer", created.GetId())
	require.NoError(t, err, "get")
	r.Outputs["idleTimeout"] = 3600.0 // changed behind Pulumi's back
	require.NoError(t, store.Put(r), "drift")
	resp, err := c.Read(ctx, &pulumirpc.ReadRequest{Urn: lbURN, Id: created.GetId()})
	require.NoError(t, err, "read")
	assert.Equal(t, created.GetId(), resp.GetId(), "same ID")
	assert.Equal(t, 3600.0, plainOf(t, resp.GetProperties())["idleTimeout"], "refresh sees the drift")
}
