package image

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/video-platform/video-platform/components/internal/field"
	"github.com/video-platform/video-platform/internal/contract"
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

// platformPattern accepts os/arch with an optional variant, such as
// linux/amd64 or linux/arm/v7.
var platformPattern = regexp.MustCompile(`^[a-z0-9]+/[a-z0-9_]+(/[a-z0-9]+)?$`)

// ImageArgs configures a release artefact: an ECR repository and, optionally,
// an image built from source and pushed to it.
type ImageArgs struct {
	// Identity is the env and the service the image runs, such as
	// "recorder", tagged on the repository with the extra tags.
	contract.Identity

	// RepositoryName is the ECR repository's name, 2..256 characters of
	// lowercase path segments such as "video-platform/recorder". Required.
	RepositoryName string
	// KeepLastImages is how many of the newest images the lifecycle policy
	// keeps whatever their tags; older ones expire unless a keep- tag
	// protects them (see imagetag.KeepTag). 1..1000; nil means 30, and a value set
	// is taken as given, 0 included.
	KeepLastImages *int
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
	keep := defaultKeepLastImages
	if a.KeepLastImages != nil {
		keep = *a.KeepLastImages
	}
	a.KeepLastImages = &keep
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

// Validate reports every rejected field of the args as given, defaults
// applied first, each as a contract.FieldError, so that a caller can check
// the args it derives from its own config before it declares anything.
func (a ImageArgs) Validate() error {
	a = a.withDefaults()
	var errs field.List
	errs.Part("", a.Identity.Validate())
	if n := len(a.RepositoryName); n < minRepositoryNameLength || n > maxRepositoryNameLength {
		errs.Add("RepositoryName", a.RepositoryName, fmt.Sprintf("%d..%d characters; it has %d", minRepositoryNameLength, maxRepositoryNameLength, n))
	} else if !contract.RepositoryPattern.MatchString(a.RepositoryName) {
		errs.Add("RepositoryName", a.RepositoryName, "lowercase path segments matching "+contract.RepositoryPattern.String())
	}
	errs.Range("KeepLastImages", *a.KeepLastImages, minKeepLastImages, maxKeepLastImages)
	if a.Release != "" && imagetag.CheckRelease(a.Release) != nil {
		errs.Add("Release", a.Release, imagetag.ReleaseAccepted)
	}

	if a.BuildContext != "" && a.ImageReference != "" {
		errs.Add("BuildContext", a.BuildContext, fmt.Sprintf("either BuildContext or ImageReference, not both (ImageReference is %q)", a.ImageReference))
	}
	if a.BuildContext != "" {
		if a.Release == "" {
			errs.Add("Release", a.Release, fmt.Sprintf("a tag matching %s, required with BuildContext %q", contract.ReleasePattern, a.BuildContext))
		}
		if !platformPattern.MatchString(a.Platform) {
			errs.Add("Platform", a.Platform, "os/arch[/variant] such as "+defaultPlatform)
		}
	} else {
		if a.Dockerfile != "" {
			errs.Add("Dockerfile", a.Dockerfile, "only with BuildContext")
		}
		if a.Platform != "" {
			errs.Add("Platform", a.Platform, "only with BuildContext")
		}
	}
	if a.ImageReference != "" && strings.ContainsAny(a.ImageReference, " \t\r\n") {
		errs.Add("ImageReference", a.ImageReference, "an image reference without whitespace, such as repo:tag or repo@sha256:...")
	}
	return errs.Err()
}
