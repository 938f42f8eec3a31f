// Package topology is the shape of an env: which small stacks exist, what
// their names mean, the order they deploy in, and the blue-green services.
// It has no cloud dependencies, so every tool can share it cheaply.
package topology

import (
	"fmt"
	"sort"
	"strings"
)

// Envs are the environments this project deploys.
var Envs = []string{"staging", "prod"}

// TranscoderService is the service tag of the transcoder fleet, which is
// not blue-green and runs in the <env>-transcoders stack.
const TranscoderService = "transcoder"

// Colors are the two copies of every blue-green service.
var Colors = []string{"blue", "green"}

// Kind says which small stack a name selects.
type Kind string

// The kinds of small stack.
const (
	KindBase        Kind = "base"
	KindCopy        Kind = "copy"
	KindTranscoders Kind = "transcoders"
	KindDNS         Kind = "dns"
)

// Identity is what a stack name says: the env and, for a copy, the service
// and color.
type Identity struct {
	// Name is the full stack name.
	Name string
	// Env is the environment.
	Env string
	// Kind is the kind of small stack.
	Kind Kind
	// Service is set for copies.
	Service string
	// Color is set for copies.
	Color string
}

// BaseStackName names an env's base stack.
func BaseStackName(env string) string { return env }

// RepositoryName names the ECR repository of a tier's images in an env:
// the base stack creates it, the instance roles may pull from it only, and
// releases are checked against it.
func RepositoryName(env, tier string) string { return "video-platform/" + env + "/" + tier }

// CopyStackName names one copy of a service.
func CopyStackName(env, service, color string) string { return env + "-" + service + "-" + color }

// TranscodersStackName names an env's transcoder stack.
func TranscodersStackName(env string) string { return env + "-transcoders" }

// DNSStackName names an env's DNS stack.
func DNSStackName(env string) string { return env + "-dns" }

// EnvStacks lists every stack of an env in dependency order: the base, the
// copies and the transcoders (which only need the base), then DNS.
func EnvStacks(env string) []Identity {
	ids := []Identity{{Name: BaseStackName(env), Env: env, Kind: KindBase}}
	for _, svc := range ServiceNames() {
		for _, color := range Colors {
			ids = append(ids, Identity{Name: CopyStackName(env, svc, color), Env: env, Kind: KindCopy, Service: svc, Color: color})
		}
	}
	ids = append(ids, Identity{Name: TranscodersStackName(env), Env: env, Kind: KindTranscoders})
	return append(ids, Identity{Name: DNSStackName(env), Env: env, Kind: KindDNS})
}

// ValidStackNames lists every stack name this project accepts.
func ValidStackNames() []string {
	var names []string
	for _, env := range Envs {
		for _, id := range EnvStacks(env) {
			names = append(names, id.Name)
		}
	}
	return names
}

// Parse reads a stack name. Names may be fully qualified
// ("org/project/stack"); only the last part counts.
func Parse(name string) (Identity, error) {
	short := name[strings.LastIndex(name, "/")+1:]
	for _, env := range Envs {
		for _, id := range EnvStacks(env) {
			if id.Name == short {
				return id, nil
			}
		}
	}
	valid := ValidStackNames()
	sort.Strings(valid)
	return Identity{}, fmt.Errorf("unknown stack %q: this project's stacks are named <env>, <env>-<service>-<color>, <env>-transcoders or <env>-dns; valid names: %s",
		name, strings.Join(valid, ", "))
}

// OwnerStack names the stack that declares an Auto Scaling group with
// these tags (env, service, color): a copy, or the transcoders stack; ""
// when the tags name no stack of env.
func OwnerStack(env string, tags map[string]string) string {
	switch svc := tags["service"]; {
	case tags["env"] != env:
		return ""
	case svc == TranscoderService:
		return TranscodersStackName(env)
	case tags["color"] != "":
		if _, ok := Services[svc]; ok {
			return CopyStackName(env, svc, tags["color"])
		}
	}
	return ""
}

// Other returns the color that is not c.
func Other(c string) string {
	if c == "blue" {
		return "green"
	}
	return "blue"
}

// MinAZs is the least AZ count an env may run in: prod must survive the loss
// of one AZ with capacity to spare.
func MinAZs(env string) int {
	if env == "prod" {
		return 3
	}
	return 2
}
