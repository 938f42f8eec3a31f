package standin

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	smithycbor "github.com/aws/smithy-go/encoding/cbor"
)

// Alarm types the API answers DescribeAlarms from.
const (
	apiTypeMetricAlarm    = "aws:cloudwatch/metricAlarm:MetricAlarm"
	apiTypeCompositeAlarm = "aws:cloudwatch/compositeAlarm:CompositeAlarm"

	cwMaxAlarmNames   = 100
	cwDefaultAlarms   = 50 // DescribeAlarms' page without MaxRecords
	cwAlarmToken      = "cwa-"
	cwOKReason        = "Threshold Crossed: no datapoint was breaching the threshold (stand-in: no alarm fault selects this alarm)"
	cwDefaultAlarmWhy = "Threshold Crossed: datapoints were breaching the threshold (stand-in alarm fault)"
)

// cwAlarm is one alarm as DescribeAlarms reports it.
type cwAlarm struct {
	res       Resource
	name      string
	composite bool
	state     string
	reason    string
}

// describeAlarms answers DescribeAlarms by AlarmNames or AlarmNamePrefix
// (or neither: every alarm), for the AlarmTypes asked (metric alarms when
// none are), in name order, MaxRecords a page. Every alarm is OK unless an
// alarm fault selects it: then it is ALARM with the fault's reason, from
// the fault's Nth call on. A call counts for a fault when the alarms it
// asks about include one the fault selects, so other callers polling
// other alarms do not move it.
func (cw *cloudWatchAPI) describeAlarms(_ *apiCall, in smithycbor.Map, faults []Fault) (smithycbor.Map, *apiError) {
	for _, p := range []string{"ActionPrefix", "ChildrenOfAlarmName", "ParentsOfAlarmName"} {
		if _, ok := in[p]; ok {
			return nil, errCWInvalidParameter("stand-in AWS API: DescribeAlarms parameter %s is not implemented", p)
		}
	}
	names, aerr := cwStringList(in, "AlarmNames")
	if aerr != nil {
		return nil, aerr
	}
	if len(names) > cwMaxAlarmNames {
		return nil, &apiError{Status: http.StatusBadRequest, Code: "ValidationError", Shape: "ValidationException",
			Message: "1 validation error detected: Value at 'alarmNames' failed to satisfy constraint: Member must have length less than or equal to " + strconv.Itoa(cwMaxAlarmNames)}
	}
	prefix, _ := in["AlarmNamePrefix"].(smithycbor.String)
	if prefix != "" && len(names) > 0 {
		return nil, &apiError{Status: http.StatusBadRequest, Code: "InvalidParameterCombination", Shape: "InvalidParameterCombinationException",
			Message: "AlarmNamePrefix and AlarmNames cannot be specified together"}
	}
	types, aerr := cwStringList(in, "AlarmTypes")
	if aerr != nil {
		return nil, aerr
	}
	if len(types) == 0 {
		types = []string{"MetricAlarm"}
	}
	for _, t := range types {
		if !slices.Contains([]string{"MetricAlarm", "CompositeAlarm", "LogAlarm"}, t) {
			return nil, errCWInvalidParameter("AlarmTypes: %q is not one of MetricAlarm, CompositeAlarm, LogAlarm", t)
		}
	}
	size := int64(cwDefaultAlarms)
	if v, ok := in["MaxRecords"]; ok {
		n, err := smithycbor.AsInt64(v)
		if err != nil || n < 1 || n > cwMaxAlarmNames {
			return nil, errCWInvalidParameter("MaxRecords must be between 1 and %d", cwMaxAlarmNames)
		}
		size = n
	}

	alarms, aerr := cw.alarms(types, func(name string) bool {
		if len(names) > 0 {
			return slices.Contains(names, name)
		}
		return strings.HasPrefix(name, string(prefix))
	})
	if aerr != nil {
		return nil, aerr
	}
	if aerr := cw.applyAlarmFaults(alarms, faults); aerr != nil {
		return nil, aerr
	}
	if sv, ok := in["StateValue"].(smithycbor.String); ok && sv != "" {
		alarms = slices.DeleteFunc(alarms, func(al cwAlarm) bool { return al.state != string(sv) })
	}

	offset := int64(0)
	if v, ok := in["NextToken"].(smithycbor.String); ok {
		n, err := strconv.ParseInt(strings.TrimPrefix(string(v), cwAlarmToken), 10, 64)
		if err != nil || n < 0 || n > int64(len(alarms)) || !strings.HasPrefix(string(v), cwAlarmToken) {
			return nil, &apiError{Status: http.StatusBadRequest, Code: "InvalidNextToken", Shape: "InvalidNextToken",
				Message: "stand-in AWS API: NextToken " + strconv.Quote(string(v)) + " is invalid"}
		}
		offset = n
	}
	end := min(offset+size, int64(len(alarms)))
	metric, composite := smithycbor.List{}, smithycbor.List{}
	for _, al := range alarms[offset:end] {
		if al.composite {
			composite = append(composite, al.cbor())
		} else {
			metric = append(metric, al.cbor())
		}
	}
	out := smithycbor.Map{"MetricAlarms": metric, "CompositeAlarms": composite}
	if slices.Contains(types, "LogAlarm") {
		out["LogAlarms"] = smithycbor.List{}
	}
	if end < int64(len(alarms)) {
		out["NextToken"] = smithycbor.String(cwAlarmToken + strconv.FormatInt(end, 10))
	}
	return out, nil
}

// alarms lists the alarms of the asked types whose names want accepts,
// in name order, all OK.
func (cw *cloudWatchAPI) alarms(types []string, want func(name string) bool) ([]cwAlarm, *apiError) {
	var resTypes []string
	if slices.Contains(types, "MetricAlarm") {
		resTypes = append(resTypes, apiTypeMetricAlarm)
	}
	if slices.Contains(types, "CompositeAlarm") {
		resTypes = append(resTypes, apiTypeCompositeAlarm)
	}
	if len(resTypes) == 0 {
		return nil, nil
	}
	res, aerr := apiResourcesOf(cw.store, resTypes...)
	if aerr != nil {
		return nil, aerr
	}
	var out []cwAlarm
	for _, r := range res {
		name := r.Str("name")
		if name == "" {
			name = r.ID
		}
		if want(name) {
			out = append(out, cwAlarm{res: r, name: name, composite: r.Type == apiTypeCompositeAlarm,
				state: "OK", reason: cwOKReason})
		}
	}
	slices.SortFunc(out, func(x, y cwAlarm) int { return strings.Compare(x.name, y.name) })
	return out, nil
}

// applyAlarmFaults puts the alarms an alarm fault selects in ALARM, once
// the fault's counter (in the Store, so calls count across processes)
// reaches its Nth call.
func (cw *cloudWatchAPI) applyAlarmFaults(alarms []cwAlarm, faults []Fault) *apiError {
	for i, f := range faults {
		if f.Kind != FaultAlarm {
			continue
		}
		var hit []int
		for j, al := range alarms {
			if f.MatchesAlarm(al.name, al.res.Tags()) {
				hit = append(hit, j)
			}
		}
		if len(hit) == 0 {
			continue
		}
		if f.Nth > 1 {
			n, err := cw.store.Next("alarm:" + strconv.Itoa(i) + ":" + f.String())
			if err != nil {
				return errAPIInternal(err)
			}
			if n < f.Nth {
				continue
			}
		}
		reason := f.Reason
		if reason == "" {
			reason = cwDefaultAlarmWhy
		}
		for _, j := range hit {
			alarms[j].state, alarms[j].reason = "ALARM", reason
		}
	}
	return nil
}

func (al cwAlarm) cbor() smithycbor.Map {
	m := smithycbor.Map{
		"AlarmName":      smithycbor.String(al.name),
		"StateValue":     smithycbor.String(al.state),
		"StateReason":    smithycbor.String(al.reason),
		"ActionsEnabled": smithycbor.Bool(true),
	}
	for key, prop := range map[string]string{
		"AlarmArn": "arn", "AlarmDescription": "alarmDescription", "AlarmRule": "alarmRule",
		"Namespace": "namespace", "MetricName": "metricName", "ComparisonOperator": "comparisonOperator",
	} {
		if v := al.res.Str(prop); v != "" {
			m[key] = smithycbor.String(v)
		}
	}
	return m
}

// cwStringList reads an optional list of strings.
func cwStringList(in smithycbor.Map, key string) ([]string, *apiError) {
	v, ok := in[key]
	if !ok {
		return nil, nil
	}
	list, ok := v.(smithycbor.List)
	if !ok {
		return nil, errCWInvalidParameter("%s must be a list of strings", key)
	}
	out := make([]string, 0, len(list))
	for _, e := range list {
		s, ok := e.(smithycbor.String)
		if !ok {
			return nil, errCWInvalidParameter("%s must be a list of strings", key)
		}
		out = append(out, string(s))
	}
	return out, nil
}
