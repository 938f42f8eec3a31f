package workflow

import (
	"time"

	"github.com/video-platform/video-platform/infra/awscheck"
)

// busy is a window whose last minute has traffic.
func busy(end time.Time) []awscheck.TrafficPoint {
	return []awscheck.TrafficPoint{{Time: end.Add(-2 * time.Minute)}, {Time: end.Add(-time.Minute), Requests: 12, ActiveConnections: 3}}
}
