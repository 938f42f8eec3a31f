package deploy

import (
	"context"
	"errors"
	"fmt"

	"github.com/video-platform/video-platform/infra/envlock"
	"github.com/video-platform/video-platform/internal/topology"
)

// lockTableOutput is the base stack output naming the env's lock table.
const lockTableOutput = "lockTable"

// lockEnv takes the env's lock for command (see envlock.Holds).
func (a *Workflow) lockEnv(ctx context.Context, env, command string, breakLock bool) (release func(), err error) {
	return a.locks.Take(ctx, env, command, breakLock)
}

// lockTable finds the env's lock table in the base stack's outputs. No
// base stack, no table output, or no lock table client means the lock
// file.
func (a *Workflow) lockTable(ctx context.Context, env string) (string, envlock.Table, error) {
	base, err := a.stack(ctx, topology.BaseStackName(env))
	if errors.Is(err, ErrNoStack) {
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
	if table == "" || a.deps.LockTable == nil {
		return "", nil, nil
	}
	t, err := a.deps.LockTable(ctx, env)
	if err != nil {
		return "", nil, fmt.Errorf("aws client for %s: %w", env, err)
	}
	return table, t, nil
}
