// Package contract states once what the components, the stacks and the
// policy pack must agree on: the tag keys and role values that components
// set and policies read, the tags a caller may not set, the TLS policies
// listeners may use, the patterns of env and service names, releases,
// instance types and ECR repositories, the identity every component is
// declared with, and the field error components report a rejected argument
// with.
//
// It is a leaf: it imports nothing from this module and no Pulumi SDK, so
// the policy pack and the deploy tooling can share it cheaply.
package contract

import (
	"regexp"
	"slices"
)

// Tag keys. Components set them on every taggable child; the policy pack,
// cost reports and `infra` read them.
const (
	// TagEnv is the environment, such as "prod".
	TagEnv = "env"
	// TagService is the service, such as "web" or "transcoder".
	TagService = "service"
	// TagColor is the blue-green copy, on the resources of a copy.
	TagColor = "color"
	// TagRelease is the image tag an Auto Scaling group runs.
	TagRelease = "release"
	// TagManagedBy tells resources this repository owns from ones made by
	// hand; its value is ManagedBy.
	TagManagedBy = "managed-by"
	// TagRole tells apart the resources of one service that play different
	// parts (see the Role values).
	TagRole = "role"
	// TagTier is set by a stack on what it declares for a copy (TierCopy).
	TagTier = "tier"
	// TagName is the name AWS consoles show.
	TagName = "Name"
	// TagAlarm names which of a copy's alarms an alarm is.
	TagAlarm = "alarm"
)

// ManagedBy is the managed-by value of everything this repository declares.
const ManagedBy = "pulumi"

// Role values (TagRole).
const (
	// RoleLoadBalancer marks a load balancer's security group: the only
	// kind of group that may be open to the internet, and only on 80 and
	// 443 (policy world-ingress-only-on-lb).
	RoleLoadBalancer = "load-balancer"
	// RoleInstances marks an instance security group.
	RoleInstances = "instances"
	// RoleJobs marks a job queue and its alarm.
	RoleJobs = "jobs"
	// RoleDLQ marks a dead-letter queue, which the policy pack does not
	// require to have a dead-letter queue of its own.
	RoleDLQ = "dlq"
)

// TierCopy is the tier value of a blue-green copy's resources; an Auto
// Scaling group of that tier must carry a color tag.
const TierCopy = "copy"

// colors are the blue-green copies of a service.
var colors = []string{"blue", "green"}

// Colors returns the blue-green copies, "blue" then "green". Each call
// returns a fresh copy the caller may change.
func Colors() []string { return slices.Clone(colors) }

// MinAZs is the fewest Availability Zones an env's groups and load
// balancers span: a production env survives the loss of one AZ with
// capacity to spare.
func MinAZs(production bool) int {
	if production {
		return 3
	}
	return 2
}

// DefaultMaxDraining is how many draining transcoder releases the
// transcoders stack keeps when its config does not say; `infra roll`
// reads the same default when it judges whether a roll fits.
const DefaultMaxDraining = 2

// MinOnDemandBaseCapacity is the fewest on-demand instances a Spot fleet
// keeps, so that a Spot drought never stops the work of a production env.
func MinOnDemandBaseCapacity(production bool) int {
	if production {
		return 1
	}
	return 0
}

// Name patterns. An env or service name ends up in resource names, tag
// values and queue names; a release is a Docker image tag.
var (
	// NamePattern is what env and service names look like: lowercase
	// letters, digits and single dashes, starting with a letter, such as
	// "prod" or "web". They are at most MaxNameLength long.
	NamePattern = regexp.MustCompile(`^[a-z][a-z0-9]*(-[a-z0-9]+)*$`)
	// ReleasePattern is Docker's rule for image tags, which releases are.
	ReleasePattern = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$`)
	// InstanceTypePattern is what an EC2 instance type looks like: a
	// family with a generation digit, a dot and a size, such as
	// "m6i.large", "c7i-flex.xlarge" or "c7i.metal-24xl".
	InstanceTypePattern = regexp.MustCompile(`^[a-z][a-z0-9-]*[0-9][a-z0-9-]*\.[a-z0-9][a-z0-9-]*$`)
	// RepositoryPattern is ECR's rule for repository names: lowercase path
	// segments such as "video-platform/prod/web". The image component
	// creates the repository and the instance role pulls from it by name.
	// RegionPattern is what an AWS region name looks like, such as
	// us-east-1 or eu-west-1.
	RegionPattern     = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+$`)
	RepositoryPattern = regexp.MustCompile(`^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$`)
)

// MaxNameLength is the longest env or service name.
const MaxNameLength = 20

// NameAccepted says which env and service names are accepted.
const NameAccepted = "lowercase letters, digits and single dashes, starting with a letter, at most 20 characters"

// InstanceTypeAccepted says which instance types are accepted.
const InstanceTypeAccepted = `an EC2 instance type such as "c6i.large"`

// ValidName says whether s is an env or service name.
func ValidName(s string) bool { return len(s) <= MaxNameLength && NamePattern.MatchString(s) }

// modernSSLPolicies are the ELB security policies that refuse TLS below 1.2,
// the recommended one first.
var modernSSLPolicies = []string{
	"ELBSecurityPolicy-TLS13-1-2-2021-06",
	"ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
	"ELBSecurityPolicy-TLS13-1-3-2021-06",
	"ELBSecurityPolicy-TLS13-1-2-Ext1-2021-06",
	"ELBSecurityPolicy-TLS13-1-2-Ext2-2021-06",
	"ELBSecurityPolicy-FS-1-2-Res-2020-10",
	"ELBSecurityPolicy-FS-1-2-Res-2019-08",
	"ELBSecurityPolicy-FS-1-2-2019-08",
	"ELBSecurityPolicy-TLS-1-2-2017-01",
	"ELBSecurityPolicy-TLS-1-2-Ext-2018-06",
}

// DefaultSSLPolicy is the HTTPS listeners' policy when none is chosen.
const DefaultSSLPolicy = "ELBSecurityPolicy-TLS13-1-2-2021-06"

// ModernSSLPolicies returns the ELB security policies that refuse TLS below
// 1.2: what the load balancer component accepts and the default
// allowedSslPolicies of the alb-https-only policy, so that a listener a
// component accepts also passes the policy pack. Each call returns a fresh
// copy the caller may change.
func ModernSSLPolicies() []string { return slices.Clone(modernSSLPolicies) }
