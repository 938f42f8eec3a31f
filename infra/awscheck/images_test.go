package awscheck

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const testRepo = "video-platform/prod/web"

// ecrRequest is the part of a DescribeImages request the tests check.
type ecrRequest struct {
	RepositoryName string `json:"repositoryName"`
	ImageIDs       []struct {
		ImageTag    string `json:"imageTag"`
		ImageDigest string `json:"imageDigest"`
	} `json:"imageIds"`
	Filter     map[string]string `json:"filter"`
	MaxResults int               `json:"maxResults"`
	NextToken  string            `json:"nextToken"`
}

// describeImagesRequest checks the awsJson1_1 envelope of a DescribeImages
// call and decodes its body.
func describeImagesRequest(t *testing.T, r *http.Request) ecrRequest {
	t.Helper()
	assertSigned(t, r, "ecr")
	assert.Equal(t, http.MethodPost, r.Method, "JSON protocol requests are POSTs")
	assert.Equal(t, "AmazonEC2ContainerRegistry_V20150921.DescribeImages", r.Header.Get("X-Amz-Target"), "JSON operation target")
	assert.Equal(t, "application/x-amz-json-1.1", r.Header.Get("Content-Type"), "awsJson1_1 body type")
	var in ecrRequest
	assert.NoError(t, json.NewDecoder(r.Body).Decode(&in), "request body is JSON")
	return in
}

const (
	imageNotFoundBody = `{"__type":"ImageNotFoundException","message":"The image with imageId {imageDigest:'null', imageTag:'r42'} does not exist within the repository with name 'video-platform/prod/web' in the registry with id '123456789012'"}`
	repoNotFoundBody  = `{"__type":"RepositoryNotFoundException","message":"The repository with name 'video-platform/prod/web' does not exist in the registry with id '123456789012'"}`
)

func TestImageExists(t *testing.T) {
	tests := []struct {
		name     string
		status   int
		body     string
		want     bool
		wantErr  string
		notFound bool
	}{
		{name: "pushed", status: http.StatusOK, want: true,
			body: `{"imageDetails":[{"repositoryName":"video-platform/prod/web","imageDigest":"sha256:aa","imageTags":["keep-r42","r42"],"imagePushedAt":1.7956369E9}]}`},
		{name: "not pushed", status: http.StatusBadRequest, body: imageNotFoundBody, want: false},
		{name: "no such repository", status: http.StatusBadRequest, body: repoNotFoundBody,
			wantErr: "does not exist in the registry", notFound: true},
		{name: "an answer without the tag", status: http.StatusOK,
			body:    `{"imageDetails":[{"imageDigest":"sha256:bb","imageTags":["r41"],"imagePushedAt":1.7956369E9}]}`,
			wantErr: "none tagged r42"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
				in := describeImagesRequest(t, r)
				assert.Equal(t, testRepo, in.RepositoryName, "repository sent")
				require.Len(t, in.ImageIDs, 1, "one image ID")
				assert.Equal(t, "r42", in.ImageIDs[0].ImageTag, "asked by tag")
				assert.Empty(t, in.ImageIDs[0].ImageDigest, "not by digest")
				assert.Zero(t, in.MaxResults, "ECR refuses maxResults with imageIds")
				writeBody(t, w, tc.status, "application/x-amz-json-1.1", tc.body)
			})

			got, err := c.Registry.ImageExists(context.Background(), testRepo, "r42")
			if tc.wantErr != "" {
				require.Error(t, err, "ImageExists must fail")
				assert.Contains(t, err.Error(), tc.wantErr, "error explains the failure")
				assert.Contains(t, err.Error(), testRepo+":r42", "error names the image")
				assert.Equal(t, tc.notFound, errors.Is(err, ErrNotFound), "ErrNotFound only for a missing repository")
				assert.False(t, got, "never true with an error")
				return
			}
			require.NoError(t, err, "DescribeImages should succeed")
			assert.Equal(t, tc.want, got, "image exists")
		})
	}
}

func TestNearestTagsReadsEveryPageAndSortsByPushTime(t *testing.T) {
	var calls atomic.Int32
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		in := describeImagesRequest(t, r)
		assert.Equal(t, testRepo, in.RepositoryName, "repository sent")
		assert.Empty(t, in.ImageIDs, "a listing, not a lookup")
		assert.Equal(t, map[string]string{"tagStatus": "TAGGED"}, in.Filter, "untagged images are never a release")
		assert.Equal(t, 1000, in.MaxResults, "largest page size asked for")
		switch calls.Add(1) {
		case 1:
			assert.Empty(t, in.NextToken, "first page carries no token")
			// ECR's order is not push order: r40 comes before r41.
			writeBody(t, w, http.StatusOK, "application/x-amz-json-1.1", `{"imageDetails":[
				{"imageDigest":"sha256:40","imageTags":["r40"],"imagePushedAt":1795600000},
				{"imageDigest":"sha256:41","imageTags":["r41","keep-r41"],"imagePushedAt":1795686120.5}
			],"nextToken":"page-2"}`)
		case 2:
			assert.Equal(t, "page-2", in.NextToken, "second page echoes the token")
			writeBody(t, w, http.StatusOK, "application/x-amz-json-1.1", `{"imageDetails":[
				{"imageDigest":"sha256:39","imageTags":["r39"],"imagePushedAt":1795500000},
				{"imageDigest":"sha256:43","imageTags":["r43"],"imagePushedAt":1795700000}
			]}`)
		default:
			t.Errorf("unexpected third DescribeImages call")
			w.WriteHeader(http.StatusInternalServerError)
		}
	})

	got, err := c.Registry.NearestTags(context.Background(), testRepo, 3)
	require.NoError(t, err, "DescribeImages should succeed")
	assert.Equal(t, int32(2), calls.Load(), "both pages read before choosing")
	at := func(sec float64) time.Time { return time.UnixMilli(int64(sec * 1000)).UTC() }
	assert.Equal(t, []ImageTag{
		{Tag: "r43", PushedAt: at(1795700000)},
		{Tag: "keep-r41", PushedAt: at(1795686120.5)},
		{Tag: "r41", PushedAt: at(1795686120.5)},
		{Tag: "r40", PushedAt: at(1795600000)},
	}, got, "the three newest images, newest first, every tag of each")
}

func TestNearestTagsMissingRepository(t *testing.T) {
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		describeImagesRequest(t, r)
		writeBody(t, w, http.StatusBadRequest, "application/x-amz-json-1.1", repoNotFoundBody)
	})
	_, err := c.Registry.NearestTags(context.Background(), testRepo, 3)
	require.Error(t, err, "a missing repository must fail")
	assert.ErrorIs(t, err, ErrNotFound, "reported as not found")
	var nr *ecrtypes.RepositoryNotFoundException
	assert.ErrorAs(t, err, &nr, "SDK error stays reachable through the wrap")
	assert.Contains(t, err.Error(), testRepo, "error names the repository")
}

func TestNearestTagsOfNoneAsksNothing(t *testing.T) {
	c := newTestClient(t, func(w http.ResponseWriter, _ *http.Request) {
		t.Errorf("n <= 0 must not call ECR")
		w.WriteHeader(http.StatusInternalServerError)
	})
	for _, n := range []int{0, -1} {
		got, err := c.Registry.NearestTags(context.Background(), testRepo, n)
		require.NoError(t, err, "n=%d", n)
		assert.Empty(t, got, "n=%d lists nothing", n)
	}
}
