package loadbalancer

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/video-platform/video-platform/internal/offline"
	"github.com/video-platform/video-platform/internal/offline/offlinetest"
	"github.com/video-platform/video-platform/internal/render"
)

const (
	typeALB      = "aws:lb/loadBalancer:LoadBalancer"
	typeTG       = "aws:lb/targetGroup:TargetGroup"
	typeListener = "aws:lb/listener:Listener"
	typeSG       = "aws:ec2/securityGroup:SecurityGroup"
	certArn      = "arn:aws:acm:us-east-1:123456789012:certificate/web"
)

func validArgs() *LoadBalancerArgs {
	return &LoadBalancerArgs{
		Env:            "prod",
		Service:        "web",
		Color:          "blue",
		Tags:           map[string]string{"team": "video", "env": "spoofed"},
		VpcID:          pulumi.String("vpc-1"),
		SubnetIDs:      pulumi.StringArray{pulumi.String("subnet-a"), pulumi.String("subnet-b"), pulumi.String("subnet-c")},
		CertificateArn: pulumi.String(certArn),
		TargetPort:     8080,
	}
}

func run(t *testing.T, name string, args *LoadBalancerArgs) *offline.Result {
	t.Helper()
	return offlinetest.Run(t, offline.Stack{Name: "prod-test", Config: map[string]string{"aws:region": "us-east-1"}},
		func(ctx *pulumi.Context) (pulumi.Map, error) {
			lb, err := NewLoadBalancer(ctx, name, args)
			if err != nil {
				return nil, err
			}
			return pulumi.Map{
				"dnsName":              lb.DnsName,
				"zoneId":               lb.ZoneId,
				"arn":                  lb.Arn,
				"arnSuffix":            lb.ArnSuffix,
				"targetGroupArn":       lb.TargetGroupArn,
				"targetGroupArnSuffix": lb.TargetGroupArnSuffix,
				"httpsListenerArn":     lb.HttpsListenerArn,
				"securityGroupIds":     lb.SecurityGroupIDs,
				"alarms":               lb.Alarms,
			}, nil
		})
}

// newLB declares a load balancer and keeps only its error, which is all the
// offlinetest helpers for refused arguments and failed runs look at.
func newLB(args *LoadBalancerArgs) func(ctx *pulumi.Context) error {
	return func(ctx *pulumi.Context) error {
		_, err := NewLoadBalancer(ctx, "web-blue", args)
		return err
	}
}

func obj(t *testing.T, v any, what string) map[string]any {
	t.Helper()
	m, ok := v.(map[string]any)
	require.True(t, ok, "%s is an object, got %#v", what, v)
	return m
}

func list(t *testing.T, v any, what string) []any {
	t.Helper()
	l, ok := v.([]any)
	require.True(t, ok, "%s is a list, got %#v", what, v)
	return l
}

func TestWebDefaults(t *testing.T) {
	res := run(t, "web-blue", validArgs())
	comp := offlinetest.Find(t, res, TypeToken, "web-blue")
	assert.False(t, comp.Custom, "the component is not a custom resource")

	sgID := offline.Placeholder(typeSG, "id", "web-blue-sg")
	albArn := offline.Placeholder(typeALB, "arn", "web-blue-alb")
	tgArn := offline.Placeholder(typeTG, "arn", "web-blue-tg")

	alb := offlinetest.Find(t, res, typeALB, "web-blue-alb")
	assert.Equal(t, false, alb.Inputs["internal"], "ALB faces the internet")
	assert.Equal(t, "application", alb.Inputs["loadBalancerType"], "ALB type")
	assert.Equal(t, "ipv4", alb.Inputs["ipAddressType"], "ipv4 by default")
	assert.Equal(t, []any{"subnet-a", "subnet-b", "subnet-c"}, alb.Inputs["subnets"], "all three public subnets")
	assert.Equal(t, []any{sgID}, alb.Inputs["securityGroups"], "the created security group is attached")
	assert.Equal(t, 120.0, alb.Inputs["idleTimeout"], "websocket-friendly idle timeout")
	assert.Equal(t, true, alb.Inputs["enableDeletionProtection"], "deletion protection is on by default")
	assert.Equal(t, true, alb.Inputs["dropInvalidHeaderFields"], "invalid headers are dropped")
	assert.Nil(t, alb.Inputs["accessLogs"], "no access logs unless asked")
	assert.NotContains(t, alb.Inputs, "name", "the ALB is autonamed; a fixed name breaks create-before-delete")
	assert.Equal(t, map[string]any{
		"env": "prod", "service": "web", "color": "blue", "managed-by": "pulumi", "team": "video", "Name": "web-blue-alb",
	}, alb.Inputs["tags"], "ALB tags; the component's env wins over Args.Tags")

	tg := offlinetest.Find(t, res, typeTG, "web-blue-tg")
	assert.NotContains(t, tg.Inputs, "name", "the target group is autonamed")
	assert.Equal(t, "HTTP", tg.Inputs["protocol"], "TG protocol")
	assert.Equal(t, "instance", tg.Inputs["targetType"], "TG target type")
	assert.Equal(t, 8080.0, tg.Inputs["port"], "TG port")
	assert.Equal(t, "vpc-1", tg.Inputs["vpcId"], "TG VPC")
	assert.Equal(t, 300.0, tg.Inputs["deregistrationDelay"], "default draining")
	assert.Nil(t, tg.Inputs["stickiness"], "no stickiness unless asked")
	assert.Equal(t, map[string]any{
		"enabled": true, "protocol": "HTTP", "port": "traffic-port", "path": "/healthz",
		"interval": 15.0, "timeout": 5.0, "healthyThreshold": 3.0, "unhealthyThreshold": 3.0, "matcher": "200",
	}, tg.Inputs["healthCheck"], "default health check")
	assert.Equal(t, "web-blue-tg", obj(t, tg.Inputs["tags"], "TG tags")["Name"], "TG Name tag")

	https := offlinetest.Find(t, res, typeListener, "web-blue-https")
	assert.Equal(t, albArn, https.Inputs["loadBalancerArn"], "HTTPS listener on the ALB")
	assert.Equal(t, 443.0, https.Inputs["port"], "HTTPS port")
	assert.Equal(t, "HTTPS", https.Inputs["protocol"], "HTTPS protocol")
	assert.Equal(t, certArn, https.Inputs["certificateArn"], "certificate")
	assert.Equal(t, "ELBSecurityPolicy-TLS13-1-2-2021-06", https.Inputs["sslPolicy"], "TLS 1.2+ policy by default")
	assert.Equal(t, []any{map[string]any{"type": "forward", "targetGroupArn": tgArn}},
		https.Inputs["defaultActions"], "HTTPS forwards to the target group")

	http := offlinetest.Find(t, res, typeListener, "web-blue-http")
	assert.Equal(t, albArn, http.Inputs["loadBalancerArn"], "HTTP listener on the ALB")
	assert.Equal(t, 80.0, http.Inputs["port"], "HTTP port")
	assert.Equal(t, "HTTP", http.Inputs["protocol"], "HTTP protocol")
	assert.NotContains(t, http.Inputs, "certificateArn", "plain HTTP has no certificate")
	actions := list(t, http.Inputs["defaultActions"], "HTTP default actions")
	require.Len(t, actions, 1, "HTTP listener has exactly one action")
	action := obj(t, actions[0], "HTTP action")
	assert.Equal(t, "redirect", action["type"], "the only HTTP action is a redirect")
	assert.NotContains(t, action, "targetGroupArn", "HTTP never forwards to targets")
	assert.Equal(t, map[string]any{"protocol": "HTTPS", "port": "443", "statusCode": "HTTP_301"},
		action["redirect"], "permanent redirect to HTTPS 443")

	sg := offlinetest.Find(t, res, typeSG, "web-blue-sg")
	assert.Equal(t, "vpc-1", sg.Inputs["vpcId"], "SG in the VPC")
	assert.NotContains(t, sg.Inputs, "name", "the SG is autonamed")
	sgTags := obj(t, sg.Inputs["tags"], "SG tags")
	assert.Equal(t, "load-balancer", sgTags["role"], "SG is recognisable as a load balancer group")
	assert.Equal(t, "pulumi", sgTags["managed-by"], "SG managed-by tag")
	ingress := list(t, sg.Inputs["ingress"], "SG ingress")
	require.Len(t, ingress, 2, "exactly two ingress rules")
	var ports []float64
	for i, item := range ingress {
		rule := obj(t, item, "ingress rule")
		assert.Equal(t, "tcp", rule["protocol"], "ingress %d is TCP", i)
		assert.Equal(t, rule["fromPort"], rule["toPort"], "ingress %d is a single port", i)
		assert.Equal(t, []any{"0.0.0.0/0"}, rule["cidrBlocks"], "ingress %d IPv4 world", i)
		assert.Equal(t, []any{"::/0"}, rule["ipv6CidrBlocks"], "ingress %d IPv6 world", i)
		port, ok := rule["fromPort"].(float64)
		require.True(t, ok, "ingress %d fromPort is a number", i)
		ports = append(ports, port)
	}
	assert.ElementsMatch(t, []float64{80, 443}, ports, "ingress only on 80 and 443")
	egress := list(t, sg.Inputs["egress"], "SG egress")
	require.Len(t, egress, 1, "one egress rule")
	assert.Equal(t, "-1", obj(t, egress[0], "egress")["protocol"], "egress all")

	for _, r := range res.Resources {
		if r.URN == comp.URN {
			continue
		}
		assert.Equal(t, comp.URN, r.Parent, "%s is parented to the component", r.Name)
	}
	assert.Len(t, res.Resources, 9, "component, SG, ALB, TG, two listeners and three alarms")

	assert.Equal(t, offline.Placeholder(typeALB, "dnsName", "web-blue-alb"), res.Outputs["dnsName"], "DnsName output")
	assert.Equal(t, offline.Placeholder(typeALB, "zoneId", "web-blue-alb"), res.Outputs["zoneId"], "ZoneId output")
	assert.Equal(t, albArn, res.Outputs["arn"], "Arn output")
	assert.Equal(t, offline.Placeholder(typeALB, "arnSuffix", "web-blue-alb"), res.Outputs["arnSuffix"], "ArnSuffix output")
	assert.Equal(t, tgArn, res.Outputs["targetGroupArn"], "TargetGroupArn output")
	assert.Equal(t, offline.Placeholder(typeTG, "arnSuffix", "web-blue-tg"), res.Outputs["targetGroupArnSuffix"], "TargetGroupArnSuffix output")
	assert.Equal(t, offline.Placeholder(typeListener, "arn", "web-blue-https"), res.Outputs["httpsListenerArn"], "HttpsListenerArn output")
	assert.Equal(t, []any{sgID}, res.Outputs["securityGroupIds"], "SecurityGroupIDs output is the created SG")
}

func TestRecorderDrainingStickinessAndLogs(t *testing.T) {
	args := validArgs()
	args.Service = "recorder"
	args.Color = "green"
	args.DeregistrationDelaySeconds = pulumi.IntRef(3600)
	args.Stickiness = &Stickiness{}
	args.AccessLogs = &AccessLogs{Bucket: "prod-alb-logs", Prefix: "recorder-green"}
	args.SslPolicy = "ELBSecurityPolicy-TLS13-1-3-2021-06"
	args.IdleTimeoutSeconds = 3600
	args.IPAddressType = "dualstack"
	args.HealthCheck = HealthCheck{Path: "/ready", IntervalSeconds: 30, TimeoutSeconds: 10, Matcher: "200-299"}
	res := run(t, "recorder-green", args)

	tg := offlinetest.Find(t, res, typeTG, "recorder-green-tg")
	assert.Equal(t, 3600.0, tg.Inputs["deregistrationDelay"], "recordings get an hour to drain")
	assert.Equal(t, map[string]any{"type": "lb_cookie", "enabled": true, "cookieDuration": 86400.0},
		tg.Inputs["stickiness"], "lb_cookie stickiness for a day by default")
	hc := obj(t, tg.Inputs["healthCheck"], "health check")
	assert.Equal(t, "/ready", hc["path"], "custom path")
	assert.Equal(t, 30.0, hc["interval"], "custom interval")
	assert.Equal(t, 10.0, hc["timeout"], "custom timeout")
	assert.Equal(t, 3.0, hc["healthyThreshold"], "default threshold kept")
	assert.Equal(t, "200-299", hc["matcher"], "custom matcher")

	alb := offlinetest.Find(t, res, typeALB, "recorder-green-alb")
	assert.Equal(t, map[string]any{"bucket": "prod-alb-logs", "enabled": true, "prefix": "recorder-green"},
		alb.Inputs["accessLogs"], "access logs enabled")
	assert.Equal(t, 3600.0, alb.Inputs["idleTimeout"], "custom idle timeout")
	assert.Equal(t, "dualstack", alb.Inputs["ipAddressType"], "dualstack when asked")
	assert.Equal(t, "green", obj(t, alb.Inputs["tags"], "ALB tags")["color"], "color tag")

	https := offlinetest.Find(t, res, typeListener, "recorder-green-https")
	assert.Equal(t, "ELBSecurityPolicy-TLS13-1-3-2021-06", https.Inputs["sslPolicy"], "chosen TLS 1.3 policy")

	assert.Equal(t, &Stickiness{}, args.Stickiness, "defaults do not write into the caller's args")
}

func TestGivenSecurityGroupsZeroDelayNoProtection(t *testing.T) {
	args := validArgs()
	args.Color = ""
	args.SecurityGroupIDs = pulumi.StringArray{pulumi.String("sg-shared")}
	args.DeregistrationDelaySeconds = pulumi.IntRef(0)
	args.DeletionProtection = pulumi.BoolRef(false)
	args.AccessLogs = &AccessLogs{Bucket: "prod-alb-logs"}
	res := run(t, "web", args)

	assert.Empty(t, res.OfType(typeSG), "no security group is created when groups are given")
	alb := offlinetest.Find(t, res, typeALB, "web-alb")
	assert.Equal(t, []any{"sg-shared"}, alb.Inputs["securityGroups"], "given groups are attached")
	assert.Equal(t, false, alb.Inputs["enableDeletionProtection"], "explicit false is honoured")
	assert.NotContains(t, obj(t, alb.Inputs["accessLogs"], "access logs"), "prefix", "no empty prefix")
	assert.NotContains(t, obj(t, alb.Inputs["tags"], "ALB tags"), "color", "no color tag without a color")
	tg := offlinetest.Find(t, res, typeTG, "web-tg")
	assert.Equal(t, 0.0, tg.Inputs["deregistrationDelay"], "an explicit 0 is not replaced by the default")
	assert.Equal(t, []any{"sg-shared"}, res.Outputs["securityGroupIds"], "SecurityGroupIDs output is the given groups")
}

// The alarms `infra release` watches: each on this copy's load balancer and
// target group, paging the given topic, quiet when the copy has no traffic.
func TestAlarmsWatchTheCopy(t *testing.T) {
	args := validArgs()
	args.Alarms = Alarms{ErrorRatePercent: new(2.5), P99LatencySeconds: new(0.8), Actions: pulumi.StringArray{pulumi.String("arn:aws:sns:us-east-1:123456789012:alerts")}}
	res := run(t, "web-blue", args)
	lbSuffix := offline.Placeholder(typeALB, "arnSuffix", "web-blue-alb")
	tgSuffix := offline.Placeholder("aws:lb/targetGroup:TargetGroup", "arnSuffix", "web-blue-tg")
	alarm := func(key string) render.Resource {
		return offlinetest.Find(t, res, "aws:cloudwatch/metricAlarm:MetricAlarm", "web-blue-"+key)
	}
	for _, key := range []string{AlarmErrorRate, AlarmUnhealthyHosts, AlarmP99Latency} {
		a := alarm(key)
		assert.Equal(t, []any{"arn:aws:sns:us-east-1:123456789012:alerts"}, offlinetest.Input(t, a, "alarmActions"), "%s pages the topic", key)
		assert.Equal(t, "notBreaching", offlinetest.Input(t, a, "treatMissingData"), "%s: an idle copy is not in alarm", key)
		assert.Equal(t, 3.0, offlinetest.Input(t, a, "evaluationPeriods"), "%s: the default 3 minutes", key)
		assert.Equal(t, offline.Placeholder("aws:cloudwatch/metricAlarm:MetricAlarm", "name", "web-blue-"+key),
			res.Outputs["alarms"].(map[string]any)[key], "the %s alarm's name is in the Alarms output", key)
	}
	rate := alarm(AlarmErrorRate)
	assert.Equal(t, 2.5, offlinetest.Input(t, rate, "threshold"), "the configured error rate")
	assert.Equal(t, "HTTPCode_Target_5XX_Count", offlinetest.Input(t, rate, "metricQueries[1].metric.metricName"))
	assert.Equal(t, tgSuffix, offlinetest.Input(t, rate, "metricQueries[1].metric.dimensions.TargetGroup"), "errors of this copy's targets")
	assert.Equal(t, lbSuffix, offlinetest.Input(t, rate, "metricQueries[2].metric.dimensions.LoadBalancer"), "requests of this copy's ALB")
	assert.Equal(t, 1.0, offlinetest.Input(t, alarm(AlarmUnhealthyHosts), "threshold"), "the default: one unhealthy host")
	assert.Equal(t, tgSuffix, offlinetest.Input(t, alarm(AlarmUnhealthyHosts), "dimensions.TargetGroup"))
	assert.Equal(t, 0.8, offlinetest.Input(t, alarm(AlarmP99Latency), "threshold"), "the configured p99")
	assert.Equal(t, "p99", offlinetest.Input(t, alarm(AlarmP99Latency), "extendedStatistic"))
}

func TestBadArgs(t *testing.T) {
	cases := []offlinetest.Case[LoadBalancerArgs]{
		{Name: "missing env and service", Edit: func(a *LoadBalancerArgs) { a.Env, a.Service = "", "" }, Want: []string{"Env: is required", "Service: is required"}},
		{Name: "purple", Edit: func(a *LoadBalancerArgs) { a.Color = "purple" }, Want: []string{`Color: "purple"`}},
		{Name: "no vpc or certificate", Edit: func(a *LoadBalancerArgs) { a.VpcID, a.CertificateArn = nil, nil }, Want: []string{"VpcID: is required", "CertificateArn: is required"}},
		{Name: "one subnet", Edit: func(a *LoadBalancerArgs) { a.SubnetIDs = a.SubnetIDs[:1] }, Want: []string{"SubnetIDs: 1 subnets given; accepted at least MinAZs (2)"}},
		{Name: "more AZs than subnets", Edit: func(a *LoadBalancerArgs) { a.MinAZs = 4 }, Want: []string{"SubnetIDs: 3 subnets given; accepted at least MinAZs (4)"}},
		{Name: "MinAZs 1", Edit: func(a *LoadBalancerArgs) { a.MinAZs = 1 }, Want: []string{"MinAZs: 1 is out of range; accepted 2..6"}},
		{Name: "nil subnet and SG", Edit: func(a *LoadBalancerArgs) {
			a.SubnetIDs = append(a.SubnetIDs, nil)
			a.SecurityGroupIDs = pulumi.StringArray{nil}
		}, Want: []string{"SubnetIDs[3]: is nil", "SecurityGroupIDs[0]: is nil"}},
		{Name: "TLS 1.0 policy", Edit: func(a *LoadBalancerArgs) { a.SslPolicy = "ELBSecurityPolicy-2016-08" }, Want: []string{`SslPolicy: "ELBSecurityPolicy-2016-08"`}},
		{Name: "port 70000", Edit: func(a *LoadBalancerArgs) { a.TargetPort = 70000 }, Want: []string{"TargetPort: 70000 is out of range; accepted 1..65535"}},
		{Name: "missing port", Edit: func(a *LoadBalancerArgs) { a.TargetPort = 0 }, Want: []string{"TargetPort: 0 is out of range"}},
		{Name: "health check", Edit: func(a *LoadBalancerArgs) {
			a.HealthCheck = HealthCheck{Path: "healthz", IntervalSeconds: 400, TimeoutSeconds: 1, HealthyThreshold: 11, UnhealthyThreshold: 1, Matcher: "ok"}
		}, Want: []string{
			`HealthCheck.Path: "healthz" must start with "/"`,
			"HealthCheck.IntervalSeconds: 400 is out of range; accepted 5..300",
			"HealthCheck.TimeoutSeconds: 1 is out of range; accepted 2..120",
			"HealthCheck.HealthyThreshold: 11 is out of range; accepted 2..10",
			"HealthCheck.UnhealthyThreshold: 1 is out of range; accepted 2..10",
			`HealthCheck.Matcher: "ok"`,
		}},
		{Name: "timeout not below interval", Edit: func(a *LoadBalancerArgs) { a.HealthCheck = HealthCheck{IntervalSeconds: 10, TimeoutSeconds: 10} },
			Want: []string{"HealthCheck.TimeoutSeconds: 10 must be below HealthCheck.IntervalSeconds (10)"}},
		{Name: "draining too long", Edit: func(a *LoadBalancerArgs) { a.DeregistrationDelaySeconds = pulumi.IntRef(7200) }, Want: []string{"DeregistrationDelaySeconds: 7200 is out of range; accepted 0..3600"}},
		{Name: "negative draining", Edit: func(a *LoadBalancerArgs) { a.DeregistrationDelaySeconds = pulumi.IntRef(-1) }, Want: []string{"DeregistrationDelaySeconds: -1 is out of range"}},
		{Name: "stickiness too long", Edit: func(a *LoadBalancerArgs) { a.Stickiness = &Stickiness{DurationSeconds: 604801} }, Want: []string{"Stickiness.DurationSeconds: 604801 is out of range; accepted 1..604800"}},
		{Name: "idle timeout", Edit: func(a *LoadBalancerArgs) { a.IdleTimeoutSeconds = 4001 }, Want: []string{"IdleTimeoutSeconds: 4001 is out of range; accepted 1..4000"}},
		{Name: "access logs", Edit: func(a *LoadBalancerArgs) { a.AccessLogs = &AccessLogs{Prefix: "/alb/"} }, Want: []string{`AccessLogs.Bucket: ""`, `AccessLogs.Prefix: "/alb/"`}},
		{Name: "ip address type", Edit: func(a *LoadBalancerArgs) { a.IPAddressType = "ipv6" }, Want: []string{`IPAddressType: "ipv6"`}},
		{Name: "explicit zero thresholds", Edit: func(a *LoadBalancerArgs) {
			a.Alarms = Alarms{ErrorRatePercent: new(0.0), UnhealthyHosts: new(0), P99LatencySeconds: new(0.0), EvaluationMinutes: new(61)}
		}, Want: []string{
			"Alarms.ErrorRatePercent: 0 is not accepted; accepted a percentage above 0 and at most 100",
			"Alarms.UnhealthyHosts: 0 is not accepted; accepted an integer from 1 to 1000",
			"Alarms.P99LatencySeconds: 0 is not accepted",
			"Alarms.EvaluationMinutes: 61 is not accepted; accepted an integer from 1 to 60",
		}},
	}
	offlinetest.BadArgs[LoadBalancerArgs]{
		Stack:     offline.Stack{Name: "prod-test"},
		Valid:     validArgs,
		New:       func(ctx *pulumi.Context, a *LoadBalancerArgs) error { return newLB(a)(ctx) },
		Component: `loadbalancer "web-blue": `,
	}.Run(t, cases)
}

func TestBadArgsFailTheRun(t *testing.T) {
	args := validArgs()
	args.Color = "purple"
	err := offlinetest.RunFailing(t, offline.Stack{Name: "prod-test"}, newLB(args))
	assert.Contains(t, err.Error(), "Color", "the run error names the field")
}

func TestNilArgs(t *testing.T) {
	res, err := offlinetest.RunRejected(t, offline.Stack{Name: "prod-test"}, newLB(nil))
	assert.Equal(t, `loadbalancer "web-blue": args are required`, err.Error(), "message")
	assert.Empty(t, res.Resources, "nothing registered")
}
