package rules

import (
	"maps"

	"github.com/video-platform/video-platform/internal/topology"
)

// fixtureConfig is the config the pack and synth build for env under the
// default topology, which declares prod, and only prod, production.
func fixtureConfig(env string, overrides map[string]map[string]any) Config {
	production := topology.Default().Envs[env].Production
	return Config{Env: env, Production: production, Overrides: overrides}
}

// Fixtures mirror what `infra synth` renders: pulumi-aws v6 input names,
// JSON-like values, "<computed:...>" placeholders for other resources' outputs.

func res(typ, name string, inputs map[string]any) Resource {
	return Resource{URN: "urn:pulumi:prod::video-platform::" + typ + "::" + name, Type: typ, Name: name, Inputs: inputs}
}

func with(base map[string]any, kv ...any) map[string]any {
	out := maps.Clone(base)
	for i := 0; i+1 < len(kv); i += 2 {
		key, _ := kv[i].(string)
		if kv[i+1] == nil {
			delete(out, key)
			continue
		}
		out[key] = kv[i+1]
	}
	return out
}

func placeholder(typ, prop, name string) string {
	return "<computed:" + typ + "." + prop + "[" + name + "]>"
}

func stdTags(service string) map[string]any {
	return map[string]any{"env": "prod", "service": service, "managed-by": "pulumi"}
}

func asgTags(service, color string) []any {
	tags := []any{
		map[string]any{"key": "env", "value": "prod", "propagateAtLaunch": true},
		map[string]any{"key": "service", "value": service, "propagateAtLaunch": true},
		map[string]any{"key": "managed-by", "value": "pulumi", "propagateAtLaunch": true},
		map[string]any{"key": "release", "value": "2024.06.1", "propagateAtLaunch": true},
	}
	if color != "" {
		tags = append(tags, map[string]any{"key": "color", "value": color, "propagateAtLaunch": true})
	}
	return tags
}

// goodASG is a compliant recorder group in prod.
func goodASG() map[string]any {
	return map[string]any{
		"minSize":                1,
		"maxSize":                10,
		"vpcZoneIdentifiers":     []any{"subnet-a", "subnet-b", "subnet-c"},
		"targetGroupArns":        []any{placeholder("aws:lb/targetGroup:TargetGroup", "arn", "recorder-blue-tg")},
		"healthCheckType":        "ELB",
		"healthCheckGracePeriod": 120,
		"capacityRebalance":      true,
		"tags":                   asgTags("recorder", "blue"),
		"initialLifecycleHooks": []any{map[string]any{
			"name":                "drain",
			"lifecycleTransition": "autoscaling:EC2_INSTANCE_TERMINATING",
			"heartbeatTimeout":    3600,
			"defaultResult":       "CONTINUE",
		}},
		"mixedInstancesPolicy": map[string]any{
			"instancesDistribution": map[string]any{
				"onDemandBaseCapacity":   1,
				"spotAllocationStrategy": "price-capacity-optimized",
			},
			"launchTemplate": map[string]any{
				"launchTemplateSpecification": map[string]any{"launchTemplateId": placeholder(TypeLaunchTemplate, "id", "recorder-lt")},
				"overrides": []any{
					map[string]any{"instanceType": "c6i.xlarge"},
					map[string]any{"instanceType": "c7i.xlarge"},
					map[string]any{"instanceType": "c6a.xlarge"},
				},
			},
		},
	}
}

func goodLT() map[string]any {
	return map[string]any{
		"instanceType":    "c6i.large",
		"metadataOptions": map[string]any{"httpTokens": "required", "httpEndpoint": "enabled"},
		"blockDeviceMappings": []any{map[string]any{
			"deviceName": "/dev/xvda",
			"ebs":        map[string]any{"encrypted": "true", "volumeSize": 50},
		}},
		"networkInterfaces": []any{map[string]any{"associatePublicIpAddress": "false"}},
		"tags":              stdTags("recorder"),
	}
}

func goodQueue() map[string]any {
	return map[string]any{
		"visibilityTimeoutSeconds": 1800,
		"sqsManagedSseEnabled":     true,
		"redrivePolicy":            `{"deadLetterTargetArn":"` + placeholder(TypeQueue, "arn", "jobs-dlq") + `","maxReceiveCount":5}`,
		"tags":                     stdTags("transcoder"),
	}
}

func lbSG() map[string]any {
	return map[string]any{
		"vpcId": placeholder("aws:ec2/vpc:Vpc", "id", "main"),
		"ingress": []any{
			map[string]any{"protocol": "tcp", "fromPort": 443, "toPort": 443, "cidrBlocks": []any{"0.0.0.0/0"}, "ipv6CidrBlocks": []any{"::/0"}},
			map[string]any{"protocol": "tcp", "fromPort": 80, "toPort": 80, "cidrBlocks": []any{"0.0.0.0/0"}},
		},
		"tags": with(stdTags("web"), "role", "load-balancer"),
	}
}

func appSG() map[string]any {
	return map[string]any{
		"vpcId": placeholder("aws:ec2/vpc:Vpc", "id", "main"),
		"ingress": []any{
			map[string]any{"protocol": "tcp", "fromPort": 8080, "toPort": 8080, "securityGroups": []any{placeholder(TypeSecurityGroup, "id", "web-blue-alb-sg")}},
		},
		"tags": stdTags("web"),
	}
}

func policyDoc(statements string) string {
	return `{"Version":"2012-10-17","Statement":[` + statements + `]}`
}

// compliantStack is a small rendered prod stack that must pass every rule.
func compliantStack() []Resource {
	return []Resource{
		res("aws:ec2/vpc:Vpc", "main", map[string]any{"cidrBlock": "10.0.0.0/16", "tags": stdTags("network")}),
		res(TypeSecurityGroup, "web-blue-alb-sg", lbSG()),
		res(TypeSecurityGroup, "web-blue-app-sg", appSG()),
		res(TypeSGIngressRule, "web-blue-alb-https", map[string]any{
			"securityGroupId": placeholder(TypeSecurityGroup, "id", "web-blue-alb-sg"),
			"ipProtocol":      "tcp", "fromPort": 443, "toPort": 443, "cidrIpv4": "0.0.0.0/0",
		}),
		res(TypeLoadBalancer, "web-blue-alb", map[string]any{"enableDeletionProtection": true, "internal": false, "tags": stdTags("web")}),
		res(TypeListener, "web-blue-http", map[string]any{
			"protocol": "HTTP", "port": 80,
			"defaultActions": []any{map[string]any{"type": "redirect", "redirect": map[string]any{"protocol": "HTTPS", "port": "443", "statusCode": "HTTP_301"}}},
			"tags":           stdTags("web"),
		}),
		res(TypeListener, "web-blue-https", map[string]any{
			"protocol": "HTTPS", "port": 443, "sslPolicy": "ELBSecurityPolicy-TLS13-1-2-2021-06",
			"defaultActions": []any{map[string]any{"type": "forward", "targetGroupArn": placeholder("aws:lb/targetGroup:TargetGroup", "arn", "web-blue-tg")}},
			"tags":           stdTags("web"),
		}),
		res(TypeLaunchTemplate, "recorder-lt", goodLT()),
		res(TypeASG, "recorder-blue", goodASG()),
		res(TypeQueue, "jobs", goodQueue()),
		res(TypeQueue, "jobs-dlq", map[string]any{"sqsManagedSseEnabled": true, "redriveAllowPolicy": `{"redrivePermission":"allowAll"}`, "tags": stdTags("transcoder")}),
		res(TypeRecord, "web-blue-record", map[string]any{
			"name": "app.example.com", "type": "A", "setIdentifier": "blue",
			"weightedRoutingPolicies": []any{map[string]any{"weight": 100}},
			"aliases":                 []any{map[string]any{"name": placeholder(TypeLoadBalancer, "dnsName", "web-blue-alb"), "evaluateTargetHealth": true}},
		}),
		res(TypeRecord, "web-green-record", map[string]any{
			"name": "app.example.com.", "type": "A", "setIdentifier": "green",
			"weightedRoutingPolicies": []any{map[string]any{"weight": 0}},
			"aliases":                 []any{map[string]any{"name": placeholder(TypeLoadBalancer, "dnsName", "web-green-alb"), "evaluateTargetHealth": true}},
		}),
		res(TypeRole, "recorder-role", map[string]any{"assumeRolePolicy": `{}`, "tags": stdTags("recorder")}),
		res(TypeRolePolicy, "recorder-policy", map[string]any{
			"role": placeholder(TypeRole, "name", "recorder-role"),
			"policy": policyDoc(`{"Effect":"Allow","Action":["s3:PutObject","s3:GetObject"],"Resource":"arn:aws:s3:::recordings/*"},
				{"Effect":"Allow","Action":["cloudwatch:PutMetricData","ec2:DescribeInstances","ecr:GetAuthorizationToken"],"Resource":"*"}`),
		}),
	}
}
