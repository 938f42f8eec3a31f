// Package cost estimates the monthly AWS cost of a rendered environment from
// the price table in prices.go. It reads only the render, never the cloud, so
// that `infra synth` and `infra diff` can show what a change costs before it
// is applied. Every figure is an estimate; anything the table cannot price is
// reported as unknown rather than counted as zero.
package cost

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/video-platform/video-platform/internal/render"
)

// Resource type tokens the estimate understands.
const (
	typeLaunchTemplate = "aws:ec2/launchTemplate:LaunchTemplate"
	typeGroup          = "aws:autoscaling/group:Group"
	typeSchedule       = "aws:autoscaling/schedule:Schedule"
	typeLoadBalancer   = "aws:lb/loadBalancer:LoadBalancer"
	typeNatGateway     = "aws:ec2/natGateway:NatGateway"
	typeEip            = "aws:ec2/eip:Eip"
	typeRecord         = "aws:route53/record:Record"
	typeZone           = "aws:route53/zone:Zone"
	typeQueue          = "aws:sqs/queue:Queue"
	typeMetricAlarm    = "aws:cloudwatch/metricAlarm:MetricAlarm"
)

// freeTypes carry no charge of their own: they configure something that is
// billed elsewhere (launch templates and schedules through their ASG) or are
// free control-plane objects. Any other custom resource that the estimate
// cannot price is listed as unknown, so a new billable type is never silently
// counted as zero.
var freeTypes = map[string]bool{
	typeLaunchTemplate:                                            true,
	typeSchedule:                                                  true,
	"aws:autoscaling/policy:Policy":                               true,
	"aws:autoscaling/lifecycleHook:LifecycleHook":                 true,
	"aws:autoscaling/attachment:Attachment":                       true,
	"aws:autoscaling/notification:Notification":                   true,
	"aws:ec2/vpc:Vpc":                                             true,
	"aws:ec2/subnet:Subnet":                                       true,
	"aws:ec2/routeTable:RouteTable":                               true,
	"aws:ec2/route:Route":                                         true,
	"aws:ec2/routeTableAssociation:RouteTableAssociation":         true,
	"aws:ec2/mainRouteTableAssociation:MainRouteTableAssociation": true,
	"aws:ec2/internetGateway:InternetGateway":                     true,
	"aws:ec2/eipAssociation:EipAssociation":                       true,
	"aws:ec2/securityGroup:SecurityGroup":                         true,
	"aws:ec2/securityGroupRule:SecurityGroupRule":                 true,
	"aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule":   true,
	"aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule":     true,
	"aws:lb/targetGroup:TargetGroup":                              true,
	"aws:sns/topicPolicy:TopicPolicy":                             true,
	"aws:sns/topicSubscription:TopicSubscription":                 true,
	"aws:cloudwatch/eventTarget:EventTarget":                      true,
	"aws:ecr/lifecyclePolicy:LifecyclePolicy":                     true,
	// Rules on the default bus matching AWS service events are free.
	"aws:cloudwatch/eventRule:EventRule":                  true,
	"aws:lb/targetGroupAttachment:TargetGroupAttachment":  true,
	"aws:lb/listener:Listener":                            true,
	"aws:lb/listenerRule:ListenerRule":                    true,
	"aws:lb/listenerCertificate:ListenerCertificate":      true,
	"aws:acm/certificate:Certificate":                     true,
	"aws:acm/certificateValidation:CertificateValidation": true,
	"aws:sqs/queuePolicy:QueuePolicy":                     true,
	"aws:sqs/redrivePolicy:RedrivePolicy":                 true,
	"aws:sqs/redriveAllowPolicy:RedriveAllowPolicy":       true,
	"aws:ssm/parameter:Parameter":                         true,
}

// Estimate prices env, deployed in region, with the table kept in the
// repository.
func Estimate(env render.Env, region string) render.Cost {
	return DefaultTable().Estimate(env, region)
}

// Estimate prices every stack of env: one item per billable resource, sorted
// by URN, a total per stack and for the env, and the list of what could not
// be priced. An env in another region than the table's is still priced
// with the table, and its Source says so: region "" is not known.
func (t Table) Estimate(env render.Env, region string) render.Cost {
	out := render.Cost{
		Currency: "USD",
		Source:   t.Source,
		Stacks:   make(map[string]render.StackCost, len(env.Stacks)),
	}
	if region != "" && region != t.Region {
		out.Source = fmt.Sprintf("Env %s is in %s, which this table does not price: its figures are %s's list prices, and %s's differ. %s",
			env.Env, region, t.Region, region, t.Source)
	}
	for _, s := range env.Stacks {
		items := t.stackItems(s)
		// A stack name appearing twice is a rendering bug, but its
		// resources still cost money, so they are kept rather than lost.
		sc := out.Stacks[s.Name]
		sc.Items = append(sc.Items, items...)
		sort.SliceStable(sc.Items, func(i, j int) bool { return sc.Items[i].URN < sc.Items[j].URN })
		if sc.Items == nil {
			sc.Items = []render.CostItem{}
		}
		sc.Monthly = 0
		for _, it := range sc.Items {
			sc.Monthly += it.Monthly
		}
		sc.Monthly = cents(sc.Monthly)
		out.Stacks[s.Name] = sc
		for _, it := range items {
			if it.Unknown {
				out.Unknown = append(out.Unknown, s.Name+": "+logicalName(it.URN)+": "+it.Basis)
			}
		}
	}
	for _, s := range env.Stacks {
		// A copy stack says which service and color it is in its outputs,
		// so the render alone tells it, whatever the project declares.
		service, _ := s.Outputs["service"].(string)
		color, isCopy := s.Outputs["color"].(string)
		live, known := env.LiveColors[service]
		if !isCopy || !known || color == live {
			continue
		}
		if out.KeptDaily == nil {
			out.KeptDaily = map[string]float64{}
		}
		out.KeptDaily[s.Name] = cents(out.Stacks[s.Name].Monthly * 24 / t.HoursPerMonth)
	}
	for _, sc := range out.Stacks {
		out.Monthly += sc.Monthly
	}
	out.Monthly = cents(out.Monthly)
	sort.Strings(out.Unknown)
	return out
}

// fleet is an ASG's capacity once its schedules are taken into account.
type fleet struct {
	capacity float64
	// basis describes the capacity: "2", or the weekly schedule arithmetic.
	basis string
	// notes explain what was simplified or ignored on the way.
	notes []string
}

func (t Table) stackItems(s render.Stack) []render.CostItem {
	byKey := make(map[string]*render.Resource, len(s.Resources))
	schedules := make(map[string][]render.Resource)
	for i := range s.Resources {
		r := &s.Resources[i]
		byKey[r.Type+"\x00"+r.Name] = r
	}
	for _, r := range s.Resources {
		if r.Type != typeSchedule {
			continue
		}
		if name := scheduleTarget(r, s.Resources); name != "" {
			schedules[name] = append(schedules[name], r)
		}
	}

	fleets := make(map[string]fleet)
	idle := false
	for _, r := range s.Resources {
		if r.Type != typeGroup {
			continue
		}
		f := capacityOf(r, schedules[r.Name])
		fleets[r.URN] = f
		idle = true
	}
	for _, f := range fleets {
		if f.capacity != 0 {
			idle = false
		}
	}

	var items []render.CostItem
	for _, r := range s.Resources {
		if !r.Custom || strings.HasPrefix(r.Type, "pulumi:") || freeTypes[r.Type] || strings.HasPrefix(r.Type, "aws:iam/") {
			continue
		}
		var it render.CostItem
		switch r.Type {
		case typeGroup:
			it = t.group(r, fleets[r.URN], byKey, idle)
		case typeLoadBalancer:
			it = t.loadBalancer(r)
			if idle && !it.Unknown {
				it.Basis += "; idle copy: LB only"
			}
		case typeNatGateway:
			it = t.priced(r, t.NATHourly*t.HoursPerMonth+t.NATPerGB*t.NATAssumedGBPerMonth,
				fmt.Sprintf("NAT gateway %s/h x %s h + %s GB/month (assumed) @ %s/GB",
					hourly(t.NATHourly), qty(t.HoursPerMonth), qty(t.NATAssumedGBPerMonth), hourly(t.NATPerGB)))
		case typeEip:
			it = t.priced(r, t.PublicIPv4Hourly*t.HoursPerMonth,
				fmt.Sprintf("public IPv4 %s/h x %s h", hourly(t.PublicIPv4Hourly), qty(t.HoursPerMonth)))
		case typeRecord:
			it = t.record(r)
		case typeZone:
			it = t.priced(r, t.Route53ZoneMonthly, fmt.Sprintf("hosted zone %s/month", money(t.Route53ZoneMonthly)))
		case typeQueue:
			it = t.queue(r)
		case typeMetricAlarm:
			it = t.priced(r, t.CloudWatchAlarmMonthly,
				fmt.Sprintf("standard-resolution alarm %s/month (one metric assumed)", money(t.CloudWatchAlarmMonthly)))
		default:
			it = unknown(r, "no price in the table for type "+r.Type)
		}
		items = append(items, it)
	}
	return items
}

// scheduleTarget names the ASG (by logical name) a Schedule acts on: either
// through the computed name placeholder, or through a literal name matching
// an ASG's own name input.
func scheduleTarget(sched render.Resource, all []render.Resource) string {
	target, ok := sched.Inputs["autoscalingGroupName"].(string)
	if !ok {
		return ""
	}
	if typ, _, name, ok := parsePlaceholder(target); ok {
		if typ == typeGroup {
			return name
		}
		return ""
	}
	for _, r := range all {
		if r.Type == typeGroup && r.Inputs["name"] == target {
			return r.Name
		}
	}
	return ""
}

// capacityOf is the ASG's desired capacity, or the time-weighted weekly
// average of its schedules when it has any.
func capacityOf(asg render.Resource, schedules []render.Resource) fleet {
	var f fleet
	start, ok := number(asg.Inputs["desiredCapacity"])
	if !ok {
		// AWS starts an ASG without a desired capacity at its minimum.
		start, _ = number(asg.Inputs["minSize"])
		f.notes = append(f.notes, "desiredCapacity unset: minSize used")
	}
	f.capacity, f.basis = start, qty(start)
	if len(schedules) == 0 {
		return f
	}
	sort.Slice(schedules, func(i, j int) bool { return schedules[i].Name < schedules[j].Name })
	var actions []scheduledAction
	for _, s := range schedules {
		rec, _ := s.Inputs["recurrence"].(string)
		if rec == "" {
			f.notes = append(f.notes, "one-off schedule "+s.Name+" ignored")
			continue
		}
		minutes, err := parseWeeklyCron(rec)
		if err != nil {
			f.notes = append(f.notes, "schedule "+s.Name+" ignored: "+err.Error())
			continue
		}
		a := scheduledAction{name: s.Name, minutes: minutes}
		// -1 is how AWS spells "leave unchanged".
		if v, ok := number(s.Inputs["desiredCapacity"]); ok && v >= 0 {
			a.desired = &v
		}
		if v, ok := number(s.Inputs["minSize"]); ok && v >= 0 {
			a.min = &v
		}
		if v, ok := number(s.Inputs["maxSize"]); ok && v >= 0 {
			a.max = &v
		}
		actions = append(actions, a)
	}
	if len(actions) == 0 {
		return f
	}
	avg, levels := weeklyAverage(start, actions)
	parts := make([]string, 0, len(levels))
	for _, l := range levels {
		parts = append(parts, fmt.Sprintf("%s for %s h/wk", qty(l.capacity), strconv.FormatFloat(float64(l.minutes)/60, 'f', 1, 64)))
	}
	f.capacity = avg
	f.basis = fmt.Sprintf("weekly scheduled average %s (%s)", qty(avg), strings.Join(parts, ", "))
	return f
}

func (t Table) group(r render.Resource, f fleet, byKey map[string]*render.Resource, idle bool) render.CostItem {
	notes := ""
	if len(f.notes) > 0 {
		notes = "; " + strings.Join(f.notes, "; ")
	}
	if mip, ok := r.Inputs["mixedInstancesPolicy"].(map[string]any); ok {
		return t.mixed(r, f, mip, byKey, idle, notes)
	}
	lt, ok := r.Inputs["launchTemplate"].(map[string]any)
	if !ok {
		return unknown(r, "no launchTemplate or mixedInstancesPolicy to take the instance type from")
	}
	typ, reason := instanceType(lt, "id", "name", byKey)
	if typ == "" {
		return unknown(r, reason)
	}
	price, ok := t.OnDemandHourly[typ]
	if !ok {
		return unknown(r, "no on-demand price for instance type "+typ)
	}
	if f.capacity == 0 {
		return t.priced(r, 0, zeroBasis(idle, typ)+notes)
	}
	return t.priced(r, f.capacity*price*t.HoursPerMonth,
		fmt.Sprintf("%s x %s @ %s/h x %s h%s", f.basis, typ, hourly(price), qty(t.HoursPerMonth), notes))
}

func zeroBasis(idle bool, typ string) string {
	if idle {
		return "idle copy: LB only (0 x " + typ + ")"
	}
	return "0 x " + typ + ": no instances"
}

// mixed prices a mixed-instances fleet. The on-demand share is priced at the
// first override, which is what AWS's default "prioritized" on-demand
// allocation launches; the spot share at the average over all overrides of
// each type's on-demand price less its family's assumed discount, since the
// spot allocation strategies spread across the overrides.
func (t Table) mixed(r render.Resource, f fleet, mip map[string]any, byKey map[string]*render.Resource, idle bool, notes string) render.CostItem {
	ltSpec, _ := mip["launchTemplate"].(map[string]any)
	var types []string
	if overrides, ok := ltSpec["overrides"].([]any); ok {
		for _, o := range overrides {
			if om, ok := o.(map[string]any); ok {
				if it, ok := om["instanceType"].(string); ok && it != "" {
					types = append(types, it)
				}
			}
		}
	}
	if len(types) == 0 {
		spec, _ := ltSpec["launchTemplateSpecification"].(map[string]any)
		typ, reason := instanceType(spec, "launchTemplateId", "launchTemplateName", byKey)
		if typ == "" {
			return unknown(r, "mixed-instances fleet without overrides: "+reason)
		}
		types = []string{typ}
	}
	for _, typ := range types {
		if _, ok := t.OnDemandHourly[typ]; !ok {
			return unknown(r, "no on-demand price for instance type "+typ)
		}
	}
	first := types[0]
	onDemandPrice := t.OnDemandHourly[first]
	if f.capacity == 0 {
		return t.priced(r, 0, zeroBasis(idle, strings.Join(types, "/"))+notes)
	}

	dist, _ := mip["instancesDistribution"].(map[string]any)
	base, _ := number(dist["onDemandBaseCapacity"])
	pct, ok := number(dist["onDemandPercentageAboveBaseCapacity"])
	if !ok {
		pct = 100 // the AWS default: no spot unless asked for
	}
	base = math.Min(base, f.capacity)
	onDemand := base + (f.capacity-base)*pct/100
	spot := f.capacity - onDemand

	var spotPrice float64
	var discounts []string
	if spot > 0 {
		seen := map[string]bool{}
		for _, typ := range types {
			fam := family(typ)
			d, ok := t.SpotDiscount[fam]
			if !ok {
				return unknown(r, "no assumed spot discount for instance family "+fam)
			}
			spotPrice += t.OnDemandHourly[typ] * (1 - d)
			if !seen[fam] {
				seen[fam] = true
				discounts = append(discounts, fmt.Sprintf("%s %.0f%%", fam, d*100))
			}
		}
		spotPrice /= float64(len(types))
		sort.Strings(discounts)
	}
	monthly := (onDemand*onDemandPrice + spot*spotPrice) * t.HoursPerMonth
	allOnDemand := f.capacity * onDemandPrice * t.HoursPerMonth

	basis := fmt.Sprintf("%s: on-demand %s x %s @ %s/h x %s h", f.basis, qty(onDemand), first, hourly(onDemandPrice), qty(t.HoursPerMonth))
	if spot > 0 {
		basis += fmt.Sprintf(" + spot %s x avg of %s @ %s/h (assumed discount %s) x %s h; spot saves %s/month against all on-demand (%s)",
			qty(spot), strings.Join(types, "/"), hourly(spotPrice), strings.Join(discounts, ", "), qty(t.HoursPerMonth),
			money(cents(allOnDemand)-cents(monthly)), money(cents(allOnDemand)))
	}
	return t.priced(r, monthly, basis+notes)
}

// instanceType follows a launch template reference (a computed placeholder
// naming the template's logical name) to the template in the same stack.
func instanceType(ref map[string]any, idKey, nameKey string, byKey map[string]*render.Resource) (string, string) {
	for _, k := range []string{idKey, nameKey} {
		s, ok := ref[k].(string)
		if !ok {
			continue
		}
		typ, _, name, ok := parsePlaceholder(s)
		if !ok {
			return "", "launch template " + s + " is not in this stack"
		}
		lt, ok := byKey[typ+"\x00"+name]
		if !ok {
			return "", "launch template " + name + " is not in this stack"
		}
		it, ok := lt.Inputs["instanceType"].(string)
		if !ok || it == "" {
			return "", "launch template " + name + " has no instanceType"
		}
		return it, ""
	}
	return "", "no launch template reference"
}

func (t Table) loadBalancer(r render.Resource) render.CostItem {
	kind, ok := r.Inputs["loadBalancerType"].(string)
	if !ok {
		kind = "application" // the AWS default
	}
	var label string
	var hourlyPrice, unitPrice, units float64
	switch kind {
	case "application":
		label, hourlyPrice, unitPrice, units = "ALB", t.ALBHourly, t.ALBLCUHourly, t.ALBAssumedLCUs
	case "network":
		label, hourlyPrice, unitPrice, units = "NLB", t.NLBHourly, t.NLBNLCUHourly, t.NLBAssumedNLCUs
	default:
		return unknown(r, "no price in the table for load balancer type "+kind)
	}
	monthly := (hourlyPrice + unitPrice*units) * t.HoursPerMonth
	basis := fmt.Sprintf("%s %s/h x %s h + %s capacity units (assumed) @ %s/unit-h x %s h",
		label, hourly(hourlyPrice), qty(t.HoursPerMonth), qty(units), hourly(unitPrice), qty(t.HoursPerMonth))
	if internal, _ := r.Inputs["internal"].(bool); !internal {
		zones, counted := zoneCount(r.Inputs)
		if !counted {
			zones = t.LBAssumedZones
		}
		monthly += float64(zones) * t.PublicIPv4Hourly * t.HoursPerMonth
		assumed := ""
		if !counted {
			assumed = " (assumed)"
		}
		basis += fmt.Sprintf(" + %d public IPv4%s @ %s/h x %s h", zones, assumed, hourly(t.PublicIPv4Hourly), qty(t.HoursPerMonth))
	}
	return t.priced(r, monthly, basis)
}

// zoneCount counts the subnets an internet-facing load balancer sits in; each
// holds one billed public IPv4 address.
func zoneCount(inputs map[string]any) (int, bool) {
	for _, k := range []string{"subnets", "subnetMappings"} {
		if l, ok := inputs[k].([]any); ok && len(l) > 0 {
			return len(l), true
		}
	}
	return 0, false
}

func (t Table) record(r render.Resource) render.CostItem {
	if aliases, ok := r.Inputs["aliases"].([]any); ok && len(aliases) > 0 {
		return t.priced(r, 0, "alias record: queries to AWS aliases such as ALBs are free")
	}
	return t.priced(r, t.Route53AssumedMillionQueries*t.Route53QueriesPerMillion,
		fmt.Sprintf("%sM standard queries/month (assumed) @ %s/M", qty(t.Route53AssumedMillionQueries), money(t.Route53QueriesPerMillion)))
}

func (t Table) queue(r render.Resource) render.CostItem {
	kind, price := "standard", t.SQSStandardPerMillion
	if fifo, _ := r.Inputs["fifoQueue"].(bool); fifo {
		kind, price = "FIFO", t.SQSFIFOPerMillion
	}
	return t.priced(r, t.SQSAssumedMillionRequests*price,
		fmt.Sprintf("%s queue %sM requests/month (assumed) @ %s/M", kind, qty(t.SQSAssumedMillionRequests), money(price)))
}

func (t Table) priced(r render.Resource, monthly float64, basis string) render.CostItem {
	return render.CostItem{URN: r.URN, Monthly: cents(monthly), Basis: basis}
}

func unknown(r render.Resource, reason string) render.CostItem {
	return render.CostItem{URN: r.URN, Basis: "unknown: " + reason, Unknown: true}
}

// parsePlaceholder splits "<computed:TYPE.PROPERTY[LOGICAL NAME]>".
func parsePlaceholder(s string) (typ, property, name string, ok bool) {
	body, found := strings.CutPrefix(s, "<computed:")
	if !found {
		return "", "", "", false
	}
	body, found = strings.CutSuffix(body, "]>")
	if !found {
		return "", "", "", false
	}
	head, name, found := strings.Cut(body, "[")
	if !found {
		return "", "", "", false
	}
	dot := strings.LastIndex(head, ".")
	if dot < 0 {
		return "", "", "", false
	}
	return head[:dot], head[dot+1:], name, true
}

// logicalName is the last segment of a URN, which is shorter to read in a
// list of unknowns than the whole URN.
func logicalName(urn string) string {
	if i := strings.LastIndex(urn, "::"); i >= 0 {
		return urn[i+2:]
	}
	return urn
}

// family is the part of an instance type before the size: "c6i" of "c6i.large".
func family(instanceType string) string {
	fam, _, _ := strings.Cut(instanceType, ".")
	return fam
}

// number reads a numeric input, whether it came from JSON (float64) or from
// an in-process render (int and friends).
func number(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case float32:
		return float64(n), true
	case int:
		return float64(n), true
	case int32:
		return float64(n), true
	case int64:
		return float64(n), true
	case uint:
		return float64(n), true
	case uint32:
		return float64(n), true
	case uint64:
		return float64(n), true
	case interface{ Float64() (float64, error) }: // json.Number
		f, err := n.Float64()
		return f, err == nil
	}
	return 0, false
}

// cents rounds to whole cents so that totals are sums of the figures shown.
func cents(v float64) float64 {
	return math.Round(v*100) / 100
}

// qty prints a count without a trailing ".00" when it is whole.
func qty(v float64) string {
	if v == math.Trunc(v) {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'f', 2, 64)
}

func hourly(v float64) string { return fmt.Sprintf("$%.4f", v) }

func money(v float64) string { return fmt.Sprintf("$%.2f", v) }
