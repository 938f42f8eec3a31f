package topology

// ServiceProfile holds what differs between blue-green services. A service
// is declared in the project's topology config (see Decode); the fields it
// leaves out take the values of serviceDefaults.
type ServiceProfile struct {
	// Port is the container and target port. Required.
	Port int `json:"port"`
	// HealthPath is the target group's health check path.
	HealthPath string `json:"healthPath"`
	// Stickiness keeps a client on one server; a recording cannot move.
	Stickiness bool `json:"stickiness"`
	// DeregistrationDelaySeconds is how long the LB drains a leaving target.
	DeregistrationDelaySeconds int `json:"deregistrationDelaySeconds"`
	// DrainHeartbeatSeconds is the termination hook's heartbeat: how long an
	// instance may finish its work before it is terminated.
	DrainHeartbeatSeconds int `json:"drainHeartbeatSeconds"`
	// IdleTimeoutSeconds is the ALB idle timeout; websockets need it long.
	IdleTimeoutSeconds int `json:"idleTimeoutSeconds"`
	// Scaling is the target tracking a copy gets when its config names none.
	Scaling ScalingDefault `json:"scaling"`
}

// ScalingDefault is a service's default target tracking.
type ScalingDefault struct {
	// Metric is what the copies track: cpu or alb-requests.
	Metric string `json:"metric"`
	// Target is the metric's target value.
	Target float64 `json:"target"`
}

// serviceDefaults are the profile values a declared service leaves out:
// a stateless HTTP service that drains within a minute.
var serviceDefaults = ServiceProfile{
	HealthPath:                 "/healthz",
	DeregistrationDelaySeconds: 60,
	DrainHeartbeatSeconds:      300,
	IdleTimeoutSeconds:         120,
	Scaling:                    ScalingDefault{Metric: "alb-requests", Target: 500},
}

// defaultServices are the blue-green services of a project whose config
// declares none.
func defaultServices() map[string]ServiceProfile {
	web := serviceDefaults
	web.Port = 8080
	// Recordings run for up to an hour on one server, so the recorder
	// drains for an hour, keeps its clients sticky and holds websockets
	// open.
	recorder := ServiceProfile{
		Port: 8090, HealthPath: "/healthz", Stickiness: true,
		DeregistrationDelaySeconds: 3600, DrainHeartbeatSeconds: 3900, IdleTimeoutSeconds: 3600,
		Scaling: ScalingDefault{Metric: "cpu", Target: 55},
	}
	return map[string]ServiceProfile{"web": web, "recorder": recorder}
}
