// Package loadbalancer provides the internet-facing Application Load Balancer
// that fronts one copy of a service: the ALB, its target group, an HTTPS
// listener and an HTTP listener that only redirects to HTTPS.
package loadbalancer

import (
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/video-platform/video-platform/components/internal/field"
	"github.com/video-platform/video-platform/components/internal/tagging"
	"github.com/video-platform/video-platform/policies/rules"
)

// Defaults applied by withDefaults. They are the safe choices: TLS 1.2+,
// draining long enough for in-flight requests, deletion protection on.
const (
	DefaultSslPolicy                  = "ELBSecurityPolicy-TLS13-1-2-2021-06"
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

// AllowedSslPolicies are the ELB security policies that refuse TLS below 1.2.
// It is the policy pack's list (rules.ModernSslPolicies, the default of the
// alb-https-only rule), so that a component that validates also passes the
// policy pack; changing this variable changes only what the component accepts.
var AllowedSslPolicies = rules.ModernSslPolicies()

// matcherPattern accepts what an ALB accepts as a success matcher: codes
// and ranges separated by commas, such as "200", "200-299" or "200,302".
var matcherPattern = regexp.MustCompile(`^[0-9]{3}(-[0-9]{3})?(,[0-9]{3}(-[0-9]{3})?)*$`)

// bucketPattern is the S3 bucket naming rule for new buckets.
var bucketPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)

// LoadBalancerArgs configures one service copy's load balancer.
type LoadBalancerArgs struct {
	// Env is the environment name ("staging", "prod"); it becomes the env tag.
	Env string
	// Service is the service the ALB fronts ("web", "recorder"); it becomes
	// the service tag.
	Service string
	// Color is the blue-green copy, "blue" or "green", or "" for a service
	// that is not blue-green; when set it becomes the color tag.
	Color string
	// Tags are extra tags for every taggable child. The env, service, color,
	// role and managed-by tags set by the component take precedence.
	Tags map[string]string

	// VpcID is the VPC of the target group (and of the created security
	// group). Required.
	VpcID pulumi.StringInput
	// SubnetIDs are the public subnets the ALB lives in, one per AZ; at
	// least MinAZs entries.
	SubnetIDs pulumi.StringArray
	// MinAZs is the least number of subnets accepted. Default 2, the least
	// an ALB accepts; accepted 2..6.
	MinAZs int
	// SecurityGroupIDs are existing security groups for the ALB. When empty
	// the component creates "<name>-sg", which allows only TCP 80 and 443
	// from the internet and is tagged role=load-balancer.
	SecurityGroupIDs pulumi.StringArray

	// CertificateArn is the ACM certificate of the HTTPS listener. Required.
	CertificateArn pulumi.StringInput
	// SslPolicy is the HTTPS listener's security policy. Default
	// ELBSecurityPolicy-TLS13-1-2-2021-06; accepted: AllowedSslPolicies.
	SslPolicy string

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
	if out.SslPolicy == "" {
		out.SslPolicy = DefaultSslPolicy
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

// Validate reports every invalid field at once. It expects defaults to have
// been applied, so zero values that have a default are not errors here.
func (a *LoadBalancerArgs) Validate() error {
	var errs []error
	bad := func(format string, v ...any) { errs = append(errs, fmt.Errorf(format, v...)) }
	inRange := func(field string, v, lo, hi int) {
		if v < lo || v > hi {
			bad("%s: %d is out of range; accepted %d..%d", field, v, lo, hi)
		}
	}

	if a.Env == "" {
		bad("Env: is required")
	}
	if a.Service == "" {
		bad("Service: is required")
	}
	if a.Color != "" && a.Color != "blue" && a.Color != "green" {
		bad("Color: %q is not accepted; accepted \"blue\", \"green\" or \"\"", a.Color)
	}
	if a.VpcID == nil {
		bad("VpcID: is required")
	}
	inRange("MinAZs", a.MinAZs, 2, 6)
	if len(a.SubnetIDs) < a.MinAZs {
		bad("SubnetIDs: %d subnets given; accepted at least MinAZs (%d), one public subnet per AZ", len(a.SubnetIDs), a.MinAZs)
	}
	for i, s := range a.SubnetIDs {
		if s == nil {
			bad("SubnetIDs[%d]: is nil; accepted a subnet ID", i)
		}
	}
	for i, s := range a.SecurityGroupIDs {
		if s == nil {
			bad("SecurityGroupIDs[%d]: is nil; accepted a security group ID", i)
		}
	}
	if a.CertificateArn == nil {
		bad("CertificateArn: is required")
	}
	if !slices.Contains(AllowedSslPolicies, a.SslPolicy) {
		bad("SslPolicy: %q allows TLS below 1.2 or is unknown; accepted %s", a.SslPolicy, strings.Join(AllowedSslPolicies, ", "))
	}
	inRange("TargetPort", a.TargetPort, 1, 65535)

	hc := a.HealthCheck
	if !strings.HasPrefix(hc.Path, "/") {
		bad("HealthCheck.Path: %q must start with \"/\"", hc.Path)
	}
	inRange("HealthCheck.IntervalSeconds", hc.IntervalSeconds, 5, 300)
	inRange("HealthCheck.TimeoutSeconds", hc.TimeoutSeconds, 2, 120)
	if hc.TimeoutSeconds >= hc.IntervalSeconds {
		bad("HealthCheck.TimeoutSeconds: %d must be below HealthCheck.IntervalSeconds (%d)", hc.TimeoutSeconds, hc.IntervalSeconds)
	}
	inRange("HealthCheck.HealthyThreshold", hc.HealthyThreshold, 2, 10)
	inRange("HealthCheck.UnhealthyThreshold", hc.UnhealthyThreshold, 2, 10)
	if !matcherPattern.MatchString(hc.Matcher) {
		bad("HealthCheck.Matcher: %q is not accepted; accepted status codes or ranges such as \"200\", \"200-299\" or \"200,302\"", hc.Matcher)
	}

	if a.DeregistrationDelaySeconds != nil {
		inRange("DeregistrationDelaySeconds", *a.DeregistrationDelaySeconds, 0, 3600)
	}
	if a.Stickiness != nil {
		inRange("Stickiness.DurationSeconds", a.Stickiness.DurationSeconds, 1, 604800)
	}
	inRange("IdleTimeoutSeconds", a.IdleTimeoutSeconds, 1, 4000)
	if l := a.AccessLogs; l != nil {
		if !bucketPattern.MatchString(l.Bucket) {
			bad("AccessLogs.Bucket: %q is not an S3 bucket name; accepted 3..63 lowercase letters, digits, dots and hyphens", l.Bucket)
		}
		if strings.HasPrefix(l.Prefix, "/") || strings.HasSuffix(l.Prefix, "/") {
			bad("AccessLogs.Prefix: %q must not start or end with \"/\"", l.Prefix)
		}
	}
	for _, fe := range field.Under("Alarms", a.Alarms.Check()) {
		errs = append(errs, fe)
	}
	if a.IPAddressType != "ipv4" && a.IPAddressType != "dualstack" {
		bad("IPAddressType: %q is not accepted; accepted \"ipv4\" or \"dualstack\"", a.IPAddressType)
	}
	return errors.Join(errs...)
}

// tags are the tags of every taggable child; the component's own keys win
// over Args.Tags so that policy and cost reports can rely on them.
func (a *LoadBalancerArgs) tags(extra map[string]string) pulumi.StringMap {
	own := map[string]string{}
	if a.Color != "" {
		own["color"] = a.Color
	}
	maps.Copy(own, extra)
	return pulumi.ToStringMap(tagging.Tags(a.Tags, a.Env, a.Service, own))
}
