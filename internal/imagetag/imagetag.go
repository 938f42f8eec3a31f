// Package imagetag is the contract of the keep- tag that protects a
// release's image from the ECR lifecycle policy: components/image builds
// the policy around it, and infra/awscheck adds and removes the tags. It
// is a leaf of its own so that the deploy tooling can follow the contract
// without linking the Pulumi AWS provider SDK that components/image needs.
package imagetag

import (
	"fmt"
	"strings"

	"github.com/video-platform/video-platform/internal/contract"
)

// KeepTagPrefix starts the tag that protects an image from the lifecycle
// policy. The policy's first rule selects every image with such a tag and
// never expires it, and ECR lets no later rule expire an image an earlier
// rule selected, so a protected image stays however old it is.
const KeepTagPrefix = "keep-"

// maxTagLength is Docker's limit on a tag; a release must leave room for
// its keep- tag.
const (
	maxTagLength     = 128
	maxReleaseLength = maxTagLength - len(KeepTagPrefix)
)

// ReleaseAccepted says which releases CheckRelease accepts, for messages
// that name a release someone configured.
var ReleaseAccepted = fmt.Sprintf("a non-empty image tag of letters, digits, '_', '.' and '-', at most %d characters, not starting with %s",
	maxReleaseLength, KeepTagPrefix)

// KeepTag returns the tag that protects release's image, keep-<release>.
//
// The convention: whoever makes a stack reference a release (`infra
// release` before it deploys, `infra housekeeping` for everything the
// stacks reference: the live and idle copies, which include the previous
// release a rollback returns to, and the active, warming and draining
// transcoders) adds keep-<release> to the release's image, and housekeeping
// deletes the keep- tags of images nothing references any more. Tags are
// immutable, so keep-<release> can only ever name release's image.
func KeepTag(release string) (string, error) {
	if err := CheckRelease(release); err != nil {
		return "", fmt.Errorf("keep tag: release %w", err)
	}
	return KeepTagPrefix + release, nil
}

// IsKeepTag says whether tag protects an image rather than naming a
// release.
func IsKeepTag(tag string) bool {
	return strings.HasPrefix(tag, KeepTagPrefix)
}

// KeptRelease returns the release a keep- tag protects, and false for a
// tag that is no keep- tag.
func KeptRelease(tag string) (string, bool) {
	return strings.CutPrefix(tag, KeepTagPrefix)
}

// CheckRelease accepts a release whose keep- tag is a Docker tag and that
// is not itself a keep- tag, which the policy would protect for ever.
func CheckRelease(release string) error {
	switch {
	case !contract.ReleasePattern.MatchString(release):
		return fmt.Errorf("%q is not a Docker tag; accepted %s", release, contract.ReleasePattern)
	case len(release) > maxReleaseLength:
		return fmt.Errorf("%q is %d characters; accepted at most %d, so that %s%s is a Docker tag too",
			release, len(release), maxReleaseLength, KeepTagPrefix, "<release>")
	case IsKeepTag(release):
		return fmt.Errorf("%q starts with %s, which marks protected images; accepted a release tag that does not", release, KeepTagPrefix)
	}
	return nil
}
