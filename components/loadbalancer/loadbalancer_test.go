package loadbalancer

import (
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
	typeALB      = "aws:lb/loadBalancer:LoadBalancer"
	typeTG       = "aws:lb/targetGroup:TargetGroup"
	typeListener = "aws:lb/listener:Listener"
	typeAlarm    = "aws:cloudwatch/metricAlarm:MetricAlarm"
	certARN      = "arn:aws:acm:us-east-1:123456789012:certificate/web"
)

// loadBalancers declares load balancers offline for these tests.
var loadBalancers = offlinetest.Component[LoadBalancerArgs, LoadBalancer]{
	Stack: offline.Stack{Name: "prod-test", Config: map[string]string{"aws:region": "us-east-1"}},
	New:   NewLoadBalancer,
}

func validArgs() *LoadBalancerArgs {
	return &LoadBalancerArgs{
		Identity:         contract.Identity{Env: "prod", Service: "web", Color: "blue", Tags: map[string]string{"team": "video"}},
		VpcID:            pulumi.String("vpc-1"),
		SubnetIDs:        pulumi.StringArray{pulumi.String("subnet-a"), pulumi.String("subnet-b"), pulumi.String("subnet-c")},
		SecurityGroupIDs: pulumi.StringArray{pulumi.String("sg-web-lb")},
		CertificateARN:   pulumi.String(certARN),
		TargetPort:       8080,
	}
}

func TestWebDefaults(t *testing.T) {
	res := loadBalancers.Run(t, "web-blue", validArgs())
	comp := offlinetest.Find(t, res, TypeToken, "web-blue")
	assert.False(t, comp.Custom, "the component is not a custom resource")

	albARN := offline.Placeholder(typeALB, "arn", "web-blue-alb")
	tgARN := offline.Placeholder(typeTG, "arn", "web-blue-tg")

	alb := offlinetest.Find(t, res, typeALB, "web-blue-alb")
	offlinetest.HasInputs(t, alb, map[string]any{
		"internal":                 false,
		"loadBalancerType":         "application",
		"ipAddressType":            "ipv4",
		"subnets":                  []any{"subnet-a", "subnet-b", "subnet-c"},
		"securityGroups":           []any{"sg-web-lb"},
		"idleTimeout":              120.0,
		"enableDeletionProtection": true,
		"dropInvalidHeaderFields":  true,
		"tags.env":                 "prod",
		"tags.service":             "web",
		"tags.color":               "blue",
		"tags.managed-by":          "pulumi",
		"tags.team":                "video",
		"tags.Name":                "web-blue-alb",
	})
	assert.NotContains(t, alb.Inputs, "accessLogs", "no access logs unless asked")
	assert.NotContains(t, alb.Inputs, "name", "the ALB is autonamed; a fixed name breaks create-before-delete")

	tg := offlinetest.Find(t, res, typeTG, "web-blue-tg")
	assert.NotContains(t, tg.Inputs, "name", "the target group is autonamed")
	assert.NotContains(t, tg.Inputs, "stickiness", "no stickiness unless asked")
	offlinetest.HasInputs(t, tg, map[string]any{
		"protocol": "HTTP", "targetType": "instance", "port": 8080.0, "vpcId": "vpc-1",
		"deregistrationDelay":            300.0,
		"healthCheck.enabled":            true,
		"healthCheck.protocol":           "HTTP",
		"healthCheck.port":               "traffic-port",
		"healthCheck.path":               "/healthz",
		"healthCheck.interval":           15.0,
		"healthCheck.timeout":            5.0,
		"healthCheck.healthyThreshold":   3.0,
		"healthCheck.unhealthyThreshold": 3.0,
		"healthCheck.matcher":            "200",
		"tags.Name":                      "web-blue-tg",
	})

	https := offlinetest.Find(t, res, typeListener, "web-blue-https")
	offlinetest.HasInputs(t, https, map[string]any{
		"loadBalancerArn":                  albARN,
		"port":                             443.0,
		"protocol":                         "HTTPS",
		"certificateArn":                   certARN,
		"sslPolicy":                        "ELBSecurityPolicy-TLS13-1-2-2021-06",
		"defaultActions[0].type":           "forward",
		"defaultActions[0].targetGroupArn": tgARN,
	})

	http := offlinetest.Find(t, res, typeListener, "web-blue-http")
	offlinetest.HasInputs(t, http, map[string]any{
		"loadBalancerArn":                       albARN,
		"port":                                  80.0,
		"protocol":                              "HTTP",
		"defaultActions[0].type":                "redirect",
		"defaultActions[0].redirect.protocol":   "HTTPS",
		"defaultActions[0].redirect.port":       "443",
		"defaultActions[0].redirect.statusCode": "HTTP_301",
	})
	assert.NotContains(t, http.Inputs, "certificateArn", "plain HTTP has no certificate")
	require.Len(t, offlinetest.List(t, http.Inputs["defaultActions"], "HTTP default actions"), 1, "HTTP listener has exactly one action")
	assert.NotContains(t, offlinetest.Object(t, offlinetest.Input(t, http, "defaultActions[0]"), "HTTP action"), "targetGroupArn", "HTTP never forwards to targets")

	assert.Empty(t, res.OfType("aws:ec2/securityGroup:SecurityGroup"), "the load balancer group is the env's, not the copy's")
	assert.Len(t, offlinetest.Children(res, comp), 7, "ALB, TG, two listeners and three alarms, all parented to the component")
	assert.Len(t, res.Resources, 8, "nothing else")

	assert.Equal(t, offline.Placeholder(typeALB, "dnsName", "web-blue-alb"), res.Outputs["DNSName"], "DNSName output")
	assert.Equal(t, offline.Placeholder(typeALB, "zoneId", "web-blue-alb"), res.Outputs["ZoneID"], "ZoneID output")
	assert.Equal(t, albARN, res.Outputs["ARN"], "ARN output")
	assert.Equal(t, offline.Placeholder(typeALB, "arnSuffix", "web-blue-alb"), res.Outputs["ARNSuffix"], "ARNSuffix output")
	assert.Equal(t, tgARN, res.Outputs["TargetGroupARN"], "TargetGroupARN output")
	assert.Equal(t, offline.Placeholder(typeTG, "arnSuffix", "web-blue-tg"), res.Outputs["TargetGroupARNSuffix"], "TargetGroupARNSuffix output")
	assert.Equal(t, offline.Placeholder(typeListener, "arn", "web-blue-https"), res.Outputs["HTTPSListenerARN"], "HTTPSListenerARN output")
	assert.Equal(t, []any{"sg-web-lb"}, res.Outputs["SecurityGroupIDs"], "SecurityGroupIDs output is the given groups")
}

// The children are fields of the component, as awsx exposes them, so a
// caller can hang more on them (a listener rule, an alarm) or read any of
// their outputs.
func TestChildrenAreExposed(t *testing.T) {
	got, _ := loadBalancers.Declared(t, "web-blue", validArgs())
	offlinetest.Exposes(t, got, "LoadBalancer", "TargetGroup", "HTTPSListener", "HTTPListener", "MetricAlarms")
	assert.Len(t, got.MetricAlarms, 3, "the three alarms")
}

func TestRecorderDrainingStickinessAndLogs(t *testing.T) {
	args := validArgs()
	args.Service = "recorder"
	args.Color = "green"
	args.DeregistrationDelaySeconds = pulumi.IntRef(3600)
	args.Stickiness = &Stickiness{}
	args.AccessLogs = &AccessLogs{Bucket: "prod-alb-logs", Prefix: "recorder-green"}
	args.SSLPolicy = "ELBSecurityPolicy-TLS13-1-3-2021-06"
	args.IdleTimeoutSeconds = 3600
	args.IPAddressType = "dualstack"
	args.HealthCheck = HealthCheck{Path: "/ready", IntervalSeconds: 30, TimeoutSeconds: 10, Matcher: "200-299"}
	res := loadBalancers.Run(t, "recorder-green", args)

	offlinetest.HasInputs(t, offlinetest.Find(t, res, typeTG, "recorder-green-tg"), map[string]any{
		"deregistrationDelay":          3600.0,
		"stickiness.type":              "lb_cookie",
		"stickiness.enabled":           true,
		"stickiness.cookieDuration":    86400.0,
		"healthCheck.path":             "/ready",
		"healthCheck.interval":         30.0,
		"healthCheck.timeout":          10.0,
		"healthCheck.healthyThreshold": 3.0,
		"healthCheck.matcher":          "200-299",
	})
	offlinetest.HasInputs(t, offlinetest.Find(t, res, typeALB, "recorder-green-alb"), map[string]any{
		"accessLogs.bucket":  "prod-alb-logs",
		"accessLogs.enabled": true,
		"accessLogs.prefix":  "recorder-green",
		"idleTimeout":        3600.0,
		"ipAddressType":      "dualstack",
		"tags.color":         "green",
	})
	assert.Equal(t, "ELBSecurityPolicy-TLS13-1-3-2021-06",
		offlinetest.Input(t, offlinetest.Find(t, res, typeListener, "recorder-green-https"), "sslPolicy"), "chosen TLS 1.3 policy")

	assert.Equal(t, &Stickiness{}, args.Stickiness, "defaults do not write into the caller's args")
}

func TestNoColorZeroDelayNoProtection(t *testing.T) {
	args := validArgs()
	args.Color = ""
	args.DeregistrationDelaySeconds = pulumi.IntRef(0)
	args.DeletionProtection = pulumi.BoolRef(false)
	args.AccessLogs = &AccessLogs{Bucket: "prod-alb-logs"}
	res := loadBalancers.Run(t, "web", args)

	alb := offlinetest.Find(t, res, typeALB, "web-alb")
	assert.Equal(t, false, offlinetest.Input(t, alb, "enableDeletionProtection"), "explicit false is honoured")
	assert.NotContains(t, offlinetest.Object(t, offlinetest.Input(t, alb, "accessLogs"), "access logs"), "prefix", "no empty prefix")
	assert.NotContains(t, offlinetest.Object(t, offlinetest.Input(t, alb, "tags"), "ALB tags"), "color", "no color tag without a color")
	assert.Equal(t, 0.0, offlinetest.Input(t, offlinetest.Find(t, res, typeTG, "web-tg"), "deregistrationDelay"), "an explicit 0 is not replaced by the default")
}

// The alarms `infra release` watches: each on this copy's load balancer and
// target group, paging the given topic, quiet when the copy has no traffic.
func TestAlarmsWatchTheCopy(t *testing.T) {
	args := validArgs()
	args.Alarms = Alarms{ErrorRatePercent: new(2.5), P99LatencySeconds: new(0.8), Actions: pulumi.StringArray{pulumi.String("arn:aws:sns:us-east-1:123456789012:alerts")}}
	res := loadBalancers.Run(t, "web-blue", args)
	lbSuffix := offline.Placeholder(typeALB, "arnSuffix", "web-blue-alb")
	tgSuffix := offline.Placeholder(typeTG, "arnSuffix", "web-blue-tg")
	alarm := func(key string) render.Resource {
		return offlinetest.Find(t, res, typeAlarm, "web-blue-"+key)
	}
	for _, key := range []string{AlarmErrorRate, AlarmUnhealthyHosts, AlarmP99Latency} {
		offlinetest.HasInputs(t, alarm(key), map[string]any{
			"alarmActions":      []any{"arn:aws:sns:us-east-1:123456789012:alerts"},
			"treatMissingData":  "notBreaching",
			"evaluationPeriods": 3.0,
			"tags.alarm":        key,
		})
		assert.Equal(t, offline.Placeholder(typeAlarm, "name", "web-blue-"+key),
			offlinetest.Object(t, res.Outputs["Alarms"], "Alarms output")[key], "the %s alarm's name is in the Alarms output", key)
	}
	offlinetest.HasInputs(t, alarm(AlarmErrorRate), map[string]any{
		"threshold":                                       2.5,
		"metricQueries[1].metric.metricName":              "HTTPCode_Target_5XX_Count",
		"metricQueries[1].metric.dimensions.TargetGroup":  tgSuffix,
		"metricQueries[2].metric.dimensions.LoadBalancer": lbSuffix,
	})
	offlinetest.HasInputs(t, alarm(AlarmUnhealthyHosts), map[string]any{"threshold": 1.0, "dimensions.TargetGroup": tgSuffix})
	offlinetest.HasInputs(t, alarm(AlarmP99Latency), map[string]any{"threshold": 0.8, "extendedStatistic": "p99"})
}

func TestBadArgs(t *testing.T) {
	cases := []offlinetest.Case[LoadBalancerArgs]{
		{Name: "missing env and service", Edit: func(a *LoadBalancerArgs) { a.Env, a.Service = "", "" }, Want: []string{`Env: "" is not accepted`, `Service: "" is not accepted`}},
		{Name: "purple", Edit: func(a *LoadBalancerArgs) { a.Color = "purple" }, Want: []string{`Color: "purple"`}},
		{Name: "a reserved tag", Edit: func(a *LoadBalancerArgs) { a.Tags = map[string]string{"env": "spoofed"} }, Want: []string{`Tags: "env" is not accepted; accepted any key but env`}},
		{Name: "no vpc or certificate", Edit: func(a *LoadBalancerArgs) { a.VpcID, a.CertificateARN = nil, nil }, Want: []string{"VpcID: (unset)", "CertificateARN: (unset)"}},
		{Name: "one subnet", Edit: func(a *LoadBalancerArgs) { a.SubnetIDs = a.SubnetIDs[:1] }, Want: []string{"SubnetIDs: 1 given is not accepted; accepted 2 to 32 public subnet IDs"}},
		{Name: "more AZs than subnets", Edit: func(a *LoadBalancerArgs) { a.MinAZs = 4 }, Want: []string{"SubnetIDs: 3 given is not accepted; accepted 4 to 32"}},
		{Name: "MinAZs 1", Edit: func(a *LoadBalancerArgs) { a.MinAZs = 1 }, Want: []string{"MinAZs: 1 is not accepted; accepted an integer from 2 to 6"}},
		{Name: "no security group", Edit: func(a *LoadBalancerArgs) { a.SecurityGroupIDs = nil }, Want: []string{"SecurityGroupIDs: (unset) is not accepted; accepted 1 to 5"}},
		{Name: "nil subnet and SG", Edit: func(a *LoadBalancerArgs) {
			a.SubnetIDs = append(a.SubnetIDs, nil)
			a.SecurityGroupIDs = pulumi.StringArray{nil}
		}, Want: []string{"SubnetIDs[3]: (unset)", "SecurityGroupIDs[0]: (unset)"}},
		{Name: "TLS 1.0 policy", Edit: func(a *LoadBalancerArgs) { a.SSLPolicy = "ELBSecurityPolicy-2016-08" }, Want: []string{`SSLPolicy: "ELBSecurityPolicy-2016-08" is not accepted; accepted a policy refusing TLS below 1.2`}},
		{Name: "port 70000", Edit: func(a *LoadBalancerArgs) { a.TargetPort = 70000 }, Want: []string{"TargetPort: 70000 is not accepted; accepted an integer from 1 to 65535"}},
		{Name: "missing port", Edit: func(a *LoadBalancerArgs) { a.TargetPort = 0 }, Want: []string{"TargetPort: 0 is not accepted"}},
		{Name: "health check", Edit: func(a *LoadBalancerArgs) {
			a.HealthCheck = HealthCheck{Path: "healthz", IntervalSeconds: 400, TimeoutSeconds: 1, HealthyThreshold: 11, UnhealthyThreshold: 1, Matcher: "ok"}
		}, Want: []string{
			`HealthCheck.Path: "healthz" is not accepted; accepted a path starting with "/"`,
			"HealthCheck.IntervalSeconds: 400 is not accepted; accepted an integer from 5 to 300",
			"HealthCheck.TimeoutSeconds: 1 is not accepted; accepted an integer from 2 to 120",
			"HealthCheck.HealthyThreshold: 11 is not accepted; accepted an integer from 2 to 10",
			"HealthCheck.UnhealthyThreshold: 1 is not accepted; accepted an integer from 2 to 10",
			`HealthCheck.Matcher: "ok"`,
		}},
		{Name: "timeout not below interval", Edit: func(a *LoadBalancerArgs) { a.HealthCheck = HealthCheck{IntervalSeconds: 10, TimeoutSeconds: 10} },
			Want: []string{"HealthCheck.TimeoutSeconds: 10 is not accepted; accepted a timeout below HealthCheck.IntervalSeconds (10)"}},
		{Name: "draining too long", Edit: func(a *LoadBalancerArgs) { a.DeregistrationDelaySeconds = pulumi.IntRef(7200) }, Want: []string{"DeregistrationDelaySeconds: 7200 is not accepted; accepted an integer from 0 to 3600"}},
		{Name: "negative draining", Edit: func(a *LoadBalancerArgs) { a.DeregistrationDelaySeconds = pulumi.IntRef(-1) }, Want: []string{"DeregistrationDelaySeconds: -1 is not accepted"}},
		{Name: "stickiness too long", Edit: func(a *LoadBalancerArgs) { a.Stickiness = &Stickiness{DurationSeconds: 604801} }, Want: []string{"Stickiness.DurationSeconds: 604801 is not accepted; accepted an integer from 1 to 604800"}},
		{Name: "idle timeout", Edit: func(a *LoadBalancerArgs) { a.IdleTimeoutSeconds = 4001 }, Want: []string{"IdleTimeoutSeconds: 4001 is not accepted; accepted an integer from 1 to 4000"}},
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
	loadBalancers.BadArgs(t, "web-blue", validArgs, cases)
}

// Validate takes the args as a caller has them: defaults are applied
// inside, and the Pulumi inputs a caller sets only when it declares the
// component are told apart from values it can check beforehand.
func TestValidateTakesRawArgs(t *testing.T) {
	assert.NoError(t, validArgs().Validate(), "valid args with every default left out")
	fromConfig := &LoadBalancerArgs{Identity: contract.Identity{Env: "prod", Service: "web", Color: "blue"}, TargetPort: 8080, Alarms: Alarms{UnhealthyHosts: new(0)}}
	var inputs []string
	var values []string
	for _, fe := range contract.FieldErrors(fromConfig.Validate()) {
		if fe.Input {
			inputs = append(inputs, fe.Field)
		} else {
			values = append(values, fe.Field)
		}
	}
	assert.Equal(t, []string{"VpcID", "SubnetIDs", "SecurityGroupIDs", "CertificateARN"}, inputs, "the inputs left unset")
	assert.Equal(t, []string{"Alarms.UnhealthyHosts"}, values, "what the caller can fix in its config")
}

func TestNilArgs(t *testing.T) {
	res, err := loadBalancers.Rejected(t, "web-blue", nil)
	assert.Equal(t, `loadbalancer "web-blue": args are required`, err.Error(), "message")
	assert.Empty(t, res.Resources, "nothing registered")
}
