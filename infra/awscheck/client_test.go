package awscheck

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	testTG    = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/rec-blue/73e2d6bc24d8a067"
	testQueue = "https://sqs.us-east-1.amazonaws.com/123456789012/transcode-jobs"
)

// newTestClient points a real Client at handler with fixed credentials and
// region. Nothing the handler answers is retried, so every test request is
// seen exactly once; only a connection that broke under a loaded machine
// (seen once: "use of closed network connection") is tried again, as the
// SDK's default retryer would.
func newTestClient(t *testing.T, handler http.HandlerFunc) Checks {
	t.Helper()
	srv := httptest.NewServer(handler)
	t.Cleanup(srv.Close)
	cfg := aws.Config{
		Region: "us-east-1",
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "AKIDTEST", SecretAccessKey: "secret", Source: "test"}, nil
		}),
		Retryer: func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) {
				o.MaxAttempts = 3
				o.Retryables = []retry.IsErrorRetryable{retry.RetryableConnectionError{}}
				o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return time.Millisecond, nil })
				o.RateLimiter = ratelimit.None
			})
		},
	}
	return New(cfg, WithBaseEndpoint(srv.URL))
}

// assertSigned checks the request carries a SigV4 signature scoped to the
// service, which proves the client resolved the right signing name.
func assertSigned(t *testing.T, r *http.Request, service string) {
	t.Helper()
	auth := r.Header.Get("Authorization")
	assert.True(t, strings.HasPrefix(auth, "AWS4-HMAC-SHA256 "), "request must be SigV4 signed, got %q", auth)
	assert.Contains(t, auth, "Credential=AKIDTEST/", "signature must use the static test credentials")
	assert.Contains(t, auth, "/us-east-1/"+service+"/aws4_request", "signature must be scoped to %s", service)
}

// queryForm parses an awsQuery request body and checks its action and
// API version.
func queryForm(t *testing.T, r *http.Request, action, version string) map[string][]string {
	t.Helper()
	assert.Equal(t, http.MethodPost, r.Method, "query protocol requests are POSTs")
	assert.Equal(t, "application/x-www-form-urlencoded", r.Header.Get("Content-Type"), "query protocol body type")
	assert.NoError(t, r.ParseForm(), "query body must be form-encoded")
	assert.Equal(t, action, r.PostForm.Get("Action"), "query Action")
	assert.Equal(t, version, r.PostForm.Get("Version"), "query API Version")
	return r.PostForm
}

func writeBody(t *testing.T, w http.ResponseWriter, status int, contentType, body string) {
	t.Helper()
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("X-Amzn-RequestId", "b2f0c8e4-1111-2222-3333-444455556666")
	w.WriteHeader(status)
	_, err := io.WriteString(w, body)
	assert.NoError(t, err, "write response body")
}

const describeTargetHealthXML = `<DescribeTargetHealthResponse xmlns="http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/">
  <DescribeTargetHealthResult>
    <TargetHealthDescriptions>
      <member>
        <HealthCheckPort>8080</HealthCheckPort>
        <TargetHealth><State>healthy</State></TargetHealth>
        <Target><Port>8080</Port><Id>i-0f76fade435676abd</Id></Target>
      </member>
      <member>
        <HealthCheckPort>8080</HealthCheckPort>
        <TargetHealth>
          <State>draining</State>
          <Reason>Target.DeregistrationInProgress</Reason>
          <Description>Target deregistration is in progress</Description>
        </TargetHealth>
        <Target><Port>8080</Port><Id>i-0bda0bd4cc7d6e5ac</Id></Target>
      </member>
      <member>
        <HealthCheckPort>8080</HealthCheckPort>
        <TargetHealth>
          <State>unhealthy</State>
          <Reason>Target.ResponseCodeMismatch</Reason>
          <Description>Health checks failed with these codes: [502]</Description>
        </TargetHealth>
        <Target><Port>8080</Port><Id>i-07a2c2e5a0c1b9f3d</Id></Target>
      </member>
    </TargetHealthDescriptions>
  </DescribeTargetHealthResult>
  <ResponseMetadata><RequestId>c534f810-f389-11e5-9192-3fff33344cfa</RequestId></ResponseMetadata>
</DescribeTargetHealthResponse>`

func TestTargetHealth(t *testing.T) {
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		assertSigned(t, r, "elasticloadbalancing")
		form := queryForm(t, r, "DescribeTargetHealth", "2015-12-01")
		assert.Equal(t, []string{testTG}, form["TargetGroupArn"], "target group ARN sent")
		writeBody(t, w, http.StatusOK, "text/xml", describeTargetHealthXML)
	})

	got, err := c.Fleet.TargetHealth(context.Background(), testTG)
	require.NoError(t, err, "DescribeTargetHealth should succeed")
	want := []Target{
		{ID: "i-0f76fade435676abd", Port: 8080, State: TargetHealthy},
		{ID: "i-0bda0bd4cc7d6e5ac", Port: 8080, State: TargetDraining, Reason: "Target.DeregistrationInProgress", Description: "Target deregistration is in progress"},
		{ID: "i-07a2c2e5a0c1b9f3d", Port: 8080, State: TargetUnhealthy, Reason: "Target.ResponseCodeMismatch", Description: "Health checks failed with these codes: [502]"},
	}
	assert.Equal(t, want, got, "targets decoded from XML")
}

func TestTargetHealthNotFound(t *testing.T) {
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		queryForm(t, r, "DescribeTargetHealth", "2015-12-01")
		writeBody(t, w, http.StatusBadRequest, "text/xml", `<ErrorResponse xmlns="http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/">
  <Error><Type>Sender</Type><Code>TargetGroupNotFound</Code><Message>One or more target groups not found</Message></Error>
  <RequestId>0a4f2f3e-5d3c-4c1f-9d0a-6d1c2b3a4f5e</RequestId>
</ErrorResponse>`)
	})

	_, err := c.Fleet.TargetHealth(context.Background(), testTG)
	require.Error(t, err, "a missing target group must fail")
	assert.Contains(t, err.Error(), testTG, "error names the target group")
	assert.ErrorIs(t, err, ErrNotFound, "missing group is reported as not found")
	var nf *elbtypes.TargetGroupNotFoundException
	assert.ErrorAs(t, err, &nf, "SDK error stays reachable through the wrap")
}

const asgPage1XML = `<DescribeAutoScalingGroupsResponse xmlns="http://autoscaling.amazonaws.com/doc/2011-01-01/">
  <DescribeAutoScalingGroupsResult>
    <AutoScalingGroups>
      <member>
        <AutoScalingGroupName>transcoder-prod-blue</AutoScalingGroupName>
        <AutoScalingGroupARN>arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:1a2b:autoScalingGroupName/transcoder-prod-blue</AutoScalingGroupARN>
        <MinSize>2</MinSize>
        <MaxSize>6</MaxSize>
        <DesiredCapacity>3</DesiredCapacity>
        <Instances>
          <member><InstanceId>i-1</InstanceId><LifecycleState>InService</LifecycleState><HealthStatus>Healthy</HealthStatus><AvailabilityZone>us-east-1a</AvailabilityZone><ProtectedFromScaleIn>false</ProtectedFromScaleIn></member>
          <member><InstanceId>i-2</InstanceId><LifecycleState>InService</LifecycleState><HealthStatus>Healthy</HealthStatus><AvailabilityZone>us-east-1b</AvailabilityZone><ProtectedFromScaleIn>false</ProtectedFromScaleIn></member>
          <member><InstanceId>i-3</InstanceId><LifecycleState>Pending</LifecycleState><HealthStatus>Healthy</HealthStatus><AvailabilityZone>us-east-1a</AvailabilityZone><ProtectedFromScaleIn>false</ProtectedFromScaleIn></member>
        </Instances>
        <TargetGroupARNs><member>` + testTG + `</member></TargetGroupARNs>
        <Tags>
          <member><ResourceId>transcoder-prod-blue</ResourceId><ResourceType>auto-scaling-group</ResourceType><Key>env</Key><Value>prod</Value><PropagateAtLaunch>true</PropagateAtLaunch></member>
          <member><ResourceId>transcoder-prod-blue</ResourceId><ResourceType>auto-scaling-group</ResourceType><Key>color</Key><Value>blue</Value><PropagateAtLaunch>true</PropagateAtLaunch></member>
        </Tags>
      </member>
    </AutoScalingGroups>
    <NextToken>page-2-token</NextToken>
  </DescribeAutoScalingGroupsResult>
  <ResponseMetadata><RequestId>a1</RequestId></ResponseMetadata>
</DescribeAutoScalingGroupsResponse>`

const asgPage2XML = `<DescribeAutoScalingGroupsResponse xmlns="http://autoscaling.amazonaws.com/doc/2011-01-01/">
  <DescribeAutoScalingGroupsResult>
    <AutoScalingGroups>
      <member>
        <AutoScalingGroupName>transcoder-prod-green</AutoScalingGroupName>
        <MinSize>0</MinSize>
        <MaxSize>6</MaxSize>
        <DesiredCapacity>0</DesiredCapacity>
        <Instances/>
        <TargetGroupARNs/>
        <Tags>
          <member><ResourceId>transcoder-prod-green</ResourceId><ResourceType>auto-scaling-group</ResourceType><Key>env</Key><Value>prod</Value><PropagateAtLaunch>true</PropagateAtLaunch></member>
        </Tags>
      </member>
    </AutoScalingGroups>
  </DescribeAutoScalingGroupsResult>
  <ResponseMetadata><RequestId>a2</RequestId></ResponseMetadata>
</DescribeAutoScalingGroupsResponse>`

func TestGroupsByTagFollowsPages(t *testing.T) {
	var calls atomic.Int32
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		assertSigned(t, r, "autoscaling")
		form := queryForm(t, r, "DescribeAutoScalingGroups", "2011-01-01")
		assert.Equal(t, "tag:env", form["Filters.member.1.Name"][0], "tag filter name")
		assert.Equal(t, "prod", form["Filters.member.1.Values.member.1"][0], "tag filter value")
		assert.Equal(t, "100", form["MaxRecords"][0], "largest page size asked for")
		switch calls.Add(1) {
		case 1:
			assert.Empty(t, form["NextToken"], "first page carries no token")
			writeBody(t, w, http.StatusOK, "text/xml", asgPage1XML)
		case 2:
			assert.Equal(t, []string{"page-2-token"}, form["NextToken"], "second page echoes the token")
			writeBody(t, w, http.StatusOK, "text/xml", asgPage2XML)
		default:
			t.Errorf("unexpected third DescribeAutoScalingGroups call")
			w.WriteHeader(http.StatusInternalServerError)
		}
	})

	got, err := c.Fleet.GroupsByTag(context.Background(), "env", "prod")
	require.NoError(t, err, "DescribeAutoScalingGroups should succeed")
	assert.Equal(t, int32(2), calls.Load(), "both pages fetched")
	want := []Group{
		{
			Name: "transcoder-prod-blue", Tags: map[string]string{"env": "prod", "color": "blue"},
			Min: 2, Max: 6, Desired: 3, InService: 2, Instances: 3, TargetGroupARNs: []string{testTG},
			Members: []Member{{ID: "i-1", LifecycleState: "InService"}, {ID: "i-2", LifecycleState: "InService"}, {ID: "i-3", LifecycleState: "Pending"}},
		},
		{
			Name: "transcoder-prod-green", Tags: map[string]string{"env": "prod"},
			Min: 0, Max: 6, Desired: 0, InService: 0,
		},
	}
	assert.Equal(t, want, got, "groups from both pages, Pending instance not counted")
}

// changeBatchXML mirrors just the parts of ChangeResourceRecordSetsRequest
// the test needs to check.
type changeBatchXML struct {
	XMLName xml.Name `xml:"https://route53.amazonaws.com/doc/2013-04-01/ ChangeResourceRecordSetsRequest"`
	Changes []struct {
		Action string `xml:"Action"`
		RRSet  struct {
			Name   string   `xml:"Name"`
			Type   string   `xml:"Type"`
			TTL    int64    `xml:"TTL"`
			Values []string `xml:"ResourceRecords>ResourceRecord>Value"`
		} `xml:"ResourceRecordSet"`
	} `xml:"ChangeBatch>Changes>Change"`
}

func TestMarkSwap(t *testing.T) {
	for _, zone := range []string{"Z0123456789ABC", "/hostedzone/Z0123456789ABC"} {
		t.Run(zone, func(t *testing.T) {
			c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
				assertSigned(t, r, "route53")
				assert.Equal(t, http.MethodPost, r.Method, "ChangeResourceRecordSets is a POST")
				assert.Equal(t, "/2013-04-01/hostedzone/Z0123456789ABC/rrset", r.URL.Path, "REST-XML path with bare zone ID")
				var body changeBatchXML
				assert.NoError(t, xml.NewDecoder(r.Body).Decode(&body), "request body is ChangeResourceRecordSetsRequest XML")
				if assert.Len(t, body.Changes, 1, "one change submitted") {
					ch := body.Changes[0]
					assert.Equal(t, "UPSERT", ch.Action, "marker is upserted so re-runs succeed")
					assert.Equal(t, "_swap.rec.example.com", ch.RRSet.Name, "record name")
					assert.Equal(t, "TXT", ch.RRSet.Type, "record type")
					assert.Equal(t, int64(swapTTL), ch.RRSet.TTL, "record TTL")
					assert.Equal(t, []string{`"blue->green at 2026-01-02T03:04:05Z"`}, ch.RRSet.Values, "TXT value is quoted")
				}
				writeBody(t, w, http.StatusOK, "text/xml", `<?xml version="1.0" encoding="UTF-8"?>
<ChangeResourceRecordSetsResponse xmlns="https://route53.amazonaws.com/doc/2013-04-01/">
  <ChangeInfo><Id>/change/C2682N5HXP0BZ4</Id><Status>PENDING</Status><SubmittedAt>2026-01-02T03:04:06.958Z</SubmittedAt><Comment>video-platform swap marker</Comment></ChangeInfo>
</ChangeResourceRecordSetsResponse>`)
			})

			id, err := c.DNS.MarkSwap(context.Background(), zone, "_swap.rec.example.com", "blue->green at 2026-01-02T03:04:05Z")
			require.NoError(t, err, "ChangeResourceRecordSets should succeed")
			assert.Equal(t, "C2682N5HXP0BZ4", id, "change ID without the /change/ prefix")
		})
	}
}

func TestMarkSwapNoSuchZone(t *testing.T) {
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		writeBody(t, w, http.StatusNotFound, "text/xml", `<?xml version="1.0"?>
<ErrorResponse xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><Error><Type>Sender</Type><Code>NoSuchHostedZone</Code><Message>No hosted zone found with ID: ZMISSING</Message></Error><RequestId>r1</RequestId></ErrorResponse>`)
	})

	_, err := c.DNS.MarkSwap(context.Background(), "ZMISSING", "_swap.rec.example.com", "x")
	require.Error(t, err, "missing zone must fail")
	assert.Contains(t, err.Error(), "ZMISSING", "error names the zone")
	assert.ErrorIs(t, err, ErrNotFound, "missing zone is reported as not found")
	var nz *r53types.NoSuchHostedZone
	assert.ErrorAs(t, err, &nz, "SDK error stays reachable through the wrap")
}

func TestTxtValue(t *testing.T) {
	long := strings.Repeat("a", 300)
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", `""`},
		{"plain", "blue->green", `"blue->green"`},
		{"quotes and backslash", `say "hi" \o/`, `"say \"hi\" \\o/"`},
		{"control and non-ascii", "a\nb\u00e9", `"a\012b\303\251"`},
		{"split at 255 bytes", long, `"` + long[:255] + `" "` + long[255:] + `"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, txtValue(tc.in), "TXT rendering of %q", tc.in)
		})
	}
}

func TestChangeStatus(t *testing.T) {
	tests := []struct {
		name     string
		status   int
		body     string
		want     string
		notFound bool
	}{
		{
			name:   "insync",
			status: http.StatusOK,
			body: `<?xml version="1.0" encoding="UTF-8"?>
<GetChangeResponse xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><ChangeInfo><Id>/change/C2682N5HXP0BZ4</Id><Status>INSYNC</Status><SubmittedAt>2026-01-02T03:04:06.958Z</SubmittedAt></ChangeInfo></GetChangeResponse>`,
			want: ChangeInsync,
		},
		{
			name:   "no such change",
			status: http.StatusNotFound,
			body: `<?xml version="1.0"?>
<ErrorResponse xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><Error><Type>Sender</Type><Code>NoSuchChange</Code><Message>A change with the specified change ID does not exist.</Message></Error><RequestId>r2</RequestId></ErrorResponse>`,
			notFound: true,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
				assertSigned(t, r, "route53")
				assert.Equal(t, http.MethodGet, r.Method, "GetChange is a GET")
				assert.Equal(t, "/2013-04-01/change/C2682N5HXP0BZ4", r.URL.Path, "REST-XML GetChange path")
				writeBody(t, w, tc.status, "text/xml", tc.body)
			})

			got, err := c.DNS.ChangeStatus(context.Background(), "/change/C2682N5HXP0BZ4")
			if tc.notFound {
				require.Error(t, err, "unknown change must fail")
				assert.ErrorIs(t, err, ErrNotFound, "unknown change is reported as not found")
				var nc *r53types.NoSuchChange
				assert.ErrorAs(t, err, &nc, "SDK error stays reachable")
				assert.Contains(t, err.Error(), "C2682N5HXP0BZ4", "error names the change")
				return
			}
			require.NoError(t, err, "GetChange should succeed")
			assert.Equal(t, tc.want, got, "change status")
		})
	}
}

func TestQueueDepth(t *testing.T) {
	tests := []struct {
		name         string
		status       int
		body         string
		queryError   string
		wantVisible  int
		wantInFlight int
		wantErr      string
		notFound     bool
	}{
		{
			name:         "counts",
			status:       http.StatusOK,
			body:         `{"Attributes":{"ApproximateNumberOfMessages":"12","ApproximateNumberOfMessagesNotVisible":"3"}}`,
			wantVisible:  12,
			wantInFlight: 3,
		},
		{
			name:    "attribute missing",
			status:  http.StatusOK,
			body:    `{"Attributes":{"ApproximateNumberOfMessages":"12"}}`,
			wantErr: "ApproximateNumberOfMessagesNotVisible missing",
		},
		{
			name:       "queue gone",
			status:     http.StatusBadRequest,
			body:       `{"__type":"com.amazonaws.sqs#QueueDoesNotExist","message":"The specified queue does not exist."}`,
			queryError: "AWS.SimpleQueueService.NonExistentQueue;Sender",
			wantErr:    "does not exist",
			notFound:   true,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
				assertSigned(t, r, "sqs")
				assert.Equal(t, http.MethodPost, r.Method, "JSON protocol requests are POSTs")
				assert.Equal(t, "AmazonSQS.GetQueueAttributes", r.Header.Get("X-Amz-Target"), "JSON operation target")
				assert.Equal(t, "application/x-amz-json-1.0", r.Header.Get("Content-Type"), "awsJson1_0 body type")
				var in struct {
					QueueURL       string   `json:"QueueUrl"`
					AttributeNames []string `json:"AttributeNames"`
				}
				assert.NoError(t, json.NewDecoder(r.Body).Decode(&in), "request body is JSON")
				assert.Equal(t, testQueue, in.QueueURL, "queue URL sent")
				assert.ElementsMatch(t, []string{"ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"}, in.AttributeNames, "only the two counters asked for")
				if tc.queryError != "" {
					w.Header().Set("X-Amzn-Query-Error", tc.queryError)
				}
				writeBody(t, w, tc.status, "application/x-amz-json-1.0", tc.body)
			})

			visible, inFlight, err := c.Queues.QueueDepth(context.Background(), testQueue)
			if tc.wantErr != "" {
				require.Error(t, err, "QueueDepth must fail")
				assert.Contains(t, err.Error(), tc.wantErr, "error explains the failure")
				assert.Contains(t, err.Error(), testQueue, "error names the queue")
				if tc.notFound {
					assert.ErrorIs(t, err, ErrNotFound, "missing queue is reported as not found")
					var nq *sqstypes.QueueDoesNotExist
					assert.True(t, errors.As(err, &nq), "SDK error stays reachable")
				}
				return
			}
			require.NoError(t, err, "GetQueueAttributes should succeed")
			assert.Equal(t, tc.wantVisible, visible, "visible messages")
			assert.Equal(t, tc.wantInFlight, inFlight, "in-flight messages")
		})
	}
}
