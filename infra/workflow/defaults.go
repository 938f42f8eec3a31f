package workflow

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/video-platform/video-platform/infra/awscheck"
	"github.com/video-platform/video-platform/infra/engine"
	"github.com/video-platform/video-platform/infra/envlock"
	"github.com/video-platform/video-platform/internal/stackconfig"
	"github.com/video-platform/video-platform/internal/topology"
)

// RealClock is the wall clock.
type RealClock struct{}

// Now implements Clock.
func (RealClock) Now() time.Time { return time.Now() }

// Sleep implements Clock.
func (RealClock) Sleep(ctx context.Context, d time.Duration) error { return awscheck.Sleep(ctx, d) }

// DefaultDeps builds the real collaborators for the repo at root. DryRun is
// left nil: the integration owner wires the offline synth+diff in.
func DefaultDeps(root string) Deps {
	return Deps{
		Root: root,
		Pulumi: func(ctx context.Context) (engine.Pulumi, error) {
			return engine.Engine{Root: root}.Open(ctx)
		},
		AWS: func(ctx context.Context, env string) (awscheck.Checks, error) {
			cfg, err := awsConfig(ctx, root, env)
			if err != nil {
				return awscheck.Checks{}, err
			}
			return awscheck.New(cfg), nil
		},
		LockTable: func(ctx context.Context, env string) (envlock.Table, error) {
			cfg, err := awsConfig(ctx, root, env)
			if err != nil {
				return nil, err
			}
			return envlock.NewTable(cfg, ""), nil
		},
		Clock:  RealClock{},
		Locker: envlock.FileLocker{Dir: envlock.Dir(root)},
	}
}

// awsConfig is the SDK's default config (credentials, retries) in the
// env's region unless AWS_REGION or AWS_DEFAULT_REGION says otherwise.
func awsConfig(ctx context.Context, root, env string) (aws.Config, error) {
	var opts []func(*config.LoadOptions) error
	if os.Getenv("AWS_REGION") == "" && os.Getenv("AWS_DEFAULT_REGION") == "" {
		if region := envRegion(root, env); region != "" {
			opts = append(opts, config.WithRegion(region))
		}
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return aws.Config{}, fmt.Errorf("load AWS config: %w", err)
	}
	return cfg, nil
}

// envRegion reads aws:region from the env's base stack config file, with
// the SDK's loader (internal/stackconfig), so an operator without
// AWS_REGION talks to the env's region. Any problem reading it leaves the
// SDK's own region resolution in charge.
func envRegion(root, env string) string {
	p, err := stackconfig.LoadProject(root)
	if err != nil {
		return ""
	}
	st, err := p.LoadStack(topology.BaseStackName(env))
	if err != nil {
		return ""
	}
	k, err := p.Key("aws:region")
	if err != nil {
		return ""
	}
	region, _, _ := st.String(k)
	return region
}
