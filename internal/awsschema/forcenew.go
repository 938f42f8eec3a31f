// Package awsschema holds the replacement contract of pulumi-aws v6.83 for
// the resource types the stacks use: which input properties cannot be
// updated in place (Terraform ForceNew). It has one home so that the
// rehearsal's stand-in provider (internal/standin), which answers the
// engine's Diff from it, and `infra diff`, which marks replacements in a
// pull request from it, cannot disagree. It is a leaf package on purpose:
// reading the table must not pull in gRPC provider code.
//
// Sources:
//
//   - Terraform schemas: pulumi/terraform-provider-aws (Pulumi's fork of the
//     Terraform AWS provider), branch patched-v5.14.0 at commit
//     122a58103640826a4793ef37353289632b78452b. That is the newest patched
//     branch the fork holds: upstream v5.14.0 (2023-08) plus Pulumi's
//     patches. In these types' files the patches change only the security
//     group's default description, Route 53 change-batch comments, a panic
//     guard in the topic subscription's CustomizeDiff and a target group
//     read. None of them touches ForceNew.
//   - Because pulumi-aws v6.83 builds on a much newer upstream (v5.100.0,
//     unverified), every file was also read at upstream
//     hashicorp/terraform-provider-aws commit
//     1a5174b137bbdefdebd6e5c2fc033f829057e283 (main, 2024-04-17,
//     v5.46.0-dev, via a mirror). Where the two differ, the newer one wins
//     and the entry says so. Nothing newer than that was readable. Inputs
//     in the v6.83 SDK that neither version has are listed as unverified.
//   - Pulumi property names: the `pulumi:"..."` tags of
//     github.com/pulumi/pulumi-aws/sdk/v6@v6.83.0 (module cache).
//
// Paths in the comments are relative to internal/service/ in the Terraform
// provider.
package awsschema

import "slices"

// replaceOnChange lists, per type token, the top-level input properties
// whose change makes pulumi-aws replace the resource (Terraform ForceNew).
// Source: pulumi/terraform-provider-aws at
// 122a58103640826a4793ef37353289632b78452b, checked against upstream
// 1a5174b137bbdefdebd6e5c2fc033f829057e283, file per type in the comment.
// A block counts when a field nested in it is ForceNew. Replacements that
// a CustomizeDiff function decides case by case are not here (see below).
// Every list is sorted.
var replaceOnChange = map[string][]string{
	// internal/service/dynamodb/table.go: name, hash_key and range_key are
	// ForceNew. Not read in the fork this session (the env lock table came
	// later); from the provider's documentation of aws_dynamodb_table.
	"aws:dynamodb/table:Table": {"hashKey", "name", "rangeKey"},
	// acm/certificate.go. validation_option is ForceNew, and so are its
	// domain_name and validation_domain.
	"aws:acm/certificate:Certificate": {"certificateAuthorityArn", "domainName", "keyAlgorithm", "subjectAlternativeNames", "validationMethod", "validationOptions"},
	// acm/certificate_validation.go
	"aws:acm/certificateValidation:CertificateValidation": {"certificateArn", "validationRecordFqdns"},
	// autoscaling/group.go. initial_lifecycle_hook is ForceNew (in the upstream
	// version each of its fields is too). Unverified: availabilityZoneDistribution and
	// capacityReservationSpecification are newer than both sources.
	"aws:autoscaling/group:Group": {"initialLifecycleHooks", "name", "namePrefix"},
	// autoscaling/policy.go
	"aws:autoscaling/policy:Policy": {"autoscalingGroupName", "name"},
	// autoscaling/schedule.go
	"aws:autoscaling/schedule:Schedule": {"autoscalingGroupName", "scheduledActionName"},
	// events/rule.go. Unverified: forceDestroy is newer than both sources
	// (a delete-time flag, so probably not ForceNew).
	"aws:cloudwatch/eventRule:EventRule": {"eventBusName", "name", "namePrefix"},
	// events/target.go (Pulumi auto-names target_id). Unverified:
	// appsyncTarget and forceDestroy are newer than both sources.
	"aws:cloudwatch/eventTarget:EventTarget": {"eventBusName", "rule", "targetId"},
	// logs/group.go. log_group_class exists only in the upstream version
	// (ForceNew there); the fork predates it.
	"aws:cloudwatch/logGroup:LogGroup": {"logGroupClass", "name", "namePrefix"},
	// cloudwatch/metric_alarm.go. Terraform alarm_name is Pulumi "name".
	"aws:cloudwatch/metricAlarm:MetricAlarm": {"name"},
	// ec2/ec2_eip.go. Unverified: ipamPoolId is newer than both sources. Only
	// AllocateAddress takes it, so it is probably ForceNew, but it is left
	// out here.
	"aws:ec2/eip:Eip": {"address", "domain", "networkBorderGroup", "publicIpv4Pool", "vpc"},
	// ec2/vpc_internet_gateway.go. vpc_id is updated in place (detach,
	// then attach).
	"aws:ec2/internetGateway:InternetGateway": {},
	// ec2/ec2_launch_template.go. Every other change makes a new template
	// version in place.
	"aws:ec2/launchTemplate:LaunchTemplate": {"name", "namePrefix"},
	// ec2/vpc_nat_gateway.go
	"aws:ec2/natGateway:NatGateway": {"allocationId", "connectivityType", "privateIp", "secondaryPrivateIpAddressCount", "subnetId"},
	// ec2/vpc_route_table.go. route (Pulumi "routes") is updated in place.
	"aws:ec2/routeTable:RouteTable": {"vpcId"},
	// ec2/vpc_route_table_association.go. route_table_id is updated in place
	// (ReplaceRouteTableAssociation).
	"aws:ec2/routeTableAssociation:RouteTableAssociation": {"gatewayId", "subnetId"},
	// ec2/vpc_security_group.go. ingress and egress are updated in place.
	"aws:ec2/securityGroup:SecurityGroup": {"description", "name", "namePrefix", "vpcId"},
	// ec2/vpc_subnet.go
	"aws:ec2/subnet:Subnet": {"availabilityZone", "availabilityZoneId", "cidrBlock", "ipv6Native", "outpostArn", "vpcId"},
	// ec2/vpc_.go. instance_tenancy is also replaced, case by case (see
	// conditionalReplaces). The CustomizeDiff also drops a cidr_block change
	// when ipv4_netmask_length is set, because IPAM picked the block.
	"aws:ec2/vpc:Vpc": {"cidrBlock", "ipv4IpamPoolId", "ipv4NetmaskLength"},
	// ecr/lifecycle_policy.go. policy is ForceNew in both versions.
	// pulumi-aws marks this type DeleteBeforeReplace.
	"aws:ecr/lifecyclePolicy:LifecyclePolicy": {"policy", "repository"},
	// ecr/repository.go. encryption_configuration is ForceNew, and so are its
	// encryption_type and kms_key.
	"aws:ecr/repository:Repository": {"encryptionConfigurations", "name"},
	// iam/instance_profile.go. role is updated in place.
	"aws:iam/instanceProfile:InstanceProfile": {"name", "namePrefix", "path"},
	// iam/role.go
	"aws:iam/role:Role": {"name", "namePrefix", "path"},
	// iam/role_policy.go
	"aws:iam/rolePolicy:RolePolicy": {"name", "namePrefix", "role"},
	// iam/role_policy_attachment.go. pulumi-aws marks this type
	// DeleteBeforeReplace.
	"aws:iam/rolePolicyAttachment:RolePolicyAttachment": {"policyArn", "role"},
	// elbv2/listener.go. port, protocol, certificates and actions are updated
	// in place. Unverified: tcpIdleTimeoutSeconds and the routingHttp*
	// header attributes are newer than both sources (listener attributes,
	// probably updated in place).
	"aws:lb/listener:Listener": {"loadBalancerArn"},
	// elbv2/load_balancer.go. Subnets, subnet mappings and security groups
	// are replaced case by case (see conditionalReplaces). The fork also has
	// subnet_mapping (and every field in it) as ForceNew; the upstream
	// version made it conditional. Unverified: clientKeepAlive,
	// enableZonalShift, ipamPools and minimumLoadBalancerCapacity are newer
	// than both sources (each has its own update API, so probably updated
	// in place).
	"aws:lb/loadBalancer:LoadBalancer": {"customerOwnedIpv4Pool", "internal", "loadBalancerType", "name", "namePrefix"},
	// elbv2/target_group.go. Unverified: targetGroupHealth is newer than both
	// sources (target group attributes, probably updated in place).
	"aws:lb/targetGroup:TargetGroup": {"ipAddressType", "name", "namePrefix", "port", "protocol", "protocolVersion", "targetType", "vpcId"},
	// route53/record.go. type, set_identifier, records, ttl, alias and the
	// routing policies are updated in place (one change batch that deletes
	// the old record set and creates the new one).
	"aws:route53/record:Record": {"name", "zoneId"},
	// sns/topic.go. Unverified: fifoThroughputScope is newer than both sources
	// (a topic attribute, probably updated in place).
	"aws:sns/topic:Topic": {"fifoTopic", "name", "namePrefix"},
	// sns/topic_policy.go
	"aws:sns/topicPolicy:TopicPolicy": {"arn"},
	// sns/topic_subscription.go. Terraform topic_arn is Pulumi "topic".
	"aws:sns/topicSubscription:TopicSubscription": {"endpoint", "protocol", "topic"},
	// sqs/queue.go
	"aws:sqs/queue:Queue": {"fifoQueue", "name", "namePrefix"},
	// sqs/queue_redrive_allow_policy.go
	"aws:sqs/redriveAllowPolicy:RedriveAllowPolicy": {"queueUrl"},
}

// Replacements that Terraform decides from the values in a CustomizeDiff
// (load balancer subnets, subnet mappings and security groups by load
// balancer type; VPC instance tenancy) are not modelled: the stacks change
// none of them, and a rehearsal that did would under-report a replacement.

// Replacements that Terraform decides from the values in a CustomizeDiff
// (load balancer subnets, subnet mappings and security groups by load
// balancer type; VPC instance tenancy) are not modelled: the stacks change
// none of them, and a rehearsal or a pull-request diff that did would
// under-report a replacement.

// ForcesReplacement reports whether a change of the top-level input
// property replaces a resource of the type. A type the table does not list
// is taken to update in place, as the stand-in has always assumed.
func ForcesReplacement(typ, property string) bool {
	return slices.Contains(replaceOnChange[typ], property)
}
