package awscheck

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"
)

// ecrPageSize is DescribeImages' largest page: a repository keeps up to a
// thousand images, so listing one takes a single call in practice.
const ecrPageSize = 1000

// ImageExists implements Registry.
func (c registry) ImageExists(ctx context.Context, repositoryName, tag string) (bool, error) {
	out, err := c.ecr.DescribeImages(ctx, &ecr.DescribeImagesInput{
		RepositoryName: aws.String(repositoryName),
		ImageIds:       []ecrtypes.ImageIdentifier{{ImageTag: aws.String(tag)}},
	})
	if err != nil {
		// ECR answers a missing tag with an error rather than an empty
		// list; it is the one error that means "not pushed".
		var nf *ecrtypes.ImageNotFoundException
		if errors.As(err, &nf) {
			return false, nil
		}
		return false, ecrError(fmt.Sprintf("describe image %s:%s", repositoryName, tag), err)
	}
	for _, d := range out.ImageDetails {
		if slices.Contains(d.ImageTags, tag) {
			return true, nil
		}
	}
	// A success that does not carry the tag contradicts ECR's contract;
	// answering false would refuse a release for the wrong reason, true
	// would deploy an image nobody saw.
	return false, fmt.Errorf("describe image %s:%s: the answer holds %d images, none tagged %s",
		repositoryName, tag, len(out.ImageDetails), tag)
}

// NearestTags implements Registry. ECR lists images in no particular order,
// so every page is read and the images sorted by push time here.
func (c registry) NearestTags(ctx context.Context, repositoryName string, n int) ([]ImageTag, error) {
	if n <= 0 {
		return nil, nil
	}
	type pushed struct {
		at   time.Time
		tags []string
	}
	details, err := c.taggedImages(ctx, repositoryName)
	if err != nil {
		return nil, err
	}
	images := make([]pushed, 0, len(details))
	for _, d := range details {
		tags := slices.Sorted(slices.Values(d.ImageTags))
		images = append(images, pushed{at: aws.ToTime(d.ImagePushedAt).UTC(), tags: tags})
	}
	// Images pushed in the same second keep a stable order by tag, so the
	// same repository always reads the same.
	slices.SortFunc(images, func(a, b pushed) int {
		if c := b.at.Compare(a.at); c != 0 {
			return c
		}
		return cmp.Compare(a.tags[0], b.tags[0])
	})
	var out []ImageTag
	for _, img := range images[:min(n, len(images))] {
		for _, tag := range img.tags {
			out = append(out, ImageTag{Tag: tag, PushedAt: img.at})
		}
	}
	return out, nil
}

// taggedImages lists every image of the repository that has a tag, page by
// page.
func (c registry) taggedImages(ctx context.Context, repositoryName string) ([]ecrtypes.ImageDetail, error) {
	var images []ecrtypes.ImageDetail
	p := ecr.NewDescribeImagesPaginator(c.ecr, &ecr.DescribeImagesInput{
		RepositoryName: aws.String(repositoryName),
		Filter:         &ecrtypes.DescribeImagesFilter{TagStatus: ecrtypes.TagStatusTagged},
		MaxResults:     aws.Int32(ecrPageSize),
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, ecrError("describe images of "+repositoryName, err)
		}
		for _, d := range page.ImageDetails {
			if len(d.ImageTags) > 0 {
				images = append(images, d)
			}
		}
	}
	return images, nil
}

// ecrError wraps an ECR failure, marking a missing repository ErrNotFound.
func ecrError(what string, err error) error {
	var nr *ecrtypes.RepositoryNotFoundException
	if errors.As(err, &nr) {
		return fmt.Errorf("%s: %w: %w", what, ErrNotFound, err)
	}
	return fmt.Errorf("%s: %w", what, err)
}
