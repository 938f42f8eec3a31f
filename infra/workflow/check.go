package workflow

import (
	"strings"

	"github.com/video-platform/video-platform/internal/topology"
)

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
