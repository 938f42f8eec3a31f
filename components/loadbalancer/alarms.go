package loadbalancer

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/video-platform/video-platform/components/internal/field"
	"github.com/video-platform/video-platform/internal/contract"
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

// Validate reports every rejected threshold as given, each as a
// contract.FieldError named without "Alarms.", so that a stack can check
// its alarm config before it declares anything. A threshold left nil
// takes its default.
func (a Alarms) Validate() error {
	var errs field.List
	if v := a.ErrorRatePercent; v != nil && (*v <= 0 || *v > 100) {
		errs.Add("ErrorRatePercent", *v, "a percentage above 0 and at most 100")
	}
	if v := a.UnhealthyHosts; v != nil {
		errs.Range("UnhealthyHosts", *v, 1, 1000)
	}
	if v := a.P99LatencySeconds; v != nil && (*v <= 0 || *v > 300) {
		errs.Add("P99LatencySeconds", *v, "seconds above 0 and at most 300")
	}
	if v := a.EvaluationMinutes; v != nil {
		errs.Range("EvaluationMinutes", *v, 1, 60)
	}
	return errs.Err()
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
func newAlarms(ctx *pulumi.Context, name string, a *LoadBalancerArgs, lbSuffix, tgSuffix pulumi.StringOutput, parent pulumi.ResourceOption) (map[string]*cloudwatch.MetricAlarm, error) {
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
		args.Tags = a.tags(map[string]string{contract.TagName: name + "-" + key, contract.TagAlarm: key})
		return args
	}
	lbDim := pulumi.StringMap{"LoadBalancer": lbSuffix}
	tgDim := pulumi.StringMap{"LoadBalancer": lbSuffix, "TargetGroup": tgSuffix}
	alarms := map[string]*cloudwatch.MetricAlarm{}

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
	alarms[AlarmErrorRate] = errorRate

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
	alarms[AlarmUnhealthyHosts] = unhealthy

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
	alarms[AlarmP99Latency] = latency
	return alarms, nil
}
