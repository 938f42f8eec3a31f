// Package deploy is the workflow behind the `infra` commands that operate
// an env of small stacks: ordered preview/up/destroy, blue-green swap and
// rollback, retiring an idle copy, rolling the transcoder fleet, and
// status. The commands (infra/cli) parse the command line into the typed
// options of a Workflow method; nothing here knows about flags beyond
// naming them in messages.
//
// The command logic talks to Pulumi only through the Pulumi and Stack
// interfaces (AutoPulumi is the Automation API implementation) and to AWS
// only through the roles of awscheck.Checks, and tells time through Clock, so every
// decision is tested against fakes.
package deploy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/video-platform/video-platform/infra/awscheck"
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
	// Pulumi opens the project's workspace.
	Pulumi func(ctx context.Context) (Pulumi, error)
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
	deps Deps
	out  io.Writer
	errw io.Writer

	pulumi Pulumi
	aws    map[string]awscheck.Checks
	// dnsMu serializes the DNS stack updates that destroyed copies make.
	dnsMu sync.Mutex
	// locks are the env locks this run holds.
	locks *envlock.Holds
}

// NewWorkflow returns a workflow that writes its progress and results to
// stdout and its warnings to stderr. Zero Deps fields get their defaults:
// the real clock, a lock file under Root, a 15 s poll.
func NewWorkflow(deps Deps, stdout, stderr io.Writer) *Workflow {
	if deps.Clock == nil {
		deps.Clock = RealClock{}
	}
	if deps.Locker == nil {
		deps.Locker = envlock.FileLocker{Dir: envlock.Dir(deps.Root)}
	}
	if deps.Poll <= 0 {
		deps.Poll = 15 * time.Second
	}
	if deps.InsyncDelay <= 0 || deps.InsyncDelay > deps.Poll {
		deps.InsyncDelay = deps.Poll
	}
	a := &Workflow{deps: deps, out: stdout, errw: stderr}
	a.locks = &envlock.Holds{Root: deps.Root, Files: deps.Locker, Table: a.lockTable, Now: deps.Clock.Now, Out: stdout, Warn: stderr}
	return a
}

func (a *Workflow) pulumiWS(ctx context.Context) (Pulumi, error) {
	if a.pulumi != nil {
		return a.pulumi, nil
	}
	if a.deps.Pulumi == nil {
		return nil, errors.New("no Pulumi workspace configured")
	}
	p, err := a.deps.Pulumi(ctx)
	if err != nil {
		return nil, fmt.Errorf("open pulumi workspace: %w", err)
	}
	a.pulumi = p
	return p, nil
}

func (a *Workflow) checks(ctx context.Context, env string) (awscheck.Checks, error) {
	if c, ok := a.aws[env]; ok {
		return c, nil
	}
	if a.deps.AWS == nil {
		return awscheck.Checks{}, errors.New("no AWS client configured")
	}
	c, err := a.deps.AWS(ctx, env)
	if err != nil {
		return awscheck.Checks{}, fmt.Errorf("aws client for %s: %w", env, err)
	}
	if a.aws == nil {
		a.aws = map[string]awscheck.Checks{}
	}
	a.aws[env] = c
	return c, nil
}

// stack opens a stack by name.
func (a *Workflow) stack(ctx context.Context, name string) (Stack, error) {
	p, err := a.pulumiWS(ctx)
	if err != nil {
		return nil, err
	}
	s, err := p.Stack(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("select stack %s: %w", name, err)
	}
	return s, nil
}

func (a *Workflow) printf(format string, args ...any) {
	fmt.Fprintf(a.out, format, args...)
}

func checkEnv(env string) error {
	for _, e := range topology.Envs {
		if e == env {
			return nil
		}
	}
	return usagef("env %q is unknown; accepted: %s", env, strings.Join(topology.Envs, ", "))
}

func checkService(svc string) error {
	if _, ok := topology.Services[svc]; !ok {
		return usagef("service %q is unknown; accepted: %s", svc, strings.Join(topology.ServiceNames(), ", "))
	}
	return nil
}

func checkColor(flagName, c string) error {
	for _, k := range topology.Colors {
		if k == c {
			return nil
		}
	}
	return usagef("%s %q is not a color; accepted: %s", flagName, c, strings.Join(topology.Colors, ", "))
}

// sleep waits on the injected clock.
func (a *Workflow) sleep(ctx context.Context, d time.Duration) error {
	return a.deps.Clock.Sleep(ctx, d)
}
