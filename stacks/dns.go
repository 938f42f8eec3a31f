package stacks

import (
	"errors"
	"github.com/video-platform/video-platform/internal/topology"

	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/video-platform/video-platform/components/dnsrecords"
)

// DNSStack is what the DNS stack declared.
type DNSStack struct {
	// Records are the hostname records per service.
	Records map[string]*dnsrecords.DNSRecords
	// Weights are the weights given to each color per service.
	Weights map[string]map[string]int
	// Outputs are the stack's exports.
	Outputs pulumi.Map
}

var copyKeys = []string{"service", "color", "release", "capacity", "lbDnsName", "lbZoneId"}

// defaultHostname is a service's public name when the DNS stack's hostnames
// config does not override it. The copies and the certificate build their
// names from it too, and cannot see that override.
func defaultHostname(service, domain string) string { return service + "." + domain }

// directHostname is the name that reaches one copy whatever the weights
// say: dnsrecords declares "<color>.<hostname>" for every target.
func directHostname(color, hostname string) string { return color + "." + hostname }

// DNS points every service's public hostname at its live copy. A swap is a
// change of one config value (live.<service>) and changes only that
// service's weighted records; the direct blue. and green. names stay.
func DNS(ctx *pulumi.Context, id topology.Identity, cfg DNSConfig) (*DNSStack, error) {
	base, err := readBase(ctx, id)
	if err != nil {
		return nil, err
	}
	d := &DNSStack{Records: map[string]*dnsrecords.DNSRecords{}, Weights: map[string]map[string]int{}}
	live, previous, hostnames := pulumi.StringMap{}, pulumi.StringMap{}, pulumi.StringMap{}
	ipv4Only := false
	// Read and check every copy before declaring anything, so a refused
	// config leaves every record as it was.
	targets := map[string]map[string]dnsrecords.AliasTarget{}
	weights := map[string]map[string]int{}
	for _, svc := range id.Topology.ServiceNames() {
		targets[svc] = map[string]dnsrecords.AliasTarget{}
		liveColor, canary := cfg.Live[svc], cfg.Canary[svc]
		weights[svc] = map[string]int{liveColor: 100 - canary, topology.Other(liveColor): canary}
		for _, color := range topology.Colors {
			var c CopyOutputs
			name := topology.CopyStackName(id.Env, svc, color)
			err := readStack(ctx, id, name, copyKeys, &c)
			if errors.Is(err, errNotDeployed) && weights[svc][color] == 0 {
				// An idle copy that is destroyed (replaced when wedged) or
				// not deployed yet has no records until it is deployed.
				delete(weights[svc], color)
				continue
			}
			if errors.Is(err, errNotDeployed) {
				key, value := "live."+svc, liveColor
				if color != liveColor {
					key, value = "canary."+svc, fmt.Sprint(canary)
				}
				return nil, &ConfigError{Stack: id.Name, Key: ProjectName + ":" + key, Value: value,
					Accepted: fmt.Sprintf("a color whose copy is deployed; %s is not (destroyed or never deployed) but would get %d%% of the traffic: run %s first",
						name, weights[svc][color], deployCommand(id.Env, name))}
			}
			if err != nil {
				return nil, err
			}
			targets[svc][color] = dnsrecords.AliasTarget{DNSName: pulumi.String(c.LBDNSName), ZoneID: pulumi.String(c.LBZoneID)}
			// Sending traffic to a copy that may have no instance takes the
			// service down: a min of 0 lets scaling empty it, a desired of 0
			// starts it empty, a max of 0 keeps it so.
			if w := weights[svc][color]; w > 0 && min(c.Capacity.Min, c.Capacity.Desired, c.Capacity.Max) < 1 {
				key, value := "live."+svc, liveColor
				if color != liveColor {
					key, value = "canary."+svc, fmt.Sprint(canary)
				}
				return nil, &ConfigError{Stack: id.Name, Key: ProjectName + ":" + key, Value: value,
					Accepted: fmt.Sprintf("a color whose copy has at least one instance; %s has capacity {min:%d, desired:%d, max:%d} but would get %d%% of the traffic",
						topology.CopyStackName(id.Env, svc, color), c.Capacity.Min, c.Capacity.Desired, c.Capacity.Max, w)}
			}
		}
	}
	for _, svc := range id.Topology.ServiceNames() {
		hostname := cfg.Hostnames[svc]
		if hostname == "" {
			hostname = defaultHostname(svc, base.Domain)
		}
		records, err := dnsrecords.NewDNSRecords(ctx, svc, &dnsrecords.DNSRecordsArgs{
			ZoneID:   pulumi.String(base.ZoneID),
			Hostname: hostname,
			Targets:  targets[svc],
			Weights:  weights[svc],
			// The load balancers are IPv4 only, and an AAAA alias to them
			// would answer nothing.
			IPv6: &ipv4Only,
		})
		if err != nil {
			return nil, err
		}
		d.Records[svc], d.Weights[svc] = records, weights[svc]
		live[svc] = pulumi.String(cfg.Live[svc])
		hostnames[svc] = pulumi.String(hostname)
		if p, ok := cfg.Previous[svc]; ok {
			previous[svc] = pulumi.String(p.Color)
		}
	}
	d.Outputs = pulumi.Map{"live": live, "previous": previous, "hostnames": hostnames, "zoneId": pulumi.String(base.ZoneID)}
	return d, nil
}
