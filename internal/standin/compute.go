package standin

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"github.com/video-platform/video-platform/internal/offline"
)

// AccountID is the account the stand-in pretends to be; the offline
// renders use the same one.
const AccountID = offline.FixtureAccountID

// ELBHostedZoneID is the canonical hosted zone of ALBs in us-east-1, which
// alias records point at.
const ELBHostedZoneID = "Z35SXDOTRQ7X7K"

func randomHex(n int) string {
	b := make([]byte, (n+1)/2)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("crypto/rand: %v", err)) // the OS has no entropy: nothing can go on
	}
	return hex.EncodeToString(b)[:n]
}

// prefixedUniqueID is what the Terraform provider gives a name_prefix: the
// prefix, a timestamp-like part and a counter, 26 characters in all.
func prefixedUniqueID(prefix string) string {
	return prefix + "2026" + randomHex(22)
}

// newIdentity computes a new resource's ID and the outputs only AWS knows,
// shaped like the real ones wherever `infra` or a stack parses them (ARN
// suffixes, queue URLs, load balancer DNS names). Values already in state
// are kept.
func newIdentity(typ, logical, region string, state resource.PropertyMap) string {
	set := func(k, v string) {
		if cur, ok := state[resource.PropertyKey(k)]; !ok || cur.IsNull() {
			state[resource.PropertyKey(k)] = resource.NewStringProperty(v)
		}
	}
	get := func(k string) string {
		if v, ok := state[resource.PropertyKey(k)]; ok && v.IsString() {
			return v.StringValue()
		}
		return ""
	}
	arn := func(service, rest string) string {
		return fmt.Sprintf("arn:aws:%s:%s:%s:%s", service, region, AccountID, rest)
	}
	short := randomHex(16)
	name := get("name")
	if name == "" {
		name = logical
	}
	var id string
	switch typ {
	case "aws:lb/loadBalancer:LoadBalancer":
		suffix := "app/" + name + "/" + short
		id = arn("elasticloadbalancing", "loadbalancer/"+suffix)
		set("arnSuffix", suffix)
		set("dnsName", fmt.Sprintf("%s-%s.%s.elb.amazonaws.com", name, short[:10], region))
		set("zoneId", ELBHostedZoneID)
	case "aws:lb/targetGroup:TargetGroup":
		suffix := "targetgroup/" + name + "/" + short
		id = arn("elasticloadbalancing", suffix)
		set("arnSuffix", suffix)
	case "aws:lb/listener:Listener":
		id = arn("elasticloadbalancing", "listener/app/"+logical+"/"+short)
	case "aws:autoscaling/group:Group":
		id = name
		set("arn", arn("autoscaling", "autoScalingGroup:"+short+":autoScalingGroupName/"+name))
	case "aws:sqs/queue:Queue":
		id = fmt.Sprintf("https://sqs.%s.amazonaws.com/%s/%s", region, AccountID, name)
		set("url", id)
		set("arn", arn("sqs", name))
	case "aws:sns/topic:Topic":
		id = arn("sns", name)
	case "aws:iam/role:Role", "aws:iam/instanceProfile:InstanceProfile":
		id = name
		kind := "role"
		if strings.HasPrefix(typ, "aws:iam/instanceProfile") {
			kind = "instance-profile"
		}
		set("arn", fmt.Sprintf("arn:aws:iam::%s:%s/%s", AccountID, kind, name))
		set("uniqueId", "AROA"+strings.ToUpper(randomHex(17)))
	case "aws:ecr/repository:Repository":
		id = name
		set("repositoryUrl", fmt.Sprintf("%s.dkr.ecr.%s.amazonaws.com/%s", AccountID, region, name))
		set("registryId", AccountID)
	case "aws:route53/record:Record":
		id = strings.Join([]string{get("zoneId"), get("name"), get("type"), get("setIdentifier")}, "_")
		id = strings.TrimSuffix(id, "_")
		set("fqdn", get("name"))
	case "aws:ec2/vpc:Vpc":
		id = "vpc-" + short
	case "aws:ec2/subnet:Subnet":
		id = "subnet-" + short
	case "aws:ec2/securityGroup:SecurityGroup":
		id = "sg-" + short
	case "aws:ec2/launchTemplate:LaunchTemplate":
		id = "lt-" + short
	case "aws:ec2/natGateway:NatGateway":
		id = "nat-" + short
	case "aws:ec2/eip:Eip":
		id = "eipalloc-" + short
		set("allocationId", id)
		set("publicIp", "198.51.100."+fmt.Sprint(int(short[0])%200+10))
	case "aws:ec2/internetGateway:InternetGateway":
		id = "igw-" + short
	case "aws:ec2/routeTable:RouteTable":
		id = "rtb-" + short
	default:
		id = logical + "-" + short
	}
	if _, ok := state["arn"]; !ok && strings.HasPrefix(id, "arn:") {
		set("arn", id)
	}
	// Everything else a program reads (arn of the rest, name, computed
	// numbers) follows the offline placeholders, so renders and rehearsals
	// agree on shapes.
	offline.ComputeState(typ, logical, state, region)
	if tags, ok := state["tags"]; ok {
		if _, has := state["tagsAll"]; !has {
			state["tagsAll"] = tags
		}
	}
	return id
}
