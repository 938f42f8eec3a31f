package decide

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/video-platform/video-platform/infra/observed"
	"github.com/video-platform/video-platform/internal/topology"
)

// RecordWeights reads a service's weighted records from the DNS stack's
// deployed state: the weight per color (the set identifier) of the
// records named <service>-<color>-a, which is what Route53 serves.
func RecordWeights(resources []observed.Deployed, svc string) map[string]int {
	weights := map[string]int{}
	for _, r := range resources {
		if r.Type != RecordType {
			continue
		}
		color, _ := r.Outputs["setIdentifier"].(string)
		if color == "" || r.Name() != svc+"-"+color+"-a" {
			continue
		}
		policies, _ := r.Outputs["weightedRoutingPolicies"].([]any)
		if len(policies) == 0 {
			continue
		}
		p, _ := policies[0].(map[string]any)
		if w, ok := observed.Int(p["weight"]); ok {
			weights[color] = w
		}
	}
	return weights
}

// LiveStatement is the last line of every command that moves traffic: the
// weight each color of a service has in the deployed records, e.g.
// "now live: web blue=0 green=100". It is read back by the rehearsal
// (ParseLiveStatements), so its shape is a contract.
func LiveStatement(svc string, weights map[string]int) string {
	var parts []string
	for _, color := range slices.Sorted(maps.Keys(weights)) {
		parts = append(parts, fmt.Sprintf("%s=%d", color, weights[color]))
	}
	return fmt.Sprintf("now live: %s %s", svc, strings.Join(parts, " "))
}

var liveStatement = regexp.MustCompile(`(?m)^now live: (\S+)((?: \w+=\d+)+)\s*$`)

// ParseLiveStatements returns, per service, the weights the last
// LiveStatement in output gave.
func ParseLiveStatements(output string) map[string]map[string]int {
	out := map[string]map[string]int{}
	for _, m := range liveStatement.FindAllStringSubmatch(output, -1) {
		weights := map[string]int{}
		for _, part := range strings.Fields(m[2]) {
			color, n, _ := strings.Cut(part, "=")
			weights[color], _ = strconv.Atoi(n)
		}
		out[m[1]] = weights
	}
	return out
}

// SameWeights says whether two weight maps send traffic alike: a color
// without a record (its copy destroyed) takes no traffic, as weight 0.
func SameWeights(a, b map[string]int) bool {
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	for k, v := range b {
		if a[k] != v {
			return false
		}
	}
	return true
}

// ExpectedWeights are the weights a DNS config asks for: the live color
// takes all but the canary share.
func ExpectedWeights(live string, canary int) map[string]int {
	return map[string]int{live: 100 - canary, topology.Other(live): canary}
}

// Serves says whether weights send the service's traffic to color rather
// than to the other color.
func Serves(weights map[string]int, color string) bool {
	return weights[color] > weights[topology.Other(color)]
}
