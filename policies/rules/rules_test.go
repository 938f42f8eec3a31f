package rules

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/video-platform/video-platform/internal/contract"
)

type ruleCase struct {
	desc      string
	env       string
	overrides map[string]map[string]any
	resources []Resource
	// wantLevel is checked on every violation when set.
	wantLevel Level
	// want lists, per expected violation in output order, substrings its
	// message must contain. Empty means compliant.
	want [][]string
}

func runRuleCases(t *testing.T, rule string, cases []ruleCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.desc, func(t *testing.T) {
			env := tc.env
			if env == "" {
				env = "prod"
			}
			all, err := Check(fixtureConfig(env, tc.overrides), tc.resources)
			require.NoError(t, err, "Check must accept the fixture config")
			var got []Violation
			for _, v := range all {
				if v.Policy == rule {
					got = append(got, v)
				}
			}
			require.Len(t, got, len(tc.want), "violations of %s: %s", rule, messages(got))
			for i, v := range got {
				owner := resourceByURN(tc.resources, v.URN)
				require.NotEmpty(t, owner.Name, "violation %d must carry the URN of a fixture resource, got %q", i, v.URN)
				assert.Contains(t, v.Message, fmt.Sprintf("%q", owner.Name), "message must name the resource")
				for _, sub := range tc.want[i] {
					assert.Contains(t, v.Message, sub, "message %d should explain the problem and fix", i)
				}
				if tc.wantLevel != "" {
					assert.Equal(t, tc.wantLevel, v.Level, "enforcement level of %s", rule)
				}
			}
		})
	}
}

func messages(vs []Violation) string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = v.Message
	}
	return strings.Join(out, "\n")
}

func resourceByURN(rs []Resource, urn string) Resource {
	for _, r := range rs {
		if r.URN == urn {
			return r
		}
	}
	return Resource{}
}

func TestRuleCatalogue(t *testing.T) {
	kebab := regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	seen := map[string]bool{}
	for _, r := range Rules() {
		assert.Regexp(t, kebab, r.Name, "rule names are kebab-case")
		assert.False(t, seen[r.Name], "rule %s is listed twice", r.Name)
		seen[r.Name] = true
		assert.NotEmpty(t, r.Description, "rule %s needs a description", r.Name)
		assert.True(t, validLevel(r.Level), "rule %s has an invalid default level %q", r.Name, r.Level)
		assert.True(t, r.Resource != nil || r.Stack != nil, "rule %s checks nothing", r.Name)
		if r.Stack != nil {
			// policyx does not hand config to stack policies, so a threshold
			// here would silently differ between preview and synth.
			assert.Empty(t, r.Params, "stack rule %s must not take thresholds", r.Name)
		}
		for _, p := range r.Params {
			for _, production := range []bool{true, false} {
				_, ok := p.convert(p.Default(production))
				assert.True(t, ok, "rule %s: default of %s (production %t) must satisfy its own validation", r.Name, p.Key, production)
			}
		}
	}
	assert.Len(t, seen, 18, "every rule from the spec is registered")
}

func TestCompliantStackHasNoViolations(t *testing.T) {
	for _, env := range []string{"prod", "staging"} {
		got, err := Check(fixtureConfig(env, nil), compliantStack())
		require.NoError(t, err, "default config is valid")
		assert.Empty(t, got, "compliant %s stack should pass every rule, got:\n%s", env, messages(got))
	}
}

func TestCheckIsDeterministic(t *testing.T) {
	stack := compliantStack()
	stack[1].Inputs = with(stack[1].Inputs, "tags", nil)
	stack[7].Inputs = with(stack[7].Inputs, "metadataOptions", nil)
	stack[8].Inputs = with(stack[8].Inputs, "vpcZoneIdentifiers", []any{"subnet-a"})
	first, err := Check(fixtureConfig("prod", nil), stack)
	require.NoError(t, err, "Check on a valid config")
	require.NotEmpty(t, first, "mutated stack must violate something")
	reversed := slices.Clone(stack)
	slices.Reverse(reversed)
	second, err := Check(fixtureConfig("prod", nil), reversed)
	require.NoError(t, err, "Check on a valid config")
	assert.Equal(t, first, second, "output must not depend on input order")
	var order []string
	for _, v := range first {
		order = append(order, v.Policy)
	}
	// Untagging the LB group breaks both its inline rules and the standalone
	// rule pointing at it, and it loses its required tags.
	assert.Equal(t, []string{
		"asg-multi-az", "launch-template-imdsv2",
		"world-ingress-only-on-lb", "world-ingress-only-on-lb", "world-ingress-only-on-lb",
		"required-tags",
	}, order, "violations are grouped in Rules() order")
}

func TestCheckRejectsInvalidConfig(t *testing.T) {
	_, err := Check(Config{Env: "prod", Overrides: map[string]map[string]any{"nope": {}}}, nil)
	require.Error(t, err, "unknown rule must be rejected by Check, not ignored")
	assert.Contains(t, err.Error(), `unknown rule "nope"`, "error names the rule")
}

func TestDisabledRuleReportsNothing(t *testing.T) {
	lt := res(TypeLaunchTemplate, "lt", with(goodLT(), "metadataOptions", nil))
	cfg := Config{Env: "prod", Overrides: map[string]map[string]any{"all": {"enforcementLevel": "disabled"}, "launch-template-imdsv2": {"enforcementLevel": "advisory"}}}
	got, err := Check(cfg, []Resource{lt})
	require.NoError(t, err, "valid config")
	require.Len(t, got, 1, "only the rule re-enabled over 'all' reports: %s", messages(got))
	assert.Equal(t, Advisory, got[0].Level, "per-rule level beats 'all'")
}

func TestASGMultiAZ(t *testing.T) {
	two := []any{"subnet-a", "subnet-b"}
	runRuleCases(t, "asg-multi-az", []ruleCase{
		{desc: "prod with two subnets", resources: []Resource{res(TypeASG, "web-blue", with(goodASG(), "vpcZoneIdentifiers", two))},
			want: [][]string{{"spans 2 AZ(s)", "prod needs at least 3", "add one subnet per AZ to vpcZoneIdentifiers"}}},
		{desc: "staging with two subnets", env: "staging", resources: []Resource{res(TypeASG, "web-blue", with(goodASG(), "vpcZoneIdentifiers", two))}},
		{desc: "prod with three subnets", resources: []Resource{res(TypeASG, "web-blue", goodASG())}},
		{desc: "computed subnet list is not judged", resources: []Resource{res(TypeASG, "web-blue", with(goodASG(), "vpcZoneIdentifiers", UnknownMarker))}},
		{desc: "threshold override", overrides: map[string]map[string]any{"asg-multi-az": {"minAzs": 4.0}},
			resources: []Resource{res(TypeASG, "web-blue", goodASG())}, want: [][]string{{"at least 4"}}},
	})
}

func TestASGELBHealthCheck(t *testing.T) {
	runRuleCases(t, "asg-elb-health-check", []ruleCase{
		{desc: "EC2 health check behind a target group", resources: []Resource{res(TypeASG, "web-blue", with(goodASG(), "healthCheckType", "EC2", "healthCheckGracePeriod", 30))},
			want: [][]string{{`healthCheckType is "EC2"`, `set healthCheckType = "ELB"`}, {"healthCheckGracePeriod 30", "at least 60 seconds"}}},
		{desc: "ELB with grace", resources: []Resource{res(TypeASG, "web-blue", goodASG())}},
		{desc: "no target groups", resources: []Resource{res(TypeASG, "worker", with(goodASG(), "targetGroupArns", []any{}, "healthCheckType", "EC2"))}},
	})
}

func TestLaunchTemplateIMDSv2(t *testing.T) {
	runRuleCases(t, "launch-template-imdsv2", []ruleCase{
		{desc: "optional tokens", resources: []Resource{res(TypeLaunchTemplate, "web-lt", with(goodLT(), "metadataOptions", map[string]any{"httpTokens": "optional"}))},
			want: [][]string{{`httpTokens "optional"`, `set metadataOptions.httpTokens = "required"`}}},
		{desc: "no metadata options", resources: []Resource{res(TypeLaunchTemplate, "web-lt", with(goodLT(), "metadataOptions", nil))},
			want: [][]string{{"httpTokens unset"}}},
		{desc: "required", resources: []Resource{res(TypeLaunchTemplate, "web-lt", goodLT())}},
		{desc: "computed", resources: []Resource{res(TypeLaunchTemplate, "web-lt", with(goodLT(), "metadataOptions", map[string]any{"httpTokens": UnknownMarker}))}},
	})
}

func TestLaunchTemplateEncryptedVolumes(t *testing.T) {
	bdm := func(enc any) []any {
		return []any{map[string]any{"deviceName": "/dev/sdf", "ebs": map[string]any{"encrypted": enc}}}
	}
	runRuleCases(t, "launch-template-encrypted-volumes", []ruleCase{
		{desc: "string false", resources: []Resource{res(TypeLaunchTemplate, "rec-lt", with(goodLT(), "blockDeviceMappings", bdm("false")))},
			want: [][]string{{"/dev/sdf unencrypted", `blockDeviceMappings[0].ebs.encrypted = "true"`}}},
		{desc: "unset", resources: []Resource{res(TypeLaunchTemplate, "rec-lt", with(goodLT(), "blockDeviceMappings", []any{map[string]any{"ebs": map[string]any{"volumeSize": 8}}}))},
			want: [][]string{{"volume #0 unencrypted"}}},
		{desc: "string true", resources: []Resource{res(TypeLaunchTemplate, "rec-lt", with(goodLT(), "blockDeviceMappings", bdm("true")))}},
		{desc: "bool true", resources: []Resource{res(TypeLaunchTemplate, "rec-lt", with(goodLT(), "blockDeviceMappings", bdm(true)))}},
	})
}

func TestNoPublicInstances(t *testing.T) {
	nic := func(v any) []any { return []any{map[string]any{"associatePublicIpAddress": v}} }
	runRuleCases(t, "no-public-instances", []ruleCase{
		{desc: "string true", resources: []Resource{res(TypeLaunchTemplate, "rec-lt", with(goodLT(), "networkInterfaces", nic("true")))},
			want: [][]string{{"public IP on networkInterfaces[0]", `associatePublicIpAddress = "false"`}}},
		{desc: "bool true", resources: []Resource{res(TypeLaunchTemplate, "rec-lt", with(goodLT(), "networkInterfaces", nic(true)))}, want: [][]string{{"public IP"}}},
		{desc: "private", resources: []Resource{res(TypeLaunchTemplate, "rec-lt", goodLT())}},
	})
}

func TestNoWorldSSH(t *testing.T) {
	sgWith := func(perm map[string]any) map[string]any { return with(appSG(), "ingress", []any{perm}) }
	runRuleCases(t, "no-world-ssh", []ruleCase{
		{desc: "inline ssh from anywhere", resources: []Resource{res(TypeSecurityGroup, "bastion-sg", sgWith(map[string]any{"protocol": "tcp", "fromPort": 22, "toPort": 22, "cidrBlocks": []any{"0.0.0.0/0"}}))},
			want: [][]string{{"ingress[0] opens port 22 to 0.0.0.0/0", "SSM Session Manager"}}},
		{desc: "legacy rule all ports over ipv6", resources: []Resource{res(TypeSecurityGroupRule, "wide-open", map[string]any{"type": "ingress", "protocol": "tcp", "fromPort": 0, "toPort": 65535, "ipv6CidrBlocks": []any{"::/0"}, "securityGroupId": "sg-1"})},
			want: [][]string{{"opens all ports to ::/0"}}},
		{desc: "vpc ingress rule protocol -1", resources: []Resource{res(TypeSGIngressRule, "any", map[string]any{"ipProtocol": "-1", "cidrIpv4": "0.0.0.0/0", "securityGroupId": "sg-1"})},
			want: [][]string{{"opens all ports to 0.0.0.0/0"}}},
		{desc: "rdp inside a range", resources: []Resource{res(TypeSGIngressRule, "rdp", map[string]any{"ipProtocol": "tcp", "fromPort": 3000, "toPort": 4000, "cidrIpv4": "0.0.0.0/0", "securityGroupId": "sg-1"})},
			want: [][]string{{"opens port 3389"}}},
		{desc: "https from anywhere", resources: []Resource{res(TypeSecurityGroup, "web-blue-alb-sg", lbSG())}},
		{desc: "ssh from the vpc", resources: []Resource{res(TypeSecurityGroup, "app-sg", sgWith(map[string]any{"protocol": "tcp", "fromPort": 22, "toPort": 22, "cidrBlocks": []any{"10.0.0.0/16"}}))}},
		{desc: "egress rule", resources: []Resource{res(TypeSecurityGroupRule, "out", map[string]any{"type": "egress", "protocol": "-1", "fromPort": 0, "toPort": 0, "cidrBlocks": []any{"0.0.0.0/0"}})}},
		{desc: "computed cidrs", resources: []Resource{res(TypeSGIngressRule, "x", map[string]any{"ipProtocol": "tcp", "fromPort": 22, "toPort": 22, "cidrIpv4": UnknownMarker})}},
	})
}

func TestWorldIngressOnlyOnLBStack(t *testing.T) {
	lb := res(TypeSecurityGroup, "web-blue-alb-sg", lbSG())
	app := res(TypeSecurityGroup, "web-blue-app-sg", appSG())
	rule := func(name, groupID string, port int) Resource {
		return res(TypeSGIngressRule, name, map[string]any{"securityGroupId": groupID, "ipProtocol": "tcp", "fromPort": port, "toPort": port, "cidrIpv4": "0.0.0.0/0"})
	}
	byDep := rule("via-deps", UnknownMarker, 443)
	byDep.PropertyDependencies = map[string][]string{"securityGroupId": {lb.URN}}
	inlineOnApp := res(TypeSecurityGroup, "web-blue-app-sg", with(appSG(), "ingress", []any{map[string]any{"protocol": "tcp", "fromPort": 443, "toPort": 443, "cidrBlocks": []any{"0.0.0.0/0"}}}))
	runRuleCases(t, "world-ingress-only-on-lb", []ruleCase{
		{desc: "standalone https rule on the LB group via placeholder", resources: []Resource{lb, app, rule("alb-https", placeholder(TypeSecurityGroup, "id", "web-blue-alb-sg"), 443)}},
		{desc: "standalone rule resolved through engine property dependencies", resources: []Resource{lb, app, byDep}},
		{desc: "standalone rule on an app group", resources: []Resource{lb, app, rule("app-https", placeholder(TypeSecurityGroup, "id", "web-blue-app-sg"), 443)},
			want: [][]string{{`on security group "web-blue-app-sg", which is not a load-balancer group`, "behind the ALB"}}},
		{desc: "standalone rule whose group is not in the stack", resources: []Resource{lb, rule("orphan", "sg-0123", 443)},
			want: [][]string{{`securityGroupId "sg-0123" cannot be resolved`, `tags.role = "load-balancer"`}}},
		{desc: "non-web port on the LB group", resources: []Resource{lb, rule("alb-admin", placeholder(TypeSecurityGroup, "id", "web-blue-alb-sg"), 8443)},
			want: [][]string{{"opens tcp port 8443", "only ports 80 and 443"}}},
		{desc: "inline world ingress on an app group", resources: []Resource{lb, inlineOnApp},
			want: [][]string{{"ingress[0] opens tcp port 443 to the internet", "not a load-balancer group"}}},
	})
}

func TestALBHTTPSOnly(t *testing.T) {
	listener := func(kv ...any) map[string]any { return with(map[string]any{"port": 80, "tags": stdTags("web")}, kv...) }
	forward := []any{map[string]any{"type": "forward", "targetGroupArn": "arn:tg"}}
	redirect := []any{map[string]any{"type": "redirect", "redirect": map[string]any{"protocol": "HTTPS", "port": "443", "statusCode": "HTTP_301"}}}
	runRuleCases(t, "alb-https-only", []ruleCase{
		{desc: "http forwarding", resources: []Resource{res(TypeListener, "web-http", listener("protocol", "HTTP", "defaultActions", forward))},
			want: [][]string{{"serves plain HTTP", `redirect.protocol = "HTTPS"`}}},
		{desc: "protocol omitted defaults to HTTP", resources: []Resource{res(TypeListener, "web-http", listener("defaultActions", forward))}, want: [][]string{{"plain HTTP"}}},
		{desc: "http redirect", resources: []Resource{res(TypeListener, "web-http", listener("protocol", "HTTP", "defaultActions", redirect))}},
		{desc: "https with old policy", resources: []Resource{res(TypeListener, "web-https", listener("protocol", "HTTPS", "sslPolicy", "ELBSecurityPolicy-2016-08", "defaultActions", forward))},
			want: [][]string{{`sslPolicy "ELBSecurityPolicy-2016-08"`, "ELBSecurityPolicy-TLS13-1-2-2021-06"}}},
		{desc: "https without policy", resources: []Resource{res(TypeListener, "web-https", listener("protocol", "HTTPS", "defaultActions", forward))}, want: [][]string{{"sslPolicy unset"}}},
		{desc: "https with tls13", resources: []Resource{res(TypeListener, "web-https", listener("protocol", "HTTPS", "sslPolicy", "ELBSecurityPolicy-TLS13-1-2-Res-2021-06", "defaultActions", forward))}},
		{desc: "allow-list override", overrides: map[string]map[string]any{"alb-https-only": {"allowedSslPolicies": []any{"ELBSecurityPolicy-TLS13-1-3-2021-06"}}},
			resources: []Resource{res(TypeListener, "web-https", listener("protocol", "HTTPS", "sslPolicy", "ELBSecurityPolicy-TLS13-1-2-2021-06", "defaultActions", forward))},
			want:      [][]string{{"set sslPolicy to one of ELBSecurityPolicy-TLS13-1-3-2021-06"}}},
	})
}

func TestContractListsAreTheDefaults(t *testing.T) {
	rule, ok := Lookup("alb-https-only")
	require.True(t, ok, "rule exists")
	assert.Equal(t, contract.ModernSSLPolicies(), rule.Params[0].Default(true), "the rule's default is the contract's list")
	spot, ok := Lookup("spot-fleet-diversified")
	require.True(t, ok, "rule exists")
	for _, production := range []bool{true, false} {
		assert.Equal(t, contract.MinOnDemandBaseCapacity(production), spot.Params[1].Default(production), "the on-demand base (production %t) is the contract's", production)
	}
}

func TestALBDeletionProtection(t *testing.T) {
	off := res(TypeLoadBalancer, "web-alb", map[string]any{"enableDeletionProtection": false, "tags": stdTags("web")})
	runRuleCases(t, "alb-deletion-protection", []ruleCase{
		{desc: "prod is mandatory", resources: []Resource{off}, wantLevel: Mandatory, want: [][]string{{"set enableDeletionProtection = true"}}},
		{desc: "staging is advisory", env: "staging", resources: []Resource{off}, wantLevel: Advisory, want: [][]string{{"enableDeletionProtection"}}},
		{desc: "enabled", resources: []Resource{res(TypeLoadBalancer, "web-alb", map[string]any{"enableDeletionProtection": true})}},
	})
}

// TestProductionIsTheTopologysFlagNotTheEnvName: what makes the rules
// strict is the env's production flag, which the topology declares, so a
// production env of another name gets prod's levels and thresholds, and an
// env named prod that is not declared production does not.
func TestProductionIsTheTopologysFlagNotTheEnvName(t *testing.T) {
	off := res(TypeLoadBalancer, "web-alb", map[string]any{"enableDeletionProtection": false, "tags": stdTags("web")})
	twoAZs := res(TypeASG, "web-blue", with(goodASG(), "vpcZoneIdentifiers", []any{"subnet-a", "subnet-b"}))
	for _, tc := range []struct {
		env        string
		production bool
		want       Level
	}{
		{env: "eu-prod", production: true, want: Mandatory},
		{env: "prod", production: false, want: Advisory},
	} {
		cfg := Config{Env: tc.env, Production: tc.production}
		got, err := Check(cfg, []Resource{off, twoAZs})
		require.NoError(t, err, "check %s", tc.env)
		levels := map[string]Level{}
		for _, v := range got {
			levels[v.Policy] = v.Level
		}
		assert.Equal(t, tc.want, levels["alb-deletion-protection"], "%s (production %t): deletion protection's level", tc.env, tc.production)
		_, multiAZ := levels["asg-multi-az"]
		assert.Equal(t, tc.production, multiAZ, "%s (production %t): two AZs fall short only of production's three", tc.env, tc.production)
		settings, err := cfg.Settings("spot-fleet-diversified")
		require.NoError(t, err, "settings")
		assert.Equal(t, contract.MinOnDemandBaseCapacity(tc.production), settings.Int("minOnDemandBaseCapacity"), "%s: on-demand base", tc.env)
	}
}

func TestAlertsSubscribed(t *testing.T) {
	topic := res(TypeTopic, "alerts", map[string]any{"tags": stdTags("base")})
	sub := func(ref string) Resource {
		return res(TypeTopicSubscription, "alerts-email-0", map[string]any{"topic": ref, "protocol": "email", "endpoint": "oncall@example.com"})
	}
	other := res(TypeTopic, "other", map[string]any{"tags": stdTags("base")})
	byDep := sub(UnknownMarker)
	byDep.PropertyDependencies = map[string][]string{"topic": {topic.URN}}
	known := with(topic.Inputs, "arn", "arn:aws:sns:us-east-1:123456789012:prod-alerts-1")
	runRuleCases(t, "alerts-subscribed", []ruleCase{
		{desc: "no subscriber in prod", resources: []Resource{topic}, wantLevel: Mandatory,
			want: [][]string{{"has no subscriber", "video-platform:alertEmails", "video-platform:alertsWebhookUrl"}}},
		{desc: "no subscriber in staging is advisory", env: "staging", resources: []Resource{topic}, wantLevel: Advisory, want: [][]string{{"page nobody"}}},
		{desc: "subscribed through the offline placeholder", resources: []Resource{topic, sub(placeholder(TypeTopic, "arn", "alerts"))}},
		{desc: "subscribed through engine property dependencies", resources: []Resource{topic, byDep}},
		{desc: "subscribed by a known ARN", resources: []Resource{res(TypeTopic, "alerts", known), sub("arn:aws:sns:us-east-1:123456789012:prod-alerts-1")}},
		{desc: "a subscription to another topic does not count", resources: []Resource{topic, other, sub(placeholder(TypeTopic, "arn", "other"))},
			want: [][]string{{`SNS topic "alerts" has no subscriber`}}},
	})
}

func TestSQSDLQAndEncryption(t *testing.T) {
	runRuleCases(t, "sqs-dlq-and-encryption", []ruleCase{
		{desc: "bare queue", resources: []Resource{res(TypeQueue, "jobs", map[string]any{"tags": stdTags("transcoder")})},
			want: [][]string{{"has no redrivePolicy", "deadLetterTargetArn"}, {"not encrypted at rest", "sqsManagedSseEnabled = true"}, {"visibilityTimeoutSeconds 30", "set visibilityTimeoutSeconds >= 900"}}},
		{desc: "redrive without count", resources: []Resource{res(TypeQueue, "jobs", with(goodQueue(), "redrivePolicy", `{"deadLetterTargetArn":"arn:q"}`))},
			want: [][]string{{"without a positive maxReceiveCount"}}},
		{desc: "kms instead of sse-sqs", resources: []Resource{res(TypeQueue, "jobs", with(goodQueue(), "sqsManagedSseEnabled", nil, "kmsMasterKeyId", "alias/aws/sqs"))}},
		{desc: "compliant", resources: []Resource{res(TypeQueue, "jobs", goodQueue())}},
		{desc: "dlq by redriveAllowPolicy", resources: []Resource{res(TypeQueue, "jobs-dlq", map[string]any{"redriveAllowPolicy": `{"redrivePermission":"allowAll"}`})}},
		{desc: "dlq by tag", resources: []Resource{res(TypeQueue, "jobs-dlq", map[string]any{"tags": with(stdTags("transcoder"), "role", "dlq")})}},
		{desc: "job timeout override", overrides: map[string]map[string]any{"sqs-dlq-and-encryption": {"jobTimeoutSeconds": 3600}},
			resources: []Resource{res(TypeQueue, "jobs", goodQueue())}, want: [][]string{{"visibilityTimeoutSeconds 1800", ">= 3600"}}},
	})
}

func TestSpotFleetDiversified(t *testing.T) {
	weak := with(goodASG(), "capacityRebalance", nil, "mixedInstancesPolicy", map[string]any{
		"instancesDistribution": map[string]any{"spotAllocationStrategy": "lowest-price"},
		"launchTemplate":        map[string]any{"overrides": []any{map[string]any{"instanceType": "c6i.xlarge"}, map[string]any{"instanceType": "c7i.xlarge"}}},
	})
	runRuleCases(t, "spot-fleet-diversified", []ruleCase{
		{desc: "prod weak spot config", resources: []Resource{res(TypeASG, "transcoder-blue", weak)},
			want: [][]string{
				{"offers 2 instance type(s)", "at least 3"},
				{`spotAllocationStrategy "lowest-price"`, "price-capacity-optimized, capacity-optimized"},
				{"set capacityRebalance = true"},
				{"onDemandBaseCapacity 0", "prod needs at least 1"},
			}},
		{desc: "staging does not need on-demand base", env: "staging", resources: []Resource{res(TypeASG, "transcoder-blue", with(goodASG(), "mixedInstancesPolicy", map[string]any{
			"instancesDistribution": map[string]any{"spotAllocationStrategy": "capacity-optimized"},
			"launchTemplate":        goodASG()["mixedInstancesPolicy"].(map[string]any)["launchTemplate"],
		}))}},
		{desc: "compliant", resources: []Resource{res(TypeASG, "transcoder-blue", goodASG())}},
		{desc: "no mixed policy", resources: []Resource{res(TypeASG, "web", with(goodASG(), "mixedInstancesPolicy", nil, "capacityRebalance", nil))}},
	})
}

func TestDrainHooks(t *testing.T) {
	hook := func(hb any) []any {
		return []any{map[string]any{"lifecycleTransition": "autoscaling:EC2_INSTANCE_TERMINATING", "heartbeatTimeout": hb}}
	}
	transcoder := with(goodASG(), "tags", asgTags("transcoder", ""))
	runRuleCases(t, "drain-hooks", []ruleCase{
		{desc: "recorder without hooks", resources: []Resource{res(TypeASG, "recorder-blue", with(goodASG(), "initialLifecycleHooks", nil))},
			want: [][]string{{"(service recorder) has no autoscaling:EC2_INSTANCE_TERMINATING lifecycle hook", "heartbeatTimeout >= 3600"}}},
		{desc: "transcoder with short hook", resources: []Resource{res(TypeASG, "transcoder", with(transcoder, "initialLifecycleHooks", hook(300)))},
			want: [][]string{{"drains for only 300s", "at least 900"}}},
		{desc: "transcoder hook without heartbeat uses AWS default 3600", resources: []Resource{res(TypeASG, "transcoder", with(transcoder, "initialLifecycleHooks", []any{map[string]any{"lifecycleTransition": "autoscaling:EC2_INSTANCE_TERMINATING"}}))}},
		{desc: "recorder compliant", resources: []Resource{res(TypeASG, "recorder-blue", goodASG())}},
		{desc: "web needs no hook", resources: []Resource{res(TypeASG, "web-blue", with(goodASG(), "tags", asgTags("web", "blue"), "initialLifecycleHooks", nil))}},
		{desc: "per-service override", overrides: map[string]map[string]any{"drain-hooks": {"minHeartbeatSeconds": map[string]any{"recorder": 7200}}},
			resources: []Resource{res(TypeASG, "recorder-blue", goodASG())}, want: [][]string{{"drains for only 3600s", "at least 7200"}}},
	})
}

func TestDNSSwapRecordsStack(t *testing.T) {
	record := func(name, set string, weight any, kv ...any) Resource {
		return res(TypeRecord, name, with(map[string]any{
			"name": "rec.example.com", "type": "CNAME", "setIdentifier": set,
			"weightedRoutingPolicies": []any{map[string]any{"weight": weight}},
		}, kv...))
	}
	alias := []any{map[string]any{"name": "alb.example.com", "zoneId": "Z1"}}
	runRuleCases(t, "dns-swap-records", []ruleCase{
		{desc: "long ttl and zero total weight", resources: []Resource{
			record("rec-blue", "blue", 0, "ttl", 300, "records", []any{"blue.example.com"}),
			record("rec-green", "green", 0, "ttl", 30, "records", []any{"green.example.com"}),
		}, want: [][]string{
			{"weighted with ttl 300", "set ttl <= 60"},
			{"rec.example.com CNAME", "total weight 0", `"rec-blue", "rec-green"`, "weight > 0"},
		}},
		{desc: "weighted without ttl or alias", resources: []Resource{record("rec-blue", "blue", 100)},
			want: [][]string{{"neither aliases nor a ttl"}}},
		{desc: "aliases with a live color", resources: []Resource{record("rec-blue", "blue", 100, "aliases", alias), record("rec-green", "green", 0, "aliases", alias)}},
		{desc: "unknown weight is not summed", resources: []Resource{record("rec-blue", "blue", UnknownMarker, "aliases", alias), record("rec-green", "green", 0, "aliases", alias)}},
		{desc: "unweighted record ignored", resources: []Resource{res(TypeRecord, "plain", map[string]any{"name": "x.example.com", "type": "A", "ttl": 3600})}},
	})
}

func TestRequiredTags(t *testing.T) {
	runRuleCases(t, "required-tags", []ruleCase{
		{desc: "vpc missing managed-by", resources: []Resource{res("aws:ec2/vpc:Vpc", "main", map[string]any{"tags": map[string]any{"env": "prod", "service": "network"}})},
			want: [][]string{{"missing tag(s) managed-by", "add them to tags"}}},
		{desc: "web asg without release and color", resources: []Resource{res(TypeASG, "web-blue", with(goodASG(), "tags", asgTags("web", "")[:3]))},
			want: [][]string{{"missing tag(s) color, release", "{key, value, propagateAtLaunch: true}"}}},
		{desc: "copy tier needs color", resources: []Resource{res(TypeASG, "transcoder-copy", with(goodASG(), "tags", append(asgTags("transcoder", ""), map[string]any{"key": "tier", "value": "copy"})))},
			want: [][]string{{"missing tag(s) color"}}},
		{desc: "provider default tags via tagsAll", resources: []Resource{res("aws:ec2/vpc:Vpc", "main", map[string]any{"tags": map[string]any{"service": "network"}, "tagsAll": map[string]any{"env": "prod", "managed-by": "pulumi", "service": "network"}})}},
		{desc: "a declared service's asg needs color too", resources: []Resource{res(TypeASG, "api-blue", with(goodASG(), "tags", asgTags("api", "")))},
			want: [][]string{{"missing tag(s) color"}}},
		{desc: "transcoder asg needs no color", resources: []Resource{res(TypeASG, "transcoder", with(goodASG(), "tags", asgTags("transcoder", "")))}},
		{desc: "route53 record is exempt", resources: []Resource{res(TypeRecord, "r", map[string]any{"name": "x", "type": "A"})}},
		{desc: "computed tags are not judged", resources: []Resource{res("aws:ec2/subnet:Subnet", "s", map[string]any{"tags": UnknownMarker})}},
	})
}

func TestInstanceTypesAllowed(t *testing.T) {
	runRuleCases(t, "instance-types-allowed", []ruleCase{
		{desc: "launch template type", resources: []Resource{res(TypeLaunchTemplate, "gpu-lt", with(goodLT(), "instanceType", "p4d.24xlarge"))},
			want: [][]string{{`instance type "p4d.24xlarge" in instanceType`, "allowedInstanceTypes in the policy config"}}},
		{desc: "mixed instances override", resources: []Resource{res(TypeASG, "transcoder", with(goodASG(), "mixedInstancesPolicy", map[string]any{
			"launchTemplate": map[string]any{"overrides": []any{map[string]any{"instanceType": "c6i.xlarge"}, map[string]any{"instanceType": "x2iedn.32xlarge"}}},
		}))}, want: [][]string{{`"x2iedn.32xlarge" in mixedInstancesPolicy.launchTemplate.overrides[].instanceType`}}},
		{desc: "allowed", resources: []Resource{res(TypeLaunchTemplate, "lt", goodLT()), res(TypeASG, "asg", goodASG())}},
		{desc: "config allow-list", overrides: map[string]map[string]any{"instance-types-allowed": {"allowedInstanceTypes": []any{"c6i.large"}}},
			resources: []Resource{res(TypeLaunchTemplate, "lt", with(goodLT(), "instanceType", "c7i.large"))}, want: [][]string{{"approved types (c6i.large)"}}},
	})
}

func TestCapacityCap(t *testing.T) {
	runRuleCases(t, "capacity-cap", []ruleCase{
		{desc: "above cap", resources: []Resource{res(TypeASG, "web-blue", with(goodASG(), "tags", asgTags("web", "blue"), "maxSize", 50))}, wantLevel: Advisory,
			want: [][]string{{"maxSize 50 above the cap of 20", "maxSizeByService.web"}}},
		{desc: "below cap", resources: []Resource{res(TypeASG, "web-blue", with(goodASG(), "tags", asgTags("web", "blue")))}},
		{desc: "override", overrides: map[string]map[string]any{"capacity-cap": {"maxSizeByService": map[string]any{"recorder": 5}}},
			resources: []Resource{res(TypeASG, "recorder-blue", goodASG())}, want: [][]string{{"maxSize 10 above the cap of 5"}}},
	})
}

func TestIAMNoWildcards(t *testing.T) {
	rp := func(name, statements string) Resource {
		return res(TypeRolePolicy, name, map[string]any{"role": "r", "policy": policyDoc(statements)})
	}
	runRuleCases(t, "iam-no-wildcards", []ruleCase{
		{desc: "action star", resources: []Resource{rp("admin", `{"Effect":"Allow","Action":"*","Resource":"*"}`)},
			want: [][]string{{`statement 0 grants Action "*"`, "list the specific actions"}}},
		{desc: "write on resource star", resources: []Resource{res(TypePolicy, "uploader", map[string]any{"policy": policyDoc(`{"Effect":"Allow","Action":["s3:GetObject","s3:PutObject","sqs:*"],"Resource":["*"]}`)})},
			want: [][]string{{"write action(s) s3:PutObject, sqs:*", "scope Resource to the specific ARNs"}}},
		{desc: "inline role policy", resources: []Resource{res(TypeRole, "r", map[string]any{"inlinePolicies": []any{map[string]any{"name": "x", "policy": policyDoc(`{"Effect":"Allow","Action":"ec2:TerminateInstances","Resource":"*"}`)}}})},
			want: [][]string{{"inlinePolicies[0].policy", "ec2:TerminateInstances"}}},
		{desc: "not json", resources: []Resource{rp("broken", `not json`)}, want: [][]string{{"not a valid JSON policy document"}}},
		{desc: "read-only and non-resource-level actions on star", resources: []Resource{rp("ok", `{"Effect":"Allow","Action":["ec2:Describe*","ecr:GetAuthorizationToken","cloudwatch:PutMetricData","xray:PutTraceSegments"],"Resource":"*"}`)}},
		{desc: "scoped writes", resources: []Resource{rp("ok", `{"Effect":"Allow","Action":"s3:PutObject","Resource":"arn:aws:s3:::recordings/*"}`)}},
		{desc: "deny star", resources: []Resource{rp("ok", `{"Effect":"Deny","Action":"*","Resource":"*"}`)}},
		{desc: "computed document", resources: []Resource{res(TypeRolePolicy, "later", map[string]any{"policy": UnknownMarker})}},
	})
}

func TestParsePlaceholder(t *testing.T) {
	got, ok := ParsePlaceholder("<computed:aws:ec2/securityGroup:SecurityGroup.id[web-blue-alb-sg]>")
	require.True(t, ok, "well-formed placeholder parses")
	assert.Equal(t, Placeholder{Type: TypeSecurityGroup, Property: "id", Name: "web-blue-alb-sg"}, got, "parts of the placeholder")
	for _, bad := range []string{"", "sg-123", UnknownMarker, "<computed:noprop[x]>", "<computed:a.b[]>"} {
		_, ok := ParsePlaceholder(bad)
		assert.False(t, ok, "%q is not a resource placeholder", bad)
	}
}
