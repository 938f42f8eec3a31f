// Package network provides Network: an env's VPC across its Availability
// Zones, with a public and a private subnet per zone, an internet gateway,
// NAT and routes, or an adopted VPC; and in either, the security groups of
// every tier, where only a load balancer group is open to the internet and
// instances admit nothing but their load balancer on the service port.
package network

import (
	"fmt"
	"maps"
	"net"
	"regexp"
	"slices"
	"strings"

	"github.com/video-platform/video-platform/components/internal/field"
)

// Limits of the created VPC.
const (
	// MinAZs and MaxAZs bound the zones a created VPC spans; an adopted
	// one brings at least MinAZs subnets of each kind. A load balancer
	// needs two zones.
	MinAZs = 2
	MaxAZs = 6
	// MinPrefix and MaxPrefix bound the VPC block's prefix length: AWS
	// allows /16 at most, and subnetBits more bits must leave a /28.
	MinPrefix = 16
	MaxPrefix = 28 - subnetBits
	// subnetBits are the prefix bits each subnet adds to the VPC's: 16
	// blocks, the public subnets from the first, the private ones from
	// privateOffset on.
	subnetBits    = 4
	privateOffset = 8
)

var (
	// zonePattern is an Availability Zone name such as us-east-1a.
	zonePattern = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+[a-z]$`)
	vpcPattern  = regexp.MustCompile(`^vpc-[0-9a-z]+$`)
	// subnetPattern is a subnet ID such as subnet-0abc1234.
	subnetPattern = regexp.MustCompile(`^subnet-[0-9a-z]+$`)
)

// NetworkArgs configures an env's network and the security groups of its
// tiers.
type NetworkArgs struct {
	// Env is the environment name, such as "prod": lowercase letters,
	// digits and inner '-'. It is tagged on every child and starts their
	// Name tags and security group names. Required.
	Env string
	// Service is the service tag of the VPC, its subnets, gateways and
	// route tables, such as "base", in the same form as Env; the security
	// groups carry their tier's name instead. Required.
	Service string
	// Tags are added to every taggable child. The keys env, service,
	// managed-by, Name and role are set by the component and win over
	// these.
	Tags map[string]string

	// Cidr is the IPv4 block of the VPC to create, with a prefix length
	// from 16 to 24. It is cut into 16 blocks of 4 more prefix bits: zone
	// i's public subnet is block i and its private subnet block 8+i (a /16
	// gives /20 subnets). Required unless Existing is set, and must then
	// be empty.
	Cidr string
	// AvailabilityZones are the zones the created VPC spans, 2..6 distinct
	// names such as "us-east-1a"; each gets a public and a private subnet.
	// Required unless Existing is set, and must then be empty. Not part of
	// Check: a caller learns them from the region after it has checked
	// its config.
	AvailabilityZones []string
	// SingleNatGateway routes every private subnet through one NAT gateway,
	// in the first zone: cheaper, but an outage of that zone cuts every
	// zone off from the internet. false gives each zone its own. Must be
	// false with Existing.
	SingleNatGateway bool
	// Existing, when set, adopts a VPC made elsewhere: the component then
	// creates no VPC, subnet, gateway or route, only the security groups,
	// in that VPC.
	Existing *ExistingVpc

	// Tiers are the kinds of instance in the VPC, each with its security
	// groups; at least one, with distinct names.
	Tiers []Tier
}

// ExistingVpc is a VPC and subnets made elsewhere, which Network adopts.
type ExistingVpc struct {
	// VpcID is the VPC, such as "vpc-0abc1234". Required.
	VpcID string
	// PublicSubnetIDs hold the load balancers, one per zone: at least 2
	// subnet IDs such as "subnet-0abc1234".
	PublicSubnetIDs []string
	// PrivateSubnetIDs hold the instances, one per zone, likewise.
	PrivateSubnetIDs []string
}

// Tier is one kind of instance in the VPC and its security groups.
type Tier struct {
	// Name is the tier, such as "web" or "transcoder", in the same form
	// as Env: the service tag of its groups and the start of their names,
	// "<Name>-instances" and "<Name>-lb". Required.
	Name string
	// Port is the port its instances serve on behind load balancers,
	// 1..65535: the tier then also gets "<Name>-lb", a load balancer group
	// open to the internet on 80 and 443 only, and its instance group
	// admits that group on Port only. 0 means a tier behind no load
	// balancer, such as queue workers: its instance group admits nothing.
	Port int
}

// FieldError is one rejected field: its name in Args, the value and what
// is accepted. Every component reports its fields with this one type.
type FieldError = field.Error

// withDefaults returns a copy of the args that shares nothing with the
// caller's. No field has a default: a VPC is created unless Existing is
// set, and with one NAT gateway per zone unless SingleNatGateway is.
func (a NetworkArgs) withDefaults() NetworkArgs {
	a.Tags = maps.Clone(a.Tags)
	a.AvailabilityZones = slices.Clone(a.AvailabilityZones)
	a.Tiers = slices.Clone(a.Tiers)
	if a.Existing != nil {
		e := *a.Existing
		e.PublicSubnetIDs = slices.Clone(e.PublicSubnetIDs)
		e.PrivateSubnetIDs = slices.Clone(e.PrivateSubnetIDs)
		a.Existing = &e
	}
	return a
}

// Check reports every rejected field of the args except
// AvailabilityZones, and except the fields of Existing, which
// Existing.Check reports: a caller checks the args it derives from its own
// config before it declares anything, and names its own keys.
func (a NetworkArgs) Check() []FieldError {
	return a.withDefaults().check()
}

// Validate reports every invalid field at once.
func (a NetworkArgs) Validate() error {
	errs := a.check()
	if a.Existing != nil {
		errs = append(errs, field.Under("Existing", a.Existing.Check())...)
		if len(a.AvailabilityZones) > 0 {
			errs = append(errs, FieldError{Field: "AvailabilityZones", Value: a.AvailabilityZones, Accepted: "none with Existing, whose subnets are made"})
		}
		return field.Join(errs)
	}
	if n := len(a.AvailabilityZones); n < MinAZs || n > MaxAZs {
		errs = append(errs, FieldError{Field: "AvailabilityZones", Value: a.AvailabilityZones, Accepted: fmt.Sprintf("%d to %d zones", MinAZs, MaxAZs)})
	}
	seen := map[string]bool{}
	for i, z := range a.AvailabilityZones {
		if !zonePattern.MatchString(z) || seen[z] {
			errs = append(errs, FieldError{Field: fmt.Sprintf("AvailabilityZones[%d]", i), Value: z, Accepted: "distinct zone names such as us-east-1a"})
		}
		seen[z] = true
	}
	return field.Join(errs)
}

func (a NetworkArgs) check() []FieldError {
	var errs []FieldError
	bad := func(name string, value any, accepted string) {
		errs = append(errs, FieldError{Field: name, Value: value, Accepted: accepted})
	}
	errs = append(errs, field.Names([2]string{"Env", a.Env}, [2]string{"Service", a.Service})...)
	switch {
	case a.Existing != nil:
		if a.Cidr != "" {
			bad("Cidr", a.Cidr, "none with Existing, whose VPC is made")
		}
		if a.SingleNatGateway {
			bad("SingleNatGateway", true, "false with Existing, whose NAT is made")
		}
	case !validCidr(a.Cidr):
		bad("Cidr", a.Cidr, fmt.Sprintf("an IPv4 block with a prefix length from /%d to /%d, such as 10.20.0.0/16", MinPrefix, MaxPrefix))
	}
	if len(a.Tiers) == 0 {
		bad("Tiers", nil, "at least one tier")
	}
	seen := map[string]bool{}
	for i, t := range a.Tiers {
		name := fmt.Sprintf("Tiers[%d].Name", i)
		if seen[t.Name] {
			bad(name, t.Name, "distinct names")
		}
		seen[t.Name] = true
		errs = append(errs, field.Names([2]string{name, t.Name})...)
		if t.Port < 0 || t.Port > 65535 {
			bad(fmt.Sprintf("Tiers[%d].Port", i), t.Port, "0 (no load balancer) or a port from 1 to 65535")
		}
	}
	return errs
}

// Check reports every rejected field of an adopted VPC.
func (e ExistingVpc) Check() []FieldError {
	var errs []FieldError
	if !vpcPattern.MatchString(e.VpcID) {
		errs = append(errs, FieldError{Field: "VpcID", Value: e.VpcID, Accepted: "a VPC ID such as vpc-0abc1234"})
	}
	for _, list := range []struct {
		field string
		ids   []string
	}{{"PublicSubnetIDs", e.PublicSubnetIDs}, {"PrivateSubnetIDs", e.PrivateSubnetIDs}} {
		if len(list.ids) < MinAZs {
			errs = append(errs, FieldError{Field: list.field, Value: list.ids, Accepted: fmt.Sprintf("at least %d subnet IDs, one per zone", MinAZs)})
		}
		for i, id := range list.ids {
			if !subnetPattern.MatchString(id) {
				errs = append(errs, FieldError{Field: fmt.Sprintf("%s[%d]", list.field, i), Value: id, Accepted: "a subnet ID such as subnet-0abc1234"})
			}
		}
	}
	return errs
}

// validCidr accepts an IPv4 block whose prefix length leaves room for the
// subnets.
func validCidr(cidr string) bool {
	_, block, err := net.ParseCIDR(cidr)
	if err != nil || block.IP.To4() == nil || strings.Contains(cidr, ":") {
		return false
	}
	ones, _ := block.Mask.Size()
	return ones >= MinPrefix && ones <= MaxPrefix
}
