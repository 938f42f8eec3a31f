package standin

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// manifestOf reads the manifest of repo:tag with BatchGetImage.
func (e *apiEnv) manifestOf(t *testing.T, repo, tag string) ecrtypes.Image {
	t.Helper()
	out, err := e.ecrClient().BatchGetImage(context.Background(), &ecr.BatchGetImageInput{
		RepositoryName: aws.String(repo),
		ImageIds:       []ecrtypes.ImageIdentifier{{ImageTag: aws.String(tag)}},
	})
	require.NoError(t, err, "BatchGetImage %s:%s", repo, tag)
	require.Empty(t, out.Failures, "BatchGetImage %s:%s", repo, tag)
	require.Len(t, out.Images, 1, "BatchGetImage %s:%s", repo, tag)
	return out.Images[0]
}

// tagsByDigest is the Store's view of a repository: each image's tags.
func (e *apiEnv) tagsByDigest(t *testing.T, repo string) map[string][]string {
	t.Helper()
	images, err := e.store.Registry().Images(repo)
	require.NoError(t, err, "Images of %s", repo)
	out := map[string][]string{}
	for _, img := range images {
		out[img.Digest] = img.Tags
	}
	return out
}

func TestECRBatchGetImageManifestMatchesDigest(t *testing.T) {
	env := newAPIEnv(t)
	env.repositories(t)
	env.push(t, apiTestRepo, "r41", apiT0)
	env.push(t, apiTestRepo, "r42", apiT0.Add(time.Hour))
	images, err := env.store.Registry().Images(apiTestRepo)
	require.NoError(t, err, "Images")

	img := env.manifestOf(t, apiTestRepo, "r41")
	sum := sha256.Sum256([]byte(aws.ToString(img.ImageManifest)))
	digest := "sha256:" + hex.EncodeToString(sum[:])
	assert.Equal(t, images[0].Digest, digest, "the image digest is the manifest's sha256, as in ECR")
	assert.Equal(t, digest, aws.ToString(img.ImageId.ImageDigest), "the answer names the digest")
	assert.Equal(t, "r41", aws.ToString(img.ImageId.ImageTag), "and the tag asked for")
	assert.Equal(t, ecrManifestMediaType, aws.ToString(img.ImageManifestMediaType), "media type")
	var doc struct {
		SchemaVersion int    `json:"schemaVersion"`
		MediaType     string `json:"mediaType"`
		Layers        []any  `json:"layers"`
	}
	require.NoError(t, json.Unmarshal([]byte(aws.ToString(img.ImageManifest)), &doc), "the manifest is JSON")
	assert.Equal(t, 2, doc.SchemaVersion, "Docker schema 2")
	assert.Equal(t, ecrManifestMediaType, doc.MediaType, "the manifest names its media type")
	assert.NotEqual(t, img.ImageManifest, env.manifestOf(t, apiTestRepo, "r42").ImageManifest, "two pushes, two manifests")

	out, err := env.ecrClient().BatchGetImage(context.Background(), &ecr.BatchGetImageInput{
		RepositoryName: aws.String(apiTestRepo),
		ImageIds: []ecrtypes.ImageIdentifier{
			{ImageDigest: aws.String(digest)}, {ImageTag: aws.String("r43")}, {},
			{ImageDigest: aws.String(digest), ImageTag: aws.String("r42")},
		},
	})
	require.NoError(t, err, "missing images are failures of a call that succeeds")
	require.Len(t, out.Images, 1, "r41 by digest")
	assert.Equal(t, img.ImageManifest, out.Images[0].ImageManifest, "the same manifest by digest")
	codes := map[string]ecrtypes.ImageFailureCode{}
	for _, f := range out.Failures {
		codes[aws.ToString(f.ImageId.ImageTag)] = f.FailureCode
	}
	assert.Equal(t, map[string]ecrtypes.ImageFailureCode{
		"r43": ecrtypes.ImageFailureCodeImageNotFound,
		"":    ecrtypes.ImageFailureCodeMissingDigestAndTag,
		"r42": ecrtypes.ImageFailureCodeImageNotFound,
	}, codes, "an unknown tag, an empty ID, and a tag on another digest")

	out, err = env.ecrClient().BatchGetImage(context.Background(), &ecr.BatchGetImageInput{
		RepositoryName:     aws.String(apiTestRepo),
		ImageIds:           []ecrtypes.ImageIdentifier{{ImageTag: aws.String("r41")}},
		AcceptedMediaTypes: []string{"application/vnd.docker.distribution.manifest.v1+json"},
	})
	require.NoError(t, err, "BatchGetImage accepting only schema 1")
	assert.Empty(t, out.Images, "the stand-in converts no manifest")
	require.Len(t, out.Failures, 1, "a failure instead")
	assert.Equal(t, ecrtypes.ImageFailureCodeImageNotFound, out.Failures[0].FailureCode, "failure code")
}

func TestECRPutImageAddsATag(t *testing.T) {
	env := newAPIEnv(t)
	env.repositories(t)
	env.push(t, apiTestRepo, "r41", apiT0)
	env.push(t, apiTestRepo, "r42", apiT0.Add(time.Hour))
	ctx := context.Background()
	r41 := env.manifestOf(t, apiTestRepo, "r41")
	put := func(repo, tag string, img ecrtypes.Image) (*ecr.PutImageOutput, error) {
		return env.ecrClient().PutImage(ctx, &ecr.PutImageInput{
			RepositoryName: aws.String(repo), ImageTag: aws.String(tag),
			ImageManifest: img.ImageManifest, ImageManifestMediaType: img.ImageManifestMediaType,
			ImageDigest: img.ImageId.ImageDigest,
		})
	}

	out, err := put(apiTestRepo, "keep-r41", r41)
	require.NoError(t, err, "a new tag on an image of an IMMUTABLE repository")
	assert.Equal(t, r41.ImageId.ImageDigest, out.Image.ImageId.ImageDigest, "the same image")
	assert.Equal(t, "keep-r41", aws.ToString(out.Image.ImageId.ImageTag), "under the new tag")
	detail, err := env.ecrClient().DescribeImages(ctx, &ecr.DescribeImagesInput{
		RepositoryName: aws.String(apiTestRepo), ImageIds: []ecrtypes.ImageIdentifier{{ImageTag: aws.String("keep-r41")}},
	})
	require.NoError(t, err, "DescribeImages by the new tag")
	require.Len(t, detail.ImageDetails, 1, "one image")
	assert.Equal(t, []string{"keep-r41", "r41"}, detail.ImageDetails[0].ImageTags, "both tags")
	assert.Equal(t, apiT0, aws.ToTime(detail.ImageDetails[0].ImagePushedAt).UTC(), "a tag is no push")

	_, err = put(apiTestRepo, "keep-r41", r41)
	var exists *ecrtypes.ImageAlreadyExistsException
	assert.ErrorAs(t, err, &exists, "the same tag on the same image again")

	_, err = put(apiTestRepo, "r42", r41)
	var taken *ecrtypes.ImageTagAlreadyExistsException
	assert.ErrorAs(t, err, &taken, "an IMMUTABLE tag never moves")

	wrongDigest := r41
	wrongDigest.ImageId = &ecrtypes.ImageIdentifier{ImageDigest: aws.String("sha256:" + hex.EncodeToString(make([]byte, 32)))}
	_, err = put(apiTestRepo, "keep-r41b", wrongDigest)
	var mismatch *ecrtypes.ImageDigestDoesNotMatchException
	assert.ErrorAs(t, err, &mismatch, "the digest given is not the manifest's")

	unknown := r41
	unknown.ImageManifest = aws.String(`{"schemaVersion":2,"mediaType":"` + ecrManifestMediaType + `","layers":[]}`)
	unknown.ImageId = &ecrtypes.ImageIdentifier{}
	_, err = put(apiTestRepo, "r43", unknown)
	var noLayers *ecrtypes.LayersNotFoundException
	assert.ErrorAs(t, err, &noLayers, "a manifest of no image the stand-in holds")

	for name, img := range map[string]ecrtypes.Image{
		"not JSON":             {ImageManifest: aws.String("{"), ImageId: &ecrtypes.ImageIdentifier{}},
		"another media type":   {ImageManifest: r41.ImageManifest, ImageManifestMediaType: aws.String("application/vnd.oci.image.manifest.v1+json"), ImageId: &ecrtypes.ImageIdentifier{}},
		"no media type at all": {ImageManifest: aws.String(`{"schemaVersion":2}`), ImageId: &ecrtypes.ImageIdentifier{}},
	} {
		_, err := put(apiTestRepo, "r44", img)
		var invalid *ecrtypes.InvalidParameterException
		assert.ErrorAs(t, err, &invalid, "%s is refused", name)
	}

	_, err = put("video-platform/prod/typo", "keep-r41", r41)
	var noRepo *ecrtypes.RepositoryNotFoundException
	assert.ErrorAs(t, err, &noRepo, "an unknown repository")

	r42 := env.manifestOf(t, apiTestRepo, "r42")
	assert.Equal(t, map[string][]string{
		aws.ToString(r41.ImageId.ImageDigest): {"keep-r41", "r41"},
		aws.ToString(r42.ImageId.ImageDigest): {"r42"},
	}, env.tagsByDigest(t, apiTestRepo), "only the new tag was kept; nothing refused changed an image")
}

func TestECRPutImageMovesAMutableTag(t *testing.T) {
	env := newAPIEnv(t)
	env.repositories(t)
	env.push(t, apiTestMutable, "latest", apiT0)
	env.push(t, apiTestMutable, "r2", apiT0.Add(time.Hour))
	latest := env.manifestOf(t, apiTestMutable, "latest")
	r2 := env.manifestOf(t, apiTestMutable, "r2")

	_, err := env.ecrClient().PutImage(context.Background(), &ecr.PutImageInput{
		RepositoryName: aws.String(apiTestMutable), ImageTag: aws.String("latest"),
		ImageManifest: r2.ImageManifest, ImageManifestMediaType: r2.ImageManifestMediaType,
	})
	require.NoError(t, err, "a MUTABLE tag moves to the image put under it")
	assert.Equal(t, map[string][]string{
		aws.ToString(latest.ImageId.ImageDigest): nil,
		aws.ToString(r2.ImageId.ImageDigest):     {"latest", "r2"},
	}, env.tagsByDigest(t, apiTestMutable), "the old image is left untagged")
}

func TestECRBatchDeleteImageRemovesTagsAndLastTagsImage(t *testing.T) {
	env := newAPIEnv(t)
	env.repositories(t)
	env.push(t, apiTestRepo, "r40", apiT0)
	env.push(t, apiTestRepo, "r41", apiT0.Add(time.Hour))
	env.push(t, apiTestRepo, "r42", apiT0.Add(2*time.Hour))
	require.NoError(t, env.store.Registry().TagImage(apiTestRepo, "r41", "keep-r41"), "protect r41")
	require.NoError(t, env.store.Registry().TagImage(apiTestRepo, "r42", "keep-r42"), "protect r42")
	digest := func(tag string) string { return aws.ToString(env.manifestOf(t, apiTestRepo, tag).ImageId.ImageDigest) }
	d40, d41, d42 := digest("r40"), digest("r41"), digest("r42")

	out, err := env.ecrClient().BatchDeleteImage(context.Background(), &ecr.BatchDeleteImageInput{
		RepositoryName: aws.String(apiTestRepo),
		ImageIds: []ecrtypes.ImageIdentifier{
			{ImageTag: aws.String("keep-r41")},                          // one of two tags: the image stays
			{ImageTag: aws.String("r40")},                               // the last tag: the image goes
			{ImageTag: aws.String("keep-r43")},                          // no such tag
			{ImageTag: aws.String("r42"), ImageDigest: aws.String(d41)}, // a tag of another image
			{ImageDigest: aws.String(d42)},                              // a digest: the image with every tag
			{},
		},
	})
	require.NoError(t, err, "BatchDeleteImage answers per ID")
	var deleted [][2]string
	for _, id := range out.ImageIds {
		deleted = append(deleted, [2]string{aws.ToString(id.ImageDigest), aws.ToString(id.ImageTag)})
	}
	assert.Equal(t, [][2]string{{d41, "keep-r41"}, {d40, "r40"}, {d42, "keep-r42"}, {d42, "r42"}}, deleted,
		"every tag that went, with its image's digest")
	var failures [][2]string
	for _, f := range out.Failures {
		failures = append(failures, [2]string{aws.ToString(f.ImageId.ImageTag), string(f.FailureCode)})
	}
	assert.Equal(t, [][2]string{{"keep-r43", "ImageNotFound"}, {"r42", "ImageNotFound"}, {"", "MissingDigestAndTag"}}, failures,
		"what matched nothing, as ECR reports it")
	assert.Equal(t, map[string][]string{d41: {"r41"}}, env.tagsByDigest(t, apiTestRepo),
		"r41 keeps its release tag; r40 and r42 are gone")

	_, err = env.ecrClient().BatchDeleteImage(context.Background(), &ecr.BatchDeleteImageInput{
		RepositoryName: aws.String("video-platform/prod/typo"),
		ImageIds:       []ecrtypes.ImageIdentifier{{ImageTag: aws.String("r41")}},
	})
	var noRepo *ecrtypes.RepositoryNotFoundException
	assert.ErrorAs(t, err, &noRepo, "an unknown repository fails the whole call")
}
