// Package network provides Network: an env's VPC across its Availability
// Zones, with a public and a private subnet per zone, an internet gateway,
// NAT and routes, or an adopted VPC; and in either, the security groups of
// every tier, where only a load balancer group is open to the internet and
// instances admit nothing but their load balancer on the service port.
package network

import (
	"fmt"
	"net"
	"regexp"
	"strings"

	"github.com/video-platform/video-platform/components/internal/field"
	"github.com/video-platform/video-platform/internal/contract"
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
	// Identity is the env, the service of the VPC, its subnets, gateways
	// and route tables, such as "base", and the extra tags of every
	// taggable child. Env starts the children's Name tags and the security
	// group names; the security groups carry their tier's name as service
	// instead. Color must be empty: both copies of every service share the
	// env's network.
	contract.Identity

	// CIDR is the IPv4 block of the VPC to create, with a prefix length
	// from 16 to 24. It is cut into 16 blocks of 4 more prefix bits: zone
	// i's public subnet is block i and its private subnet block 8+i (a /16
	// gives /20 subnets). Required unless Existing is set, and must then
	// be empty.
	CIDR string
	// AvailabilityZones are the zones the created VPC spans, 2..6 distinct
	// names such as "us-east-1a"; each gets a public and a private subnet.
	// Required unless Existing is set, and must then be empty. A caller
	// learns them from the region, so Validate reports them unset as an
	// input (contract.FieldError.Input), which a caller that validates its
	// config before it has asked the region skips.
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

// Validate reports every rejected field of the args as given, each as a
// contract.FieldError; no field has a default, a VPC being created unless
// Existing is set, with one NAT gateway per zone unless SingleNatGateway
// is. Unset AvailabilityZones of a VPC to create are marked as an input.
func (a NetworkArgs) Validate() error {
	var errs field.List
	errs.Part("", a.Identity.Validate())
	if a.Color != "" {
		errs.Add("Color", a.Color, `"": both copies of every service share the env's network`)
	}
	if e := a.Existing; e != nil {
		if a.CIDR != "" {
			errs.Add("CIDR", a.CIDR, "none with Existing, whose VPC is made")
		}
		if len(a.AvailabilityZones) > 0 {
			errs.Add("AvailabilityZones", a.AvailabilityZones, "none with Existing, whose subnets are made")
		}
		if a.SingleNatGateway {
			errs.Add("SingleNatGateway", true, "false with Existing, whose NAT is made")
		}
		e.validate(&errs)
	} else {
		if !validCIDR(a.CIDR) {
			errs.Add("CIDR", a.CIDR, fmt.Sprintf("an IPv4 block with a prefix length from /%d to /%d, such as 10.20.0.0/16", MinPrefix, MaxPrefix))
		}
		errs.Count("AvailabilityZones", len(a.AvailabilityZones), MinAZs, MaxAZs, "zones of the region")
		seen := map[string]bool{}
		for i, z := range a.AvailabilityZones {
			if !zonePattern.MatchString(z) || seen[z] {
				errs.Add(fmt.Sprintf("AvailabilityZones[%d]", i), z, "distinct zone names such as us-east-1a")
			}
			seen[z] = true
		}
	}
	if len(a.Tiers) == 0 {
		errs.Add("Tiers", nil, "at least one tier")
	}
	seen := map[string]bool{}
	for i, t := range a.Tiers {
		name := fmt.Sprintf("Tiers[%d].Name", i)
		switch {
		case !contract.ValidName(t.Name):
			errs.Add(name, t.Name, contract.NameAccepted)
		case seen[t.Name]:
			errs.Add(name, t.Name, "distinct names")
		}
		seen[t.Name] = true
		if t.Port < 0 || t.Port > 65535 {
			errs.Add(fmt.Sprintf("Tiers[%d].Port", i), t.Port, "0 (no load balancer) or a port from 1 to 65535")
		}
	}
	return errs.Err()
}

// validate adds the rejected fields of an adopted VPC, under Existing.
func (e ExistingVpc) validate(errs *field.List) {
	if !vpcPattern.MatchString(e.VpcID) {
		errs.Add("Existing.VpcID", e.VpcID, "a VPC ID such as vpc-0abc1234")
	}
	for _, list := range []struct {
		field string
		ids   []string
	}{{"Existing.PublicSubnetIDs", e.PublicSubnetIDs}, {"Existing.PrivateSubnetIDs", e.PrivateSubnetIDs}} {
		if len(list.ids) < MinAZs {
			errs.Add(list.field, list.ids, fmt.Sprintf("at least %d subnet IDs, one per zone", MinAZs))
		}
		for i, id := range list.ids {
			if !subnetPattern.MatchString(id) {
				errs.Add(fmt.Sprintf("%s[%d]", list.field, i), id, "a subnet ID such as subnet-0abc1234")
			}
		}
	}
}

// validCIDR accepts an IPv4 block whose prefix length leaves room for the
// subnets.
func validCIDR(cidr string) bool {
	_, block, err := net.ParseCIDR(cidr)
	if err != nil || block.IP.To4() == nil || strings.Contains(cidr, ":") {
		return false
	}
	ones, _ := block.Mask.Size()
	return ones >= MinPrefix && ones <= MaxPrefix
}
