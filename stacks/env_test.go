package stacks

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/video-platform/video-platform/internal/offline"
	"github.com/video-platform/video-platform/internal/topology"
)

// cfgJSON renders config values as the engine hands them to the program.
func cfgJSON(t *testing.T, values map[string]any) map[string]string {
	t.Helper()
	out := map[string]string{"aws:region": "us-east-1"}
	for k, v := range values {
		if s, ok := v.(string); ok {
			out[ProjectName+":"+k] = s
			continue
		}
		b, err := json.Marshal(v)
		require.NoError(t, err, "marshal config %s", k)
		out[ProjectName+":"+k] = string(b)
	}
	return out
}

func baseValues(env string) map[string]any {
	az := 3
	if env == "staging" {
		az = 2
	}
	values := map[string]any{
		"network": map[string]any{"azCount": az, "cidr": "10.20.0.0/16"},
		"domain":  map[string]any{"name": env + ".video.example.com", "zoneId": "Z00000000PLACEHOLDER"},
		"queue":   map[string]any{"jobTimeoutSeconds": 900},
	}
	if env == "prod" {
		values["alertEmails"] = []string{"oncall@video.example.com"}
	}
	return values
}

func copyValues(release string, minSize, maxSize, desired int) map[string]any {
	return map[string]any{"copy": map[string]any{
		"release": release, "instanceType": "c6i.large",
		"capacity": map[string]any{"min": minSize, "max": maxSize, "desired": desired},
	}}
}

func transcoderValues() map[string]any {
	return map[string]any{"transcoders": map[string]any{
		"active": "r3", "draining": []string{"r2"},
		"instanceTypes":     []string{"c6i.xlarge", "c6a.xlarge", "c5.xlarge"},
		"capacity":          map[string]any{"min": 1, "max": 10, "desired": 2},
		"averageJobSeconds": 120, "acceptableLatencySeconds": 600,
	}}
}

// envRender renders stacks of an env in order, each with its own config,
// sharing outputs the way StackReferences would.
type envRender struct {
	t       *testing.T
	env     string
	outputs map[string]map[string]any
	results map[string]*offline.Result
}

func newEnvRender(t *testing.T, env string) *envRender {
	return &envRender{t: t, env: env, outputs: map[string]map[string]any{}, results: map[string]*offline.Result{}}
}

func (e *envRender) run(stack string, values map[string]any) (*offline.Result, error) {
	res, err := offline.Run(offline.Stack{Name: stack, Config: cfgJSON(e.t, values), StackOutputs: e.outputs}, Program)
	if err == nil {
		e.outputs[stack] = res.Outputs
		e.results[stack] = res
	}
	return res, err
}

func (e *envRender) mustRun(stack string, values map[string]any) *offline.Result {
	e.t.Helper()
	res, err := e.run(stack, values)
	require.NoError(e.t, err, "render %s", stack)
	return res
}

// upToDNS renders the base, both copies of each service (blue live with
// capacity, green idle unless greenCapacity) and the transcoders.
func (e *envRender) upToDNS(greenCapacity bool) {
	e.mustRun(topology.BaseStackName(e.env), baseValues(e.env))
	for _, svc := range topology.Default().ServiceNames() {
		e.mustRun(topology.CopyStackName(e.env, svc, "blue"), copyValues("r3", 3, 9, 3))
		green := copyValues("r2", 0, 0, 0)
		if greenCapacity {
			green = copyValues("r4", 3, 9, 3)
		}
		e.mustRun(topology.CopyStackName(e.env, svc, "green"), green)
	}
	e.mustRun(topology.TranscodersStackName(e.env), transcoderValues())
}
