package loadbalancer

import (
	"errors"
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lb"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/video-platform/video-platform/components/internal/outputs"
	"github.com/video-platform/video-platform/internal/contract"
)

// TypeToken is the component's Pulumi type.
const TypeToken = "video-platform:network:LoadBalancer"

// LoadBalancer is an internet-facing ALB for one service copy. Instances join
// its target group through TargetGroupARN (e.g. an ASG's targetGroupArns).
type LoadBalancer struct {
	pulumi.ResourceState

	// LoadBalancer is the ALB.
	LoadBalancer *lb.LoadBalancer
	// TargetGroup is the target group instances register with.
	TargetGroup *lb.TargetGroup
	// HTTPSListener forwards HTTPS to the target group.
	HTTPSListener *lb.Listener
	// HTTPListener redirects HTTP to HTTPS.
	HTTPListener *lb.Listener
	// MetricAlarms are the copy's alarms, keyed AlarmErrorRate,
	// AlarmUnhealthyHosts and AlarmP99Latency.
	MetricAlarms map[string]*cloudwatch.MetricAlarm

	// DNSName is the ALB's DNS name, the target of alias records.
	DNSName pulumi.StringOutput `pulumi:"dnsName"`
	// ZoneID is the ALB's canonical hosted zone ID for alias records.
	ZoneID pulumi.StringOutput `pulumi:"zoneId"`
	// ARN is the ALB's ARN.
	ARN pulumi.StringOutput `pulumi:"arn"`
	// ARNSuffix is the ALB's CloudWatch LoadBalancer dimension.
	ARNSuffix pulumi.StringOutput `pulumi:"arnSuffix"`
	// TargetGroupARN is the target group that instances register with.
	TargetGroupARN pulumi.StringOutput `pulumi:"targetGroupArn"`
	// TargetGroupARNSuffix is the CloudWatch TargetGroup dimension.
	TargetGroupARNSuffix pulumi.StringOutput `pulumi:"targetGroupArnSuffix"`
	// HTTPSListenerARN is the HTTPS listener, for extra listener rules.
	HTTPSListenerARN pulumi.StringOutput `pulumi:"httpsListenerArn"`
	// SecurityGroupIDs are the ALB's security groups, as given. Instances
	// allow ingress from these.
	SecurityGroupIDs pulumi.StringArrayOutput `pulumi:"securityGroupIds"`
	// Alarms maps AlarmErrorRate, AlarmUnhealthyHosts and AlarmP99Latency
	// to the CloudWatch alarm names.
	Alarms pulumi.StringMapOutput `pulumi:"alarms"`
}

// NewLoadBalancer validates args and declares the ALB, its target group
// and listeners, and the copy's alarms.
func NewLoadBalancer(ctx *pulumi.Context, name string, args *LoadBalancerArgs, opts ...pulumi.ResourceOption) (*LoadBalancer, error) {
	if args == nil {
		return nil, fmt.Errorf("loadbalancer %q: %w", name, errors.New("args are required"))
	}
	if err := args.Validate(); err != nil {
		return nil, fmt.Errorf("loadbalancer %q: %w", name, err)
	}
	a := args.withDefaults()

	comp := &LoadBalancer{}
	if err := ctx.RegisterComponentResource(TypeToken, name, comp, opts...); err != nil {
		return nil, fmt.Errorf("loadbalancer %q: %w", name, err)
	}
	parent := pulumi.Parent(comp)
	sgIDs := a.SecurityGroupIDs.ToStringArrayOutput()

	var accessLogs lb.LoadBalancerAccessLogsPtrInput
	if l := a.AccessLogs; l != nil {
		logs := lb.LoadBalancerAccessLogsArgs{Bucket: pulumi.String(l.Bucket), Enabled: pulumi.Bool(true)}
		if l.Prefix != "" {
			logs.Prefix = pulumi.String(l.Prefix)
		}
		accessLogs = logs
	}
	// No Name: AWS caps it at 32 characters, and autonaming's random suffix
	// lets a replacement be created before the old ALB is deleted.
	alb, err := lb.NewLoadBalancer(ctx, name+"-alb", &lb.LoadBalancerArgs{
		Internal:                 pulumi.Bool(false),
		LoadBalancerType:         pulumi.String("application"),
		IpAddressType:            pulumi.String(a.IPAddressType),
		Subnets:                  a.SubnetIDs,
		SecurityGroups:           sgIDs,
		IdleTimeout:              pulumi.Int(a.IdleTimeoutSeconds),
		EnableDeletionProtection: pulumi.Bool(*a.DeletionProtection),
		DropInvalidHeaderFields:  pulumi.Bool(true),
		AccessLogs:               accessLogs,
		Tags:                     a.tags(map[string]string{contract.TagName: name + "-alb"}),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("loadbalancer %q: %w", name, err)
	}

	var stickiness lb.TargetGroupStickinessPtrInput
	if s := a.Stickiness; s != nil {
		stickiness = lb.TargetGroupStickinessArgs{
			Type:           pulumi.String("lb_cookie"),
			Enabled:        pulumi.Bool(true),
			CookieDuration: pulumi.Int(s.DurationSeconds),
		}
	}
	hc := a.HealthCheck
	tg, err := lb.NewTargetGroup(ctx, name+"-tg", &lb.TargetGroupArgs{
		Protocol:            pulumi.String("HTTP"),
		TargetType:          pulumi.String("instance"),
		Port:                pulumi.Int(a.TargetPort),
		VpcId:               a.VpcID,
		DeregistrationDelay: pulumi.Int(*a.DeregistrationDelaySeconds),
		Stickiness:          stickiness,
		HealthCheck: lb.TargetGroupHealthCheckArgs{
			Enabled:            pulumi.Bool(true),
			Protocol:           pulumi.String("HTTP"),
			Port:               pulumi.String("traffic-port"),
			Path:               pulumi.String(hc.Path),
			Interval:           pulumi.Int(hc.IntervalSeconds),
			Timeout:            pulumi.Int(hc.TimeoutSeconds),
			HealthyThreshold:   pulumi.Int(hc.HealthyThreshold),
			UnhealthyThreshold: pulumi.Int(hc.UnhealthyThreshold),
			Matcher:            pulumi.String(hc.Matcher),
		},
		Tags: a.tags(map[string]string{contract.TagName: name + "-tg"}),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("loadbalancer %q: %w", name, err)
	}

	https, err := lb.NewListener(ctx, name+"-https", &lb.ListenerArgs{
		LoadBalancerArn: alb.Arn,
		Port:            pulumi.Int(443),
		Protocol:        pulumi.String("HTTPS"),
		CertificateArn:  a.CertificateARN,
		SslPolicy:       pulumi.String(a.SSLPolicy),
		DefaultActions: lb.ListenerDefaultActionArray{lb.ListenerDefaultActionArgs{
			Type:           pulumi.String("forward"),
			TargetGroupArn: tg.Arn,
		}},
		Tags: a.tags(map[string]string{contract.TagName: name + "-https"}),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("loadbalancer %q: %w", name, err)
	}

	// Plain HTTP only ever redirects, so no request reaches a target
	// unencrypted and the alb-https-only policy holds.
	http, err := lb.NewListener(ctx, name+"-http", &lb.ListenerArgs{
		LoadBalancerArn: alb.Arn,
		Port:            pulumi.Int(80),
		Protocol:        pulumi.String("HTTP"),
		DefaultActions: lb.ListenerDefaultActionArray{lb.ListenerDefaultActionArgs{
			Type: pulumi.String("redirect"),
			Redirect: lb.ListenerDefaultActionRedirectArgs{
				Protocol:   pulumi.String("HTTPS"),
				Port:       pulumi.String("443"),
				StatusCode: pulumi.String("HTTP_301"),
			},
		}},
		Tags: a.tags(map[string]string{contract.TagName: name + "-http"}),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("loadbalancer %q: %w", name, err)
	}

	alarms, err := newAlarms(ctx, name, a, alb.ArnSuffix, tg.ArnSuffix, parent)
	if err != nil {
		return nil, fmt.Errorf("loadbalancer %q: %w", name, err)
	}

	names := pulumi.StringMap{}
	for key, alarm := range alarms {
		names[key] = alarm.Name
	}
	comp.LoadBalancer, comp.TargetGroup, comp.HTTPSListener, comp.HTTPListener, comp.MetricAlarms = alb, tg, https, http, alarms
	comp.DNSName = alb.DnsName
	comp.ZoneID = alb.ZoneId
	comp.ARN = alb.Arn
	comp.ARNSuffix = alb.ArnSuffix
	comp.TargetGroupARN = tg.Arn
	comp.TargetGroupARNSuffix = tg.ArnSuffix
	comp.HTTPSListenerARN = https.Arn
	comp.SecurityGroupIDs = sgIDs
	comp.Alarms = names.ToStringMapOutput()
	if err := outputs.Register(ctx, comp); err != nil {
		return nil, fmt.Errorf("loadbalancer %q: %w", name, err)
	}
	return comp, nil
}
