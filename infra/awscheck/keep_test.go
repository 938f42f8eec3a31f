package awscheck

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// keepManifest is a manifest as ECR stores it, with a space a re-encoding
// would lose: PutImage must get it byte for byte.
const (
	keepManifest       = `{"schemaVersion": 2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{}}`
	keepManifestDigest = "sha256:2222"
)

// fakeECR answers the four ECR operations KeepImages makes from per-test
// handlers and records each request's operation and body.
type fakeECR struct {
	t        *testing.T
	mu       sync.Mutex
	calls    []string
	bodies   map[string][]map[string]any
	handlers map[string]func(in map[string]any) (int, string)
}

func newFakeECR(t *testing.T, handlers map[string]func(in map[string]any) (int, string)) (*fakeECR, Checks) {
	f := &fakeECR{t: t, bodies: map[string][]map[string]any{}, handlers: handlers}
	return f, newTestClient(t, f.serve)
}

func (f *fakeECR) serve(w http.ResponseWriter, r *http.Request) {
	assertSigned(f.t, r, "ecr")
	assert.Equal(f.t, "application/x-amz-json-1.1", r.Header.Get("Content-Type"), "awsJson1_1 body type")
	op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "AmazonEC2ContainerRegistry_V20150921.")
	var in map[string]any
	assert.NoError(f.t, json.NewDecoder(r.Body).Decode(&in), "%s body is JSON", op)
	assert.Equal(f.t, testRepo, in["repositoryName"], "%s names the repository", op)
	f.mu.Lock()
	f.calls = append(f.calls, op)
	f.bodies[op] = append(f.bodies[op], in)
	h := f.handlers[op]
	f.mu.Unlock()
	if h == nil {
		f.t.Errorf("unexpected ECR call %s", op)
		writeBody(f.t, w, http.StatusBadRequest, "application/x-amz-json-1.1", `{"__type":"UnknownOperationException"}`)
		return
	}
	status, body := h(in)
	writeBody(f.t, w, status, "application/x-amz-json-1.1", body)
}

// listing answers DescribeImages with pages, one per call.
func listing(t *testing.T, pages ...string) func(map[string]any) (int, string) {
	n := 0
	return func(in map[string]any) (int, string) {
		assert.Equal(t, map[string]any{"tagStatus": "TAGGED"}, in["filter"], "untagged images carry no tag to keep")
		if n > 0 {
			assert.Equal(t, fmt.Sprintf("page-%d", n+1), in["nextToken"], "page %d echoes the token", n+1)
		}
		n++
		return http.StatusOK, pages[n-1]
	}
}

func batchGetR2(t *testing.T) func(map[string]any) (int, string) {
	return func(in map[string]any) (int, string) {
		assert.Equal(t, []any{map[string]any{"imageTag": "r2"}}, in["imageIds"], "asked by the release tag")
		assert.ElementsMatch(t, []any{
			"application/vnd.docker.distribution.manifest.v2+json",
			"application/vnd.docker.distribution.manifest.list.v2+json",
			"application/vnd.oci.image.manifest.v1+json",
			"application/vnd.oci.image.index.v1+json",
		}, in["acceptedMediaTypes"], "every type a build pushes, so ECR converts nothing")
		body, err := json.Marshal(map[string]any{"images": []any{map[string]any{
			"imageId":                map[string]any{"imageDigest": keepManifestDigest, "imageTag": "r2"},
			"imageManifest":          keepManifest,
			"imageManifestMediaType": "application/vnd.oci.image.manifest.v1+json",
		}}, "failures": []any{}})
		require.NoError(t, err, "encode BatchGetImage answer")
		return http.StatusOK, string(body)
	}
}

func TestKeepImagesAddsAndRemovesKeepTags(t *testing.T) {
	f, c := newFakeECR(t, map[string]func(map[string]any) (int, string){
		"DescribeImages": listing(t,
			`{"imageDetails":[
				{"imageDigest":"sha256:1111","imageTags":["r1","keep-r1"]},
				{"imageDigest":"sha256:2222","imageTags":["r2"]}
			],"nextToken":"page-2"}`,
			`{"imageDetails":[
				{"imageDigest":"sha256:0000","imageTags":["keep-r0","r0","keep-r00"]},
				{"imageDigest":"sha256:7777","imageTags":["keep-r7"]}
			]}`),
		"BatchGetImage": batchGetR2(t),
		"PutImage": func(in map[string]any) (int, string) {
			assert.Equal(t, "keep-r2", in["imageTag"], "the keep tag")
			assert.Equal(t, keepManifest, in["imageManifest"], "the manifest as read, byte for byte")
			assert.Equal(t, "application/vnd.oci.image.manifest.v1+json", in["imageManifestMediaType"], "its media type")
			assert.Equal(t, keepManifestDigest, in["imageDigest"], "the digest ECR checks the manifest against")
			return http.StatusOK, `{"image":{"imageId":{"imageDigest":"sha256:2222","imageTag":"keep-r2"}}}`
		},
		"BatchDeleteImage": func(in map[string]any) (int, string) {
			assert.Equal(t, []any{map[string]any{"imageTag": "keep-r0"}, map[string]any{"imageTag": "keep-r00"}}, in["imageIds"],
				"the stale keep- tags by tag only, never keep-r7, the only tag of its image")
			return http.StatusOK, `{"imageIds":[
				{"imageDigest":"sha256:0000","imageTag":"keep-r0"},
				{"imageDigest":"sha256:0000","imageTag":"keep-r00"}],"failures":[]}`
		},
	})

	got, err := c.Registry.KeepImages(context.Background(), testRepo, []string{"r9", "r2", "r1", "r2"})
	require.NoError(t, err, "KeepImages")
	assert.Equal(t, KeepResult{Added: []string{"r2"}, Removed: []string{"r0", "r00"}, Missing: []string{"r9"}}, got, "result")
	assert.Equal(t, []string{"DescribeImages", "DescribeImages", "BatchGetImage", "PutImage", "BatchDeleteImage"}, f.calls,
		"one listing, one tag added, one batch of deletions")
}

func TestKeepImagesRacesAreNoErrors(t *testing.T) {
	// Between the listing and the calls, someone else tagged r2 (PutImage
	// answers ImageAlreadyExists), r3's image went (BatchGetImage fails
	// ImageNotFound), and keep-r0 was deleted (BatchDeleteImage fails it).
	_, c := newFakeECR(t, map[string]func(map[string]any) (int, string){
		"DescribeImages": listing(t, `{"imageDetails":[
			{"imageDigest":"sha256:2222","imageTags":["r2"]},
			{"imageDigest":"sha256:3333","imageTags":["r3"]},
			{"imageDigest":"sha256:0000","imageTags":["r0","keep-r0"]}]}`),
		"BatchGetImage": func(in map[string]any) (int, string) {
			if ids := in["imageIds"].([]any); ids[0].(map[string]any)["imageTag"] == "r3" {
				return http.StatusOK, `{"images":[],"failures":[{"imageId":{"imageTag":"r3"},"failureCode":"ImageNotFound","failureReason":"Requested image not found"}]}`
			}
			return batchGetR2(t)(in)
		},
		"PutImage": func(map[string]any) (int, string) {
			return http.StatusBadRequest, `{"__type":"ImageAlreadyExistsException","message":"Image with digest 'sha256:2222' and tag 'keep-r2' already exists"}`
		},
		"BatchDeleteImage": func(map[string]any) (int, string) {
			return http.StatusOK, `{"imageIds":[],"failures":[{"imageId":{"imageTag":"keep-r0"},"failureCode":"ImageNotFound","failureReason":"Requested image not found"}]}`
		},
	})
	got, err := c.Registry.KeepImages(context.Background(), testRepo, []string{"r2", "r3"})
	require.NoError(t, err, "every race ends where KeepImages wanted to go")
	assert.Equal(t, KeepResult{Missing: []string{"r3"}}, got, "nothing done by this call, r3 has no image any more")
}

func TestKeepImagesFailures(t *testing.T) {
	t.Run("an invalid release asks nothing", func(t *testing.T) {
		f, c := newFakeECR(t, nil)
		_, err := c.Registry.KeepImages(context.Background(), testRepo, []string{"r1", "keep-r1"})
		require.Error(t, err, "keep-r1 is no release")
		assert.Contains(t, err.Error(), "keep images of "+testRepo+": keep tag: release \"keep-r1\"", "error names repository and release")
		assert.Empty(t, f.calls, "no ECR call")
	})
	t.Run("a missing repository", func(t *testing.T) {
		_, c := newFakeECR(t, map[string]func(map[string]any) (int, string){
			"DescribeImages": func(map[string]any) (int, string) { return http.StatusBadRequest, repoNotFoundBody },
		})
		_, err := c.Registry.KeepImages(context.Background(), testRepo, []string{"r1"})
		assert.ErrorIs(t, err, ErrNotFound, "a mistyped repository is no empty one")
		assert.Contains(t, err.Error(), testRepo, "error names the repository")
	})
	t.Run("keep tag on another image", func(t *testing.T) {
		_, c := newFakeECR(t, map[string]func(map[string]any) (int, string){
			"DescribeImages": listing(t, `{"imageDetails":[{"imageDigest":"sha256:2222","imageTags":["r2"]}]}`),
			"BatchGetImage":  batchGetR2(t),
			"PutImage": func(map[string]any) (int, string) {
				return http.StatusBadRequest, `{"__type":"ImageTagAlreadyExistsException","message":"The image tag 'keep-r2' already exists in the 'video-platform/prod/web' repository and cannot be overwritten because the repository is immutable."}`
			},
		})
		_, err := c.Registry.KeepImages(context.Background(), testRepo, []string{"r2"})
		var taken *ecrtypes.ImageTagAlreadyExistsException
		require.ErrorAs(t, err, &taken, "ECR's error stays reachable")
		assert.Contains(t, err.Error(), "keep images of "+testRepo+": tag image r2 as keep-r2", "error names repository and tags")
	})
	t.Run("a deletion that fails keeps what went", func(t *testing.T) {
		_, c := newFakeECR(t, map[string]func(map[string]any) (int, string){
			"DescribeImages": listing(t, `{"imageDetails":[{"imageDigest":"sha256:0000","imageTags":["r0","keep-r0","keep-r00"]}]}`),
			"BatchDeleteImage": func(map[string]any) (int, string) {
				return http.StatusOK, `{"imageIds":[{"imageDigest":"sha256:0000","imageTag":"keep-r0"}],
					"failures":[{"imageId":{"imageTag":"keep-r00"},"failureCode":"KmsError","failureReason":"key disabled"}]}`
			},
		})
		got, err := c.Registry.KeepImages(context.Background(), testRepo, nil)
		require.Error(t, err, "a failure other than a missing image")
		assert.Contains(t, err.Error(), "delete tag keep-r00: KmsError: key disabled", "error names tag and cause")
		assert.False(t, errors.Is(err, ErrNotFound), "not a missing repository")
		assert.Equal(t, KeepResult{Removed: []string{"r0"}}, got, "what was done before the failure")
	})
}

func TestKeepImagesDeletesInBatchesOfECRsLimit(t *testing.T) {
	var details, want []string
	for i := range 150 {
		details = append(details, fmt.Sprintf(`{"imageDigest":"sha256:%04d","imageTags":["r%03d","keep-r%03d"]}`, i, i, i))
		want = append(want, fmt.Sprintf("r%03d", i))
	}
	var sizes []int
	_, c := newFakeECR(t, map[string]func(map[string]any) (int, string){
		"DescribeImages": listing(t, `{"imageDetails":[`+strings.Join(details, ",")+`]}`),
		"BatchDeleteImage": func(in map[string]any) (int, string) {
			ids := in["imageIds"].([]any)
			sizes = append(sizes, len(ids))
			body, err := json.Marshal(map[string]any{"imageIds": ids, "failures": []any{}})
			require.NoError(t, err, "encode BatchDeleteImage answer")
			return http.StatusOK, string(body)
		},
	})
	got, err := c.Registry.KeepImages(context.Background(), testRepo, nil)
	require.NoError(t, err, "KeepImages")
	assert.Equal(t, []int{100, 50}, sizes, "BatchDeleteImage takes at most 100 IDs")
	assert.Equal(t, want, got.Removed, "every keep- tag, sorted")
}
