// Package loadbalancer provides the internet-facing Application Load Balancer
// that fronts one copy of a service: the ALB, its target group, an HTTPS
// listener and an HTTP listener that only redirects to HTTPS.
package loadbalancer

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/video-platform/video-platform/components/internal/field"
	"github.com/video-platform/video-platform/internal/contract"
)

// Defaults applied by withDefaults. They are the safe choices: TLS 1.2+,
// draining long enough for in-flight requests, deletion protection on.
const (
	DefaultSSLPolicy                  = contract.DefaultSSLPolicy
	DefaultMinAZs                     = 2
	DefaultHealthCheckPath            = "/healthz"
	DefaultHealthCheckInterval        = 15
	DefaultHealthCheckTimeout         = 5
	DefaultHealthyThreshold           = 3
	DefaultUnhealthyThreshold         = 3
	DefaultHealthCheckMatcher         = "200"
	DefaultDeregistrationDelaySeconds = 300
	DefaultStickinessDurationSeconds  = 86400
	// DefaultIdleTimeoutSeconds is above the ALB's 60 s so that websockets
	// carrying live recording control traffic survive quiet periods.
	DefaultIdleTimeoutSeconds = 120
)

// Limits of an ALB: its security groups, and its subnets (one per AZ).
const (
	maxSecurityGroups = 5
	maxSubnets        = 32
)

// matcherPattern accepts what an ALB accepts as a success matcher: codes
// and ranges separated by commas, such as "200", "200-299" or "200,302".
var matcherPattern = regexp.MustCompile(`^[0-9]{3}(-[0-9]{3})?(,[0-9]{3}(-[0-9]{3})?)*$`)

// bucketPattern is the S3 bucket naming rule for new buckets.
var bucketPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)

// LoadBalancerArgs configures one service copy's load balancer.
type LoadBalancerArgs struct {
	// Identity is the env, service and color the ALB serves, and the
	// extra tags of every taggable child; a copy of a service has a color.
	contract.Identity

	// VpcID is the VPC of the target group. Required.
	VpcID pulumi.StringInput
	// SubnetIDs are the public subnets the ALB lives in, one per AZ; at
	// least MinAZs entries.
	SubnetIDs pulumi.StringArray
	// MinAZs is the least number of subnets accepted. Default 2, the least
	// an ALB accepts; accepted 2..6.
	MinAZs int
	// SecurityGroupIDs are the ALB's security groups, 1..5: the env's load
	// balancer group of the service, which allows only TCP 80 and 443 from
	// the internet and is tagged role=load-balancer. Required.
	SecurityGroupIDs pulumi.StringArray

	// CertificateARN is the ACM certificate of the HTTPS listener. Required.
	CertificateARN pulumi.StringInput
	// SSLPolicy is the HTTPS listener's security policy. Default
	// ELBSecurityPolicy-TLS13-1-2-2021-06; accepted: the TLS 1.2+ policies
	// of contract.ModernSSLPolicies, which the policy pack accepts too.
	SSLPolicy string

	// TargetPort is the instance port that receives traffic; accepted
	// 1..65535. Required.
	TargetPort int
	// HealthCheck configures the target group health check; zero fields
	// take their defaults.
	HealthCheck HealthCheck
	// DeregistrationDelaySeconds is how long a deregistering target keeps
	// its in-flight connections (connection draining). nil means 300; a
	// pointer so that an explicit 0 (drop at once) is possible. Accepted
	// 0..3600; recorders use up to 3600 to finish a recording.
	DeregistrationDelaySeconds *int
	// Stickiness, when set, enables lb_cookie stickiness so that a client
	// (a recording session) stays on the same instance. nil disables it.
	Stickiness *Stickiness
	// IdleTimeoutSeconds is the ALB connection idle timeout. Default 120,
	// friendly to websockets; accepted 1..4000.
	IdleTimeoutSeconds int
	// AccessLogs, when set, enables ALB access logs to an S3 bucket.
	AccessLogs *AccessLogs
	// DeletionProtection guards the ALB against deletion by a replace or a
	// destroy. nil means true; set it to false only for throwaway stacks.
	DeletionProtection *bool
	// IPAddressType is "ipv4" (default) or "dualstack". Dualstack requires
	// subnets with IPv6 CIDRs and is what makes AAAA alias records answer.
	IPAddressType string
	// Alarms tunes the copy's error-rate, unhealthy-hosts and p99-latency
	// alarms, which are always declared; the zero value takes every
	// default and notifies nobody.
	Alarms Alarms
}

// HealthCheck configures the target group's HTTP health check.
type HealthCheck struct {
	// Path is the request path; default "/healthz", must start with "/".
	Path string
	// IntervalSeconds is the time between checks; default 15, accepted 5..300.
	IntervalSeconds int
	// TimeoutSeconds is how long a check may take; default 5, accepted
	// 2..120 and below IntervalSeconds.
	TimeoutSeconds int
	// HealthyThreshold is the successes before a target is healthy;
	// default 3, accepted 2..10.
	HealthyThreshold int
	// UnhealthyThreshold is the failures before a target is unhealthy;
	// default 3, accepted 2..10.
	UnhealthyThreshold int
	// Matcher is the success status codes, such as "200" or "200-299";
	// default "200".
	Matcher string
}

// Stickiness enables load-balancer-generated cookie stickiness. The cookie
// binds a client to a target of this load balancer only: a client that
// reaches another one, such as the other copy's after a blue-green swap, is
// balanced afresh there (see "Recordings across a swap" in
// docs/operations.md).
type Stickiness struct {
	// DurationSeconds is how long the cookie pins a client; default 86400,
	// accepted 1..604800.
	DurationSeconds int
}

// AccessLogs sends ALB access logs to S3.
type AccessLogs struct {
	// Bucket is the S3 bucket name. Required.
	Bucket string
	// Prefix is the key prefix inside the bucket; optional, without a
	// leading or trailing "/".
	Prefix string
}

// withDefaults returns a copy of the args with every default applied; the
// caller's args, including the pointed-to structs, are left untouched.
func (a *LoadBalancerArgs) withDefaults() *LoadBalancerArgs {
	out := *a
	out.Tags = maps.Clone(a.Tags)
	if out.MinAZs == 0 {
		out.MinAZs = DefaultMinAZs
	}
	if out.SSLPolicy == "" {
		out.SSLPolicy = DefaultSSLPolicy
	}
	hc := &out.HealthCheck
	if hc.Path == "" {
		hc.Path = DefaultHealthCheckPath
	}
	if hc.IntervalSeconds == 0 {
		hc.IntervalSeconds = DefaultHealthCheckInterval
	}
	if hc.TimeoutSeconds == 0 {
		hc.TimeoutSeconds = DefaultHealthCheckTimeout
	}
	if hc.HealthyThreshold == 0 {
		hc.HealthyThreshold = DefaultHealthyThreshold
	}
	if hc.UnhealthyThreshold == 0 {
		hc.UnhealthyThreshold = DefaultUnhealthyThreshold
	}
	if hc.Matcher == "" {
		hc.Matcher = DefaultHealthCheckMatcher
	}
	delay := DefaultDeregistrationDelaySeconds
	if a.DeregistrationDelaySeconds != nil {
		delay = *a.DeregistrationDelaySeconds
	}
	out.DeregistrationDelaySeconds = &delay
	if a.Stickiness != nil {
		s := *a.Stickiness
		if s.DurationSeconds == 0 {
			s.DurationSeconds = DefaultStickinessDurationSeconds
		}
		out.Stickiness = &s
	}
	if out.IdleTimeoutSeconds == 0 {
		out.IdleTimeoutSeconds = DefaultIdleTimeoutSeconds
	}
	if a.AccessLogs != nil {
		l := *a.AccessLogs
		out.AccessLogs = &l
	}
	protect := true
	if a.DeletionProtection != nil {
		protect = *a.DeletionProtection
	}
	out.DeletionProtection = &protect
	if out.IPAddressType == "" {
		out.IPAddressType = "ipv4"
	}
	return &out
}

// Validate reports every rejected field of the args as given, defaults
// applied first, each as a contract.FieldError; NewLoadBalancer calls it
// before it registers anything.
func (a *LoadBalancerArgs) Validate() error {
	a = a.withDefaults()
	var errs field.List
	errs.Part("", a.Identity.Validate())
	if a.VpcID == nil {
		errs.Input("VpcID", "a VPC ID")
	}
	errs.Range("MinAZs", a.MinAZs, 2, 6)
	errs.Count("SubnetIDs", len(a.SubnetIDs), a.MinAZs, maxSubnets, "public subnet IDs, one per AZ, at least MinAZs")
	for i, s := range a.SubnetIDs {
		if s == nil {
			errs.Input(fmt.Sprintf("SubnetIDs[%d]", i), "a subnet ID")
		}
	}
	errs.Count("SecurityGroupIDs", len(a.SecurityGroupIDs), 1, maxSecurityGroups, "security group IDs, the service's load balancer group among them")
	for i, s := range a.SecurityGroupIDs {
		if s == nil {
			errs.Input(fmt.Sprintf("SecurityGroupIDs[%d]", i), "a security group ID")
		}
	}
	if a.CertificateARN == nil {
		errs.Input("CertificateARN", "an ACM certificate ARN")
	}
	if allowed := contract.ModernSSLPolicies(); !slices.Contains(allowed, a.SSLPolicy) {
		errs.Add("SSLPolicy", a.SSLPolicy, "a policy refusing TLS below 1.2: "+strings.Join(allowed, ", "))
	}
	errs.Range("TargetPort", a.TargetPort, 1, 65535)

	hc := a.HealthCheck
	if !strings.HasPrefix(hc.Path, "/") {
		errs.Add("HealthCheck.Path", hc.Path, `a path starting with "/"`)
	}
	errs.Range("HealthCheck.IntervalSeconds", hc.IntervalSeconds, 5, 300)
	errs.Range("HealthCheck.TimeoutSeconds", hc.TimeoutSeconds, 2, 120)
	if hc.TimeoutSeconds >= hc.IntervalSeconds {
		errs.Add("HealthCheck.TimeoutSeconds", hc.TimeoutSeconds, fmt.Sprintf("a timeout below HealthCheck.IntervalSeconds (%d)", hc.IntervalSeconds))
	}
	errs.Range("HealthCheck.HealthyThreshold", hc.HealthyThreshold, 2, 10)
	errs.Range("HealthCheck.UnhealthyThreshold", hc.UnhealthyThreshold, 2, 10)
	if !matcherPattern.MatchString(hc.Matcher) {
		errs.Add("HealthCheck.Matcher", hc.Matcher, `status codes or ranges such as "200", "200-299" or "200,302"`)
	}

	errs.Range("DeregistrationDelaySeconds", *a.DeregistrationDelaySeconds, 0, 3600)
	if a.Stickiness != nil {
		errs.Range("Stickiness.DurationSeconds", a.Stickiness.DurationSeconds, 1, 604800)
	}
	errs.Range("IdleTimeoutSeconds", a.IdleTimeoutSeconds, 1, 4000)
	if l := a.AccessLogs; l != nil {
		if !bucketPattern.MatchString(l.Bucket) {
			errs.Add("AccessLogs.Bucket", l.Bucket, "an S3 bucket name of 3 to 63 lowercase letters, digits, dots and hyphens")
		}
		if strings.HasPrefix(l.Prefix, "/") || strings.HasSuffix(l.Prefix, "/") {
			errs.Add("AccessLogs.Prefix", l.Prefix, `a prefix that neither starts nor ends with "/"`)
		}
	}
	errs.Part("Alarms", a.Alarms.Validate())
	if a.IPAddressType != "ipv4" && a.IPAddressType != "dualstack" {
		errs.Add("IPAddressType", a.IPAddressType, `"ipv4" or "dualstack"`)
	}
	return errs.Err()
}

// tags are the tags of every taggable child, with the child's own keys.
func (a *LoadBalancerArgs) tags(own map[string]string) pulumi.StringMap {
	return pulumi.ToStringMap(a.ChildTags(own))
}
