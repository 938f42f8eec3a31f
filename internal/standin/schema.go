package standin

// Naming rules of pulumi-aws v6.83 for the resource types the stacks use.
// Which changes replace a resource (ForceNew) is in internal/awsschema,
// shared with `infra diff`.
//
// Sources:
//
//   - Terraform schemas: the same two versions of the Terraform AWS
//     provider that internal/awsschema cites (Pulumi's fork at
//     122a58103640826a4793ef37353289632b78452b and upstream at
//     1a5174b137bbdefdebd6e5c2fc033f829057e283).
//   - Pulumi property names: the `pulumi:"..."` tags of
//     github.com/pulumi/pulumi-aws/sdk/v6@v6.83.0 (module cache).
//   - Auto-naming: pulumi-aws provider/resources.go as the search index
//     stores it (commit 00ba5ea53c2548fd367776345b7c52f191ce1372, a v6 line
//     from about 2024, not the v6.83.0 tag), and the newer
//     provider/legacy-alias file that still gives aws_lb_target_group
//     AutoName("name", 32, "-") and aws_lb none. A type with no explicit
//     entry gets setAutonaming's default AutoName("name", 255, "-") when its
//     Terraform "name" is Optional or Required.
//
// Paths in the comments are relative to internal/service/ in the Terraform
// provider.

// deleteBeforeReplaceTypes lists the types for which pulumi-aws sets
// DeleteBeforeReplace, so a replacement deletes the old resource before it
// creates the new one. Source: pulumi-aws provider/resources.go (index
// commit 00ba5ea53c2548fd367776345b7c52f191ce1372). None of the other types
// in awsschema's ForceNew table sets it.
var deleteBeforeReplaceTypes = map[string]bool{
	"aws:ecr/lifecyclePolicy:LifecyclePolicy":           true,
	"aws:iam/rolePolicyAttachment:RolePolicyAttachment": true,
}

// autoName says how pulumi-aws names a resource when its name is not set.
//
// pulumi-aws builds the name from the logical name, a "-" and 7 random hex
// characters seeded by the engine (tfbridge.AutoName). The bridge calls
// resource.NewUniqueName, which in pulumi/sdk v3.262.0 returns an error, not
// a truncated name, when the prefix plus the random characters is longer
// than the cap ("plus 7 random chars is longer than maximum length"). The
// bridge also runs Terraform's validation in Check, so the real limit is the
// smaller of the two caps. When the program sets the prefix, the bridge
// applies no default to the conflicting name, so there is no auto-name, and
// Terraform names the resource prefix + a 26-character unique suffix (id.
// UniqueIDSuffixLength). The bridge's part of this is from memory of
// pulumi-terraform-bridge, which was not available to read; only
// NewUniqueName was read.
type autoName struct {
	// Property is the name property ("name").
	Property string
	// MaxLength is the longest name AWS accepts. Here that is the smaller
	// of the Terraform validation limit and pulumi-aws's auto-name cap, so
	// it is the longest auto-name that passes Check. Each entry gives both.
	MaxLength int
	// Prefix is the name-prefix property, "" when the type has none.
	Prefix string
}

// autoNamed lists the types pulumi-aws auto-names. The types in
// awsschema's ForceNew table that are missing here have no name input:
// acm Certificate and CertificateValidation, autoscaling Schedule (its
// scheduledActionName is required and not auto-named), ec2 Eip,
// InternetGateway, NatGateway, RouteTable, RouteTableAssociation, Subnet
// and Vpc, ecr LifecyclePolicy, iam RolePolicyAttachment, lb Listener, sns
// TopicPolicy and TopicSubscription, sqs RedriveAllowPolicy. route53 Record
// has a name, but resources.go maps it with {Name: "name"} so that it is
// never auto-named, because it is the DNS name.
var autoNamed = map[string]autoName{
	// Default AutoName (255). Terraform: StringLenBetween(0, 255)
	// (autoscaling/group.go).
	"aws:autoscaling/group:Group": {Property: "name", MaxLength: 255, Prefix: "namePrefix"},
	// Default AutoName (255); name is Required in Terraform, optional in
	// Pulumi. No Terraform length check; 255 is the AWS API limit
	// (unverified in the source).
	"aws:autoscaling/policy:Policy": {Property: "name", MaxLength: 255},
	// resources.go: AutoName("name", 64, "-"). Terraform: validateRuleName,
	// at most 64 (events/validate.go).
	"aws:cloudwatch/eventRule:EventRule": {Property: "name", MaxLength: 64, Prefix: "namePrefix"},
	// resources.go: AutoName("targetId", 255, "-"). Terraform:
	// validateTargetID, at most 64, so an auto-name longer than 64 fails
	// Check.
	"aws:cloudwatch/eventTarget:EventTarget": {Property: "targetId", MaxLength: 64},
	// Default AutoName (255). Terraform: validLogGroupName, at most 512.
	"aws:cloudwatch/logGroup:LogGroup": {Property: "name", MaxLength: 255, Prefix: "namePrefix"},
	// resources.go: "alarm_name": AutoName("name", 255, "-"). Terraform:
	// StringLenBetween(1, 255).
	"aws:cloudwatch/metricAlarm:MetricAlarm": {Property: "name", MaxLength: 255},
	// Default AutoName (255). Terraform: verify.ValidLaunchTemplateName,
	// 3 to 125 characters (AWS documents 128).
	"aws:ec2/launchTemplate:LaunchTemplate": {Property: "name", MaxLength: 125, Prefix: "namePrefix"},
	// Default AutoName (255); the description defaults to "Managed by
	// Pulumi". Terraform: StringLenBetween(0, 255).
	"aws:ec2/securityGroup:SecurityGroup": {Property: "name", MaxLength: 255, Prefix: "namePrefix"},
	// Default AutoName (255); name is Required in Terraform, optional in
	// Pulumi. Terraform checks no length here; AWS allows 256 lower-case
	// characters (unverified in the source). The auto-name keeps the logical
	// name's case, so an upper-case logical name fails at AWS.
	"aws:ecr/repository:Repository": {Property: "name", MaxLength: 255},
	// Default AutoName (255). Terraform: validResourceName(128)
	// (instanceProfileNameMaxLen).
	"aws:iam/instanceProfile:InstanceProfile": {Property: "name", MaxLength: 128, Prefix: "namePrefix"},
	// resources.go: AutoName("name", 64, "-"). Terraform: roleNameMaxLen 64.
	"aws:iam/role:Role": {Property: "name", MaxLength: 64, Prefix: "namePrefix"},
	// Default AutoName (255). Terraform: validRolePolicyName, at most 128
	// (rolePolicyNameMaxLen).
	"aws:iam/rolePolicy:RolePolicy": {Property: "name", MaxLength: 128, Prefix: "namePrefix"},
	// No explicit entry, so the default AutoName (255) applies, in the 2024
	// resources.go and in the newer legacy-alias file alike. Terraform
	// validName allows at most 32, so a logical name longer than 24 fails
	// Check ("cannot be longer than 32 characters"). Terraform limits
	// name_prefix to 6 characters.
	"aws:lb/loadBalancer:LoadBalancer": {Property: "name", MaxLength: 32, Prefix: "namePrefix"},
	// legacy-alias file and resources.go: AutoName("name", 32, "-").
	// Terraform: validTargetGroupName, at most 32; name_prefix at most 6.
	"aws:lb/targetGroup:TargetGroup": {Property: "name", MaxLength: 32, Prefix: "namePrefix"},
	// resources.go: AutoNameWithCustomOptions, Maxlen 80, Randlen 7, and
	// ".fifo" appended after the cap when fifoTopic is true. Terraform:
	// at most 256, or 251 + ".fifo" (resourceTopicCustomizeDiff).
	"aws:sns/topic:Topic": {Property: "name", MaxLength: 80, Prefix: "namePrefix"},
	// resources.go: AutoNameWithCustomOptions, Maxlen 80, Randlen 7, and
	// ".fifo" appended after the cap when fifoQueue is true. Terraform
	// (resourceQueueCustomizeDiff) allows at most 80, or 75 + ".fifo", so a
	// FIFO auto-name over 75 before the suffix fails Check.
	"aws:sqs/queue:Queue": {Property: "name", MaxLength: 80, Prefix: "namePrefix"},
}

// uniqueNames lists, per type, the properties that together must be unique
// among live resources of that type (AWS answers "already exists"
// otherwise). An unset property counts as "". Unless an entry cites
// provider code, this is AWS API behaviour from the API references, not
// read in these sources. Types whose create call is an upsert instead are
// in upsertNames.
var uniqueNames = map[string][]string{
	// CreateAutoScalingGroup: AlreadyExists, per account and region.
	"aws:autoscaling/group:Group": {"name"},
	// CreateLogGroup: ResourceAlreadyExistsException, per account and region.
	"aws:cloudwatch/logGroup:LogGroup": {"name"},
	// CreateLaunchTemplate: InvalidLaunchTemplateName.AlreadyExistsException,
	// per account and region.
	"aws:ec2/launchTemplate:LaunchTemplate": {"name"},
	// AssociateRouteTable: Resource.AlreadyAssociated. A subnet (or gateway)
	// has one route table association. Exactly one of the two is set.
	"aws:ec2/routeTableAssociation:RouteTableAssociation": {"subnetId", "gatewayId"},
	// CreateSecurityGroup: InvalidGroup.Duplicate, per VPC.
	"aws:ec2/securityGroup:SecurityGroup": {"vpcId", "name"},
	// CreateSubnet: InvalidSubnet.Conflict. AWS refuses any overlapping
	// block in the VPC, not only an equal one.
	"aws:ec2/subnet:Subnet": {"vpcId", "cidrBlock"},
	// CreateRepository: RepositoryAlreadyExistsException, per registry
	// (account and region).
	"aws:ecr/repository:Repository": {"name"},
	// CreateInstanceProfile: EntityAlreadyExists. IAM is global, so this is
	// per account, not per region.
	"aws:iam/instanceProfile:InstanceProfile": {"name"},
	// CreateRole: EntityAlreadyExists, per account (global).
	"aws:iam/role:Role": {"name"},
	// CreateListener: DuplicateListener when the port is taken with other
	// settings. With identical settings AWS returns the existing listener
	// (the call is idempotent) and Terraform does not check first.
	"aws:lb/listener:Listener": {"loadBalancerArn", "port"},
	// CreateLoadBalancer is idempotent for identical settings, but
	// elbv2/load_balancer.go looks the name up first and fails with
	// "ELBv2 Load Balancer (%s) already exists". Per account and region.
	"aws:lb/loadBalancer:LoadBalancer": {"name"},
	// elbv2/target_group.go does the same: "ELBv2 Target Group (%s) already
	// exists". Per account and region.
	"aws:lb/targetGroup:TargetGroup": {"name"},
	// A CREATE change for an existing record set fails with InvalidChangeBatch
	// ("already exists"). route53/record.go sends UPSERT instead when
	// allowOverwrite is true, and then there is no collision.
	"aws:route53/record:Record": {"zoneId", "name", "type", "setIdentifier"},
	// CreateQueue: QueueAlreadyExists when the attributes differ. With
	// identical attributes it returns the existing queue, and sqs/queue.go
	// does not check first. After a delete, AWS also refuses the name for
	// 60 seconds.
	"aws:sqs/queue:Queue": {"name"},
}

// Types whose AWS create call creates or updates (PutRule, PutTargets,
// PutMetricAlarm, PutScalingPolicy, PutScheduledUpdateGroupAction,
// PutRolePolicy, AttachRolePolicy, PutLifecyclePolicy, CreateTopic,
// Subscribe, SetQueueAttributes) never collide, so they are absent from
// uniqueNames: a second resource of the same identity silently shares the
// first one's AWS object. This is AWS API behaviour from the API
// references.
