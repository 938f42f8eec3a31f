package network

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

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

var stack = offline.Stack{Name: stackName, Config: map[string]string{"aws:region": "us-east-1"}}

func validArgs() *NetworkArgs {
	return &NetworkArgs{
		Env: "prod", Service: "base", Tags: map[string]string{"team": "video", "env": "overridden"},
		Cidr: "10.20.0.0/16", AvailabilityZones: []string{"us-east-1a", "us-east-1b", "us-east-1c"},
		Tiers: []Tier{{Name: "web", Port: 8080}, {Name: "transcoder"}},
	}
}

func adopted() *NetworkArgs {
	a := validArgs()
	a.Cidr, a.AvailabilityZones = "", nil
	a.Existing = &ExistingVpc{VpcID: "vpc-0abc", PublicSubnetIDs: []string{"subnet-p1", "subnet-p2"}, PrivateSubnetIDs: []string{"subnet-q1", "subnet-q2"}}
	return a
}

func run(t *testing.T, args *NetworkArgs) *offline.Result {
	t.Helper()
	return offlinetest.Run(t, stack, func(ctx *pulumi.Context) (pulumi.Map, error) {
		n, err := NewNetwork(ctx, "network", args)
		if err != nil {
			return nil, err
		}
		return pulumi.Map{
			"vpcId": n.VpcID, "public": n.PublicSubnetIDs, "private": n.PrivateSubnetIDs,
			"instances": n.InstanceSecurityGroupIDs, "balancers": n.LoadBalancerSecurityGroupIDs,
		}, nil
	})
}

func id(typ, name string) string { return offline.Placeholder(typ, "id", name) }

func TestNetworkGivesEveryZoneAPublicAndAPrivateSubnetBehindItsOwnNat(t *testing.T) {
	res := run(t, validArgs())
	vpc := offlinetest.Find(t, res, typeVpc, "vpc")
	assert.Equal(t, "10.20.0.0/16", offlinetest.Input(t, vpc, "cidrBlock"), "the VPC's block")
	assert.Equal(t, true, offlinetest.Input(t, vpc, "enableDnsHostnames"), "DNS hostnames on")
	assert.Equal(t, map[string]any{"Name": "prod-vpc", "env": "prod", "service": "base", "managed-by": "pulumi", "team": "video"},
		offlinetest.Input(t, vpc, "tags"), "the caller's tags, with the component's keys winning")
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

	assert.Equal(t, id(typeVpc, "vpc"), res.Outputs["vpcId"], "the VPC is an output")
	assert.Equal(t, []any{id(typeSubnet, "public-us-east-1a"), id(typeSubnet, "public-us-east-1b"), id(typeSubnet, "public-us-east-1c")}, res.Outputs["public"], "public subnets in zone order")
	assert.Equal(t, []any{id(typeSubnet, "private-us-east-1a"), id(typeSubnet, "private-us-east-1b"), id(typeSubnet, "private-us-east-1c")}, res.Outputs["private"], "private subnets in zone order")
}

func TestSingleNatGatewayServesEveryZone(t *testing.T) {
	a := validArgs()
	a.SingleNatGateway = true
	res := run(t, a)
	require.Len(t, res.OfType(typeNat), 1, "one NAT gateway")
	for _, zone := range a.AvailabilityZones {
		routes := offlinetest.Find(t, res, typeRT, "private-"+zone)
		assert.Equal(t, id(typeNat, "nat-us-east-1a"), offlinetest.Input(t, routes, "routes[0].natGatewayId"), "%s leaves through the first zone's NAT", zone)
	}
}

func TestAdoptedVpcGetsOnlyTheSecurityGroups(t *testing.T) {
	res := run(t, adopted())
	for _, r := range res.Resources {
		assert.Contains(t, []string{TypeToken, typeSG}, r.Type, "an adopted VPC gets no %s", r.Name)
	}
	assert.Equal(t, "vpc-0abc", res.Outputs["vpcId"], "the adopted VPC is the output")
	assert.Equal(t, []any{"subnet-p1", "subnet-p2"}, res.Outputs["public"], "its public subnets")
	assert.Equal(t, []any{"subnet-q1", "subnet-q2"}, res.Outputs["private"], "its private subnets")
	assert.Equal(t, "vpc-0abc", offlinetest.Input(t, offlinetest.Find(t, res, typeSG, "web-lb"), "vpcId"), "the groups are in the adopted VPC")
}

func TestOnlyTheLoadBalancerGroupIsOpenToTheInternet(t *testing.T) {
	res := run(t, validArgs())
	lb := offlinetest.Find(t, res, typeSG, "web-lb")
	assert.Equal(t, "prod-web-lb-", offlinetest.Input(t, lb, "namePrefix"), "named from env and tier")
	assert.Equal(t, "load-balancer", offlinetest.Input(t, lb, "tags.role"), "tagged for the world-ingress policy")
	assert.Equal(t, "web", offlinetest.Input(t, lb, "tags.service"), "the tier is its service")
	for i, port := range []float64{443, 80} {
		rule := offlinetest.Input(t, lb, "ingress").([]any)[i].(map[string]any)
		assert.Equal(t, port, rule["fromPort"], "the load balancer admits %v", port)
		assert.Equal(t, []any{"0.0.0.0/0"}, rule["cidrBlocks"], "from the internet")
	}
	assert.Len(t, offlinetest.Input(t, lb, "ingress"), 2, "and nothing else")

	web := offlinetest.Find(t, res, typeSG, "web-instances")
	assert.Equal(t, 8080.0, offlinetest.Input(t, web, "ingress[0].fromPort"), "instances admit the service port")
	assert.Equal(t, []any{id(typeSG, "web-lb")}, offlinetest.Input(t, web, "ingress[0].securityGroups"), "from their load balancer only")
	assert.Equal(t, "instances", offlinetest.Input(t, web, "tags.role"), "tagged as instances")

	tr := offlinetest.Find(t, res, typeSG, "transcoder-instances")
	_, hasIngress := tr.Input("ingress[0]")
	assert.False(t, hasIngress, "a tier without a port admits nothing")
	_, hasLB := res.Find(typeSG, "transcoder-lb")
	assert.False(t, hasLB, "and has no load balancer group")

	assert.Equal(t, map[string]any{"web": id(typeSG, "web-instances"), "transcoder": id(typeSG, "transcoder-instances")}, res.Outputs["instances"], "instance groups by tier")
	assert.Equal(t, map[string]any{"web": id(typeSG, "web-lb")}, res.Outputs["balancers"], "load balancer groups by tier")
}

// TestChildrenAliasTheURNsTheyHadAtTheTopOfTheStack: the base stack
// declared these resources itself before this component existed.
func TestChildrenAliasTheURNsTheyHadAtTheTopOfTheStack(t *testing.T) {
	for name, args := range map[string]*NetworkArgs{"created": validArgs(), "adopted": adopted()} {
		res := run(t, args)
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

func TestWithDefaultsDoesNotShareTheCallersArgs(t *testing.T) {
	args := adopted()
	a := args.withDefaults()
	a.Tags["x"] = "y"
	a.Tiers[0].Name = "changed"
	a.Existing.PublicSubnetIDs[0] = "changed"
	assert.NotContains(t, args.Tags, "x", "caller's tags untouched")
	assert.Equal(t, "web", args.Tiers[0].Name, "caller's tiers untouched")
	assert.Equal(t, "subnet-p1", args.Existing.PublicSubnetIDs[0], "caller's subnets untouched")
}

func TestBadArgs(t *testing.T) {
	cases := []offlinetest.Case[NetworkArgs]{
		{Name: "missing env", Edit: func(a *NetworkArgs) { a.Env = "" }, Want: []string{`Env: "" is not accepted`}},
		{Name: "bad service", Edit: func(a *NetworkArgs) { a.Service = "Base" }, Want: []string{`Service: "Base" is not accepted`}},
		{Name: "IPv6 block", Edit: func(a *NetworkArgs) { a.Cidr = "fd00::/56" }, Want: []string{`Cidr: "fd00::/56" is not accepted; accepted an IPv4 block with a prefix length from /16 to /24`}},
		{Name: "block too big", Edit: func(a *NetworkArgs) { a.Cidr = "10.0.0.0/8" }, Want: []string{`Cidr: "10.0.0.0/8"`}},
		{Name: "block too small", Edit: func(a *NetworkArgs) { a.Cidr = "10.0.0.0/25" }, Want: []string{`Cidr: "10.0.0.0/25"`}},
		{Name: "one zone", Edit: func(a *NetworkArgs) { a.AvailabilityZones = a.AvailabilityZones[:1] }, Want: []string{"AvailabilityZones: us-east-1a is not accepted; accepted 2 to 6 zones"}},
		{Name: "a zone twice", Edit: func(a *NetworkArgs) { a.AvailabilityZones[2] = "us-east-1a" }, Want: []string{`AvailabilityZones[2]: "us-east-1a" is not accepted; accepted distinct zone names`}},
		{Name: "a region for a zone", Edit: func(a *NetworkArgs) { a.AvailabilityZones[0] = "us-east-1" }, Want: []string{`AvailabilityZones[0]: "us-east-1"`}},
		{Name: "no tiers", Edit: func(a *NetworkArgs) { a.Tiers = nil }, Want: []string{"Tiers: (unset) is not accepted; accepted at least one tier"}},
		{Name: "a tier twice", Edit: func(a *NetworkArgs) { a.Tiers[1].Name = "web" }, Want: []string{`Tiers[1].Name: "web" is not accepted; accepted distinct names`}},
		{Name: "a port too high", Edit: func(a *NetworkArgs) { a.Tiers[0].Port = 70000 }, Want: []string{"Tiers[0].Port: 70000 is not accepted"}},
		{Name: "adopted with a block", Edit: func(a *NetworkArgs) { *a = *adopted(); a.Cidr = "10.0.0.0/16" }, Want: []string{`Cidr: "10.0.0.0/16" is not accepted; accepted none with Existing`}},
		{Name: "adopted with zones", Edit: func(a *NetworkArgs) { *a = *adopted(); a.AvailabilityZones = []string{"us-east-1a", "us-east-1b"} }, Want: []string{"AvailabilityZones: us-east-1a, us-east-1b is not accepted; accepted none with Existing"}},
		{Name: "adopted with its own NAT", Edit: func(a *NetworkArgs) { *a = *adopted(); a.SingleNatGateway = true }, Want: []string{"SingleNatGateway: true is not accepted; accepted false with Existing"}},
		{Name: "adopted without a VPC ID", Edit: func(a *NetworkArgs) { *a = *adopted(); a.Existing.VpcID = "" }, Want: []string{`Existing.VpcID: "" is not accepted; accepted a VPC ID`}},
		{Name: "adopted with one subnet", Edit: func(a *NetworkArgs) { *a = *adopted(); a.Existing.PrivateSubnetIDs = []string{"subnet-q1"} }, Want: []string{"Existing.PrivateSubnetIDs: subnet-q1 is not accepted; accepted at least 2 subnet IDs"}},
		{Name: "adopted with a VPC for a subnet", Edit: func(a *NetworkArgs) { *a = *adopted(); a.Existing.PublicSubnetIDs[1] = "vpc-1" }, Want: []string{`Existing.PublicSubnetIDs[1]: "vpc-1" is not accepted; accepted a subnet ID`}},
	}
	offlinetest.BadArgs[NetworkArgs]{
		Stack: stack, Valid: validArgs, Component: `network "network"`,
		New: func(ctx *pulumi.Context, a *NetworkArgs) error {
			_, err := NewNetwork(ctx, "network", a)
			return err
		},
	}.Run(t, cases)
}

func TestCheckLeavesTheZonesAndTheAdoptedVpcToTheirOwnChecks(t *testing.T) {
	a := adopted()
	a.Existing.VpcID = "nope"
	assert.Empty(t, a.Check(), "Check reports no field of Existing")
	assert.Len(t, a.Existing.Check(), 1, "Existing.Check does")
	b := validArgs()
	b.AvailabilityZones = nil
	assert.Empty(t, b.Check(), "nor the zones, which come from the region")
	assert.ErrorContains(t, b.Validate(), "AvailabilityZones", "Validate checks them")
}

func TestNilArgs(t *testing.T) {
	res, err := offlinetest.RunRejected(t, stack, func(ctx *pulumi.Context) error {
		_, err := NewNetwork(ctx, "network", nil)
		return err
	})
	assert.Contains(t, err.Error(), "args: nil", "error says args are nil")
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
