package stacks

import (
	"errors"
	"maps"
	"regexp"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/video-platform/video-platform/internal/offline"
	"github.com/video-platform/video-platform/internal/offline/offlinetest"
)

// goSlice is how fmt prints a []string: [staging prod].
var goSlice = regexp.MustCompile(`\[[A-Za-z0-9_.:-]+( [A-Za-z0-9_.:-]+)+\]`)

// refusedCase is one config a stack must refuse: what it must say, and
// under which stack.
type refusedCase struct {
	name, stack string
	values      map[string]any
	want        string
}

// refuse runs every case as a stack of e's env and checks what every
// refusal must do: nothing but StackReferences is registered before it,
// every error is a *ConfigError (so that `infra synth` exits 2, not 1)
// naming the stack, the messages read as sentences, and one of them is
// the case's.
func (e *envRender) refuse(t *testing.T, cases []refusedCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := e.refused(t, offline.Stack{Name: c.stack, Config: cfgJSON(t, c.values), StackOutputs: e.outputs})
			assert.Contains(t, err.Error(), c.want, "the message names the stack, key, value and what is accepted")
		})
	}
}

func (e *envRender) refused(t *testing.T, stack offline.Stack) error {
	t.Helper()
	res, err := offlinetest.RunRejected(t, stack, func(ctx *pulumi.Context) error {
		_, err := Program(ctx)
		return err
	})
	for _, r := range res.Resources {
		assert.Equal(t, offline.StackReferenceType, r.Type, "nothing but stack references is declared before the config is refused, got %s", r.Name)
	}
	reported := map[string]bool{}
	for _, leaf := range leaves(err) {
		var ce *ConfigError
		if assert.True(t, errors.As(leaf, &ce), "a config error, so that synth exits 2: %v", leaf) {
			assert.Equal(t, stack.Name, ce.Stack, "names the stack")
			assert.False(t, ce.Key != "" && reported[ce.Key], "%s is reported once, by the first check that refuses it", ce.Key)
			reported[ce.Key] = true
		}
	}
	assert.NotContains(t, err.Error(), "error occurred", "no multierror framing")
	assert.False(t, goSlice.MatchString(err.Error()), "no Go slice formatting: %s", err)
	return err
}

// leaves are the errors a joined error is made of.
func leaves(err error) []error {
	if joined, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range joined.Unwrap() {
			out = append(out, leaves(e)...)
		}
		return out
	}
	return []error{err}
}

// with returns a copy of values with key set to v.
func with(values map[string]any, key string, v any) map[string]any {
	out := maps.Clone(values)
	out[key] = v
	return out
}

// edit returns a copy of an object value of values, changed by mut.
func edit(values map[string]any, key string, mut func(m map[string]any)) map[string]any {
	out := maps.Clone(values)
	m := maps.Clone(values[key].(map[string]any))
	mut(m)
	out[key] = m
	return out
}

func TestExplicitValuesAreValidatedAsGiven(t *testing.T) {
	e := newEnvRender(t, "prod")
	e.upToDNS(true)
	base := baseValues("prod")
	schedule := func(tz any) map[string]any {
		s := peakSchedule()
		s["timeZone"] = tz
		return with(base, "schedules", map[string]any{"web": []any{s}})
	}
	e.refuse(t, []refusedCase{
		{"keep no image", "prod", with(base, "keepImages", 0),
			"stack prod: config video-platform:keepImages = 0 is not accepted; accepted: an integer from 1 to 1000"},
		{"never retry a job", "prod", edit(base, "queue", func(m map[string]any) { m["maxReceiveCount"] = 0 }),
			"stack prod: config video-platform:queue.maxReceiveCount = 0 is not accepted; accepted: an integer from 1 to 1000"},
		{"page at once", "prod", edit(base, "queue", func(m map[string]any) { m["oldestMessageAlarmSeconds"] = 0 }),
			"stack prod: config video-platform:queue.oldestMessageAlarmSeconds = 0 is not accepted; accepted: an integer from 60 to 1209600"},
		{"blank CIDR", "prod", edit(base, "network", func(m map[string]any) { m["cidr"] = "" }),
			`stack prod: config video-platform:network.cidr = "" is not accepted; accepted: an IPv4 CIDR block such as 10.20.0.0/16`},
		{"launch loop window zero", "prod", with(base, "launchLoop", map[string]any{"windowMinutes": 0}),
			"stack prod: config video-platform:launchLoop.windowMinutes = 0 is not accepted; accepted: an integer from 5 to 1440"},
		{"blank time zone", "prod", schedule(""),
			`stack prod: config video-platform:schedules.web[0].timeZone = "" is not accepted; accepted: an IANA time zone such as Europe/Berlin; leave timeZone out for UTC`},
		{"keep no draining group", "prod-transcoders", edit(transcoderValues(), "transcoders", func(m map[string]any) { m["maxDraining"] = 0 }),
			"stack prod-transcoders: config video-platform:transcoders.maxDraining = 0 is not accepted; accepted: an integer from 1 to 5"},
		{"no time to finish a job", "prod-transcoders", edit(transcoderValues(), "transcoders", func(m map[string]any) { m["jobHeartbeatSeconds"] = 0 }),
			"stack prod-transcoders: config video-platform:transcoders.jobHeartbeatSeconds = 0 is not accepted; accepted: an integer from 300 to 7200"},
		{"no on-demand base in prod", "prod-transcoders", edit(transcoderValues(), "transcoders", func(m map[string]any) { m["onDemandBase"] = 0 }),
			"stack prod-transcoders: config video-platform:transcoders.onDemandBase = 0 is not accepted; accepted: at least 1 in prod"},
		{"alarm on no unhealthy host", "prod-web-blue", edit(copyValues("r3", 1, 2, 1), "copy", func(m map[string]any) { m["alarms"] = map[string]any{"unhealthyHosts": 0} }),
			"stack prod-web-blue: config video-platform:copy.alarms.unhealthyHosts = 0 is not accepted; accepted: an integer from 1 to 1000"},
	})
}

// A key left out takes the default of the component that owns it; one set
// is used as given, 0 included.
func TestLeftOutValuesTakeTheDefaults(t *testing.T) {
	e := newEnvRender(t, "staging")
	res := e.mustRun("staging", baseValues("staging"))
	lifecycle := offlinetest.Find(t, res, "aws:ecr/lifecyclePolicy:LifecyclePolicy", "web-lifecycle")
	assert.Contains(t, offlinetest.Input(t, lifecycle, "policy"), `"countNumber":30`, "the image component keeps 30")
	jobs := offlinetest.Find(t, res, "aws:sqs/queue:Queue", "transcode-queue")
	assert.Contains(t, offlinetest.Input(t, jobs, "redrivePolicy"), `"maxReceiveCount":5`, "the queue component's retries")
	oldest := offlinetest.Find(t, res, "aws:cloudwatch/metricAlarm:MetricAlarm", "transcode-oldest-message")
	assert.Equal(t, 900.0, offlinetest.Input(t, oldest, "threshold"), "the queue component's alarm age")

	values := baseValues("staging")
	values["network"] = map[string]any{"azCount": 2}
	values["keepImages"] = 7
	res = e.mustRun("staging", values)
	assert.Equal(t, "10.0.0.0/16", offlinetest.Input(t, offlinetest.Find(t, res, typeVpc, "vpc"), "cidrBlock"), "a VPC created without a CIDR gets the default one")
	lifecycle = offlinetest.Find(t, res, "aws:ecr/lifecyclePolicy:LifecyclePolicy", "web-lifecycle")
	assert.Contains(t, offlinetest.Input(t, lifecycle, "policy"), `"countNumber":7`, "a count set is used")

	tr := transcoderValues()
	tr["transcoders"].(map[string]any)["draining"] = []string{"r1", "r2"}
	res = e.mustRun("staging-transcoders", tr)
	asg := res.OfType(typeASG)[0]
	assert.Equal(t, 1.0, offlinetest.Input(t, asg, "mixedInstancesPolicy.instancesDistribution.onDemandBaseCapacity"), "the fleet's on-demand base")
	assert.Equal(t, 1800.0, offlinetest.Input(t, asg, "initialLifecycleHooks[0].heartbeatTimeout"), "the fleet's heartbeat")
	assert.Len(t, res.OfType(typeASG), 3, "two draining groups: the default maxDraining")

	tr = edit(transcoderValues(), "transcoders", func(m map[string]any) { m["onDemandBase"] = 0 })
	res = e.mustRun("staging-transcoders", tr)
	for _, g := range res.OfType(typeASG) {
		assert.Equal(t, 0.0, offlinetest.Input(t, g, "mixedInstancesPolicy.instancesDistribution.onDemandBaseCapacity"), "all Spot, as set, in %s", g.Name)
	}
}

func TestComponentRefusalsAreCaughtByTheConfig(t *testing.T) {
	e := newEnvRender(t, "prod")
	e.upToDNS(true)
	base := baseValues("prod")
	schedule := func(field string, v any) map[string]any {
		s := peakSchedule()
		s[field] = v
		return with(base, "schedules", map[string]any{"web": []any{s}})
	}
	types := func(list ...string) map[string]any {
		return edit(transcoderValues(), "transcoders", func(m map[string]any) { m["instanceTypes"] = list })
	}
	tr := func(mut func(m map[string]any)) map[string]any { return edit(transcoderValues(), "transcoders", mut) }
	longName := strings.Repeat("n", 65)
	longHost := strings.Repeat("a.", 123) + "com"
	longDomain := strings.Repeat("a.", 118) + "com"
	e.refuse(t, []refusedCase{
		{"cpu target below 1%", "prod-web-blue", edit(copyValues("r3", 1, 2, 1), "copy", func(m map[string]any) { m["scaling"] = map[string]any{"metric": "cpu", "target": 0.5} }),
			"stack prod-web-blue: config video-platform:copy.scaling.target = 0.5 is not accepted; accepted: a CPU percentage from 1 to 100"},
		{"hour 25", "prod", schedule("recurrence", "0 25 * * *"),
			`stack prod: config video-platform:schedules.web[0].recurrence = "0 25 * * *" is not accepted; accepted: 5 cron fields: minute 0-59, hour 0-23, day 1-31, month 1-12, weekday 0-6; this one has "25" out of range in the hour field`},
		{"the machine's time zone", "prod", schedule("timeZone", "Local"),
			`stack prod: config video-platform:schedules.web[0].timeZone = "Local" is not accepted; accepted: an IANA zone such as "Europe/Berlin"; Local depends on the machine running Pulumi`},
		{"one instance family", "prod-transcoders", types("c6i.xlarge", "c6i.2xlarge", "c6i.4xlarge"),
			`stack prod-transcoders: config video-platform:transcoders.instanceTypes = ["c6i.xlarge","c6i.2xlarge","c6i.4xlarge"] is not accepted; accepted: types from at least 2 families or generations`},
		{"two architectures", "prod-transcoders", types("c6i.xlarge", "c6g.xlarge", "c5.xlarge"),
			`stack prod-transcoders: config video-platform:transcoders.instanceTypes = ["c6i.xlarge","c6g.xlarge","c5.xlarge"] is not accepted; accepted: types of one architecture`},
		{"a type twice", "prod-transcoders", types("c6i.xlarge", "c5.xlarge", "c5.xlarge"),
			`stack prod-transcoders: config video-platform:transcoders.instanceTypes[2] = "c5.xlarge" is not accepted; accepted: distinct types; it is listed twice`},
		{"a c type that is no compute family", "prod-transcoders", types("cx1.large", "c6i.xlarge", "c5.xlarge"),
			`stack prod-transcoders: config video-platform:transcoders.instanceTypes[0] = "cx1.large" is not accepted; accepted: a compute-optimized type`},
		{"active fleet at zero", "prod-transcoders", edit(transcoderValues(), "transcoders", func(m map[string]any) { m["capacity"] = map[string]any{"min": 0, "max": 10, "desired": 2} }),
			"stack prod-transcoders: config video-platform:transcoders.capacity.min = 0 is not accepted; accepted: at least 1 for a fleet that takes jobs"},
		{"a hostname with a capital", "prod-dns", map[string]any{"live": map[string]string{"web": "blue", "recorder": "blue"}, "hostnames": map[string]string{"web": "Web.example.com"}},
			`stack prod-dns: config video-platform:hostnames.web = "Web.example.com" is not accepted; accepted: labels of 1 to 63 lowercase letters, digits and inner hyphens; "Web" is not one`},
		{"hostname whose direct name is too long", "prod-dns", map[string]any{"live": map[string]string{"web": "blue", "recorder": "blue"}, "hostnames": map[string]string{"web": longHost}},
			`stack prod-dns: config video-platform:hostnames.web = "` + longHost + `" is not accepted; accepted: a name whose direct name green.` + longHost + ` fits in 253 characters; it has 255`},
		{"domain too long for its services", "prod", edit(base, "domain", func(m map[string]any) { m["name"] = longDomain }),
			`stack prod: config video-platform:domain.name = "` + longDomain + `" is not accepted; accepted: a domain under which recorder.` + longDomain + ` is a hostname`},
		{"more zones than the region has", "prod", edit(base, "network", func(m map[string]any) { m["azCount"] = 5 }),
			"stack prod: config video-platform:network.azCount = 5 is not accepted; accepted: at most the 4 zones the region offers (us-east-1a, us-east-1b, us-east-1c, us-east-1d)"},
		{"an adopted VPC with no ID after vpc-", "prod", edit(base, "network", func(m map[string]any) {
			delete(m, "cidr")
			m["existing"] = map[string]any{"vpcId": "vpc-", "publicSubnetIds": []string{"subnet-1", "subnet-2", "subnet-3"}, "privateSubnetIds": []string{"subnet-4", "subnet-5", "subnet-6"}}
		}), `stack prod: config video-platform:network.existing.vpcId = "vpc-" is not accepted; accepted: a VPC ID such as vpc-0abc1234`},
		{"an adopted subnet ID with a space", "prod", edit(base, "network", func(m map[string]any) {
			delete(m, "cidr")
			m["existing"] = map[string]any{"vpcId": "vpc-1", "publicSubnetIds": []string{"subnet-1", "subnet-2", "subnet-3"}, "privateSubnetIds": []string{"subnet-4", "subnet-5", "subnet-6 "}}
		}), `stack prod: config video-platform:network.existing.privateSubnetIds[2] = "subnet-6 " is not accepted; accepted: a subnet ID such as subnet-0abc1234`},
		{"an adopted VPC for a public subnet", "prod", edit(base, "network", func(m map[string]any) {
			delete(m, "cidr")
			m["existing"] = map[string]any{"vpcId": "vpc-1", "publicSubnetIds": []string{"subnet-1", "vpc-2", "subnet-3"}, "privateSubnetIds": []string{"subnet-4", "subnet-5", "subnet-6"}}
		}), `stack prod: config video-platform:network.existing.publicSubnetIds[1] = "vpc-2" is not accepted; accepted: a subnet ID such as subnet-0abc1234`},
		// The ranges and patterns below are the components' own too: the
		// stacks map their config onto the Args and validate it with the
		// components' Validate, naming their own key.
		{"a copy above the pool's largest size", "prod-web-blue", copyValues("r3", 1, 1001, 1),
			`stack prod-web-blue: config video-platform:copy.capacity = {"min":1,"max":1001,"desired":1} is not accepted; accepted: 0 <= min <= desired <= max <= 1000`},
		{"an instance type without a generation", "prod-web-blue", edit(copyValues("r3", 1, 2, 1), "copy", func(m map[string]any) { m["instanceType"] = "m.large" }),
			`stack prod-web-blue: config video-platform:copy.instanceType = "m.large" is not accepted; accepted: an EC2 instance type such as "c6i.large"`},
		{"a schedule name longer than a scheduled action's", "prod", schedule("name", longName),
			`stack prod: config video-platform:schedules.web[0].name = "` + longName + `" is not accepted; accepted: letters, digits and dashes, at most 64 characters`},
		{"a schedule running backwards", "prod", schedule("recurrence", "0 22-6 * * *"),
			`stack prod: config video-platform:schedules.web[0].recurrence = "0 22-6 * * *" is not accepted; accepted: 5 cron fields: minute 0-59, hour 0-23, day 1-31, month 1-12, weekday 0-6; this one has the range "22-6" running backwards in the hour field`},
		{"transcoders out of order", "prod-transcoders", tr(func(m map[string]any) { m["capacity"] = map[string]any{"min": 3, "max": 2, "desired": 2} }),
			`stack prod-transcoders: config video-platform:transcoders.capacity = {"min":3,"max":2,"desired":2} is not accepted; accepted: 0 <= min <= desired <= max <= 1000`},
		{"an on-demand base above the fleet", "prod-transcoders", tr(func(m map[string]any) { m["onDemandBase"] = 11 }),
			"stack prod-transcoders: config video-platform:transcoders.onDemandBase = 11 is not accepted; accepted: at most MaxSize (10) for a fleet that takes jobs"},
		{"a negative on-demand percentage", "prod-transcoders", tr(func(m map[string]any) { m["onDemandPercentageAboveBase"] = -1 }),
			"stack prod-transcoders: config video-platform:transcoders.onDemandPercentageAboveBase = -1 is not accepted; accepted: an integer from 0 to 100"},
		{"a warming release that is no tag", "prod-transcoders", tr(func(m map[string]any) { m["warming"] = "r 4" }),
			`stack prod-transcoders: config video-platform:transcoders.warming = "r 4" is not accepted; accepted: a non-empty image tag`},
		{"an active release that is a keep tag", "prod-transcoders", tr(func(m map[string]any) { m["active"] = "keep-r3" }),
			`stack prod-transcoders: config video-platform:transcoders.active = "keep-r3" is not accepted; accepted: a non-empty image tag`},
	})
}

func TestUnknownKeysAreRefused(t *testing.T) {
	e := newEnvRender(t, "prod")
	e.upToDNS(true)
	const baseKeys = "video-platform:network, video-platform:domain, video-platform:queue, video-platform:amiId, video-platform:keepImages, " +
		"video-platform:alertEmails, video-platform:alertsWebhookUrl, video-platform:launchLoop, video-platform:schedules"
	live := map[string]any{"live": map[string]string{"web": "blue", "recorder": "blue"}}
	e.refuse(t, []refusedCase{
		{"a typo", "prod", with(baseValues("prod"), "keepImage", 3),
			"stack prod: config video-platform:keepImage is not a key of this project; accepted: in a base stack, " + baseKeys},
		{"a copy in the base stack file", "prod", with(baseValues("prod"), "copy", copyValues("r3", 1, 2, 1)["copy"]),
			"stack prod: config video-platform:copy is a key of the copy stacks prod-<service>-<color> (Pulumi.prod-<service>-<color>.yaml), not of a base stack; accepted: in a base stack, " + baseKeys},
		{"a swap in a copy", "prod-web-blue", with(copyValues("r3", 1, 2, 1), "live", live["live"]),
			"stack prod-web-blue: config video-platform:live is a key of the DNS stack prod-dns (Pulumi.prod-dns.yaml), not of a copy stack; accepted: in a copy stack, video-platform:copy"},
		{"transcoders in the DNS stack", "prod-dns", with(live, "transcoders", transcoderValues()["transcoders"]),
			"stack prod-dns: config video-platform:transcoders is a key of the transcoders stack prod-transcoders (Pulumi.prod-transcoders.yaml), not of a dns stack; " +
				"accepted: in a dns stack, video-platform:live, video-platform:canary, video-platform:previous, video-platform:hostnames"},
		{"a base key in the transcoders stack", "prod-transcoders", with(transcoderValues(), "keepImages", "30"),
			"stack prod-transcoders: config video-platform:keepImages is a key of the base stack prod (Pulumi.prod.yaml), not of a transcoders stack"},
		{"a path set without --path", "prod-web-blue", with(copyValues("r3", 1, 2, 1), "copy.release", "r4"),
			"stack prod-web-blue: config video-platform:copy.release is not a key of this project; to set copy.release inside video-platform:copy, use `pulumi config set --path`; " +
				"accepted: in a copy stack, video-platform:copy"},
	})

	// A secret in the wrong stack is named, never shown.
	cfg := cfgJSON(t, copyValues("r3", 1, 2, 1))
	cfg[ProjectName+":alertsWebhookUrl"] = "https://hooks.example.com/T0/B0/secret"
	err := e.refused(t, offline.Stack{Name: "prod-web-blue", Config: cfg, SecretKeys: []string{ProjectName + ":alertsWebhookUrl"}, StackOutputs: e.outputs})
	assert.Contains(t, err.Error(), "stack prod-web-blue: config video-platform:alertsWebhookUrl is a key of the base stack prod (Pulumi.prod.yaml), not of a copy stack", "named")
	assert.NotContains(t, err.Error(), "hooks.example.com", "the secret is not shown")
}

func TestMissingConfigIsNamed(t *testing.T) {
	e := newEnvRender(t, "prod")
	e.upToDNS(true)
	base := baseValues("prod")
	e.refuse(t, []refusedCase{
		{"no copy", "prod-web-blue", map[string]any{},
			"stack prod-web-blue: config video-platform:copy is not set; set it in Pulumi.prod-web-blue.yaml"},
		{"the copy Pulumi.yaml gives every stack", "prod-web-blue", map[string]any{"copy": map[string]any{}},
			"stack prod-web-blue: config video-platform:copy is not set; set it in Pulumi.prod-web-blue.yaml"},
		{"no transcoders", "prod-transcoders", map[string]any{},
			"stack prod-transcoders: config video-platform:transcoders is not set; set it in Pulumi.prod-transcoders.yaml"},
		{"no live colors", "prod-dns", map[string]any{"canary": map[string]int{"web": 10}},
			"stack prod-dns: config video-platform:live is not set; set it in Pulumi.prod-dns.yaml"},
		{"no network", "prod", with(base, "network", map[string]any{}),
			"stack prod: config video-platform:network is not set; set it in Pulumi.prod.yaml"},
		{"no queue", "prod", with(base, "queue", map[string]any{}),
			"stack prod: config video-platform:queue is not set; set it in Pulumi.prod.yaml"},
		{"a release left out", "prod-web-blue", edit(copyValues("r3", 1, 2, 1), "copy", func(m map[string]any) { delete(m, "release") }),
			"stack prod-web-blue: config video-platform:copy.release = (unset) is not accepted; accepted: a non-empty image tag"},
		{"a job time left out", "prod-transcoders", edit(transcoderValues(), "transcoders", func(m map[string]any) { delete(m, "averageJobSeconds") }),
			"stack prod-transcoders: config video-platform:transcoders.averageJobSeconds = (unset) is not accepted; accepted: a positive number of seconds"},
		{"an AZ count left out", "prod", edit(base, "network", func(m map[string]any) { delete(m, "azCount") }),
			"stack prod: config video-platform:network.azCount = (unset) is not accepted; accepted: an integer from 3 to 6"},
	})
}

func TestWrongTypesNameTheField(t *testing.T) {
	e := newEnvRender(t, "prod")
	e.upToDNS(true)
	cp := func(mut func(m map[string]any)) map[string]any { return edit(copyValues("r3", 1, 2, 1), "copy", mut) }
	tr := func(mut func(m map[string]any)) map[string]any { return edit(transcoderValues(), "transcoders", mut) }
	e.refuse(t, []refusedCase{
		{"a word for a number", "prod-web-blue", cp(func(m map[string]any) { m["capacity"] = map[string]any{"min": "three", "max": 3, "desired": 3} }),
			`stack prod-web-blue: config video-platform:copy.capacity.min = "three" is not accepted; accepted: an integer`},
		{"a fraction of an instance", "prod-web-blue", cp(func(m map[string]any) { m["capacity"] = map[string]any{"min": 1, "max": 2.5, "desired": 1} }),
			"stack prod-web-blue: config video-platform:copy.capacity.max = 2.5 is not accepted; accepted: an integer"},
		{"a word for an object", "prod-web-blue", cp(func(m map[string]any) { m["capacity"] = "big" }),
			`stack prod-web-blue: config video-platform:copy.capacity = "big" is not accepted; accepted: an object with the fields min, max, desired`},
		{"a text for a number", "prod-web-blue", cp(func(m map[string]any) { m["scaling"] = map[string]any{"metric": "cpu", "target": "50"} }),
			`stack prod-web-blue: config video-platform:copy.scaling.target = "50" is not accepted; accepted: a number`},
		{"a field of a field misspelt", "prod-web-blue", cp(func(m map[string]any) { m["capacity"] = map[string]any{"mn": 1, "max": 2, "desired": 1} }),
			"stack prod-web-blue: config video-platform:copy.capacity.mn is not a field of video-platform:copy.capacity; accepted: its fields min, max, desired"},
		{"one release for a list", "prod-transcoders", tr(func(m map[string]any) { m["draining"] = "r2" }),
			`stack prod-transcoders: config video-platform:transcoders.draining = "r2" is not accepted; accepted: a list of strings`},
		{"a number in a list", "prod-transcoders", tr(func(m map[string]any) { m["draining"] = []any{"r2", 7} }),
			"stack prod-transcoders: config video-platform:transcoders.draining[1] = 7 is not accepted; accepted: a string"},
		{"true for a color", "prod-dns", map[string]any{"live": map[string]any{"web": true, "recorder": "blue"}},
			"stack prod-dns: config video-platform:live.web = true is not accepted; accepted: a string"},
		{"a word for a count", "prod", with(baseValues("prod"), "keepImages", "lots"),
			`stack prod: config video-platform:keepImages = "lots" is not accepted; accepted: an integer`},
		{"one address for a list", "prod", with(baseValues("prod"), "alertEmails", "oncall@video.example.com"),
			`stack prod: config video-platform:alertEmails = "oncall@video.example.com" is not accepted; accepted: a list of strings`},
		{"a schedule field misspelt", "prod", with(baseValues("prod"), "schedules", map[string]any{"web": []any{
			map[string]any{"name": "peak", "recurrence": "0 7 * * *", "capacty": map[string]int{"min": 1, "max": 2, "desired": 1}},
		}}), "stack prod: config video-platform:schedules.web[0].capacty is not a field of video-platform:schedules.web[0]; accepted: its fields name, recurrence, timeZone, capacity"},
	})
}

func TestStacksDeployedOutOfOrderSayWhatToDo(t *testing.T) {
	first := func(stack string) string {
		return "reads the outputs of " + stack + ", which is not deployed: run `infra up prod --stack " + stack + "` (or pulumi up -s " + stack + ") first"
	}
	live := map[string]any{"live": map[string]string{"web": "blue", "recorder": "blue"}}
	nothing := newEnvRender(t, "prod")
	nothing.refuse(t, []refusedCase{
		{"a copy before the base", "prod-web-blue", copyValues("r3", 1, 2, 1), "stack prod-web-blue " + first("prod")},
		{"the transcoders before the base", "prod-transcoders", transcoderValues(), "stack prod-transcoders " + first("prod")},
		{"the DNS stack before the base", "prod-dns", live, "stack prod-dns " + first("prod")},
	})

	destroyed := newEnvRender(t, "prod")
	destroyed.outputs["prod"] = map[string]any{}
	destroyed.refuse(t, []refusedCase{{"a copy on a destroyed base", "prod-web-blue", copyValues("r3", 1, 2, 1), "stack prod-web-blue " + first("prod")}})

	older := newEnvRender(t, "prod")
	older.mustRun("prod", baseValues("prod"))
	delete(older.outputs["prod"], "schedules")
	older.refuse(t, []refusedCase{{"a base deployed by older code", "prod-web-blue", copyValues("r3", 1, 2, 1),
		"stack prod-web-blue reads the output schedules of prod, which its last deployment did not export: run `infra up prod --stack prod` (or pulumi up -s prod) again first"}})

	e := newEnvRender(t, "prod")
	e.mustRun("prod", baseValues("prod"))
	e.mustRun("prod-web-blue", copyValues("r3", 3, 9, 3))
	e.mustRun("prod-recorder-blue", copyValues("r3", 3, 9, 3))
	e.refuse(t, []refusedCase{{"DNS to a copy never deployed", "prod-dns", map[string]any{"live": map[string]string{"web": "green", "recorder": "blue"}},
		`stack prod-dns: config video-platform:live.web = "green" is not accepted; accepted: a color whose copy is deployed; prod-web-green is not (destroyed or never deployed) ` +
			"but would get 100% of the traffic: run `infra up prod --stack prod-web-green` (or pulumi up -s prod-web-green) first"}})

	// The idle colors were never deployed: they get no records until they are.
	res := e.mustRun("prod-dns", live)
	_, found := res.Find(typeRecord, "web-green-a")
	assert.False(t, found, "no record for a copy that does not exist")
	assert.Equal(t, []string{"prod", "prod-recorder-blue", "prod-web-blue"}, res.References, "only the stacks that exist are referenced")
}

// The refusals above hold for the keys Pulumi.yaml declares as it declares
// them: every kind of stack renders with every other kind's keys at their
// defaults, which the engine passes to every stack.
func TestEveryStackRendersWithThePulumiYamlDefaults(t *testing.T) {
	defaults := projectDefaults(t)
	e := newEnvRender(t, "prod")
	run := func(stack string, values map[string]any) {
		cfg := maps.Clone(defaults)
		maps.Copy(cfg, cfgJSON(t, values))
		res, err := offline.Run(offline.Stack{Name: stack, Config: cfg, StackOutputs: e.outputs}, Program)
		require.NoError(t, err, "%s renders with every other key at its default", stack)
		e.outputs[stack] = res.Outputs
	}
	run("prod", baseValues("prod"))
	for _, stack := range []string{"prod-web-blue", "prod-web-green", "prod-recorder-blue", "prod-recorder-green"} {
		run(stack, copyValues("r3", 1, 2, 1))
	}
	run("prod-transcoders", transcoderValues())
	run("prod-dns", map[string]any{"live": map[string]string{"web": "blue", "recorder": "blue"}})
}
