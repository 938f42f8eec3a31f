package stacks

import (
	"encoding/binary"
	"fmt"
	"net"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/video-platform/video-platform/internal/topology"
)

// Network is the env's VPC and its subnets, one public and one private per AZ.
type Network struct {
	// VpcID is the VPC.
	VpcID pulumi.StringOutput
	// PublicSubnetIDs hold load balancers and NAT gateways.
	PublicSubnetIDs pulumi.StringArray
	// PrivateSubnetIDs hold the instances.
	PrivateSubnetIDs pulumi.StringArray
	// NatGateways are the created NAT gateways (none when adopting).
	NatGateways []*ec2.NatGateway
	// Subnets are the created subnets, private ones last.
	Subnets []*ec2.Subnet
}

// newNetwork creates or adopts the env's network.
func newNetwork(ctx *pulumi.Context, env string, cfg NetworkConfig, tags pulumi.StringMap) (*Network, error) {
	if ex := cfg.Existing; ex != nil {
		return &Network{
			VpcID:            pulumi.String(ex.VpcID).ToStringOutput(),
			PublicSubnetIDs:  pulumi.ToStringArray(ex.PublicSubnetIDs),
			PrivateSubnetIDs: pulumi.ToStringArray(ex.PrivateSubnetIDs),
		}, nil
	}
	zones, err := aws.GetAvailabilityZones(ctx, &aws.GetAvailabilityZonesArgs{State: pulumi.StringRef("available")})
	if err != nil {
		return nil, fmt.Errorf("listing availability zones: %w", err)
	}
	// Only the region knows how many zones it has; nothing is declared yet.
	if len(zones.Names) < cfg.AzCount {
		return nil, &ConfigError{Stack: topology.BaseStackName(env), Key: ProjectName + ":network.azCount", Value: cfg.AzCount,
			Accepted: fmt.Sprintf("at most the %d zones the region offers (%s)", len(zones.Names), strings.Join(zones.Names, ", "))}
	}
	azs := zones.Names[:cfg.AzCount]
	withName := func(name string) pulumi.StringMap {
		m := pulumi.StringMap{"Name": pulumi.String(env + "-" + name)}
		for k, v := range tags {
			m[k] = v
		}
		return m
	}

	vpc, err := ec2.NewVpc(ctx, "vpc", &ec2.VpcArgs{
		CidrBlock:          pulumi.String(cfg.Cidr),
		EnableDnsHostnames: pulumi.Bool(true),
		EnableDnsSupport:   pulumi.Bool(true),
		Tags:               withName("vpc"),
	})
	if err != nil {
		return nil, err
	}
	igw, err := ec2.NewInternetGateway(ctx, "igw", &ec2.InternetGatewayArgs{VpcId: vpc.ID(), Tags: withName("igw")})
	if err != nil {
		return nil, err
	}
	publicRoutes, err := ec2.NewRouteTable(ctx, "public-routes", &ec2.RouteTableArgs{
		VpcId:  vpc.ID(),
		Routes: ec2.RouteTableRouteArray{&ec2.RouteTableRouteArgs{CidrBlock: pulumi.String("0.0.0.0/0"), GatewayId: igw.ID()}},
		Tags:   withName("public"),
	})
	if err != nil {
		return nil, err
	}

	n := &Network{VpcID: vpc.ID().ToStringOutput()}
	for i, az := range azs {
		public, err := subnet(ctx, vpc, "public-"+az, az, cfg.Cidr, i, withName("public-"+az))
		if err != nil {
			return nil, err
		}
		if _, err := ec2.NewRouteTableAssociation(ctx, "public-"+az, &ec2.RouteTableAssociationArgs{
			SubnetId: public.ID(), RouteTableId: publicRoutes.ID(),
		}); err != nil {
			return nil, err
		}
		n.Subnets = append(n.Subnets, public)
		n.PublicSubnetIDs = append(n.PublicSubnetIDs, public.ID())
		if i == 0 || !cfg.SingleNatGateway {
			eip, err := ec2.NewEip(ctx, "nat-"+az, &ec2.EipArgs{Domain: pulumi.String("vpc"), Tags: withName("nat-" + az)})
			if err != nil {
				return nil, err
			}
			nat, err := ec2.NewNatGateway(ctx, "nat-"+az, &ec2.NatGatewayArgs{
				AllocationId: eip.ID(), SubnetId: public.ID(), Tags: withName("nat-" + az),
			}, pulumi.DependsOn([]pulumi.Resource{igw}))
			if err != nil {
				return nil, err
			}
			n.NatGateways = append(n.NatGateways, nat)
		}
	}
	for i, az := range azs {
		// Each AZ routes through its own NAT gateway, so losing one AZ does
		// not cut the others off from ECR and SQS.
		nat := n.NatGateways[min(i, len(n.NatGateways)-1)]
		private, err := subnet(ctx, vpc, "private-"+az, az, cfg.Cidr, 8+i, withName("private-"+az))
		if err != nil {
			return nil, err
		}
		routes, err := ec2.NewRouteTable(ctx, "private-"+az, &ec2.RouteTableArgs{
			VpcId:  vpc.ID(),
			Routes: ec2.RouteTableRouteArray{&ec2.RouteTableRouteArgs{CidrBlock: pulumi.String("0.0.0.0/0"), NatGatewayId: nat.ID()}},
			Tags:   withName("private-" + az),
		})
		if err != nil {
			return nil, err
		}
		if _, err := ec2.NewRouteTableAssociation(ctx, "private-"+az, &ec2.RouteTableAssociationArgs{
			SubnetId: private.ID(), RouteTableId: routes.ID(),
		}); err != nil {
			return nil, err
		}
		n.Subnets = append(n.Subnets, private)
		n.PrivateSubnetIDs = append(n.PrivateSubnetIDs, private.ID())
	}
	return n, nil
}

func subnet(ctx *pulumi.Context, vpc *ec2.Vpc, name, az, cidr string, index int, tags pulumi.StringMap) (*ec2.Subnet, error) {
	block, err := SubnetCIDR(cidr, 4, index)
	if err != nil {
		return nil, err
	}
	return ec2.NewSubnet(ctx, name, &ec2.SubnetArgs{
		VpcId:            vpc.ID(),
		CidrBlock:        pulumi.String(block),
		AvailabilityZone: pulumi.String(az),
		// Nothing in this VPC gets a public IP by accident; load balancers
		// and NAT gateways bring their own.
		MapPublicIpOnLaunch: pulumi.Bool(false),
		Tags:                tags,
	})
}

// SubnetCIDR carves the index-th block of newBits more prefix bits out of an
// IPv4 CIDR, like Terraform's cidrsubnet.
func SubnetCIDR(cidr string, newBits, index int) (string, error) {
	_, block, err := net.ParseCIDR(cidr)
	if err != nil {
		return "", err
	}
	ip := block.IP.To4()
	if ip == nil {
		return "", fmt.Errorf("%s is not an IPv4 block", cidr)
	}
	ones, _ := block.Mask.Size()
	prefix := ones + newBits
	// A /28 is the smallest subnet AWS allows. It also bounds newBits, so
	// index < 1<<newBits <= 1<<28: the last condition is implied by the
	// others and states where the conversion below can see it that the
	// block's offset fits in 32 bits.
	if prefix > 28 || index < 0 || index >= 1<<newBits || index >= 1<<28 {
		return "", fmt.Errorf("cannot carve block %d of /%d from %s", index, prefix, cidr)
	}
	subnet := make(net.IP, net.IPv4len)
	binary.BigEndian.PutUint32(subnet, binary.BigEndian.Uint32(ip)+uint32(index)<<(32-prefix))
	return fmt.Sprintf("%s/%d", subnet, prefix), nil
}
