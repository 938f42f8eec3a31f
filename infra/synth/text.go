package synth

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/video-platform/video-platform/internal/render"
)

// keyProperties are the inputs worth showing in the tree, per type.
var keyProperties = map[string][]string{
	"aws:autoscaling/group:Group":                 {"minSize", "maxSize", "desiredCapacity", "healthCheckType", "vpcZoneIdentifiers", "capacityRebalance"},
	"aws:autoscaling/policy:Policy":               {"policyType", "targetTrackingConfiguration.targetValue"},
	"aws:autoscaling/schedule:Schedule":           {"recurrence", "timeZone", "minSize", "maxSize", "desiredCapacity"},
	"aws:ec2/launchTemplate:LaunchTemplate":       {"instanceType", "metadataOptions.httpTokens", "imageId"},
	"aws:ec2/subnet:Subnet":                       {"cidrBlock", "availabilityZone"},
	"aws:ec2/vpc:Vpc":                             {"cidrBlock"},
	"aws:ec2/securityGroup:SecurityGroup":         {"ingress"},
	"aws:lb/loadBalancer:LoadBalancer":            {"loadBalancerType", "idleTimeout", "enableDeletionProtection"},
	"aws:lb/listener:Listener":                    {"port", "protocol", "sslPolicy"},
	"aws:lb/targetGroup:TargetGroup":              {"port", "deregistrationDelay", "stickiness.enabled"},
	"aws:route53/record:Record":                   {"name", "type", "setIdentifier", "weightedRoutingPolicies", "ttl"},
	"aws:sqs/queue:Queue":                         {"visibilityTimeoutSeconds", "sqsManagedSseEnabled"},
	"aws:ecr/repository:Repository":               {"name", "imageTagMutability"},
	"aws:cloudwatch/metricAlarm:MetricAlarm":      {"namespace", "metricName", "threshold", "period"},
	"aws:sns/topicSubscription:TopicSubscription": {"protocol", "endpoint"},
	"aws:acm/certificate:Certificate":             {"domainName", "subjectAlternativeNames", "validationMethod"},
}

// WriteText prints an env for people: a tree per stack, a summary table,
// live colors, violations grouped by policy, the cost estimate and the
// fixtures that stood in for the cloud.
func WriteText(w io.Writer, env render.Env) error {
	p := &printer{w: w}
	p.printf("Offline render of %s (no cloud was called; <computed:...> values are known only after deploy)\n", env.Env)
	for _, s := range env.Stacks {
		p.printf("\n== %s\n", s.Name)
		writeTree(p, s)
	}
	p.printf("\n== Summary (estimated monthly cost)\n")
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "STACK\tRESOURCES\tREFERENCES\tMANDATORY\tADVISORY\tEST. USD/MONTH")
	for _, s := range env.Stacks {
		mandatory, advisory := 0, 0
		for _, v := range s.Violations {
			if v.Level == "mandatory" {
				mandatory++
			} else {
				advisory++
			}
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%d\t%d\t%.2f\n", s.Name, len(s.Resources), orDash(strings.Join(s.References, ",")),
			mandatory, advisory, env.Cost.Stacks[s.Name].Monthly)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(env.LiveColors) > 0 {
		p.printf("\n== Live colors\n")
		for _, svc := range slices.Sorted(maps.Keys(env.LiveColors)) {
			p.printf("  %s: %s\n", svc, env.LiveColors[svc])
		}
	}
	writeViolations(p, env)
	p.printf("\n== Cost estimate: $%.2f/month (%s)\n", env.Cost.Monthly, env.Cost.Currency)
	if env.Cost.Source != "" {
		p.printf("  %s\n", env.Cost.Source)
	}
	writeUnknownPrices(p, env.Cost.Unknown)
	for _, name := range slices.Sorted(maps.Keys(env.Cost.Stacks)) {
		for _, item := range env.Cost.Stacks[name].Items {
			if strings.Contains(item.Basis, "idle copy") || strings.Contains(item.Basis, "spot saves") {
				p.printf("  %s: %s\n", name, item.Basis)
			}
		}
	}
	for _, name := range slices.Sorted(maps.Keys(env.Cost.KeptDaily)) {
		p.printf("  %s: not live; keeping it costs $%.2f a day until it is retired\n", name, env.Cost.KeptDaily[name])
	}
	if len(env.Fixtures) > 0 {
		p.printf("\n== Offline fixtures (not real values)\n")
		for _, f := range env.Fixtures {
			p.printf("  %s\n", f)
		}
	}
	return p.err
}

func writeTree(p *printer, s render.Stack) {
	children := map[string][]render.Resource{}
	for _, r := range s.Resources {
		children[r.Parent] = append(children[r.Parent], r)
	}
	var walk func(parent string, depth int)
	walk = func(parent string, depth int) {
		for _, r := range children[parent] {
			p.printf("%s%s %s%s\n", strings.Repeat("  ", depth+1), r.Type, r.Name, summarize(r))
			walk(r.URN, depth+1)
		}
	}
	walk("", 0)
	if len(s.Outputs) > 0 {
		p.printf("  outputs: %s\n", strings.Join(slices.Sorted(maps.Keys(s.Outputs)), ", "))
	}
}

func summarize(r render.Resource) string {
	var parts []string
	for _, path := range keyProperties[r.Type] {
		if v, ok := lookup(r.Inputs, path); ok {
			parts = append(parts, path+"="+compact(v))
		}
	}
	if hooks := lifecycleHooks(r); hooks != "" {
		parts = append(parts, "lifecycleHooks="+hooks)
	}
	if len(parts) == 0 {
		return ""
	}
	return "  [" + strings.Join(parts, " ") + "]"
}

// lifecycleHooks shows a group's hooks as transition:heartbeat, because
// whether a group waits for readiness and drains its work is what a
// reviewer of a transcoder or recorder change most needs to see.
func lifecycleHooks(r render.Resource) string {
	if r.Type != "aws:autoscaling/group:Group" {
		return ""
	}
	hooks, _ := r.Inputs["initialLifecycleHooks"].([]any)
	var out []string
	for _, h := range hooks {
		m, _ := h.(map[string]any)
		transition, _ := m["lifecycleTransition"].(string)
		short := strings.ToLower(strings.TrimPrefix(transition, "autoscaling:EC2_INSTANCE_"))
		out = append(out, fmt.Sprintf("%s:%ss", short, compact(m["heartbeatTimeout"])))
	}
	return strings.Join(out, ",")
}

func lookup(m map[string]any, path string) (any, bool) {
	var cur any = m
	for _, part := range strings.Split(path, ".") {
		obj, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = obj[part]; !ok {
			return nil, false
		}
	}
	return cur, true
}

func compact(v any) string {
	switch t := v.(type) {
	case []any:
		if len(t) > 3 {
			return fmt.Sprintf("[%d items]", len(t))
		}
		parts := make([]string, len(t))
		for i, x := range t {
			parts[i] = compact(x)
		}
		return "[" + strings.Join(parts, ",") + "]"
	case map[string]any:
		keys := slices.Sorted(maps.Keys(t))
		parts := make([]string, 0, len(keys))
		for _, k := range keys {
			parts = append(parts, k+":"+compact(t[k]))
		}
		return "{" + strings.Join(parts, ",") + "}"
	case float64:
		return fmt.Sprintf("%g", t)
	default:
		return fmt.Sprint(t)
	}
}

// writeUnknownPrices collapses the resources without a price into one line
// per reason: "no price in the table for type X" for every log group of an
// env is one fact, not a dozen.
func writeUnknownPrices(p *printer, unknown []string) {
	byReason := map[string][]string{}
	for _, u := range unknown {
		// "<stack>: <logical name>: <reason>"
		parts := strings.SplitN(u, ": ", 3)
		if len(parts) != 3 {
			byReason[u] = nil
			continue
		}
		byReason[parts[2]] = append(byReason[parts[2]], parts[1])
	}
	for _, reason := range slices.Sorted(maps.Keys(byReason)) {
		names := byReason[reason]
		if len(names) == 0 {
			p.printf("  unknown price: %s\n", reason)
			continue
		}
		p.printf("  unknown price, %s: %d resource(s): %s\n", strings.TrimPrefix(reason, "unknown: "), len(names), strings.Join(names, ", "))
	}
}

func writeViolations(p *printer, env render.Env) {
	byPolicy := map[string][]string{}
	levels := map[string]string{}
	for _, s := range env.Stacks {
		for _, v := range s.Violations {
			byPolicy[v.Policy] = append(byPolicy[v.Policy], fmt.Sprintf("%s: %s", s.Name, v.Message))
			levels[v.Policy] = v.Level
		}
	}
	total := 0
	for _, m := range byPolicy {
		total += len(m)
	}
	p.printf("\n== Policy violations: %d (%d rules checked)\n", total, env.RulesChecked)
	policies := slices.Sorted(maps.Keys(byPolicy))
	sort.SliceStable(policies, func(i, j int) bool { return levels[policies[i]] == "mandatory" && levels[policies[j]] != "mandatory" })
	for _, name := range policies {
		p.printf("  %s (%s)\n", name, levels[name])
		for _, m := range byPolicy[name] {
			p.printf("    - %s\n", m)
		}
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// printer keeps the first write error so the caller checks it once.
type printer struct {
	w   io.Writer
	err error
}

func (p *printer) printf(format string, args ...any) {
	if p.err == nil {
		_, p.err = fmt.Fprintf(p.w, format, args...)
	}
}
