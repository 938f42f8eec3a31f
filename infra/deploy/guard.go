package deploy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/video-platform/video-platform/internal/topology"
)

// trafficState is what an env's DNS stack says about traffic: the weights
// its deployed records serve, and what its config asks for.
type trafficState struct {
	// deployed is false before the DNS stack's first update.
	deployed bool
	// weights are the deployed records' weights, per service and color.
	weights map[string]map[string]int
	// live and canary are the DNS stack's config.
	live   map[string]string
	canary map[string]int
}

// capacity is a copy's configured size.
type capacity struct {
	Min     int `json:"min"`
	Max     int `json:"max"`
	Desired int `json:"desired"`
}

// readTraffic reads the DNS stack's deployed records and its config.
func (a *Workflow) readTraffic(ctx context.Context, env string) (trafficState, error) {
	st := trafficState{weights: map[string]map[string]int{}, live: map[string]string{}, canary: map[string]int{}}
	dnsName := topology.DNSStackName(env)
	dns, err := a.stack(ctx, dnsName)
	if errors.Is(err, ErrNoStack) {
		return st, nil
	}
	if err != nil {
		return st, err
	}
	res, err := dns.Resources(ctx)
	if err != nil {
		return st, fmt.Errorf("read the deployed records of %s: %w", dnsName, err)
	}
	for _, svc := range topology.ServiceNames() {
		if w := recordWeights(res, svc); len(w) > 0 {
			st.weights[svc] = w
			st.deployed = true
		}
	}
	for key, out := range map[string]any{"live": &st.live, "canary": &st.canary} {
		raw, found, err := dns.GetConfig(ctx, key)
		if err != nil {
			return st, fmt.Errorf("read %s config %s: %w", dnsName, key, err)
		}
		if found {
			if err := json.Unmarshal([]byte(raw), out); err != nil {
				return st, fmt.Errorf("%s config %s:%s = %s is not an object of services", dnsName, ConfigNamespace, key, raw)
			}
		}
	}
	return st, nil
}

// readCapacities reads the configured capacity of every copy in nodes.
func (a *Workflow) readCapacities(ctx context.Context, nodes []node) (map[string]capacity, error) {
	out := map[string]capacity{}
	for _, n := range nodes {
		if n.id.Kind != topology.KindCopy {
			continue
		}
		s, err := a.stack(ctx, n.id.Name)
		if errors.Is(err, ErrNoStack) {
			continue
		}
		if err != nil {
			return nil, err
		}
		raw, found, err := s.GetConfig(ctx, "copy.capacity")
		if err != nil {
			return nil, fmt.Errorf("read %s config copy.capacity: %w", n.id.Name, err)
		}
		if !found {
			continue // the stack's own validation names the missing key
		}
		var c capacity
		if err := json.Unmarshal([]byte(raw), &c); err != nil {
			return nil, fmt.Errorf("%s config %s:copy.capacity = %s is not {min, max, desired}", n.id.Name, ConfigNamespace, raw)
		}
		out[n.id.Name] = c
	}
	return out, nil
}

// judgeUp refuses, before anything runs, an up or preview that would take
// traffic somewhere unsafe: a copy that serves traffic (live, or a canary
// share) scaled below one instance, or a DNS stack whose live color or
// canary differs from what its records serve, which only `infra swap` and
// `infra rollback` may change, with their preflight and recovery.
func judgeUp(env string, nodes []node, st trafficState, capacities map[string]capacity) map[string]error {
	refused := map[string]error{}
	if !st.deployed {
		return refused
	}
	for _, n := range nodes {
		switch n.id.Kind {
		case topology.KindCopy:
			c, ok := capacities[n.id.Name]
			w := st.weights[n.id.Service][n.id.Color]
			if !ok || w == 0 {
				continue
			}
			for _, k := range []struct {
				key string
				v   int
			}{{"min", c.Min}, {"desired", c.Desired}, {"max", c.Max}} {
				if k.v < 1 {
					refused[n.id.Name] = fmt.Errorf("traffic guard: %s config %s:copy.capacity.%s = %d would leave the copy that serves %d%% of %s without instances; move its traffic first with `infra swap %s %s`, then run `infra up %s --stack %s`, or restore copy.capacity",
						n.id.Name, ConfigNamespace, k.key, k.v, w, n.id.Service, env, n.id.Service, env, n.id.Name)
					break
				}
			}
		case topology.KindDNS:
			for _, svc := range slices.Sorted(maps.Keys(st.live)) {
				have, ok := st.weights[svc]
				if !ok {
					continue
				}
				want := expectedWeights(st.live[svc], st.canary[svc])
				if SameWeights(want, have) {
					continue
				}
				cmd := fmt.Sprintf("infra swap %s %s --to %s", env, svc, st.live[svc])
				key, value := "live."+svc, st.live[svc]
				if have[st.live[svc]] > 0 && have[st.live[svc]] >= have[topology.Other(st.live[svc])] {
					cmd = fmt.Sprintf("infra swap %s %s --canary %d", env, svc, st.canary[svc])
					key, value = "canary."+svc, fmt.Sprint(st.canary[svc])
				}
				refused[n.id.Name] = fmt.Errorf("traffic guard: %s config %s:%s = %s differs from what its records serve (%s); traffic moves only through `%s`, which checks the target first",
					n.id.Name, ConfigNamespace, key, value, LiveStatement(svc, have), cmd)
				break
			}
		}
	}
	return refused
}

// upGuard observes the env and applies judgeUp.
func (a *Workflow) upGuard(ctx context.Context, env string, nodes []node) (map[string]error, error) {
	st, err := a.readTraffic(ctx, env)
	if err != nil {
		return nil, fmt.Errorf("traffic guard: %w", err)
	}
	capacities, err := a.readCapacities(ctx, nodes)
	if err != nil {
		return nil, fmt.Errorf("traffic guard: %w", err)
	}
	return judgeUp(env, nodes, st, capacities), nil
}
