// Package workflow runs the `infra` commands that operate an env of small
// stacks: ordered preview/up/destroy, blue-green swap and rollback,
// retiring an idle copy, rolling the transcoder fleet, a release from
// image to live, housekeeping and status. The commands (infra/cli) parse
// the command line into the typed options of a Workflow method; nothing
// here knows about flags beyond naming them in messages.
//
// Each command is a small type of its own (a swap, a retire, a release
// run...) that observes the env, asks infra/decide what to do, and acts
// through its collaborators: the Pulumi engine only through the
// infra/engine interfaces, AWS only through the roles of awscheck.Checks,
// the env lock through infra/envlock, and time through Clock, so every
// command is tested against small fakes and a fake clock.
package workflow

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/video-platform/video-platform/infra/awscheck"
	"github.com/video-platform/video-platform/infra/engine"
	"github.com/video-platform/video-platform/infra/envlock"
	"github.com/video-platform/video-platform/internal/topology"
)

// Clock tells time and waits; tests drive it by hand.
type Clock interface {
	// Now is the current time.
	Now() time.Time
	// Sleep waits d or until ctx ends (returning ctx's error).
	Sleep(ctx context.Context, d time.Duration) error
}

// Deps are the commands' collaborators, created lazily so that a command
// only needs the credentials it uses (`swap --dry-run` needs none).
type Deps struct {
	// Root is the repo root: Pulumi.yaml and the Pulumi.<stack>.yaml files.
	Root string
	// Topology is the project's envs and services; nil reads the one
	// Root's Pulumi.yaml declares.
	Topology *topology.Topology
	// Pulumi opens the project's workspace.
	Pulumi func(ctx context.Context) (engine.Pulumi, error)
	// AWS builds the live checks for an env (its region comes from the env).
	AWS func(ctx context.Context, env string) (awscheck.Checks, error)
	// Clock tells time; nil means the real clock.
	Clock Clock
	// DryRun renders the offline synth+diff of the given config sets
	// ("<stack>:<path>=<value>") without Pulumi or AWS.
	DryRun func(env string, sets []string) (string, error)
	// Locker is the env lock before the env has a lock table; nil means a
	// lock file under Root/.infra-locks.
	Locker envlock.Locker
	// LockTable builds the client of an env's lock table (its name is the
	// base stack's lockTable output); nil means the lock file only.
	LockTable func(ctx context.Context, env string) (envlock.Table, error)
	// Color says whether output written to w may carry ANSI colors; nil
	// means never. The command line decides (a terminal, and no NO_COLOR).
	Color func(w io.Writer) bool
	// Poll is how often waits re-check AWS; zero means 15s.
	Poll time.Duration
	// InsyncDelay is how long, on the real clock, the Route53 waiter waits
	// between two polls; Clock sleeps what is left of Poll at each. Zero
	// (or more than Poll) means Poll: the waiter does all the waiting. The
	// rehearsal, on a virtual clock, sets a few milliseconds.
	InsyncDelay time.Duration
	// OnEnvRun, when set, receives every stack's outcome of a preview, up
	// or destroy (the rehearsal reports them).
	OnEnvRun func(op, env string, outcomes []Outcome)
}

// Exit codes of the infra commands.
const (
	ExitOK      = 0
	ExitFailed  = 1
	ExitUsage   = 2
	ExitPhantom = 3
)

// ErrUsage marks a request refused before anything ran because it is
// malformed: an unknown env, service or color, a value out of range. Such
// errors match it with errors.Is and end the command with exit code 2.
var ErrUsage = errors.New("usage error")

// usageError is a malformed request; its message is the whole sentence.
type usageError string

func (e usageError) Error() string { return string(e) }

// Is makes errors.Is(err, ErrUsage) hold.
func (e usageError) Is(target error) bool { return target == ErrUsage }

func usagef(format string, args ...any) error {
	return usageError(fmt.Sprintf(format, args...))
}

// exitError carries a specific exit code out of a command.
type exitError struct {
	code int
	msg  string
}

func (e exitError) Error() string { return e.msg }

// ExitCode is the exit code the error asks for.
func (e exitError) ExitCode() int { return e.code }

// failed ends a command with exit code 1 and msg.
func failed(format string, args ...any) error {
	return exitError{code: ExitFailed, msg: fmt.Sprintf(format, args...)}
}

// ExitCode is the exit code of a command that returned err: ExitOK for
// nil, ExitUsage for a usage error, the code of an error that carries one
// (an ExitCode method), ExitFailed for any other.
func ExitCode(err error) int {
	var coded interface{ ExitCode() int }
	switch {
	case err == nil:
		return ExitOK
	case errors.Is(err, ErrUsage):
		return ExitUsage
	case errors.As(err, &coded):
		return coded.ExitCode()
	}
	return ExitFailed
}

// Workflow runs the deploy commands of one infra invocation. It opens the
// Pulumi workspace and the AWS clients on first use and keeps them, so a
// command that needs neither (`swap --dry-run`) needs no credentials.
type Workflow struct {
	s *session
}

// NewWorkflow returns a workflow that writes its progress and results to
// stdout and its warnings to stderr. Zero Deps fields get their defaults:
// the real clock, a lock file under Root, a 15 s poll.
func NewWorkflow(deps Deps, stdout, stderr io.Writer) *Workflow {
	return &Workflow{s: newSession(deps, stdout, stderr)}
}

// Preview previews the env's stacks in dependency order.
func (w *Workflow) Preview(ctx context.Context, o PreviewOptions) error {
	return (&envRun{s: w.s, op: "preview", env: o.Env, stacks: o.Stacks, packs: o.PolicyPacks}).run(ctx)
}

// Up deploys the env's stacks in dependency order, copies and transcoders
// in parallel, behind the traffic guard.
func (w *Workflow) Up(ctx context.Context, o UpOptions) error {
	return (&envRun{s: w.s, op: "up", env: o.Env, stacks: o.Stacks, packs: o.PolicyPacks, breakLock: o.BreakLock}).run(ctx)
}

// Destroy destroys the env's stacks in reverse dependency order; the
// traffic guard refuses a copy that takes traffic unless Force.
func (w *Workflow) Destroy(ctx context.Context, o DestroyOptions) error {
	return (&envRun{s: w.s, op: "destroy", env: o.Env, stacks: o.Stacks, force: o.Force, breakLock: o.BreakLock}).run(ctx)
}

// Swap moves a service's traffic to the other color (or To), or sends a
// canary share to it, after checking the target copy as it runs.
func (w *Workflow) Swap(ctx context.Context, o SwapOptions) error {
	req, err := o.request(w.s)
	if err != nil {
		return err
	}
	if o.DryRun {
		return swapDryRun(w.s, req)
	}
	return (&swapRun{s: w.s, req: req}).run(ctx)
}

// Rollback swaps a service back to the color its last swap recorded.
func (w *Workflow) Rollback(ctx context.Context, o RollbackOptions) error {
	req, err := o.request(w.s)
	if err != nil {
		return err
	}
	return (&swapRun{s: w.s, req: req}).run(ctx)
}

// Retire scales an idle copy to zero, or destroys it, once its traffic
// has really stopped.
func (w *Workflow) Retire(ctx context.Context, o RetireOptions) error {
	if err := o.check(w.s); err != nil {
		return err
	}
	return (&retireRun{s: w.s, o: o}).run(ctx)
}

// Roll makes a release the active transcoder release in two phases, and
// with GC drops draining releases whose groups are empty.
func (w *Workflow) Roll(ctx context.Context, o RollOptions) error {
	if err := o.check(w.s); err != nil {
		return err
	}
	return (&rollRun{s: w.s, o: o}).run(ctx)
}

// Release takes an image from the registry to live: it checks the image,
// deploys it to the idle copy at the live copy's size, waits until every
// target is healthy, moves the canary shares, swaps, and watches the new
// color's alarms, swapping back when one fires. Every step is decided
// from what is deployed, so re-running the same command resumes.
func (w *Workflow) Release(ctx context.Context, o ReleaseOptions) error {
	if err := o.check(w.s); err != nil {
		return err
	}
	return (&releaseRun{s: w.s, o: o}).run(ctx)
}

// Housekeeping does what nobody should have to remember, safe to run
// every 15 minutes: it retires the copies whose traffic has drained after
// a swap, drops the transcoder releases whose groups are empty, reports
// phantom groups and outdated instances, checks that every image a stack
// references exists, and keeps those images protected from the registry's
// lifecycle policy. It exits 1 when a finding needs someone.
func (w *Workflow) Housekeeping(ctx context.Context, o HousekeepingOptions) error {
	if err := o.check(w.s); err != nil {
		return err
	}
	return (&housekeeping{s: w.s, o: o}).run(ctx)
}

// Status prints, per env, each stack's last update, each copy's release,
// capacity and health, the transcoder fleet and the queue, and the phantom
// groups: Auto Scaling groups tagged with the env that no stack declares
// (exit code 3).
func (w *Workflow) Status(ctx context.Context, o StatusOptions) error {
	if err := o.check(w.s); err != nil {
		return err
	}
	return (&statusRun{s: w.s}).run(ctx, o.Envs)
}
