package topology

import "sort"

// ServiceProfile holds what differs between blue-green services. Adding a
// service is adding a profile here and its copy stacks' config files.
type ServiceProfile struct {
	// Port is the container and target port.
	Port int
	// HealthPath is the target group's health check path.
	HealthPath string
	// Stickiness keeps a client on one server; a recording cannot move.
	Stickiness bool
	// DeregistrationDelaySeconds is how long the LB drains a leaving target.
	DeregistrationDelaySeconds int
	// DrainHeartbeatSeconds is the termination hook's heartbeat: how long an
	// instance may finish its work before it is terminated.
	DrainHeartbeatSeconds int
	// IdleTimeoutSeconds is the ALB idle timeout; websockets need it long.
	IdleTimeoutSeconds int
	// DefaultScalingMetric is used when a copy's config names none.
	DefaultScalingMetric string
	// DefaultScalingTarget goes with DefaultScalingMetric.
	DefaultScalingTarget float64
}

// Services are the blue-green services.
var Services = map[string]ServiceProfile{
	"web": {
		Port: 8080, HealthPath: "/healthz",
		DeregistrationDelaySeconds: 60, DrainHeartbeatSeconds: 300, IdleTimeoutSeconds: 120,
		DefaultScalingMetric: "alb-requests", DefaultScalingTarget: 500,
	},
	// Recordings run for up to an hour on one server, so the recorder drains
	// for an hour, keeps its clients sticky and holds websockets open.
	"recorder": {
		Port: 8090, HealthPath: "/healthz", Stickiness: true,
		DeregistrationDelaySeconds: 3600, DrainHeartbeatSeconds: 3900, IdleTimeoutSeconds: 3600,
		DefaultScalingMetric: "cpu", DefaultScalingTarget: 55,
	},
}

// ServiceNames lists the blue-green services in a stable order.
func ServiceNames() []string {
	names := make([]string, 0, len(Services))
	for name := range Services {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}
