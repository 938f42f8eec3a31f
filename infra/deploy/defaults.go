package deploy

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"gopkg.in/yaml.v3"

	"github.com/video-platform/video-platform/infra/awscheck"
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
		Pulumi: func(ctx context.Context) (Pulumi, error) {
			return Engine{Root: root}.Open(ctx)
		},
		AWS: func(ctx context.Context, env string) (awscheck.Checks, error) {
			var opts []func(*config.LoadOptions) error
			if os.Getenv("AWS_REGION") == "" && os.Getenv("AWS_DEFAULT_REGION") == "" {
				if region := envRegion(root, env); region != "" {
					opts = append(opts, config.WithRegion(region))
				}
			}
			cfg, err := config.LoadDefaultConfig(ctx, opts...)
			if err != nil {
				return nil, fmt.Errorf("load AWS config: %w", err)
			}
			return awscheck.New(cfg), nil
		},
		Clock:  RealClock{},
		Locker: FileLocker{Dir: lockDir(root)},
	}
}

// envRegion reads aws:region from the env's base stack config file, so an
// operator without AWS_REGION talks to the env's region.
func envRegion(root, env string) string {
	raw, err := os.ReadFile(filepath.Clean(filepath.Join(root, "Pulumi."+topology.BaseStackName(env)+".yaml")))
	if err != nil {
		return ""
	}
	var doc struct {
		Config map[string]any `yaml:"config"`
	}
	if yaml.Unmarshal(raw, &doc) != nil {
		return ""
	}
	r, _ := doc.Config["aws:region"].(string)
	return r
}
