package awscheck

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"

	"github.com/video-platform/video-platform/internal/imagetag"
)

// KeepResult is what KeepImages did to a repository, by release.
type KeepResult struct {
	// Added are the releases whose image got its keep- tag.
	Added []string
	// Removed are the releases, not asked for, whose keep- tag was
	// deleted, so that the lifecycle policy may expire their images.
	Removed []string
	// Missing are the releases asked for that no image is tagged with:
	// nothing can protect them, and nothing can deploy them either.
	Missing []string
}

// ecrBatchSize is how many image IDs BatchDeleteImage takes at once.
const ecrBatchSize = 100

// manifestMediaTypes are the manifests BatchGetImage may answer with. ECR
// converts a manifest into one the caller accepts, and a converted
// manifest put under the keep- tag would be another image; listing every
// type a build pushes gets the stored manifest byte for byte.
var manifestMediaTypes = []string{
	"application/vnd.docker.distribution.manifest.v2+json",
	"application/vnd.docker.distribution.manifest.list.v2+json",
	"application/vnd.oci.image.manifest.v1+json",
	"application/vnd.oci.image.index.v1+json",
}

// KeepImages implements Registry.
func (c registry) KeepImages(ctx context.Context, repositoryName string, releases []string) (KeepResult, error) {
	var res KeepResult
	fail := func(err error) (KeepResult, error) {
		slices.Sort(res.Removed)
		return res, fmt.Errorf("keep images of %s: %w", repositoryName, err)
	}
	keepTags := make(map[string]string, len(releases))
	for _, r := range releases {
		keep, err := imagetag.KeepTag(r)
		if err != nil {
			return fail(err)
		}
		keepTags[r] = keep
	}
	images, err := c.taggedImages(ctx, repositoryName)
	if err != nil {
		return fail(err)
	}
	tagsOf := map[string][]string{}
	for _, img := range images {
		for _, t := range img.ImageTags {
			tagsOf[t] = img.ImageTags
		}
	}

	for _, release := range slices.Sorted(maps.Keys(keepTags)) {
		keep := keepTags[release]
		tags, ok := tagsOf[release]
		switch {
		case !ok:
			res.Missing = append(res.Missing, release)
			continue
		case slices.Contains(tags, keep):
			continue
		}
		added, found, err := c.addTag(ctx, repositoryName, release, keep)
		switch {
		case err != nil:
			return fail(err)
		case !found:
			res.Missing = append(res.Missing, release)
		case added:
			res.Added = append(res.Added, release)
		}
	}

	var stale []ecrtypes.ImageIdentifier
	for _, img := range images {
		tags := img.ImageTags
		// An image without a release tag was not tagged by the convention,
		// and deleting its keep- tags could delete the image itself.
		if !slices.ContainsFunc(tags, func(t string) bool { return !imagetag.IsKeepTag(t) }) {
			continue
		}
		for _, t := range tags {
			if release, ok := imagetag.KeptRelease(t); ok {
				if _, wanted := keepTags[release]; !wanted {
					stale = append(stale, ecrtypes.ImageIdentifier{ImageTag: aws.String(t)})
				}
			}
		}
	}
	slices.SortFunc(stale, func(a, b ecrtypes.ImageIdentifier) int {
		return cmp.Compare(aws.ToString(a.ImageTag), aws.ToString(b.ImageTag))
	})
	for chunk := range slices.Chunk(stale, ecrBatchSize) {
		removed, err := c.deleteTags(ctx, repositoryName, chunk)
		res.Removed = append(res.Removed, removed...)
		if err != nil {
			return fail(err)
		}
	}
	slices.Sort(res.Removed)
	return res, nil
}

// addTag puts the manifest of the image tagged release again under keep,
// which is how ECR adds a tag to an image (IMMUTABLE tags allow a new
// one). added is false when the image carries keep already, found false
// when no image is tagged release any more.
func (c registry) addTag(ctx context.Context, repositoryName, release, keep string) (added, found bool, err error) {
	got, err := c.ecr.BatchGetImage(ctx, &ecr.BatchGetImageInput{
		RepositoryName:     aws.String(repositoryName),
		ImageIds:           []ecrtypes.ImageIdentifier{{ImageTag: aws.String(release)}},
		AcceptedMediaTypes: manifestMediaTypes,
	})
	if err != nil {
		return false, false, ecrError("get image "+release, err)
	}
	// One image was asked for, so one failure is the whole answer.
	if len(got.Failures) > 0 {
		f := got.Failures[0]
		if f.FailureCode == ecrtypes.ImageFailureCodeImageNotFound {
			return false, false, nil
		}
		return false, false, fmt.Errorf("get image %s: %s: %s", release, f.FailureCode, aws.ToString(f.FailureReason))
	}
	if len(got.Images) != 1 {
		return false, false, fmt.Errorf("get image %s: the answer holds %d images, want 1", release, len(got.Images))
	}
	img := got.Images[0]
	var digest *string
	if img.ImageId != nil {
		digest = img.ImageId.ImageDigest
	}
	_, err = c.ecr.PutImage(ctx, &ecr.PutImageInput{
		RepositoryName:         aws.String(repositoryName),
		ImageTag:               aws.String(keep),
		ImageManifest:          img.ImageManifest,
		ImageManifestMediaType: img.ImageManifestMediaType,
		// ECR checks the manifest against it, so keep can only ever go
		// on the image release names.
		ImageDigest: digest,
	})
	var exists *ecrtypes.ImageAlreadyExistsException
	switch {
	case errors.As(err, &exists):
		// Tagged since the listing, by `infra release` most likely.
		return false, true, nil
	case err != nil:
		return false, true, ecrError(fmt.Sprintf("tag image %s as %s", release, keep), err)
	}
	return true, true, nil
}

// deleteTags deletes the given keep- tags and returns the releases whose
// tag went, also when some other tag failed. A tag already gone is no
// failure: whoever deleted it wanted the same.
func (c registry) deleteTags(ctx context.Context, repositoryName string, ids []ecrtypes.ImageIdentifier) ([]string, error) {
	out, err := c.ecr.BatchDeleteImage(ctx, &ecr.BatchDeleteImageInput{
		RepositoryName: aws.String(repositoryName),
		ImageIds:       ids,
	})
	if err != nil {
		return nil, ecrError("delete keep- tags", err)
	}
	var errs []error
	for _, f := range out.Failures {
		if f.FailureCode == ecrtypes.ImageFailureCodeImageNotFound {
			continue
		}
		var tag string
		if f.ImageId != nil {
			tag = aws.ToString(f.ImageId.ImageTag)
		}
		errs = append(errs, fmt.Errorf("delete tag %s: %s: %s", tag, f.FailureCode, aws.ToString(f.FailureReason)))
	}
	var removed []string
	for _, id := range out.ImageIds {
		if release, ok := imagetag.KeptRelease(aws.ToString(id.ImageTag)); ok {
			removed = append(removed, release)
		}
	}
	return removed, errors.Join(errs...)
}
