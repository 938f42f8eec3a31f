package loadbalancer

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/video-platform/video-platform/components/internal/field"
)

// Alarm defaults: what a healthy copy of any service stays under.
const (
	DefaultErrorRatePercent  = 5.0
	DefaultUnhealthyHosts    = 1
	DefaultP99LatencySeconds = 2.0
	DefaultEvaluationMinutes = 3
)

// Alarm keys name the copy's alarms in the component's Alarms output, so
// that `infra release` can watch them without knowing their generated names.
const (
	AlarmErrorRate      = "error-rate"
	AlarmUnhealthyHosts = "unhealthy-hosts"
	AlarmP99Latency     = "p99-latency"
)

// Alarms are the copy's health alarms: what `infra release` watches after a
// swap, and what pages when the live copy degrades. A field left nil takes
// its default; a field set is validated as given, zero included.
type Alarms struct {
	// ErrorRatePercent is the share of requests answered 5xx by the
	// targets, in percent, that fires the error-rate alarm. Default 5;
	// accepted above 0 and at most 100.
	ErrorRatePercent *float64
	// UnhealthyHosts is the number of unhealthy targets that fires the
	// unhealthy-hosts alarm. Default 1; accepted 1..1000.
	UnhealthyHosts *int
	// P99LatencySeconds is the targets' 99th percentile response time that
	// fires the p99-latency alarm. Default 2; accepted above 0 and at most
	// 300.
	P99LatencySeconds *float64
	// EvaluationMinutes is how many consecutive breaching minutes fire an
	// alarm. Default 3; accepted 1..60.
	EvaluationMinutes *int
	// Actions are the topics notified when an alarm fires or clears.
	Actions pulumi.StringArray
}

// FieldError is one rejected field: its name in Args, the value and what
// is accepted, so that a stack can name its own config key instead. Every
// component reports its fields with this one type.
type FieldError = field.Error

// Check reports every rejected field of the alarms, with "Alarms." left
// out of the field names.
func (a Alarms) Check() []FieldError {
	var out []FieldError
	if v := a.ErrorRatePercent; v != nil && (*v <= 0 || *v > 100) {
		out = append(out, FieldError{Field: "ErrorRatePercent", Value: *v, Accepted: "a percentage above 0 and at most 100"})
	}
	if v := a.UnhealthyHosts; v != nil && (*v < 1 || *v > 1000) {
		out = append(out, FieldError{Field: "UnhealthyHosts", Value: *v, Accepted: "an integer from 1 to 1000"})
	}
	if v := a.P99LatencySeconds; v != nil && (*v <= 0 || *v > 300) {
		out = append(out, FieldError{Field: "P99LatencySeconds", Value: *v, Accepted: "seconds above 0 and at most 300"})
	}
	if v := a.EvaluationMinutes; v != nil && (*v < 1 || *v > 60) {
		out = append(out, FieldError{Field: "EvaluationMinutes", Value: *v, Accepted: "an integer from 1 to 60"})
	}
	return out
}

// thresholds are the alarms with every default applied.
type thresholds struct {
	errorRate, p99     float64
	unhealthy, minutes int
}

func (a Alarms) thresholds() thresholds {
	t := thresholds{errorRate: DefaultErrorRatePercent, p99: DefaultP99LatencySeconds,
		unhealthy: DefaultUnhealthyHosts, minutes: DefaultEvaluationMinutes}
	if a.ErrorRatePercent != nil {
		t.errorRate = *a.ErrorRatePercent
	}
	if a.P99LatencySeconds != nil {
		t.p99 = *a.P99LatencySeconds
	}
	if a.UnhealthyHosts != nil {
		t.unhealthy = *a.UnhealthyHosts
	}
	if a.EvaluationMinutes != nil {
		t.minutes = *a.EvaluationMinutes
	}
	return t
}

// newAlarms declares the three alarms of a copy. Their names are left to
// autonaming: PutMetricAlarm overwrites an alarm of the same name, so a
// replacement created before the old alarm is deleted would be deleted
// with it.
func newAlarms(ctx *pulumi.Context, name string, a *LoadBalancerArgs, lbSuffix, tgSuffix pulumi.StringOutput, parent pulumi.ResourceOption) (pulumi.StringMap, error) {
	t := a.Alarms.thresholds()
	what := fmt.Sprintf("%s %s", a.Service, a.Color)
	actions := pulumi.Array{}
	for _, topic := range a.Alarms.Actions {
		actions = append(actions, topic)
	}
	// No traffic means no datapoints: an idle copy is not in alarm.
	common := func(args *cloudwatch.MetricAlarmArgs, key string) *cloudwatch.MetricAlarmArgs {
		args.EvaluationPeriods = pulumi.Int(t.minutes)
		args.DatapointsToAlarm = pulumi.Int(t.minutes)
		args.TreatMissingData = pulumi.String("notBreaching")
		args.AlarmActions = actions
		args.OkActions = actions
		args.Tags = a.tags(map[string]string{"Name": name + "-" + key, "alarm": key})
		return args
	}
	lbDim := pulumi.StringMap{"LoadBalancer": lbSuffix}
	tgDim := pulumi.StringMap{"LoadBalancer": lbSuffix, "TargetGroup": tgSuffix}
	names := pulumi.StringMap{}

	errorRate, err := cloudwatch.NewMetricAlarm(ctx, name+"-"+AlarmErrorRate, common(&cloudwatch.MetricAlarmArgs{
		AlarmDescription:   pulumi.Sprintf("%s: more than %g%% of requests answered 5xx by the targets for %d minutes", what, t.errorRate, t.minutes),
		ComparisonOperator: pulumi.String("GreaterThanThreshold"),
		Threshold:          pulumi.Float64(t.errorRate),
		MetricQueries: cloudwatch.MetricAlarmMetricQueryArray{
			cloudwatch.MetricAlarmMetricQueryArgs{
				Id: pulumi.String("rate"), ReturnData: pulumi.Bool(true), Label: pulumi.String("5xx %"),
				// A minute without requests is 0%, not a division by zero.
				Expression: pulumi.String("100 * FILL(errors, 0) / MAX([FILL(requests, 0), 1])"),
			},
			cloudwatch.MetricAlarmMetricQueryArgs{Id: pulumi.String("errors"), Metric: cloudwatch.MetricAlarmMetricQueryMetricArgs{
				Namespace: pulumi.String("AWS/ApplicationELB"), MetricName: pulumi.String("HTTPCode_Target_5XX_Count"),
				Dimensions: tgDim, Period: pulumi.Int(60), Stat: pulumi.String("Sum"),
			}},
			cloudwatch.MetricAlarmMetricQueryArgs{Id: pulumi.String("requests"), Metric: cloudwatch.MetricAlarmMetricQueryMetricArgs{
				Namespace: pulumi.String("AWS/ApplicationELB"), MetricName: pulumi.String("RequestCount"),
				Dimensions: tgDim, Period: pulumi.Int(60), Stat: pulumi.String("Sum"),
			}},
		},
	}, AlarmErrorRate), parent)
	if err != nil {
		return nil, err
	}
	names[AlarmErrorRate] = errorRate.Name

	unhealthy, err := cloudwatch.NewMetricAlarm(ctx, name+"-"+AlarmUnhealthyHosts, common(&cloudwatch.MetricAlarmArgs{
		AlarmDescription:   pulumi.Sprintf("%s: %d or more unhealthy targets for %d minutes", what, t.unhealthy, t.minutes),
		ComparisonOperator: pulumi.String("GreaterThanOrEqualToThreshold"),
		Threshold:          pulumi.Float64(float64(t.unhealthy)),
		Namespace:          pulumi.String("AWS/ApplicationELB"),
		MetricName:         pulumi.String("UnHealthyHostCount"),
		Dimensions:         tgDim,
		Period:             pulumi.Int(60),
		Statistic:          pulumi.String("Maximum"),
	}, AlarmUnhealthyHosts), parent)
	if err != nil {
		return nil, err
	}
	names[AlarmUnhealthyHosts] = unhealthy.Name

	latency, err := cloudwatch.NewMetricAlarm(ctx, name+"-"+AlarmP99Latency, common(&cloudwatch.MetricAlarmArgs{
		AlarmDescription:   pulumi.Sprintf("%s: p99 target response time above %gs for %d minutes", what, t.p99, t.minutes),
		ComparisonOperator: pulumi.String("GreaterThanThreshold"),
		Threshold:          pulumi.Float64(t.p99),
		Namespace:          pulumi.String("AWS/ApplicationELB"),
		MetricName:         pulumi.String("TargetResponseTime"),
		Dimensions:         lbDim,
		Period:             pulumi.Int(60),
		ExtendedStatistic:  pulumi.String("p99"),
	}, AlarmP99Latency), parent)
	if err != nil {
		return nil, err
	}
	names[AlarmP99Latency] = latency.Name
	return names, nil
}
