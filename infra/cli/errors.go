package cli

import (
	"errors"
	"fmt"

	"github.com/video-platform/video-platform/infra/rehearse"
	"github.com/video-platform/video-platform/infra/synth"
	"github.com/video-platform/video-platform/infra/workflow"
)

// usageError is a command line infra cannot run: an unknown command or
// flag, missing or extra arguments (exit code 2).
type usageError string

func (e usageError) Error() string { return string(e) }

func usagef(format string, args ...any) error { return usageError(fmt.Sprintf(format, args...)) }

// isUsage says whether err is a usage error of infra or of the workflow it
// called.
func isUsage(err error) bool {
	var u usageError
	return errors.As(err, &u) || errors.Is(err, workflow.ErrUsage) || errors.Is(err, rehearse.ErrUsage) || synth.IsUsage(err)
}

// exitError ends a command with a given exit code; msg, when set, is
// printed after the command's name.
type exitError struct {
	code int
	msg  string
}

func (e exitError) Error() string { return e.msg }

// ExitCode is the exit code the command ends with (see workflow.ExitCode).
func (e exitError) ExitCode() int { return e.code }
