package standin

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
)

// Media types of the manifests PushImage makes, besides the manifest's own
// (ecrManifestMediaType).
const (
	ecrConfigMediaType = "application/vnd.docker.container.image.v1+json"
	ecrLayerMediaType  = "application/vnd.docker.image.rootfs.diff.tar.gzip"

	// The stand-in holds no blobs, so the sizes only have to be plausible.
	ecrConfigSize = 1469
	ecrLayerSize  = 29_150_000
)

// ecrManifestDoc is a Docker image manifest, schema 2.
type ecrManifestDoc struct {
	SchemaVersion int             `json:"schemaVersion"`
	MediaType     string          `json:"mediaType"`
	Config        ecrDescriptor   `json:"config"`
	Layers        []ecrDescriptor `json:"layers"`
}

type ecrDescriptor struct {
	MediaType string `json:"mediaType"`
	Size      int    `json:"size"`
	Digest    string `json:"digest"`
}

// ecrSynthManifest makes the manifest of a pushed image from seed, whose
// config and layer digests it derives, so that the same push always makes
// the same manifest and two pushes never share one.
func ecrSynthManifest(seed string) string {
	config := ecrDigest(seed)
	doc := ecrManifestDoc{
		SchemaVersion: 2,
		MediaType:     ecrManifestMediaType,
		Config:        ecrDescriptor{MediaType: ecrConfigMediaType, Size: ecrConfigSize, Digest: config},
		Layers:        []ecrDescriptor{{MediaType: ecrLayerMediaType, Size: ecrLayerSize, Digest: ecrDigest(config)}},
	}
	b, err := json.Marshal(doc)
	if err != nil {
		panic(fmt.Sprintf("stand-in ECR: encode a manifest of plain fields: %v", err))
	}
	return string(b)
}

// ecrDigest is the OCI digest of content, which is what ECR calls an
// image's digest when content is its manifest.
func ecrDigest(content string) string {
	sum := sha256.Sum256([]byte(content))
	return "sha256:" + hex.EncodeToString(sum[:])
}

// errTagTaken refuses to move a tag of an IMMUTABLE repository from the
// image that holds it, as ECR refuses with ImageTagAlreadyExistsException.
type errTagTaken struct {
	Tag    string
	Digest string
}

func (e errTagTaken) Error() string {
	return fmt.Sprintf("tag %s is already on image %s and the repository's tags are IMMUTABLE", e.Tag, e.Digest)
}

// errNoImage is returned when no image of the repository matches, so the
// API can answer ImageNotFound.
type errNoImage struct {
	Repo string
	// Ref is the tag or digest looked for.
	Ref string
}

func (e errNoImage) Error() string {
	return fmt.Sprintf("no image %s in repository %s", e.Ref, e.Repo)
}

// TagDigest adds tag to the image whose manifest digest is digest, as
// ECR's PutImage of that image's manifest under a new tag does. added is
// false when the image already carries tag; a tag on another image follows
// PushImage's rules (an errTagTaken in an IMMUTABLE repository), and an
// unknown digest is an errNoImage.
func (reg *Registry) TagDigest(repo, digest, tag string) (added bool, err error) {
	if tag == "" {
		return false, fmt.Errorf("tag %s@%s: empty tag", repo, digest)
	}
	err = reg.withRepoImages(repo, true, func(images *[]Image, immutable bool) (bool, error) {
		i := slices.IndexFunc(*images, func(img Image) bool { return img.Digest == digest })
		if i < 0 {
			return false, errNoImage{Repo: repo, Ref: digest}
		}
		added, err = addTag(*images, i, tag, immutable)
		return added, err
	})
	if err != nil {
		return false, fmt.Errorf("tag %s@%s as %s: %w", repo, digest, tag, err)
	}
	return added, nil
}

// UntagImage takes tag off the image that carries it, as ECR's
// BatchDeleteImage by tag does: the image stays while it has another tag
// and goes with its last one. It returns the image's digest and whether
// the image was deleted; no image tagged tag is an errNoImage.
func (reg *Registry) UntagImage(repo, tag string) (digest string, deleted bool, err error) {
	err = reg.withRepoImages(repo, true, func(images *[]Image, _ bool) (bool, error) {
		i := slices.IndexFunc(*images, func(img Image) bool { return slices.Contains(img.Tags, tag) })
		if i < 0 {
			return false, errNoImage{Repo: repo, Ref: tag}
		}
		img := &(*images)[i]
		digest = img.Digest
		img.Tags = slices.DeleteFunc(img.Tags, func(t string) bool { return t == tag })
		if len(img.Tags) == 0 {
			*images = slices.Delete(*images, i, i+1)
			deleted = true
		}
		return true, nil
	})
	if err != nil {
		return "", false, fmt.Errorf("untag %s:%s: %w", repo, tag, err)
	}
	return digest, deleted, nil
}

// DeleteImage deletes the image digest with every tag it carries, as
// ECR's BatchDeleteImage by digest does, and returns those tags; an
// unknown digest is an errNoImage.
func (reg *Registry) DeleteImage(repo, digest string) (tags []string, err error) {
	err = reg.withRepoImages(repo, true, func(images *[]Image, _ bool) (bool, error) {
		i := slices.IndexFunc(*images, func(img Image) bool { return img.Digest == digest })
		if i < 0 {
			return false, errNoImage{Repo: repo, Ref: digest}
		}
		tags = (*images)[i].Tags
		*images = slices.Delete(*images, i, i+1)
		return true, nil
	})
	if err != nil {
		return nil, fmt.Errorf("delete %s@%s: %w", repo, digest, err)
	}
	return tags, nil
}

// addTag adds tag to images[i], or reports that it already carries it.
func addTag(images []Image, i int, tag string, immutable bool) (bool, error) {
	img := &images[i]
	if slices.Contains(img.Tags, tag) {
		return false, nil
	}
	if err := untag(images, tag, img.Digest, immutable); err != nil {
		return false, err
	}
	img.Tags = append(img.Tags, tag)
	slices.Sort(img.Tags)
	return true, nil
}
