package awscheck

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	smithycbor "github.com/aws/smithy-go/encoding/cbor"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	testLB     = "app/rec-blue/50dc6c495c0c9188"
	cwOpPrefix = "/service/GraniteServiceVersion20100801/operation/"
)

var t0 = time.Date(2026, 1, 2, 3, 0, 0, 0, time.UTC)

// cborRequest checks the RPCv2 CBOR envelope of a CloudWatch call and
// decodes its body.
func cborRequest(t *testing.T, r *http.Request) (op string, body smithycbor.Map) {
	t.Helper()
	assertSigned(t, r, "monitoring")
	assert.Equal(t, http.MethodPost, r.Method, "rpcv2Cbor requests are POSTs")
	assert.True(t, strings.HasPrefix(r.URL.Path, cwOpPrefix), "rpcv2Cbor path, got %s", r.URL.Path)
	assert.Equal(t, "rpc-v2-cbor", r.Header.Get("Smithy-Protocol"), "protocol header")
	assert.Equal(t, "application/cbor", r.Header.Get("Content-Type"), "request body type")
	raw, err := io.ReadAll(r.Body)
	assert.NoError(t, err, "read request body")
	v, err := smithycbor.Decode(raw)
	assert.NoError(t, err, "request body is CBOR")
	m, ok := v.(smithycbor.Map)
	assert.True(t, ok, "request body is a CBOR map, got %T", v)
	return strings.TrimPrefix(r.URL.Path, cwOpPrefix), m
}

func writeCBOR(t *testing.T, w http.ResponseWriter, status int, body smithycbor.Map) {
	t.Helper()
	w.Header().Set("Content-Type", "application/cbor")
	w.Header().Set("Smithy-Protocol", "rpc-v2-cbor")
	w.WriteHeader(status)
	_, err := w.Write(smithycbor.Encode(body))
	assert.NoError(t, err, "write CBOR response")
}

// cborTime encodes a timestamp the way rpcv2Cbor does: tag 1 around epoch
// seconds.
func cborTime(ts time.Time) smithycbor.Value {
	return &smithycbor.Tag{ID: 1, Value: smithycbor.Float64(float64(ts.UnixMilli()) / 1e3)}
}

func decodeCBORTime(t *testing.T, v smithycbor.Value) time.Time {
	t.Helper()
	ts, err := smithycbor.AsTime(v)
	assert.NoError(t, err, "timestamp is a tag-1 epoch")
	return ts.UTC()
}

// metricResult builds one MetricDataResult whose i-th value falls
// minutes[i] minutes after t0.
func metricResult(id, status string, minutes []int, values []float64) smithycbor.Map {
	ts := make(smithycbor.List, 0, len(minutes))
	for _, m := range minutes {
		ts = append(ts, cborTime(t0.Add(time.Duration(m)*time.Minute)))
	}
	vs := make(smithycbor.List, 0, len(values))
	for _, v := range values {
		vs = append(vs, smithycbor.Float64(v))
	}
	return smithycbor.Map{
		"Id":         smithycbor.String(id),
		"Label":      smithycbor.String(id),
		"Timestamps": ts,
		"Values":     vs,
		"StatusCode": smithycbor.String(status),
	}
}

// assertQueries checks both GetMetricData queries ask for 1-minute Sums of
// the right ALB metric.
func assertQueries(t *testing.T, body smithycbor.Map) {
	t.Helper()
	queries := cborField[smithycbor.List](t, body, "MetricDataQueries")
	if !assert.Len(t, queries, 2, "two queries") {
		return
	}
	wantMetric := map[string]string{"requests": "RequestCount", "active": "ActiveConnectionCount"}
	for _, q := range queries {
		qm := cborField[smithycbor.Map](t, smithycbor.Map{"q": q}, "q")
		id := string(cborField[smithycbor.String](t, qm, "Id"))
		stat := cborField[smithycbor.Map](t, qm, "MetricStat")
		metric := cborField[smithycbor.Map](t, stat, "Metric")
		assert.Equal(t, smithycbor.String(wantMetric[id]), metric["MetricName"], "metric for query %s", id)
		assert.Equal(t, smithycbor.String("AWS/ApplicationELB"), metric["Namespace"], "namespace for query %s", id)
		assert.Equal(t, smithycbor.List{smithycbor.Map{"Name": smithycbor.String("LoadBalancer"), "Value": smithycbor.String(testLB)}},
			metric["Dimensions"], "dimension for query %s", id)
		assert.Equal(t, smithycbor.Uint(60), stat["Period"], "1-minute period for query %s", id)
		assert.Equal(t, smithycbor.String("Sum"), stat["Stat"], "Sum statistic for query %s", id)
	}
}

// cborField fetches m[key] as T, failing the test instead of panicking on a
// malformed request.
func cborField[T smithycbor.Value](t *testing.T, m smithycbor.Map, key string) T {
	t.Helper()
	v, ok := m[key].(T)
	assert.True(t, ok, "field %s has type %T, got %T", key, v, m[key])
	return v
}

func TestTrafficFillsQuietMinutesAndFollowsPages(t *testing.T) {
	var calls atomic.Int32
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		op, body := cborRequest(t, r)
		assert.Equal(t, "GetMetricData", op, "only GetMetricData is needed when datapoints exist")
		assertQueries(t, body)
		// Seconds are dropped from start so minute buckets line up with
		// CloudWatch's.
		assert.Equal(t, t0, decodeCBORTime(t, body["StartTime"]), "start truncated to the minute")
		assert.Equal(t, t0.Add(4*time.Minute), decodeCBORTime(t, body["EndTime"]), "end as given")
		assert.Equal(t, smithycbor.String("TimestampAscending"), body["ScanBy"], "ascending scan")
		switch calls.Add(1) {
		case 1:
			assert.Nil(t, body["NextToken"], "first page has no token")
			writeCBOR(t, w, http.StatusOK, smithycbor.Map{
				"MetricDataResults": smithycbor.List{
					metricResult("requests", "PartialData", []int{0, 2}, []float64{5, 7}),
				},
				"NextToken": smithycbor.String("cw-page-2"),
				"Messages":  smithycbor.List{},
			})
		case 2:
			assert.Equal(t, smithycbor.String("cw-page-2"), body["NextToken"], "second page echoes the token")
			writeCBOR(t, w, http.StatusOK, smithycbor.Map{
				"MetricDataResults": smithycbor.List{
					metricResult("requests", "Complete", nil, nil),
					metricResult("active", "Complete", []int{0, 1}, []float64{2, 1}),
				},
				"Messages": smithycbor.List{},
			})
		default:
			t.Errorf("unexpected extra CloudWatch call %s", op)
			w.WriteHeader(http.StatusInternalServerError)
		}
	})

	got, err := c.Metrics.Traffic(context.Background(), testLB, t0.Add(30*time.Second), t0.Add(4*time.Minute))
	require.NoError(t, err, "GetMetricData should succeed")
	assert.Equal(t, int32(2), calls.Load(), "both pages fetched")
	want := []TrafficPoint{
		{Time: t0, Requests: 5, ActiveConnections: 2},
		{Time: t0.Add(1 * time.Minute), Requests: 0, ActiveConnections: 1},
		{Time: t0.Add(2 * time.Minute), Requests: 7, ActiveConnections: 0},
		{Time: t0.Add(3 * time.Minute), Requests: 0, ActiveConnections: 0},
	}
	assert.Equal(t, want, got, "one point per minute, missing minutes zero")
}

func TestTrafficEmptyWindow(t *testing.T) {
	tests := []struct {
		name    string
		metrics smithycbor.List
		wantErr error
	}{
		{
			name: "known load balancer is quiet",
			metrics: smithycbor.List{smithycbor.Map{
				"Namespace":  smithycbor.String("AWS/ApplicationELB"),
				"MetricName": smithycbor.String("RequestCount"),
				"Dimensions": smithycbor.List{smithycbor.Map{"Name": smithycbor.String("LoadBalancer"), "Value": smithycbor.String(testLB)}},
			}},
		},
		{
			name:    "unknown load balancer",
			metrics: smithycbor.List{},
			wantErr: ErrNoMetrics,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var ops []string
			c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
				op, body := cborRequest(t, r)
				ops = append(ops, op)
				switch op {
				case "GetMetricData":
					writeCBOR(t, w, http.StatusOK, smithycbor.Map{
						"MetricDataResults": smithycbor.List{
							metricResult("requests", "Complete", nil, nil),
							metricResult("active", "Complete", nil, nil),
						},
					})
				case "ListMetrics":
					assert.Equal(t, smithycbor.String("AWS/ApplicationELB"), body["Namespace"], "ListMetrics namespace")
					assert.Equal(t, smithycbor.List{smithycbor.Map{"Name": smithycbor.String("LoadBalancer"), "Value": smithycbor.String(testLB)}},
						body["Dimensions"], "ListMetrics filters on the load balancer")
					writeCBOR(t, w, http.StatusOK, smithycbor.Map{"Metrics": tc.metrics})
				default:
					t.Errorf("unexpected CloudWatch operation %s", op)
					w.WriteHeader(http.StatusInternalServerError)
				}
			})

			got, err := c.Metrics.Traffic(context.Background(), testLB, t0, t0.Add(2*time.Minute))
			assert.Equal(t, []string{"GetMetricData", "ListMetrics"}, ops, "empty window falls back to ListMetrics")
			if tc.wantErr != nil {
				require.Error(t, err, "unknown load balancer must not read as idle")
				assert.ErrorIs(t, err, tc.wantErr, "error kind")
				assert.Contains(t, err.Error(), testLB, "error names the load balancer")
				return
			}
			require.NoError(t, err, "quiet known load balancer is not an error")
			assert.Equal(t, []TrafficPoint{{Time: t0}, {Time: t0.Add(time.Minute)}}, got, "all-zero points")
		})
	}
}

func TestTrafficFailures(t *testing.T) {
	tests := []struct {
		name    string
		suffix  string
		status  int
		body    smithycbor.Map
		wantErr string
	}{
		{
			name:    "full ARN rejected before calling AWS",
			suffix:  "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/" + testLB,
			wantErr: "not an ALB ARN suffix",
		},
		{
			name:   "query failed inside CloudWatch",
			suffix: testLB,
			status: http.StatusOK,
			body: smithycbor.Map{"MetricDataResults": smithycbor.List{func() smithycbor.Map {
				m := metricResult("requests", "InternalError", nil, nil)
				m["Messages"] = smithycbor.List{smithycbor.Map{"Code": smithycbor.String("InternalError"), "Value": smithycbor.String("try again")}}
				return m
			}()}},
			wantErr: "status InternalError",
		},
		{
			name:    "API error",
			suffix:  testLB,
			status:  http.StatusBadRequest,
			body:    smithycbor.Map{"__type": smithycbor.String("com.amazonaws.cloudwatch#InvalidNextToken"), "message": smithycbor.String("bad token")},
			wantErr: "InvalidNextToken",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
				if tc.body == nil {
					t.Errorf("no request expected, got %s", r.URL.Path)
					w.WriteHeader(http.StatusInternalServerError)
					return
				}
				op, _ := cborRequest(t, r)
				assert.Equal(t, "GetMetricData", op, "operation")
				writeCBOR(t, w, tc.status, tc.body)
			})

			_, err := c.Metrics.Traffic(context.Background(), tc.suffix, t0, t0.Add(time.Minute))
			require.Error(t, err, "Traffic must fail")
			assert.Contains(t, err.Error(), tc.wantErr, "error explains the failure")
			assert.Contains(t, err.Error(), testLB, "error names the load balancer")
		})
	}
}

func TestTrafficRejectsBadWindow(t *testing.T) {
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("no request expected, got %s", r.URL.Path)
		w.WriteHeader(http.StatusInternalServerError)
	})
	tests := []struct {
		name       string
		start, end time.Time
		wantErr    string
	}{
		{"end before start", t0, t0.Add(-time.Minute), "empty window"},
		{"end equals start", t0, t0, "empty window"},
		{"longer than 1-minute retention", t0, t0.Add(16 * 24 * time.Hour), "exceeds"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.Metrics.Traffic(context.Background(), testLB, tc.start, tc.end)
			require.Error(t, err, "bad window must fail")
			assert.Contains(t, err.Error(), tc.wantErr, "error explains the window")
		})
	}
}
