package awscheck

import (
	"context"
	"fmt"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
)

// Alarm states as AlarmStates reports them: CloudWatch's three, and
// AlarmMissing, which is not CloudWatch's.
const (
	AlarmOK               = "OK"
	AlarmAlarm            = "ALARM"
	AlarmInsufficientData = "INSUFFICIENT_DATA"
	// AlarmMissing is the state of a name CloudWatch has no alarm for: a
	// watch over a mistyped or deleted alarm would otherwise never fire.
	AlarmMissing = "MISSING"
)

// AlarmState is one alarm's state and CloudWatch's reason for it.
type AlarmState struct {
	Value  string
	Reason string
}

// maxAlarmNames is how many AlarmNames one DescribeAlarms call accepts.
const maxAlarmNames = 100

// AlarmStates implements Metrics.
func (c metrics) AlarmStates(ctx context.Context, alarmNames []string) (map[string]AlarmState, error) {
	names := slices.Compact(slices.Sorted(slices.Values(alarmNames)))
	states := make(map[string]AlarmState, len(names))
	record := func(name *string, value cwtypes.StateValue, reason *string) {
		n := aws.ToString(name)
		if _, asked := slices.BinarySearch(names, n); asked {
			states[n] = AlarmState{Value: string(value), Reason: aws.ToString(reason)}
		}
	}
	// Chunking also means no names, no call: DescribeAlarms without
	// AlarmNames describes every alarm in the account.
	for chunk := range slices.Chunk(names, maxAlarmNames) {
		p := cloudwatch.NewDescribeAlarmsPaginator(c.cw, &cloudwatch.DescribeAlarmsInput{
			AlarmNames: chunk,
			// Without AlarmTypes a composite alarm would read as missing.
			AlarmTypes: []cwtypes.AlarmType{cwtypes.AlarmTypeMetricAlarm, cwtypes.AlarmTypeCompositeAlarm},
			MaxRecords: aws.Int32(maxAlarmNames),
		})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				return nil, fmt.Errorf("describe alarms %s..%s: %w", chunk[0], chunk[len(chunk)-1], err)
			}
			for _, a := range page.MetricAlarms {
				record(a.AlarmName, a.StateValue, a.StateReason)
			}
			for _, a := range page.CompositeAlarms {
				record(a.AlarmName, a.StateValue, a.StateReason)
			}
		}
	}
	for _, n := range names {
		if _, ok := states[n]; !ok {
			states[n] = AlarmState{Value: AlarmMissing, Reason: "CloudWatch has no metric or composite alarm named " + n}
		}
	}
	return states, nil
}
