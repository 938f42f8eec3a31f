package rules

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/video-platform/video-platform/internal/contract"
)

// Type tokens the rules inspect.
const (
	TypeASG                 = "aws:autoscaling/group:Group"
	TypeLaunchTemplate      = "aws:ec2/launchTemplate:LaunchTemplate"
	TypeSecurityGroup       = "aws:ec2/securityGroup:SecurityGroup"
	TypeSecurityGroupRule   = "aws:ec2/securityGroupRule:SecurityGroupRule"
	TypeSGIngressRule       = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
	TypeListener            = "aws:lb/listener:Listener"
	TypeLoadBalancer        = "aws:lb/loadBalancer:LoadBalancer"
	TypeQueue               = "aws:sqs/queue:Queue"
	TypeRecord              = "aws:route53/record:Record"
	TypeRolePolicy          = "aws:iam/rolePolicy:RolePolicy"
	TypePolicy              = "aws:iam/policy:Policy"
	TypeRole                = "aws:iam/role:Role"
	terminatingTransition   = "autoscaling:EC2_INSTANCE_TERMINATING"
	defaultHeartbeatSeconds = 3600 // AWS default when heartbeatTimeout is omitted
	defaultGracePeriod      = 300  // pulumi-aws default for healthCheckGracePeriod
)

func constant(v any) func(bool) any { return func(bool) any { return v } }

func asgMultiAZ() Rule {
	return Rule{
		Name:        "asg-multi-az",
		Description: "Auto Scaling groups must span enough Availability Zones to survive an AZ outage.",
		Level:       Mandatory,
		Params: []Param{{
			Key: "minAzs", Kind: IntParam, Min: 1,
			Description: "Minimum number of subnets (one per AZ) in vpcZoneIdentifiers. Default 3 in an env the topology declares production, 2 elsewhere.",
			Default:     func(production bool) any { return contract.MinAZs(production) },
		}},
		Resource: func(s Settings, r Resource) []string {
			if r.Type != TypeASG {
				return nil
			}
			field := "vpcZoneIdentifiers"
			zones, unknown := getList(r.Inputs, field)
			if zones == nil && !unknown {
				// Groups without subnets fall back to availabilityZones.
				field = "availabilityZones"
				zones, unknown = getList(r.Inputs, field)
			}
			if unknown {
				return nil
			}
			n := countDistinct(zones)
			want := s.Int("minAzs")
			if n >= want {
				return nil
			}
			return []string{fmt.Sprintf("%s spans %d AZ(s) via %s but %s needs at least %d; add one subnet per AZ to vpcZoneIdentifiers",
				label("autoscaling group", r), n, field, envName(s), want)}
		},
	}
}

// countDistinct counts distinct subnet entries. Two computed placeholders
// for different subnets differ textually, so they count separately.
func countDistinct(items []any) int {
	seen := map[string]bool{}
	for _, it := range items {
		seen[fmt.Sprint(it)] = true
	}
	return len(seen)
}

func envName(s Settings) string {
	if s.Env == "" {
		return "this environment"
	}
	return s.Env
}

func asgELBHealthCheck() Rule {
	return Rule{
		Name:        "asg-elb-health-check",
		Description: "Auto Scaling groups behind a load balancer must use ELB health checks with a grace period.",
		Level:       Mandatory,
		Params: []Param{{
			Key: "minGracePeriodSeconds", Kind: IntParam, Min: 0,
			Description: "Minimum healthCheckGracePeriod in seconds.",
			Default:     constant(60),
		}},
		Resource: func(s Settings, r Resource) []string {
			if r.Type != TypeASG {
				return nil
			}
			tgs, unknown := getList(r.Inputs, "targetGroupArns")
			if unknown || len(tgs) == 0 {
				return nil
			}
			var out []string
			if v, ok := lookup(r.Inputs, "healthCheckType"); !ok || !IsUnknown(v) {
				if t, _ := asString(v); t != "ELB" {
					out = append(out, fmt.Sprintf("%s is attached to target groups but healthCheckType is %s; set healthCheckType = \"ELB\" so unhealthy targets are replaced",
						label("autoscaling group", r), quoteOrUnset(v, ok)))
				}
			}
			grace := defaultGracePeriod
			if v, ok := lookup(r.Inputs, "healthCheckGracePeriod"); ok {
				if IsUnknown(v) {
					return out
				}
				n, isInt := asInt(v)
				if !isInt {
					n = -1
				}
				grace = n
			}
			if want := s.Int("minGracePeriodSeconds"); grace < want {
				out = append(out, fmt.Sprintf("%s has healthCheckGracePeriod %d; set it to at least %d seconds so booting instances are not killed",
					label("autoscaling group", r), grace, want))
			}
			return out
		},
	}
}

func quoteOrUnset(v any, set bool) string {
	if !set {
		return "unset"
	}
	return fmt.Sprintf("%q", fmt.Sprint(v))
}

func launchTemplateIMDSv2() Rule {
	return Rule{
		Name:        "launch-template-imdsv2",
		Description: "Launch templates must require IMDSv2 session tokens.",
		Level:       Mandatory,
		Resource: func(_ Settings, r Resource) []string {
			if r.Type != TypeLaunchTemplate {
				return nil
			}
			v, ok := lookup(r.Inputs, "metadataOptions.httpTokens")
			if ok && IsUnknown(v) {
				return nil
			}
			if s, _ := asString(v); s == "required" {
				return nil
			}
			return []string{fmt.Sprintf("%s has metadataOptions.httpTokens %s; set metadataOptions.httpTokens = \"required\" to enforce IMDSv2",
				label("launch template", r), quoteOrUnset(v, ok))}
		},
	}
}

func launchTemplateEncryptedVolumes() Rule {
	return Rule{
		Name:        "launch-template-encrypted-volumes",
		Description: "Launch template EBS volumes must be encrypted.",
		Level:       Mandatory,
		Resource: func(_ Settings, r Resource) []string {
			if r.Type != TypeLaunchTemplate {
				return nil
			}
			mappings, _ := getList(r.Inputs, "blockDeviceMappings")
			var out []string
			for i, item := range mappings {
				m, ok := asMap(item)
				if !ok {
					continue
				}
				ebs, ok := lookup(m, "ebs")
				if !ok || IsUnknown(ebs) {
					continue
				}
				ebsMap, _ := asMap(ebs)
				enc, set := ebsMap["encrypted"]
				if set && IsUnknown(enc) {
					continue
				}
				if b, ok := asBool(enc); ok && b {
					continue
				}
				dev, _ := getString(m, "deviceName")
				if dev == "" {
					dev = fmt.Sprintf("#%d", i)
				}
				out = append(out, fmt.Sprintf("%s leaves EBS volume %s unencrypted; set blockDeviceMappings[%d].ebs.encrypted = \"true\"",
					label("launch template", r), dev, i))
			}
			return out
		},
	}
}

func noPublicInstances() Rule {
	return Rule{
		Name:        "no-public-instances",
		Description: "Instances launched from launch templates must not get public IP addresses.",
		Level:       Mandatory,
		Resource: func(_ Settings, r Resource) []string {
			if r.Type != TypeLaunchTemplate {
				return nil
			}
			nics, _ := getList(r.Inputs, "networkInterfaces")
			var out []string
			for i, item := range nics {
				m, ok := asMap(item)
				if !ok {
					continue
				}
				if b, ok := asBool(m["associatePublicIpAddress"]); ok && b {
					out = append(out, fmt.Sprintf("%s assigns a public IP on networkInterfaces[%d]; set associatePublicIpAddress = \"false\" and reach instances through the load balancer or SSM",
						label("launch template", r), i))
				}
			}
			return out
		},
	}
}

func spotFleetDiversified() Rule {
	strategies := []string{"price-capacity-optimized", "capacity-optimized"}
	return Rule{
		Name:        "spot-fleet-diversified",
		Description: "Spot-backed Auto Scaling groups must be diversified and rebalance capacity.",
		Level:       Mandatory,
		Params: []Param{
			{
				Key: "minInstanceTypes", Kind: IntParam, Min: 1,
				Description: "Minimum distinct instance types in mixedInstancesPolicy overrides.",
				Default:     constant(3),
			},
			{
				Key: "minOnDemandBaseCapacity", Kind: IntParam, Min: 0,
				Description: "Minimum instancesDistribution.onDemandBaseCapacity. Default 1 in an env the topology declares production, 0 elsewhere.",
				Default:     func(production bool) any { return contract.MinOnDemandBaseCapacity(production) },
			},
		},
		Resource: func(s Settings, r Resource) []string {
			if r.Type != TypeASG {
				return nil
			}
			mip, ok := lookup(r.Inputs, "mixedInstancesPolicy")
			if !ok || IsUnknown(mip) {
				return nil
			}
			policy, ok := asMap(mip)
			if !ok {
				return nil
			}
			name := label("autoscaling group", r)
			var out []string
			types, anyUnknown := overrideInstanceTypes(policy)
			if want := s.Int("minInstanceTypes"); len(types) < want && !anyUnknown {
				out = append(out, fmt.Sprintf("%s offers %d instance type(s) to Spot; list at least %d in mixedInstancesPolicy.launchTemplate.overrides[].instanceType",
					name, len(types), want))
			}
			if v, ok := lookup(policy, "instancesDistribution.spotAllocationStrategy"); !ok || !IsUnknown(v) {
				if st, _ := asString(v); !slices.Contains(strategies, st) {
					out = append(out, fmt.Sprintf("%s uses spotAllocationStrategy %s; set mixedInstancesPolicy.instancesDistribution.spotAllocationStrategy to one of %s",
						name, quoteOrUnset(v, ok), strings.Join(strategies, ", ")))
				}
			}
			if v, ok := lookup(r.Inputs, "capacityRebalance"); !ok || !IsUnknown(v) {
				if b, _ := asBool(v); !b {
					out = append(out, fmt.Sprintf("%s does not enable capacityRebalance; set capacityRebalance = true so Spot interruptions are replaced proactively", name))
				}
			}
			base := 0
			if v, ok := lookup(policy, "instancesDistribution.onDemandBaseCapacity"); ok {
				if IsUnknown(v) {
					return out
				}
				base, _ = asInt(v)
			}
			if want := s.Int("minOnDemandBaseCapacity"); base < want {
				out = append(out, fmt.Sprintf("%s has onDemandBaseCapacity %d; %s needs at least %d on-demand instance(s) under Spot: raise mixedInstancesPolicy.instancesDistribution.onDemandBaseCapacity",
					name, base, envName(s), want))
			}
			return out
		},
	}
}

// overrideInstanceTypes returns the distinct known instance types in a
// mixed instances policy and whether any entry was unknown.
func overrideInstanceTypes(policy map[string]any) ([]string, bool) {
	overrides, unknown := getList(policy, "launchTemplate.overrides")
	seen := map[string]bool{}
	for _, item := range overrides {
		m, ok := asMap(item)
		if !ok {
			continue
		}
		v, ok := m["instanceType"]
		if !ok || v == nil {
			continue
		}
		if IsUnknown(v) {
			unknown = true
			continue
		}
		if s, ok := asString(v); ok && s != "" {
			seen[s] = true
		}
	}
	out := make([]string, 0, len(seen))
	for t := range seen {
		out = append(out, t)
	}
	sort.Strings(out)
	return out, unknown
}

func drainHooks() Rule {
	return Rule{
		Name:        "drain-hooks",
		Description: "Recorder and transcoder Auto Scaling groups must drain work before instances terminate.",
		Level:       Mandatory,
		Params: []Param{{
			Key: "minHeartbeatSeconds", Kind: IntMapParam, Min: 1,
			Description: "Per service: minimum heartbeatTimeout of the terminating lifecycle hook. Services not listed need no hook.",
			Default:     func(bool) any { return map[string]int{"recorder": 3600, "transcoder": 900} },
		}},
		Resource: func(s Settings, r Resource) []string {
			if r.Type != TypeASG {
				return nil
			}
			service, ok := resourceTags(r).get(contract.TagService)
			if !ok || IsUnknown(service) {
				return nil
			}
			want, ok := s.IntMap("minHeartbeatSeconds")[service]
			if !ok {
				return nil
			}
			hooks, unknown := getList(r.Inputs, "initialLifecycleHooks")
			if unknown {
				return nil
			}
			best := -1
			for _, item := range hooks {
				h, ok := asMap(item)
				if !ok {
					continue
				}
				t, _ := asString(h["lifecycleTransition"])
				if IsUnknown(t) {
					return nil
				}
				if t != terminatingTransition {
					continue
				}
				hb := defaultHeartbeatSeconds
				if v, ok := h["heartbeatTimeout"]; ok && v != nil {
					if IsUnknown(v) {
						return nil
					}
					hb, _ = asInt(v)
				}
				best = max(best, hb)
			}
			name := label("autoscaling group", r)
			if best < 0 {
				return []string{fmt.Sprintf("%s (service %s) has no %s lifecycle hook; add one to initialLifecycleHooks with heartbeatTimeout >= %d so in-flight work drains",
					name, service, terminatingTransition, want)}
			}
			if best < want {
				return []string{fmt.Sprintf("%s (service %s) drains for only %ds; raise the terminating hook's heartbeatTimeout to at least %d",
					name, service, best, want)}
			}
			return nil
		},
	}
}

func instanceTypesAllowed() Rule {
	return Rule{
		Name:        "instance-types-allowed",
		Description: "Instances must use an approved instance type.",
		Level:       Mandatory,
		Params: []Param{{
			Key: "allowedInstanceTypes", Kind: StringListParam,
			Description: "Instance types that launch templates and mixed instances overrides may use.",
			Default: constant([]string{
				"t3.small", "t3.medium", "m6i.large", "m6i.xlarge", "m7i.large", "m7i.xlarge",
				"c6i.large", "c6i.xlarge", "c6i.2xlarge", "c7i.large", "c7i.xlarge", "c7i.2xlarge",
				"c6a.xlarge", "c6a.2xlarge", "c5.xlarge", "c5.2xlarge",
			}),
		}},
		Resource: func(s Settings, r Resource) []string {
			allowed := s.Strings("allowedInstanceTypes")
			var used []string
			var field string
			switch r.Type {
			case TypeLaunchTemplate:
				field = "instanceType"
				if t, ok := getString(r.Inputs, "instanceType"); ok && t != "" && !IsUnknown(t) {
					used = []string{t}
				}
			case TypeASG:
				field = "mixedInstancesPolicy.launchTemplate.overrides[].instanceType"
				if mip, ok := lookup(r.Inputs, "mixedInstancesPolicy"); ok {
					if policy, ok := asMap(mip); ok {
						used, _ = overrideInstanceTypes(policy)
					}
				}
			default:
				return nil
			}
			var out []string
			for _, t := range used {
				if !slices.Contains(allowed, t) {
					out = append(out, fmt.Sprintf("%s uses instance type %q in %s; pick one of the approved types (%s) or add it to allowedInstanceTypes in the policy config",
						label(kindOf(r.Type), r), t, field, strings.Join(allowed, ", ")))
				}
			}
			return out
		},
	}
}

func kindOf(typ string) string {
	switch typ {
	case TypeASG:
		return "autoscaling group"
	case TypeLaunchTemplate:
		return "launch template"
	case TypeSecurityGroup:
		return "security group"
	case TypeSecurityGroupRule, TypeSGIngressRule:
		return "security group rule"
	}
	if i := strings.LastIndex(typ, ":"); i >= 0 {
		return typ[i+1:]
	}
	return typ
}

func capacityCap() Rule {
	return Rule{
		Name:        "capacity-cap",
		Description: "Auto Scaling group maxSize must stay under the per-service capacity cap.",
		Level:       Advisory,
		Params: []Param{{
			Key: "maxSizeByService", Kind: IntMapParam, Min: 0,
			Description: "Per service: the largest allowed maxSize. Services not listed are not capped.",
			Default:     func(bool) any { return map[string]int{"web": 20, "recorder": 40, "transcoder": 60} },
		}},
		Resource: func(s Settings, r Resource) []string {
			if r.Type != TypeASG {
				return nil
			}
			service, ok := resourceTags(r).get(contract.TagService)
			if !ok {
				return nil
			}
			limit, ok := s.IntMap("maxSizeByService")[service]
			if !ok {
				return nil
			}
			v, ok := lookup(r.Inputs, "maxSize")
			if !ok || IsUnknown(v) {
				return nil
			}
			n, ok := asInt(v)
			if !ok || n <= limit {
				return nil
			}
			return []string{fmt.Sprintf("%s (service %s) has maxSize %d above the cap of %d; lower maxSize or raise maxSizeByService.%s in the policy config after a cost review",
				label("autoscaling group", r), service, n, limit, service)}
		},
	}
}
