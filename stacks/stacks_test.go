package stacks

import (
	"encoding/json"
	"sort"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/video-platform/video-platform/internal/iampolicy"
	"github.com/video-platform/video-platform/internal/offline"
	"github.com/video-platform/video-platform/internal/offline/offlinetest"
	"github.com/video-platform/video-platform/internal/render"
)

const (
	typeSubnet   = "aws:ec2/subnet:Subnet"
	typeSG       = "aws:ec2/securityGroup:SecurityGroup"
	typeASG      = "aws:autoscaling/group:Group"
	typeTG       = "aws:lb/targetGroup:TargetGroup"
	typeLB       = "aws:lb/loadBalancer:LoadBalancer"
	typeRecord   = "aws:route53/record:Record"
	typePolicy   = "aws:autoscaling/policy:Policy"
	typeRolePol  = "aws:iam/rolePolicy:RolePolicy"
	typeVpc      = "aws:ec2/vpc:Vpc"
	typeNat      = "aws:ec2/natGateway:NatGateway"
	typeEventRul = "aws:cloudwatch/eventRule:EventRule"
)

func TestBaseProdSpansThreeAZsWithPrivateSubnetsAndNat(t *testing.T) {
	res := newEnvRender(t, "prod").mustRun("prod", baseValues("prod"))

	var private []render.Resource
	for _, s := range res.OfType(typeSubnet) {
		if strings.HasPrefix(s.Name, "private-") {
			private = append(private, s)
		}
	}
	require.Len(t, private, 3, "prod has 3 private subnets")
	zones := map[any]bool{}
	for _, s := range private {
		zones[offlinetest.Input(t, s, "availabilityZone")] = true
		assert.Equal(t, false, offlinetest.Input(t, s, "mapPublicIpOnLaunch"), "no public IPs in %s", s.Name)
	}
	assert.Len(t, zones, 3, "the private subnets sit in 3 different AZs")
	assert.Len(t, res.OfType(typeNat), 3, "prod has one NAT gateway per AZ")
	assert.Equal(t, "10.20.128.0/20", offlinetest.Input(t, offlinetest.Find(t, res, typeSubnet, "private-us-east-1a"), "cidrBlock"), "private blocks start at the 9th /20")
	assert.Len(t, res.Outputs["privateSubnetIds"], 3, "the 3 private subnets are exported")
}

func TestBaseSecurityGroupsOpenOnlyTheServicePortToTheLB(t *testing.T) {
	res := newEnvRender(t, "prod").mustRun("prod", baseValues("prod"))
	for _, sg := range res.OfType(typeSG) {
		ingress, _ := sg.Input("ingress")
		rules, _ := ingress.([]any)
		for _, raw := range rules {
			rule := raw.(map[string]any)
			from, to := rule["fromPort"], rule["toPort"]
			assert.NotEqual(t, 22.0, from, "%s opens no SSH", sg.Name)
			if strings.HasSuffix(sg.Name, "-lb") {
				assert.Contains(t, []any{80.0, 443.0}, from, "%s opens only 80 and 443", sg.Name)
				continue
			}
			assert.Nil(t, rule["cidrBlocks"], "%s is not open to any CIDR", sg.Name)
			assert.Equal(t, from, to, "%s opens a single port", sg.Name)
			lbGroup := []any{offline.Placeholder(typeSG, "id", strings.TrimSuffix(sg.Name, "-instances")+"-lb")}
			assert.Equal(t, lbGroup, rule["securityGroups"], "%s admits only its load balancer", sg.Name)
		}
	}
	web := offlinetest.Find(t, res, typeSG, "web-instances")
	assert.Equal(t, 8080.0, offlinetest.Input(t, web, "ingress[0].fromPort"), "web instances open the web port")
	tr := offlinetest.Find(t, res, typeSG, "transcoder-instances")
	_, hasIngress := tr.Input("ingress[0]")
	assert.False(t, hasIngress, "transcoders accept no inbound traffic")
}

func policyDoc(t *testing.T, res *offline.Result, name string) map[string][]string {
	t.Helper()
	raw := offlinetest.Input(t, offlinetest.Find(t, res, typeRolePol, name), "policy").(string)
	var doc iampolicy.Document
	require.NoError(t, json.Unmarshal([]byte(raw), &doc), "policy %s is JSON", name)
	actions := map[string][]string{}
	for _, s := range doc.Statement {
		for _, a := range s.Action {
			actions[a] = s.Resource
		}
	}
	return actions
}

func TestBaseInstanceRolesAreLeastPrivilege(t *testing.T) {
	res := newEnvRender(t, "prod").mustRun("prod", baseValues("prod"))
	queueARN := []string{offline.Placeholder("aws:sqs/queue:Queue", "arn", "transcode-queue")}

	tr := policyDoc(t, res, "transcoder-policy")
	assert.Equal(t, queueARN, tr["sqs:ReceiveMessage"], "transcoders receive only from their queue")
	assert.Equal(t, queueARN, tr["sqs:DeleteMessage"], "transcoders delete only on their queue")
	assert.NotContains(t, tr, "sqs:SendMessage", "transcoders do not submit jobs")

	web := policyDoc(t, res, "web-policy")
	assert.Equal(t, queueARN, web["sqs:SendMessage"], "web sends to the job queue")
	assert.NotContains(t, web, "sqs:ReceiveMessage", "web does not consume jobs")

	rec := policyDoc(t, res, "recorder-policy")
	assert.NotContains(t, rec, "sqs:SendMessage", "the recorder has no queue access")
	assert.Equal(t, []string{"arn:aws:ecr:us-east-1:123456789012:repository/video-platform/prod/recorder"},
		rec["ecr:BatchGetImage"], "the recorder pulls only its own images")
	assert.Equal(t, []string{"arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:*:autoScalingGroupName/prod-recorder-*"},
		rec["autoscaling:CompleteLifecycleAction"], "lifecycle actions only on the env's recorder groups")

	raw := offlinetest.Input(t, offlinetest.Find(t, res, typeRolePol, "recorder-policy"), "policy").(string)
	assert.Contains(t, raw, `"autoscaling:ResourceTag/env":"prod"`, "lifecycle actions carry the env tag condition")
}

func TestBaseAlertsOnFailedLaunchesAndValidatesTheCertificate(t *testing.T) {
	res := newEnvRender(t, "prod").mustRun("prod", baseValues("prod"))
	rule := offlinetest.Find(t, res, typeEventRul, "launch-failures")
	var pattern map[string]any
	require.NoError(t, json.Unmarshal([]byte(offlinetest.Input(t, rule, "eventPattern").(string)), &pattern), "pattern is JSON")
	assert.Equal(t, []any{"EC2 Instance Launch Unsuccessful"}, pattern["detail-type"], "failed launches")
	assert.Equal(t, []any{map[string]any{"prefix": "prod-"}}, pattern["detail"].(map[string]any)["AutoScalingGroupName"], "only the env's groups")
	target := offlinetest.Find(t, res, "aws:cloudwatch/eventTarget:EventTarget", "launch-failures")
	assert.Equal(t, offline.Placeholder("aws:sns/topic:Topic", "arn", "alerts"), offlinetest.Input(t, target, "arn"), "failures page through the alerts topic")

	cert := offlinetest.Find(t, res, "aws:acm/certificate:Certificate", "certificate")
	assert.Equal(t, "prod.video.example.com", offlinetest.Input(t, cert, "domainName"), "the env's domain")
	validation := offlinetest.Find(t, res, typeRecord, "certificate-validation")
	assert.Equal(t, "Z00000000PLACEHOLDER", offlinetest.Input(t, validation, "zoneId"), "validated in the env's zone")
	assert.Equal(t, "CNAME", offlinetest.Input(t, validation, "type"), "DNS validation record")
}

// Envato's loop launches fine and fails health checks, so the alarm counts
// health-check replacements, and it pages the same topic as everything else.
func TestBasePagesOnALaunchLoop(t *testing.T) {
	values := baseValues("prod")
	values["launchLoop"] = map[string]any{"replacements": 4}
	res := newEnvRender(t, "prod").mustRun("prod", values)
	rule := offlinetest.Find(t, res, typeEventRul, "launch-loop")
	var pattern map[string]any
	require.NoError(t, json.Unmarshal([]byte(offlinetest.Input(t, rule, "eventPattern").(string)), &pattern), "pattern is JSON")
	assert.Equal(t, []any{"EC2 Instance Terminate Successful"}, pattern["detail-type"], "replacements, not failed launches")
	detail := pattern["detail"].(map[string]any)
	assert.Equal(t, []any{map[string]any{"wildcard": "*health check*"}}, detail["Cause"], "only terminations for a failed health check")
	assert.Equal(t, []any{map[string]any{"prefix": "prod-"}}, detail["AutoScalingGroupName"], "only the env's groups")

	alarm := offlinetest.Find(t, res, "aws:cloudwatch/metricAlarm:MetricAlarm", "launch-loop")
	topic := offline.Placeholder("aws:sns/topic:Topic", "arn", "alerts")
	assert.Equal(t, []any{topic}, offlinetest.Input(t, alarm, "alarmActions"), "the alarm pages through the alerts topic")
	assert.Equal(t, "TriggeredRules", offlinetest.Input(t, alarm, "metricName"))
	assert.Equal(t, offline.Placeholder(typeEventRul, "name", "launch-loop"), offlinetest.Input(t, alarm, "dimensions.RuleName"), "it counts the loop rule's matches")
	assert.Equal(t, 4.0, offlinetest.Input(t, alarm, "threshold"), "the configured replacements")
	assert.Equal(t, 30*60.0, offlinetest.Input(t, alarm, "period"), "the default window")
	assert.Equal(t, "notBreaching", offlinetest.Input(t, alarm, "treatMissingData"), "no replacements is the healthy case")

	sub := offlinetest.Find(t, res, "aws:sns/topicSubscription:TopicSubscription", "alerts-email-0")
	assert.Equal(t, topic, offlinetest.Input(t, sub, "topic"))
	assert.Equal(t, "oncall@video.example.com", offlinetest.Input(t, sub, "endpoint"))
}

// The webhook alone is a subscriber: prod needs someone, not an address.
func TestProdAlertsMayGoToTheWebhookOnly(t *testing.T) {
	values := baseValues("prod")
	delete(values, "alertEmails")
	values["alertsWebhookUrl"] = "https://hooks.example.com/T0/B0/secret"
	cfg := cfgJSON(t, values)
	res, err := offline.Run(offline.Stack{Name: "prod", Config: cfg, SecretKeys: []string{ProjectName + ":alertsWebhookUrl"}}, Program)
	require.NoError(t, err)
	sub := offlinetest.Find(t, res, "aws:sns/topicSubscription:TopicSubscription", "alerts-webhook")
	assert.Equal(t, "https", offlinetest.Input(t, sub, "protocol"))
	assert.Empty(t, res.OfType("aws:sns/topicSubscription:TopicSubscription")[1:], "the webhook is the only subscriber")
}

func TestBaseAdoptsAnExistingNetwork(t *testing.T) {
	values := baseValues("staging")
	values["network"] = map[string]any{"azCount": 2, "existing": map[string]any{
		"vpcId": "vpc-0abc", "publicSubnetIds": []string{"subnet-p1", "subnet-p2"}, "privateSubnetIds": []string{"subnet-a", "subnet-b"},
	}}
	res := newEnvRender(t, "staging").mustRun("staging", values)
	assert.Empty(t, res.OfType(typeVpc), "no VPC is created when adopting")
	assert.Empty(t, res.OfType(typeSubnet), "no subnet is created when adopting")
	assert.Equal(t, []any{"subnet-a", "subnet-b"}, res.Outputs["privateSubnetIds"], "adopted subnets are exported")
	assert.Equal(t, "vpc-0abc", offlinetest.Input(t, offlinetest.Find(t, res, typeSG, "web-lb"), "vpcId"), "groups live in the adopted VPC")
}

func TestRecorderCopyDrainsForAnHourAndStaysSticky(t *testing.T) {
	e := newEnvRender(t, "prod")
	e.mustRun("prod", baseValues("prod"))
	res := e.mustRun("prod-recorder-blue", copyValues("r3", 3, 9, 3))

	tg := offlinetest.Find(t, res, typeTG, "recorder-blue-tg")
	assert.Equal(t, 3600.0, offlinetest.Input(t, tg, "deregistrationDelay"), "recordings drain for an hour")
	assert.Equal(t, true, offlinetest.Input(t, tg, "stickiness.enabled"), "a recording stays on its server")
	assert.Equal(t, "lb_cookie", offlinetest.Input(t, tg, "stickiness.type"), "cookie stickiness")
	lb := offlinetest.Find(t, res, typeLB, "recorder-blue-alb")
	assert.Equal(t, 3600.0, offlinetest.Input(t, lb, "idleTimeout"), "websockets stay open")
	asg := offlinetest.Find(t, res, typeASG, "recorder-blue-asg")
	assert.Equal(t, 3900.0, offlinetest.Input(t, asg, "initialLifecycleHooks[0].heartbeatTimeout"), "instances finish their recordings before termination")
	assert.Len(t, offlinetest.Input(t, asg, "vpcZoneIdentifiers"), 3, "the pool spans 3 subnets")
	assert.Equal(t, "ELB", offlinetest.Input(t, asg, "healthCheckType"), "ELB health checks")
	assert.Equal(t, "r3", res.Outputs["release"], "release exported")
	assert.Equal(t, map[string]any{"min": 3.0, "max": 9.0, "desired": 3.0}, res.Outputs["capacity"], "capacity exported")

	web := e.mustRun("prod-web-green", copyValues("r3", 2, 4, 2))
	webTG := offlinetest.Find(t, web, typeTG, "web-green-tg")
	assert.Equal(t, 60.0, offlinetest.Input(t, webTG, "deregistrationDelay"), "web drains quickly")
	sticky, _ := webTG.Input("stickiness.enabled")
	assert.NotEqual(t, true, sticky, "web is not sticky")
	policy := offlinetest.Find(t, web, typePolicy, "web-green-scaling")
	assert.Equal(t, "ALBRequestCountPerTarget",
		offlinetest.Input(t, policy, "targetTrackingConfiguration.predefinedMetricSpecification.predefinedMetricType"), "web scales on requests per target")
}

func TestIdleCopyKeepsItsLoadBalancerAtZeroCapacity(t *testing.T) {
	e := newEnvRender(t, "prod")
	e.mustRun("prod", baseValues("prod"))
	res := e.mustRun("prod-web-green", copyValues("r2", 0, 0, 0))
	asg := offlinetest.Find(t, res, typeASG, "web-green-asg")
	for _, field := range []string{"minSize", "maxSize", "desiredCapacity"} {
		assert.Equal(t, 0.0, offlinetest.Input(t, asg, field), "idle copy %s", field)
	}
	offlinetest.Find(t, res, typeLB, "web-green-alb")
	assert.Empty(t, res.OfType(typePolicy), "an idle copy has no scaling policy to bring it back")
}

func TestTranscodersActiveAndDrainingGroups(t *testing.T) {
	e := newEnvRender(t, "prod")
	e.mustRun("prod", baseValues("prod"))
	res := e.mustRun("prod-transcoders", transcoderValues())

	groups := res.OfType(typeASG)
	require.Len(t, groups, 2, "one group per release")
	byRelease := map[string]render.Resource{}
	for _, g := range groups {
		for _, tag := range offlinetest.Input(t, g, "tags").([]any) {
			if m := tag.(map[string]any); m["key"] == "release" {
				byRelease[m["value"].(string)] = g
			}
		}
	}
	active, draining := byRelease["r3"], byRelease["r2"]
	require.NotEmpty(t, active.Name, "active group tagged with its release")
	require.NotEmpty(t, draining.Name, "draining group tagged with its release")
	assert.Equal(t, []any{1.0, 10.0, 2.0}, []any{offlinetest.Input(t, active, "minSize"), offlinetest.Input(t, active, "maxSize"), offlinetest.Input(t, active, "desiredCapacity")}, "active capacity")
	assert.Equal(t, []any{0.0, 0.0, 0.0}, []any{offlinetest.Input(t, draining, "minSize"), offlinetest.Input(t, draining, "maxSize"), offlinetest.Input(t, draining, "desiredCapacity")}, "draining capacity")
	assert.Equal(t, 1800.0, offlinetest.Input(t, draining, "initialLifecycleHooks[0].heartbeatTimeout"), "a draining group keeps its hook")
	assert.Contains(t, offlinetest.Input(t, active, "namePrefix"), "r3", "the group's name carries its release")
	policies := res.OfType(typePolicy)
	require.Len(t, policies, 1, "only the active group scales")
	assert.Contains(t, policies[0].URN, "transcoder-r3", "the policy belongs to the active release")
	assert.Equal(t, map[string]any{"r2": offline.Placeholder(typeASG, "name", draining.Name), "r3": offline.Placeholder(typeASG, "name", active.Name)},
		res.Outputs["groups"], "groups exported by release")
}

func weights(t *testing.T, res *offline.Result, service string) map[string]float64 {
	t.Helper()
	out := map[string]float64{}
	for _, r := range res.OfType(typeRecord) {
		if !strings.HasPrefix(r.Name, service+"-") || strings.Contains(r.Name, "direct") || !strings.HasSuffix(r.Name, "-a") {
			continue
		}
		out[offlinetest.Input(t, r, "setIdentifier").(string)] = offlinetest.Input(t, r, "weightedRoutingPolicies[0].weight").(float64)
	}
	return out
}

func TestDNSPointsAtTheLiveColorWithDirectNames(t *testing.T) {
	e := newEnvRender(t, "prod")
	e.upToDNS(true)
	res := e.mustRun("prod-dns", map[string]any{"live": map[string]string{"web": "blue", "recorder": "green"}})
	assert.Equal(t, map[string]float64{"blue": 100, "green": 0}, weights(t, res, "web"), "web: live blue gets everything")
	assert.Equal(t, map[string]float64{"blue": 0, "green": 100}, weights(t, res, "recorder"), "recorder: live green gets everything")

	blue := offlinetest.Find(t, res, typeRecord, "web-blue-a")
	assert.Equal(t, "web.prod.video.example.com", offlinetest.Input(t, blue, "name"), "the public hostname")
	assert.Equal(t, offline.Placeholder(typeLB, "dnsName", "web-blue-alb"), offlinetest.Input(t, blue, "aliases[0].name"), "aliased to the blue copy's LB")
	assert.Equal(t, true, offlinetest.Input(t, blue, "aliases[0].evaluateTargetHealth"), "target health is evaluated")
	direct := offlinetest.Find(t, res, typeRecord, "web-direct-green-a")
	assert.Equal(t, "green.web.prod.video.example.com", offlinetest.Input(t, direct, "name"), "the idle copy is testable by name")
	assert.Equal(t, map[string]any{"web": "blue", "recorder": "green"}, res.Outputs["live"], "live colors exported")

	canary := e.mustRun("prod-dns", map[string]any{
		"live": map[string]string{"web": "blue", "recorder": "green"}, "canary": map[string]int{"web": 10},
		"previous": map[string]any{"web": map[string]string{"color": "green", "swappedAt": "2026-11-22T10:00:00Z"}},
	})
	assert.Equal(t, map[string]float64{"blue": 90, "green": 10}, weights(t, canary, "web"), "a 10% canary on green")
	assert.Equal(t, map[string]any{"web": "green"}, canary.Outputs["previous"], "the previous live color is exported")
}

// TestSwapChangesOnlyTheServiceRecords is the contract of a blue-green swap:
// flipping live.web touches the web hostname's Route53 records and nothing
// else, and adds or removes nothing.
func TestSwapChangesOnlyTheServiceRecords(t *testing.T) {
	e := newEnvRender(t, "prod")
	e.upToDNS(true)
	before := e.mustRun("prod-dns", map[string]any{"live": map[string]string{"web": "blue", "recorder": "blue"}})
	after := e.mustRun("prod-dns", map[string]any{"live": map[string]string{"web": "green", "recorder": "blue"}})

	index := func(res *offline.Result) map[string]render.Resource {
		m := map[string]render.Resource{}
		for _, r := range res.Resources {
			m[r.URN] = r
		}
		return m
	}
	old, cur := index(before), index(after)
	require.Equal(t, sortedURNs(old), sortedURNs(cur), "no resource is added or removed")
	var changed []string
	for urn, r := range cur {
		a, _ := json.Marshal(old[urn].Inputs)
		b, _ := json.Marshal(r.Inputs)
		if string(a) != string(b) {
			changed = append(changed, r.Name)
			assert.Equal(t, typeRecord, r.Type, "%s is a Route53 record", r.Name)
		}
	}
	sort.Strings(changed)
	assert.Equal(t, []string{"web-blue-a", "web-green-a"}, changed, "only the web hostname's weighted records change")
	assert.Equal(t, map[string]float64{"blue": 0, "green": 100}, weights(t, after, "web"), "green is live after the swap")
}

func sortedURNs(m map[string]render.Resource) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func TestDNSRefusesToSendTrafficToACopyThatMayHaveNoInstance(t *testing.T) {
	cases := []struct {
		name             string
		minSize, maxSize int
		desired          int
		dns              map[string]any
		key, capacity    string
	}{
		{"idle copy made live", 0, 0, 0, map[string]any{"live": map[string]string{"web": "green", "recorder": "blue"}},
			"video-platform:live.web", "{min:0, desired:0, max:0}"},
		{"min 0 made live", 0, 9, 3, map[string]any{"live": map[string]string{"web": "green", "recorder": "blue"}},
			"video-platform:live.web", "{min:0, desired:3, max:9}"},
		{"desired 0 made live", 0, 9, 0, map[string]any{"live": map[string]string{"web": "green", "recorder": "blue"}},
			"video-platform:live.web", "{min:0, desired:0, max:9}"},
		{"canary to an idle copy", 0, 0, 0, map[string]any{"live": map[string]string{"web": "blue", "recorder": "blue"}, "canary": map[string]int{"web": 10}},
			"video-platform:canary.web", "{min:0, desired:0, max:0}"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnvRender(t, "prod")
			e.upToDNS(true)
			e.mustRun("prod-web-green", copyValues("r4", c.minSize, c.maxSize, c.desired))
			_, err := e.run("prod-dns", c.dns)
			require.Error(t, err, "refused")
			assert.Contains(t, err.Error(), "stack prod-dns: config "+c.key, "names the stack and key")
			assert.Contains(t, err.Error(), "prod-web-green has capacity "+c.capacity, "names the copy and its capacity")
		})
	}
}

func TestUnknownStackNameListsTheValidOnes(t *testing.T) {
	_, err := offline.Run(offline.Stack{Name: "prod-api-blue"}, Program)
	require.Error(t, err, "unknown stack")
	for _, valid := range []string{"prod", "prod-web-blue", "staging-recorder-green", "staging-transcoders", "prod-dns"} {
		assert.Contains(t, err.Error(), valid, "lists %s", valid)
	}
}

func TestBadConfigIsRejectedBeforeAnythingIsDeclared(t *testing.T) {
	e := newEnvRender(t, "prod")
	e.upToDNS(true)
	with := func(base map[string]any, key string, v any) map[string]any {
		out := map[string]any{}
		for k, x := range base {
			out[k] = x
		}
		out[key] = v
		return out
	}
	without := func(base map[string]any, key string) map[string]any {
		out := with(base, key, nil)
		delete(out, key)
		return out
	}
	tr := func(mut func(m map[string]any)) map[string]any {
		v := transcoderValues()
		mut(v["transcoders"].(map[string]any))
		return v
	}
	cp := func(mut func(m map[string]any)) map[string]any {
		v := copyValues("r3", 1, 2, 1)
		mut(v["copy"].(map[string]any))
		return v
	}
	cases := []struct {
		name, stack string
		values      map[string]any
		want        string
	}{
		{"live color purple", "prod-dns", map[string]any{"live": map[string]string{"web": "purple", "recorder": "blue"}},
			`stack prod-dns: config video-platform:live.web = "purple" is not accepted; accepted: one of blue, green`},
		{"canary 150", "prod-dns", map[string]any{"live": map[string]string{"web": "blue", "recorder": "blue"}, "canary": map[string]int{"web": 150}},
			"config video-platform:canary.web = 150 is not accepted; accepted: an integer from 0 to 100"},
		{"live missing a service", "prod-dns", map[string]any{"live": map[string]string{"web": "blue"}},
			"config video-platform:live.recorder = (unset) is not accepted; accepted: blue or green"},
		{"live for an unknown service", "prod-dns", map[string]any{"live": map[string]string{"web": "blue", "recorder": "blue", "api": "blue"}},
			`config video-platform:live.api = "blue" is not accepted; accepted: a key per service: recorder, web`},
		{"bad swap time", "prod-dns", map[string]any{"live": map[string]string{"web": "blue", "recorder": "blue"},
			"previous": map[string]any{"web": map[string]string{"color": "green", "swappedAt": "yesterday"}}},
			`config video-platform:previous.web.swappedAt = "yesterday" is not accepted; accepted: an RFC 3339 time`},
		{"min greater than max", "prod-web-blue", copyValues("r3", 5, 3, 4),
			`stack prod-web-blue: config video-platform:copy.capacity = {"min":5,"max":3,"desired":4} is not accepted; accepted: 0 <= min <= desired <= max <= 1000`},
		{"empty release", "prod-web-blue", copyValues("", 1, 2, 1),
			`config video-platform:copy.release = "" is not accepted; accepted: a non-empty image tag`},
		{"release with no room for its keep tag", "prod-web-blue", copyValues(strings.Repeat("r", 124), 1, 2, 1),
			`config video-platform:copy.release = "` + strings.Repeat("r", 124) + `" is not accepted; accepted: a non-empty image tag of letters, digits, '_', '.' and '-', at most 123 characters, not starting with keep-`},
		{"release that is a keep tag", "prod-web-blue", copyValues("keep-r3", 1, 2, 1),
			`config video-platform:copy.release = "keep-r3" is not accepted; accepted: a non-empty image tag`},
		{"draining release that is a keep tag", "prod-transcoders", tr(func(m map[string]any) { m["draining"] = []string{"keep-r2"} }),
			`config video-platform:transcoders.draining[0] = "keep-r2" is not accepted; accepted: a non-empty image tag of letters, digits, '_', '.' and '-', at most 123 characters, not starting with keep-`},
		{"bad instance type", "prod-web-blue", cp(func(m map[string]any) { m["instanceType"] = "large" }),
			`config video-platform:copy.instanceType = "large" is not accepted; accepted: an EC2 instance type`},
		{"typo in a field", "prod-web-blue", cp(func(m map[string]any) { m["capcity"] = 3 }),
			`stack prod-web-blue: config video-platform:copy.capcity is not a field of video-platform:copy; accepted: its fields release, capacity, instanceType, scaling, deletionProtection, alarms`},
		{"schedules left in a copy", "prod-web-blue", cp(func(m map[string]any) { m["schedules"] = []any{peakSchedule()} }),
			`stack prod-web-blue: config video-platform:copy.schedules is not a field of video-platform:copy any more: schedules belong to the service and now live in the base stack's video-platform:schedules.web (Pulumi.prod.yaml), ` +
				`applied to every copy of web that has capacity; move them there and remove copy.schedules`},
		{"schedules set on a copy stack", "prod-web-green", with(copyValues("r3", 1, 2, 1), "schedules", map[string]any{"web": []any{peakSchedule()}}),
			`stack prod-web-green: config video-platform:schedules is a key of the base stack prod (Pulumi.prod.yaml), not of a copy stack; accepted: in a copy stack, video-platform:copy`},
		{"schedule for an unknown service", "prod", with(baseValues("prod"), "schedules", map[string]any{"api": []any{peakSchedule()}}),
			`stack prod: config video-platform:schedules.api = `},
		{"bad time zone", "prod", with(baseValues("prod"), "schedules", map[string]any{"web": []any{
			map[string]any{"name": "peak", "recurrence": "0 7 * * *", "timeZone": "Mars/Olympus", "capacity": map[string]int{"min": 1, "max": 2, "desired": 1}},
		}}), `stack prod: config video-platform:schedules.web[0].timeZone = "Mars/Olympus" is not accepted; accepted: an IANA time zone`},
		{"cron with four fields", "prod", with(baseValues("prod"), "schedules", map[string]any{"web": []any{
			map[string]any{"name": "peak", "recurrence": "0 7 * *", "capacity": map[string]int{"min": 1, "max": 2, "desired": 1}},
		}}), `config video-platform:schedules.web[0].recurrence = "0 7 * *" is not accepted; accepted: 5 cron fields: minute 0-59, hour 0-23, day 1-31, month 1-12, weekday 0-6; this one has 4 field(s)`},
		{"schedule capacity out of order", "prod", with(baseValues("prod"), "schedules", map[string]any{"recorder": []any{
			map[string]any{"name": "peak", "recurrence": "0 7 * * *", "capacity": map[string]int{"min": 4, "max": 2, "desired": 3}},
		}}), `config video-platform:schedules.recorder[0].capacity = {"min":4,"max":2,"desired":3} is not accepted; accepted: 0 <= min <= desired <= max <= 1000`},
		{"schedule name twice", "prod", with(baseValues("prod"), "schedules", map[string]any{"web": []any{peakSchedule(), peakSchedule()}}),
			`config video-platform:schedules.web[1].name = "weekday-peak" is not accepted; accepted: a name used once per service`},
		{"alarm threshold zero", "prod-web-blue", cp(func(m map[string]any) { m["alarms"] = map[string]any{"errorRatePercent": 0} }),
			`stack prod-web-blue: config video-platform:copy.alarms.errorRatePercent = 0 is not accepted; accepted: a percentage above 0 and at most 100`},
		{"scaling metric", "prod-web-blue", cp(func(m map[string]any) { m["scaling"] = map[string]any{"metric": "memory", "target": 50} }),
			`config video-platform:copy.scaling.metric = "memory" is not accepted; accepted: one of cpu, alb-requests`},
		{"draining includes active", "prod-transcoders", tr(func(m map[string]any) { m["draining"] = []string{"r3"} }),
			`config video-platform:transcoders.draining[0] = "r3" is not accepted; accepted: releases other than the active one (r3)`},
		{"two instance types", "prod-transcoders", tr(func(m map[string]any) { m["instanceTypes"] = []string{"c6i.xlarge", "c5.xlarge"} }),
			`config video-platform:transcoders.instanceTypes = ["c6i.xlarge","c5.xlarge"] is not accepted; accepted: 3 to 20 distinct instance types, so that Spot has several capacity pools to choose from; 2 given`},
		{"memory-optimized type", "prod-transcoders", tr(func(m map[string]any) { m["instanceTypes"] = []string{"c6i.xlarge", "c5.xlarge", "r6i.xlarge"} }),
			`config video-platform:transcoders.instanceTypes[2] = "r6i.xlarge" is not accepted; accepted: a compute-optimized type, whose family starts with "c" and a generation`},
		{"too many draining", "prod-transcoders", tr(func(m map[string]any) { m["draining"] = []string{"r0", "r1", "r2"} }),
			`config video-platform:transcoders.draining = ["r0","r1","r2"] is not accepted; accepted: at most maxDraining (2) releases`},
		{"no on-demand base in prod", "prod-transcoders", tr(func(m map[string]any) { m["onDemandBase"] = 0 }),
			`config video-platform:transcoders.onDemandBase = 0 is not accepted; accepted: at least 1 in prod`},
		{"latency below job time", "prod-transcoders", tr(func(m map[string]any) { m["acceptableLatencySeconds"] = 60 }),
			`config video-platform:transcoders.acceptableLatencySeconds = 60 is not accepted; accepted: at least the average job time (120 s)`},
		{"prod with 2 AZs", "prod", with(baseValues("prod"), "network", map[string]any{"azCount": 2, "cidr": "10.20.0.0/16"}),
			`stack prod: config video-platform:network.azCount = 2 is not accepted; accepted: an integer from 3 to 6`},
		{"bad CIDR", "prod", with(baseValues("prod"), "network", map[string]any{"azCount": 3, "cidr": "10.20.0.0/24"}),
			`config video-platform:network.cidr = "10.20.0.0/24" is not accepted; accepted: a prefix length from /16 to /20`},
		{"single NAT in prod", "prod", with(baseValues("prod"), "network", map[string]any{"azCount": 3, "cidr": "10.20.0.0/16", "singleNatGateway": true}),
			`config video-platform:network.singleNatGateway = true is not accepted; accepted: false in prod`},
		{"zone id", "prod", with(baseValues("prod"), "domain", map[string]any{"name": "prod.example.com", "zoneId": "zone-1"}),
			`config video-platform:domain.zoneId = "zone-1" is not accepted; accepted: a Route53 hosted zone ID`},
		{"job timeout", "prod", with(baseValues("prod"), "queue", map[string]any{"jobTimeoutSeconds": 0}),
			`config video-platform:queue.jobTimeoutSeconds = 0 is not accepted; accepted: an integer from 1 to 43200`},
		{"prod alerts reach nobody", "prod", without(baseValues("prod"), "alertEmails"),
			`stack prod: config video-platform:alertEmails = (unset) is not accepted; accepted: at least one address in prod, or the secret video-platform:alertsWebhookUrl`},
		{"launch loop threshold zero", "prod", with(baseValues("prod"), "launchLoop", map[string]any{"replacements": 0}),
			`stack prod: config video-platform:launchLoop.replacements = 0 is not accepted; accepted: an integer from 1 to 100`},
		{"launch loop window", "prod", with(baseValues("prod"), "launchLoop", map[string]any{"windowMinutes": 7}),
			`config video-platform:launchLoop.windowMinutes = 7 is not accepted; accepted: a multiple of 5`},
		{"missing domain", "prod", map[string]any{"network": baseValues("prod")["network"], "queue": baseValues("prod")["queue"]},
			"stack prod: config video-platform:domain is not set; set it in Pulumi.prod.yaml"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, err := offlinetest.RunRejected(t, offline.Stack{Name: c.stack, Config: cfgJSON(t, c.values), StackOutputs: e.outputs},
				func(ctx *pulumi.Context) error {
					_, err := Program(ctx)
					return err
				})
			for _, r := range res.Resources {
				assert.Equal(t, offline.StackReferenceType, r.Type, "nothing but stack references is declared before validation passes, got %s", r.Name)
			}
			assert.Contains(t, err.Error(), c.want, "the message names the stack, key, value and what is accepted")
		})
	}
}

// A destroyed idle copy (the wedged-copy procedure) leaves the DNS stack
// working: that color has no records, and making it live is refused with
// its name.
func TestDNSWithoutADestroyedIdleCopy(t *testing.T) {
	e := newEnvRender(t, "prod")
	e.upToDNS(true)
	e.outputs["prod-recorder-green"] = map[string]any{} // destroyed: the stack holds nothing
	res, err := e.run("prod-dns", map[string]any{"live": map[string]string{"web": "blue", "recorder": "blue"}})
	require.NoError(t, err, "renders without the destroyed copy")
	_, found := res.Find(typeRecord, "recorder-green-a")
	assert.False(t, found, "no weighted record for the destroyed color")
	_, found = res.Find(typeRecord, "recorder-blue-a")
	assert.True(t, found, "the live color keeps its record")

	_, err = e.run("prod-dns", map[string]any{"live": map[string]string{"web": "blue", "recorder": "green"}})
	require.Error(t, err, "refused")
	assert.Contains(t, err.Error(), "config video-platform:live.recorder", "names the key")
	assert.Contains(t, err.Error(), "prod-recorder-green is not (destroyed or never deployed)", "names the absent copy")
}
