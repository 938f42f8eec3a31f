package network

import (
	"encoding/binary"
	"fmt"
	"net"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/video-platform/video-platform/components/internal/outputs"
	"github.com/video-platform/video-platform/internal/contract"
)

// TypeToken is the component's Pulumi type.
const TypeToken = "video-platform:network:Network"

// Network is an env's VPC, created or adopted, and its tiers' security
// groups.
type Network struct {
	pulumi.ResourceState

	// Vpc is the created VPC, "vpc"; nil when adopted.
	Vpc *ec2.Vpc
	// InternetGateway is the created VPC's, "igw"; nil when adopted.
	InternetGateway *ec2.InternetGateway
	// PublicSubnets are the created public subnets, "public-<zone>", in
	// zone order; none when adopted.
	PublicSubnets []*ec2.Subnet
	// PrivateSubnets are the created private subnets, "private-<zone>".
	PrivateSubnets []*ec2.Subnet
	// EIPs are the NAT gateways' addresses, "nat-<zone>", in the order of
	// NatGateways; none when adopted.
	EIPs []*ec2.Eip
	// NatGateways are the created NAT gateways, "nat-<zone>": one per
	// zone, or one with SingleNatGateway; none when adopted.
	NatGateways []*ec2.NatGateway
	// RouteTables are keyed and named "public-routes", the public subnets'
	// one to the internet gateway, and "private-<zone>", each private
	// subnet's to its NAT gateway; none when adopted.
	RouteTables map[string]*ec2.RouteTable
	// RouteTableAssociations are keyed and named after their subnets,
	// "public-<zone>" and "private-<zone>"; none when adopted.
	RouteTableAssociations map[string]*ec2.RouteTableAssociation
	// SecurityGroups are keyed and named "<tier>-instances" and, for a
	// tier with a Port, "<tier>-lb".
	SecurityGroups map[string]*ec2.SecurityGroup

	// VpcID is the VPC, created or adopted.
	VpcID pulumi.StringOutput `pulumi:"vpcId"`
	// PublicSubnetIDs hold the load balancers and NAT gateways, one per
	// zone.
	PublicSubnetIDs pulumi.StringArrayOutput `pulumi:"publicSubnetIds"`
	// PrivateSubnetIDs hold the instances, one per zone.
	PrivateSubnetIDs pulumi.StringArrayOutput `pulumi:"privateSubnetIds"`
	// InstanceSecurityGroupIDs map each tier to its instance group.
	InstanceSecurityGroupIDs pulumi.StringMapOutput `pulumi:"instanceSecurityGroupIds"`
	// LoadBalancerSecurityGroupIDs map each tier with a Port to its load
	// balancer group.
	LoadBalancerSecurityGroupIDs pulumi.StringMapOutput `pulumi:"loadBalancerSecurityGroupIds"`
}

// NewNetwork validates args and declares the network, or adopts one, and
// the security groups of its tiers.
//
// The children are named after what they are ("vpc", "public-us-east-1a",
// "web-lb"), not after the component: the component is declared once per
// stack, and these are the names the base stack gave them before the
// component existed. Every child carries an alias to the URN it had there,
// at the top of the stack, so that the engine moves it under the
// component instead of replacing the VPC and everything in it.
func NewNetwork(ctx *pulumi.Context, name string, args *NetworkArgs, opts ...pulumi.ResourceOption) (*Network, error) {
	if args == nil {
		return nil, fmt.Errorf("network %q: args are required", name)
	}
	if err := args.Validate(); err != nil {
		return nil, fmt.Errorf("network %q: %w", name, err)
	}
	a := *args

	comp := &Network{
		RouteTables:            map[string]*ec2.RouteTable{},
		RouteTableAssociations: map[string]*ec2.RouteTableAssociation{},
		SecurityGroups:         map[string]*ec2.SecurityGroup{},
	}
	if err := ctx.RegisterComponentResource(TypeToken, name, comp, opts...); err != nil {
		return nil, fmt.Errorf("network %q: %w", name, err)
	}
	child := []pulumi.ResourceOption{pulumi.Parent(comp), pulumi.Aliases([]pulumi.Alias{{NoParent: pulumi.Bool(true)}})}
	if e := a.Existing; e != nil {
		comp.VpcID = pulumi.String(e.VpcID).ToStringOutput()
		comp.PublicSubnetIDs = pulumi.ToStringArray(e.PublicSubnetIDs).ToStringArrayOutput()
		comp.PrivateSubnetIDs = pulumi.ToStringArray(e.PrivateSubnetIDs).ToStringArrayOutput()
	} else if err := comp.vpc(ctx, a, child); err != nil {
		return nil, fmt.Errorf("network %q: %w", name, err)
	}
	if err := comp.securityGroups(ctx, a, child); err != nil {
		return nil, fmt.Errorf("network %q: %w", name, err)
	}
	if err := outputs.Register(ctx, comp); err != nil {
		return nil, fmt.Errorf("network %q: %w", name, err)
	}
	return comp, nil
}

// vpc creates the VPC with a public and a private subnet per zone. Each
// zone's private subnet routes through its own NAT gateway, or the first
// zone's with SingleNatGateway.
func (comp *Network) vpc(ctx *pulumi.Context, a NetworkArgs, child []pulumi.ResourceOption) error {
	tags := func(name string) pulumi.StringMap {
		return pulumi.ToStringMap(a.ChildTags(map[string]string{contract.TagName: a.Env + "-" + name}))
	}
	var err error
	comp.Vpc, err = ec2.NewVpc(ctx, "vpc", &ec2.VpcArgs{
		CidrBlock:          pulumi.String(a.CIDR),
		EnableDnsHostnames: pulumi.Bool(true),
		EnableDnsSupport:   pulumi.Bool(true),
		Tags:               tags("vpc"),
	}, child...)
	if err != nil {
		return err
	}
	comp.InternetGateway, err = ec2.NewInternetGateway(ctx, "igw", &ec2.InternetGatewayArgs{VpcId: comp.Vpc.ID(), Tags: tags("igw")}, child...)
	if err != nil {
		return err
	}
	// routed declares a subnet, its route table unless one is given, and
	// the association between them.
	routed := func(name, zone string, block int, routes *ec2.RouteTable, route *ec2.RouteTableRouteArgs) (*ec2.Subnet, error) {
		cidr, err := SubnetCIDR(a.CIDR, subnetBits, block)
		if err != nil {
			return nil, err
		}
		subnet, err := ec2.NewSubnet(ctx, name, &ec2.SubnetArgs{
			VpcId:            comp.Vpc.ID(),
			CidrBlock:        pulumi.String(cidr),
			AvailabilityZone: pulumi.String(zone),
			// Nothing in this VPC gets a public IP by accident; load
			// balancers and NAT gateways bring their own.
			MapPublicIpOnLaunch: pulumi.Bool(false),
			Tags:                tags(name),
		}, child...)
		if err != nil {
			return nil, err
		}
		if routes == nil {
			routes, err = ec2.NewRouteTable(ctx, name, &ec2.RouteTableArgs{
				VpcId: comp.Vpc.ID(), Routes: ec2.RouteTableRouteArray{route}, Tags: tags(name),
			}, child...)
			if err != nil {
				return nil, err
			}
			comp.RouteTables[name] = routes
		}
		comp.RouteTableAssociations[name], err = ec2.NewRouteTableAssociation(ctx, name, &ec2.RouteTableAssociationArgs{
			SubnetId: subnet.ID(), RouteTableId: routes.ID(),
		}, child...)
		return subnet, err
	}

	publicRoutes, err := ec2.NewRouteTable(ctx, "public-routes", &ec2.RouteTableArgs{
		VpcId:  comp.Vpc.ID(),
		Routes: ec2.RouteTableRouteArray{&ec2.RouteTableRouteArgs{CidrBlock: pulumi.String("0.0.0.0/0"), GatewayId: comp.InternetGateway.ID()}},
		Tags:   tags("public"),
	}, child...)
	if err != nil {
		return err
	}
	comp.RouteTables["public-routes"] = publicRoutes
	var public, private pulumi.StringArray
	for i, zone := range a.AvailabilityZones {
		subnet, err := routed("public-"+zone, zone, i, publicRoutes, nil)
		if err != nil {
			return err
		}
		comp.PublicSubnets = append(comp.PublicSubnets, subnet)
		public = append(public, subnet.ID())
		if i > 0 && a.SingleNatGateway {
			continue
		}
		eip, err := ec2.NewEip(ctx, "nat-"+zone, &ec2.EipArgs{Domain: pulumi.String("vpc"), Tags: tags("nat-" + zone)}, child...)
		if err != nil {
			return err
		}
		nat, err := ec2.NewNatGateway(ctx, "nat-"+zone, &ec2.NatGatewayArgs{
			AllocationId: eip.ID(), SubnetId: subnet.ID(), Tags: tags("nat-" + zone),
		}, append(child, pulumi.DependsOn([]pulumi.Resource{comp.InternetGateway}))...)
		if err != nil {
			return err
		}
		comp.EIPs = append(comp.EIPs, eip)
		comp.NatGateways = append(comp.NatGateways, nat)
	}
	for i, zone := range a.AvailabilityZones {
		// Each zone routes through its own NAT gateway, so losing one zone
		// does not cut the others off from ECR and SQS.
		nat := comp.NatGateways[min(i, len(comp.NatGateways)-1)]
		subnet, err := routed("private-"+zone, zone, privateOffset+i, nil,
			&ec2.RouteTableRouteArgs{CidrBlock: pulumi.String("0.0.0.0/0"), NatGatewayId: nat.ID()})
		if err != nil {
			return err
		}
		comp.PrivateSubnets = append(comp.PrivateSubnets, subnet)
		private = append(private, subnet.ID())
	}
	comp.VpcID = comp.Vpc.ID().ToStringOutput()
	comp.PublicSubnetIDs = public.ToStringArrayOutput()
	comp.PrivateSubnetIDs = private.ToStringArrayOutput()
	return nil
}

// securityGroups creates per tier with a Port a load balancer group open to
// the world on 80 and 443 only, and per tier an instance group that only
// its load balancer group may reach, and only on the Port. Nothing allows
// SSH: operators use SSM Session Manager.
func (comp *Network) securityGroups(ctx *pulumi.Context, a NetworkArgs, child []pulumi.ResourceOption) error {
	world := pulumi.StringArray{pulumi.String("0.0.0.0/0")}
	worldV6 := pulumi.StringArray{pulumi.String("::/0")}
	egress := ec2.SecurityGroupEgressArray{&ec2.SecurityGroupEgressArgs{
		Description: pulumi.String("ECR, SQS, CloudWatch and the AWS APIs through NAT"),
		Protocol:    pulumi.String("-1"), FromPort: pulumi.Int(0), ToPort: pulumi.Int(0),
		CidrBlocks: world, Ipv6CidrBlocks: worldV6,
	}}
	// A tier's groups carry the tier as their service.
	tags := func(tier, role string) pulumi.StringMap {
		id := a.Identity
		id.Service = tier
		return pulumi.ToStringMap(id.ChildTags(map[string]string{contract.TagRole: role}))
	}
	instances, balancers := pulumi.StringMap{}, pulumi.StringMap{}
	for _, tier := range a.Tiers {
		var ingress ec2.SecurityGroupIngressArray
		if tier.Port > 0 {
			lb, err := ec2.NewSecurityGroup(ctx, tier.Name+"-lb", &ec2.SecurityGroupArgs{
				NamePrefix:  pulumi.String(a.Env + "-" + tier.Name + "-lb-"),
				Description: pulumi.String("Load balancers of " + tier.Name + ": HTTP and HTTPS from the internet"),
				VpcId:       comp.VpcID,
				Ingress: ec2.SecurityGroupIngressArray{
					&ec2.SecurityGroupIngressArgs{Description: pulumi.String("HTTPS"), Protocol: pulumi.String("tcp"),
						FromPort: pulumi.Int(443), ToPort: pulumi.Int(443), CidrBlocks: world, Ipv6CidrBlocks: worldV6},
					&ec2.SecurityGroupIngressArgs{Description: pulumi.String("HTTP, redirected to HTTPS"), Protocol: pulumi.String("tcp"),
						FromPort: pulumi.Int(80), ToPort: pulumi.Int(80), CidrBlocks: world, Ipv6CidrBlocks: worldV6},
				},
				Egress: egress,
				// The role tag is how the world-ingress-only-on-lb policy
				// tells it from the instance groups.
				Tags: tags(tier.Name, contract.RoleLoadBalancer),
			}, append(child, pulumi.DeleteBeforeReplace(false))...)
			if err != nil {
				return err
			}
			comp.SecurityGroups[tier.Name+"-lb"] = lb
			balancers[tier.Name] = lb.ID()
			ingress = ec2.SecurityGroupIngressArray{&ec2.SecurityGroupIngressArgs{
				Description: pulumi.String("Service port from its load balancers only"), Protocol: pulumi.String("tcp"),
				FromPort: pulumi.Int(tier.Port), ToPort: pulumi.Int(tier.Port),
				SecurityGroups: pulumi.StringArray{lb.ID()},
			}}
		}
		inst, err := ec2.NewSecurityGroup(ctx, tier.Name+"-instances", &ec2.SecurityGroupArgs{
			NamePrefix:  pulumi.String(a.Env + "-" + tier.Name + "-instances-"),
			Description: pulumi.String("Instances of " + tier.Name + ": no inbound access but from their load balancers"),
			VpcId:       comp.VpcID,
			Ingress:     ingress,
			Egress:      egress,
			Tags:        tags(tier.Name, contract.RoleInstances),
		}, child...)
		if err != nil {
			return err
		}
		comp.SecurityGroups[tier.Name+"-instances"] = inst
		instances[tier.Name] = inst.ID()
	}
	comp.InstanceSecurityGroupIDs = instances.ToStringMapOutput()
	comp.LoadBalancerSecurityGroupIDs = balancers.ToStringMapOutput()
	return nil
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
