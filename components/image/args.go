package image

import (
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/video-platform/video-platform/internal/imagetag"
)

// Limits and defaults for the repository and the build.
const (
	minRepositoryNameLength = 2
	maxRepositoryNameLength = 256
	minKeepLastImages       = 1
	maxKeepLastImages       = 1000

	defaultKeepLastImages = 30
	defaultPlatform       = "linux/amd64"
	dockerfileName        = "Dockerfile"
)

var (
	// repositoryNamePattern is ECR's rule for repository names.
	repositoryNamePattern = regexp.MustCompile(`^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$`)
	// tagPattern is Docker's rule for image tags.
	tagPattern = imagetag.TagPattern
	// platformPattern accepts os/arch with an optional variant, such as
	// linux/amd64 or linux/arm/v7.
	platformPattern = regexp.MustCompile(`^[a-z0-9]+/[a-z0-9_]+(/[a-z0-9]+)?$`)
	// namePart is what env and service may look like as tag values.
	namePart = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?$`)
)

// ImageArgs configures a release artefact: an ECR repository and, optionally,
// an image built from source and pushed to it.
type ImageArgs struct {
	// Env is the environment name, such as "prod"; tagged on the
	// repository. Required.
	Env string
	// Service is the service the image runs, such as "recorder". Required.
	Service string
	// Tags are added to the repository. The keys env, service and
	// managed-by are set by the component and win over these.
	Tags map[string]string

	// RepositoryName is the ECR repository's name, 2..256 characters of
	// lowercase path segments such as "video-platform/recorder". Required.
	RepositoryName string
	// KeepLastImages is how many of the newest images the lifecycle policy
	// keeps whatever their tags; older ones expire unless a keep- tag
	// protects them (see KeepTag). 1..1000; 0 means 30.
	KeepLastImages int
	// ForceDelete lets `pulumi destroy` delete a repository that still
	// holds images. false (the default) keeps released images safe.
	ForceDelete bool

	// Release is the image tag, such as "2024.06.1"; Docker tag syntax, at
	// most 123 characters (so that keep-<Release> is a tag too) and not
	// itself starting with keep-. Required when BuildContext is set.
	Release string
	// BuildContext is the directory to build the image from. When set, the
	// image is built and pushed to the repository as <repositoryUrl>:<Release>.
	// Mutually exclusive with ImageReference.
	BuildContext string
	// Dockerfile is the Dockerfile to build; only with BuildContext, whose
	// <BuildContext>/Dockerfile is the default.
	Dockerfile string
	// Platform is the target platform of the build, such as linux/arm64;
	// only with BuildContext, where linux/amd64 is the default.
	Platform string
	// ImageReference is an existing image, used as is (nothing is built).
	// Mutually exclusive with BuildContext.
	ImageReference string
}

// withDefaults returns a copy of the args with every default applied.
// Build settings get defaults only for a build, so that setting them without
// one can still be reported as a mistake.
func (a ImageArgs) withDefaults() ImageArgs {
	if a.KeepLastImages == 0 {
		a.KeepLastImages = defaultKeepLastImages
	}
	if a.BuildContext != "" {
		if a.Dockerfile == "" {
			a.Dockerfile = filepath.Join(a.BuildContext, dockerfileName)
		}
		if a.Platform == "" {
			a.Platform = defaultPlatform
		}
	}
	return a
}

// Validate reports every invalid field at once. It expects defaults to have
// been applied, as NewImage does.
func (a ImageArgs) Validate() error {
	var errs []error
	bad := func(format string, v ...any) { errs = append(errs, fmt.Errorf(format, v...)) }

	if !namePart.MatchString(a.Env) {
		bad("Env: %q is invalid; accepted lowercase letters, digits and inner '-'", a.Env)
	}
	if !namePart.MatchString(a.Service) {
		bad("Service: %q is invalid; accepted lowercase letters, digits and inner '-'", a.Service)
	}
	if n := len(a.RepositoryName); n < minRepositoryNameLength || n > maxRepositoryNameLength {
		bad("RepositoryName: %q is %d characters; accepted %d..%d", a.RepositoryName, n,
			minRepositoryNameLength, maxRepositoryNameLength)
	} else if !repositoryNamePattern.MatchString(a.RepositoryName) {
		bad("RepositoryName: %q is invalid; accepted %s", a.RepositoryName, repositoryNamePattern)
	}
	if a.KeepLastImages < minKeepLastImages || a.KeepLastImages > maxKeepLastImages {
		bad("KeepLastImages: %d is out of range; accepted %d..%d", a.KeepLastImages, minKeepLastImages, maxKeepLastImages)
	}
	if a.Release != "" {
		if err := checkRelease(a.Release); err != nil {
			bad("Release: %w", err)
		}
	}

	if a.BuildContext != "" && a.ImageReference != "" {
		bad("BuildContext, ImageReference: both set (%q, %q); accepted one of them", a.BuildContext, a.ImageReference)
	}
	if a.BuildContext != "" {
		if a.Release == "" {
			bad("Release: empty; required with BuildContext %q, accepted %s", a.BuildContext, tagPattern)
		}
		if !platformPattern.MatchString(a.Platform) {
			bad("Platform: %q is invalid; accepted os/arch[/variant] such as %s", a.Platform, defaultPlatform)
		}
	} else {
		if a.Dockerfile != "" {
			bad("Dockerfile: %q is set without BuildContext; accepted only with BuildContext", a.Dockerfile)
		}
		if a.Platform != "" {
			bad("Platform: %q is set without BuildContext; accepted only with BuildContext", a.Platform)
		}
	}
	if a.ImageReference != "" && strings.ContainsAny(a.ImageReference, " \t\r\n") {
		bad("ImageReference: %q contains whitespace; accepted an image reference such as repo:tag or repo@sha256:...",
			a.ImageReference)
	}
	return errors.Join(errs...)
}

// KeepTagPrefix starts the tag that protects an image from the lifecycle
// policy (imagetag.KeepTagPrefix, where the contract lives).
const KeepTagPrefix = imagetag.KeepTagPrefix

// KeepTag returns the tag that protects release's image, keep-<release>;
// imagetag.KeepTag documents who adds and removes it.
func KeepTag(release string) (string, error) {
	return imagetag.KeepTag(release)
}

// IsKeepTag says whether tag protects an image rather than naming a
// release.
func IsKeepTag(tag string) bool {
	return imagetag.IsKeepTag(tag)
}

// checkRelease accepts a release that the lifecycle policy can protect
// (imagetag.CheckRelease).
func checkRelease(release string) error {
	return imagetag.CheckRelease(release)
}
