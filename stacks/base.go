package stacks

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/acm"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/dynamodb"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/route53"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sns"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/video-platform/video-platform/components/image"
	"github.com/video-platform/video-platform/components/instancerole"
	"github.com/video-platform/video-platform/components/network"
	"github.com/video-platform/video-platform/components/queue"
	"github.com/video-platform/video-platform/internal/contract"
	"github.com/video-platform/video-platform/internal/topology"
)

// Tiers are the instance roles of an env: the blue-green services and the
// transcoders.
func Tiers(t *topology.Topology) []string { return append(t.ServiceNames(), "transcoder") }

// BaseStack is what the base stack declared.
type BaseStack struct {
	// Network is the env's VPC, subnets and security groups.
	Network *network.Network
	// Images are the ECR repositories per tier.
	Images map[string]*image.Image
	// Queue is the transcode job queue.
	Queue *queue.Queue
	// AlertsTopic receives alarms and launch failures.
	AlertsTopic *sns.Topic
	// LaunchFailures is the EventBridge rule on failed launches.
	LaunchFailures *cloudwatch.EventRule
	// LaunchLoop counts instances replaced after failing health checks, and
	// LaunchLoopAlarm pages when they come faster than the config allows.
	LaunchLoop      *cloudwatch.EventRule
	LaunchLoopAlarm *cloudwatch.MetricAlarm
	// AlertSubscriptions are who the alerts reach: emails, then the webhook.
	AlertSubscriptions []*sns.TopicSubscription
	// InstanceRoles are the instance roles, with their least-privilege
	// policies and instance profiles, per tier.
	InstanceRoles map[string]*instancerole.InstanceRole
	// Certificate is the env's validated certificate.
	Certificate *acm.CertificateValidation
	// LockTable holds the env's deploy lock, which `infra` takes before it
	// changes anything.
	LockTable *dynamodb.Table
	// Outputs are the stack's exports, read by every other stack.
	Outputs pulumi.Map
}

// commonTags are the tags every resource of a stack carries.
func commonTags(env, service string) pulumi.StringMap {
	return pulumi.ToStringMap(contract.Identity{Env: env, Service: service}.ChildTags(nil))
}

// Base declares an env's shared foundation: network, security groups,
// registries, the job queue, alerting, instance roles and the certificate.
func Base(ctx *pulumi.Context, id topology.Identity, cfg BaseConfig) (*BaseStack, error) {
	env := id.Env
	tags := commonTags(env, "base")
	b := &BaseStack{Images: map[string]*image.Image{}, InstanceRoles: map[string]*instancerole.InstanceRole{}}
	caller, err := aws.GetCallerIdentity(ctx, &aws.GetCallerIdentityArgs{})
	if err != nil {
		return nil, fmt.Errorf("reading the caller identity: %w", err)
	}
	region, err := aws.GetRegion(ctx, &aws.GetRegionArgs{})
	if err != nil {
		return nil, fmt.Errorf("reading the region: %w", err)
	}
	partition, err := aws.GetPartition(ctx, &aws.GetPartitionArgs{})
	if err != nil {
		return nil, fmt.Errorf("reading the partition: %w", err)
	}
	amiID := cfg.AmiID
	if amiID == "" {
		ami, err := ec2.LookupAmi(ctx, &ec2.LookupAmiArgs{
			MostRecent: pulumi.BoolRef(true),
			Owners:     []string{"amazon"},
			Filters: []ec2.GetAmiFilter{
				{Name: "name", Values: []string{"al2023-ami-2023.*-x86_64"}},
				{Name: "state", Values: []string{"available"}},
			},
		})
		if err != nil {
			return nil, fmt.Errorf("looking up the Amazon Linux 2023 AMI: %w", err)
		}
		amiID = ami.Id
	}

	// The roles' args come from the stack's identity and the account, not
	// from config: they are checked here, before anything is declared.
	roles := map[string]instancerole.InstanceRoleArgs{}
	var refused []error
	for _, tier := range Tiers(id.Topology) {
		roles[tier] = roleArgs(env, tier, region.Name, caller.AccountId, partition.Partition)
		for _, fe := range contract.FieldErrors(roles[tier].Validate()) {
			// The queue's ARN is set once the queue is declared.
			if !fe.Input {
				refused = append(refused, fmt.Errorf("stack %s: instance role %s: %w", id.Name, tier, fe))
			}
		}
	}
	if err := errors.Join(refused...); err != nil {
		return nil, err
	}

	if b.Network, err = newNetwork(ctx, id, cfg.Network); err != nil {
		return nil, err
	}

	if err := b.alerting(ctx, env, cfg, caller.AccountId, tags); err != nil {
		return nil, err
	}

	for _, tier := range Tiers(id.Topology) {
		args := imageArgs(env, tier, cfg.KeepImages)
		if b.Images[tier], err = image.NewImage(ctx, tier, &args); err != nil {
			return nil, err
		}
	}
	jobs := queueArgs(env, cfg.Queue)
	jobs.AlarmTopicARN = b.AlertsTopic.Arn
	if b.Queue, err = queue.NewQueue(ctx, "transcode", &jobs); err != nil {
		return nil, err
	}
	for _, tier := range Tiers(id.Topology) {
		if b.InstanceRoles[tier], err = newInstanceRole(ctx, roles[tier], b.Queue.QueueARN); err != nil {
			return nil, err
		}
	}
	if b.Certificate, err = certificate(ctx, id.Topology.ServiceNames(), cfg.Domain, tags); err != nil {
		return nil, err
	}
	if b.LockTable, err = envLockTable(ctx, env, tags); err != nil {
		return nil, err
	}

	tiers := pulumi.Map{}
	for _, tier := range Tiers(id.Topology) {
		t := pulumi.Map{
			"instanceSecurityGroupId": b.Network.SecurityGroups[tier+"-instances"].ID(),
			"instanceProfileName":     b.InstanceRoles[tier].InstanceProfileName,
			"repositoryUrl":           b.Images[tier].RepositoryURL,
		}
		if svc, ok := id.Topology.Services[tier]; ok {
			t["lbSecurityGroupId"] = b.Network.SecurityGroups[tier+"-lb"].ID()
			t["port"] = pulumi.Int(svc.Port)
		}
		tiers[tier] = t
	}
	b.Outputs = pulumi.Map{
		"env":              pulumi.String(env),
		"azCount":          pulumi.Int(cfg.Network.AzCount),
		"vpcId":            b.Network.VpcID,
		"publicSubnetIds":  b.Network.PublicSubnetIDs,
		"privateSubnetIds": b.Network.PrivateSubnetIDs,
		"domain":           pulumi.String(cfg.Domain.Name),
		"zoneId":           pulumi.String(cfg.Domain.ZoneID),
		"certificateArn":   b.Certificate.CertificateArn,
		"amiId":            pulumi.String(amiID),
		"alertsTopicArn":   b.AlertsTopic.Arn,
		"lockTable":        b.LockTable.Name,
		"schedules":        scheduleOutputs(cfg.Schedules),
		"queue": pulumi.Map{
			"url": b.Queue.QueueURL, "arn": b.Queue.QueueARN, "name": b.Queue.QueueName,
			"dlqUrl": b.Queue.DlqURL, "jobTimeoutSeconds": pulumi.Int(cfg.Queue.JobTimeoutSeconds),
		},
		"tiers": tiers,
	}
	return b, nil
}

// certificateNames are the names the env's certificate covers besides the
// domain itself: its wildcard, which covers every <service>.<domain>, and per
// blue-green service *.<service>.<domain>, which covers the direct names
// blue.<service>.<domain> and green.<service>.<domain> that the pre-swap
// HTTPS test and a reconnecting recording use (a wildcard covers one label
// only, so *.<domain> does not).
func certificateNames(domain string, services []string) []string {
	names := []string{"*." + domain}
	for _, svc := range services {
		names = append(names, "*."+defaultHostname(svc, domain))
	}
	return names
}

// certificate issues the env's certificate for its domain and the names of
// certificateNames, validated by DNS. ACM gives a wildcard the validation
// record of the name under it, so *.<domain> shares the domain's record and
// each *.<service>.<domain> has one of its own: one CNAME per distinct
// validation name, each picked from the certificate's options by domain
// name, and counted from config so that no resource is created inside an
// apply.
func certificate(ctx *pulumi.Context, services []string, domain DomainConfig, tags pulumi.StringMap) (*acm.CertificateValidation, error) {
	cert, err := acm.NewCertificate(ctx, "certificate", &acm.CertificateArgs{
		DomainName:              pulumi.String(domain.Name),
		SubjectAlternativeNames: pulumi.ToStringArray(certificateNames(domain.Name, services)),
		ValidationMethod:        pulumi.String("DNS"),
		Tags:                    tags,
	})
	if err != nil {
		return nil, err
	}
	// The domain's record keeps its logical name from when it was the only
	// one. It is read from the option of the domain or of its wildcard,
	// since both carry it and the provider holds the options as a set.
	type validation struct {
		logical string
		names   []string
	}
	records := []validation{{"certificate-validation", []string{domain.Name, "*." + domain.Name}}}
	for _, svc := range services {
		records = append(records, validation{"certificate-validation-" + svc, []string{"*." + defaultHostname(svc, domain.Name)}})
	}
	var fqdns pulumi.StringArray
	for _, r := range records {
		option := cert.DomainValidationOptions.ApplyT(func(options []acm.CertificateDomainValidationOption) (acm.CertificateDomainValidationOption, error) {
			for _, o := range options {
				if o.DomainName != nil && slices.Contains(r.names, *o.DomainName) {
					return o, nil
				}
			}
			return acm.CertificateDomainValidationOption{}, fmt.Errorf("stack %s: the certificate has no DNS validation option for %s", ctx.Stack(), strings.Join(r.names, " or "))
		}).(acm.CertificateDomainValidationOptionOutput)
		record, err := route53.NewRecord(ctx, r.logical, &route53.RecordArgs{
			ZoneId:         pulumi.String(domain.ZoneID),
			Name:           option.ResourceRecordName().Elem(),
			Type:           option.ResourceRecordType().Elem(),
			Records:        pulumi.StringArray{option.ResourceRecordValue().Elem()},
			Ttl:            pulumi.Int(60),
			AllowOverwrite: pulumi.Bool(true),
		})
		if err != nil {
			return nil, err
		}
		fqdns = append(fqdns, record.Fqdn)
	}
	return acm.NewCertificateValidation(ctx, "certificate", &acm.CertificateValidationArgs{
		CertificateArn:        cert.Arn,
		ValidationRecordFqdns: fqdns,
	})
}
