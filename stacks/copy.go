package stacks

import (
	"github.com/video-platform/video-platform/internal/topology"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/video-platform/video-platform/components/asgpool"
	"github.com/video-platform/video-platform/components/loadbalancer"
)

// CopyStack is what one copy of a service declared.
type CopyStack struct {
	// LoadBalancer fronts the copy; it stays when the copy is idle.
	LoadBalancer *loadbalancer.LoadBalancer
	// Pool runs the copy's release.
	Pool *asgpool.AsgPool
	// Outputs are the stack's exports, read by the DNS stack and `infra`.
	Outputs pulumi.Map
}

// Copy declares one copy (blue or green) of a service: an AsgPool behind a
// LoadBalancer. An idle copy (capacity 0) keeps its load balancer, so that
// bringing it back takes only instances.
func Copy(ctx *pulumi.Context, id topology.Identity, cfg CopyConfig) (*CopyStack, error) {
	base, err := readBase(ctx, id)
	if err != nil {
		return nil, err
	}
	svc := id.Profile()
	tier := base.Tiers[id.Service]
	name := id.Service + "-" + id.Color
	lbArgs := &loadbalancer.LoadBalancerArgs{
		Identity:                   copyIdentity(id),
		VpcID:                      pulumi.String(base.VpcID),
		SubnetIDs:                  pulumi.ToStringArray(base.PublicSubnetIDs),
		MinAZs:                     id.MinAZs(),
		SecurityGroupIDs:           pulumi.StringArray{pulumi.String(tier.LBSecurityGroupID)},
		CertificateARN:             pulumi.String(base.CertificateARN),
		TargetPort:                 svc.Port,
		HealthCheck:                loadbalancer.HealthCheck{Path: svc.HealthPath},
		DeregistrationDelaySeconds: pulumi.IntRef(svc.DeregistrationDelaySeconds),
		IdleTimeoutSeconds:         svc.IdleTimeoutSeconds,
		DeletionProtection:         cfg.DeletionProtection,
		Alarms:                     cfg.alarms(),
	}
	lbArgs.Alarms.Actions = pulumi.StringArray{pulumi.String(base.AlertsTopicARN)}
	if svc.Stickiness {
		lbArgs.Stickiness = &loadbalancer.Stickiness{}
	}
	lb, err := loadbalancer.NewLoadBalancer(ctx, name, lbArgs)
	if err != nil {
		return nil, err
	}

	// The pool as config decides it (what LoadCopyConfig validated), with
	// what the service, the base stack and the load balancer add.
	poolArgs := cfg.poolArgs(id)
	if poolArgs.Scaling == nil {
		poolArgs.Scaling = &asgpool.TargetTracking{Metric: svc.Scaling.Metric, TargetValue: svc.Scaling.Target}
	}
	if poolArgs.Scaling.Metric == asgpool.MetricALBRequests {
		poolArgs.Scaling.ResourceLabel = pulumi.Sprintf("%s/%s", lb.ARNSuffix, lb.TargetGroupARNSuffix)
	}
	// Schedules belong to the service, so both copies get the same ones and
	// the copy a swap makes live keeps them; an idle copy gets none, because
	// a scheduled action would wake it with instances nobody sends traffic to.
	if cfg.Capacity.Max > 0 {
		for _, s := range base.Schedules[id.Service] {
			poolArgs.Schedules = append(poolArgs.Schedules, scheduleArgs(s))
		}
	}
	poolArgs.Environment = pulumi.StringMap{
		"SERVICE_COLOR": pulumi.String(id.Color),
		"JOB_QUEUE_URL": pulumi.String(base.Queue.URL),
		// The name that reaches this copy whatever DNS says is live. The
		// application hands it to a client that starts a recording, so that
		// a reconnect after a swap comes back to this copy (see "Recordings
		// across a swap" in docs/operations.md).
		"DIRECT_HOSTNAME": pulumi.String(directHostname(id.Color, defaultHostname(id.Service, base.Domain))),
	}
	poolArgs.ImageRepositoryURL = pulumi.String(tier.RepositoryURL)
	poolArgs.ContainerPort = svc.Port
	poolArgs.AmiID = pulumi.String(base.AmiID)
	poolArgs.SecurityGroupIDs = pulumi.StringArray{pulumi.String(tier.InstanceSecurityGroupID)}
	poolArgs.InstanceProfileName = pulumi.String(tier.InstanceProfileName)
	poolArgs.SubnetIDs = pulumi.ToStringArray(base.PrivateSubnetIDs)
	poolArgs.TargetGroupARNs = pulumi.StringArray{lb.TargetGroupARN}
	poolArgs.LifecycleHook = &asgpool.LifecycleHook{HeartbeatSeconds: svc.DrainHeartbeatSeconds}
	pool, err := asgpool.NewAsgPool(ctx, name, &poolArgs)
	if err != nil {
		return nil, err
	}
	return &CopyStack{LoadBalancer: lb, Pool: pool, Outputs: pulumi.Map{
		"service":      pulumi.String(id.Service),
		"color":        pulumi.String(id.Color),
		"release":      pulumi.String(cfg.Release),
		"instanceType": pulumi.String(cfg.InstanceType),
		"capacity": pulumi.Map{
			"min": pulumi.Int(cfg.Capacity.Min), "max": pulumi.Int(cfg.Capacity.Max), "desired": pulumi.Int(cfg.Capacity.Desired),
		},
		"lbDnsName":                  lb.DNSName,
		"lbZoneId":                   lb.ZoneID,
		"lbArnSuffix":                lb.ARNSuffix,
		"targetGroupArn":             lb.TargetGroupARN,
		"groupName":                  pool.GroupName,
		"deregistrationDelaySeconds": pulumi.Int(svc.DeregistrationDelaySeconds),
		"alarms":                     lb.Alarms,
	}}, nil
}
