package stacks

import (
	"github.com/video-platform/video-platform/internal/topology"

	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// BaseOutputs is what downstream stacks read from the base stack.
type BaseOutputs struct {
	// Env is the base stack's env.
	Env string `json:"env"`
	// AzCount is how many AZs the env spans.
	AzCount int `json:"azCount"`
	// VpcID is the env's VPC.
	VpcID string `json:"vpcId"`
	// PublicSubnetIDs hold load balancers.
	PublicSubnetIDs []string `json:"publicSubnetIds"`
	// PrivateSubnetIDs hold instances.
	PrivateSubnetIDs []string `json:"privateSubnetIds"`
	// Domain is the env's domain.
	Domain string `json:"domain"`
	// ZoneID is the env's hosted zone.
	ZoneID string `json:"zoneId"`
	// CertificateARN is the validated certificate for the domain, its
	// wildcard and the direct names of every copy.
	CertificateARN string `json:"certificateArn"`
	// AmiID is the image instances boot.
	AmiID string `json:"amiId"`
	// AlertsTopicARN receives alarms.
	AlertsTopicARN string `json:"alertsTopicArn"`
	// Queue is the transcode job queue.
	Queue struct {
		URL               string `json:"url"`
		ARN               string `json:"arn"`
		Name              string `json:"name"`
		DlqURL            string `json:"dlqUrl"`
		JobTimeoutSeconds int    `json:"jobTimeoutSeconds"`
	} `json:"queue"`
	// Tiers hold per-tier security groups, instance profiles and registries.
	Tiers map[string]TierOutputs `json:"tiers"`
	// Schedules are the validated schedules per service, applied by every
	// copy of the service that has capacity.
	Schedules map[string][]ScheduleConfig `json:"schedules"`
}

// TierOutputs is what the base stack provides one tier.
type TierOutputs struct {
	// LBSecurityGroupID is set for services behind a load balancer.
	LBSecurityGroupID string `json:"lbSecurityGroupId,omitempty"`
	// InstanceSecurityGroupID guards the tier's instances.
	InstanceSecurityGroupID string `json:"instanceSecurityGroupId"`
	// InstanceProfileName carries the tier's role.
	InstanceProfileName string `json:"instanceProfileName"`
	// RepositoryURL is the tier's ECR repository.
	RepositoryURL string `json:"repositoryUrl"`
	// Port is the service port.
	Port int `json:"port,omitempty"`
}

// CopyOutputs is what the DNS stack reads from a service copy.
type CopyOutputs struct {
	// Service is the copy's service.
	Service string `json:"service"`
	// Color is the copy's color.
	Color string `json:"color"`
	// Release is the image tag it runs.
	Release string `json:"release"`
	// Capacity is its configured size.
	Capacity Capacity `json:"capacity"`
	// LBDNSName is its load balancer's DNS name.
	LBDNSName string `json:"lbDnsName"`
	// LBZoneID is its load balancer's canonical hosted zone.
	LBZoneID string `json:"lbZoneId"`
}

// stackName is the fully qualified name of another stack of this project,
// built from the current organization and project so that the same code
// works on a file:// backend and on Pulumi Cloud.
func stackName(ctx *pulumi.Context, stack string) string {
	return fmt.Sprintf("%s/%s/%s", ctx.Organization(), ctx.Project(), stack)
}

// readStackOutputs is the engine's builtin function behind StackReference.
const readStackOutputs = "pulumi:pulumi:readStackOutputs"

// exists asks the backend whether a stack has been created. A
// StackReference to a stack that has not fails the whole run with the
// engine's "unknown stack" error, whatever the program returns after it;
// the same question asked as an invoke comes back to the program, which
// can then say which stack to deploy first.
func exists(ctx *pulumi.Context, stack string) (bool, error) {
	var out struct {
		Name string `pulumi:"name"`
	}
	err := ctx.Invoke(readStackOutputs, map[string]any{"name": stackName(ctx, stack)}, &out)
	switch {
	case err == nil:
		return true, nil
	case strings.Contains(err.Error(), "unknown stack"):
		return false, nil
	default:
		return false, err
	}
}

// errNotDeployed marks a stack that holds no outputs: never created, never
// deployed, or destroyed.
var errNotDeployed = errors.New("stack not deployed")

// readStack reads the named outputs of another stack into a typed struct.
// It reads plain values, because these decide how many resources to declare
// (one subnet per AZ) and must be validated before anything is declared.
func readStack(ctx *pulumi.Context, id topology.Identity, stack string, keys []string, out any) error {
	self := id.Name
	switch ok, err := exists(ctx, stack); {
	case err != nil:
		return fmt.Errorf("stack %s: asking the backend for stack %s: %w", self, stack, err)
	case !ok:
		return fmt.Errorf("stack %s: %s does not exist: %w", self, stack, errNotDeployed)
	}
	ref, err := pulumi.NewStackReference(ctx, stack, &pulumi.StackReferenceArgs{Name: pulumi.String(stackName(ctx, stack))})
	if err != nil {
		return fmt.Errorf("stack %s: referencing %s: %w", self, stack, err)
	}
	values := map[string]any{}
	var missing []string
	for _, key := range keys {
		details, err := ref.GetOutputDetails(key)
		if err != nil {
			return fmt.Errorf("stack %s: reading output %q of stack %s: %w", self, key, stack, err)
		}
		v := details.Value
		if v == nil {
			v = details.SecretValue
		}
		if v == nil {
			missing = append(missing, key)
			continue
		}
		values[key] = v
	}
	switch {
	case len(missing) == len(keys):
		return fmt.Errorf("stack %s: %s has no outputs: %w", self, stack, errNotDeployed)
	case len(missing) > 0:
		return &ConfigError{Stack: self, Problem: fmt.Sprintf("reads the output %s of %s, which its last deployment did not export: run %s again first",
			missing[0], stack, deployCommand(id.Env, stack))}
	}
	raw, err := json.Marshal(values)
	if err != nil {
		return fmt.Errorf("stack %s: outputs of %s: %w", self, stack, err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(out); err != nil {
		return fmt.Errorf("stack %s: outputs of %s are not of the expected shape: %w", self, stack, err)
	}
	return nil
}

// deployCommand says how to deploy one stack of env.
func deployCommand(env, stack string) string {
	return fmt.Sprintf("`infra up %s --stack %s` (or pulumi up -s %s)", env, stack, stack)
}

var baseKeys = []string{"env", "azCount", "vpcId", "publicSubnetIds", "privateSubnetIds", "domain", "zoneId",
	"certificateArn", "amiId", "alertsTopicArn", "queue", "tiers", "schedules"}

func readBase(ctx *pulumi.Context, id topology.Identity) (BaseOutputs, error) {
	var base BaseOutputs
	name := topology.BaseStackName(id.Env)
	err := readStack(ctx, id, name, baseKeys, &base)
	if errors.Is(err, errNotDeployed) {
		return base, &ConfigError{Stack: id.Name, Problem: fmt.Sprintf("reads the outputs of %s, which is not deployed: run %s first", name, deployCommand(id.Env, name))}
	}
	if err != nil {
		return base, err
	}
	if len(base.PrivateSubnetIDs) < id.MinAZs() || len(base.PublicSubnetIDs) < id.MinAZs() {
		return base, fmt.Errorf("stack %s: base stack %s exports %d private and %d public subnets; %s needs at least %d AZs",
			id.Name, topology.BaseStackName(id.Env), len(base.PrivateSubnetIDs), len(base.PublicSubnetIDs), id.Env, id.MinAZs())
	}
	return base, nil
}

// scheduleOutputs exports the services' schedules in the shape of their
// config, for every copy stack to read through its StackReference.
func scheduleOutputs(schedules map[string][]ScheduleConfig) pulumi.Map {
	out := pulumi.Map{}
	for svc, list := range schedules {
		items := pulumi.Array{}
		for _, s := range list {
			items = append(items, pulumi.Map{
				"name": pulumi.String(s.Name), "recurrence": pulumi.String(s.Recurrence), "timeZone": pulumi.String(scheduleArgs(s).TimeZone),
				"capacity": pulumi.Map{"min": pulumi.Int(s.Capacity.Min), "max": pulumi.Int(s.Capacity.Max), "desired": pulumi.Int(s.Capacity.Desired)},
			})
		}
		out[svc] = items
	}
	return out
}
