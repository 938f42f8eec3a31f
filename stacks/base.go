package stacks

import (
	"github.com/video-platform/video-platform/internal/topology"

	"fmt"
	"slices"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/acm"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/dynamodb"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/route53"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sns"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/video-platform/video-platform/components/image"
	"github.com/video-platform/video-platform/components/queue"
	"github.com/video-platform/video-platform/internal/contract"
)

// Tiers are the instance roles of an env: the blue-green services and the
// transcoders.
func Tiers() []string { return append(topology.ServiceNames(), "transcoder") }

// BaseStack is what the base stack declared.
type BaseStack struct {
	// Network is the env's VPC and subnets.
	Network *Network
	// SecurityGroups are keyed "<tier>-lb" and "<tier>-instances".
	SecurityGroups map[string]*ec2.SecurityGroup
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
	// Roles are the instance roles per tier.
	Roles map[string]*iam.Role
	// RolePolicies are the least-privilege inline policies per tier.
	RolePolicies map[string]*iam.RolePolicy
	// InstanceProfiles are per tier.
	InstanceProfiles map[string]*iam.InstanceProfile
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
	b := &BaseStack{
		SecurityGroups: map[string]*ec2.SecurityGroup{}, Images: map[string]*image.Image{},
		Roles: map[string]*iam.Role{}, RolePolicies: map[string]*iam.RolePolicy{}, InstanceProfiles: map[string]*iam.InstanceProfile{},
	}
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

	if b.Network, err = newNetwork(ctx, env, cfg.Network, tags); err != nil {
		return nil, err
	}
	if err := b.securityGroups(ctx, env); err != nil {
		return nil, err
	}

	if err := b.alerting(ctx, env, cfg, caller.AccountId, tags); err != nil {
		return nil, err
	}

	for _, tier := range Tiers() {
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
	for _, tier := range Tiers() {
		if err := b.instanceRole(ctx, env, tier, tierPolicyParams{
			Env: env, Tier: tier, Region: region.Name, Account: caller.AccountId, Partition: partition.Partition,
			RepositoryName: topology.RepositoryName(env, tier),
		}); err != nil {
			return nil, err
		}
	}
	if b.Certificate, err = certificate(ctx, env, cfg.Domain, tags); err != nil {
		return nil, err
	}
	if b.LockTable, err = envLockTable(ctx, env, tags); err != nil {
		return nil, err
	}

	tiers := pulumi.Map{}
	for _, tier := range Tiers() {
		t := pulumi.Map{
			"instanceSecurityGroupId": b.SecurityGroups[tier+"-instances"].ID(),
			"instanceProfileName":     b.InstanceProfiles[tier].Name,
			"repositoryUrl":           b.Images[tier].RepositoryURL,
		}
		if svc, ok := topology.Services[tier]; ok {
			t["lbSecurityGroupId"] = b.SecurityGroups[tier+"-lb"].ID()
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

// securityGroups creates per service a load balancer group open to the
// world on 80 and 443 only, and per tier an instance group that only its
// load balancer may reach, and only on the service port. Nothing allows SSH:
// operators use SSM Session Manager.
func (b *BaseStack) securityGroups(ctx *pulumi.Context, env string) error {
	world := pulumi.StringArray{pulumi.String("0.0.0.0/0")}
	worldV6 := pulumi.StringArray{pulumi.String("::/0")}
	egress := ec2.SecurityGroupEgressArray{&ec2.SecurityGroupEgressArgs{
		Description: pulumi.String("ECR, SQS, CloudWatch and the AWS APIs through NAT"),
		Protocol:    pulumi.String("-1"), FromPort: pulumi.Int(0), ToPort: pulumi.Int(0),
		CidrBlocks: world, Ipv6CidrBlocks: worldV6,
	}}
	for _, tier := range Tiers() {
		var ingress ec2.SecurityGroupIngressArray
		if svc, ok := topology.Services[tier]; ok {
			lbTags := commonTags(env, tier)
			lbTags[contract.TagRole] = pulumi.String(contract.RoleLoadBalancer)
			lb, err := ec2.NewSecurityGroup(ctx, tier+"-lb", &ec2.SecurityGroupArgs{
				NamePrefix:  pulumi.String(env + "-" + tier + "-lb-"),
				Description: pulumi.String("Load balancers of " + tier + ": HTTP and HTTPS from the internet"),
				VpcId:       b.Network.VpcID,
				Ingress: ec2.SecurityGroupIngressArray{
					&ec2.SecurityGroupIngressArgs{Description: pulumi.String("HTTPS"), Protocol: pulumi.String("tcp"),
						FromPort: pulumi.Int(443), ToPort: pulumi.Int(443), CidrBlocks: world, Ipv6CidrBlocks: worldV6},
					&ec2.SecurityGroupIngressArgs{Description: pulumi.String("HTTP, redirected to HTTPS"), Protocol: pulumi.String("tcp"),
						FromPort: pulumi.Int(80), ToPort: pulumi.Int(80), CidrBlocks: world, Ipv6CidrBlocks: worldV6},
				},
				Egress: egress,
				Tags:   lbTags,
			}, pulumi.DeleteBeforeReplace(false))
			if err != nil {
				return err
			}
			b.SecurityGroups[tier+"-lb"] = lb
			ingress = ec2.SecurityGroupIngressArray{&ec2.SecurityGroupIngressArgs{
				Description: pulumi.String("Service port from its load balancers only"), Protocol: pulumi.String("tcp"),
				FromPort: pulumi.Int(svc.Port), ToPort: pulumi.Int(svc.Port),
				SecurityGroups: pulumi.StringArray{lb.ID()},
			}}
		}
		instTags := commonTags(env, tier)
		instTags[contract.TagRole] = pulumi.String(contract.RoleInstances)
		inst, err := ec2.NewSecurityGroup(ctx, tier+"-instances", &ec2.SecurityGroupArgs{
			NamePrefix:  pulumi.String(env + "-" + tier + "-instances-"),
			Description: pulumi.String("Instances of " + tier + ": no inbound access but from their load balancers"),
			VpcId:       b.Network.VpcID,
			Ingress:     ingress,
			Egress:      egress,
			Tags:        instTags,
		})
		if err != nil {
			return err
		}
		b.SecurityGroups[tier+"-instances"] = inst
	}
	return nil
}

func (b *BaseStack) instanceRole(ctx *pulumi.Context, env, tier string, params tierPolicyParams) error {
	assume, err := assumeRolePolicy()
	if err != nil {
		return err
	}
	role, err := iam.NewRole(ctx, tier+"-role", &iam.RoleArgs{
		NamePrefix:       pulumi.String(env + "-" + tier + "-"),
		Description:      pulumi.String("Instances of " + tier + " in " + env),
		AssumeRolePolicy: pulumi.String(assume),
		Tags:             commonTags(env, tier),
	})
	if err != nil {
		return err
	}
	policy := b.Queue.QueueARN.ApplyT(func(queueArn string) (string, error) {
		p := params
		p.QueueArn = queueArn
		return tierPolicy(p)
	}).(pulumi.StringOutput)
	rolePolicy, err := iam.NewRolePolicy(ctx, tier+"-policy", &iam.RolePolicyArgs{
		Role:   role.Name,
		Policy: policy,
	}, pulumi.Parent(role))
	if err != nil {
		return err
	}
	// Session Manager replaces SSH, so no port 22 is ever opened.
	if _, err := iam.NewRolePolicyAttachment(ctx, tier+"-ssm", &iam.RolePolicyAttachmentArgs{
		Role:      role.Name,
		PolicyArn: pulumi.Sprintf("arn:%s:iam::aws:policy/AmazonSSMManagedInstanceCore", params.Partition),
	}, pulumi.Parent(role)); err != nil {
		return err
	}
	profile, err := iam.NewInstanceProfile(ctx, tier+"-profile", &iam.InstanceProfileArgs{
		NamePrefix: pulumi.String(env + "-" + tier + "-"),
		Role:       role.Name,
		Tags:       commonTags(env, tier),
	})
	if err != nil {
		return err
	}
	b.Roles[tier], b.RolePolicies[tier], b.InstanceProfiles[tier] = role, rolePolicy, profile
	return nil
}

// certificateNames are the names the env's certificate covers besides the
// domain itself: its wildcard, which covers every <service>.<domain>, and per
// blue-green service *.<service>.<domain>, which covers the direct names
// blue.<service>.<domain> and green.<service>.<domain> that the pre-swap
// HTTPS test and a reconnecting recording use (a wildcard covers one label
// only, so *.<domain> does not).
func certificateNames(domain string) []string {
	names := []string{"*." + domain}
	for _, svc := range topology.ServiceNames() {
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
func certificate(ctx *pulumi.Context, env string, domain DomainConfig, tags pulumi.StringMap) (*acm.CertificateValidation, error) {
	cert, err := acm.NewCertificate(ctx, "certificate", &acm.CertificateArgs{
		DomainName:              pulumi.String(domain.Name),
		SubjectAlternativeNames: pulumi.ToStringArray(certificateNames(domain.Name)),
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
	for _, svc := range topology.ServiceNames() {
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
