package offline

import (
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// computedStrings lists, per type, the string outputs that the provider fills
// in after creation. Every AWS resource also gets "arn" and, when unset,
// "name", because nearly every resource has them.
var computedStrings = map[string][]string{
	"aws:lb/loadBalancer:LoadBalancer":        {"dnsName", "zoneId", "arnSuffix"},
	"aws:lb/targetGroup:TargetGroup":          {"arnSuffix"},
	"aws:sqs/queue:Queue":                     {"url"},
	"aws:ecr/repository:Repository":           {"repositoryUrl", "registryId"},
	"aws:iam/role:Role":                       {"uniqueId"},
	"aws:iam/instanceProfile:InstanceProfile": {"uniqueId"},
	"aws:ec2/eip:Eip":                         {"publicIp", "allocationId"},
	"aws:ec2/vpc:Vpc":                         {"defaultSecurityGroupId", "mainRouteTableId"},
	"aws:ec2/subnet:Subnet":                   {"availabilityZoneId"},
	"aws:route53/record:Record":               {"fqdn"},
	"docker:index/image:Image":                {"repoDigest"},
	"aws:autoscaling/group:Group":             {"predictedCapacity"},
}

// computedNumbers are numeric outputs; a string placeholder would not
// unmarshal into an Int output, so they get a plausible first value.
var computedNumbers = map[string]map[string]float64{
	"aws:ec2/launchTemplate:LaunchTemplate": {"latestVersion": 1, "defaultVersion": 1},
}

// ComputeState fills in, for a resource of type typ and logical name name,
// the outputs only AWS knows, as deterministic placeholders; values already
// in state are kept.
func ComputeState(typ, name string, state resource.PropertyMap, region string) {
	set := func(prop string) {
		if _, ok := state[resource.PropertyKey(prop)]; !ok {
			state[resource.PropertyKey(prop)] = resource.NewStringProperty(Placeholder(typ, prop, name))
		}
	}
	set("arn")
	set("name")
	for _, prop := range computedStrings[typ] {
		set(prop)
	}
	for prop, v := range computedNumbers[typ] {
		if _, ok := state[resource.PropertyKey(prop)]; !ok {
			state[resource.PropertyKey(prop)] = resource.NewNumberProperty(v)
		}
	}
	switch typ {
	case "aws:acm/certificate:Certificate":
		state["domainValidationOptions"] = domainValidationOptions(typ, name, state)
	case "aws:ec2/subnet:Subnet":
		if _, ok := state["availabilityZone"]; !ok {
			state["availabilityZone"] = resource.NewStringProperty(region + "a")
		}
	}
}

// domainValidationOptions answers what ACM asks for DNS validation: one CNAME
// per distinct name, where the wildcard and its apex share one record.
func domainValidationOptions(typ, name string, state resource.PropertyMap) resource.PropertyValue {
	var domains []string
	if d, ok := state["domainName"]; ok && d.IsString() {
		domains = append(domains, d.StringValue())
	}
	if sans, ok := state["subjectAlternativeNames"]; ok && sans.IsArray() {
		for _, s := range sans.ArrayValue() {
			if s.IsString() {
				domains = append(domains, s.StringValue())
			}
		}
	}
	options := make([]resource.PropertyValue, 0, len(domains))
	for _, d := range domains {
		apex := d
		if len(apex) > 2 && apex[:2] == "*." {
			apex = apex[2:]
		}
		options = append(options, resource.NewObjectProperty(resource.PropertyMap{
			"domainName":          resource.NewStringProperty(d),
			"resourceRecordName":  resource.NewStringProperty("_" + Placeholder(typ, "validationToken", name) + "." + apex + "."),
			"resourceRecordType":  resource.NewStringProperty("CNAME"),
			"resourceRecordValue": resource.NewStringProperty(Placeholder(typ, "validationValue", name) + ".acm-validations.aws."),
		}))
	}
	return resource.NewArrayProperty(options)
}
