// Package topology is the shape of an env: which small stacks exist, what
// their names mean, the order they deploy in, and the blue-green services.
// It has no cloud dependencies, so every tool can share it cheaply.
package topology

import "github.com/video-platform/video-platform/internal/contract"

// TranscoderService is the service tag of the transcoder fleet, which is
// not blue-green and runs in the <env>-transcoders stack.
const TranscoderService = "transcoder"

// Colors are the two copies of every blue-green service, as the contract
// names them.
var Colors = contract.Colors()

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
	// Topology is the declared topology the name was read against: it
	// holds the env's region and the service's profile.
	Topology *Topology
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

// Other returns the color that is not c.
func Other(c string) string {
	if c == "blue" {
		return "green"
	}
	return "blue"
}
