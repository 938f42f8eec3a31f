package rehearse

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/pulumi/pulumi/sdk/v3/go/auto"

	"github.com/video-platform/video-platform/infra/awscheck"
	"github.com/video-platform/video-platform/infra/engine"
	"github.com/video-platform/video-platform/infra/envlock"
	"github.com/video-platform/video-platform/infra/workflow"
	"github.com/video-platform/video-platform/internal/standin"
	"github.com/video-platform/video-platform/internal/topology"
	"github.com/video-platform/video-platform/stacks"
)

// rig is one rehearsal's world: a scratch copy of the project, a file://
// backend, a PULUMI_HOME holding the stand-in provider, the stand-in
// Store and its AWS endpoint, and the deploy workflow wired to all of it.
type rig struct {
	env   string
	topo  *topology.Topology
	dir   string // the scratch directory: work/, state/, home/, standin/
	work  string // the project copy
	store *standin.Store
	api   *standin.API
	stop  func() error
	clock *virtualClock
	deps  workflow.Deps
	log   io.Writer

	// engine, apiURL and infraBin let a scenario run `infra` as a separate
	// process against the same backend and stand-in.
	engine   engine.Engine
	apiURL   string
	infraBin string
	// run is infra's command tree, which every in-process step goes
	// through.
	run Entry

	// losePreviewEvents drops every preview's engine events between the
	// engine and the workflow, as a stream that ends early would.
	losePreviewEvents atomic.Bool
	// unreadableOutputs names a stack whose outputs fail to read.
	unreadableOutputs atomic.Value

	mu       sync.Mutex
	outcomes []workflow.Outcome
}

// faultyPulumi injects the faults that sit between the engine and the
// workflow: lost preview events, unreadable stack outputs.
type faultyPulumi struct {
	engine.Pulumi
	rig *rig
}

// Stack implements engine.Pulumi.
func (f faultyPulumi) Stack(ctx context.Context, name string) (engine.Stack, error) {
	s, err := f.Pulumi.Stack(ctx, name)
	if err != nil {
		return nil, err
	}
	return faultyStack{Stack: s, rig: f.rig}, nil
}

type faultyStack struct {
	engine.Stack
	rig *rig
}

// Preview implements engine.Stack; with losePreviewEvents it keeps the
// summary and loses the steps, as a stream that ends early does.
func (f faultyStack) Preview(ctx context.Context, o engine.RunOptions) (engine.Result, error) {
	res, err := f.Stack.Preview(ctx, o)
	if f.rig.losePreviewEvents.Load() {
		res.Steps = nil
	}
	return res, err
}

// Outputs implements engine.Stack; the stack named by unreadableOutputs
// answers a backend error.
func (f faultyStack) Outputs(ctx context.Context) (map[string]any, error) {
	if name, _ := f.rig.unreadableOutputs.Load().(string); name == f.Name() {
		return nil, fmt.Errorf("injected fault: reading the outputs of %s failed (backend timeout)", name)
	}
	return f.Stack.Outputs(ctx)
}

// Scratch subdirectories: the snapshot copies all of them but home/.
var stateDirs = []string{"work", "state", "standin"}

func newRig(ctx context.Context, o Options, dir, plugin, version string) (*rig, error) {
	for _, sub := range []string{"work", "state", "home", "standin"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o750); err != nil {
			return nil, err
		}
	}
	// The committed stack files are never touched: `pulumi stack init`
	// rewrites a stack file (encryption salt, re-quoted numbers).
	files := []string{"Pulumi.yaml"}
	for _, id := range o.topo.EnvStacks(o.Env) {
		files = append(files, topology.StackFile(id.Name))
	}
	for _, f := range files {
		if err := copyFile(filepath.Join(o.project(), f), filepath.Join(dir, "work", f)); err != nil {
			return nil, fmt.Errorf("copy %s into the rehearsal workspace: %w", f, err)
		}
	}
	home := filepath.Join(dir, "home")
	if err := installPlugin(home, plugin, version); err != nil {
		return nil, fmt.Errorf("install the stand-in provider: %w", err)
	}
	r, eng, err := connect(o, dir, home, time.Now().UTC().Truncate(time.Second))
	if err != nil {
		return nil, err
	}
	p, err := eng.Open(ctx)
	if err != nil {
		return nil, errors.Join(err, r.stop())
	}
	for _, id := range o.topo.EnvStacks(o.Env) {
		if _, err := auto.UpsertStack(ctx, id.Name, p.Workspace()); err != nil {
			return nil, errors.Join(fmt.Errorf("create stack %s: %w", id.Name, err), r.stop())
		}
	}
	return r, nil
}

// clone makes another rig in dir from this rig's snapshot, sharing its
// PULUMI_HOME, so that fault scenarios can run side by side, each against
// its own backend, store and AWS endpoint.
func (r *rig) clone(o Options, snapshot, dir string) (*rig, error) {
	for _, sub := range stateDirs {
		src := filepath.Join(r.dir, "snapshots", snapshot, sub)
		for _, dst := range []string{filepath.Join(dir, sub), filepath.Join(dir, "snapshots", snapshot, sub)} {
			if err := copyTree(src, dst); err != nil {
				return nil, fmt.Errorf("clone the rehearsal: %w", err)
			}
		}
	}
	c, _, err := connect(o, dir, filepath.Join(r.dir, "home"), r.clock.Now())
	return c, err
}

// connect wires a rig to the workspace, backend and store already in dir:
// it starts the stand-in AWS endpoint and builds the deploy workflow's
// collaborators.
func connect(o Options, dir, home string, start time.Time) (*rig, engine.Engine, error) {
	r := &rig{env: o.Env, topo: o.topo, dir: dir, work: filepath.Join(dir, "work"), clock: newVirtualClock(start), log: o.Log, infraBin: o.Infra, run: o.Run}
	store, err := standin.OpenStore(filepath.Join(dir, "standin"))
	if err != nil {
		return nil, engine.Engine{}, err
	}
	r.store = store
	r.api = standin.NewAPI(store)
	url, stop, err := r.api.Serve()
	if err != nil {
		return nil, engine.Engine{}, fmt.Errorf("start the stand-in AWS endpoint: %w", err)
	}
	r.stop = stop
	r.apiURL = url

	eng := engine.Engine{
		Root:    r.work,
		CLI:     o.CLI,
		Program: stacks.Main,
		Home:    home,
		Env: map[string]string{
			"PULUMI_BACKEND_URL":       "file://" + filepath.Join(dir, "state"),
			"PULUMI_CONFIG_PASSPHRASE": "rehearsal",
			"PULUMI_SKIP_UPDATE_CHECK": "true",
			// Only the stand-in plugin, and never a download.
			"PULUMI_IGNORE_AMBIENT_PLUGINS":               "true",
			"PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
			// Checkpoint writes dominate an update's time; a rehearsal's
			// state is thrown away, so only the final snapshot is written.
			"PULUMI_SKIP_CHECKPOINTS":           "true",
			"PULUMI_DISABLE_CHECKPOINT_BACKUPS": "true",
			standin.StoreEnv:                    store.Dir(),
		},
	}
	r.engine = eng
	cfg := aws.Config{
		Region:      r.region(),
		Credentials: credentials.NewStaticCredentialsProvider("AKIDREHEARSAL", "rehearsal", ""),
	}
	r.deps = workflow.Deps{
		Root: r.work,
		Pulumi: func(ctx context.Context) (engine.Pulumi, error) {
			p, err := eng.Open(ctx)
			if err != nil {
				return nil, err
			}
			return faultyPulumi{Pulumi: p, rig: r}, nil
		},
		AWS: func(context.Context, string) (awscheck.Checks, error) {
			return awscheck.New(cfg, awscheck.WithBaseEndpoint(url)), nil
		},
		Clock: r.clock,
		LockTable: func(context.Context, string) (envlock.Table, error) {
			return envlock.NewTable(cfg, url), nil
		},
		Locker: envlock.FileLocker{Dir: filepath.Join(r.work, ".infra-locks")},
		Poll:   15 * time.Second,
		// The Route53 waiter sleeps on the real clock: a few milliseconds
		// between its polls, and the virtual clock the rest of each Poll.
		InsyncDelay: 5 * time.Millisecond,
		OnEnvRun: func(_, _ string, outcomes []workflow.Outcome) {
			r.mu.Lock()
			r.outcomes = append(r.outcomes, outcomes...)
			r.mu.Unlock()
		},
	}
	return r, eng, nil
}

// region is the rehearsed env's declared region, where its stacks and the
// workflow's AWS calls go.
func (r *rig) region() string { return r.topo.Envs[r.env].Region }

// takeOutcomes returns and forgets the stack outcomes recorded so far.
func (r *rig) takeOutcomes() []workflow.Outcome {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.outcomes
	r.outcomes = nil
	return out
}

// lockedBuffer collects a command's stdout and stderr, which the deploy
// workflow writes from several goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// infra runs one `infra` command through the same command tree the binary
// uses, and returns its exit code and everything it printed.
func (r *rig) infra(ctx context.Context, args ...string) (int, string) {
	var out lockedBuffer
	code := r.run(ctx, args, r.deps, &out, &out)
	return code, out.String()
}

// infraProcess runs the infra binary as its own process, as a second
// operator would: real clock, its own Automation API workspace, and the
// same backend, stand-in store and AWS endpoint (through the SDK's
// AWS_ENDPOINT_URL). Ambient AWS settings are dropped so that nothing can
// reach a real account.
func (r *rig) infraProcess(ctx context.Context, operator string, args ...string) (int, string) {
	cmd := exec.CommandContext(ctx, r.infraBin, args...) //nolint:gosec // the rehearsal's own binary
	cmd.Dir = r.work
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") && !strings.HasPrefix(kv, "PULUMI_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	for k, v := range r.engine.Env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Env = append(cmd.Env,
		"PULUMI_HOME="+r.engine.Home, "PULUMI_CLI="+r.engine.CLI,
		"AWS_ENDPOINT_URL="+r.apiURL, "AWS_REGION="+r.region(), "AWS_EC2_METADATA_DISABLED=true",
		"AWS_ACCESS_KEY_ID=AKIDREHEARSAL", "AWS_SECRET_ACCESS_KEY=rehearsal", "INFRA_OPERATOR="+operator)
	var out lockedBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return 0, out.String()
	case errors.As(err, &exit):
		return exit.ExitCode(), out.String()
	default:
		return -1, out.String() + err.Error() + "\n"
	}
}

// snapshot copies the rehearsal's state (workspace config, backend,
// stand-in Store) to name, so that each fault scenario starts from the
// same deployed env.
func (r *rig) snapshot(name string) error {
	for _, sub := range stateDirs {
		dst := filepath.Join(r.dir, "snapshots", name, sub)
		if err := os.RemoveAll(dst); err != nil {
			return err
		}
		if err := copyTree(filepath.Join(r.dir, sub), dst); err != nil {
			return fmt.Errorf("snapshot %s: %w", sub, err)
		}
	}
	return nil
}

// restore puts a snapshot back and clears the faults.
func (r *rig) restore(name string) error {
	for _, sub := range stateDirs {
		dst := filepath.Join(r.dir, sub)
		if err := os.RemoveAll(dst); err != nil {
			return err
		}
		if err := copyTree(filepath.Join(r.dir, "snapshots", name, sub), dst); err != nil {
			return fmt.Errorf("restore %s: %w", sub, err)
		}
	}
	return r.store.SetFaults(nil)
}

func copyFile(src, dst string) error {
	data, err := os.ReadFile(src) //nolint:gosec // paths inside the repo and the rehearsal's own directory
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o750); err != nil {
		return err
	}
	return os.WriteFile(dst, data, 0o600) //nolint:gosec // dst is inside the rehearsal's own scratch directory
}

func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		switch {
		case d.IsDir():
			return os.MkdirAll(target, 0o750)
		case d.Type()&fs.ModeSymlink != 0:
			link, err := os.Readlink(path)
			if err != nil {
				return err
			}
			return os.Symlink(link, target) //nolint:gosec // copies the rehearsal's own scratch tree, which nothing else writes

		default:
			return copyFile(path, target)
		}
	})
}

// virtualClock is the deploy workflow's clock during a rehearsal: a Sleep
// moves time on at once, so a retire's fifteen minutes or a Route53 wait's
// ten take no real time, while every decision still sees them pass.
type virtualClock struct {
	mu  sync.Mutex
	now time.Time
}

func newVirtualClock(start time.Time) *virtualClock { return &virtualClock{now: start} }

// Now implements workflow.Clock.
func (c *virtualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Sleep implements workflow.Clock.
func (c *virtualClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
	return nil
}

// Advance moves time on, as an operator waiting would.
func (c *virtualClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}
