package cost

import (
	"encoding/json"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/video-platform/video-platform/internal/render"
	"github.com/video-platform/video-platform/policies/rules"
)

// A cent either way is allowed where a figure ends in half a cent, because
// float rounding may tip it either way.
const halfCent = 0.0051

func res(stack, typ, name string, inputs map[string]any) render.Resource {
	return render.Resource{
		URN:    "urn:pulumi:" + stack + "::video-platform::" + typ + "::" + name,
		Type:   typ,
		Name:   name,
		Custom: true,
		Inputs: inputs,
	}
}

func ph(typ, prop, name string) string {
	return "<computed:" + typ + "." + prop + "[" + name + "]>"
}

func launchTemplate(stack, name, instanceType string) render.Resource {
	in := map[string]any{"namePrefix": name}
	if instanceType != "" {
		in["instanceType"] = instanceType
	}
	return res(stack, typeLaunchTemplate, name, in)
}

func group(stack, name, lt string, desired float64) render.Resource {
	return res(stack, typeGroup, name, map[string]any{
		"minSize": 0.0, "maxSize": 10.0, "desiredCapacity": desired,
		"launchTemplate": map[string]any{"id": ph(typeLaunchTemplate, "id", lt), "version": "$Latest"},
	})
}

func alb(stack, name string) render.Resource {
	return res(stack, typeLoadBalancer, name, map[string]any{
		"loadBalancerType": "application",
		"subnets":          []any{"subnet-a", "subnet-b"},
	})
}

func itemFor(t *testing.T, c render.Cost, stack, urn string) render.CostItem {
	t.Helper()
	sc, ok := c.Stacks[stack]
	require.True(t, ok, "stack %s should be priced", stack)
	for _, it := range sc.Items {
		if it.URN == urn {
			return it
		}
	}
	require.Failf(t, "item missing", "no cost item for %s in %s", urn, stack)
	return render.CostItem{}
}

// allowedInstanceTypes are the instance types the policy pack lets a stack
// use in any env: each committed policy config's allowedInstanceTypes, and
// the rule's default for an env whose config leaves it out.
func allowedInstanceTypes(t *testing.T) []string {
	t.Helper()
	paths, err := filepath.Glob("../../policies/config.*.json")
	require.NoError(t, err, "listing the policy configs")
	require.NotEmpty(t, paths, "the committed policy configs")
	seen := map[string]bool{}
	for _, path := range paths {
		cfg, err := rules.LoadConfig(path, "")
		require.NoError(t, err, "loading %s", path)
		s, err := cfg.Settings("instance-types-allowed")
		require.NoError(t, err, "the settings of %s", path)
		for _, typ := range s.Strings("allowedInstanceTypes") {
			seen[typ] = true
		}
		def, err := rules.Config{Env: cfg.Env}.Settings("instance-types-allowed")
		require.NoError(t, err, "the rule's default for %s", cfg.Env)
		for _, typ := range def.Strings("allowedInstanceTypes") {
			seen[typ] = true
		}
	}
	return slices.Sorted(maps.Keys(seen))
}

// Every type a stack may use is priced, so no estimate of a compliant
// stack says "unknown".
func TestDefaultTableCoversOurInstanceTypes(t *testing.T) {
	table := DefaultTable()
	types := allowedInstanceTypes(t)
	assert.Contains(t, types, "t3.small", "staging allows t3.small")
	for _, typ := range types {
		assert.Greater(t, table.OnDemandHourly[typ], 0.0, "on-demand price for %s", typ)
		d, ok := table.SpotDiscount[family(typ)]
		assert.True(t, ok && d > 0 && d < 1, "spot discount for family of %s should be a fraction", typ)
	}
	assert.Contains(t, table.Source, "as of", "the table must say when its prices were taken")
	assert.Contains(t, table.Source, "us-east-1", "the table must say which region it prices")
	assert.Equal(t, 730.0, table.HoursPerMonth, "a month is 730 hours")
}

func TestEstimateSmallStackArithmetic(t *testing.T) {
	const st = "prod-web-blue"
	asg := group(st, "prod-web-blue-pool", "prod-web-blue-pool-lt", 2)
	lb := alb(st, "prod-web-blue-alb")
	nat := res(st, typeNatGateway, "prod-nat-a", map[string]any{"subnetId": "subnet-a"})
	eip := res(st, typeEip, "prod-nat-a-ip", map[string]any{"domain": "vpc"})
	sg := res(st, "aws:ec2/securityGroup:SecurityGroup", "prod-web-blue-sg", map[string]any{})
	component := render.Resource{URN: "urn:c", Type: "video:web:Pool", Name: "pool", Custom: false}
	env := render.Env{Env: "prod", Stacks: []render.Stack{{
		Name:      st,
		Resources: []render.Resource{launchTemplate(st, "prod-web-blue-pool-lt", "c6i.large"), asg, lb, nat, eip, sg, component},
	}}}

	c := Estimate(env, "us-east-1")

	require.Equal(t, "USD", c.Currency, "currency")
	assert.Contains(t, c.Source, "Estimate", "every figure is labelled an estimate")
	require.Len(t, c.Stacks[st].Items, 4, "only ASG, ALB, NAT and EIP cost money; SG, LT and components do not")

	cases := []struct {
		name    string
		urn     string
		monthly float64
		basis   string
	}{
		{"asg 2 x c6i.large", asg.URN, 2 * 0.085 * 730, "2 x c6i.large @ $0.0850/h x 730 h"},
		{"alb hour + 1 LCU + 2 IPv4", lb.URN, 0.0225*730 + 0.008*730 + 2*0.005*730, "ALB $0.0225/h x 730 h + 1 capacity units (assumed) @ $0.0080/unit-h x 730 h + 2 public IPv4 @ $0.0050/h x 730 h"},
		{"nat hour + 100 GB", nat.URN, 0.045*730 + 100*0.045, "NAT gateway $0.0450/h x 730 h + 100 GB/month (assumed) @ $0.0450/GB"},
		{"eip", eip.URN, 0.005 * 730, "public IPv4 $0.0050/h x 730 h"},
	}
	total := 0.0
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			it := itemFor(t, c, st, tc.urn)
			assert.InDelta(t, tc.monthly, it.Monthly, halfCent, "monthly figure")
			assert.Equal(t, tc.basis, it.Basis, "basis shows the arithmetic")
			assert.False(t, it.Unknown, "priced item is not unknown")
		})
		total += tc.monthly
	}
	assert.InDelta(t, total, c.Stacks[st].Monthly, 0.011, "stack total is the sum of its items")
	assert.InDelta(t, total, c.Monthly, 0.011, "env total is the sum of its stacks")
	assert.Empty(t, c.Unknown, "nothing unknown in this stack")
}

func TestEstimateScheduleWeightedASG(t *testing.T) {
	const st = "prod-recorder-blue"
	asg := group(st, "prod-recorder-blue-pool", "prod-recorder-blue-lt", 1)
	asg.Inputs["name"] = "recorder-blue"
	up := res(st, typeSchedule, "business-hours-up", map[string]any{
		"autoscalingGroupName": ph(typeGroup, "name", "prod-recorder-blue-pool"),
		"recurrence":           "0 8 * * 1-5", "timeZone": "Europe/Berlin",
		"minSize": 0.0, "maxSize": 10.0, "desiredCapacity": 4.0,
	})
	down := res(st, typeSchedule, "business-hours-down", map[string]any{
		"autoscalingGroupName": "recorder-blue", // literal name, matched through the ASG's name input
		"recurrence":           "0 18 * * MON-FRI", "timeZone": "Europe/Berlin",
		"minSize": 0.0, "maxSize": 10.0, "desiredCapacity": 1.0,
	})
	env := render.Env{Stacks: []render.Stack{{Name: st, Resources: []render.Resource{
		launchTemplate(st, "prod-recorder-blue-lt", "c6i.large"), asg, up, down,
	}}}}

	it := itemFor(t, Estimate(env, "us-east-1"), st, asg.URN)

	// 4 instances for 10 h on 5 weekdays, 1 for the other 118 h of the week.
	avg := (4*50.0 + 1*118.0) / 168
	assert.InDelta(t, avg*0.085*730, it.Monthly, halfCent, "time-weighted weekly average priced")
	assert.Contains(t, it.Basis, "weekly scheduled average 1.89 (1 for 118.0 h/wk, 4 for 50.0 h/wk)", "basis shows the weekly arithmetic")
	assert.Contains(t, it.Basis, "x c6i.large @ $0.0850/h x 730 h", "basis shows the price")
}

func TestEstimateScheduleNotWeeklyFallsBack(t *testing.T) {
	const st = "prod-transcoders"
	asg := group(st, "prod-transcoders-pool", "prod-transcoders-lt", 3)
	monthly := res(st, typeSchedule, "first-of-month", map[string]any{
		"autoscalingGroupName": ph(typeGroup, "name", "prod-transcoders-pool"),
		"recurrence":           "0 0 1 * *", "desiredCapacity": 9.0,
	})
	env := render.Env{Stacks: []render.Stack{{Name: st, Resources: []render.Resource{
		launchTemplate(st, "prod-transcoders-lt", "c6i.large"), asg, monthly,
	}}}}

	it := itemFor(t, Estimate(env, "us-east-1"), st, asg.URN)

	assert.InDelta(t, 3*0.085*730, it.Monthly, halfCent, "a monthly schedule has no weekly average: desired capacity is used")
	assert.Contains(t, it.Basis, "schedule first-of-month ignored", "the simplification is stated")
}

func TestEstimateSpotFleet(t *testing.T) {
	const st = "prod-transcoders"
	asg := res(st, typeGroup, "prod-transcoders-fleet", map[string]any{
		"minSize": 0.0, "maxSize": 20.0, "desiredCapacity": 10.0,
		"mixedInstancesPolicy": map[string]any{
			"instancesDistribution": map[string]any{
				"onDemandBaseCapacity":                2.0,
				"onDemandPercentageAboveBaseCapacity": 25.0,
				"spotAllocationStrategy":              "price-capacity-optimized",
			},
			"launchTemplate": map[string]any{
				"launchTemplateSpecification": map[string]any{
					"launchTemplateId": ph(typeLaunchTemplate, "id", "prod-transcoders-lt"),
					"version":          "$Latest",
				},
				"overrides": []any{
					map[string]any{"instanceType": "c6i.xlarge"},
					map[string]any{"instanceType": "c5.xlarge"},
					map[string]any{"instanceType": "c6a.xlarge"},
				},
			},
		},
	})
	env := render.Env{Stacks: []render.Stack{{Name: st, Resources: []render.Resource{
		launchTemplate(st, "prod-transcoders-lt", ""), asg,
	}}}}

	it := itemFor(t, Estimate(env, "us-east-1"), st, asg.URN)

	// 2 base + 25% of the 8 above = 4 on-demand at the first override;
	// 6 spot at the mean of each override's price less 60%.
	spotHourly := (0.17*0.4 + 0.17*0.4 + 0.153*0.4) / 3
	want := (4*0.17 + 6*spotHourly) * 730
	assert.InDelta(t, want, it.Monthly, halfCent, "mixed fleet priced on-demand + spot")
	assert.Contains(t, it.Basis, "on-demand 4 x c6i.xlarge @ $0.1700/h x 730 h", "on-demand share")
	assert.Contains(t, it.Basis, "spot 6 x avg of c6i.xlarge/c5.xlarge/c6a.xlarge @ $0.0657/h", "spot share")
	assert.Contains(t, it.Basis, "assumed discount c5 60%, c6a 60%, c6i 60%", "discounts are stated")
	assert.Contains(t, it.Basis, "spot saves $456.69/month against all on-demand ($1241.00)", "spot saving reported")
}

func TestEstimateUnknownInstanceType(t *testing.T) {
	const st = "prod-web-green"
	asg := group(st, "prod-web-green-pool", "prod-web-green-lt", 2)
	lb := alb(st, "prod-web-green-alb")
	db := res(st, "aws:rds/instance:Instance", "prod-db", map[string]any{"instanceClass": "db.t3.micro"})
	env := render.Env{Stacks: []render.Stack{{Name: st, Resources: []render.Resource{
		launchTemplate(st, "prod-web-green-lt", "x9.huge"), asg, lb, db,
	}}}}

	c := Estimate(env, "us-east-1")

	it := itemFor(t, c, st, asg.URN)
	assert.True(t, it.Unknown, "an instance type missing from the table is unknown")
	assert.Zero(t, it.Monthly, "unknown carries no figure")
	assert.Contains(t, it.Basis, "x9.huge", "basis names the missing type")
	assert.True(t, itemFor(t, c, st, db.URN).Unknown, "an unpriced billable type is unknown, not free")
	require.Len(t, c.Unknown, 2, "both unknowns are listed")
	assert.Contains(t, c.Unknown[0], "prod-web-green: prod-db: unknown: no price in the table for type aws:rds/instance:Instance", "sorted, by stack and logical name")
	assert.Contains(t, c.Unknown[1], "prod-web-green: prod-web-green-pool: unknown: no on-demand price for instance type x9.huge", "sorted, by stack and logical name")
	assert.InDelta(t, itemFor(t, c, st, lb.URN).Monthly, c.Stacks[st].Monthly, 1e-9, "unknowns are not counted in the total")
}

func TestEstimateIdleCopy(t *testing.T) {
	const st = "prod-web-green"
	asg := group(st, "prod-web-green-pool", "prod-web-green-lt", 0)
	lb := alb(st, "prod-web-green-alb")
	env := render.Env{Stacks: []render.Stack{{Name: st, Resources: []render.Resource{
		launchTemplate(st, "prod-web-green-lt", "c6i.large"), asg, lb,
	}}}}

	c := Estimate(env, "us-east-1")

	a := itemFor(t, c, st, asg.URN)
	assert.Zero(t, a.Monthly, "idle ASG costs nothing")
	assert.Equal(t, "idle copy: LB only (0 x c6i.large)", a.Basis, "idle copy highlighted on the ASG")
	l := itemFor(t, c, st, lb.URN)
	assert.Contains(t, l.Basis, "idle copy: LB only", "idle copy highlighted on the LB")
	assert.Equal(t, l.Monthly, c.Stacks[st].Monthly, "idle copy costs just its LB")
}

func TestEstimateSmallServices(t *testing.T) {
	const st = "prod-dns"
	alias := res(st, typeRecord, "www", map[string]any{
		"aliases":                 []any{map[string]any{"name": "alb.example", "evaluateTargetHealth": true}},
		"weightedRoutingPolicies": []any{map[string]any{"weight": 100.0}},
	})
	txt := res(st, typeRecord, "txt", map[string]any{"records": []any{"v=spf1 -all"}, "ttl": 300.0})
	zone := res(st, typeZone, "zone", map[string]any{"name": "example.com"})
	q := res(st, typeQueue, "jobs", map[string]any{})
	fifo := res(st, typeQueue, "jobs-fifo", map[string]any{"fifoQueue": true})
	internal := res(st, typeLoadBalancer, "internal", map[string]any{"loadBalancerType": "application", "internal": true})
	env := render.Env{Stacks: []render.Stack{{Name: st, Resources: []render.Resource{alias, txt, zone, q, fifo, internal}}}}

	c := Estimate(env, "us-east-1")

	cases := []struct {
		urn     string
		monthly float64
	}{
		{alias.URN, 0},
		{txt.URN, 0.40},
		{zone.URN, 0.50},
		{q.URN, 5 * 0.40},
		{fifo.URN, 5 * 0.50},
		{internal.URN, (0.0225 + 0.008) * 730},
	}
	for _, tc := range cases {
		assert.InDelta(t, tc.monthly, itemFor(t, c, st, tc.urn).Monthly, halfCent, "monthly for %s", tc.urn)
	}
	items := c.Stacks[st].Items
	for i := 1; i < len(items); i++ {
		assert.Less(t, items[i-1].URN, items[i].URN, "items sorted by URN")
	}
}

func TestEstimateDeterministic(t *testing.T) {
	const st = "prod"
	env := render.Env{Stacks: []render.Stack{
		{Name: st, Resources: []render.Resource{
			res(st, typeEip, "b", nil), res(st, typeEip, "a", nil), res(st, typeNatGateway, "n", nil),
		}},
		{Name: "prod-dns", Resources: []render.Resource{}},
	}}
	first, err := json.Marshal(Estimate(env, "us-east-1"))
	require.NoError(t, err, "marshal first")
	second, err := json.Marshal(Estimate(env, "us-east-1"))
	require.NoError(t, err, "marshal second")
	assert.Equal(t, string(first), string(second), "same render, same bytes")
	assert.Contains(t, string(first), `"prod-dns":{"monthly":0,"items":[]}`, "an empty stack still appears, with an empty list")
}

func TestEstimateWithCustomTable(t *testing.T) {
	const st = "staging-transcoders"
	table := DefaultTable()
	table.OnDemandHourly = map[string]float64{"z1.large": 0.10, "c6i.large": 0.20}
	table.SpotDiscount = map[string]float64{"c6i": 0.5}
	fleet := func(name string, types ...string) render.Resource {
		var overrides []any
		for _, typ := range types {
			overrides = append(overrides, map[string]any{"instanceType": typ})
		}
		return res(st, typeGroup, name, map[string]any{
			"desiredCapacity": 4,
			"mixedInstancesPolicy": map[string]any{
				"instancesDistribution": map[string]any{"onDemandBaseCapacity": 0, "onDemandPercentageAboveBaseCapacity": 50},
				"launchTemplate":        map[string]any{"overrides": overrides},
			},
		})
	}
	priced := fleet("priced", "c6i.large")
	noDiscount := fleet("no-discount", "z1.large")
	env := render.Env{Stacks: []render.Stack{{Name: st, Resources: []render.Resource{priced, noDiscount}}}}

	c := table.Estimate(env, "")

	assert.InDelta(t, (2*0.20+2*0.10)*730, itemFor(t, c, st, priced.URN).Monthly, halfCent, "2 on-demand + 2 spot at half price, int inputs read as numbers")
	it := itemFor(t, c, st, noDiscount.URN)
	assert.True(t, it.Unknown, "spot capacity of a family without an assumed discount is unknown, not guessed")
	assert.Contains(t, it.Basis, "no assumed spot discount for instance family z1", "the missing assumption is named")
	assert.NotEqual(t, DefaultTable().OnDemandHourly["c6i.large"], 0.20, "changing a copy leaves the default table alone")
}

// Keeping the copy that is not live costs its whole stack by the day, the
// figure housekeeping's retire saves; the live copy is never listed.
func TestEstimateKeptDailyForTheCopyThatIsNotLive(t *testing.T) {
	const green, blue = "prod-web-green", "prod-web-blue"
	env := render.Env{LiveColors: map[string]string{"web": "blue"}, Stacks: []render.Stack{
		{Name: green, Outputs: map[string]any{"service": "web", "color": "green"},
			Resources: []render.Resource{launchTemplate(green, "g-lt", "c6i.large"), group(green, "g-pool", "g-lt", 3), alb(green, "g-alb")}},
		{Name: blue, Outputs: map[string]any{"service": "web", "color": "blue"},
			Resources: []render.Resource{launchTemplate(blue, "b-lt", "c6i.large"), group(blue, "b-pool", "b-lt", 3), alb(blue, "b-alb")}},
	}}
	c := Estimate(env, "us-east-1")
	require.Contains(t, c.KeptDaily, green)
	assert.InDelta(t, c.Stacks[green].Monthly*24/DefaultTable().HoursPerMonth, c.KeptDaily[green], 0.005, "a day of the whole copy")
	assert.Greater(t, c.KeptDaily[green], 1.0, "three c6i.large and an ALB cost more than a dollar a day")
	assert.NotContains(t, c.KeptDaily, blue, "the live copy is not a cost of keeping")

	env.LiveColors["web"] = "green"
	assert.NotContains(t, Estimate(env, "us-east-1").KeptDaily, green, "after a swap the other copy is the kept one")
}

// The table prices one region. An env elsewhere is still priced with it,
// figure for figure, and its statement of prices says so.
func TestAnEnvInAnotherRegionIsToldItsPricesAreTheTables(t *testing.T) {
	st := "dev-web-blue"
	alb := res(st, "aws:lb/loadBalancer:LoadBalancer", "web-blue-alb", map[string]any{"loadBalancerType": "application"})
	env := render.Env{Env: "dev", Stacks: []render.Stack{{Name: st, Resources: []render.Resource{alb}}}}

	home := Estimate(env, "us-east-1")
	away := Estimate(env, "eu-west-1")
	require.Positive(t, home.Monthly, "the load balancer is priced")
	assert.Equal(t, home.Monthly, away.Monthly, "the same table's figures")
	assert.Equal(t, priceSource, home.Source, "the table's own region needs no word")
	assert.True(t, strings.HasPrefix(away.Source, "Env dev is in eu-west-1, which this table does not price: its figures are us-east-1's list prices"),
		"says the env's region is priced at the table's: %s", away.Source)
	assert.Contains(t, away.Source, priceSource, "and keeps the table's statement")
	assert.Equal(t, priceSource, Estimate(env, "").Source, "an unknown region")
}
