package workflow

import (
	"strings"

	"github.com/video-platform/video-platform/internal/stackconfig"
	"github.com/video-platform/video-platform/internal/topology"
)

// checkEnv refuses an env the project's topology does not declare, or
// whose stack files do not match it: a declared stack without its
// Pulumi.<stack>.yaml, or a stack file of no declared stack. Every command
// but status runs stack programs, which read those files, so the mismatch
// is refused before anything is locked, read or changed, as synth and the
// rehearsal refuse it.
func (s *session) checkEnv(env string) error {
	if err := s.checkEnvDeclared(env); err != nil {
		return err
	}
	if err := stackconfig.CheckStackFiles(s.topo, s.deps.Root, env); err != nil {
		return usagef("%v", err)
	}
	return nil
}

// checkEnvDeclared refuses an env the project's topology does not declare
// (and reports a topology that cannot be read, which every command needs).
func (s *session) checkEnvDeclared(env string) error {
	if s.topoErr != nil {
		return usagef("%v", s.topoErr)
	}
	if err := s.topo.CheckEnv(env); err != nil {
		return usagef("%v", err)
	}
	return nil
}

// checkService refuses a blue-green service the topology does not declare.
func (s *session) checkService(svc string) error {
	if err := s.topo.CheckService(svc); err != nil {
		return usagef("%v", err)
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
