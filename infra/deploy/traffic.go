package deploy

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/video-platform/video-platform/infra/awscheck"
)

// metricsLag is how far behind now CloudWatch's ALB minutes are complete;
// a window ending at now would read the last minutes as falsely quiet.
const metricsLag = 3 * time.Minute

// trafficSum is an ALB's traffic over a window.
type trafficSum struct {
	requests    float64
	connections float64
	lastActive  time.Time
	// unknown is set when CloudWatch has no metrics at all for the LB.
	unknown bool
}

func (t trafficSum) quiet() bool { return t.requests == 0 && t.connections == 0 }

func (t trafficSum) String() string {
	if t.unknown {
		return "no CloudWatch metrics in the last two weeks"
	}
	if t.quiet() {
		return "0 requests, 0 active connections"
	}
	return fmt.Sprintf("%.0f requests, %.0f active connections, last at %s", t.requests, t.connections, t.lastActive.UTC().Format("15:04"))
}

// residual sums an ALB's traffic over [start, end). An LB CloudWatch has
// never seen counts as quiet: the suffix comes from the copy's own stack
// outputs, so it cannot be mistyped, and an LB without a datapoint for two
// weeks served nobody.
func residual(ctx context.Context, checks awscheck.Metrics, suffix string, start, end time.Time) (trafficSum, error) {
	points, err := checks.Traffic(ctx, suffix, start, end)
	if errors.Is(err, awscheck.ErrNoMetrics) {
		return trafficSum{unknown: true}, nil
	}
	if err != nil {
		return trafficSum{}, err
	}
	var s trafficSum
	for _, p := range points {
		s.requests += p.Requests
		s.connections += p.ActiveConnections
		if p.Requests > 0 || p.ActiveConnections > 0 {
			s.lastActive = p.Time
		}
	}
	return s, nil
}
