package loadbalancer

import (
	"errors"
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lb"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// TypeToken is the component's Pulumi type.
const TypeToken = "video-platform:network:LoadBalancer"

// LoadBalancer is an internet-facing ALB for one service copy. Instances join
// its target group through TargetGroupArn (e.g. an ASG's targetGroupArns).
type LoadBalancer struct {
	pulumi.ResourceState

	// DnsName is the ALB's DNS name, the target of alias records.
	DnsName pulumi.StringOutput `pulumi:"dnsName"`
	// ZoneId is the ALB's canonical hosted zone ID for alias records.
	ZoneId pulumi.StringOutput `pulumi:"zoneId"`
	// Arn is the ALB's ARN.
	Arn pulumi.StringOutput `pulumi:"arn"`
	// ArnSuffix is the ALB's CloudWatch LoadBalancer dimension.
	ArnSuffix pulumi.StringOutput `pulumi:"arnSuffix"`
	// TargetGroupArn is the target group that instances register with.
	TargetGroupArn pulumi.StringOutput `pulumi:"targetGroupArn"`
	// TargetGroupArnSuffix is the CloudWatch TargetGroup dimension.
	TargetGroupArnSuffix pulumi.StringOutput `pulumi:"targetGroupArnSuffix"`
	// HttpsListenerArn is the HTTPS listener, for extra listener rules.
	HttpsListenerArn pulumi.StringOutput `pulumi:"httpsListenerArn"`
	// SecurityGroupIDs are the ALB's security groups: the given ones, or
	// the one the component created. Instances allow ingress from these.
	SecurityGroupIDs pulumi.StringArrayOutput `pulumi:"securityGroupIds"`
	// Alarms maps AlarmErrorRate, AlarmUnhealthyHosts and AlarmP99Latency
	// to the CloudWatch alarm names.
	Alarms pulumi.StringMapOutput `pulumi:"alarms"`
}

// NewLoadBalancer validates args and declares the ALB, its target group,
// listeners and, unless SecurityGroupIDs are given, its security group.
func NewLoadBalancer(ctx *pulumi.Context, name string, args *LoadBalancerArgs, opts ...pulumi.ResourceOption) (*LoadBalancer, error) {
	if args == nil {
		return nil, fmt.Errorf("loadbalancer %q: %w", name, errors.New("args are required"))
	}
	a := args.withDefaults()
	if err := a.Validate(); err != nil {
		return nil, fmt.Errorf("loadbalancer %q: %w", name, err)
	}

	comp := &LoadBalancer{}
	if err := ctx.RegisterComponentResource(TypeToken, name, comp, opts...); err != nil {
		return nil, fmt.Errorf("loadbalancer %q: %w", name, err)
	}
	parent := pulumi.Parent(comp)

	sgIDs := a.SecurityGroupIDs.ToStringArrayOutput()
	if len(a.SecurityGroupIDs) == 0 {
		sg, err := newSecurityGroup(ctx, name, a, parent)
		if err != nil {
			return nil, fmt.Errorf("loadbalancer %q: %w", name, err)
		}
		sgIDs = pulumi.StringArray{sg.ID().ToStringOutput()}.ToStringArrayOutput()
	}

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
		Tags:                     a.tags(map[string]string{"Name": name + "-alb"}),
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
		Tags: a.tags(map[string]string{"Name": name + "-tg"}),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("loadbalancer %q: %w", name, err)
	}

	https, err := lb.NewListener(ctx, name+"-https", &lb.ListenerArgs{
		LoadBalancerArn: alb.Arn,
		Port:            pulumi.Int(443),
		Protocol:        pulumi.String("HTTPS"),
		CertificateArn:  a.CertificateArn,
		SslPolicy:       pulumi.String(a.SslPolicy),
		DefaultActions: lb.ListenerDefaultActionArray{lb.ListenerDefaultActionArgs{
			Type:           pulumi.String("forward"),
			TargetGroupArn: tg.Arn,
		}},
		Tags: a.tags(map[string]string{"Name": name + "-https"}),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("loadbalancer %q: %w", name, err)
	}

	// Plain HTTP only ever redirects, so no request reaches a target
	// unencrypted and the alb-https-only policy holds.
	if _, err := lb.NewListener(ctx, name+"-http", &lb.ListenerArgs{
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
		Tags: a.tags(map[string]string{"Name": name + "-http"}),
	}, parent); err != nil {
		return nil, fmt.Errorf("loadbalancer %q: %w", name, err)
	}

	alarms, err := newAlarms(ctx, name, a, alb.ArnSuffix, tg.ArnSuffix, parent)
	if err != nil {
		return nil, fmt.Errorf("loadbalancer %q: %w", name, err)
	}

	comp.DnsName = alb.DnsName
	comp.ZoneId = alb.ZoneId
	comp.Arn = alb.Arn
	comp.ArnSuffix = alb.ArnSuffix
	comp.TargetGroupArn = tg.Arn
	comp.TargetGroupArnSuffix = tg.ArnSuffix
	comp.HttpsListenerArn = https.Arn
	comp.SecurityGroupIDs = sgIDs
	comp.Alarms = alarms.ToStringMapOutput()
	if err := ctx.RegisterResourceOutputs(comp, pulumi.Map{
		"dnsName":              comp.DnsName,
		"zoneId":               comp.ZoneId,
		"arn":                  comp.Arn,
		"arnSuffix":            comp.ArnSuffix,
		"targetGroupArn":       comp.TargetGroupArn,
		"targetGroupArnSuffix": comp.TargetGroupArnSuffix,
		"httpsListenerArn":     comp.HttpsListenerArn,
		"securityGroupIds":     comp.SecurityGroupIDs,
		"alarms":               comp.Alarms,
	}); err != nil {
		return nil, fmt.Errorf("loadbalancer %q: %w", name, err)
	}
	return comp, nil
}

// newSecurityGroup creates the ALB's own group. The role tag is how the
// world-ingress-only-on-lb policy tells it apart from instance groups.
func newSecurityGroup(ctx *pulumi.Context, name string, a *LoadBalancerArgs, parent pulumi.ResourceOption) (*ec2.SecurityGroup, error) {
	world := func(port int, what string) ec2.SecurityGroupIngressArgs {
		return ec2.SecurityGroupIngressArgs{
			Description:    pulumi.String(what + " from the internet"),
			Protocol:       pulumi.String("tcp"),
			FromPort:       pulumi.Int(port),
			ToPort:         pulumi.Int(port),
			CidrBlocks:     pulumi.StringArray{pulumi.String("0.0.0.0/0")},
			Ipv6CidrBlocks: pulumi.StringArray{pulumi.String("::/0")},
		}
	}
	// Name is left to autonaming so that a replacement group can exist
	// beside the old one while the ALB moves over.
	return ec2.NewSecurityGroup(ctx, name+"-sg", &ec2.SecurityGroupArgs{
		Description: pulumi.String("Load balancer " + name + ": HTTP and HTTPS from the internet"),
		VpcId:       a.VpcID,
		Ingress: ec2.SecurityGroupIngressArray{
			world(80, "HTTP (redirected to HTTPS)"),
			world(443, "HTTPS"),
		},
		// The ALB must reach targets on TargetPort and health checks; the
		// instance groups decide what they accept.
		Egress: ec2.SecurityGroupEgressArray{ec2.SecurityGroupEgressArgs{
			Description:    pulumi.String("All outbound"),
			Protocol:       pulumi.String("-1"),
			FromPort:       pulumi.Int(0),
			ToPort:         pulumi.Int(0),
			CidrBlocks:     pulumi.StringArray{pulumi.String("0.0.0.0/0")},
			Ipv6CidrBlocks: pulumi.StringArray{pulumi.String("::/0")},
		}},
		Tags: a.tags(map[string]string{"Name": name + "-sg", "role": "load-balancer"}),
	}, parent)
}
