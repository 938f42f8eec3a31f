package topology

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/video-platform/video-platform/internal/contract"
)

// EnvNames lists the declared envs, sorted.
func (t *Topology) EnvNames() []string { return slices.Sorted(maps.Keys(t.Envs)) }

// ServiceNames lists the declared blue-green services, sorted.
func (t *Topology) ServiceNames() []string { return slices.Sorted(maps.Keys(t.Services)) }

// CheckEnv refuses an env the topology does not declare, naming the
// declared ones.
func (t *Topology) CheckEnv(env string) error {
	if _, ok := t.Envs[env]; ok {
		return nil
	}
	return fmt.Errorf("env %q is not declared; declared envs: %s", env, strings.Join(t.EnvNames(), ", "))
}

// CheckService refuses a blue-green service the topology does not
// declare, naming the declared ones.
func (t *Topology) CheckService(svc string) error {
	if _, ok := t.Services[svc]; ok {
		return nil
	}
	return fmt.Errorf("service %q is not declared; declared blue-green services: %s", svc, strings.Join(t.ServiceNames(), ", "))
}

// MinAZs is the least AZ count an env may run in: a production env must
// survive the loss of one AZ with capacity to spare.
func (t *Topology) MinAZs(env string) int { return contract.MinAZs(t.Envs[env].Production) }

// EnvStacks lists every stack of an env in dependency order: the base, the
// copies and the transcoders (which only need the base), then DNS.
func (t *Topology) EnvStacks(env string) []Identity {
	ids := []Identity{{Name: BaseStackName(env), Env: env, Kind: KindBase, Topology: t}}
	for _, svc := range t.ServiceNames() {
		for _, color := range Colors {
			ids = append(ids, Identity{Name: CopyStackName(env, svc, color), Env: env, Kind: KindCopy, Service: svc, Color: color, Topology: t})
		}
	}
	ids = append(ids, Identity{Name: TranscodersStackName(env), Env: env, Kind: KindTranscoders, Topology: t})
	return append(ids, Identity{Name: DNSStackName(env), Env: env, Kind: KindDNS, Topology: t})
}

// StackNames lists every stack name the topology declares.
func (t *Topology) StackNames() []string {
	var names []string
	for _, env := range t.EnvNames() {
		for _, id := range t.EnvStacks(env) {
			names = append(names, id.Name)
		}
	}
	return names
}

// Parse reads a stack name. Names may be fully qualified
// ("org/project/stack"); only the last part counts. A name outside the
// topology is refused with the declared envs and services, since the
// usual cause is a stack file for an env or service nobody declared.
func (t *Topology) Parse(name string) (Identity, error) {
	short := name[strings.LastIndex(name, "/")+1:]
	for _, env := range t.EnvNames() {
		for _, id := range t.EnvStacks(env) {
			if id.Name == short {
				return id, nil
			}
		}
	}
	valid := t.StackNames()
	sort.Strings(valid)
	return Identity{}, &UnknownStackError{Name: short, Detail: fmt.Sprintf("belongs to no declared env and service (declared envs: %s; blue-green services: %s; declare more in Pulumi.yaml's %s:%s); "+
		"stacks are named <env>, <env>-<service>-<color>, <env>-transcoders or <env>-dns; valid names: %s",
		strings.Join(t.EnvNames(), ", "), strings.Join(t.ServiceNames(), ", "), ProjectName, ConfigKey, strings.Join(valid, ", "))}
}

// UnknownStackError is a stack name outside the declared topology.
type UnknownStackError struct {
	// Name is the stack name, without organization and project.
	Name string
	// Detail says what is declared.
	Detail string
}

func (e *UnknownStackError) Error() string {
	return fmt.Sprintf("unknown stack %q: %s", e.Name, e.Detail)
}

// OwnerStack names the stack that declares an Auto Scaling group with
// these tags (env, service, color): a copy, or the transcoders stack; ""
// when the tags name no stack of env.
func (t *Topology) OwnerStack(env string, tags map[string]string) string {
	switch svc := tags["service"]; {
	case tags["env"] != env:
		return ""
	case svc == TranscoderService:
		return TranscodersStackName(env)
	case tags["color"] != "":
		if _, ok := t.Services[svc]; ok {
			return CopyStackName(env, svc, tags["color"])
		}
	}
	return ""
}

// Region is the env's declared region.
func (id Identity) Region() string { return id.Topology.Envs[id.Env].Region }

// Production says whether the env runs under the production rules.
func (id Identity) Production() bool { return id.Topology.Envs[id.Env].Production }

// MinAZs is the least AZ count of the identity's env.
func (id Identity) MinAZs() int { return id.Topology.MinAZs(id.Env) }

// Profile is a copy's service profile.
func (id Identity) Profile() ServiceProfile { return id.Topology.Services[id.Service] }
