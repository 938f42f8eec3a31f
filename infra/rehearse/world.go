package rehearse

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/video-platform/video-platform/infra/decide"
	"github.com/video-platform/video-platform/internal/stackconfig"
	"github.com/video-platform/video-platform/internal/standin"
	"github.com/video-platform/video-platform/internal/topology"
)

// Types the invariants read from the stand-in's state.
const (
	recordType = "aws:route53/record:Record"
	lbType     = "aws:lb/loadBalancer:LoadBalancer"
	tgType     = "aws:lb/targetGroup:TargetGroup"
	groupType  = "aws:autoscaling/group:Group"
)

// world is what the stand-in AWS holds at one moment: the invariants are
// judged from it, never from what `infra` says.
type world struct {
	resources []standin.Resource
	faults    []standin.Fault
}

func loadWorld(store *standin.Store) (world, error) {
	res, err := store.List()
	if err != nil {
		return world{}, fmt.Errorf("read the stand-in's resources: %w", err)
	}
	faults, err := store.Faults()
	if err != nil {
		return world{}, fmt.Errorf("read the stand-in's faults: %w", err)
	}
	return world{resources: res, faults: faults}, nil
}

func (w world) ofType(typ string) []standin.Resource {
	var out []standin.Resource
	for _, r := range w.resources {
		if r.Type == typ {
			out = append(out, r)
		}
	}
	return out
}

// weighted is one weighted record of a service hostname.
type weighted struct {
	service, color, host, alias string
	weight                      int
}

// weightedRecords returns the DNS stack's weighted records, keyed by
// service. The record's logical name is <service>-<color>-<a|aaaa>.
func (w world) weightedRecords() map[string][]weighted {
	out := map[string][]weighted{}
	for _, r := range w.ofType(recordType) {
		policies, _ := r.Outputs["weightedRoutingPolicies"].([]any)
		if len(policies) == 0 {
			continue
		}
		p, _ := policies[0].(map[string]any)
		weight, _ := p["weight"].(float64)
		color := r.Str("setIdentifier")
		svc := r.Name
		if i := strings.LastIndex(svc, "-"+color+"-"); i > 0 {
			svc = svc[:i]
		}
		rec := weighted{service: svc, color: color, host: r.Str("name"), weight: int(weight)}
		if aliases, _ := r.Outputs["aliases"].([]any); len(aliases) > 0 {
			a, _ := aliases[0].(map[string]any)
			rec.alias, _ = a["name"].(string)
		}
		out[svc] = append(out[svc], rec)
	}
	for _, recs := range out {
		slices.SortFunc(recs, func(a, b weighted) int { return strings.Compare(a.color, b.color) })
	}
	return out
}

// weights is a service's weight per color.
func (w world) weights(svc string) map[string]int {
	out := map[string]int{}
	for _, rec := range w.weightedRecords()[svc] {
		out[rec.color] = rec.weight
	}
	return out
}

// groupsTagged lists the Auto Scaling groups carrying every tag given.
func (w world) groupsTagged(tags map[string]string) []standin.Resource {
	var out []standin.Resource
	for _, g := range w.ofType(groupType) {
		gt := g.Tags()
		match := true
		for k, v := range tags {
			if gt[k] != v {
				match = false
			}
		}
		if match {
			out = append(out, g)
		}
	}
	return out
}

// groupReady says whether a group serves: instances wanted, all of them in
// service and none failing health checks.
func (w world) groupReady(g standin.Resource) (bool, string) {
	n := g.DesiredCapacity()
	if n <= 0 {
		return false, fmt.Sprintf("group %s has desired capacity %d", g.Str("name"), n)
	}
	tgTags := []map[string]string{g.Tags()}
	arns := g.Strings("targetGroupArns")
	for _, tg := range w.ofType(tgType) {
		if slices.Contains(arns, tg.Str("arn")) {
			tgTags = append(tgTags, tg.Tags())
		}
	}
	for _, f := range w.faults {
		switch f.Kind {
		case standin.FaultShortOfCapacity:
			if f.MatchesTags(g.Tags()) {
				return false, fmt.Sprintf("group %s is short of capacity (%s)", g.Str("name"), f)
			}
		case standin.FaultTargetsUnhealthy:
			for _, t := range tgTags {
				if f.MatchesTags(t) {
					return false, fmt.Sprintf("group %s's targets are unhealthy (%s)", g.Str("name"), f)
				}
			}
		}
	}
	return true, ""
}

// copyServing says whether the copy behind a load balancer DNS name
// exists, has capacity and is healthy.
func (w world) copyServing(env, dnsName string) (string, bool, string) {
	for _, lb := range w.ofType(lbType) {
		if lb.Str("dnsName") != dnsName {
			continue
		}
		t := lb.Tags()
		name := topology.CopyStackName(env, t["service"], t["color"])
		groups := w.groupsTagged(map[string]string{"env": env, "service": t["service"], "color": t["color"]})
		if len(groups) == 0 {
			return name, false, name + " has no Auto Scaling group"
		}
		for _, g := range groups {
			if ok, _ := w.groupReady(g); ok {
				return name, true, ""
			}
		}
		_, why := w.groupReady(groups[0])
		return name, false, why
	}
	return "", false, "no load balancer has DNS name " + dnsName
}

// Invariant is one check of a scenario, judged from the stand-in's state.
type Invariant struct {
	// Name says what is checked, e.g. "dns-weights".
	Name string `json:"name"`
	// OK is true when it held.
	OK bool `json:"ok"`
	// Detail says what was seen.
	Detail string `json:"detail"`
}

// dnsWeights is invariant (a): every hostname has a weighted record with
// weight > 0, and every such record points at a copy that exists, has
// capacity and is healthy.
func (w world) dnsWeights(env string) Invariant {
	inv := Invariant{Name: "dns-weights", OK: true}
	records := w.weightedRecords()
	var seen []string
	for _, svc := range slices.Sorted(maps.Keys(records)) {
		positive := 0
		var parts []string
		for _, rec := range records[svc] {
			parts = append(parts, fmt.Sprintf("%s=%d", rec.color, rec.weight))
			if rec.weight <= 0 {
				continue
			}
			positive++
			name, ok, why := w.copyServing(env, rec.alias)
			if !ok {
				inv.OK = false
				inv.Detail += fmt.Sprintf("%s weight %d on %s points at %s, which does not serve: %s; ", svc, rec.weight, rec.color, name, why)
			}
		}
		if positive == 0 {
			inv.OK = false
			inv.Detail += fmt.Sprintf("%s has no weighted record above 0 (%s): Route53 splits traffic evenly across all-zero weights; ", svc, strings.Join(parts, " "))
		}
		seen = append(seen, svc+" "+strings.Join(parts, " "))
	}
	if len(records) == 0 {
		inv.OK = false
		inv.Detail = "no weighted records deployed"
	}
	if inv.OK {
		inv.Detail = strings.Join(seen, "; ")
	}
	inv.Detail = strings.TrimSuffix(inv.Detail, "; ")
	return inv
}

// dnsConfig is the DNS stack's traffic config in the workspace.
type dnsConfig struct {
	live   map[string]string
	canary map[string]int
}

// expected is the weight per color this config asks for.
func (c dnsConfig) expected(svc string) map[string]int {
	live := c.live[svc]
	return map[string]int{live: 100 - c.canary[svc], topology.Other(live): c.canary[svc]}
}

// stackConfig reads one stack's config file in the workspace, as the next
// `pulumi up` would see it.
func stackConfig(work, stack string) (map[string]any, error) {
	raw, err := os.ReadFile(filepath.Join(work, "Pulumi."+stack+".yaml")) //nolint:gosec // the rehearsal's own workspace
	if err != nil {
		return nil, err
	}
	var doc struct {
		Config map[string]any `yaml:"config"`
	}
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("stack file of %s: %w", stack, err)
	}
	return doc.Config, nil
}

func readDNSConfig(work, env string) (dnsConfig, error) {
	cfg, err := stackConfig(work, topology.DNSStackName(env))
	if err != nil {
		return dnsConfig{}, err
	}
	c := dnsConfig{live: map[string]string{}, canary: map[string]int{}}
	live, _ := cfg["video-platform:live"].(map[string]any)
	for k, v := range live {
		c.live[k], _ = v.(string)
	}
	canary, _ := cfg["video-platform:canary"].(map[string]any)
	for k, v := range canary {
		switch n := v.(type) {
		case int:
			c.canary[k] = n
		case string:
			var pct int
			_, _ = fmt.Sscan(n, &pct)
			c.canary[k] = pct
		}
	}
	return c, nil
}

// copyCapacity reads a copy's configured desired capacity.
func copyCapacity(work, stack string) (int, bool) {
	cfg, err := stackConfig(work, stack)
	if err != nil {
		return 0, false
	}
	cp, _ := cfg["video-platform:copy"].(map[string]any)
	capacity, _ := cp["capacity"].(map[string]any)
	switch n := capacity["desired"].(type) {
	case int:
		return n, true
	case string:
		var d int
		_, err := fmt.Sscan(n, &d)
		return d, err == nil
	}
	return 0, false
}

// configState is invariant (b): the workspace config and the deployed
// state agree, or the tool printed the exact command that reconciles them.
func (w world) configState(work, env, output string) Invariant {
	inv := Invariant{Name: "config-state", OK: true}
	cfg, err := readDNSConfig(work, env)
	if err != nil {
		return Invariant{Name: inv.Name, Detail: err.Error()}
	}
	var notes []string
	dnsStack := topology.DNSStackName(env)
	for _, svc := range slices.Sorted(maps.Keys(cfg.live)) {
		want, have := cfg.expected(svc), w.weights(svc)
		if len(have) == 0 || decide.SameWeights(want, have) {
			continue
		}
		// Either deploying the config or swapping to it reconciles them.
		cmd := fmt.Sprintf("infra up %s --stack %s", env, dnsStack)
		swap := fmt.Sprintf("infra swap %s %s", env, svc)
		msg := fmt.Sprintf("%s config says live.%s=%s (weights %v) but the records have %v", dnsStack, svc, cfg.live[svc], want, have)
		if strings.Contains(output, cmd) || strings.Contains(output, swap) {
			notes = append(notes, msg+"; the tool printed the command that reconciles them")
			continue
		}
		inv.OK = false
		notes = append(notes, msg+" and the tool printed no `"+cmd+"`")
	}
	topo, err := stackconfig.LoadTopology(work)
	if err != nil {
		return Invariant{Name: inv.Name, Detail: err.Error()}
	}
	for _, id := range topo.EnvStacks(env) {
		if id.Kind != topology.KindCopy {
			continue
		}
		want, ok := copyCapacity(work, id.Name)
		groups := w.groupsTagged(map[string]string{"env": env, "service": id.Service, "color": id.Color})
		if !ok || len(groups) != 1 {
			continue // not deployed, or destroyed: nothing to disagree with
		}
		if have := groups[0].DesiredCapacity(); have != want {
			cmd := fmt.Sprintf("infra up %s --stack %s", env, id.Name)
			msg := fmt.Sprintf("%s config says desired %d but its group has %d", id.Name, want, have)
			if strings.Contains(output, cmd) {
				notes = append(notes, msg+"; the tool printed `"+cmd+"`")
				continue
			}
			inv.OK = false
			notes = append(notes, msg+" and the tool printed no `"+cmd+"`")
		}
	}
	inv.Detail = strings.Join(notes, "; ")
	if inv.Detail == "" {
		inv.Detail = "config and deployed state agree"
	}
	return inv
}

// truthfulMessage is invariant (c): what the tool last said is live is
// what the records send traffic to. A command that moved a service's
// records must say what is live for it, and so must a successful command
// about the live color of svc (a swap or rollback; "" for other commands).
func (w world) truthfulMessage(before world, output string, exitCode int, svc string) Invariant {
	inv := Invariant{Name: "truthful-message", OK: true}
	claims := decide.ParseLiveStatements(output)
	var notes []string
	for _, name := range slices.Sorted(maps.Keys(w.weightedRecords())) {
		have := w.weights(name)
		claimed, ok := claims[name]
		// Records created from nothing moved nobody.
		moved := len(before.weights(name)) > 0 && !decide.SameWeights(before.weights(name), have)
		if !ok {
			if moved || (name == svc && exitCode == 0) {
				inv.OK = false
				notes = append(notes, fmt.Sprintf("the records of %s are %v but the tool did not say what is live", name, have))
			}
			continue
		}
		if decide.SameWeights(claimed, have) {
			notes = append(notes, fmt.Sprintf("said %s is %v, and the records agree", name, claimed))
			continue
		}
		inv.OK = false
		notes = append(notes, fmt.Sprintf("said %s is %v, but the records have %v", name, claimed, have))
	}
	inv.Detail = strings.Join(notes, "; ")
	if inv.Detail == "" {
		inv.Detail = "no claim about the live color, and none owed"
	}
	return inv
}

// noPanic is invariant (d).
func noPanic(output string) Invariant {
	for _, sign := range []string{"panic:", "internal error", "goroutine "} {
		if strings.Contains(output, sign) {
			i := strings.Index(output, sign)
			return Invariant{Name: "no-panic", Detail: "the tool crashed: " + firstLine(output[i:])}
		}
	}
	return Invariant{Name: "no-panic", OK: true, Detail: "no panic"}
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
