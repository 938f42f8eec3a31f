package workflow

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/video-platform/video-platform/infra/awscheck"
	"github.com/video-platform/video-platform/infra/engine"
	"github.com/video-platform/video-platform/infra/envlock"
	"github.com/video-platform/video-platform/internal/stackconfig"
	"github.com/video-platform/video-platform/internal/topology"
)

// session is one infra invocation's collaborators: the Pulumi workspace
// and the AWS clients, opened on first use and kept, the env locks it
// holds, and where its output goes. Every command runs on one.
type session struct {
	deps Deps
	out  io.Writer
	errw io.Writer

	pulumi engine.Pulumi
	aws    map[string]awscheck.Checks
	// dnsMu serializes the DNS stack updates that destroyed copies make.
	dnsMu sync.Mutex
	// locks are the env locks this run holds.
	locks *envlock.Holds
	// topo is the project's declared topology; topoErr why it could not
	// be read, which checkEnv reports.
	topo    *topology.Topology
	topoErr error
}

func newSession(deps Deps, stdout, stderr io.Writer) *session {
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
	s := &session{deps: deps, out: stdout, errw: stderr, topo: deps.Topology}
	if s.topo == nil {
		if s.topo, s.topoErr = stackconfig.LoadTopology(deps.Root); s.topoErr != nil {
			s.topo = topology.Default()
		}
	}
	s.locks = &envlock.Holds{Root: deps.Root, Files: deps.Locker, Table: s.lockTable, Now: deps.Clock.Now, Out: stdout, Warn: stderr}
	return s
}

// stack opens a stack by name, opening the workspace first if needed.
func (s *session) stack(ctx context.Context, name string) (engine.Stack, error) {
	if s.pulumi == nil {
		if s.deps.Pulumi == nil {
			return nil, errors.New("no Pulumi workspace configured")
		}
		p, err := s.deps.Pulumi(ctx)
		if err != nil {
			return nil, fmt.Errorf("open pulumi workspace: %w", err)
		}
		s.pulumi = p
	}
	st, err := s.pulumi.Stack(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("select stack %s: %w", name, err)
	}
	return st, nil
}

// checks are the AWS checks of env, built on first use.
func (s *session) checks(ctx context.Context, env string) (awscheck.Checks, error) {
	if c, ok := s.aws[env]; ok {
		return c, nil
	}
	if s.deps.AWS == nil {
		return awscheck.Checks{}, errors.New("no AWS client configured")
	}
	c, err := s.deps.AWS(ctx, env)
	if err != nil {
		return awscheck.Checks{}, fmt.Errorf("aws client for %s: %w", env, err)
	}
	if s.aws == nil {
		s.aws = map[string]awscheck.Checks{}
	}
	s.aws[env] = c
	return c, nil
}

// lock takes the env's lock for command (see envlock.Holds).
func (s *session) lock(ctx context.Context, env, command string, breakLock bool) (release func(), err error) {
	return s.locks.Take(ctx, env, command, breakLock)
}

// lockTableOutput is the base stack output naming the env's lock table.
const lockTableOutput = "lockTable"

// lockTable finds the env's lock table in the base stack's outputs. No
// base stack, no table output, or no lock table client means the lock
// file.
func (s *session) lockTable(ctx context.Context, env string) (string, envlock.Table, error) {
	base, err := s.stack(ctx, topology.BaseStackName(env))
	if errors.Is(err, engine.ErrNoStack) {
		return "", nil, nil
	}
	if err != nil {
		return "", nil, err
	}
	outs, err := base.Outputs(ctx)
	if err != nil {
		return "", nil, fmt.Errorf("read %s outputs for the lock table: %w", base.Name(), err)
	}
	table := outString(outs, lockTableOutput)
	if table == "" || s.deps.LockTable == nil {
		return "", nil, nil
	}
	t, err := s.deps.LockTable(ctx, env)
	if err != nil {
		return "", nil, fmt.Errorf("aws client for %s: %w", env, err)
	}
	return table, t, nil
}

// now is the time on the session's clock.
func (s *session) now() time.Time { return s.deps.Clock.Now() }

// sleep waits on the session's clock.
func (s *session) sleep(ctx context.Context, d time.Duration) error {
	return s.deps.Clock.Sleep(ctx, d)
}

// printf writes progress and results to stdout.
func (s *session) printf(format string, args ...any) {
	fmt.Fprintf(s.out, format, args...)
}

// warnf writes a warning line to stderr.
func (s *session) warnf(format string, args ...any) {
	fmt.Fprintf(s.errw, "warning: "+format+"\n", args...)
}

// stackWriter prefixes every line of a stack's progress with its name.
func (s *session) stackWriter(name string) *prefixWriter {
	return &prefixWriter{out: &syncWriter{w: s.out}, prefix: "[" + name + "] "}
}
