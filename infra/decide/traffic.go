package decide

import (
	"fmt"
	"time"

	"github.com/video-platform/video-platform/infra/observed"
)

// MetricsLag is how far behind now CloudWatch's ALB minutes are complete;
// a window ending at now would read the last minutes as falsely quiet.
const MetricsLag = 3 * time.Minute

// QuietWindow is the window whose traffic says whether a load balancer
// has been quiet for quietFor at now: it ends MetricsLag before now.
func QuietWindow(now time.Time, quietFor time.Duration) (start, end time.Time) {
	return now.Add(-MetricsLag - quietFor), now.Add(-MetricsLag)
}

// Traffic is an ALB's traffic over a window.
type Traffic struct {
	Requests    float64
	Connections float64
	LastActive  time.Time
	// Unknown is set when CloudWatch has no metrics at all for the LB.
	Unknown bool
}

// SumTraffic sums the minutes of a window.
func SumTraffic(points []observed.TrafficPoint) Traffic {
	var s Traffic
	for _, p := range points {
		s.Requests += p.Requests
		s.Connections += p.ActiveConnections
		if p.Requests > 0 || p.ActiveConnections > 0 {
			s.LastActive = p.Time
		}
	}
	return s
}

// Quiet says the window had no requests and no connections. An LB
// CloudWatch has never seen counts as quiet: the suffix comes from the
// copy's own stack outputs, so it cannot be mistyped, and an LB without a
// datapoint for two weeks served nobody.
func (t Traffic) Quiet() bool { return t.Requests == 0 && t.Connections == 0 }

func (t Traffic) String() string {
	if t.Unknown {
		return "no CloudWatch metrics in the last two weeks"
	}
	if t.Quiet() {
		return "0 requests, 0 active connections"
	}
	return fmt.Sprintf("%.0f requests, %.0f active connections, last at %s", t.Requests, t.Connections, t.LastActive.UTC().Format("15:04"))
}
