package standin

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/video-platform/video-platform/infra/awscheck"
)

const (
	apiTestRepo    = "video-platform/prod/web"
	apiTestMutable = "video-platform/prod/scratch"
)

// The throttle tests in api_test.go call one awscheck method per service
// in APIServices; this adds ECR's. Their fixture holds no repository, so a
// call the throttle lets through is answered RepositoryNotFound, after the
// throttle check.
func init() {
	apiThrottledCalls[apiSvcECR] = func(ctx context.Context, c apiClient) error {
		_, err := c.Registry.ImageExists(ctx, apiTestRepo, "r1")
		if errors.Is(err, awscheck.ErrNotFound) {
			return nil
		}
		return err
	}
}

// repositories puts what the provider holds for the base stack's web
// repository (immutable tags, as components/image declares it) and a
// mutable one.
func (e *apiEnv) repositories(t *testing.T) {
	t.Helper()
	e.put(t, apiTypeRepository, apiTestRepo, map[string]any{"name": apiTestRepo, "imageTagMutability": "IMMUTABLE"})
	e.put(t, apiTypeRepository, apiTestMutable, map[string]any{"name": apiTestMutable, "imageTagMutability": "MUTABLE"})
}

func (e *apiEnv) push(t *testing.T, repo, tag string, at time.Time) {
	t.Helper()
	require.NoError(t, e.store.Registry().PushImage(repo, tag, at), "push %s:%s", repo, tag)
}

// ecrClient is the SDK's ECR client on the stand-in, for requests awscheck
// never makes.
func (e *apiEnv) ecrClient() *ecr.Client {
	cfg := apiConfig()
	cfg.RetryMaxAttempts = 1
	return ecr.NewFromConfig(cfg, func(o *ecr.Options) { o.BaseEndpoint = aws.String(e.url) })
}

func TestECRImageExists(t *testing.T) {
	env := newAPIEnv(t)
	env.repositories(t)
	env.push(t, apiTestRepo, "r41", apiT0)
	env.push(t, apiTestRepo, "r42", apiT0.Add(time.Hour))
	c := env.client()
	ctx := context.Background()

	got, err := c.Registry.ImageExists(ctx, apiTestRepo, "r42")
	require.NoError(t, err, "DescribeImages of a pushed tag")
	assert.True(t, got, "r42 was pushed")

	got, err = c.Registry.ImageExists(ctx, apiTestRepo, "r43")
	require.NoError(t, err, "a missing tag is an answer, not a failure")
	assert.False(t, got, "r43 was never pushed")

	_, err = env.ecrClient().DescribeImages(ctx, &ecr.DescribeImagesInput{
		RepositoryName: aws.String(apiTestRepo),
		ImageIds:       []ecrtypes.ImageIdentifier{{ImageTag: aws.String("r41")}, {ImageTag: aws.String("r43")}},
	})
	var nf *ecrtypes.ImageNotFoundException
	require.ErrorAs(t, err, &nf, "one missing image fails the whole call, as in ECR")
	assert.Equal(t, "The image with imageId {imageDigest:'null', imageTag:'r43'} does not exist within the repository with name '"+
		apiTestRepo+"' in the registry with id '"+AccountID+"'", nf.ErrorMessage(), "ECR's message")

	_, err = c.Registry.ImageExists(ctx, "video-platform/prod/typo", "r42")
	require.Error(t, err, "an unknown repository must not read as a missing image")
	assert.ErrorIs(t, err, awscheck.ErrNotFound, "awscheck maps RepositoryNotFoundException to ErrNotFound")
	var nr *ecrtypes.RepositoryNotFoundException
	assert.ErrorAs(t, err, &nr, "the SDK decoded the modeled error")
	assert.Equal(t, 4, env.callsTo("ecr"), "signed for ecr, none retried")

	_, err = env.ecrClient().DescribeImages(ctx, &ecr.DescribeImagesInput{
		RepositoryName: aws.String(apiTestRepo), RegistryId: aws.String("210987654321"),
	})
	assert.ErrorAs(t, err, &nr, "the repository is not in another account's registry")
}

func TestECRImagesByDigestAndTag(t *testing.T) {
	env := newAPIEnv(t)
	env.repositories(t)
	env.push(t, apiTestRepo, "r41", apiT0)
	require.NoError(t, env.store.Registry().TagImage(apiTestRepo, "r41", "keep-r41"), "protect r41")
	images, err := env.store.Registry().Images(apiTestRepo)
	require.NoError(t, err, "Images")
	require.Len(t, images, 1, "a tag is not a push")
	digest := images[0].Digest
	assert.Regexp(t, `^sha256:[0-9a-f]{64}$`, digest, "a manifest digest")

	out, err := env.ecrClient().DescribeImages(context.Background(), &ecr.DescribeImagesInput{
		RepositoryName: aws.String(apiTestRepo),
		ImageIds: []ecrtypes.ImageIdentifier{
			{ImageDigest: aws.String(digest)}, {ImageTag: aws.String("keep-r41")},
			{ImageDigest: aws.String(digest), ImageTag: aws.String("r41")},
		},
	})
	require.NoError(t, err, "DescribeImages by digest, by tag and by both")
	require.Len(t, out.ImageDetails, 1, "one image named three ways is answered once")
	d := out.ImageDetails[0]
	assert.Equal(t, digest, aws.ToString(d.ImageDigest), "digest")
	assert.Equal(t, []string{"keep-r41", "r41"}, d.ImageTags, "both tags")
	assert.Equal(t, apiT0, aws.ToTime(d.ImagePushedAt).UTC(), "push time kept by the new tag")
	assert.Equal(t, AccountID, aws.ToString(d.RegistryId), "the stand-in's account")
	assert.Equal(t, apiTestRepo, aws.ToString(d.RepositoryName), "repository")
}

func TestECRNearestTagsAcrossPages(t *testing.T) {
	env := newAPIEnv(t)
	env.repositories(t)
	const n = 230
	for i := range n {
		env.push(t, apiTestRepo, fmt.Sprintf("r%03d", i), apiT0.Add(time.Duration(i)*time.Minute))
	}
	require.NoError(t, env.store.Registry().TagImage(apiTestRepo, "r228", "keep-r228"), "protect r228")
	ctx := context.Background()

	got, err := env.client().Registry.NearestTags(ctx, apiTestRepo, 2)
	require.NoError(t, err, "NearestTags")
	assert.Equal(t, []awscheck.ImageTag{
		{Tag: "r229", PushedAt: apiT0.Add(229 * time.Minute)},
		{Tag: "keep-r228", PushedAt: apiT0.Add(228 * time.Minute)},
		{Tag: "r228", PushedAt: apiT0.Add(228 * time.Minute)},
	}, got, "the two newest images and every tag of each")
	// Operations, not attempts: the claim is about the page size, and a
	// retry of the same call (seen once under a loaded CI) is the SDK's.
	// An attempt the stand-in itself failed is still a failure here.
	calls, attempts := env.invocationsOf("ecr")
	assert.Equal(t, 1, calls, "awscheck's pages of 1000 hold the whole repository: %+v", attempts)
	for _, a := range attempts {
		assert.Less(t, a.Status, http.StatusInternalServerError, "the stand-in failed an attempt: %+v", attempts)
	}

	// The SDK's own paginator with ECR's default page: every image once.
	p := ecr.NewDescribeImagesPaginator(env.ecrClient(), &ecr.DescribeImagesInput{RepositoryName: aws.String(apiTestRepo)})
	seen := map[string]int{}
	pages := 0
	inPushOrder := true
	var last time.Time
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		require.NoError(t, err, "page %d", pages+1)
		pages++
		for _, d := range page.ImageDetails {
			seen[aws.ToString(d.ImageDigest)]++
			if at := aws.ToTime(d.ImagePushedAt); at.Before(last) {
				inPushOrder = false
			} else {
				last = at
			}
		}
	}
	assert.Equal(t, 3, pages, "pages of 100, 100 and 30")
	assert.Len(t, seen, n, "every image")
	for digest, count := range seen {
		assert.Equal(t, 1, count, "image %s listed once", digest)
	}
	assert.False(t, inPushOrder, "ECR promises no order, and the stand-in does not list by push time")
}

func TestECRTagStatusFilterAndMutableTags(t *testing.T) {
	env := newAPIEnv(t)
	env.repositories(t)
	env.push(t, apiTestMutable, "latest", apiT0)
	env.push(t, apiTestMutable, "latest", apiT0.Add(time.Hour))
	ctx := context.Background()
	list := func(status ecrtypes.TagStatus) []ecrtypes.ImageDetail {
		t.Helper()
		out, err := env.ecrClient().DescribeImages(ctx, &ecr.DescribeImagesInput{
			RepositoryName: aws.String(apiTestMutable),
			Filter:         &ecrtypes.DescribeImagesFilter{TagStatus: status},
		})
		require.NoError(t, err, "DescribeImages %s", status)
		return out.ImageDetails
	}
	tagged := list(ecrtypes.TagStatusTagged)
	require.Len(t, tagged, 1, "the tag moved to the second push")
	assert.Equal(t, apiT0.Add(time.Hour), aws.ToTime(tagged[0].ImagePushedAt).UTC(), "the newer image holds latest")
	untagged := list(ecrtypes.TagStatusUntagged)
	require.Len(t, untagged, 1, "the first push lost its only tag")
	assert.Empty(t, untagged[0].ImageTags, "untagged")
	assert.Len(t, list(ecrtypes.TagStatusAny), 2, "both")

	got, err := env.client().Registry.NearestTags(ctx, apiTestMutable, 5)
	require.NoError(t, err, "NearestTags")
	assert.Equal(t, []awscheck.ImageTag{{Tag: "latest", PushedAt: apiT0.Add(time.Hour)}}, got, "untagged images are no release")
}

func TestECRImmutableTagsAndUnknownRepositories(t *testing.T) {
	env := newAPIEnv(t)
	env.repositories(t)
	env.push(t, apiTestRepo, "r41", apiT0)
	env.push(t, apiTestRepo, "r42", apiT0.Add(time.Hour))

	err := env.store.Registry().PushImage(apiTestRepo, "r41", apiT0.Add(2*time.Hour))
	require.Error(t, err, "an immutable tag cannot move to a new push")
	assert.Contains(t, err.Error(), "IMMUTABLE", "the error says why")
	err = env.store.Registry().TagImage(apiTestRepo, "r42", "r41")
	require.Error(t, err, "nor to another image")
	require.NoError(t, env.store.Registry().PushImage(apiTestRepo, "r41", apiT0), "the same push again is no change")
	require.NoError(t, env.store.Registry().TagImage(apiTestRepo, "r41", "keep-r41"), "a new tag on an image")
	require.NoError(t, env.store.Registry().TagImage(apiTestRepo, "r41", "keep-r41"), "the same tag again is no change")
	assert.Error(t, env.store.Registry().TagImage(apiTestRepo, "r40", "keep-r40"), "no image to tag")

	// A second process opening the same Store directory sees every push.
	store2, err := OpenStore(env.store.Dir())
	require.NoError(t, err, "reopen store")
	images, err := store2.Registry().Images(apiTestRepo)
	require.NoError(t, err, "Images from the other Store")
	require.Len(t, images, 2, "two pushes, nothing refused was kept")
	assert.Equal(t, []string{"keep-r41", "r41"}, images[0].Tags, "oldest first, with its protective tag")
	assert.Equal(t, []string{"r42"}, images[1].Tags, "r42 untouched")

	var noRepo errNoRepository
	assert.ErrorAs(t, env.store.Registry().PushImage("video-platform/prod/typo", "r1", apiT0), &noRepo,
		"a push to a repository the provider never created fails")
}

func TestECRRefusesWhatECRRefuses(t *testing.T) {
	env := newAPIEnv(t)
	env.repositories(t)
	env.push(t, apiTestRepo, "r41", apiT0)
	ctx := context.Background()
	tests := map[string]*ecr.DescribeImagesInput{
		"imageIds with maxResults": {RepositoryName: aws.String(apiTestRepo), MaxResults: aws.Int32(5),
			ImageIds: []ecrtypes.ImageIdentifier{{ImageTag: aws.String("r41")}}},
		"an empty image ID":   {RepositoryName: aws.String(apiTestRepo), ImageIds: []ecrtypes.ImageIdentifier{{}}},
		"maxResults too big":  {RepositoryName: aws.String(apiTestRepo), MaxResults: aws.Int32(1001)},
		"a foreign nextToken": {RepositoryName: aws.String(apiTestRepo), NextToken: aws.String("abc")},
	}
	for name, in := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := env.ecrClient().DescribeImages(ctx, in)
			var ipe *ecrtypes.InvalidParameterException
			require.ErrorAs(t, err, &ipe, "ECR's modeled validation error")
			var re *awshttp.ResponseError
			require.ErrorAs(t, err, &re, "HTTP response error")
			assert.Equal(t, http.StatusBadRequest, re.HTTPStatusCode(), "a client error")
		})
	}

	_, err := env.ecrClient().ListImages(ctx, &ecr.ListImagesInput{RepositoryName: aws.String(apiTestRepo)})
	var apiErr smithy.APIError
	require.ErrorAs(t, err, &apiErr, "a decoded API error")
	assert.Equal(t, "UnknownOperationException", apiErr.ErrorCode(), "the JSON protocols' unknown operation")
	assert.Contains(t, apiErr.ErrorMessage(), "ListImages", "the error names the operation")
}
