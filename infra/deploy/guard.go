package deploy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/video-platform/video-platform/infra/decide"
	"github.com/video-platform/video-platform/internal/topology"
)

// readTraffic reads the DNS stack's deployed records and its config.
func (a *Workflow) readTraffic(ctx context.Context, env string) (decide.TrafficState, error) {
	st := decide.TrafficState{Weights: map[string]map[string]int{}, Live: map[string]string{}, Canary: map[string]int{}}
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
		if w := decide.RecordWeights(res, svc); len(w) > 0 {
			st.Weights[svc] = w
			st.Deployed = true
		}
	}
	for key, out := range map[string]any{"live": &st.Live, "canary": &st.Canary} {
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
func (a *Workflow) readCapacities(ctx context.Context, nodes []decide.Node) (map[string]decide.Capacity, error) {
	out := map[string]decide.Capacity{}
	for _, n := range nodes {
		if n.ID.Kind != topology.KindCopy {
			continue
		}
		s, err := a.stack(ctx, n.ID.Name)
		if errors.Is(err, ErrNoStack) {
			continue
		}
		if err != nil {
			return nil, err
		}
		raw, found, err := s.GetConfig(ctx, "copy.capacity")
		if err != nil {
			return nil, fmt.Errorf("read %s config copy.capacity: %w", n.ID.Name, err)
		}
		if !found {
			continue // the stack's own validation names the missing key
		}
		var c decide.Capacity
		if err := json.Unmarshal([]byte(raw), &c); err != nil {
			return nil, fmt.Errorf("%s config %s:copy.capacity = %s is not {min, max, desired}", n.ID.Name, ConfigNamespace, raw)
		}
		out[n.ID.Name] = c
	}
	return out, nil
}

// upGuard observes the env and applies judgeUp.
func (a *Workflow) upGuard(ctx context.Context, env string, nodes []decide.Node) (map[string]error, error) {
	st, err := a.readTraffic(ctx, env)
	if err != nil {
		return nil, fmt.Errorf("traffic guard: %w", err)
	}
	capacities, err := a.readCapacities(ctx, nodes)
	if err != nil {
		return nil, fmt.Errorf("traffic guard: %w", err)
	}
	return decide.JudgeUp(env, nodes, st, capacities), nil
}
