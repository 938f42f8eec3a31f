package stacks

import (
	"github.com/video-platform/video-platform/internal/topology"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/video-platform/video-platform/components/transcoderfleet"
)

// TranscodersStack is what the transcoder stack declared.
type TranscodersStack struct {
	// Fleets are the server groups by release; one is active, the rest drain.
	Fleets map[string]*transcoderfleet.TranscoderFleet
	// Outputs are the stack's exports.
	Outputs pulumi.Map
}

// Transcoders declares one server group per release. Transcoders are not
// blue-green: the active release takes new jobs, and each draining release
// sits at zero capacity while its termination hooks let running jobs finish.
func Transcoders(ctx *pulumi.Context, id topology.Identity, cfg TranscodersConfig) (*TranscodersStack, error) {
	base, err := readBase(ctx, id)
	if err != nil {
		return nil, err
	}
	tier := base.Tiers["transcoder"]
	t := &TranscodersStack{Fleets: map[string]*transcoderfleet.TranscoderFleet{}}
	groups := pulumi.StringMap{}
	// The active release and a warming one take jobs; draining ones sit at
	// zero while their hooks let running jobs finish.
	serving := []string{cfg.Active}
	if cfg.Warming != "" {
		serving = append(serving, cfg.Warming)
	}
	releases := append(serving, cfg.Draining...)
	for i, release := range releases {
		args := fleetArgs(id.Env, cfg, release, i >= len(serving))
		args.ImageRepositoryURL = pulumi.String(tier.RepositoryURL)
		args.AmiID = pulumi.String(base.AmiID)
		args.SecurityGroupIDs = pulumi.StringArray{pulumi.String(tier.InstanceSecurityGroupID)}
		args.InstanceProfileName = pulumi.String(tier.InstanceProfileName)
		args.SubnetIDs = pulumi.ToStringArray(base.PrivateSubnetIDs)
		args.MinAZs = id.MinAZs()
		args.QueueURL = pulumi.String(base.Queue.URL)
		args.QueueName = pulumi.String(base.Queue.Name)
		fleet, err := transcoderfleet.NewTranscoderFleet(ctx, "transcoder-"+release, &args)
		if err != nil {
			return nil, err
		}
		t.Fleets[release] = fleet
		groups[release] = fleet.GroupName
	}
	t.Outputs = pulumi.Map{
		"active":   pulumi.String(cfg.Active),
		"warming":  pulumi.String(cfg.Warming),
		"draining": pulumi.ToStringArray(append([]string{}, cfg.Draining...)),
		"groups":   groups,
		"queueUrl": pulumi.String(base.Queue.URL),
		"capacity": pulumi.Map{
			"min": pulumi.Int(cfg.Capacity.Min), "max": pulumi.Int(cfg.Capacity.Max), "desired": pulumi.Int(cfg.Capacity.Desired),
		},
	}
	return t, nil
}
