package awscheck

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"

	smithycbor "github.com/aws/smithy-go/encoding/cbor"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// cborStrings reads a CBOR list of strings.
func cborStrings(t *testing.T, v smithycbor.Value) []string {
	t.Helper()
	list, ok := v.(smithycbor.List)
	if !assert.True(t, ok, "a CBOR list, got %T", v) {
		return nil
	}
	out := make([]string, 0, len(list))
	for _, e := range list {
		s, ok := e.(smithycbor.String)
		assert.True(t, ok, "a CBOR string, got %T", e)
		out = append(out, string(s))
	}
	return out
}

func metricAlarm(name, state, reason string) smithycbor.Map {
	return smithycbor.Map{
		"AlarmName":   smithycbor.String(name),
		"StateValue":  smithycbor.String(state),
		"StateReason": smithycbor.String(reason),
	}
}

func TestAlarmStatesChunksNamesAndFollowsPages(t *testing.T) {
	names := make([]string, 0, 151)
	for i := range 150 {
		names = append(names, fmt.Sprintf("prod-web-green-%03d", i))
	}
	names = append(names, names[3]) // asked twice, answered once

	var mu sync.Mutex
	var asked [][]string
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		op, body := cborRequest(t, r)
		assert.Equal(t, "DescribeAlarms", op, "operation")
		assert.Equal(t, []string{"MetricAlarm", "CompositeAlarm"}, cborStrings(t, body["AlarmTypes"]), "both kinds of alarm")
		assert.Equal(t, smithycbor.Uint(100), body["MaxRecords"], "largest page size asked for")
		got := cborStrings(t, body["AlarmNames"])
		assert.LessOrEqual(t, len(got), 100, "CloudWatch takes at most 100 names a call")
		mu.Lock()
		asked = append(asked, got)
		mu.Unlock()
		token, _ := body["NextToken"].(smithycbor.String)
		switch {
		case got[0] == names[0] && token == "":
			writeCBOR(t, w, http.StatusOK, smithycbor.Map{
				"MetricAlarms": smithycbor.List{metricAlarm(names[0], "OK", "Threshold Crossed: no datapoints were breaching")},
				"NextToken":    smithycbor.String("more"),
			})
		case got[0] == names[0]:
			assert.Equal(t, smithycbor.String("more"), token, "second page echoes the token")
			writeCBOR(t, w, http.StatusOK, smithycbor.Map{
				"MetricAlarms": smithycbor.List{
					metricAlarm(names[3], "ALARM", "Threshold Crossed: 1 datapoint [12.0] was greater than the threshold (5.0)."),
					metricAlarm("not-asked-for", "ALARM", "CloudWatch answered a name nobody asked for"),
				},
			})
		default:
			writeCBOR(t, w, http.StatusOK, smithycbor.Map{
				"MetricAlarms":    smithycbor.List{metricAlarm(names[120], "INSUFFICIENT_DATA", "Insufficient Data: 1 datapoint was unknown.")},
				"CompositeAlarms": smithycbor.List{metricAlarm(names[149], "ALARM", "composite: web errors and latency")},
			})
		}
	})

	got, err := c.Metrics.AlarmStates(context.Background(), names)
	require.NoError(t, err, "DescribeAlarms")
	require.Len(t, asked, 3, "two pages of the first 100 names, one of the other 50")
	assert.Len(t, asked[0], 100, "first chunk")
	assert.Equal(t, asked[0], asked[1], "the second page asks for the same names")
	assert.Len(t, asked[2], 50, "second chunk: the duplicate was dropped")

	require.Len(t, got, 150, "an entry for every distinct name, none for names not asked")
	assert.Equal(t, AlarmState{Value: AlarmOK, Reason: "Threshold Crossed: no datapoints were breaching"}, got[names[0]], "metric alarm OK")
	assert.Equal(t, AlarmAlarm, got[names[3]].Value, "metric alarm in ALARM, from the second page")
	assert.Contains(t, got[names[3]].Reason, "greater than the threshold", "CloudWatch's reason")
	assert.Equal(t, AlarmInsufficientData, got[names[120]].Value, "insufficient data")
	assert.Equal(t, AlarmState{Value: AlarmAlarm, Reason: "composite: web errors and latency"}, got[names[149]], "composite alarm")
	assert.Equal(t, AlarmMissing, got[names[1]].Value, "an unknown name is missing, not OK")
	assert.Contains(t, got[names[1]].Reason, names[1], "the reason names the alarm")
}

func TestAlarmStatesOfNoNamesAsksNothing(t *testing.T) {
	c := newTestClient(t, func(w http.ResponseWriter, _ *http.Request) {
		t.Errorf("DescribeAlarms without names describes every alarm of the account; it must not be called")
		w.WriteHeader(http.StatusInternalServerError)
	})
	for _, names := range [][]string{nil, {}} {
		got, err := c.Metrics.AlarmStates(context.Background(), names)
		require.NoError(t, err, "no names")
		assert.Empty(t, got, "no states")
	}
}

func TestAlarmStatesFailure(t *testing.T) {
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		cborRequest(t, r)
		writeCBOR(t, w, http.StatusBadRequest, smithycbor.Map{
			"__type":  smithycbor.String("com.amazonaws.cloudwatch#InvalidNextToken"),
			"message": smithycbor.String("bad token"),
		})
	})
	got, err := c.Metrics.AlarmStates(context.Background(), []string{"prod-web-green-5xx"})
	require.Error(t, err, "a failed call is an error, not a missing alarm")
	assert.Nil(t, got, "no partial answer")
	assert.Contains(t, err.Error(), "InvalidNextToken", "error carries CloudWatch's code")
	assert.Contains(t, err.Error(), "prod-web-green-5xx", "error names the alarms")
}
