package diff

import (
	"fmt"
	"sort"
	"strings"

	"github.com/video-platform/video-platform/internal/render"
	"github.com/video-platform/video-platform/internal/topology"
)

// TrafficChange is a blue-green service whose traffic moves: a swap of its
// live color, or a change of the canary share its other color gets.
type TrafficChange struct {
	// Service is the service name, such as "web".
	Service string `json:"service"`
	// OldLive and NewLive are the live colors before and after.
	OldLive string `json:"oldLive"`
	NewLive string `json:"newLive"`
	// OldWeights and NewWeights are the weight per color of the service's
	// weighted DNS records, when the render has them.
	OldWeights map[string]int `json:"oldWeights,omitempty"`
	NewWeights map[string]int `json:"newWeights,omitempty"`
	// Target is the copy that takes the traffic that moves: the new live
	// color of a swap, the canary's color otherwise.
	Target CopyState `json:"target"`
	// From is, for a swap, the copy that was live.
	From *CopyState `json:"from,omitempty"`
}

// Swap reports whether the live color changes.
func (t TrafficChange) Swap() bool { return t.OldLive != t.NewLive }

// CopyState is what the new render says about one copy of a service: what
// will serve the traffic once the change is deployed.
type CopyState struct {
	// Color is "blue" or "green".
	Color string `json:"color"`
	// Stack is the copy's stack name.
	Stack string `json:"stack"`
	// Rendered is false when the new render has no outputs for the stack.
	Rendered bool `json:"rendered"`
	// Release is the release the copy runs.
	Release string `json:"release,omitempty"`
	// InstanceType is the copy's instance type.
	InstanceType string `json:"instanceType,omitempty"`
	// Capacity is the copy's group capacity, nil when not rendered.
	Capacity *Capacity `json:"capacity,omitempty"`
}

// Capacity is an Auto Scaling group's bounds and desired size.
type Capacity struct {
	Min     int `json:"min"`
	Desired int `json:"desired"`
	Max     int `json:"max"`
}

// trafficChanges compares who serves each blue-green service: the live
// colors the DNS stack exports, and the weights of its weighted records,
// which are where a canary shows.
func trafficChanges(from, to render.Env) []TrafficChange {
	oldWeights, newWeights := dnsWeights(from), dnsWeights(to)
	services := map[string]bool{}
	for s := range to.LiveColors {
		services[s] = true
	}
	for s := range newWeights {
		services[s] = true
	}
	names := make([]string, 0, len(services))
	for s := range services {
		names = append(names, s)
	}
	sort.Strings(names)

	var out []TrafficChange
	for _, svc := range names {
		oldLive, newLive := from.LiveColors[svc], to.LiveColors[svc]
		ow, nw := oldWeights[svc], newWeights[svc]
		// A service the old render did not serve is being set up, not
		// moved: nothing takes traffic away from anything.
		if oldLive == "" || newLive == "" {
			continue
		}
		// With the live color kept, only the other color's share says
		// whether traffic moves: a record dropped at weight 0 (an idle copy
		// destroyed) moves none, and shows among the deleted resources.
		if other := topology.Other(newLive); oldLive == newLive && (ow == nil || nw == nil || ow[other] == nw[other]) {
			continue
		}
		t := TrafficChange{Service: svc, OldLive: oldLive, NewLive: newLive, OldWeights: ow, NewWeights: nw}
		if t.Swap() {
			t.Target = copyState(to, svc, newLive)
			prev := copyState(to, svc, oldLive)
			t.From = &prev
		} else {
			t.Target = copyState(to, svc, topology.Other(newLive))
		}
		out = append(out, t)
	}
	return out
}

// dnsWeights reads, per service and color, the weight of the DNS stack's
// weighted record for the service's hostname (from the stack's hostnames
// output).
func dnsWeights(env render.Env) map[string]map[string]int {
	dns, ok := stackByName(env, topology.DNSStackName(env.Env))
	if !ok {
		return nil
	}
	hostnames, _ := normalize(dns.Outputs["hostnames"]).(map[string]any)
	serviceOf := map[string]string{}
	for svc, h := range hostnames {
		if name, ok := h.(string); ok {
			serviceOf[name] = svc
		}
	}
	out := map[string]map[string]int{}
	for _, r := range dns.Resources {
		if r.Type != recordType {
			continue
		}
		in, _ := normalize(r.Inputs).(map[string]any)
		res := render.Resource{Inputs: in}
		name, _ := res.Input("name")
		color, _ := res.Input("setIdentifier")
		weight, ok := res.Input("weightedRoutingPolicies[0].weight")
		svc := serviceOf[fmt.Sprint(name)]
		w, isNumber := weight.(float64)
		c, isColor := color.(string)
		if !ok || svc == "" || !isNumber || !isColor {
			continue
		}
		if out[svc] == nil {
			out[svc] = map[string]int{}
		}
		out[svc][c] = int(w)
	}
	return out
}

const recordType = "aws:route53/record:Record"

// copyState reads a copy's exports from the render: the release, capacity
// and instance type it was configured with.
func copyState(env render.Env, service, color string) CopyState {
	cs := CopyState{Color: color, Stack: topology.CopyStackName(env.Env, service, color)}
	st, ok := stackByName(env, cs.Stack)
	if !ok || st.Outputs == nil {
		return cs
	}
	out, _ := normalize(st.Outputs).(map[string]any)
	cs.Rendered = true
	cs.Release, _ = out["release"].(string)
	cs.InstanceType, _ = out["instanceType"].(string)
	if c, ok := out["capacity"].(map[string]any); ok {
		num := func(k string) int { f, _ := c[k].(float64); return int(f) }
		cs.Capacity = &Capacity{Min: num("min"), Desired: num("desired"), Max: num("max")}
	}
	return cs
}

func stackByName(env render.Env, name string) (render.Stack, bool) {
	for _, s := range env.Stacks {
		if s.Name == name {
			return s, true
		}
	}
	return render.Stack{}, false
}

// Headline is the traffic change in one line, such as "web: blue → green"
// or "web: canary on green 0% → 10%".
func (t TrafficChange) Headline() string {
	if t.Swap() {
		line := fmt.Sprintf("%s: %s → %s", t.Service, t.OldLive, t.NewLive)
		if w := t.NewWeights[t.OldLive]; w > 0 {
			line += fmt.Sprintf(" (%s keeps %d%% as a canary)", t.OldLive, w)
		}
		return line
	}
	canary := topology.Other(t.NewLive)
	return fmt.Sprintf("%s: canary on %s %d%% → %d%% (%s stays live)", t.Service, canary, t.OldWeights[canary], t.NewWeights[canary], t.NewLive)
}

// describe says what a copy will serve with, such as
// "release 2026.11.27-1, capacity 3 (min 3, max 12), c6i.large".
func (c CopyState) describe() string {
	if !c.Rendered {
		return "not in this render"
	}
	var parts []string
	if c.Release != "" {
		parts = append(parts, "release "+c.Release)
	}
	if c.Capacity != nil {
		parts = append(parts, fmt.Sprintf("capacity %d (min %d, max %d)", c.Capacity.Desired, c.Capacity.Min, c.Capacity.Max))
	}
	if c.InstanceType != "" {
		parts = append(parts, c.InstanceType)
	}
	return strings.Join(parts, ", ")
}
