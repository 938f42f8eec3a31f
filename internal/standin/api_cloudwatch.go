package standin

import (
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	smithycbor "github.com/aws/smithy-go/encoding/cbor"
)

const (
	cloudWatchService   = "GraniteServiceVersion20100801"
	cloudWatchOpPrefix  = "/service/" + cloudWatchService + "/operation/"
	cloudWatchNamespace = "com.amazonaws.cloudwatch#"

	cwALBNamespace = "AWS/ApplicationELB"
	cwALBDimension = "LoadBalancer"

	// cwMaxDatapoints is GetMetricData's page size when MaxDatapoints is
	// not given, as in CloudWatch.
	cwMaxDatapoints = 100800
)

// cwALBMetrics are the metrics the stand-in publishes for an ALB;
// ListMetrics reports the first.
var cwALBMetrics = []string{"RequestCount", "ActiveConnectionCount"}

// cloudWatchAPI answers CloudWatch's metric and alarm calls from the
// Store's load balancers and alarms and the faults in force.
type cloudWatchAPI struct {
	store *Store
}

// serve answers an RPCv2 CBOR request:
// POST /service/GraniteServiceVersion20100801/operation/{Op}.
func (cw *cloudWatchAPI) serve(c *apiCall) {
	if !strings.HasPrefix(c.r.URL.Path, cloudWatchOpPrefix) {
		cborError(c, &apiError{Status: http.StatusBadRequest, Code: "UnknownOperationException",
			Message: "stand-in AWS API: " + c.r.URL.Path + " is not a call of a service the stand-in knows (only CloudWatch speaks RPCv2 CBOR here)"})
		return
	}
	op := strings.TrimPrefix(c.r.URL.Path, cloudWatchOpPrefix)
	faults, aerr := apiFaultsInForce(cw.store)
	if aerr != nil {
		cborError(c, aerr)
		return
	}
	if t, aerr := apiThrottled(cw.store, apiSvcCloudWatch, faults); aerr != nil || t {
		if aerr == nil {
			aerr = errAPIThrottled(apiSvcCloudWatch)
			aerr.Shape = "ThrottlingException"
		}
		cborError(c, aerr)
		return
	}
	var handler func(*apiCall, smithycbor.Map, []Fault) (smithycbor.Map, *apiError)
	switch op {
	case "GetMetricData":
		handler = cw.getMetricData
	case "ListMetrics":
		handler = cw.listMetrics
	case "DescribeAlarms":
		handler = cw.describeAlarms
	default:
		cborError(c, &apiError{Status: http.StatusBadRequest, Code: "InvalidAction", Shape: "UnknownOperationException",
			Message: "stand-in AWS API: CloudWatch operation " + op + " is not implemented"})
		return
	}
	if c.r.Method != http.MethodPost {
		cborError(c, &apiError{Status: http.StatusMethodNotAllowed, Code: "InvalidAction", Shape: "UnknownOperationException",
			Message: "stand-in AWS API: CloudWatch " + op + " must be a POST, got " + c.r.Method})
		return
	}
	raw, err := io.ReadAll(c.r.Body)
	if err != nil {
		cborError(c, errCWInvalidParameter("cannot read %s request body: %v", op, err))
		return
	}
	in := smithycbor.Map{}
	if len(raw) > 0 {
		v, err := smithycbor.Decode(raw)
		if err != nil {
			cborError(c, errCWInvalidParameter("%s request body is not CBOR: %v", op, err))
			return
		}
		m, ok := v.(smithycbor.Map)
		if !ok {
			cborError(c, errCWInvalidParameter("%s request body is a CBOR %T, not a map", op, v))
			return
		}
		in = m
	}
	out, aerr := handler(c, in, faults)
	if aerr != nil {
		cborError(c, aerr)
		return
	}
	writeCBOR(c, http.StatusOK, out)
}

func errCWInvalidParameter(format string, args ...any) *apiError {
	return &apiError{Status: http.StatusBadRequest, Code: "InvalidParameterValue", Shape: "InvalidParameterValueException",
		Message: fmt.Sprintf(format, args...)}
}

// cborError writes e the RPCv2 CBOR way: __type carries the modeled shape
// and, CloudWatch being awsQuery-compatible, X-Amzn-Query-Error carries the
// query error code the SDK reports.
func cborError(c *apiCall, e *apiError) {
	c.w.Header().Set("X-Amzn-Query-Error", e.Code+";"+e.faultType())
	writeCBOR(c, e.Status, smithycbor.Map{
		"__type": smithycbor.String(cloudWatchNamespace + e.shape()),
		// Most CloudWatch errors name the member "message", InternalServiceFault "Message".
		"message": smithycbor.String(e.Message),
		"Message": smithycbor.String(e.Message),
	})
}

func writeCBOR(c *apiCall, status int, body smithycbor.Map) {
	c.w.Header().Set("Smithy-Protocol", "rpc-v2-cbor")
	c.write(status, "application/cbor", smithycbor.Encode(body))
}

// cwQuery is one GetMetricData query the stand-in can answer.
type cwQuery struct {
	id, label   string
	stat        string
	period      time.Duration
	perPeriod   float64 // value of each datapoint
	first, last time.Time
	count       int64 // datapoints in the window; 0 for a quiet metric
}

// getMetricData answers GetMetricData. Every ALB metric of a load balancer
// that a residual-traffic fault matches (by the load balancer's tags) has
// a datapoint for every period in [StartTime, EndTime) worth Count a
// minute; every other metric has none. A metrics-error fault without tags,
// or whose tags match a queried load balancer, fails the call the way
// CloudWatch's InternalServiceFault does. Pages hold MaxDatapoints
// datapoints; times come from the request only, never from the clock.
func (cw *cloudWatchAPI) getMetricData(_ *apiCall, in smithycbor.Map, faults []Fault) (smithycbor.Map, *apiError) {
	start, err := cwTime(in, "StartTime")
	if err != nil {
		return nil, errCWInvalidParameter("%v", err)
	}
	end, err := cwTime(in, "EndTime")
	if err != nil {
		return nil, errCWInvalidParameter("%v", err)
	}
	if !end.After(start) {
		return nil, errCWInvalidParameter("The parameter EndTime must be greater than StartTime.")
	}
	maxPoints := int64(cwMaxDatapoints)
	if v, ok := in["MaxDatapoints"]; ok {
		n, err := smithycbor.AsInt64(v)
		if err != nil || n < 1 {
			return nil, errCWInvalidParameter("MaxDatapoints must be a positive integer")
		}
		maxPoints = n
	}
	offset := int64(0)
	if v, ok := in["NextToken"]; ok {
		s, _ := v.(smithycbor.String)
		n, err := strconv.ParseInt(strings.TrimPrefix(string(s), "cw-"), 10, 64)
		if err != nil || n < 0 || !strings.HasPrefix(string(s), "cw-") {
			return nil, &apiError{Status: http.StatusBadRequest, Code: "InvalidNextToken", Shape: "InvalidNextToken",
				Message: "stand-in AWS API: NextToken " + strconv.Quote(string(s)) + " is invalid"}
		}
		offset = n
	}
	descending := false
	if v, ok := in["ScanBy"].(smithycbor.String); ok {
		descending = v == "TimestampDescending"
	}

	lbs, aerr := apiResourcesOf(cw.store, apiTypeLoadBalancer, apiTypeLoadBalancerALB)
	if aerr != nil {
		return nil, aerr
	}
	rawQueries, _ := in["MetricDataQueries"].(smithycbor.List)
	if len(rawQueries) == 0 {
		return nil, errCWInvalidParameter("The parameter MetricDataQueries is required.")
	}
	metricsErrors := apiFaultsOf(faults, FaultMetricsError)
	for _, f := range metricsErrors {
		if len(f.Tags) == 0 {
			return nil, errCWMetricsFault(nil)
		}
	}
	residual := apiFaultsOf(faults, FaultResidualTraffic)
	var queries []cwQuery
	for i, rq := range rawQueries {
		qm, ok := rq.(smithycbor.Map)
		if !ok {
			return nil, errCWInvalidParameter("MetricDataQueries member %d is not a structure", i+1)
		}
		q, lb, returned, aerr := cwParseQuery(qm, lbs)
		if aerr != nil {
			return nil, aerr
		}
		if lb != nil {
			for _, f := range metricsErrors {
				if f.MatchesTags(lb.Tags()) {
					return nil, errCWMetricsFault(lb)
				}
			}
		}
		if !returned {
			continue
		}
		perMinute := 0
		if lb != nil {
			for _, f := range residual {
				if f.MatchesTags(lb.Tags()) {
					perMinute = max(perMinute, max(f.Count, 1))
				}
			}
		}
		if perMinute > 0 {
			q.perPeriod = float64(perMinute)
			if q.stat == "Sum" || q.stat == "SampleCount" {
				q.perPeriod = float64(perMinute) * q.period.Minutes()
			}
			q.first = cwAlignUp(start, q.period)
			if q.first.Before(end) {
				q.count = int64((end.Sub(q.first)-1)/q.period) + 1
				q.last = q.first.Add(time.Duration(q.count-1) * q.period)
			}
		}
		queries = append(queries, q)
	}

	results := smithycbor.List{}
	pageEnd := offset + maxPoints
	var cum int64
	for _, q := range queries {
		from := max(offset, cum) - cum
		to := min(pageEnd, cum+q.count) - cum
		ts := smithycbor.List{}
		vs := smithycbor.List{}
		for i := from; i < to; i++ {
			t := q.first.Add(time.Duration(i) * q.period)
			if descending {
				t = q.last.Add(-time.Duration(i) * q.period)
			}
			ts = append(ts, &smithycbor.Tag{ID: 1, Value: smithycbor.Float64(float64(t.UnixMilli()) / 1e3)})
			vs = append(vs, smithycbor.Float64(q.perPeriod))
		}
		status := "Complete"
		if cum+q.count > pageEnd {
			status = "PartialData"
		}
		results = append(results, smithycbor.Map{
			"Id":         smithycbor.String(q.id),
			"Label":      smithycbor.String(q.label),
			"Timestamps": ts,
			"Values":     vs,
			"StatusCode": smithycbor.String(status),
			"Messages":   smithycbor.List{},
		})
		cum += q.count
	}
	out := smithycbor.Map{"MetricDataResults": results, "Messages": smithycbor.List{}}
	if cum > pageEnd {
		out["NextToken"] = smithycbor.String("cw-" + strconv.FormatInt(pageEnd, 10))
	}
	return out, nil
}

func errCWMetricsFault(lb *Resource) *apiError {
	msg := "stand-in metrics-error fault"
	if lb != nil {
		msg += " on load balancer " + lb.Str("arnSuffix")
	}
	return &apiError{Status: http.StatusInternalServerError, Code: "InternalServiceError", Shape: "InternalServiceFault",
		Server: true, Message: "Internal service error (" + msg + ")"}
}

// cwParseQuery reads one MetricDataQuery; lb is the load balancer its
// LoadBalancer dimension names when the metric is one the stand-in
// publishes, and returned is ReturnData (true unless set false).
func cwParseQuery(qm smithycbor.Map, lbs []Resource) (cwQuery, *Resource, bool, *apiError) {
	var q cwQuery
	id, _ := qm["Id"].(smithycbor.String)
	q.id = string(id)
	if q.id == "" {
		return q, nil, false, errCWInvalidParameter("every MetricDataQuery needs an Id")
	}
	returned := true
	if v, ok := qm["ReturnData"].(smithycbor.Bool); ok {
		returned = bool(v)
	}
	if _, ok := qm["Expression"]; ok {
		return q, nil, false, errCWInvalidParameter("stand-in AWS API: metric math (query %s) is not implemented; only MetricStat queries are", q.id)
	}
	stat, _ := qm["MetricStat"].(smithycbor.Map)
	if stat == nil {
		return q, nil, false, errCWInvalidParameter("MetricDataQuery %s needs a MetricStat", q.id)
	}
	period, err := smithycbor.AsInt64(stat["Period"])
	if err != nil || period < 1 {
		return q, nil, false, errCWInvalidParameter("MetricDataQuery %s: Period must be a positive number of seconds", q.id)
	}
	q.period = time.Duration(period) * time.Second
	statName, _ := stat["Stat"].(smithycbor.String)
	q.stat = string(statName)
	metric, _ := stat["Metric"].(smithycbor.Map)
	ns, _ := metric["Namespace"].(smithycbor.String)
	name, _ := metric["MetricName"].(smithycbor.String)
	q.label = string(name)
	if label, ok := qm["Label"].(smithycbor.String); ok && label != "" {
		q.label = string(label)
	}
	if ns != cwALBNamespace || !slices.Contains(cwALBMetrics, string(name)) {
		return q, nil, returned, nil
	}
	dims, _ := metric["Dimensions"].(smithycbor.List)
	if len(dims) != 1 {
		return q, nil, returned, nil
	}
	dim, _ := dims[0].(smithycbor.Map)
	if dn, _ := dim["Name"].(smithycbor.String); dn != cwALBDimension {
		return q, nil, returned, nil
	}
	suffix, _ := dim["Value"].(smithycbor.String)
	return q, cwLoadBalancer(lbs, string(suffix)), returned, nil
}

// listMetrics answers ListMetrics: one RequestCount metric in
// AWS/ApplicationELB for every application load balancer in the Store
// that the Namespace, MetricName and Dimensions filters select.
func (cw *cloudWatchAPI) listMetrics(_ *apiCall, in smithycbor.Map, _ []Fault) (smithycbor.Map, *apiError) {
	ns, _ := in["Namespace"].(smithycbor.String)
	name, _ := in["MetricName"].(smithycbor.String)
	type dimFilter struct {
		name, value string
		hasValue    bool
	}
	var filters []dimFilter
	rawDims, _ := in["Dimensions"].(smithycbor.List)
	for _, d := range rawDims {
		dm, _ := d.(smithycbor.Map)
		n, _ := dm["Name"].(smithycbor.String)
		v, hasValue := dm["Value"].(smithycbor.String)
		filters = append(filters, dimFilter{name: string(n), value: string(v), hasValue: hasValue})
	}
	lbs, aerr := apiResourcesOf(cw.store, apiTypeLoadBalancer, apiTypeLoadBalancerALB)
	if aerr != nil {
		return nil, aerr
	}
	metrics := smithycbor.List{}
	if ns != "" && ns != cwALBNamespace {
		return smithycbor.Map{"Metrics": metrics}, nil
	}
	if name != "" && name != smithycbor.String(cwALBMetrics[0]) {
		return smithycbor.Map{"Metrics": metrics}, nil
	}
	for _, lb := range lbs {
		suffix := lb.Str("arnSuffix")
		if !strings.HasPrefix(suffix, "app/") {
			continue
		}
		ok := true
		for _, f := range filters {
			if f.name != cwALBDimension || (f.hasValue && f.value != suffix) {
				ok = false
				break
			}
		}
		if !ok {
			continue
		}
		metrics = append(metrics, smithycbor.Map{
			"Namespace":  smithycbor.String(cwALBNamespace),
			"MetricName": smithycbor.String(cwALBMetrics[0]),
			"Dimensions": smithycbor.List{smithycbor.Map{
				"Name":  smithycbor.String(cwALBDimension),
				"Value": smithycbor.String(suffix),
			}},
		})
	}
	return smithycbor.Map{"Metrics": metrics}, nil
}

// cwLoadBalancer finds the load balancer whose arnSuffix output is
// suffix.
func cwLoadBalancer(lbs []Resource, suffix string) *Resource {
	if suffix == "" {
		return nil
	}
	for i, lb := range lbs {
		if lb.Str("arnSuffix") == suffix {
			return &lbs[i]
		}
	}
	return nil
}

// cwTime reads a required timestamp member.
func cwTime(m smithycbor.Map, key string) (time.Time, error) {
	v, ok := m[key]
	if !ok {
		return time.Time{}, fmt.Errorf("the parameter %s is required", key)
	}
	t, err := smithycbor.AsTime(v)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s: %w", key, err)
	}
	return t.UTC(), nil
}

// cwAlignUp returns the first multiple of period (counted from the Unix
// epoch) at or after t, which is how CloudWatch lines up its periods.
func cwAlignUp(t time.Time, period time.Duration) time.Time {
	p := int64(period / time.Millisecond)
	ms := t.UnixMilli()
	r := ((ms % p) + p) % p
	if r != 0 {
		ms += p - r
	}
	return time.UnixMilli(ms).UTC()
}
