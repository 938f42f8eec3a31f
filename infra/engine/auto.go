package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/events"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optdestroy"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/opthistory"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optpreview"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/video-platform/video-platform/infra/observed"
)

// AutoPulumi implements Pulumi with the Automation API on a LocalWorkspace.
type AutoPulumi struct {
	ws auto.Workspace
	// mu serializes stack selection: `pulumi stack select` rewrites the
	// workspace's current-stack file, which parallel runs would race on.
	mu sync.Mutex
}

var _ Pulumi = (*AutoPulumi)(nil)

// FindCLI returns the Pulumi CLI to use: $PULUMI_CLI, then the one
// .ci/pulumi-cli.sh builds into <root>/.cache/pulumi-cli/bin/pulumi, then
// pulumi on PATH.
func FindCLI(root string) (string, error) {
	if p := os.Getenv("PULUMI_CLI"); p != "" {
		if _, err := os.Stat(p); err != nil { //nolint:gosec // PULUMI_CLI is the operator's own choice of CLI binary; Stat only checks that it exists
			return "", fmt.Errorf("PULUMI_CLI=%s: %w", p, err)
		}
		return p, nil
	}
	built := filepath.Join(root, ".cache", "pulumi-cli", "bin", "pulumi")
	if _, err := os.Stat(built); err == nil {
		return built, nil
	}
	p, err := exec.LookPath("pulumi")
	if err != nil {
		return "", fmt.Errorf("no Pulumi CLI: set PULUMI_CLI, run .ci/pulumi-cli.sh, or put pulumi on PATH: %w", err)
	}
	return p, nil
}

// CLICommand wraps a CLI binary for the Automation API, which wants the
// directory above bin/.
func CLICommand(cli string) (auto.PulumiCommand, error) {
	if filepath.Base(filepath.Dir(cli)) != "bin" || filepath.Base(cli) != "pulumi" {
		return nil, fmt.Errorf("pulumi CLI %s must be at <dir>/bin/pulumi", cli)
	}
	return auto.NewPulumiCommand(&auto.PulumiCommandOptions{Root: filepath.Dir(filepath.Dir(cli))})
}

// Engine says how to reach the Pulumi engine for the project at Root.
type Engine struct {
	// Root is the project directory: Pulumi.yaml and the stack files.
	Root string
	// CLI is the pulumi binary; empty means FindCLI(Root).
	CLI string
	// Program, when set, runs the stacks in this process through the
	// Automation API instead of the project's language runtime, so that no
	// pulumi-language-go is needed (the rehearsal runs this way).
	Program pulumi.RunFunc
	// Home is PULUMI_HOME (plugins, credentials); empty means the user's.
	Home string
	// Env adds environment variables for the CLI and the plugins it starts:
	// the backend URL, the passphrase, plugin discovery switches.
	Env map[string]string
}

// Open opens the project's workspace on this engine.
func (e Engine) Open(ctx context.Context) (*AutoPulumi, error) {
	cli := e.CLI
	if cli == "" {
		found, err := FindCLI(e.Root)
		if err != nil {
			return nil, err
		}
		cli = found
	}
	cmd, err := CLICommand(cli)
	if err != nil {
		return nil, err
	}
	opts := []auto.LocalWorkspaceOption{auto.WorkDir(e.Root), auto.Pulumi(cmd)}
	if e.Program != nil {
		opts = append(opts, auto.Program(e.Program))
	}
	if e.Home != "" {
		opts = append(opts, auto.PulumiHome(e.Home))
	}
	if len(e.Env) > 0 {
		opts = append(opts, auto.EnvVars(e.Env))
	}
	return NewAutoPulumi(ctx, opts...)
}

// NewAutoPulumi opens a LocalWorkspace; pass auto.WorkDir(root) for the
// repo's project, plus auto.Pulumi(cmd) and auto.EnvVars as needed.
func NewAutoPulumi(ctx context.Context, opts ...auto.LocalWorkspaceOption) (*AutoPulumi, error) {
	ws, err := auto.NewLocalWorkspace(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("open workspace: %w", err)
	}
	return &AutoPulumi{ws: ws}, nil
}

// Version is the CLI's version, e.g. "v3.200.0".
func (p *AutoPulumi) Version() string { return p.ws.PulumiVersion() }

// Workspace is the Automation API workspace, for creating stacks.
func (p *AutoPulumi) Workspace() auto.Workspace { return p.ws }

// Stack implements Pulumi.
func (p *AutoPulumi) Stack(ctx context.Context, name string) (Stack, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	s, err := auto.SelectStack(ctx, name, p.ws)
	if err != nil {
		if auto.IsSelectStack404Error(err) {
			return nil, fmt.Errorf("%s: %w", name, ErrNoStack)
		}
		return nil, err
	}
	return &AutoStack{s: s}, nil
}

// AutoStack implements Stack on an auto.Stack.
type AutoStack struct {
	s      auto.Stack
	config configCache
}

var _ Stack = (*AutoStack)(nil)

// NewAutoStack wraps an Automation API stack (e.g. an inline one).
func NewAutoStack(s auto.Stack) *AutoStack { return &AutoStack{s: s} }

// Name implements Stack.
func (a *AutoStack) Name() string { return a.s.Name() }

// collect gathers per-resource steps from engine events until the channel
// is closed (the Automation API closes it when the operation ends).
func collect(ch <-chan events.EngineEvent) func() []observed.Step {
	var steps []observed.Step
	done := make(chan struct{})
	go func() {
		defer close(done)
		for e := range ch {
			if e.ResourcePreEvent != nil {
				m := e.ResourcePreEvent.Metadata
				steps = append(steps, observed.Step{URN: m.URN, Type: m.Type, Op: string(m.Op)})
			}
		}
	}()
	return func() []observed.Step {
		// The channel is never closed when the CLI fails before it starts
		// streaming events; do not hang on it then.
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			return nil
		}
		return steps
	}
}

// operation runs one engine operation with an event stream, and times it
// and collects its steps. run returns the operation's change summary.
func operation(run func(ch chan<- events.EngineEvent) (map[string]int, error)) (Result, error) {
	ch := make(chan events.EngineEvent)
	steps := collect(ch)
	start := time.Now()
	changes, err := run(ch)
	res := Result{Steps: steps(), Changes: map[string]int{}, Duration: time.Since(start)}
	if changes != nil {
		res.Changes = changes
	}
	return res, err
}

// Preview implements Stack.
func (a *AutoStack) Preview(ctx context.Context, o RunOptions) (Result, error) {
	return operation(func(ch chan<- events.EngineEvent) (map[string]int, error) {
		opts := []optpreview.Option{optpreview.EventStreams(ch)}
		if o.Progress != nil {
			opts = append(opts, optpreview.ProgressStreams(o.Progress), optpreview.ErrorProgressStreams(o.Progress))
		}
		if len(o.PolicyPacks) > 0 {
			opts = append(opts, optpreview.PolicyPacks(o.PolicyPacks...), optpreview.PolicyPackConfigs(o.PolicyPackConfigs...))
		}
		r, err := a.s.Preview(ctx, opts...)
		changes := map[string]int{}
		for op, n := range r.ChangeSummary {
			changes[string(op)] = n
		}
		return changes, err
	})
}

// Up implements Stack.
func (a *AutoStack) Up(ctx context.Context, o RunOptions) (Result, error) {
	return operation(func(ch chan<- events.EngineEvent) (map[string]int, error) {
		opts := []optup.Option{optup.EventStreams(ch)}
		if o.Progress != nil {
			opts = append(opts, optup.ProgressStreams(o.Progress), optup.ErrorProgressStreams(o.Progress))
		}
		if len(o.PolicyPacks) > 0 {
			opts = append(opts, optup.PolicyPacks(o.PolicyPacks...), optup.PolicyPackConfigs(o.PolicyPackConfigs...))
		}
		if len(o.Replace) > 0 {
			opts = append(opts, optup.Replace(o.Replace))
		}
		r, err := a.s.Up(ctx, opts...)
		return summary(r.Summary), err
	})
}

// Destroy implements Stack.
func (a *AutoStack) Destroy(ctx context.Context, o RunOptions) (Result, error) {
	return operation(func(ch chan<- events.EngineEvent) (map[string]int, error) {
		opts := []optdestroy.Option{optdestroy.EventStreams(ch)}
		if o.Progress != nil {
			opts = append(opts, optdestroy.ProgressStreams(o.Progress), optdestroy.ErrorProgressStreams(o.Progress))
		}
		r, err := a.s.Destroy(ctx, opts...)
		return summary(r.Summary), err
	})
}

// summary is an update's change counts, or nil.
func summary(u auto.UpdateSummary) map[string]int {
	if u.ResourceChanges == nil {
		return nil
	}
	return *u.ResourceChanges
}

func key(path string) string { return observed.ConfigNamespace + ":" + path }

// configCache keeps a stack's whole config (`pulumi config --json`) from
// one read to the next write: every CLI call costs a process start, and a
// swap reads a dozen paths.
type configCache struct {
	mu  sync.Mutex
	all auto.ConfigMap
}

// get returns the cached config, reading it first if needed.
func (c *configCache) get(ctx context.Context, s auto.Stack) (auto.ConfigMap, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.all != nil {
		return c.all, nil
	}
	all, err := s.GetAllConfig(ctx)
	if err != nil {
		return nil, err
	}
	c.all = all
	return all, nil
}

// forget drops the cached config after a write.
func (c *configCache) forget() {
	c.mu.Lock()
	c.all = nil
	c.mu.Unlock()
}

// GetConfig implements Stack, answering from the whole config with the
// same path semantics as `pulumi config get --path`.
func (a *AutoStack) GetConfig(ctx context.Context, path string) (string, bool, error) {
	all, err := a.config.get(ctx, a.s)
	if err != nil {
		return "", false, err
	}
	return lookupPath(all, path)
}

// lookupPath reads path (a.b[0].c) from a stack's config: a scalar comes
// back as its text, an object or list as JSON.
func lookupPath(all auto.ConfigMap, path string) (string, bool, error) {
	parts := SplitPath(path)
	if len(parts) == 0 {
		return "", false, nil
	}
	top, ok := all[key(parts[0])]
	if !ok {
		return "", false, nil
	}
	if len(parts) == 1 {
		return top.Value, true, nil
	}
	var tree any
	if err := json.Unmarshal([]byte(top.Value), &tree); err != nil {
		tree = top.Value
	}
	return Lookup(tree, parts[1:])
}

// Lookup reads the value at parts in a decoded config value (objects and
// lists as JSON decodes them): a string comes back as itself, anything
// else as JSON; found is false when a part is not there.
func Lookup(tree any, parts []string) (value string, found bool, err error) {
	cur := tree
	for _, p := range parts {
		switch c := cur.(type) {
		case map[string]any:
			v, ok := c[p]
			if !ok {
				return "", false, nil
			}
			cur = v
		case []any:
			i, err := strconv.Atoi(p)
			if err != nil || i < 0 || i >= len(c) {
				return "", false, nil
			}
			cur = c[i]
		default:
			return "", false, nil
		}
	}
	if s, ok := cur.(string); ok {
		return s, true, nil
	}
	raw, err := json.Marshal(cur)
	if err != nil {
		return "", false, fmt.Errorf("config %s: %w", strings.Join(parts, "."), err)
	}
	return string(raw), true, nil
}

// SplitPath splits a config path "a.b[0].c" into a, b, 0, c, as `pulumi
// config --path` reads it.
func SplitPath(path string) []string {
	var parts []string
	cur := ""
	for _, r := range path {
		switch r {
		case '.', '[', ']':
			if cur != "" {
				parts = append(parts, cur)
			}
			cur = ""
		default:
			cur += string(r)
		}
	}
	if cur != "" {
		parts = append(parts, cur)
	}
	return parts
}

// SetConfig implements Stack.
func (a *AutoStack) SetConfig(ctx context.Context, path, value string) error {
	defer a.config.forget()
	return a.s.SetConfigWithOptions(ctx, key(path), auto.ConfigValue{Value: value}, &auto.ConfigOptions{Path: true})
}

// RemoveConfig implements Stack.
func (a *AutoStack) RemoveConfig(ctx context.Context, path string) error {
	if _, found, err := a.GetConfig(ctx, path); err != nil || !found {
		return err
	}
	defer a.config.forget()
	return a.s.RemoveConfigWithOptions(ctx, key(path), &auto.ConfigOptions{Path: true})
}

// Outputs implements Stack with one `pulumi stack output --show-secrets`.
// The Automation API's own Outputs runs the CLI twice to learn which
// outputs are secret, which the commands never need; each CLI start costs
// about half a second.
func (a *AutoStack) Outputs(ctx context.Context) (map[string]any, error) {
	ws := a.s.Workspace()
	var env []string
	if home := ws.PulumiHome(); home != "" {
		env = append(env, "PULUMI_HOME="+home)
	}
	for k, v := range ws.GetEnvVars() {
		env = append(env, k+"="+v)
	}
	stdout, stderr, code, err := ws.PulumiCommand().Run(ctx, ws.WorkDir(), nil, nil, nil, env,
		"stack", "output", "--json", "--show-secrets", "--stack", a.s.Name())
	if err != nil {
		return nil, fmt.Errorf("pulumi stack output --stack %s (exit %d): %w: %s", a.s.Name(), code, err, strings.TrimSpace(stderr))
	}
	res := map[string]any{}
	if err := json.Unmarshal([]byte(stdout), &res); err != nil {
		return nil, fmt.Errorf("pulumi stack output --stack %s: %w", a.s.Name(), err)
	}
	return res, nil
}

// Resources implements Stack with `pulumi stack export`.
func (a *AutoStack) Resources(ctx context.Context) ([]observed.Deployed, error) {
	dep, err := a.s.Export(ctx)
	if err != nil {
		return nil, err
	}
	var doc struct {
		Resources []observed.Deployed `json:"resources"`
	}
	if err := json.Unmarshal(dep.Deployment, &doc); err != nil {
		return nil, fmt.Errorf("read the deployment of %s: %w", a.s.Name(), err)
	}
	return doc.Resources, nil
}

// LastUpdate implements Stack.
func (a *AutoStack) LastUpdate(ctx context.Context) (*observed.Update, error) {
	h, err := a.s.History(ctx, 1, 1, opthistory.ShowSecrets(false))
	if err != nil {
		return nil, err
	}
	if len(h) == 0 {
		return nil, nil
	}
	u := &observed.Update{Kind: h[0].Kind, Result: h[0].Result}
	if t, err := time.Parse(time.RFC3339, h[0].StartTime); err == nil {
		u.StartTime = t
	}
	if h[0].EndTime != nil {
		if t, err := time.Parse(time.RFC3339, *h[0].EndTime); err == nil {
			u.EndTime = t
		}
	}
	if h[0].ResourceChanges != nil {
		u.Changes = *h[0].ResourceChanges
	}
	return u, nil
}
