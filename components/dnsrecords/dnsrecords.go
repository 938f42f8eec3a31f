package dnsrecords

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/route53"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/video-platform/video-platform/components/internal/outputs"
)

// byWeight orders the target colors by weight, highest first, then by
// name, so the order is stable when weights tie.
func byWeight(targets map[string]AliasTarget, weights map[string]int) []string {
	colors := slices.Sorted(maps.Keys(targets))
	slices.SortStableFunc(colors, func(a, b string) int { return weights[b] - weights[a] })
	return colors
}

// TypeToken is the component's Pulumi type. It keeps the spelling the type
// had before Go initialisms (DnsRecords): the token is part of every
// record's URN, and a changed URN replaces the records.
const TypeToken = "video-platform:dns:DnsRecords"

// DNSRecords is the set of Route 53 records of one service hostname.
type DNSRecords struct {
	pulumi.ResourceState

	// Records are the records, keyed by their logical names
	// ("<name>-blue-a", "<name>-direct-green-aaaa", "<name>-plain-...").
	Records map[string]*route53.Record

	// Hostname is the weighted name that clients use.
	Hostname pulumi.StringOutput `pulumi:"hostname"`
	// FQDNs are all names the component manages: Hostname first, then the
	// direct and plain names in sorted order.
	FQDNs pulumi.StringArrayOutput `pulumi:"fqdns"`
	// DirectNames maps each target color to its "<color>.<Hostname>" test
	// name; empty when DirectNames is off.
	DirectNames pulumi.StringMapOutput `pulumi:"directNames"`
	// Weights maps each target color to its weight (0 when unweighted), as
	// plain values for the stack to export.
	Weights pulumi.IntMapOutput `pulumi:"weights"`
}

// NewDNSRecords validates args and declares the weighted, direct and plain
// records. Child names depend only on color, record type and plain record
// name, so a swap updates weights in place.
func NewDNSRecords(ctx *pulumi.Context, name string, args *DNSRecordsArgs, opts ...pulumi.ResourceOption) (*DNSRecords, error) {
	if args == nil {
		return nil, fmt.Errorf("dnsrecords %q: %w", name, errors.New("args are required"))
	}
	if err := args.Validate(); err != nil {
		return nil, fmt.Errorf("dnsrecords %q: %w", name, err)
	}
	a := args.withDefaults()

	comp := &DNSRecords{Records: map[string]*route53.Record{}}
	if err := ctx.RegisterComponentResource(TypeToken, name, comp, opts...); err != nil {
		return nil, fmt.Errorf("dnsrecords %q: %w", name, err)
	}
	parent := pulumi.Parent(comp)

	types := []string{"A"}
	if *a.IPv6 {
		types = append(types, "AAAA")
	}
	weights := pulumi.IntMap{}
	direct := pulumi.StringMap{}
	var others []string
	// Make before break: the records of the color with the most weight
	// (the live one) are applied first and every other color's weighted
	// records wait for them. In a swap the new live color's weight rises
	// before the old one's falls, so when an update fails partway the
	// hostname keeps a record above 0; Route53 would otherwise split traffic
	// evenly across all-zero weights. Direct names need no order.
	order := byWeight(a.Targets, a.Weights)
	var first []pulumi.Resource
	for i, color := range order {
		target := a.Targets[color]
		alias := route53.RecordAliasArray{route53.RecordAliasArgs{
			Name:                 target.DNSName,
			ZoneId:               target.ZoneID,
			EvaluateTargetHealth: pulumi.Bool(*a.EvaluateTargetHealth),
		}}
		weight := a.Weights[color]
		weights[color] = pulumi.Int(weight)
		weightedOpts := []pulumi.ResourceOption{parent}
		if i > 0 {
			weightedOpts = append(weightedOpts, pulumi.DependsOn(first))
		}
		for _, typ := range types {
			suffix := color + "-" + strings.ToLower(typ)
			rec, err := route53.NewRecord(ctx, name+"-"+suffix, &route53.RecordArgs{
				ZoneId:        a.ZoneID,
				Name:          pulumi.String(a.Hostname),
				Type:          pulumi.String(typ),
				SetIdentifier: pulumi.String(color),
				WeightedRoutingPolicies: route53.RecordWeightedRoutingPolicyArray{
					route53.RecordWeightedRoutingPolicyArgs{Weight: pulumi.Int(weight)},
				},
				Aliases: alias,
			}, weightedOpts...)
			if err != nil {
				return nil, fmt.Errorf("dnsrecords %q: %w", name, err)
			}
			comp.Records[name+"-"+suffix] = rec
			if i == 0 {
				first = append(first, rec)
			}
			if !*a.DirectNames {
				continue
			}
			direct, err := route53.NewRecord(ctx, name+"-direct-"+suffix, &route53.RecordArgs{
				ZoneId:  a.ZoneID,
				Name:    pulumi.String(color + "." + a.Hostname),
				Type:    pulumi.String(typ),
				Aliases: alias,
			}, parent)
			if err != nil {
				return nil, fmt.Errorf("dnsrecords %q: %w", name, err)
			}
			comp.Records[name+"-direct-"+suffix] = direct
		}
		if *a.DirectNames {
			direct[color] = pulumi.String(color + "." + a.Hostname)
			others = append(others, color+"."+a.Hostname)
		}
	}

	for _, r := range a.PlainRecords {
		values := pulumi.StringArray{}
		for _, v := range r.Values {
			values = append(values, pulumi.String(v))
		}
		// Named by name and type, not by position, so reordering the list
		// does not replace records.
		plain := name + "-plain-" + r.Name + "-" + strings.ToLower(r.Type)
		rec, err := route53.NewRecord(ctx, plain, &route53.RecordArgs{
			ZoneId:  a.ZoneID,
			Name:    pulumi.String(r.Name),
			Type:    pulumi.String(r.Type),
			Ttl:     pulumi.Int(r.TTL),
			Records: values,
		}, parent)
		if err != nil {
			return nil, fmt.Errorf("dnsrecords %q: %w", name, err)
		}
		comp.Records[plain] = rec
		if r.Name != a.Hostname {
			others = append(others, r.Name)
		}
	}
	slices.Sort(others)
	fqdns := pulumi.StringArray{pulumi.String(a.Hostname)}
	for _, n := range slices.Compact(others) {
		fqdns = append(fqdns, pulumi.String(n))
	}

	comp.Hostname = pulumi.String(a.Hostname).ToStringOutput()
	comp.FQDNs = fqdns.ToStringArrayOutput()
	comp.DirectNames = direct.ToStringMapOutput()
	comp.Weights = weights.ToIntMapOutput()
	if err := outputs.Register(ctx, comp); err != nil {
		return nil, fmt.Errorf("dnsrecords %q: %w", name, err)
	}
	return comp, nil
}
