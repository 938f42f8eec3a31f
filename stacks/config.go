package stacks

import (
	"fmt"
	"maps"
	"net"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/video-platform/video-platform/components/asgpool"
	"github.com/video-platform/video-platform/components/dnsrecords"
	"github.com/video-platform/video-platform/components/image"
	"github.com/video-platform/video-platform/components/loadbalancer"
	"github.com/video-platform/video-platform/components/queue"
	"github.com/video-platform/video-platform/components/transcoderfleet"
	"github.com/video-platform/video-platform/internal/contract"
	"github.com/video-platform/video-platform/internal/imagetag"
	"github.com/video-platform/video-platform/internal/topology"
)

// BaseConfig is the config of an env's base stack.
type BaseConfig struct {
	// Network either creates a VPC or adopts an existing one.
	Network NetworkConfig `json:"network"`
	// Domain is the env's domain and the hosted zone that serves it.
	Domain DomainConfig `json:"domain"`
	// Queue tunes the transcode job queue.
	Queue QueueConfig `json:"queue"`
	// AmiID pins the instances' image; empty looks up the newest Amazon
	// Linux 2023 image, which rolls every pool when Amazon publishes one.
	AmiID string `json:"amiId,omitempty"`
	// KeepImages is how many images each ECR repository keeps; nil takes
	// the image component's default.
	KeepImages *int `json:"keepImages,omitempty"`
	// AlertEmails are subscribed to the alerts topic. Prod needs at least
	// one subscriber: an address here or the webhook.
	AlertEmails []string `json:"alertEmails,omitempty"`
	// AlertsWebhook is the secret alertsWebhookUrl, nil when unset. A paging
	// webhook's URL embeds its credentials, so it is only ever a secret.
	AlertsWebhook *pulumi.StringOutput `json:"-"`
	// LaunchLoop is when replaced instances page as a launch loop.
	LaunchLoop LaunchLoopConfig `json:"launchLoop,omitempty"`
	// Schedules are the time-based capacity changes per blue-green service.
	// They belong to the service, not to a color: every copy of the service
	// that has capacity gets the same ones, so the copy a swap makes live
	// keeps the peak schedule, and an idle copy gets none, so that no
	// schedule ever wakes it.
	Schedules map[string][]ScheduleConfig `json:"schedules,omitempty"`
}

// NetworkConfig describes the env's network.
type NetworkConfig struct {
	// AzCount is how many Availability Zones the env spans.
	AzCount int `json:"azCount"`
	// Cidr is the VPC's block when the VPC is created; defaultCidr when the
	// config leaves it out.
	Cidr string `json:"cidr,omitempty"`
	// SingleNatGateway saves money outside prod at the cost of AZ independence.
	SingleNatGateway bool `json:"singleNatGateway,omitempty"`
	// Existing adopts a VPC instead of creating one.
	Existing *ExistingNetwork `json:"existing,omitempty"`
}

// ExistingNetwork is a VPC and subnets made elsewhere.
type ExistingNetwork struct {
	// VpcID is the VPC's ID.
	VpcID string `json:"vpcId"`
	// PublicSubnetIDs hold the load balancers, one per AZ.
	PublicSubnetIDs []string `json:"publicSubnetIds"`
	// PrivateSubnetIDs hold the instances, one per AZ.
	PrivateSubnetIDs []string `json:"privateSubnetIds"`
}

// DomainConfig names the env's domain.
type DomainConfig struct {
	// Name is the env's domain; services live at <service>.<name>.
	Name string `json:"name"`
	// ZoneID is the Route53 hosted zone serving Name.
	ZoneID string `json:"zoneId"`
}

// QueueConfig tunes the transcode job queue.
type QueueConfig struct {
	// JobTimeoutSeconds is the longest a transcode job may run.
	JobTimeoutSeconds int `json:"jobTimeoutSeconds"`
	// MaxReceiveCount is how often a job is tried before it goes to the
	// DLQ; nil takes the queue component's default.
	MaxReceiveCount *int `json:"maxReceiveCount,omitempty"`
	// OldestMessageAlarmSeconds pages when a job waits longer than this;
	// nil takes the queue component's default.
	OldestMessageAlarmSeconds *int `json:"oldestMessageAlarmSeconds,omitempty"`
}

// defaultCidr is the VPC's block when the config names none and adopts no
// VPC.
const defaultCidr = "10.0.0.0/16"

var (
	domainPattern = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$`)
	zoneIDPattern = regexp.MustCompile(`^Z[A-Z0-9]{1,31}$`)
	emailPattern  = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)
)

// imageArgs is the image component of a tier, as far as config decides it.
func imageArgs(env, tier string, keep *int) image.ImageArgs {
	return image.ImageArgs{Identity: contract.Identity{Env: env, Service: tier}, RepositoryName: topology.RepositoryName(env, tier), KeepLastImages: keep}
}

// queueArgs is the transcode job queue, as far as config decides it.
func queueArgs(env string, q QueueConfig) queue.QueueArgs {
	return queue.QueueArgs{
		Identity:                  contract.Identity{Env: env, Service: topology.TranscoderService},
		JobTimeoutSeconds:         q.JobTimeoutSeconds,
		MaxReceiveCount:           q.MaxReceiveCount,
		OldestMessageAlarmSeconds: q.OldestMessageAlarmSeconds,
	}
}

// Validate checks the base config of an env.
func (c BaseConfig) Validate(id topology.Identity) error {
	ch := newChecker(id.Name)
	n := c.Network
	ch.intRange("network.azCount", n.AzCount, id.MinAZs(), 6)
	// The IDs of an adopted VPC and its subnets are the network component's
	// to check (ch.network); how many subnets it needs is the env's.
	if n.Existing != nil {
		if len(n.Existing.PublicSubnetIDs) < n.AzCount {
			ch.fail("network.existing.publicSubnetIds", n.Existing.PublicSubnetIDs, fmt.Sprintf("at least azCount (%d) subnet IDs, one per AZ", n.AzCount))
		}
		if len(n.Existing.PrivateSubnetIDs) < n.AzCount {
			ch.fail("network.existing.privateSubnetIds", n.Existing.PrivateSubnetIDs, fmt.Sprintf("at least azCount (%d) subnet IDs, one per AZ", n.AzCount))
		}
		if n.Cidr != "" {
			ch.fail("network.cidr", n.Cidr, "no cidr when network.existing adopts a VPC")
		}
	} else if _, block, err := net.ParseCIDR(n.Cidr); err != nil || block.IP.To4() == nil {
		ch.fail("network.cidr", n.Cidr, "an IPv4 CIDR block such as 10.20.0.0/16")
	} else if ones, _ := block.Mask.Size(); ones > 20 || ones < 16 {
		ch.fail("network.cidr", n.Cidr, "a prefix length from /16 to /20, room for a public and a private subnet per AZ")
	}
	if id.Production() && n.SingleNatGateway {
		ch.fail("network.singleNatGateway", true, "false in prod: one NAT gateway per AZ keeps an AZ outage from cutting off the others")
	}
	ch.network(id, n)
	if !domainPattern.MatchString(c.Domain.Name) {
		ch.fail("domain.name", c.Domain.Name, "a lowercase DNS name such as prod.video.example.com")
	}
	// The DNS stack names every service <service>.<domain>, and each copy
	// blue. and green. under it.
	for _, svc := range id.Topology.ServiceNames() {
		for _, fe := range contract.FieldErrors(dnsrecords.ValidateHostname(defaultHostname(svc, c.Domain.Name))) {
			ch.fail("domain.name", c.Domain.Name, fmt.Sprintf("a domain under which %s is a hostname: %s", defaultHostname(svc, c.Domain.Name), fe.Accepted))
		}
	}
	if !zoneIDPattern.MatchString(c.Domain.ZoneID) {
		ch.fail("domain.zoneId", c.Domain.ZoneID, "a Route53 hosted zone ID such as Z0123456789ABCDEFGHIJ")
	}
	ch.component("queue", queueArgs(id.Env, c.Queue).Validate(), map[string]string{
		"JobTimeoutSeconds": "queue.jobTimeoutSeconds", "VisibilityTimeoutSeconds": "queue.jobTimeoutSeconds",
		"MaxReceiveCount": "queue.maxReceiveCount", "OldestMessageAlarmSeconds": "queue.oldestMessageAlarmSeconds",
	})
	for _, tier := range Tiers(id.Topology) {
		ch.component("image "+tier, imageArgs(id.Env, tier, c.KeepImages).Validate(), map[string]string{"KeepLastImages": "keepImages"})
	}
	if c.AmiID != "" && !strings.HasPrefix(c.AmiID, "ami-") {
		ch.fail("amiId", c.AmiID, "an AMI ID such as ami-0abc1234, or unset to look up Amazon Linux 2023")
	}
	for i, e := range c.AlertEmails {
		if !emailPattern.MatchString(e) {
			ch.fail(fmt.Sprintf("alertEmails[%d]", i), e, "an email address")
		}
	}
	// An alarm that reaches nobody is no alarm: prod pages someone.
	if id.Production() && len(c.AlertEmails) == 0 && c.AlertsWebhook == nil {
		ch.fail("alertEmails", nil, "at least one address in prod, or the secret "+ProjectName+":alertsWebhookUrl, so that alarms reach someone")
	}
	ch.launchLoop(c.LaunchLoop)
	for _, svc := range slices.Sorted(maps.Keys(c.Schedules)) {
		if _, ok := id.Topology.Services[svc]; !ok {
			ch.fail("schedules."+svc, c.Schedules[svc], "a key per blue-green service: "+strings.Join(id.Topology.ServiceNames(), ", "))
			continue
		}
		seen := map[string]bool{}
		for i, s := range c.Schedules[svc] {
			key := fmt.Sprintf("schedules.%s[%d]", svc, i)
			ch.schedule(key, s)
			// Each becomes a scheduled action named after it on the same
			// group, and AWS keeps one action per name.
			if seen[s.Name] {
				ch.fail(key+".name", s.Name, "a name used once per service")
			}
			seen[s.Name] = true
		}
	}
	return ch.err()
}

// Capacity is an ASG's size.
type Capacity struct {
	// Min is the least number of instances.
	Min int `json:"min"`
	// Max is the most.
	Max int `json:"max"`
	// Desired is the starting number; scaling policies own it afterwards.
	Desired int `json:"desired"`
}

// ScheduleConfig is time-based capacity for every copy of a service that
// has capacity (see BaseConfig.Schedules).
type ScheduleConfig struct {
	// Name identifies the schedule.
	Name string `json:"name"`
	// Recurrence is a five-field cron expression.
	Recurrence string `json:"recurrence"`
	// TimeZone is an IANA zone; nil takes the AsgPool's default (UTC).
	TimeZone *string `json:"timeZone,omitempty"`
	// Capacity is the size the schedule sets.
	Capacity Capacity `json:"capacity"`
}

// ScalingConfig is a copy's target tracking.
type ScalingConfig struct {
	// Metric is "cpu" or "alb-requests".
	Metric string `json:"metric"`
	// Target is the CPU percentage or requests per target.
	Target float64 `json:"target"`
}

// CopyConfig is the config of one copy of a service. It has no schedules:
// those belong to the service and live in the base stack's
// video-platform:schedules (BaseConfig.Schedules).
type CopyConfig struct {
	// Release is the image tag this copy runs.
	Release string `json:"release"`
	// Capacity is the copy's size; all zero is an idle copy that keeps its
	// load balancer so that bringing it back is fast.
	Capacity Capacity `json:"capacity"`
	// InstanceType is the EC2 type of the copy's instances.
	InstanceType string `json:"instanceType"`
	// Scaling overrides the service's default target tracking.
	Scaling *ScalingConfig `json:"scaling,omitempty"`
	// DeletionProtection guards the copy's load balancer; default on.
	// `infra destroy` turns it off in an update of its own just before it
	// destroys an idle copy, and nothing else should.
	DeletionProtection *bool `json:"deletionProtection,omitempty"`
	// Alarms are the thresholds of the copy's health alarms, which page the
	// env's alerts topic and which `infra release` watches after a swap.
	// A key left out takes the load balancer component's default.
	Alarms *AlarmConfig `json:"alarms,omitempty"`
}

// AlarmConfig maps to loadbalancer.Alarms field by field; the component
// owns the defaults and what is accepted.
type AlarmConfig struct {
	ErrorRatePercent  *float64 `json:"errorRatePercent,omitempty"`
	UnhealthyHosts    *int     `json:"unhealthyHosts,omitempty"`
	P99LatencySeconds *float64 `json:"p99LatencySeconds,omitempty"`
	EvaluationMinutes *int     `json:"evaluationMinutes,omitempty"`
}

// alarms maps the config to the component's Args.
func (c CopyConfig) alarms() loadbalancer.Alarms {
	if c.Alarms == nil {
		return loadbalancer.Alarms{}
	}
	return loadbalancer.Alarms{ErrorRatePercent: c.Alarms.ErrorRatePercent, UnhealthyHosts: c.Alarms.UnhealthyHosts,
		P99LatencySeconds: c.Alarms.P99LatencySeconds, EvaluationMinutes: c.Alarms.EvaluationMinutes}
}

// scaling is the copy's target tracking, nil when the config leaves it to
// the service's default.
func (c CopyConfig) scaling() *asgpool.TargetTracking {
	if c.Scaling == nil {
		return nil
	}
	return &asgpool.TargetTracking{Metric: c.Scaling.Metric, TargetValue: c.Scaling.Target}
}

// copyIdentity is who a copy's components are declared for.
func copyIdentity(id topology.Identity) contract.Identity {
	return contract.Identity{Env: id.Env, Service: id.Service, Color: id.Color, Tags: map[string]string{contract.TagTier: contract.TierCopy}}
}

// poolArgs is a copy's AsgPool, as far as config decides it.
func (c CopyConfig) poolArgs(id topology.Identity) asgpool.AsgPoolArgs {
	return asgpool.AsgPoolArgs{
		Identity: copyIdentity(id), Release: c.Release, InstanceType: c.InstanceType, MinAZs: id.MinAZs(),
		MinSize: c.Capacity.Min, MaxSize: c.Capacity.Max, DesiredCapacity: c.Capacity.Desired,
		Scaling: c.scaling(),
	}
}

// Validate checks a copy's config.
func (c CopyConfig) Validate(id topology.Identity) error {
	ch := newChecker(id.Name)
	ch.component("asgpool", c.poolArgs(id).Validate(), map[string]string{
		"Release": "copy.release", "InstanceType": "copy.instanceType", "MinSize/DesiredCapacity/MaxSize": "copy.capacity",
		"Scaling.Metric": "copy.scaling.metric", "Scaling.TargetValue": "copy.scaling.target",
	})
	ch.component("loadbalancer", c.alarms().Validate(), map[string]string{
		"ErrorRatePercent": "copy.alarms.errorRatePercent", "UnhealthyHosts": "copy.alarms.unhealthyHosts",
		"P99LatencySeconds": "copy.alarms.p99LatencySeconds", "EvaluationMinutes": "copy.alarms.evaluationMinutes",
	})
	return ch.err()
}

// scheduleArgs is the AsgPool schedule of a configured one.
func scheduleArgs(s ScheduleConfig) asgpool.Schedule {
	out := asgpool.Schedule{Name: s.Name, Recurrence: s.Recurrence,
		MinSize: s.Capacity.Min, MaxSize: s.Capacity.Max, DesiredCapacity: s.Capacity.Desired}
	if s.TimeZone != nil {
		out.TimeZone = *s.TimeZone
	}
	return out
}

func (ch *checker) schedule(key string, s ScheduleConfig) {
	// The AsgPool reads "" as UTC; written out, it is a time zone left
	// blank, not one chosen.
	if s.TimeZone != nil && *s.TimeZone == "" {
		ch.fail(key+".timeZone", "", "an IANA time zone such as Europe/Berlin; leave timeZone out for UTC")
	}
	ch.component("asgpool", scheduleArgs(s).Validate(), map[string]string{
		"Name": key + ".name", "Recurrence": key + ".recurrence", "TimeZone": key + ".timeZone",
		"MinSize/DesiredCapacity/MaxSize": key + ".capacity",
	})
}

// TranscodersConfig is the config of an env's transcoder fleet.
type TranscodersConfig struct {
	// Active is the release that takes new jobs.
	Active string `json:"active"`
	// Warming is a new release proving it is ready before it becomes
	// active: its group runs at full capacity beside the active one and
	// both take jobs. `infra roll` sets it, waits until every instance is
	// in service, then makes it active and the old one draining.
	Warming string `json:"warming,omitempty"`
	// Draining are older releases finishing their in-flight jobs.
	Draining []string `json:"draining,omitempty"`
	// MaxDraining caps how many draining groups may be kept;
	// contract.DefaultMaxDraining when the config leaves it out.
	MaxDraining int `json:"maxDraining,omitempty"`
	// InstanceTypes are the spot pool's compute-optimized types.
	InstanceTypes []string `json:"instanceTypes"`
	// Capacity is the active group's size.
	Capacity Capacity `json:"capacity"`
	// OnDemandBase is how many instances are always on-demand; nil takes
	// the fleet component's default.
	OnDemandBase *int `json:"onDemandBase,omitempty"`
	// OnDemandPercentageAboveBase is the on-demand share above the base.
	OnDemandPercentageAboveBase int `json:"onDemandPercentageAboveBase,omitempty"`
	// AverageJobSeconds is how long a job takes on average.
	AverageJobSeconds float64 `json:"averageJobSeconds"`
	// AcceptableLatencySeconds is how long a job may wait in the queue.
	AcceptableLatencySeconds float64 `json:"acceptableLatencySeconds"`
	// JobHeartbeatSeconds is how long a leaving instance may finish its
	// job; nil takes the fleet component's default.
	JobHeartbeatSeconds *int `json:"jobHeartbeatSeconds,omitempty"`
}

// fleetArgs is the fleet of one release, as far as config decides it.
func fleetArgs(env string, c TranscodersConfig, release string, draining bool) transcoderfleet.TranscoderFleetArgs {
	return transcoderfleet.TranscoderFleetArgs{
		Identity: contract.Identity{Env: env}, Release: release, Draining: draining,
		InstanceTypes:               c.InstanceTypes,
		OnDemandBaseCapacity:        c.OnDemandBase,
		OnDemandPercentageAboveBase: c.OnDemandPercentageAboveBase,
		MinSize:                     c.Capacity.Min, MaxSize: c.Capacity.Max, DesiredCapacity: c.Capacity.Desired,
		JobHeartbeatSeconds:      c.JobHeartbeatSeconds,
		AverageJobSeconds:        c.AverageJobSeconds,
		AcceptableLatencySeconds: c.AcceptableLatencySeconds,
	}
}

// fleetKeys maps the fields of a fleet's args to the transcoders keys.
var fleetKeys = map[string]string{
	"InstanceTypes": "transcoders.instanceTypes", "OnDemandBaseCapacity": "transcoders.onDemandBase",
	"OnDemandPercentageAboveBase": "transcoders.onDemandPercentageAboveBase",
	"MinSize":                     "transcoders.capacity.min", "MinSize/DesiredCapacity/MaxSize": "transcoders.capacity",
	"JobHeartbeatSeconds": "transcoders.jobHeartbeatSeconds", "AverageJobSeconds": "transcoders.averageJobSeconds",
	"AcceptableLatencySeconds": "transcoders.acceptableLatencySeconds",
}

// Validate checks the transcoder fleet's config: which releases run and
// how many drain are the stack's rules, everything a fleet takes is the
// fleet component's.
func (c TranscodersConfig) Validate(id topology.Identity) error {
	ch := newChecker(id.Name)
	switch {
	case c.Warming == "":
	case c.Warming == c.Active:
		ch.fail("transcoders.warming", c.Warming, "a release other than the active one ("+c.Active+")")
	case slices.Contains(c.Draining, c.Warming):
		ch.fail("transcoders.warming", c.Warming, "a release that is not draining")
	}
	seen := map[string]bool{}
	for i, r := range c.Draining {
		key := fmt.Sprintf("transcoders.draining[%d]", i)
		switch {
		case r == c.Active:
			ch.fail(key, r, "releases other than the active one ("+c.Active+"); a release is either active or draining")
		case seen[r]:
			ch.fail(key, r, "each draining release once")
		}
		seen[r] = true
	}
	ch.intRange("transcoders.maxDraining", c.MaxDraining, 1, 5)
	if len(c.Draining) > c.MaxDraining {
		ch.fail("transcoders.draining", c.Draining, fmt.Sprintf("at most maxDraining (%d) releases; remove drained ones with `infra roll --gc`", c.MaxDraining))
	}
	if least := contract.MinOnDemandBaseCapacity(id.Production()); c.OnDemandBase != nil && *c.OnDemandBase < least {
		ch.fail("transcoders.onDemandBase", *c.OnDemandBase, fmt.Sprintf("at least %d in %s, a production env, so a spot drought never stops transcoding", least, id.Env))
	}
	// Every release is a fleet: the active one (and a warming one, the
	// same but for its release) checks what the draining ones do and more.
	releases := map[string]string{"transcoders.active": c.Active}
	if c.Warming != "" {
		releases["transcoders.warming"] = c.Warming
	}
	for i, r := range c.Draining {
		releases[fmt.Sprintf("transcoders.draining[%d]", i)] = r
	}
	for _, key := range slices.Sorted(maps.Keys(releases)) {
		keys := maps.Clone(fleetKeys)
		keys["Release"] = key
		draining := strings.HasPrefix(key, "transcoders.draining")
		ch.component("transcoderfleet", fleetArgs(id.Env, c, releases[key], draining).Validate(), keys)
	}
	return ch.err()
}

// PreviousLive records the color a swap moved away from, so a rollback
// knows where to go back to.
type PreviousLive struct {
	// Color was live before the last swap.
	Color string `json:"color"`
	// SwappedAt is when the swap happened, RFC 3339.
	SwappedAt string `json:"swappedAt"`
	// Release is what Color ran when it was swapped out. Housekeeping
	// retires that copy only while it still runs it: a new release staged
	// on the idle copy is not the copy the swap left behind.
	Release string `json:"release,omitempty"`
}

// DNSConfig is the config of an env's DNS stack.
type DNSConfig struct {
	// Live is the live color per service. A swap changes one entry.
	Live map[string]string `json:"live"`
	// Canary is the percent (0-100) of traffic for the other color.
	Canary map[string]int `json:"canary,omitempty"`
	// Previous is recorded by `infra swap`.
	Previous map[string]PreviousLive `json:"previous,omitempty"`
	// Hostnames override <service>.<domain>.
	Hostnames map[string]string `json:"hostnames,omitempty"`
}

// Validate checks the DNS config.
func (c DNSConfig) Validate(id topology.Identity) error {
	ch := newChecker(id.Name)
	for _, svc := range id.Topology.ServiceNames() {
		live, ok := c.Live[svc]
		if !ok {
			ch.fail("live."+svc, nil, "blue or green")
			continue
		}
		ch.oneOf("live."+svc, live, topology.Colors...)
	}
	for _, svc := range slices.Sorted(maps.Keys(c.Live)) {
		if _, ok := id.Topology.Services[svc]; !ok {
			ch.fail("live."+svc, c.Live[svc], "a key per service: "+strings.Join(id.Topology.ServiceNames(), ", "))
		}
	}
	for _, svc := range slices.Sorted(maps.Keys(c.Canary)) {
		if _, ok := id.Topology.Services[svc]; !ok {
			ch.fail("canary."+svc, c.Canary[svc], "a key per service: "+strings.Join(id.Topology.ServiceNames(), ", "))
		}
		ch.intRange("canary."+svc, c.Canary[svc], 0, 100)
	}
	for _, svc := range slices.Sorted(maps.Keys(c.Previous)) {
		p := c.Previous[svc]
		ch.oneOf("previous."+svc+".color", p.Color, topology.Colors...)
		if _, err := time.Parse(time.RFC3339, p.SwappedAt); err != nil {
			ch.fail("previous."+svc+".swappedAt", p.SwappedAt, "an RFC 3339 time such as 2026-11-22T10:00:00Z")
		}
		if p.Release != "" && imagetag.CheckRelease(p.Release) != nil {
			ch.fail("previous."+svc+".release", p.Release, "the image tag the previous color ran")
		}
	}
	for _, svc := range slices.Sorted(maps.Keys(c.Hostnames)) {
		if _, ok := id.Topology.Services[svc]; !ok {
			ch.fail("hostnames."+svc, c.Hostnames[svc], "a key per service: "+strings.Join(id.Topology.ServiceNames(), ", "))
		}
		ch.component("dnsrecords", dnsrecords.ValidateHostname(c.Hostnames[svc]), map[string]string{"Hostname": "hostnames." + svc})
	}
	return ch.err()
}
