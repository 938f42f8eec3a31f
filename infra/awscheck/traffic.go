package awscheck

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
)

const (
	albNamespace = "AWS/ApplicationELB"
	albDimension = "LoadBalancer"

	requestsQueryID = "requests"
	activeQueryID   = "active"

	// maxTrafficWindow is how long CloudWatch keeps 1-minute datapoints;
	// beyond it minutes would read as zero traffic although they were
	// merely aggregated away.
	maxTrafficWindow = 15 * 24 * time.Hour
)

// Traffic implements Metrics.
func (c metrics) Traffic(ctx context.Context, lbARNSuffix string, start, end time.Time) ([]TrafficPoint, error) {
	if err := checkSuffix(lbARNSuffix); err != nil {
		return nil, err
	}
	start = start.UTC().Truncate(time.Minute)
	end = end.UTC()
	if !end.After(start) {
		return nil, fmt.Errorf("traffic of %s: empty window [%s, %s)", lbARNSuffix, start, end)
	}
	if end.Sub(start) > maxTrafficWindow {
		return nil, fmt.Errorf("traffic of %s: window %s exceeds the %s CloudWatch keeps at 1-minute resolution", lbARNSuffix, end.Sub(start), maxTrafficWindow)
	}

	n := int((end.Sub(start) + time.Minute - 1) / time.Minute)
	points := make([]TrafficPoint, n)
	for i := range points {
		points[i].Time = start.Add(time.Duration(i) * time.Minute)
	}

	in := &cloudwatch.GetMetricDataInput{
		StartTime: aws.Time(start),
		EndTime:   aws.Time(end),
		ScanBy:    cwtypes.ScanByTimestampAscending,
		MetricDataQueries: []cwtypes.MetricDataQuery{
			albSumQuery(requestsQueryID, "RequestCount", lbARNSuffix),
			albSumQuery(activeQueryID, "ActiveConnectionCount", lbARNSuffix),
		},
	}
	seen := false
	p := cloudwatch.NewGetMetricDataPaginator(c.cw, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("get ALB metrics of %s: %w", lbARNSuffix, err)
		}
		for _, r := range page.MetricDataResults {
			if err := resultError(r); err != nil {
				return nil, fmt.Errorf("get ALB metrics of %s: %w", lbARNSuffix, err)
			}
			if len(r.Timestamps) != len(r.Values) {
				return nil, fmt.Errorf("get ALB metrics of %s: query %s returned %d timestamps for %d values",
					lbARNSuffix, aws.ToString(r.Id), len(r.Timestamps), len(r.Values))
			}
			for i, ts := range r.Timestamps {
				idx := int(ts.UTC().Sub(start) / time.Minute)
				if ts.Before(start) || idx >= n {
					continue
				}
				switch aws.ToString(r.Id) {
				case requestsQueryID:
					points[idx].Requests += r.Values[i]
					seen = true
				case activeQueryID:
					points[idx].ActiveConnections += r.Values[i]
					seen = true
				}
			}
		}
	}
	if seen {
		return points, nil
	}

	known, err := c.lbKnown(ctx, lbARNSuffix)
	if err != nil {
		return nil, err
	}
	if !known {
		return nil, fmt.Errorf("traffic of %s: %w", lbARNSuffix, ErrNoMetrics)
	}
	return points, nil
}

// checkSuffix rejects a full ARN early: CloudWatch would silently return
// nothing for it, which would look like an idle load balancer.
func checkSuffix(s string) error {
	if !strings.HasPrefix(s, "app/") || strings.Count(s, "/") != 2 {
		return fmt.Errorf("traffic: %q is not an ALB ARN suffix of the form app/<name>/<id>", s)
	}
	return nil
}

func albSumQuery(id, metric, lbARNSuffix string) cwtypes.MetricDataQuery {
	return cwtypes.MetricDataQuery{
		Id:         aws.String(id),
		ReturnData: aws.Bool(true),
		MetricStat: &cwtypes.MetricStat{
			Metric: &cwtypes.Metric{
				Namespace:  aws.String(albNamespace),
				MetricName: aws.String(metric),
				Dimensions: []cwtypes.Dimension{{Name: aws.String(albDimension), Value: aws.String(lbARNSuffix)}},
			},
			Period: aws.Int32(60),
			Stat:   aws.String("Sum"),
		},
	}
}

// resultError reports a query CloudWatch could not answer; PartialData is
// fine because the paginator fetches the rest.
func resultError(r cwtypes.MetricDataResult) error {
	switch r.StatusCode {
	case cwtypes.StatusCodeComplete, cwtypes.StatusCodePartialData, "":
		return nil
	}
	msgs := make([]string, 0, len(r.Messages))
	for _, m := range r.Messages {
		msgs = append(msgs, aws.ToString(m.Code)+": "+aws.ToString(m.Value))
	}
	return fmt.Errorf("query %s has status %s: %s", aws.ToString(r.Id), r.StatusCode, strings.Join(msgs, "; "))
}

// lbKnown asks whether CloudWatch has any ALB metric for the load balancer.
// ListMetrics covers the last two weeks, so a known load balancer with no
// datapoints in the window really had no traffic, while an unknown one may
// just be a wrong suffix.
func (c metrics) lbKnown(ctx context.Context, lbARNSuffix string) (bool, error) {
	p := cloudwatch.NewListMetricsPaginator(c.cw, &cloudwatch.ListMetricsInput{
		Namespace:  aws.String(albNamespace),
		Dimensions: []cwtypes.DimensionFilter{{Name: aws.String(albDimension), Value: aws.String(lbARNSuffix)}},
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return false, fmt.Errorf("list ALB metrics of %s: %w", lbARNSuffix, err)
		}
		if len(page.Metrics) > 0 {
			return true, nil
		}
	}
	return false, nil
}
