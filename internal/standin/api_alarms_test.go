package standin

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/video-platform/video-platform/infra/awscheck"
)

// apiTestAlarms are the alarms of the alarm fixture and their tags: each
// web copy's error rate and latency, and the transcode queue's age.
var apiTestAlarms = map[string]map[string]any{
	"prod-web-blue-5xx":                {"env": "prod", "service": "web", "color": "blue"},
	"prod-web-blue-latency":            {"env": "prod", "service": "web", "color": "blue"},
	"prod-web-green-5xx":               {"env": "prod", "service": "web", "color": "green"},
	"prod-web-green-latency":           {"env": "prod", "service": "web", "color": "green"},
	"transcode-oldest-message-1a2b3c4": {"env": "prod", "service": "transcoder"},
}

// alarmFixture puts what the provider would hold for the alarms and a
// composite alarm over green's two.
func (e *apiEnv) alarmFixture(t *testing.T) {
	t.Helper()
	for name, tags := range apiTestAlarms {
		e.put(t, apiTypeMetricAlarm, name+"-id", map[string]any{
			"name": name, "arn": "arn:aws:cloudwatch:us-east-1:" + AccountID + ":alarm:" + name,
			"namespace": "AWS/ApplicationELB", "metricName": "HTTPCode_Target_5XX_Count", "tags": tags,
		})
	}
	e.put(t, apiTypeCompositeAlarm, "prod-web-green-health-id", map[string]any{
		"name": "prod-web-green-health", "alarmRule": `ALARM("prod-web-green-5xx") OR ALARM("prod-web-green-latency")`,
		"tags": map[string]any{"env": "prod", "service": "web", "color": "green"},
	})
}

func (e *apiEnv) cwClient() *cloudwatch.Client {
	cfg := apiConfig()
	cfg.RetryMaxAttempts = 1
	return cloudwatch.NewFromConfig(cfg, func(o *cloudwatch.Options) { o.BaseEndpoint = aws.String(e.url) })
}

func TestAlarmsAreOKWithoutFaultsAndMissingNamesAreMissing(t *testing.T) {
	env := newAPIEnv(t)
	env.alarmFixture(t)

	got, err := env.client().Metrics.AlarmStates(context.Background(), []string{"prod-web-green-5xx", "prod-web-green-health", "prod-web-green-typo"})
	require.NoError(t, err, "DescribeAlarms")
	assert.Equal(t, awscheck.AlarmOK, got["prod-web-green-5xx"].Value, "a metric alarm is OK by default")
	assert.Contains(t, got["prod-web-green-5xx"].Reason, "no alarm fault", "the reason says why")
	assert.Equal(t, awscheck.AlarmOK, got["prod-web-green-health"].Value, "composite alarms are answered too")
	assert.Equal(t, awscheck.AlarmMissing, got["prod-web-green-typo"].Value, "an unknown alarm is missing")
	assert.Equal(t, 1, env.callsTo("monitoring"), "three names, one call")

	out, err := env.cwClient().DescribeAlarms(context.Background(), &cloudwatch.DescribeAlarmsInput{AlarmNamePrefix: aws.String("prod-web-green")})
	require.NoError(t, err, "DescribeAlarms by prefix")
	var names []string
	for _, a := range out.MetricAlarms {
		names = append(names, aws.ToString(a.AlarmName))
	}
	assert.Equal(t, []string{"prod-web-green-5xx", "prod-web-green-latency"}, names, "metric alarms only when AlarmTypes is unset, in name order")
	assert.Empty(t, out.CompositeAlarms, "as CloudWatch does")
	require.NotEmpty(t, out.MetricAlarms, "alarms")
	assert.Equal(t, "arn:aws:cloudwatch:us-east-1:"+AccountID+":alarm:prod-web-green-5xx", aws.ToString(out.MetricAlarms[0].AlarmArn), "ARN from the Store")
}

func TestAlarmFaultFiresFromTheNthCallThatAsksAboutItsAlarms(t *testing.T) {
	env := newAPIEnv(t)
	env.alarmFixture(t)
	env.faults(t, Fault{Kind: FaultAlarm, Name: "web-green", Nth: 3, Reason: "Threshold Crossed: 5xx rate 7% above 5%"})
	c := env.client()
	ctx := context.Background()
	green := []string{"prod-web-green-5xx", "prod-web-green-latency", "prod-web-green-health"}
	blue := []string{"prod-web-blue-5xx", "prod-web-blue-latency"}
	states := func(names []string) map[string]string {
		t.Helper()
		got, err := c.Metrics.AlarmStates(ctx, names)
		require.NoError(t, err, "AlarmStates")
		out := map[string]string{}
		for n, s := range got {
			out[n] = s.Value
		}
		return out
	}
	all := func(names []string, value string) map[string]string {
		out := map[string]string{}
		for _, n := range names {
			out[n] = value
		}
		return out
	}

	assert.Equal(t, all(green, awscheck.AlarmOK), states(green), "call 1: still OK")
	for range 3 {
		assert.Equal(t, all(blue, awscheck.AlarmOK), states(blue), "calls about blue alone neither fire nor count")
	}
	assert.Equal(t, all(green, awscheck.AlarmOK), states(green), "call 2: still OK")
	assert.Equal(t, all(green, awscheck.AlarmAlarm), states(green), "call 3: the fault fires")
	got, err := c.Metrics.AlarmStates(ctx, append(slices.Clone(green), blue...))
	require.NoError(t, err, "call 4")
	assert.Equal(t, awscheck.AlarmState{Value: awscheck.AlarmAlarm, Reason: "Threshold Crossed: 5xx rate 7% above 5%"}, got["prod-web-green-5xx"],
		"and stays fired, with the fault's reason")
	assert.Equal(t, awscheck.AlarmOK, got["prod-web-blue-5xx"].Value, "blue is untouched")

	env.faults(t, Fault{Kind: FaultAlarm, Tags: map[string]string{"service": "transcoder"}})
	got, err = c.Metrics.AlarmStates(ctx, slices.Collect(maps.Keys(apiTestAlarms)))
	require.NoError(t, err, "AlarmStates under a tag fault")
	for n := range apiTestAlarms {
		want := awscheck.AlarmOK
		if n == "transcode-oldest-message-1a2b3c4" {
			want = awscheck.AlarmAlarm
		}
		assert.Equal(t, want, got[n].Value, "%s under a fault on the transcoder's tags, from the first call", n)
	}
	assert.Contains(t, got["transcode-oldest-message-1a2b3c4"].Reason, "stand-in alarm fault", "the default reason names the fault")

	out, err := env.cwClient().DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{StateValue: cwtypes.StateValueAlarm})
	require.NoError(t, err, "DescribeAlarms by state")
	require.Len(t, out.MetricAlarms, 1, "the StateValue filter sees the fault")
	assert.Equal(t, "transcode-oldest-message-1a2b3c4", aws.ToString(out.MetricAlarms[0].AlarmName), "the alarm in ALARM")
}

func TestDescribeAlarmsLimitsAndPages(t *testing.T) {
	env := newAPIEnv(t)
	var names []string
	for i := range 120 {
		name := fmt.Sprintf("prod-web-green-%03d", i)
		names = append(names, name)
		env.put(t, apiTypeMetricAlarm, name, map[string]any{"name": name})
	}
	ctx := context.Background()

	_, err := env.cwClient().DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{AlarmNames: names[:101]})
	var apiErr smithy.APIError
	require.ErrorAs(t, err, &apiErr, "CloudWatch takes at most 100 names")
	assert.Equal(t, "ValidationError", apiErr.ErrorCode(), "the awsQuery-compatible code")

	got, err := env.client().Metrics.AlarmStates(ctx, names)
	require.NoError(t, err, "awscheck asks 100 names at a time")
	require.Len(t, got, 120, "every alarm")
	for _, n := range names {
		assert.Equal(t, awscheck.AlarmOK, got[n].Value, "%s", n)
	}

	_, err = env.cwClient().DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{AlarmNames: names[:2], AlarmNamePrefix: aws.String("prod")})
	require.ErrorAs(t, err, &apiErr, "names and a prefix together")
	assert.Equal(t, "InvalidParameterCombination", apiErr.ErrorCode(), "CloudWatch's code")

	p := cloudwatch.NewDescribeAlarmsPaginator(env.cwClient(), &cloudwatch.DescribeAlarmsInput{MaxRecords: aws.Int32(50)})
	var listed []string
	pages := 0
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		require.NoError(t, err, "page %d", pages+1)
		pages++
		for _, a := range page.MetricAlarms {
			listed = append(listed, aws.ToString(a.AlarmName))
		}
	}
	assert.Equal(t, 3, pages, "pages of 50, 50 and 20")
	assert.Equal(t, names, listed, "every alarm once, in name order")
}

func TestAlarmFaultParsesAndValidates(t *testing.T) {
	faults, err := ParseFaults([]byte(`[{"kind":"alarm","name":"web-green","nth":3,"reason":"5xx above 5%"}]`))
	require.NoError(t, err, "an alarm fault")
	assert.Equal(t, []Fault{{Kind: FaultAlarm, Name: "web-green", Nth: 3, Reason: "5xx above 5%"}}, faults, "parsed")
	assert.Equal(t, `alarm(name=web-green nth=3 reason="5xx above 5%")`, faults[0].String(), "described for reports")

	err = Fault{Kind: FaultAlarm, Nth: -1}.Validate()
	require.Error(t, err, "a negative nth")
	assert.Contains(t, err.Error(), "alarm fault: nth -1", "the error names the fault and the value")

	assert.True(t, Fault{Kind: FaultAlarm}.MatchesAlarm("anything", nil), "no name and no tags: every alarm")
	assert.False(t, Fault{Kind: FaultAlarm, Name: "green", Tags: map[string]string{"env": "prod"}}.MatchesAlarm("prod-web-green-5xx", map[string]string{"env": "staging"}),
		"the name matches but the tags do not")
}
