package standin

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/video-platform/video-platform/infra/awscheck"
	"github.com/video-platform/video-platform/infra/envlock"
)

const (
	apiTestTG        = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web-blue-tg/0123456789abcdef"
	apiTestBlueLB    = "app/web-blue/0123456789abcdef"
	apiTestGreenLB   = "app/web-green/fedcba9876543210"
	apiTestQueue     = "https://sqs.us-east-1.amazonaws.com/123456789012/jobs"
	apiTestBlueGroup = "web-blue-asg-1"
	apiTestZone      = "Z0123456789ABC"
)

// apiT0 is a virtual clock's "now", years away from the wall clock, so a
// comparison with time.Now anywhere would show.
var apiT0 = time.Date(2031, 5, 6, 7, 8, 0, 0, time.UTC)

// apiEnv is a Store, the API over it served on a local port, and a count of
// the requests each service received.
type apiEnv struct {
	store *Store
	api   *API
	url   string

	mu       sync.Mutex
	calls    map[string]int
	attempts []apiAttempt
}

// apiAttempt is one HTTP request the stand-in answered: the SDK numbers
// the attempts of one operation call under one invocation ID, so a retry
// shows as a second attempt of the same invocation.
type apiAttempt struct {
	Service, Invocation, Attempt string
	Status                       int
}

// statusRecorder keeps the status the API wrote.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

// newAPIEnv serves the API over a fresh Store, behind a wrapper that
// counts requests per service (from the SigV4 credential scope).
func newAPIEnv(t *testing.T) *apiEnv {
	t.Helper()
	store, err := OpenStore(t.TempDir())
	require.NoError(t, err, "open store")
	env := &apiEnv{store: store, api: NewAPI(store), calls: map[string]int{}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		svc := apiScopeService(r.Header.Get("Authorization"))
		env.mu.Lock()
		env.calls[svc]++
		env.mu.Unlock()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		env.api.ServeHTTP(rec, r)
		env.mu.Lock()
		env.attempts = append(env.attempts, apiAttempt{Service: svc, Status: rec.status,
			Invocation: r.Header.Get("Amz-Sdk-Invocation-Id"), Attempt: r.Header.Get("Amz-Sdk-Request")})
		env.mu.Unlock()
	}))
	t.Cleanup(srv.Close)
	env.url = srv.URL
	return env
}

var apiScope = regexp.MustCompile(`Credential=[^/]+/[^/]+/[^/]+/([^/]+)/aws4_request`)

func apiScopeService(auth string) string {
	if m := apiScope.FindStringSubmatch(auth); m != nil {
		return m[1]
	}
	return "unsigned"
}

func (e *apiEnv) callsTo(service string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.calls[service]
}

// invocationsOf counts the operation calls the SDK made to service, however
// many attempts each took, and returns every attempt for a failure message.
func (e *apiEnv) invocationsOf(service string) (int, []apiAttempt) {
	e.mu.Lock()
	defer e.mu.Unlock()
	ids := map[string]bool{}
	var of []apiAttempt
	for _, a := range e.attempts {
		if a.Service == service {
			ids[a.Invocation] = true
			of = append(of, a)
		}
	}
	return len(ids), of
}

func apiConfig() aws.Config {
	return aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", "")}
}

// client is infra's real AWS client pointed at the stand-in, with the
// SDK's default retryer.
func (e *apiEnv) client() apiClient { return newAPIClient(apiConfig(), e.url) }

// apiClient is every AWS client infra has: the checks and the env lock
// table.
type apiClient struct {
	awscheck.Checks
	Locks envlock.Table
}

func newAPIClient(cfg aws.Config, url string) apiClient {
	return apiClient{Checks: awscheck.New(cfg, awscheck.WithBaseEndpoint(url)), Locks: envlock.NewTable(cfg, url)}
}

// onceClient is the same client making a single attempt per call, for
// tests about errors that the default retryer would retry with backoff.
func (e *apiEnv) onceClient() apiClient {
	cfg := apiConfig()
	cfg.RetryMaxAttempts = 1
	return newAPIClient(cfg, e.url)
}

func (e *apiEnv) put(t *testing.T, typ, id string, outputs map[string]any) {
	t.Helper()
	require.NoError(t, e.store.Put(Resource{ID: id, Type: typ, Stack: "prod-web-blue", Name: id, Outputs: outputs}), "put %s", id)
}

func (e *apiEnv) faults(t *testing.T, faults ...Fault) {
	t.Helper()
	require.NoError(t, e.store.SetFaults(faults), "set faults")
}

func apiGroupTags(kv ...string) []any {
	var tags []any
	for i := 0; i+1 < len(kv); i += 2 {
		tags = append(tags, map[string]any{"key": kv[i], "value": kv[i+1], "propagateAtLaunch": true})
	}
	return tags
}

// fixture puts what the provider would hold for a blue web copy: target
// group, two load balancers, the blue group (desired 3), a green group
// without desiredCapacity, a staging group and the jobs queue. It runs
// after the API started, so every answer proves the Store is read per
// request.
func (e *apiEnv) fixture(t *testing.T) {
	t.Helper()
	e.put(t, "aws:lb/targetGroup:TargetGroup", apiTestTG, map[string]any{
		"arn": apiTestTG, "port": 8080, "tags": map[string]any{"service": "web", "color": "blue"},
	})
	e.put(t, "aws:lb/loadBalancer:LoadBalancer", "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/"+apiTestBlueLB, map[string]any{
		"arnSuffix": apiTestBlueLB, "tags": map[string]any{"service": "web", "color": "blue"},
	})
	e.put(t, "aws:lb/loadBalancer:LoadBalancer", "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/"+apiTestGreenLB, map[string]any{
		"arnSuffix": apiTestGreenLB, "tags": map[string]any{"service": "web", "color": "green"},
	})
	e.put(t, "aws:autoscaling/group:Group", apiTestBlueGroup, map[string]any{
		"name": apiTestBlueGroup, "desiredCapacity": 3, "minSize": 3, "maxSize": 9,
		"targetGroupArns": []any{apiTestTG},
		"tags":            apiGroupTags("env", "prod", "service", "web", "color", "blue"),
	})
	e.put(t, "aws:autoscaling/group:Group", "web-green-asg-1", map[string]any{
		"name": "web-green-asg-1", "minSize": 2, "maxSize": 4,
		"tags": apiGroupTags("env", "prod", "service", "web", "color", "green"),
	})
	e.put(t, "aws:autoscaling/group:Group", "web-staging-asg", map[string]any{
		"name": "web-staging-asg", "desiredCapacity": 1, "minSize": 1, "maxSize": 2,
		"tags": apiGroupTags("env", "staging"),
	})
	e.put(t, "aws:sqs/queue:Queue", apiTestQueue, map[string]any{"url": apiTestQueue})
}

func TestAPITargetHealthReportsInServiceInstances(t *testing.T) {
	env := newAPIEnv(t)
	env.fixture(t)

	got, err := env.client().Fleet.TargetHealth(context.Background(), apiTestTG)
	require.NoError(t, err, "DescribeTargetHealth")
	want := make([]awscheck.Target, 0, 3)
	for i := range 3 {
		want = append(want, awscheck.Target{ID: asgInstanceID(apiTestBlueGroup, i), Port: 8080, State: awscheck.TargetHealthy})
	}
	assert.Equal(t, want, got, "one healthy target per desired instance, on the target group's port")
	for _, tg := range got {
		assert.Regexp(t, `^i-[0-9a-f]{17}$`, tg.ID, "EC2-shaped instance ID")
	}
}

func TestAPITargetHealthUnderFaults(t *testing.T) {
	env := newAPIEnv(t)
	env.fixture(t)
	c := env.client()
	ctx := context.Background()

	tests := []struct {
		name      string
		fault     Fault
		wantState string
		wantCount int
	}{
		{"fault on the target group's tags", Fault{Kind: FaultTargetsUnhealthy, Tags: map[string]string{"color": "blue"}}, awscheck.TargetUnhealthy, 3},
		{"fault on the auto scaling group's tags only", Fault{Kind: FaultTargetsUnhealthy, Tags: map[string]string{"env": "prod"}}, awscheck.TargetUnhealthy, 3},
		{"fault on other tags", Fault{Kind: FaultTargetsUnhealthy, Tags: map[string]string{"color": "green"}}, awscheck.TargetHealthy, 3},
		{"short of capacity leaves pending instances unregistered", Fault{Kind: FaultShortOfCapacity, Tags: map[string]string{"color": "blue"}, Count: 2}, awscheck.TargetHealthy, 1},
		{"short of capacity, count 0, registers none", Fault{Kind: FaultShortOfCapacity, Tags: map[string]string{"color": "blue"}}, awscheck.TargetHealthy, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env.faults(t, tc.fault)
			got, err := c.Fleet.TargetHealth(ctx, apiTestTG)
			require.NoError(t, err, "DescribeTargetHealth")
			require.Len(t, got, tc.wantCount, "registered targets")
			for _, tg := range got {
				assert.Equal(t, tc.wantState, tg.State, "state of %s", tg.ID)
				if tc.wantState == awscheck.TargetUnhealthy {
					assert.Equal(t, "Target.FailedHealthChecks", tg.Reason, "reason of %s", tg.ID)
					assert.NotEmpty(t, tg.Description, "description of %s", tg.ID)
				} else {
					assert.Empty(t, tg.Reason, "a healthy target carries no reason")
				}
			}
		})
	}
}

func TestAPITargetHealthUnknownGroupIsNotFound(t *testing.T) {
	env := newAPIEnv(t)
	env.fixture(t)
	missing := strings.Replace(apiTestTG, "web-blue-tg", "web-gone-tg", 1)

	_, err := env.client().Fleet.TargetHealth(context.Background(), missing)
	require.Error(t, err, "an unknown target group must fail")
	assert.ErrorIs(t, err, awscheck.ErrNotFound, "awscheck maps TargetGroupNotFound to ErrNotFound")
	var nf *elbtypes.TargetGroupNotFoundException
	assert.ErrorAs(t, err, &nf, "the SDK decoded the modeled error")
	assert.Equal(t, 1, env.callsTo("elasticloadbalancing"), "not found is not retried")
}

func TestAPIGroupsByTag(t *testing.T) {
	env := newAPIEnv(t)
	env.fixture(t)
	c := env.client()
	ctx := context.Background()
	blue := func(inService int) awscheck.Group {
		return awscheck.Group{
			Name: apiTestBlueGroup, Tags: map[string]string{"env": "prod", "service": "web", "color": "blue"},
			Min: 3, Max: 9, Desired: 3, InService: inService, Instances: 3, TargetGroupARNs: []string{apiTestTG},
		}
	}
	green := awscheck.Group{
		Name: "web-green-asg-1", Tags: map[string]string{"env": "prod", "service": "web", "color": "green"},
		Min: 2, Max: 4, Desired: 2, InService: 2, Instances: 2,
	}

	// Members are checked apart: their IDs are derived, their states are not.
	sizing := func(gs []awscheck.Group) []awscheck.Group {
		for i := range gs {
			gs[i].Members = nil
		}
		return gs
	}
	got, err := c.Fleet.GroupsByTag(ctx, "env", "prod")
	require.NoError(t, err, "DescribeAutoScalingGroups")
	require.Len(t, got, 2)
	assert.Len(t, got[0].Members, 3, "the blue group's instances are listed")
	assert.Equal(t, []awscheck.Group{blue(3), green}, sizing(got), "prod groups only; desired defaults to minSize")

	env.faults(t, Fault{Kind: FaultShortOfCapacity, Tags: map[string]string{"color": "blue"}, Count: 2})
	got, err = c.Fleet.GroupsByTag(ctx, "env", "prod")
	require.NoError(t, err, "DescribeAutoScalingGroups under short-of-capacity")
	assert.Equal(t, []awscheck.Group{blue(1), green}, sizing(got), "2 of 3 blue instances pending, green untouched")

	env.faults(t, Fault{Kind: FaultShortOfCapacity, Tags: map[string]string{"color": "blue"}})
	got, err = c.Fleet.GroupsByTag(ctx, "color", "blue")
	require.NoError(t, err, "DescribeAutoScalingGroups with count 0")
	assert.Equal(t, []awscheck.Group{blue(0)}, sizing(got), "count 0 keeps every instance pending")
}

// A group scaled to zero keeps the instances its termination hook holds;
// their drain start and the hook's heartbeat come from Auto Scaling, and
// each instance's own release tag from the tagging API.
func TestAPIDrainingAndOutdatedInstances(t *testing.T) {
	env := newAPIEnv(t)
	env.put(t, "aws:autoscaling/group:Group", "prod-transcoder-r1", map[string]any{
		"name": "prod-transcoder-r1", "desiredCapacity": 0, "minSize": 0, "maxSize": 0,
		"tags": apiGroupTags("env", "prod", "service", "transcoder", "release", "r1"),
		"initialLifecycleHooks": []any{
			map[string]any{"name": "drain", "lifecycleTransition": "autoscaling:EC2_INSTANCE_TERMINATING", "heartbeatTimeout": 1800, "defaultResult": "CONTINUE"},
			map[string]any{"name": "ready", "lifecycleTransition": "autoscaling:EC2_INSTANCE_LAUNCHING", "heartbeatTimeout": 600},
		},
	})
	env.put(t, "aws:autoscaling/group:Group", "prod-transcoder-r2", map[string]any{
		"name": "prod-transcoder-r2", "desiredCapacity": 3, "minSize": 0, "maxSize": 6,
		"tags": apiGroupTags("env", "prod", "service", "transcoder", "release", "r2"),
	})
	since := apiT0.Add(-40 * time.Minute)
	env.faults(t,
		Fault{Kind: FaultTerminatingWait, Tags: map[string]string{"release": "r1"}, Count: 2, Since: since.Format(time.RFC3339)},
		Fault{Kind: FaultOutdatedInstances, Tags: map[string]string{"release": "r2"}, Count: 1, Release: "r1"})
	c := env.client()
	ctx := context.Background()

	groups, err := c.Fleet.GroupsByTag(ctx, "env", "prod")
	require.NoError(t, err)
	require.Len(t, groups, 2)
	r1 := groups[0]
	assert.Equal(t, 0, r1.Desired, "scaled to zero")
	assert.Equal(t, 2, r1.Instances, "yet two instances still hold jobs")
	var waiting []string
	for _, m := range r1.Members {
		assert.Equal(t, "Terminating:Wait", m.LifecycleState)
		assert.True(t, m.Draining())
		waiting = append(waiting, m.ID)
	}

	d, err := c.Fleet.Drains(ctx, "prod-transcoder-r1", waiting)
	require.NoError(t, err, "DescribeLifecycleHooks and DescribeScalingActivities")
	assert.Equal(t, 30*time.Minute, d.Heartbeat, "the terminating hook's heartbeat, not the launching one's")
	require.Len(t, d.Since, 2)
	for _, id := range waiting {
		assert.Equal(t, since, d.Since[id], "%s drains since the fault's time", id)
	}
	_, err = c.Fleet.Drains(ctx, "no-such-group", nil)
	assert.Error(t, err, "an unknown group is an error, not an empty drain")

	tagged, err := c.Fleet.TaggedInstances(ctx, "env", "prod")
	require.NoError(t, err, "GetResources")
	releases := map[string]int{}
	for _, inst := range tagged {
		if inst.Group == "prod-transcoder-r2" {
			releases[inst.Tags["release"]]++
		}
	}
	assert.Equal(t, map[string]int{"r2": 2, "r1": 1}, releases, "one r2 instance still carries r1")
	assert.Len(t, tagged, 5, "the three r2 instances and the two draining r1 ones")
}

func TestAPIGroupsByTagFollowsPages(t *testing.T) {
	env := newAPIEnv(t)
	const n = 205
	for i := range n {
		name := fmt.Sprintf("fleet-%03d", i)
		env.put(t, "aws:autoscaling/group:Group", name, map[string]any{
			"name": name, "desiredCapacity": 1, "minSize": 1, "maxSize": 1, "tags": apiGroupTags("fleet", "big"),
		})
	}
	env.put(t, "aws:autoscaling/group:Group", "other", map[string]any{
		"name": "other", "minSize": 1, "maxSize": 1, "tags": apiGroupTags("fleet", "small"),
	})

	got, err := env.client().Fleet.GroupsByTag(context.Background(), "fleet", "big")
	require.NoError(t, err, "DescribeAutoScalingGroups across pages")
	require.Len(t, got, n, "every tagged group, none twice")
	for i, g := range got {
		assert.Equal(t, fmt.Sprintf("fleet-%03d", i), g.Name, "group %d in name order", i)
		assert.Equal(t, 1, g.InService, "group %s in service", g.Name)
	}
	assert.Equal(t, 3, env.callsTo("autoscaling"), "pages of 100, 100 and 5")
}

// The SDK's ResourceRecordSetsChanged waiter, as a swap uses it, against
// the stand-in: INSYNC at once without a fault; under change-pending every
// answer is PENDING and reported, until the caller's Poll gives up.
func TestAPIRoute53WaitInsync(t *testing.T) {
	env := newAPIEnv(t)
	c := env.client()
	ctx := context.Background()
	id, err := c.DNS.MarkSwap(ctx, apiTestZone, "_swap.web.example.com", "blue->green")
	require.NoError(t, err, "ChangeResourceRecordSets")
	polls := 0
	o := awscheck.WaitOptions{MinDelay: time.Millisecond, MaxDelay: time.Millisecond, Timeout: time.Minute,
		Poll: func(_ context.Context, calls int, status string) error {
			polls++
			assert.Equal(t, awscheck.ChangePending, status, "what is reported")
			if calls == 5 {
				return errors.New("gave up after 10m0s")
			}
			return nil
		}}
	require.NoError(t, c.DNS.WaitInsync(ctx, id, o), "no fault: INSYNC")
	assert.Zero(t, polls, "nothing to report")

	env.faults(t, Fault{Kind: FaultChangePending})
	err = c.DNS.WaitInsync(ctx, id, o)
	require.Error(t, err, "stuck PENDING")
	assert.Contains(t, err.Error(), "route53 change "+id+" to be INSYNC (last status PENDING, after 5 GetChange calls): gave up after 10m0s", "names the change and its status")
	assert.Equal(t, 5, polls, "every PENDING was reported")
}

func TestAPIRoute53MarkerAndChangeStatus(t *testing.T) {
	env := newAPIEnv(t)
	c := env.client()
	ctx := context.Background()

	id, err := c.DNS.MarkSwap(ctx, "/hostedzone/"+apiTestZone, "_swap.web.example.com", "blue->green at 2031-05-06T07:08:00Z")
	require.NoError(t, err, "ChangeResourceRecordSets")
	assert.Regexp(t, `^C[A-Z0-9]{13}$`, id, "Route53-shaped change ID")

	status, err := c.DNS.ChangeStatus(ctx, id)
	require.NoError(t, err, "GetChange")
	assert.Equal(t, awscheck.ChangeInsync, status, "no fault: INSYNC")

	env.faults(t, Fault{Kind: FaultChangePending})
	status, err = c.DNS.ChangeStatus(ctx, "/change/"+id)
	require.NoError(t, err, "GetChange under change-pending")
	assert.Equal(t, awscheck.ChangePending, status, "change-pending keeps it PENDING")

	env.faults(t)
	status, err = c.DNS.ChangeStatus(ctx, id)
	require.NoError(t, err, "GetChange after the fault is lifted")
	assert.Equal(t, awscheck.ChangeInsync, status, "INSYNC once the fault is gone")

	_, err = c.DNS.ChangeStatus(ctx, "C0000000000000")
	require.Error(t, err, "unknown change must fail")
	assert.ErrorIs(t, err, awscheck.ErrNotFound, "awscheck maps NoSuchChange to ErrNotFound")
	var nc *r53types.NoSuchChange
	assert.ErrorAs(t, err, &nc, "the SDK decoded the modeled error")

	changes, err := env.api.Changes()
	require.NoError(t, err, "Changes")
	require.Len(t, changes, 1, "one change recorded")
	ch := changes[0]
	assert.Equal(t, id, ch.ID, "change ID")
	assert.Equal(t, apiTestZone, ch.Zone, "zone as the SDK sent it (prefix stripped)")
	assert.Equal(t, "UPSERT", ch.Action, "action")
	assert.Equal(t, "_swap.web.example.com", ch.Name, "record name")
	assert.Equal(t, "TXT", ch.Type, "record type")
	assert.Equal(t, int64(60), ch.TTL, "TTL")
	assert.Equal(t, []string{`"blue->green at 2031-05-06T07:08:00Z"`}, ch.Values, "TXT value as sent")
	assert.Equal(t, "video-platform swap marker", ch.Comment, "batch comment")

	// A second process opening the same Store directory sees the change
	// and answers for it.
	store2, err := OpenStore(env.store.Dir())
	require.NoError(t, err, "reopen store")
	other := NewAPI(store2)
	changes2, err := other.Changes()
	require.NoError(t, err, "Changes from the other API")
	assert.Equal(t, changes, changes2, "changes live in the Store directory")
	url2, stop2, err := other.Serve()
	require.NoError(t, err, "serve the other API")
	defer func() { assert.NoError(t, stop2(), "stop the other API") }()
	status, err = awscheck.New(apiConfig(), awscheck.WithBaseEndpoint(url2)).DNS.ChangeStatus(ctx, id)
	require.NoError(t, err, "GetChange through the other API")
	assert.Equal(t, awscheck.ChangeInsync, status, "the other process knows the change")

	id2, err := c.DNS.MarkSwap(ctx, apiTestZone, "_swap.web.example.com", "green->blue")
	require.NoError(t, err, "second UPSERT of the marker")
	assert.NotEqual(t, id, id2, "every batch gets a new ID")
	records, err := other.Records()
	require.NoError(t, err, "Records")
	assert.Equal(t, []Route53Record{{
		Zone: apiTestZone, Name: "_swap.web.example.com.", Type: "TXT", TTL: 60,
		Values: []string{`"green->blue"`}, ChangeID: id2,
	}}, records, "UPSERT replaced the marker")
	changes, err = env.api.Changes()
	require.NoError(t, err, "Changes after the second marker")
	assert.Len(t, changes, 2, "both changes kept")
}

func TestAPIRoute53RejectsAnInvalidBatch(t *testing.T) {
	env := newAPIEnv(t)
	r53 := route53.NewFromConfig(apiConfig(), func(o *route53.Options) { o.BaseEndpoint = aws.String(env.url) })
	create := func(value string) error {
		_, err := r53.ChangeResourceRecordSets(context.Background(), &route53.ChangeResourceRecordSetsInput{
			HostedZoneId: aws.String(apiTestZone),
			ChangeBatch: &r53types.ChangeBatch{Changes: []r53types.Change{{
				Action: r53types.ChangeActionCreate,
				ResourceRecordSet: &r53types.ResourceRecordSet{
					Name: aws.String("www.example.com"), Type: r53types.RRTypeTxt, TTL: aws.Int64(300),
					ResourceRecords: []r53types.ResourceRecord{{Value: aws.String(value)}},
				},
			}}},
		})
		return err
	}
	require.NoError(t, create(`"one"`), "first CREATE")
	err := create(`"two"`)
	var icb *r53types.InvalidChangeBatch
	require.ErrorAs(t, err, &icb, "CREATE of an existing record is an InvalidChangeBatch")
	assert.Contains(t, strings.Join(icb.Messages, " "), "already exists", "the batch error says why")
	changes, err := env.api.Changes()
	require.NoError(t, err, "Changes")
	assert.Len(t, changes, 1, "the rejected batch is not recorded")
}

func TestAPITraffic(t *testing.T) {
	env := newAPIEnv(t)
	env.fixture(t)
	c := env.client()
	ctx := context.Background()
	// The window starts mid-minute: awscheck truncates to the minute.
	start, end := apiT0.Add(30*time.Second), apiT0.Add(5*time.Minute)
	points := func(requests float64) []awscheck.TrafficPoint {
		var out []awscheck.TrafficPoint
		for i := range 5 {
			out = append(out, awscheck.TrafficPoint{Time: apiT0.Add(time.Duration(i) * time.Minute), Requests: requests, ActiveConnections: requests})
		}
		return out
	}

	env.faults(t, Fault{Kind: FaultResidualTraffic, Tags: map[string]string{"color": "blue"}, Count: 4})
	got, err := c.Metrics.Traffic(ctx, apiTestBlueLB, start, end)
	require.NoError(t, err, "Traffic of the faulted load balancer")
	assert.Equal(t, points(4), got, "Count requests and connections every minute")

	got, err = c.Metrics.Traffic(ctx, apiTestGreenLB, start, end)
	require.NoError(t, err, "a known quiet load balancer is not an error")
	assert.Equal(t, points(0), got, "all-zero minutes")

	env.faults(t, Fault{Kind: FaultResidualTraffic, Tags: map[string]string{"color": "blue"}})
	got, err = c.Metrics.Traffic(ctx, apiTestBlueLB, start, end)
	require.NoError(t, err, "Traffic with count 0")
	assert.Equal(t, points(1), got, "count 0 means 1 a minute")

	_, err = c.Metrics.Traffic(ctx, "app/web-typo/0123456789abcdef", start, end)
	require.Error(t, err, "an unknown suffix must not read as idle")
	assert.ErrorIs(t, err, awscheck.ErrNoMetrics, "ListMetrics finds nothing for an unknown load balancer")
}

func TestAPITrafficMetricsError(t *testing.T) {
	env := newAPIEnv(t)
	env.fixture(t)
	c := env.onceClient()
	ctx := context.Background()

	env.faults(t, Fault{Kind: FaultMetricsError})
	_, err := c.Metrics.Traffic(ctx, apiTestBlueLB, apiT0, apiT0.Add(2*time.Minute))
	require.Error(t, err, "GetMetricData must fail under metrics-error")
	var isf *cwtypes.InternalServiceFault
	require.ErrorAs(t, err, &isf, "the SDK decoded CloudWatch's InternalServiceFault")
	assert.Equal(t, "InternalServiceError", isf.ErrorCode(), "the awsQuery-compatible code")
	var re *awshttp.ResponseError
	require.ErrorAs(t, err, &re, "HTTP response error")
	assert.Equal(t, http.StatusInternalServerError, re.HTTPStatusCode(), "a server fault")

	env.faults(t, Fault{Kind: FaultMetricsError, Tags: map[string]string{"color": "green"}})
	_, err = c.Metrics.Traffic(ctx, apiTestBlueLB, apiT0, apiT0.Add(2*time.Minute))
	assert.NoError(t, err, "a metrics-error fault on other tags leaves blue alone")
	_, err = c.Metrics.Traffic(ctx, apiTestGreenLB, apiT0, apiT0.Add(2*time.Minute))
	assert.ErrorAs(t, err, &isf, "the tagged fault fails green")
}

// TestAPIGetMetricDataPages drives CloudWatch's own paginator with a small
// MaxDatapoints, which awscheck never sets.
func TestAPIGetMetricDataPages(t *testing.T) {
	env := newAPIEnv(t)
	env.fixture(t)
	env.faults(t, Fault{Kind: FaultResidualTraffic, Tags: map[string]string{"color": "blue"}, Count: 2})
	cw := cloudwatch.NewFromConfig(apiConfig(), func(o *cloudwatch.Options) { o.BaseEndpoint = aws.String(env.url) })
	query := func(id, metric string) cwtypes.MetricDataQuery {
		return cwtypes.MetricDataQuery{Id: aws.String(id), MetricStat: &cwtypes.MetricStat{
			Metric: &cwtypes.Metric{
				Namespace: aws.String("AWS/ApplicationELB"), MetricName: aws.String(metric),
				Dimensions: []cwtypes.Dimension{{Name: aws.String("LoadBalancer"), Value: aws.String(apiTestBlueLB)}},
			},
			Period: aws.Int32(60), Stat: aws.String("Sum"),
		}}
	}
	p := cloudwatch.NewGetMetricDataPaginator(cw, &cloudwatch.GetMetricDataInput{
		StartTime: aws.Time(apiT0), EndTime: aws.Time(apiT0.Add(5 * time.Minute)), MaxDatapoints: aws.Int32(3),
		MetricDataQueries: []cwtypes.MetricDataQuery{query("requests", "RequestCount"), query("active", "ActiveConnectionCount")},
	})
	got := map[string][]time.Time{}
	pages := 0
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		require.NoError(t, err, "GetMetricData page %d", pages+1)
		pages++
		for _, r := range page.MetricDataResults {
			for i, ts := range r.Timestamps {
				got[aws.ToString(r.Id)] = append(got[aws.ToString(r.Id)], ts.UTC())
				assert.InDelta(t, 2.0, r.Values[i], 0, "value of %s at %s", aws.ToString(r.Id), ts)
			}
		}
	}
	want := []time.Time{apiT0, apiT0.Add(time.Minute), apiT0.Add(2 * time.Minute), apiT0.Add(3 * time.Minute), apiT0.Add(4 * time.Minute)}
	assert.Equal(t, map[string][]time.Time{"requests": want, "active": want}, got, "every minute of both metrics, once")
	assert.Equal(t, 4, pages, "10 datapoints in pages of 3")
}

func TestAPIQueueDepth(t *testing.T) {
	env := newAPIEnv(t)
	env.fixture(t)
	c := env.client()

	visible, inFlight, err := c.Queues.QueueDepth(context.Background(), apiTestQueue)
	require.NoError(t, err, "GetQueueAttributes")
	assert.Equal(t, 0, visible, "visible messages")
	assert.Equal(t, 0, inFlight, "in-flight messages")

	_, _, err = c.Queues.QueueDepth(context.Background(), strings.Replace(apiTestQueue, "jobs", "gone", 1))
	require.Error(t, err, "an unknown queue must fail")
	assert.ErrorIs(t, err, awscheck.ErrNotFound, "awscheck maps QueueDoesNotExist to ErrNotFound")
	var nq *sqstypes.QueueDoesNotExist
	require.ErrorAs(t, err, &nq, "the SDK decoded the modeled error")
	assert.Equal(t, "AWS.SimpleQueueService.NonExistentQueue", nq.ErrorCode(), "the awsQuery-compatible code")
}

// apiThrottledCalls makes one awscheck call per service.
var apiThrottledCalls = map[string]func(context.Context, apiClient) error{
	"autoscaling": func(ctx context.Context, c apiClient) error {
		_, err := c.Fleet.GroupsByTag(ctx, "env", "prod")
		return err
	},
	"elasticloadbalancing": func(ctx context.Context, c apiClient) error {
		_, err := c.Fleet.TargetHealth(ctx, apiTestTG)
		return err
	},
	"monitoring": func(ctx context.Context, c apiClient) error {
		_, err := c.Metrics.Traffic(ctx, apiTestBlueLB, apiT0, apiT0.Add(time.Minute))
		return err
	},
	"route53": func(ctx context.Context, c apiClient) error {
		_, err := c.DNS.MarkSwap(ctx, apiTestZone, "_swap.web.example.com", "x")
		return err
	},
	"sqs": func(ctx context.Context, c apiClient) error {
		_, _, err := c.Queues.QueueDepth(ctx, apiTestQueue)
		return err
	},
	"tagging": func(ctx context.Context, c apiClient) error {
		_, err := c.Fleet.TaggedInstances(ctx, "env", "prod")
		return err
	},
}

func TestAPIThrottleErrorsAreRetryableThrottles(t *testing.T) {
	for _, svc := range APIServices {
		t.Run(svc, func(t *testing.T) {
			env := newAPIEnv(t)
			env.fixture(t)
			// Residual traffic keeps Traffic to its one GetMetricData call.
			env.faults(t, Fault{Kind: FaultThrottle, Service: svc, Count: 1},
				Fault{Kind: FaultResidualTraffic, Tags: map[string]string{"color": "blue"}})
			c := env.onceClient()
			err := apiThrottledCalls[svc](context.Background(), c)
			require.Error(t, err, "the first call is throttled")
			var apiErr smithy.APIError
			require.ErrorAs(t, err, &apiErr, "an API error")
			assert.Contains(t, apiErr.ErrorMessage(), "throttle fault on "+svc, "the message names the fault")
			assert.Equal(t, aws.TrueTernary, retry.IsErrorThrottles(retry.DefaultThrottles).IsErrorThrottle(err),
				"the SDK sees %s %q as throttling", svc, apiErr.ErrorCode())
			assert.Equal(t, aws.TrueTernary, retry.IsErrorRetryables(retry.DefaultRetryables).IsErrorRetryable(err),
				"the SDK retries %s %q", svc, apiErr.ErrorCode())
			assert.NoError(t, apiThrottledCalls[svc](context.Background(), c), "the second call passes")
		})
	}
}

// TestAPIThrottleIsRetriedByTheDefaultRetryer calls every service at once
// (goroutines rather than parallel subtests, which a 2-core machine would
// run two at a time), so the test lasts one SDK backoff, not five.
func TestAPIThrottleIsRetriedByTheDefaultRetryer(t *testing.T) {
	envs := map[string]*apiEnv{}
	for _, svc := range APIServices {
		env := newAPIEnv(t)
		env.fixture(t)
		env.faults(t, Fault{Kind: FaultThrottle, Service: svc, Count: 2},
			Fault{Kind: FaultResidualTraffic, Tags: map[string]string{"color": "blue"}})
		envs[svc] = env
	}
	errs := map[string]error{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for svc, env := range envs {
		wg.Go(func() {
			err := apiThrottledCalls[svc](context.Background(), env.client())
			mu.Lock()
			errs[svc] = err
			mu.Unlock()
		})
	}
	wg.Wait()
	for _, svc := range APIServices {
		assert.NoError(t, errs[svc], "the default retryer gets %s through 2 throttled calls", svc)
		assert.Equal(t, 3, envs[svc].callsTo(svc), "%s: two throttled attempts and one that passed", svc)
		n, err := envs[svc].store.Next("throttle:" + svc)
		require.NoError(t, err, "read the shared counter")
		assert.Equal(t, 4, n, "%s: the counter in the Store saw all three calls", svc)
	}
}

func TestAPIUnknownOperationsAnswerTheServiceError(t *testing.T) {
	env := newAPIEnv(t)
	cfg := apiConfig()
	cfg.RetryMaxAttempts = 1
	ep := aws.String(env.url)
	ctx := context.Background()
	calls := map[string]func() error{
		"DescribeLoadBalancers": func() error {
			_, err := elb.NewFromConfig(cfg, func(o *elb.Options) { o.BaseEndpoint = ep }).DescribeLoadBalancers(ctx, &elb.DescribeLoadBalancersInput{})
			return err
		},
		"DescribeScheduledActions": func() error {
			_, err := autoscaling.NewFromConfig(cfg, func(o *autoscaling.Options) { o.BaseEndpoint = ep }).DescribeScheduledActions(ctx, &autoscaling.DescribeScheduledActionsInput{})
			return err
		},
		"DescribeAlarmHistory": func() error {
			_, err := cloudwatch.NewFromConfig(cfg, func(o *cloudwatch.Options) { o.BaseEndpoint = ep }).DescribeAlarmHistory(ctx, &cloudwatch.DescribeAlarmHistoryInput{})
			return err
		},
		"ListHostedZones": func() error {
			_, err := route53.NewFromConfig(cfg, func(o *route53.Options) { o.BaseEndpoint = ep }).ListHostedZones(ctx, &route53.ListHostedZonesInput{})
			return err
		},
		"ListQueues": func() error {
			_, err := sqs.NewFromConfig(cfg, func(o *sqs.Options) { o.BaseEndpoint = ep }).ListQueues(ctx, &sqs.ListQueuesInput{})
			return err
		},
	}
	for op, call := range calls {
		t.Run(op, func(t *testing.T) {
			err := call()
			require.Error(t, err, "%s is not implemented", op)
			var apiErr smithy.APIError
			require.ErrorAs(t, err, &apiErr, "a decoded API error, not a deserialization failure")
			assert.Contains(t, apiErr.ErrorMessage(), op, "the error names the operation")
			var re *awshttp.ResponseError
			require.ErrorAs(t, err, &re, "HTTP response error")
			assert.Equal(t, http.StatusBadRequest, re.HTTPStatusCode(), "a client error, not retried")
		})
	}

	for _, raw := range []struct {
		name, method, path, target string
	}{
		{"no marker at all", http.MethodGet, "/", ""},
		{"another JSON service", http.MethodPost, "/", "DynamoDB_20120810.ListTables"},
		{"another RPCv2 service", http.MethodPost, "/service/Other/operation/Foo", ""},
	} {
		t.Run(raw.name, func(t *testing.T) {
			req, err := http.NewRequestWithContext(ctx, raw.method, env.url+raw.path, strings.NewReader(""))
			require.NoError(t, err, "build request")
			if raw.target != "" {
				req.Header.Set("X-Amz-Target", raw.target)
			}
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err, "send request")
			defer func() { _ = resp.Body.Close() }()
			body, err := io.ReadAll(resp.Body)
			require.NoError(t, err, "read body")
			assert.Equal(t, http.StatusBadRequest, resp.StatusCode, "rejected")
			assert.NotEmpty(t, body, "never an empty error")
		})
	}
}

func TestAPIServeStopsTwice(t *testing.T) {
	store, err := OpenStore(t.TempDir())
	require.NoError(t, err, "open store")
	url, stop, err := NewAPI(store).Serve()
	require.NoError(t, err, "serve")
	assert.Regexp(t, `^http://127\.0\.0\.1:[0-9]+$`, url, "a loopback base URL")
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, url, nil)
	require.NoError(t, err, "build request")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err, "the API answers while served")
	_ = resp.Body.Close()
	require.NoError(t, stop(), "first stop")
	require.NoError(t, stop(), "second stop is harmless")
	_, err = http.DefaultClient.Do(req) //nolint:bodyclose // no response: nothing listens
	assert.Error(t, err, "nothing listens after stop")
}
