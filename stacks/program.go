package stacks

import (
	"errors"
	"fmt"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/video-platform/video-platform/internal/contract"
	"github.com/video-platform/video-platform/internal/topology"
)

// Main is the Pulumi program body, shared by the binary (main.go) and the
// rehearsal, which runs it inline through the Automation API. Exports are
// made even when the stack fails partway, so that what was declared stays
// readable.
func Main(ctx *pulumi.Context) error {
	outputs, err := Program(ctx)
	for name, value := range outputs {
		ctx.Export(name, value)
	}
	return err
}

// Program selects the stack function from the stack name, reads and
// validates its config, and returns the stack's exports. Nothing but the
// StackReferences it reads is registered before the config has passed
// validation.
func Program(ctx *pulumi.Context) (pulumi.Map, error) {
	topo, err := LoadTopology(ctx)
	if err != nil {
		return nil, err
	}
	id, err := topo.Parse(ctx.Stack())
	var unknown *topology.UnknownStackError
	if errors.As(err, &unknown) {
		return nil, &ConfigError{Stack: unknown.Name, Problem: unknown.Detail}
	}
	if err != nil {
		return nil, err
	}
	if err := checkRegion(ctx, id); err != nil {
		return nil, err
	}
	keysErr := checkKeys(ctx, id)
	switch id.Kind {
	case topology.KindBase:
		cfg, err := LoadBaseConfig(ctx, id)
		if err = errors.Join(keysErr, err); err != nil {
			return nil, err
		}
		base, err := Base(ctx, id, cfg)
		if err != nil {
			return nil, err
		}
		return base.Outputs, nil
	case topology.KindCopy:
		cfg, err := LoadCopyConfig(ctx, id)
		if err = errors.Join(keysErr, err); err != nil {
			return nil, err
		}
		cp, err := Copy(ctx, id, cfg)
		if err != nil {
			return nil, err
		}
		return cp.Outputs, nil
	case topology.KindTranscoders:
		cfg, err := LoadTranscodersConfig(ctx, id)
		if err = errors.Join(keysErr, err); err != nil {
			return nil, err
		}
		tr, err := Transcoders(ctx, id, cfg)
		if err != nil {
			return nil, err
		}
		return tr.Outputs, nil
	case topology.KindDNS:
		cfg, err := LoadDNSConfig(ctx, id)
		if err = errors.Join(keysErr, err); err != nil {
			return nil, err
		}
		dns, err := DNS(ctx, id, cfg)
		if err != nil {
			return nil, err
		}
		return dns.Outputs, nil
	default:
		return nil, fmt.Errorf("stack %s: kind %q has no stack function", id.Name, id.Kind)
	}
}

// LoadTopology reads the project's declared topology (Pulumi.yaml's
// video-platform:topology, which every stack receives); each bad value is
// a *ConfigError naming its path.
func LoadTopology(ctx *pulumi.Context) (*topology.Topology, error) {
	raw, _ := ctx.GetConfig(ProjectName + ":" + topology.ConfigKey)
	topo, err := topology.Decode(raw)
	if err != nil {
		return nil, topologyError(ctx.Stack(), err)
	}
	return topo, nil
}

// topologyError turns the topology's declaration errors into config
// errors of the stack being run.
func topologyError(stack string, err error) error {
	var errs []error
	for _, e := range unjoin(err) {
		var de *topology.DeclError
		if !errors.As(e, &de) {
			errs = append(errs, e)
			continue
		}
		ce := &ConfigError{Stack: stack[strings.LastIndex(stack, "/")+1:], Key: ProjectName + ":" + topology.ConfigKey + "." + de.Path,
			Value: de.Value, Problem: de.Problem, Accepted: de.Accepted}
		if ce.Problem != "" {
			ce.Problem = de.Statement() + " (declared in Pulumi.yaml)"
		}
		errs = append(errs, ce)
	}
	return errors.Join(errs...)
}

func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// checkRegion refuses a stack whose aws:region is not its env's declared
// region: the default provider deploys where aws:region says, and every
// stack of an env must share one region.
func checkRegion(ctx *pulumi.Context, id topology.Identity) error {
	region, _ := ctx.GetConfig("aws:region")
	if region == id.Region() {
		return nil
	}
	return &ConfigError{Stack: id.Name, Key: "aws:region", Value: region,
		Accepted: fmt.Sprintf("%q, the region Pulumi.yaml's %s:%s declares for env %s", id.Region(), ProjectName, topology.ConfigKey, id.Env)}
}

// LoadBaseConfig reads and validates a base stack's config.
func LoadBaseConfig(ctx *pulumi.Context, id topology.Identity) (BaseConfig, error) {
	r := newReader(ctx, id)
	cfg := BaseConfig{LaunchLoop: DefaultLaunchLoop()}
	r.object("network", true, &cfg.Network)
	r.object("domain", true, &cfg.Domain)
	r.object("queue", true, &cfg.Queue)
	r.object("keepImages", false, &cfg.KeepImages)
	r.object("alertEmails", false, &cfg.AlertEmails)
	r.object("launchLoop", false, &cfg.LaunchLoop)
	r.object("schedules", false, &cfg.Schedules)
	cfg.AmiID = r.text("amiId")
	cfg.AlertsWebhook = r.secret("alertsWebhookUrl")
	if err := r.err(); err != nil {
		return cfg, err
	}
	if cfg.Network.Existing == nil && !r.present["network.cidr"] {
		cfg.Network.Cidr = defaultCidr
	}
	return cfg, r.unset(cfg.Validate(id))
}

// LoadCopyConfig reads and validates a service copy's config.
func LoadCopyConfig(ctx *pulumi.Context, id topology.Identity) (CopyConfig, error) {
	r := newReader(ctx, id)
	var cfg CopyConfig
	r.object("copy", true, &cfg)
	// A copy that kept the copy.schedules of before schedules moved to the
	// base stack would silently lose them, and the other copy of the
	// service would still have none: the error says where they went.
	for _, err := range r.errs {
		if ce, ok := err.(*ConfigError); ok && ce.Key == ProjectName+":copy.schedules" {
			base := topology.BaseStackName(id.Env)
			ce.Problem = fmt.Sprintf("is not a field of %s:copy any more: schedules belong to the service and now live in the base stack's %s:schedules.%s (Pulumi.%s.yaml), "+
				"applied to every copy of %s that has capacity; move them there and remove copy.schedules", ProjectName, ProjectName, id.Service, base, id.Service)
			ce.Accepted = ""
		}
	}
	if err := r.err(); err != nil {
		return cfg, err
	}
	return cfg, r.unset(cfg.Validate(id))
}

// LoadTranscodersConfig reads and validates the transcoder fleet's config.
func LoadTranscodersConfig(ctx *pulumi.Context, id topology.Identity) (TranscodersConfig, error) {
	r := newReader(ctx, id)
	cfg := TranscodersConfig{MaxDraining: contract.DefaultMaxDraining}
	r.object("transcoders", true, &cfg)
	if err := r.err(); err != nil {
		return cfg, err
	}
	return cfg, r.unset(cfg.Validate(id))
}

// LoadDNSConfig reads and validates the DNS stack's config.
func LoadDNSConfig(ctx *pulumi.Context, id topology.Identity) (DNSConfig, error) {
	r := newReader(ctx, id)
	var cfg DNSConfig
	r.object("live", true, &cfg.Live)
	r.object("canary", false, &cfg.Canary)
	r.object("previous", false, &cfg.Previous)
	r.object("hostnames", false, &cfg.Hostnames)
	if err := r.err(); err != nil {
		return cfg, err
	}
	return cfg, r.unset(cfg.Validate(id))
}
