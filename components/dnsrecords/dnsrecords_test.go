package dnsrecords

import (
	"fmt"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/video-platform/video-platform/internal/contract"
	"github.com/video-platform/video-platform/internal/offline"
	"github.com/video-platform/video-platform/internal/offline/offlinetest"
	"github.com/video-platform/video-platform/internal/render"
)

const (
	typeRecord = "aws:route53/record:Record"
	zoneID     = "Z0HOSTEDZONE"
	albZone    = "Z35SXDOTRQ7X7K"
)

func albDNS(color string) string { return "web-" + color + "-123.us-east-1.elb.amazonaws.com" }

func validArgs(weights map[string]int) *DNSRecordsArgs {
	return &DNSRecordsArgs{
		ZoneID:   pulumi.String(zoneID),
		Hostname: "app.example.com",
		Targets: map[string]AliasTarget{
			"green": {DNSName: pulumi.String(albDNS("green")), ZoneID: pulumi.String(albZone)},
			"blue":  {DNSName: pulumi.String(albDNS("blue")), ZoneID: pulumi.String(albZone)},
		},
		Weights: weights,
	}
}

// records declares records offline for these tests.
var records = offlinetest.Component[DNSRecordsArgs, DNSRecords]{
	Stack: offline.Stack{Name: "prod-dns", Config: map[string]string{"aws:region": "us-east-1"}},
	New:   NewDNSRecords,
}

func run(t *testing.T, args *DNSRecordsArgs) *offline.Result {
	t.Helper()
	return records.Run(t, "web-dns", args)
}

// record finds a Route53 record of the component by logical name.
func record(t *testing.T, res *offline.Result, name string) render.Resource {
	t.Helper()
	return offlinetest.Find(t, res, typeRecord, name)
}

func weightOf(t *testing.T, r render.Resource) float64 {
	t.Helper()
	policies, ok := r.Inputs["weightedRoutingPolicies"].([]any)
	require.True(t, ok && len(policies) == 1, "%s has one weighted policy: %#v", r.Name, r.Inputs["weightedRoutingPolicies"])
	p, ok := policies[0].(map[string]any)
	require.True(t, ok, "%s policy is an object", r.Name)
	w, ok := p["weight"].(float64)
	require.True(t, ok, "%s weight is a number", r.Name)
	return w
}

func childNames(res *offline.Result) []string {
	var names []string
	for _, r := range res.OfType(typeRecord) {
		names = append(names, r.Name)
	}
	return names
}

func TestLiveBlue(t *testing.T) {
	res := run(t, validArgs(map[string]int{"blue": 100, "green": 0}))
	comp := offlinetest.Find(t, res, TypeToken, "web-dns")

	for color, want := range map[string]float64{"blue": 100, "green": 0} {
		for _, typ := range []string{"A", "AAAA"} {
			r := record(t, res, fmt.Sprintf("web-dns-%s-%s", color, strings.ToLower(typ)))
			assert.Equal(t, zoneID, r.Inputs["zoneId"], "%s zone", r.Name)
			assert.Equal(t, "app.example.com", r.Inputs["name"], "%s is the service hostname", r.Name)
			assert.Equal(t, typ, r.Inputs["type"], "%s type", r.Name)
			assert.Equal(t, color, r.Inputs["setIdentifier"], "%s set identifier is the color", r.Name)
			assert.Equal(t, want, weightOf(t, r), "%s weight", r.Name)
			offlinetest.HasInputs(t, r, map[string]any{"aliases[0].name": albDNS(color), "aliases[0].zoneId": albZone, "aliases[0].evaluateTargetHealth": true})
			assert.NotContains(t, r.Inputs, "ttl", "%s is an alias without ttl", r.Name)
			assert.Equal(t, comp.URN, r.Parent, "%s parented to the component", r.Name)

			d := record(t, res, fmt.Sprintf("web-dns-direct-%s-%s", color, strings.ToLower(typ)))
			assert.Equal(t, color+".app.example.com", d.Inputs["name"], "%s direct name", d.Name)
			assert.Equal(t, typ, d.Inputs["type"], "%s type", d.Name)
			assert.NotContains(t, d.Inputs, "weightedRoutingPolicies", "%s is a simple record", d.Name)
			assert.NotContains(t, d.Inputs, "setIdentifier", "%s has no set identifier", d.Name)
			offlinetest.HasInputs(t, d, map[string]any{"aliases[0].name": albDNS(color), "aliases[0].zoneId": albZone, "aliases[0].evaluateTargetHealth": true})
			assert.Equal(t, comp.URN, d.Parent, "%s parented to the component", d.Name)
		}
	}
	assert.Len(t, res.OfType(typeRecord), 8, "2 colors x (weighted + direct) x (A + AAAA)")

	assert.Equal(t, "app.example.com", res.Outputs["Hostname"], "Hostname output")
	assert.Equal(t, []any{"app.example.com", "blue.app.example.com", "green.app.example.com"}, res.Outputs["FQDNs"], "FQDNs output")
	assert.Equal(t, map[string]any{"blue": "blue.app.example.com", "green": "green.app.example.com"},
		res.Outputs["DirectNames"], "DirectNames output")
	assert.Equal(t, map[string]any{"blue": 100.0, "green": 0.0}, res.Outputs["Weights"], "Weights output")
}

func TestSwapAndCanaryChangeOnlyWeights(t *testing.T) {
	live := run(t, validArgs(map[string]int{"blue": 100, "green": 0}))
	canary := run(t, validArgs(map[string]int{"blue": 90, "green": 10}))
	swapped := run(t, validArgs(map[string]int{"blue": 0, "green": 100}))

	assert.Equal(t, 90.0, weightOf(t, record(t, canary, "web-dns-blue-a")), "canary keeps 90 on blue")
	assert.Equal(t, 10.0, weightOf(t, record(t, canary, "web-dns-green-a")), "canary sends 10 to green")
	assert.Equal(t, 10.0, weightOf(t, record(t, canary, "web-dns-green-aaaa")), "canary AAAA matches A")
	assert.Equal(t, map[string]any{"blue": 90.0, "green": 10.0}, canary.Outputs["Weights"], "canary weights output")
	assert.Equal(t, 0.0, weightOf(t, record(t, swapped, "web-dns-blue-a")), "swapped: blue idle")
	assert.Equal(t, 100.0, weightOf(t, record(t, swapped, "web-dns-green-a")), "swapped: green live")

	assert.Equal(t, childNames(live), childNames(canary), "a canary adds or removes no records")
	assert.Equal(t, childNames(live), childNames(swapped), "a swap adds or removes no records")
	for _, r := range live.OfType(typeRecord) {
		s := record(t, swapped, r.Name)
		delete(s.Inputs, "weightedRoutingPolicies")
		before := map[string]any{}
		for k, v := range r.Inputs {
			if k != "weightedRoutingPolicies" {
				before[k] = v
			}
		}
		assert.Equal(t, before, s.Inputs, "%s differs only in its weight after a swap", r.Name)
	}
}

func TestSingleTargetNoIPv6NoDirectAndPlainRecords(t *testing.T) {
	args := &DNSRecordsArgs{
		ZoneID:               pulumi.String(zoneID),
		Hostname:             "rec.example.com",
		Targets:              map[string]AliasTarget{"green": {DNSName: pulumi.String(albDNS("green")), ZoneID: pulumi.String(albZone)}},
		Weights:              map[string]int{"green": 1, "blue": 0},
		IPv6:                 pulumi.BoolRef(false),
		DirectNames:          pulumi.BoolRef(false),
		EvaluateTargetHealth: pulumi.BoolRef(false),
		PlainRecords: []PlainRecord{
			{Name: "_acme-challenge.rec.example.com", Type: "TXT", Values: []string{`"token"`}},
			{Name: "rec.example.com", Type: "MX", Values: []string{"10 mx1.example.com", "20 mx2.example.com"}, TTL: 300},
			{Name: "*.dev.example.com", Type: "CNAME", Values: []string{"rec.example.com"}},
		},
	}
	res := run(t, args)

	names := childNames(res)
	for _, n := range names {
		assert.NotContains(t, n, "aaaa", "IPv6 off leaves no AAAA record")
		assert.NotContains(t, n, "direct", "DirectNames off leaves no direct record")
	}
	for _, r := range res.OfType(typeRecord) {
		assert.NotEqual(t, "AAAA", r.Inputs["type"], "%s is not AAAA", r.Name)
	}
	a := record(t, res, "web-dns-green-a")
	assert.Equal(t, 1.0, weightOf(t, a), "green weight")
	assert.Equal(t, false, offlinetest.Input(t, a, "aliases[0].evaluateTargetHealth"), "explicit EvaluateTargetHealth false honoured")
	_, hasBlue := res.Find(typeRecord, "web-dns-blue-a")
	assert.False(t, hasBlue, "a zero weight for a color without a target makes no record")

	txt := record(t, res, "web-dns-plain-_acme-challenge.rec.example.com-txt")
	assert.Equal(t, 60.0, txt.Inputs["ttl"], "TTL defaults to 60")
	assert.Equal(t, []any{`"token"`}, txt.Inputs["records"], "TXT value")
	assert.Equal(t, "TXT", txt.Inputs["type"], "TXT type")
	assert.NotContains(t, txt.Inputs, "aliases", "plain records are not aliases")
	mx := record(t, res, "web-dns-plain-rec.example.com-mx")
	assert.Equal(t, 300.0, mx.Inputs["ttl"], "explicit TTL kept")
	assert.Equal(t, []any{"10 mx1.example.com", "20 mx2.example.com"}, mx.Inputs["records"], "MX values")
	cname := record(t, res, "web-dns-plain-*.dev.example.com-cname")
	assert.Equal(t, "*.dev.example.com", cname.Inputs["name"], "wildcard name")

	assert.Equal(t, []any{"rec.example.com", "*.dev.example.com", "_acme-challenge.rec.example.com"},
		res.Outputs["FQDNs"], "FQDNs: hostname first, then the others sorted and unique")
	assert.Equal(t, map[string]any{}, res.Outputs["DirectNames"], "no direct names")
	assert.Equal(t, map[string]any{"green": 1.0}, res.Outputs["Weights"], "weights only for targets")
	assert.Equal(t, 0, args.PlainRecords[0].TTL, "defaults do not write into the caller's args")
}

func TestBadArgs(t *testing.T) {
	target := AliasTarget{DNSName: pulumi.String(albDNS("blue")), ZoneID: pulumi.String(albZone)}
	cases := []offlinetest.Case[DNSRecordsArgs]{
		{Name: "purple", Edit: func(a *DNSRecordsArgs) { a.Targets["purple"] = target; a.Weights["purple"] = 1 },
			Want: []string{`Targets: "purple" is not accepted; accepted keys "blue", "green"`, `Weights: "purple" is not accepted`}},
		{Name: "weight 300", Edit: func(a *DNSRecordsArgs) { a.Weights["blue"] = 300 }, Want: []string{"Weights[blue]: 300 is not accepted; accepted an integer from 0 to 255"}},
		{Name: "negative weight", Edit: func(a *DNSRecordsArgs) { a.Weights["green"] = -1 }, Want: []string{"Weights[green]: -1 is not accepted"}},
		{Name: "sum 0", Edit: func(a *DNSRecordsArgs) { a.Weights = map[string]int{"blue": 0, "green": 0} }, Want: []string{"Weights: 0 is not accepted; accepted a total above 0"}},
		{Name: "no weights", Edit: func(a *DNSRecordsArgs) { a.Weights = nil }, Want: []string{"Weights: 0 is not accepted; accepted a total above 0"}},
		{Name: "TTL 600", Edit: func(a *DNSRecordsArgs) {
			a.PlainRecords = []PlainRecord{{Name: "x.example.com", Type: "TXT", Values: []string{"v"}, TTL: 600}}
		}, Want: []string{"PlainRecords[0].TTL: 600 is not accepted; accepted an integer from 1 to 300"}},
		{Name: "negative TTL", Edit: func(a *DNSRecordsArgs) {
			a.PlainRecords = []PlainRecord{{Name: "x.example.com", Type: "TXT", Values: []string{"v"}, TTL: -5}}
		}, Want: []string{"PlainRecords[0].TTL: -5 is not accepted"}},
		{Name: "empty hostname", Edit: func(a *DNSRecordsArgs) { a.Hostname = "" }, Want: []string{`Hostname: "" is not accepted; accepted a fully qualified name`}},
		{Name: "trailing dot", Edit: func(a *DNSRecordsArgs) { a.Hostname = "app.example.com." }, Want: []string{"Hostname: \"app.example.com.\" is not accepted; accepted the name without its trailing dot"}},
		{Name: "single label", Edit: func(a *DNSRecordsArgs) { a.Hostname = "localhost" }, Want: []string{"Hostname: \"localhost\" is not accepted; accepted a fully qualified name of at least two labels"}},
		{Name: "bad label", Edit: func(a *DNSRecordsArgs) { a.Hostname = "-app.Example.com" }, Want: []string{`Hostname: "-app.Example.com" is not accepted; accepted labels of 1 to 63 lowercase letters, digits and inner hyphens; "-app" is not one`}},
		{Name: "too long", Edit: func(a *DNSRecordsArgs) { a.Hostname = strings.Repeat("a.", 127) + "com" }, Want: []string{"Hostname:", "accepted at most 253 characters; it has 257"}},
		{Name: "direct name too long", Edit: func(a *DNSRecordsArgs) { a.Hostname = strings.Repeat("a.", 124) + "com" }, Want: []string{"Hostname: \"a.a.", "accepted a name whose direct name green.a.", "fits in 253 characters; it has 257"}},
		{Name: "weight without target", Edit: func(a *DNSRecordsArgs) { delete(a.Targets, "green"); a.Weights["green"] = 10 },
			Want: []string{`Weights[green]: 10 is not accepted; accepted 0 for green, which has no target`}},
		{Name: "no zone, no targets", Edit: func(a *DNSRecordsArgs) { a.ZoneID = nil; a.Targets = nil },
			Want: []string{"ZoneID: (unset) is not accepted", "Targets: (unset) is not accepted; accepted at least one load balancer"}},
		{Name: "target without ALB", Edit: func(a *DNSRecordsArgs) { a.Targets["blue"] = AliasTarget{} },
			Want: []string{"Targets[blue].DNSName: (unset)", "Targets[blue].ZoneID: (unset)"}},
		{Name: "plain record shape", Edit: func(a *DNSRecordsArgs) {
			a.PlainRecords = []PlainRecord{
				{Name: "bad_.example.com", Type: "SOA"},
				{Name: "c.example.com", Type: "CNAME", Values: []string{"a.example.com", " "}},
			}
		}, Want: []string{
			`PlainRecords[0].Name: "bad_.example.com" is not accepted; accepted labels of`,
			`PlainRecords[0].Type: "SOA" is not accepted; accepted A, AAAA`,
			"PlainRecords[0].Values: 0 given is not accepted; accepted at least one value",
			`PlainRecords[1].Values[1]: " " is not accepted; accepted a record value`,
			"PlainRecords[1].Values: 2 given is not accepted; accepted exactly one value for a CNAME",
		}},
		{Name: "plain collides with alias", Edit: func(a *DNSRecordsArgs) {
			a.PlainRecords = []PlainRecord{
				{Name: "app.example.com", Type: "A", Values: []string{"192.0.2.1"}},
				{Name: "blue.app.example.com", Type: "CNAME", Values: []string{"elsewhere.example.com"}},
			}
		}, Want: []string{
			`PlainRecords[0]: "A app.example.com" is not accepted; accepted a name or type other than those of the alias records of "app.example.com"`,
			`PlainRecords[1]: "CNAME blue.app.example.com" is not accepted`,
		}},
		{Name: "duplicate and CNAME sharing", Edit: func(a *DNSRecordsArgs) {
			a.PlainRecords = []PlainRecord{
				{Name: "x.example.com", Type: "TXT", Values: []string{"a"}},
				{Name: "x.example.com", Type: "TXT", Values: []string{"b"}},
				{Name: "x.example.com", Type: "CNAME", Values: []string{"y.example.com"}},
			}
		}, Want: []string{
			`PlainRecords[1]: "x.example.com TXT" is not accepted; accepted one entry per name and type, with several Values; it is already PlainRecords[0]`,
			`PlainRecords[2]: "CNAME x.example.com" is not accepted; accepted a CNAME alone at its name`,
		}},
	}
	records.BadArgs(t, "web-dns", func() *DNSRecordsArgs { return validArgs(map[string]int{"blue": 100, "green": 0}) }, cases)
}

func TestBadArgsFailTheRun(t *testing.T) {
	err := records.Failing(t, "web-dns", validArgs(map[string]int{"blue": 0}))
	assert.Contains(t, err.Error(), "Weights", "the run error names the field")
}

func TestNilArgs(t *testing.T) {
	res, err := records.Rejected(t, "web-dns", nil)
	assert.Equal(t, `dnsrecords "web-dns": args are required`, err.Error(), "message")
	assert.Empty(t, res.Resources, "nothing registered")
}

func TestValidateWithoutDefaults(t *testing.T) {
	args := validArgs(map[string]int{"blue": 100})
	assert.NoError(t, args.Validate(), "raw valid args validate without withDefaults")
	args.Weights["blue"] = 256
	err := args.Validate()
	require.Error(t, err, "raw bad args are rejected")
	assert.Contains(t, err.Error(), "Weights[blue]: 256 is not accepted", "names the field")
	for _, fe := range contract.FieldErrors(ValidateHostname("a.b.c.")) {
		assert.Equal(t, "Hostname", fe.Field, "a hostname alone is checked as the Hostname field")
	}
}

// TestLiveColorRecordsAreAppliedFirst is the make-before-break guard: the
// engine applies a resource only after what it depends on, so the weighted
// records of the color losing traffic must depend on those of the color
// gaining it, in both directions of a swap.
func TestLiveColorRecordsAreAppliedFirst(t *testing.T) {
	for _, c := range []struct {
		weights     map[string]int
		live, other string
	}{
		{map[string]int{"blue": 100, "green": 0}, "blue", "green"},
		{map[string]int{"blue": 0, "green": 100}, "green", "blue"},
		{map[string]int{"blue": 10, "green": 90}, "green", "blue"},
	} {
		res := run(t, validArgs(c.weights))
		var liveURNs []string
		for _, typ := range []string{"a", "aaaa"} {
			live := record(t, res, "web-dns-"+c.live+"-"+typ)
			assert.Empty(t, live.DependsOn, "%v: the live color's %s record waits for nothing", c.weights, typ)
			liveURNs = append(liveURNs, live.URN)
		}
		for _, typ := range []string{"a", "aaaa"} {
			other := record(t, res, "web-dns-"+c.other+"-"+typ)
			assert.Equal(t, liveURNs, other.DependsOn, "%v: the %s %s record waits for both live records", c.weights, c.other, typ)
			direct := record(t, res, "web-dns-direct-"+c.other+"-"+typ)
			assert.Empty(t, direct.DependsOn, "%v: direct names carry no weight and wait for nothing", c.weights)
		}
	}
}

// The records are fields of the component, keyed by logical name, as awsx
// exposes children.
func TestChildrenAreExposed(t *testing.T) {
	got, _ := records.Declared(t, "web-dns", validArgs(map[string]int{"blue": 100}))
	assert.NotNil(t, got.Records["web-dns-blue-a"], "a weighted record by its logical name")
	assert.Len(t, got.Records, 8, "every record the component declared")
}
