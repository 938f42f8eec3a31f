package stacks

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/video-platform/video-platform/components/network"
	"github.com/video-platform/video-platform/internal/contract"
	"github.com/video-platform/video-platform/internal/topology"
)

// networkArgs is the env's network as far as config decides it; zones are
// the Availability Zones a created VPC spans, nil when it is adopted or not
// yet known.
func networkArgs(id topology.Identity, cfg NetworkConfig, zones []string) network.NetworkArgs {
	a := network.NetworkArgs{
		Identity: contract.Identity{Env: id.Env, Service: "base"},
		CIDR:     cfg.Cidr, AvailabilityZones: zones, SingleNatGateway: cfg.SingleNatGateway,
	}
	if ex := cfg.Existing; ex != nil {
		a.Existing = &network.ExistingVpc{VpcID: ex.VpcID, PublicSubnetIDs: ex.PublicSubnetIDs, PrivateSubnetIDs: ex.PrivateSubnetIDs}
	}
	for _, tier := range Tiers(id.Topology) {
		a.Tiers = append(a.Tiers, network.Tier{Name: tier, Port: id.Topology.Services[tier].Port})
	}
	return a
}

// network validates the network component's args as the config maps them,
// under the config keys they come from. The zones are not known yet: the
// component reports them as an input, which is skipped.
func (ch *checker) network(id topology.Identity, cfg NetworkConfig) {
	ch.component("network", networkArgs(id, cfg, nil).Validate(), map[string]string{
		"CIDR": "network.cidr", "SingleNatGateway": "network.singleNatGateway", "Existing.VpcID": "network.existing.vpcId",
		"Existing.PublicSubnetIDs": "network.existing.publicSubnetIds", "Existing.PrivateSubnetIDs": "network.existing.privateSubnetIds",
	})
}

// newNetwork creates or adopts the env's network. A created one spans the
// region's first network.azCount zones, which only the region knows: a
// count above what it offers is refused here, before anything is declared.
func newNetwork(ctx *pulumi.Context, id topology.Identity, cfg NetworkConfig) (*network.Network, error) {
	var zones []string
	if cfg.Existing == nil {
		available, err := aws.GetAvailabilityZones(ctx, &aws.GetAvailabilityZonesArgs{State: pulumi.StringRef("available")})
		if err != nil {
			return nil, fmt.Errorf("listing availability zones: %w", err)
		}
		if len(available.Names) < cfg.AzCount {
			return nil, &ConfigError{Stack: id.Name, Key: ProjectName + ":network.azCount", Value: cfg.AzCount,
				Accepted: fmt.Sprintf("at most the %d zones the region offers (%s)", len(available.Names), strings.Join(available.Names, ", "))}
		}
		zones = available.Names[:cfg.AzCount]
	}
	args := networkArgs(id, cfg, zones)
	return network.NewNetwork(ctx, "network", &args)
}
