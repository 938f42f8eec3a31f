package decide

import "github.com/video-platform/video-platform/internal/topology"

// Node is a stack in the run graph of a preview, up or destroy: After
// orders it, and a failure of one of its Needs skips it.
type Node struct {
	ID    topology.Identity
	After []string
	Needs []string
}

// Order builds the run graph for the selected stacks (all of the env's
// when none is). Forward (preview, up): base, then copies and transcoders
// in parallel, then DNS, which needs the base and the copies (it reads
// their outputs) but only waits for the transcoders. Reverse (destroy):
// DNS first, base last.
func Order(topo *topology.Topology, env string, selected map[string]bool, reverse bool) []Node {
	var ids []topology.Identity
	for _, id := range topo.EnvStacks(env) {
		if len(selected) == 0 || selected[id.Name] {
			ids = append(ids, id)
		}
	}
	names := func(kinds ...topology.Kind) []string {
		var res []string
		for _, id := range ids {
			for _, k := range kinds {
				if id.Kind == k {
					res = append(res, id.Name)
				}
			}
		}
		return res
	}
	var nodes []Node
	for _, id := range ids {
		n := Node{ID: id}
		if !reverse {
			switch id.Kind {
			case topology.KindCopy, topology.KindTranscoders:
				n.Needs = names(topology.KindBase)
			case topology.KindDNS:
				n.Needs = names(topology.KindBase, topology.KindCopy)
				n.After = names(topology.KindTranscoders)
			}
		} else {
			switch id.Kind {
			case topology.KindCopy:
				n.Needs = names(topology.KindDNS)
			case topology.KindBase:
				n.Needs = names(topology.KindDNS, topology.KindCopy, topology.KindTranscoders)
			}
		}
		n.After = append(n.After, n.Needs...)
		nodes = append(nodes, n)
	}
	return nodes
}

// Upstreams names the stacks whose outputs a stack reads and cannot run
// without. The DNS stack also reads the copies, but an absent idle copy is
// one it renders without.
func Upstreams(id topology.Identity) []string {
	switch id.Kind {
	case topology.KindCopy, topology.KindTranscoders, topology.KindDNS:
		return []string{topology.BaseStackName(id.Env)}
	}
	return nil
}
