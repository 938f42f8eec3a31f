package network

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/video-platform/video-platform/internal/contract"
	"github.com/video-platform/video-platform/internal/offline"
	"github.com/video-platform/video-platform/internal/offline/offlinetest"
)

const (
	stackName  = "prod"
	typeVpc    = "aws:ec2/vpc:Vpc"
	typeIgw    = "aws:ec2/internetGateway:InternetGateway"
	typeSubnet = "aws:ec2/subnet:Subnet"
	typeRT     = "aws:ec2/routeTable:RouteTable"
	typeRTA    = "aws:ec2/routeTableAssociation:RouteTableAssociation"
	typeEip    = "aws:ec2/eip:Eip"
	typeNat    = "aws:ec2/natGateway:NatGateway"
	typeSG     = "aws:ec2/securityGroup:SecurityGroup"
)

// networks declares networks offline for these tests.
var networks = offlinetest.Component[NetworkArgs, Network]{
	Stack: offline.Stack{Name: stackName, Config: map[string]string{"aws:region": "us-east-1"}},
	New:   NewNetwork,
}

func validArgs() *NetworkArgs {
	return &NetworkArgs{
		Identity: contract.Identity{Env: "prod", Service: "base", Tags: map[string]string{"team": "video"}},
		CIDR:     "10.20.0.0/16", AvailabilityZones: []string{"us-east-1a", "us-east-1b", "us-east-1c"},
		Tiers: []Tier{{Name: "web", Port: 8080}, {Name: "transcoder"}},
	}
}

func adopted() *NetworkArgs {
	a := validArgs()
	a.CIDR, a.AvailabilityZones = "", nil
	a.Existing = &ExistingVpc{VpcID: "vpc-0abc", PublicSubnetIDs: []string{"subnet-p1", "subnet-p2"}, PrivateSubnetIDs: []string{"subnet-q1", "subnet-q2"}}
	return a
}

func id(typ, name string) string { return offline.Placeholder(typ, "id", name) }

func TestNetworkGivesEveryZoneAPublicAndAPrivateSubnetBehindItsOwnNat(t *testing.T) {
	res := networks.Run(t, "network", validArgs())
	vpc := offlinetest.Find(t, res, typeVpc, "vpc")
	assert.Equal(t, "10.20.0.0/16", offlinetest.Input(t, vpc, "cidrBlock"), "the VPC's block")
	assert.Equal(t, true, offlinetest.Input(t, vpc, "enableDnsHostnames"), "DNS hostnames on")
	offlinetest.HasInputs(t, vpc, map[string]any{
		"tags.Name": "prod-vpc", "tags.env": "prod", "tags.service": "base", "tags.managed-by": "pulumi", "tags.team": "video",
	})
	_, colored := vpc.Input("tags.color")
	assert.False(t, colored, "the env's network is no copy's")
	offlinetest.Find(t, res, typeIgw, "igw")

	assert.Len(t, res.OfType(typeNat), 3, "one NAT gateway per zone")
	assert.Len(t, res.OfType(typeEip), 3, "each with its address")
	for i, zone := range []string{"us-east-1a", "us-east-1b", "us-east-1c"} {
		public := offlinetest.Find(t, res, typeSubnet, "public-"+zone)
		private := offlinetest.Find(t, res, typeSubnet, "private-"+zone)
		assert.Equal(t, zone, offlinetest.Input(t, private, "availabilityZone"), "one private subnet in %s", zone)
		assert.Equal(t, false, offlinetest.Input(t, public, "mapPublicIpOnLaunch"), "no public IPs by accident")
		assert.Equal(t, []string{"10.20.0.0/20", "10.20.16.0/20", "10.20.32.0/20"}[i], offlinetest.Input(t, public, "cidrBlock"), "public blocks first")
		assert.Equal(t, []string{"10.20.128.0/20", "10.20.144.0/20", "10.20.160.0/20"}[i], offlinetest.Input(t, private, "cidrBlock"), "private blocks from the 9th")
		routes := offlinetest.Find(t, res, typeRT, "private-"+zone)
		assert.Equal(t, id(typeNat, "nat-"+zone), offlinetest.Input(t, routes, "routes[0].natGatewayId"), "%s leaves through its own NAT", zone)
		assert.Equal(t, id(typeRT, "public-routes"), offlinetest.Input(t, offlinetest.Find(t, res, typeRTA, "public-"+zone), "routeTableId"), "public subnets route to the internet")
		assert.Equal(t, id(typeRT, "private-"+zone), offlinetest.Input(t, offlinetest.Find(t, res, typeRTA, "private-"+zone), "routeTableId"), "private subnets to their NAT")
	}
	assert.Equal(t, id(typeIgw, "igw"), offlinetest.Input(t, offlinetest.Find(t, res, typeRT, "public-routes"), "routes[0].gatewayId"), "public routes go to the internet gateway")

	assert.Equal(t, id(typeVpc, "vpc"), res.Outputs["VpcID"], "the VPC is an output")
	assert.Equal(t, []any{id(typeSubnet, "public-us-east-1a"), id(typeSubnet, "public-us-east-1b"), id(typeSubnet, "public-us-east-1c")}, res.Outputs["PublicSubnetIDs"], "public subnets in zone order")
	assert.Equal(t, []any{id(typeSubnet, "private-us-east-1a"), id(typeSubnet, "private-us-east-1b"), id(typeSubnet, "private-us-east-1c")}, res.Outputs["PrivateSubnetIDs"], "private subnets in zone order")
}

func TestSingleNatGatewayServesEveryZone(t *testing.T) {
	a := validArgs()
	a.SingleNatGateway = true
	res := networks.Run(t, "network", a)
	require.Len(t, res.OfType(typeNat), 1, "one NAT gateway")
	for _, zone := range a.AvailabilityZones {
		routes := offlinetest.Find(t, res, typeRT, "private-"+zone)
		assert.Equal(t, id(typeNat, "nat-us-east-1a"), offlinetest.Input(t, routes, "routes[0].natGatewayId"), "%s leaves through the first zone's NAT", zone)
	}
}

func TestAdoptedVpcGetsOnlyTheSecurityGroups(t *testing.T) {
	res := networks.Run(t, "network", adopted())
	for _, r := range res.Resources {
		assert.Contains(t, []string{TypeToken, typeSG}, r.Type, "an adopted VPC gets no %s", r.Name)
	}
	assert.Equal(t, "vpc-0abc", res.Outputs["VpcID"], "the adopted VPC is the output")
	assert.Equal(t, []any{"subnet-p1", "subnet-p2"}, res.Outputs["PublicSubnetIDs"], "its public subnets")
	assert.Equal(t, []any{"subnet-q1", "subnet-q2"}, res.Outputs["PrivateSubnetIDs"], "its private subnets")
	assert.Equal(t, "vpc-0abc", offlinetest.Input(t, offlinetest.Find(t, res, typeSG, "web-lb"), "vpcId"), "the groups are in the adopted VPC")
}

func TestOnlyTheLoadBalancerGroupIsOpenToTheInternet(t *testing.T) {
	res := networks.Run(t, "network", validArgs())
	lb := offlinetest.Find(t, res, typeSG, "web-lb")
	assert.Equal(t, "prod-web-lb-", offlinetest.Input(t, lb, "namePrefix"), "named from env and tier")
	assert.Equal(t, "load-balancer", offlinetest.Input(t, lb, "tags.role"), "tagged for the world-ingress policy")
	assert.Equal(t, "web", offlinetest.Input(t, lb, "tags.service"), "the tier is its service")
	ingress := offlinetest.List(t, offlinetest.Input(t, lb, "ingress"), "the load balancer's ingress")
	for i, port := range []float64{443, 80} {
		rule := offlinetest.Object(t, ingress[i], "an ingress rule")
		assert.Equal(t, port, rule["fromPort"], "the load balancer admits %v", port)
		assert.Equal(t, []any{"0.0.0.0/0"}, rule["cidrBlocks"], "from the internet")
	}
	assert.Len(t, ingress, 2, "and nothing else")

	web := offlinetest.Find(t, res, typeSG, "web-instances")
	assert.Equal(t, 8080.0, offlinetest.Input(t, web, "ingress[0].fromPort"), "instances admit the service port")
	assert.Equal(t, []any{id(typeSG, "web-lb")}, offlinetest.Input(t, web, "ingress[0].securityGroups"), "from their load balancer only")
	assert.Equal(t, "instances", offlinetest.Input(t, web, "tags.role"), "tagged as instances")

	tr := offlinetest.Find(t, res, typeSG, "transcoder-instances")
	_, hasIngress := tr.Input("ingress[0]")
	assert.False(t, hasIngress, "a tier without a port admits nothing")
	_, hasLB := res.Find(typeSG, "transcoder-lb")
	assert.False(t, hasLB, "and has no load balancer group")

	assert.Equal(t, map[string]any{"web": id(typeSG, "web-instances"), "transcoder": id(typeSG, "transcoder-instances")}, res.Outputs["InstanceSecurityGroupIDs"], "instance groups by tier")
	assert.Equal(t, map[string]any{"web": id(typeSG, "web-lb")}, res.Outputs["LoadBalancerSecurityGroupIDs"], "load balancer groups by tier")
}

// TestChildrenAliasTheURNsTheyHadAtTheTopOfTheStack: the base stack
// declared these resources itself before this component existed.
func TestChildrenAliasTheURNsTheyHadAtTheTopOfTheStack(t *testing.T) {
	for name, args := range map[string]*NetworkArgs{"created": validArgs(), "adopted": adopted()} {
		res := networks.Run(t, "network", args)
		for _, r := range res.Resources {
			if r.Type == TypeToken {
				assert.Empty(t, res.Aliases[r.URN], "the component itself is new")
				continue
			}
			assert.Equal(t, "urn:pulumi:prod::video-platform::"+TypeToken+"$"+r.Type+"::"+r.Name, r.URN, "%s: %s is a child of the component", name, r.Name)
			assert.Equal(t, []string{"urn:pulumi:prod::video-platform::" + r.Type + "::" + r.Name}, res.Aliases[r.URN],
				"%s: %s aliases its top-level URN", name, r.Name)
		}
	}
}

// The VPC, its subnets, gateways, addresses, routes and the security groups
// are fields of the component, as awsx exposes children.
func TestChildrenAreExposed(t *testing.T) {
	got, _ := networks.Declared(t, "network", validArgs())
	offlinetest.Exposes(t, got, "Vpc", "InternetGateway", "PublicSubnets", "PrivateSubnets", "EIPs", "NatGateways",
		"RouteTables", "RouteTableAssociations", "SecurityGroups")
	assert.Len(t, got.RouteTables, 4, "the public routes and one table per private subnet")
	assert.Len(t, got.RouteTableAssociations, 6, "one per subnet")
	assert.Len(t, got.SecurityGroups, 3, "web-lb, web-instances and transcoder-instances")

	adopted, _ := networks.Declared(t, "network", adopted())
	assert.Nil(t, adopted.Vpc, "an adopted VPC is not the component's")
	assert.Empty(t, adopted.RouteTables, "nor are its routes")
	offlinetest.Exposes(t, adopted, "SecurityGroups")
}

func TestBadArgs(t *testing.T) {
	cases := []offlinetest.Case[NetworkArgs]{
		{Name: "missing env", Edit: func(a *NetworkArgs) { a.Env = "" }, Want: []string{`Env: "" is not accepted; accepted ` + contract.NameAccepted}},
		{Name: "bad service", Edit: func(a *NetworkArgs) { a.Service = "Base" }, Want: []string{`Service: "Base" is not accepted`}},
		{Name: "a color", Edit: func(a *NetworkArgs) { a.Color = "green" }, Want: []string{`Color: "green" is not accepted; accepted "": both copies`}},
		{Name: "a reserved tag", Edit: func(a *NetworkArgs) { a.Tags = map[string]string{"env": "overridden"} }, Want: []string{`Tags: "env" is not accepted`}},
		{Name: "IPv6 block", Edit: func(a *NetworkArgs) { a.CIDR = "fd00::/56" }, Want: []string{`CIDR: "fd00::/56" is not accepted; accepted an IPv4 block with a prefix length from /16 to /24`}},
		{Name: "block too big", Edit: func(a *NetworkArgs) { a.CIDR = "10.0.0.0/8" }, Want: []string{`CIDR: "10.0.0.0/8"`}},
		{Name: "block too small", Edit: func(a *NetworkArgs) { a.CIDR = "10.0.0.0/25" }, Want: []string{`CIDR: "10.0.0.0/25"`}},
		{Name: "one zone", Edit: func(a *NetworkArgs) { a.AvailabilityZones = a.AvailabilityZones[:1] }, Want: []string{"AvailabilityZones: 1 given is not accepted; accepted 2 to 6 zones of the region"}},
		{Name: "no zone", Edit: func(a *NetworkArgs) { a.AvailabilityZones = nil }, Want: []string{"AvailabilityZones: (unset) is not accepted; accepted 2 to 6 zones of the region"}},
		{Name: "a zone twice", Edit: func(a *NetworkArgs) { a.AvailabilityZones[2] = "us-east-1a" }, Want: []string{`AvailabilityZones[2]: "us-east-1a" is not accepted; accepted distinct zone names`}},
		{Name: "a region for a zone", Edit: func(a *NetworkArgs) { a.AvailabilityZones[0] = "us-east-1" }, Want: []string{`AvailabilityZones[0]: "us-east-1"`}},
		{Name: "no tiers", Edit: func(a *NetworkArgs) { a.Tiers = nil }, Want: []string{"Tiers: (unset) is not accepted; accepted at least one tier"}},
		{Name: "a tier twice", Edit: func(a *NetworkArgs) { a.Tiers[1].Name = "web" }, Want: []string{`Tiers[1].Name: "web" is not accepted; accepted distinct names`}},
		{Name: "a tier that is no name", Edit: func(a *NetworkArgs) { a.Tiers[1].Name = "-web" }, Want: []string{`Tiers[1].Name: "-web" is not accepted; accepted ` + contract.NameAccepted}},
		{Name: "a port too high", Edit: func(a *NetworkArgs) { a.Tiers[0].Port = 70000 }, Want: []string{"Tiers[0].Port: 70000 is not accepted"}},
		{Name: "adopted with a block", Edit: func(a *NetworkArgs) { *a = *adopted(); a.CIDR = "10.0.0.0/16" }, Want: []string{`CIDR: "10.0.0.0/16" is not accepted; accepted none with Existing`}},
		{Name: "adopted with zones", Edit: func(a *NetworkArgs) { *a = *adopted(); a.AvailabilityZones = []string{"us-east-1a", "us-east-1b"} }, Want: []string{"AvailabilityZones: us-east-1a, us-east-1b is not accepted; accepted none with Existing"}},
		{Name: "adopted with its own NAT", Edit: func(a *NetworkArgs) { *a = *adopted(); a.SingleNatGateway = true }, Want: []string{"SingleNatGateway: true is not accepted; accepted false with Existing"}},
		{Name: "adopted without a VPC ID", Edit: func(a *NetworkArgs) { *a = *adopted(); a.Existing.VpcID = "" }, Want: []string{`Existing.VpcID: "" is not accepted; accepted a VPC ID`}},
		{Name: "adopted with one subnet", Edit: func(a *NetworkArgs) { *a = *adopted(); a.Existing.PrivateSubnetIDs = []string{"subnet-q1"} }, Want: []string{"Existing.PrivateSubnetIDs: subnet-q1 is not accepted; accepted at least 2 subnet IDs"}},
		{Name: "adopted with a VPC for a subnet", Edit: func(a *NetworkArgs) { *a = *adopted(); a.Existing.PublicSubnetIDs[1] = "vpc-1" }, Want: []string{`Existing.PublicSubnetIDs[1]: "vpc-1" is not accepted; accepted a subnet ID`}},
	}
	networks.BadArgs(t, "network", validArgs, cases)
}

// A stack validates the args it maps from config before it asks the region
// for its zones: unset zones are the one input, which it skips, and an
// adopted VPC's fields are reported like any other, under Existing.
func TestZonesAreAnInputAndTheAdoptedVpcIsValidatedWithTheRest(t *testing.T) {
	b := validArgs()
	b.AvailabilityZones = nil
	fields := contract.FieldErrors(b.Validate())
	require.Len(t, fields, 1, "only the zones are missing")
	assert.Equal(t, "AvailabilityZones", fields[0].Field, "the zones")
	assert.True(t, fields[0].Input, "are an input, learnt from the region")

	a := adopted()
	a.Existing.VpcID = "nope"
	fields = contract.FieldErrors(a.Validate())
	require.Len(t, fields, 1, "the adopted VPC's ID")
	assert.Equal(t, "Existing.VpcID", fields[0].Field, "named under Existing")
	assert.False(t, fields[0].Input, "a config value, not an input")
}

func TestNilArgs(t *testing.T) {
	res, err := networks.Rejected(t, "network", nil)
	assert.Equal(t, `network "network": args are required`, err.Error(), "message")
	assert.Empty(t, res.Resources, "nothing is registered")
}

func TestSubnetCIDR(t *testing.T) {
	for _, c := range []struct {
		cidr    string
		bits, i int
		want    string
	}{
		{"10.20.0.0/16", 4, 0, "10.20.0.0/20"},
		{"10.20.0.0/16", 4, 8, "10.20.128.0/20"},
		{"10.20.0.0/24", 4, 15, "10.20.0.240/28"},
	} {
		got, err := SubnetCIDR(c.cidr, c.bits, c.i)
		require.NoError(t, err, "%s block %d", c.cidr, c.i)
		assert.Equal(t, c.want, got, "%s block %d of %d more bits", c.cidr, c.i, c.bits)
	}
	for _, c := range []struct {
		cidr    string
		bits, i int
	}{{"10.20.0.0/25", 4, 0}, {"10.20.0.0/16", 4, 16}, {"10.20.0.0/16", 4, -1}, {"fd00::/56", 4, 0}, {"nope", 4, 0}} {
		_, err := SubnetCIDR(c.cidr, c.bits, c.i)
		assert.Error(t, err, "%s block %d cannot be carved", c.cidr, c.i)
	}
}
