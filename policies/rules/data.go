package rules

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/video-platform/video-platform/internal/contract"
	"github.com/video-platform/video-platform/internal/topology"
)

func sqsDLQAndEncryption() Rule {
	return Rule{
		Name:        "sqs-dlq-and-encryption",
		Description: "Job queues must have a dead-letter queue, server-side encryption and a visibility timeout covering a job.",
		Level:       Mandatory,
		Params: []Param{{
			Key: "jobTimeoutSeconds", Kind: IntParam, Min: 1,
			Description: "Longest time a worker may hold a job; queue visibilityTimeoutSeconds must be at least this.",
			Default:     constant(900),
		}},
		Resource: func(s Settings, r Resource) []string {
			if r.Type != TypeQueue || isDLQ(r) {
				return nil
			}
			name := label("queue", r)
			var out []string
			if msg := checkRedrive(r); msg != "" {
				out = append(out, fmt.Sprintf("%s %s; set redrivePolicy to JSON {\"deadLetterTargetArn\": <dlq arn>, \"maxReceiveCount\": n} so poison jobs are parked", name, msg))
			}
			if !queueEncrypted(r) {
				out = append(out, fmt.Sprintf("%s is not encrypted at rest; set sqsManagedSseEnabled = true or kmsMasterKeyId", name))
			}
			vis := 30 // SQS default visibility timeout
			if v, ok := lookup(r.Inputs, "visibilityTimeoutSeconds"); ok {
				if IsUnknown(v) {
					return out
				}
				vis, _ = asInt(v)
			}
			if want := s.Int("jobTimeoutSeconds"); vis < want {
				out = append(out, fmt.Sprintf("%s has visibilityTimeoutSeconds %d, shorter than the %ds job timeout, so jobs would be redelivered while still running; set visibilityTimeoutSeconds >= %d",
					name, vis, want, want))
			}
			return out
		},
	}
}

// isDLQ: a queue is a DLQ when it says whom it accepts redrives from, or
// our components tagged it so.
func isDLQ(r Resource) bool {
	if v, ok := lookup(r.Inputs, "redriveAllowPolicy"); ok {
		if s, isStr := asString(v); !isStr || s != "" {
			return true
		}
	}
	role, _ := resourceTags(r).get(contract.TagRole)
	return role == contract.RoleDLQ
}

// checkRedrive returns what is wrong with the redrive policy, or "".
func checkRedrive(r Resource) string {
	v, ok := lookup(r.Inputs, "redrivePolicy")
	if !ok {
		return "has no redrivePolicy"
	}
	if IsUnknown(v) {
		return ""
	}
	policy, ok := asMap(v)
	if !ok {
		text, _ := asString(v)
		if err := json.Unmarshal([]byte(text), &policy); err != nil || policy == nil {
			return "has a redrivePolicy that is not a JSON object"
		}
	}
	if arn, _ := asString(policy["deadLetterTargetArn"]); arn == "" {
		return "has a redrivePolicy without deadLetterTargetArn"
	}
	if n, ok := asInt(policy["maxReceiveCount"]); !IsUnknown(policy["maxReceiveCount"]) && (!ok || n < 1) {
		return "has a redrivePolicy without a positive maxReceiveCount"
	}
	return ""
}

func queueEncrypted(r Resource) bool {
	if v, ok := lookup(r.Inputs, "sqsManagedSseEnabled"); ok {
		if b, _ := asBool(v); b || IsUnknown(v) {
			return true
		}
	}
	if v, ok := lookup(r.Inputs, "kmsMasterKeyId"); ok {
		if s, _ := asString(v); s != "" || IsUnknown(v) {
			return true
		}
	}
	return false
}

// taggableTypes are the resources required-tags checks. They are the
// resources this platform creates that accept tags in AWS. Resources AWS
// cannot tag (route53 records, policy attachments, inline role policies,
// security group rules of the legacy kind) are left out deliberately.
var taggableTypes = []string{
	"aws:ec2/vpc:Vpc",
	"aws:ec2/subnet:Subnet",
	TypeSecurityGroup,
	TypeLaunchTemplate,
	"aws:ec2/natGateway:NatGateway",
	"aws:ec2/eip:Eip",
	"aws:ec2/internetGateway:InternetGateway",
	"aws:ec2/routeTable:RouteTable",
	TypeLoadBalancer,
	"aws:alb/loadBalancer:LoadBalancer",
	"aws:lb/targetGroup:TargetGroup",
	"aws:alb/targetGroup:TargetGroup",
	TypeListener,
	"aws:alb/listener:Listener",
	TypeASG,
	TypeQueue,
	"aws:sns/topic:Topic",
	"aws:ecr/repository:Repository",
	TypeRole,
	"aws:cloudwatch/metricAlarm:MetricAlarm",
	"aws:cloudwatch/eventRule:EventRule",
	"aws:acm/certificate:Certificate",
}

// TaggableTypes returns the type tokens required-tags applies to.
func TaggableTypes() []string { return slices.Clone(taggableTypes) }

func requiredTags() Rule {
	base := []string{contract.TagEnv, contract.TagService, contract.TagManagedBy}
	return Rule{
		Name:        "required-tags",
		Description: "Taggable resources must carry env, service and managed-by tags (ASGs also release and color).",
		Level:       Mandatory,
		Resource: func(_ Settings, r Resource) []string {
			if !slices.Contains(taggableTypes, r.Type) {
				return nil
			}
			tags := resourceTags(r)
			if tags.unknown {
				return nil
			}
			want := slices.Clone(base)
			if r.Type == TypeASG {
				want = append(want, contract.TagRelease)
				service, _ := tags.get(contract.TagService)
				tier, _ := tags.get(contract.TagTier)
				// Every group but the transcoders' is one of a blue-green
				// service's copies, whichever services the project declares.
				if tier == contract.TierCopy || (service != "" && service != topology.TranscoderService) {
					want = append(want, contract.TagColor)
				}
			}
			var missing []string
			for _, k := range want {
				if v, ok := tags.get(k); !ok || v == "" {
					missing = append(missing, k)
				}
			}
			if len(missing) == 0 {
				return nil
			}
			sort.Strings(missing)
			how := "add them to tags (or the AWS provider's defaultTags)"
			if r.Type == TypeASG {
				how = "add them as tags entries {key, value, propagateAtLaunch: true}"
			}
			return []string{fmt.Sprintf("%s is missing tag(s) %s; %s", label(kindOf(r.Type), r), strings.Join(missing, ", "), how)}
		},
	}
}

// iamPolicyTypes carry a policy document in their `policy` input.
var iamPolicyTypes = []string{TypeRolePolicy, TypePolicy, "aws:iam/userPolicy:UserPolicy", "aws:iam/groupPolicy:GroupPolicy"}

// resourceWildcardActions may be granted on Resource "*" because their AWS
// APIs do not support resource-level permissions at all, so no narrower
// Resource exists. Keep this list short and justified; lower-case because
// IAM action names are case-insensitive.
var resourceWildcardActions = []string{
	"cloudwatch:putmetricdata",
	"xray:puttracesegments",
	"xray:puttelemetryrecords",
	"ssmmessages:createcontrolchannel",
	"ssmmessages:createdatachannel",
	"ssmmessages:opencontrolchannel",
	"ssmmessages:opendatachannel",
}

// readOnlyVerbs start the names of actions that do not change state; they
// may use Resource "*" (e.g. ec2:DescribeInstances, ecr:GetAuthorizationToken).
var readOnlyVerbs = []string{"describe", "get", "list"}

func iamNoWildcards() Rule {
	return Rule{
		Name:        "iam-no-wildcards",
		Description: "IAM policies must not grant Action \"*\" or write actions on Resource \"*\".",
		Level:       Mandatory,
		Resource: func(_ Settings, r Resource) []string {
			var docs []any
			var where []string
			switch {
			case slices.Contains(iamPolicyTypes, r.Type):
				if v, ok := lookup(r.Inputs, "policy"); ok {
					docs, where = append(docs, v), append(where, "policy")
				}
			case r.Type == TypeRole:
				inline, _ := getList(r.Inputs, "inlinePolicies")
				for i, item := range inline {
					m, _ := asMap(item)
					if v, ok := lookup(m, "policy"); ok {
						docs, where = append(docs, v), append(where, fmt.Sprintf("inlinePolicies[%d].policy", i))
					}
				}
			default:
				return nil
			}
			var out []string
			for i, doc := range docs {
				for _, problem := range policyProblems(doc) {
					out = append(out, fmt.Sprintf("%s %s %s", label(kindOf(r.Type), r), where[i], problem))
				}
			}
			return out
		},
	}
}

// policyProblems inspects one policy document. Computed documents are
// skipped: they are usually JSON built from other resources' ARNs and are
// re-checked by the engine once known.
func policyProblems(doc any) []string {
	if IsUnknown(doc) {
		return nil
	}
	parsed, ok := asMap(doc)
	if !ok {
		text, _ := asString(doc)
		if err := json.Unmarshal([]byte(text), &parsed); err != nil || parsed == nil {
			return []string{"is not a valid JSON policy document; fix the JSON so it can be reviewed"}
		}
	}
	statements, isList := asList(parsed["Statement"])
	if !isList {
		statements = []any{parsed["Statement"]}
	}
	var out []string
	for i, item := range statements {
		st, ok := asMap(item)
		if !ok {
			continue
		}
		if effect, _ := asString(st["Effect"]); effect == "Deny" {
			continue
		}
		if _, ok := st["NotAction"]; ok {
			out = append(out, fmt.Sprintf("statement %d allows NotAction, which grants every other action; list the allowed actions explicitly", i))
		}
		actions := stringsOf(st["Action"])
		if slices.Contains(actions, "*") {
			out = append(out, fmt.Sprintf("statement %d grants Action \"*\"; list the specific actions the workload calls", i))
			continue
		}
		_, notResource := st["NotResource"]
		if !notResource && !slices.Contains(stringsOf(st["Resource"]), "*") {
			continue
		}
		var writes []string
		for _, a := range actions {
			if !readOnlyAction(a) && !slices.Contains(resourceWildcardActions, strings.ToLower(a)) {
				writes = append(writes, a)
			}
		}
		if len(writes) > 0 {
			out = append(out, fmt.Sprintf("statement %d allows write action(s) %s on Resource \"*\"; scope Resource to the specific ARNs (only read-only actions and APIs without resource-level permissions, e.g. cloudwatch:PutMetricData, may use \"*\")",
				i, strings.Join(writes, ", ")))
		}
	}
	return out
}

func readOnlyAction(action string) bool {
	_, verb, ok := strings.Cut(strings.ToLower(action), ":")
	if !ok {
		return false
	}
	for _, prefix := range readOnlyVerbs {
		if strings.HasPrefix(verb, prefix) {
			return true
		}
	}
	return false
}

// stringsOf reads IAM's "string or list of strings" fields.
func stringsOf(v any) []string {
	if s, ok := asString(v); ok {
		return []string{s}
	}
	list, _ := asList(v)
	out := make([]string, 0, len(list))
	for _, item := range list {
		if s, ok := asString(item); ok {
			out = append(out, s)
		}
	}
	return out
}
