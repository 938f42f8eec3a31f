package stacks

import (
	"github.com/video-platform/video-platform/internal/topology"

	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"
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
// validates its config, and returns the stack's exports. Nothing is
// registered before the config has passed validation.
func Program(ctx *pulumi.Context) (pulumi.Map, error) {
	id, err := topology.Parse(ctx.Stack())
	if err != nil {
		return nil, err
	}
	switch id.Kind {
	case topology.KindBase:
		cfg, err := LoadBaseConfig(ctx, id)
		if err != nil {
			return nil, err
		}
		base, err := Base(ctx, id, cfg)
		if err != nil {
			return nil, err
		}
		return base.Outputs, nil
	case topology.KindCopy:
		cfg, err := LoadCopyConfig(ctx, id)
		if err != nil {
			return nil, err
		}
		cp, err := Copy(ctx, id, cfg)
		if err != nil {
			return nil, err
		}
		return cp.Outputs, nil
	case topology.KindTranscoders:
		cfg, err := LoadTranscodersConfig(ctx, id)
		if err != nil {
			return nil, err
		}
		tr, err := Transcoders(ctx, id, cfg)
		if err != nil {
			return nil, err
		}
		return tr.Outputs, nil
	case topology.KindDNS:
		cfg, err := LoadDNSConfig(ctx, id)
		if err != nil {
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

// LoadBaseConfig reads and validates a base stack's config.
func LoadBaseConfig(ctx *pulumi.Context, id topology.Identity) (BaseConfig, error) {
	var cfg BaseConfig
	if err := readObject(ctx, id.Name, "network", true, &cfg.Network); err != nil {
		return cfg, err
	}
	if err := readObject(ctx, id.Name, "domain", true, &cfg.Domain); err != nil {
		return cfg, err
	}
	if err := readObject(ctx, id.Name, "queue", true, &cfg.Queue); err != nil {
		return cfg, err
	}
	if err := readObject(ctx, id.Name, "alertEmails", false, &cfg.AlertEmails); err != nil {
		return cfg, err
	}
	if err := readObject(ctx, id.Name, "schedules", false, &cfg.Schedules); err != nil {
		return cfg, err
	}
	cfg.LaunchLoop = DefaultLaunchLoop()
	if err := readObject(ctx, id.Name, "launchLoop", false, &cfg.LaunchLoop); err != nil {
		return cfg, err
	}
	if webhook, err := config.TrySecret(ctx, "alertsWebhookUrl"); err == nil {
		cfg.AlertsWebhook = &webhook
	}
	cfg.AmiID = readString(ctx, "amiId")
	if raw := readString(ctx, "keepImages"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil {
			return cfg, &ConfigError{Stack: id.Name, Key: ProjectName + ":keepImages", Value: raw, Accepted: "an integer from 1 to 1000"}
		}
		cfg.KeepImages = n
	}
	cfg.applyDefaults()
	return cfg, cfg.Validate(id)
}

// copyFile is a copy's config as its stack file may still write it: with
// the copy.schedules of before schedules moved to the base stack. Reading
// the key, rather than rejecting it as an unknown field, lets the error say
// where the schedules went.
type copyFile struct {
	CopyConfig
	Schedules json.RawMessage `json:"schedules,omitempty"`
}

// LoadCopyConfig reads and validates a service copy's config.
func LoadCopyConfig(ctx *pulumi.Context, id topology.Identity) (CopyConfig, error) {
	var file copyFile
	if err := readObject(ctx, id.Name, "copy", true, &file); err != nil {
		return file.CopyConfig, err
	}
	cfg := file.CopyConfig
	base := topology.BaseStackName(id.Env)
	var errs []error
	// A copy that kept its own schedules would silently lose them, and the
	// other copy of the service would still have none.
	if len(file.Schedules) > 0 {
		errs = append(errs, &ConfigError{Stack: id.Name, Key: ProjectName + ":copy.schedules", Value: file.Schedules,
			Accepted: fmt.Sprintf("no schedules in a copy stack: schedules belong to the service and now live in the base stack's %s:schedules.%s (Pulumi.%s.yaml), "+
				"applied to every copy of %s that has capacity; move them there and remove copy.schedules", ProjectName, id.Service, base, id.Service)})
	}
	// Pulumi.yaml declares schedules with a default of {}, so every stack
	// has the key; only the base stack reads it.
	var own map[string]any
	if err := readObject(ctx, id.Name, "schedules", false, &own); err != nil {
		return cfg, err
	}
	if len(own) > 0 {
		errs = append(errs, &ConfigError{Stack: id.Name, Key: ProjectName + ":schedules", Value: own,
			Accepted: fmt.Sprintf("unset in a copy stack: %s:schedules is read from the base stack %s (Pulumi.%s.yaml) only", ProjectName, base, base)})
	}
	errs = append(errs, cfg.Validate(id))
	return cfg, errors.Join(errs...)
}

// LoadTranscodersConfig reads and validates the transcoder fleet's config.
func LoadTranscodersConfig(ctx *pulumi.Context, id topology.Identity) (TranscodersConfig, error) {
	var cfg TranscodersConfig
	if err := readObject(ctx, id.Name, "transcoders", true, &cfg); err != nil {
		return cfg, err
	}
	cfg.applyDefaults()
	return cfg, cfg.Validate(id)
}

// LoadDNSConfig reads and validates the DNS stack's config.
func LoadDNSConfig(ctx *pulumi.Context, id topology.Identity) (DNSConfig, error) {
	var cfg DNSConfig
	if err := readObject(ctx, id.Name, "live", true, &cfg.Live); err != nil {
		return cfg, err
	}
	optional := []struct {
		key string
		out any
	}{{"canary", &cfg.Canary}, {"previous", &cfg.Previous}, {"hostnames", &cfg.Hostnames}}
	for _, o := range optional {
		if err := readObject(ctx, id.Name, o.key, false, o.out); err != nil {
			return cfg, err
		}
	}
	return cfg, cfg.Validate(id)
}
