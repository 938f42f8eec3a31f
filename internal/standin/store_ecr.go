package standin

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// apiTypeRepository is the ECR repository type the provider creates; its
// name output is the repository name every ECR call uses.
const apiTypeRepository = "aws:ecr/repository:Repository"

// Registry is the stand-in's ECR registry: the images of the repositories
// the provider created, kept in the Store's directory under ecr/ so that
// every process sharing the Store sees the same images.
type Registry struct {
	store *Store
}

// Registry returns the ECR registry whose images the Store keeps.
func (s *Store) Registry() *Registry { return &Registry{store: s} }

// Image is one image of a stand-in ECR repository.
type Image struct {
	// Digest is the sha256 of Manifest ("sha256:..."), as ECR's image
	// digest is, so that PutImage can find an image by the manifest it is
	// given.
	Digest string `json:"digest"`
	// Manifest is the image's Docker manifest, made from the repository,
	// the first tag and the push time, so every push is a new image.
	Manifest string `json:"manifest"`
	// Tags are the image's tags, sorted; none once every tag moved away.
	Tags []string `json:"tags,omitempty"`
	// PushedAt is when the image was pushed, in UTC.
	PushedAt time.Time `json:"pushedAt"`
}

// PushImage records an image pushed to the repository named repo as tag
// at pushedAt (a rehearsal's virtual time, never the wall clock). The
// repository must be one the provider created. A tag already on another
// image is refused when the repository's tags are IMMUTABLE, as ECR
// refuses the push, and otherwise moves to the new image, leaving the old
// one with its other tags or untagged.
func (reg *Registry) PushImage(repo, tag string, pushedAt time.Time) error {
	if tag == "" {
		return fmt.Errorf("push to %s: empty tag", repo)
	}
	pushedAt = pushedAt.UTC()
	manifest := ecrSynthManifest(repo + "\x00" + tag + "\x00" + pushedAt.Format(time.RFC3339Nano))
	img := Image{Digest: ecrDigest(manifest), Manifest: manifest, Tags: []string{tag}, PushedAt: pushedAt}
	return reg.withRepoImages(repo, true, func(images *[]Image, immutable bool) (bool, error) {
		if slices.ContainsFunc(*images, func(have Image) bool { return have.Digest == img.Digest }) {
			return false, nil // the same push again
		}
		if err := untag(*images, tag, img.Digest, immutable); err != nil {
			return false, fmt.Errorf("push %s:%s: %w", repo, tag, err)
		}
		*images = append(*images, img)
		return true, nil
	})
}

// TagImage adds newTag to the image tagged tag in the repository named
// repo, as putting an image's manifest again under another tag does (how
// a protective keep- tag of components/image is added). The image keeps
// its push time. Adding a tag the image already has changes nothing; a
// tag on another image follows PushImage's rules.
func (reg *Registry) TagImage(repo, tag, newTag string) error {
	if newTag == "" {
		return fmt.Errorf("tag %s:%s: empty new tag", repo, tag)
	}
	return reg.withRepoImages(repo, true, func(images *[]Image, immutable bool) (bool, error) {
		i := slices.IndexFunc(*images, func(img Image) bool { return slices.Contains(img.Tags, tag) })
		if i < 0 {
			return false, fmt.Errorf("tag %s:%s: no image tagged %s", repo, tag, tag)
		}
		added, err := addTag(*images, i, newTag, immutable)
		if err != nil {
			return false, fmt.Errorf("tag %s:%s as %s: %w", repo, tag, newTag, err)
		}
		return added, nil
	})
}

// Images returns the images of the repository named repo, oldest first.
func (reg *Registry) Images(repo string) ([]Image, error) {
	var out []Image
	err := reg.withRepoImages(repo, false, func(images *[]Image, _ bool) (bool, error) {
		out = slices.Clone(*images)
		return false, nil
	})
	return out, err
}

// errNoRepository is returned for a repository the provider did not
// create, so the API can answer RepositoryNotFoundException.
type errNoRepository string

func (e errNoRepository) Error() string {
	return "no ECR repository named " + string(e) + " in the stand-in (the provider creates them)"
}

// untag takes tag off every image but digest's, or refuses to when the
// repository's tags are immutable.
func untag(images []Image, tag, digest string, immutable bool) error {
	for i := range images {
		if images[i].Digest == digest || !slices.Contains(images[i].Tags, tag) {
			continue
		}
		if immutable {
			return errTagTaken{Tag: tag, Digest: images[i].Digest}
		}
		images[i].Tags = slices.DeleteFunc(images[i].Tags, func(t string) bool { return t == tag })
	}
	return nil
}

// withRepoImages runs fn on the images of the repository named repo under
// the repository's lock, so pushes from several processes never lose one
// another. Images live under ecr/ in one JSON file per repository name.
func (reg *Registry) withRepoImages(repo string, write bool, fn func(images *[]Image, immutable bool) (bool, error)) error {
	res, err := reg.repository(repo)
	if err != nil {
		return err
	}
	immutable := strings.EqualFold(res.Str("imageTagMutability"), "IMMUTABLE")
	var images []Image
	base := strings.TrimSuffix(fileKey(apiTypeRepository, repo), ".json")
	return reg.store.withLockedJSON("ecr", base, write, &images, func() (bool, error) {
		return fn(&images, immutable)
	})
}

// repository finds the Repository resource named repo.
func (reg *Registry) repository(repo string) (Resource, error) {
	repos, err := reg.store.OfType(apiTypeRepository)
	if err != nil {
		return Resource{}, err
	}
	for _, r := range repos {
		if r.Str("name") == repo {
			return r, nil
		}
	}
	return Resource{}, errNoRepository(repo)
}
