package decide

import (
	"fmt"
	"maps"
	"slices"

	"github.com/video-platform/video-platform/infra/observed"
	"github.com/video-platform/video-platform/internal/topology"
)

// TrafficState is what an env's DNS stack says about traffic: the weights
// its deployed records serve, and what its config asks for.
type TrafficState struct {
	// Deployed is false before the DNS stack's first update.
	Deployed bool
	// Weights are the deployed records' weights, per service and color.
	Weights map[string]map[string]int
	// Live and Canary are the DNS stack's config.
	Live   map[string]string
	Canary map[string]int
}

// Capacity is a copy's configured size (config copy.capacity).
type Capacity struct {
	Min     int `json:"min"`
	Max     int `json:"max"`
	Desired int `json:"desired"`
}

// JudgeUp refuses, before anything runs, an up or preview that would take
// traffic somewhere unsafe: a copy that serves traffic (live, or a canary
// share) scaled below one instance, or a DNS stack whose live color or
// canary differs from what its records serve, which only `infra swap` and
// `infra rollback` may change, with their preflight and recovery.
// capacities are the configured capacities of the copies in nodes.
func JudgeUp(env string, nodes []Node, st TrafficState, capacities map[string]Capacity) map[string]error {
	refused := map[string]error{}
	if !st.Deployed {
		return refused
	}
	for _, n := range nodes {
		switch n.ID.Kind {
		case topology.KindCopy:
			c, ok := capacities[n.ID.Name]
			w := st.Weights[n.ID.Service][n.ID.Color]
			if !ok || w == 0 {
				continue
			}
			for _, k := range []struct {
				key string
				v   int
			}{{"min", c.Min}, {"desired", c.Desired}, {"max", c.Max}} {
				if k.v < 1 {
					refused[n.ID.Name] = fmt.Errorf("traffic guard: %s config %s:copy.capacity.%s = %d would leave the copy that serves %d%% of %s without instances; move its traffic first with `infra swap %s %s`, then run `infra up %s --stack %s`, or restore copy.capacity",
						n.ID.Name, observed.ConfigNamespace, k.key, k.v, w, n.ID.Service, env, n.ID.Service, env, n.ID.Name)
					break
				}
			}
		case topology.KindDNS:
			for _, svc := range slices.Sorted(maps.Keys(st.Live)) {
				have, ok := st.Weights[svc]
				if !ok {
					continue
				}
				want := ExpectedWeights(st.Live[svc], st.Canary[svc])
				if SameWeights(want, have) {
					continue
				}
				cmd := fmt.Sprintf("infra swap %s %s --to %s", env, svc, st.Live[svc])
				key, value := "live."+svc, st.Live[svc]
				if have[st.Live[svc]] > 0 && have[st.Live[svc]] >= have[topology.Other(st.Live[svc])] {
					cmd = fmt.Sprintf("infra swap %s %s --canary %d", env, svc, st.Canary[svc])
					key, value = "canary."+svc, fmt.Sprint(st.Canary[svc])
				}
				refused[n.ID.Name] = fmt.Errorf("traffic guard: %s config %s:%s = %s differs from what its records serve (%s); traffic moves only through `%s`, which checks the target first",
					n.ID.Name, observed.ConfigNamespace, key, value, LiveStatement(svc, have), cmd)
				break
			}
		}
	}
	return refused
}

// JudgeDestroyCopy refuses to destroy a copy that takes traffic: the live
// copy of its service in the DNS stack's outputs (live), or one the
// deployed records send a share to (st, or trafficErr when they could not
// be read). A destroy of the DNS stack in the same run is judged apart.
func JudgeDestroyCopy(env string, id topology.Identity, live map[string]string, st TrafficState, trafficErr error) error {
	dnsName := topology.DNSStackName(env)
	switch w := st.Weights[id.Service][id.Color]; {
	case trafficErr != nil:
		return fmt.Errorf("traffic guard: cannot read what %s serves (%v); use --force to destroy anyway", dnsName, trafficErr)
	case live[id.Service] == id.Color:
		return fmt.Errorf("traffic guard: %s is the live %s copy in %s; swap first or use --force", id.Name, id.Service, dnsName)
	case w > 0:
		return fmt.Errorf("traffic guard: %s takes %d%% of %s's traffic in %s (%s); end the canary with `infra swap %s %s --canary 0` first or use --force",
			id.Name, w, id.Service, dnsName, LiveStatement(id.Service, st.Weights[id.Service]), env, id.Service)
	}
	return nil
}
