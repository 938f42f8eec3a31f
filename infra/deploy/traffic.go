package deploy

import (
	"context"
	"errors"
	"time"

	"github.com/video-platform/video-platform/infra/awscheck"
	"github.com/video-platform/video-platform/infra/decide"
)

// residual sums an ALB's traffic over [start, end). An LB CloudWatch has
// never seen counts as quiet (see decide.Traffic).
func residual(ctx context.Context, checks awscheck.Metrics, suffix string, start, end time.Time) (decide.Traffic, error) {
	points, err := checks.Traffic(ctx, suffix, start, end)
	if errors.Is(err, awscheck.ErrNoMetrics) {
		return decide.Traffic{Unknown: true}, nil
	}
	if err != nil {
		return decide.Traffic{}, err
	}
	return decide.SumTraffic(points), nil
}
