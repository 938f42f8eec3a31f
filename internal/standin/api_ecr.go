package standin

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// ECR speaks awsJson1_1 with X-Amz-Target
// AmazonEC2ContainerRegistry_V20150921.<Op>. The stand-in answers
// DescribeImages for the repositories the provider created, from the
// images the Store holds (Registry.PushImage), and the calls that add and
// remove an image's tags: BatchGetImage, PutImage and BatchDeleteImage
// (api_ecr_images.go).
const (
	apiSvcECR = "ecr"

	ecrTargetPrefix = "AmazonEC2ContainerRegistry_V20150921."
	ecrContentType  = "application/x-amz-json-1.1"

	// ecrDefaultPage and ecrMaxPage are DescribeImages' page size without
	// maxResults and its largest maxResults.
	ecrDefaultPage = 100
	ecrMaxPage     = 1000
	ecrTokenPrefix = "ecr-"

	ecrManifestMediaType = "application/vnd.docker.distribution.manifest.v2+json"
)

// ecrImageID is DescribeImages' ImageIdentifier.
type ecrImageID struct {
	ImageDigest string `json:"imageDigest"`
	ImageTag    string `json:"imageTag"`
}

// ecrDescribeImages holds the DescribeImages parameters the stand-in reads.
type ecrDescribeImages struct {
	RepositoryName string       `json:"repositoryName"`
	RegistryID     string       `json:"registryId"`
	ImageIDs       []ecrImageID `json:"imageIds"`
	Filter         *struct {
		TagStatus   string `json:"tagStatus"`
		ImageStatus string `json:"imageStatus"`
	} `json:"filter"`
	MaxResults *int    `json:"maxResults"`
	NextToken  *string `json:"nextToken"`
}

// ecrImageDetail is one ImageDetail of a DescribeImages answer.
type ecrImageDetail struct {
	RegistryID             string   `json:"registryId"`
	RepositoryName         string   `json:"repositoryName"`
	ImageDigest            string   `json:"imageDigest"`
	ImageTags              []string `json:"imageTags,omitempty"`
	ImagePushedAt          float64  `json:"imagePushedAt"`
	ImageManifestMediaType string   `json:"imageManifestMediaType"`
}

// ecrAPI answers ECR's calls from the Store's Registry.
type ecrAPI struct {
	store    *Store
	registry *Registry
}

// serve answers an awsJson1_1 request whose X-Amz-Target is
// AmazonEC2ContainerRegistry_V20150921.<Op>.
func (e *ecrAPI) serve(c *apiCall) {
	op := strings.TrimPrefix(c.r.Header.Get("X-Amz-Target"), ecrTargetPrefix)
	faults, aerr := apiFaultsInForce(e.store)
	if aerr != nil {
		ecrError(c, aerr)
		return
	}
	if t, aerr := apiThrottled(e.store, apiSvcECR, faults); aerr != nil || t {
		if aerr == nil {
			// ECR models no throttling error; its "ThrottlingException"
			// is one the SDK's retryer knows by code.
			aerr = &apiError{Status: http.StatusBadRequest, Code: "ThrottlingException",
				Message: "Rate exceeded (stand-in throttle fault on ecr)"}
		}
		ecrError(c, aerr)
		return
	}
	switch op {
	case "DescribeImages":
		e.describeImages(c)
	case "BatchGetImage":
		e.batchGetImage(c)
	case "PutImage":
		e.putImage(c)
	case "BatchDeleteImage":
		e.batchDeleteImage(c)
	default:
		ecrError(c, &apiError{Status: http.StatusBadRequest, Code: "UnknownOperationException",
			Message: "stand-in AWS API: ECR operation " + op + " is not implemented (only DescribeImages, BatchGetImage, PutImage and BatchDeleteImage)"})
	}
}

// describeImages answers DescribeImages: the images named by imageIds,
// every one of which must exist, or else a page of the images the filter
// selects. ECR promises no order, and the stand-in lists by digest, which
// has nothing to do with push time, so a caller that wants the newest
// must sort.
func (e *ecrAPI) describeImages(c *apiCall) {
	var in ecrDescribeImages
	if err := json.NewDecoder(c.r.Body).Decode(&in); err != nil {
		ecrError(c, &apiError{Status: http.StatusBadRequest, Code: "SerializationException",
			Message: "stand-in AWS API: DescribeImages body is not JSON: " + err.Error()})
		return
	}
	if aerr := in.validate(); aerr != nil {
		ecrError(c, aerr)
		return
	}
	if in.RegistryID != "" && in.RegistryID != AccountID {
		ecrError(c, errECRNoRepository(in.RepositoryName, in.RegistryID))
		return
	}
	images, err := e.registry.Images(in.RepositoryName)
	var noRepo errNoRepository
	if errors.As(err, &noRepo) {
		ecrError(c, errECRNoRepository(in.RepositoryName, AccountID))
		return
	}
	if err != nil {
		ecrError(c, errAPIInternal(err))
		return
	}
	detail := func(img Image) ecrImageDetail {
		return ecrImageDetail{
			RegistryID: AccountID, RepositoryName: in.RepositoryName, ImageDigest: img.Digest,
			ImageTags: img.Tags, ImagePushedAt: float64(img.PushedAt.UnixMilli()) / 1e3,
			ImageManifestMediaType: ecrManifestMediaType,
		}
	}
	out := map[string]any{}
	if len(in.ImageIDs) > 0 {
		found, aerr := ecrLookup(images, in.ImageIDs, in.RepositoryName)
		if aerr != nil {
			ecrError(c, aerr)
			return
		}
		details := make([]ecrImageDetail, 0, len(found))
		for _, img := range found {
			details = append(details, detail(img))
		}
		out["imageDetails"] = details
		ecrWrite(c, http.StatusOK, out)
		return
	}

	selected := in.selected(images)
	slices.SortFunc(selected, func(x, y Image) int { return strings.Compare(x.Digest, y.Digest) })
	offset := 0
	if in.NextToken != nil {
		n, err := strconv.Atoi(strings.TrimPrefix(*in.NextToken, ecrTokenPrefix))
		if err != nil || n < 0 || n > len(selected) || !strings.HasPrefix(*in.NextToken, ecrTokenPrefix) {
			ecrError(c, errECRInvalid("Invalid parameter at 'nextToken' failed to satisfy constraint: 'the token %q was not issued for this request'", *in.NextToken))
			return
		}
		offset = n
	}
	size := ecrDefaultPage
	if in.MaxResults != nil {
		size = *in.MaxResults
	}
	end := min(offset+size, len(selected))
	details := make([]ecrImageDetail, 0, end-offset)
	for _, img := range selected[offset:end] {
		details = append(details, detail(img))
	}
	out["imageDetails"] = details
	if end < len(selected) {
		out["nextToken"] = ecrTokenPrefix + strconv.Itoa(end)
	}
	ecrWrite(c, http.StatusOK, out)
}

// validate refuses what ECR refuses before it looks at the repository.
func (in *ecrDescribeImages) validate() *apiError {
	if in.RepositoryName == "" {
		return errECRInvalid("Invalid parameter at 'repositoryName' failed to satisfy constraint: 'must not be empty'")
	}
	if len(in.ImageIDs) > 0 && (in.MaxResults != nil || in.NextToken != nil) {
		return errECRInvalid("Invalid parameter: maxResults and nextToken cannot be used with imageIds")
	}
	for _, id := range in.ImageIDs {
		if id.ImageDigest == "" && id.ImageTag == "" {
			return errECRInvalid("Invalid parameter at 'imageIds' failed to satisfy constraint: 'an image identifier needs an imageDigest or an imageTag'")
		}
	}
	if in.MaxResults != nil && (*in.MaxResults < 1 || *in.MaxResults > ecrMaxPage) {
		return errECRInvalid("Invalid parameter at 'maxResults' failed to satisfy constraint: 'Member must have value between 1 and %d'", ecrMaxPage)
	}
	if in.Filter != nil && !slices.Contains([]string{"", "TAGGED", "UNTAGGED", "ANY"}, in.Filter.TagStatus) {
		return errECRInvalid("Invalid parameter at 'filter.tagStatus' failed to satisfy constraint: 'Member must satisfy enum value set: [TAGGED, UNTAGGED, ANY]'")
	}
	return nil
}

// selected applies the filter. Every stand-in image is ACTIVE: nothing
// archives them.
func (in *ecrDescribeImages) selected(images []Image) []Image {
	if in.Filter == nil {
		return images
	}
	if s := in.Filter.ImageStatus; s != "" && s != "ACTIVE" && s != "ANY" {
		return nil
	}
	return slices.DeleteFunc(slices.Clone(images), func(img Image) bool {
		tagged := len(img.Tags) > 0
		return (in.Filter.TagStatus == "TAGGED" && !tagged) || (in.Filter.TagStatus == "UNTAGGED" && tagged)
	})
}

// ecrLookup finds each identified image, as ECR does: one missing image
// fails the whole call with ImageNotFoundException, and an image named
// twice is answered once.
func ecrLookup(images []Image, ids []ecrImageID, repo string) ([]Image, *apiError) {
	var found []Image
	for _, id := range ids {
		i := slices.IndexFunc(images, func(img Image) bool {
			return (id.ImageDigest == "" || img.Digest == id.ImageDigest) &&
				(id.ImageTag == "" || slices.Contains(img.Tags, id.ImageTag))
		})
		if i < 0 {
			null := func(s string) string {
				if s == "" {
					return "null"
				}
				return s
			}
			return nil, &apiError{Status: http.StatusBadRequest, Code: "ImageNotFoundException",
				Message: fmt.Sprintf("The image with imageId {imageDigest:'%s', imageTag:'%s'} does not exist within the repository with name '%s' in the registry with id '%s'",
					null(id.ImageDigest), null(id.ImageTag), repo, AccountID)}
		}
		if !slices.ContainsFunc(found, func(img Image) bool { return img.Digest == images[i].Digest }) {
			found = append(found, images[i])
		}
	}
	return found, nil
}

func errECRNoRepository(repo, registry string) *apiError {
	return &apiError{Status: http.StatusBadRequest, Code: "RepositoryNotFoundException",
		Message: fmt.Sprintf("The repository with name '%s' does not exist in the registry with id '%s'", repo, registry)}
}

func errECRInvalid(format string, args ...any) *apiError {
	return &apiError{Status: http.StatusBadRequest, Code: "InvalidParameterException", Message: fmt.Sprintf(format, args...)}
}

// ecrWrite writes an ECR answer.
func ecrWrite(c *apiCall, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		body = []byte(`{"__type":"ServerException","message":"stand-in AWS API: encode response"}`)
	}
	c.write(status, ecrContentType, body)
}

// ecrError writes e as ECR does: __type is the bare error shape, which is
// what awsJson1_1 sends and the SDK matches.
func ecrError(c *apiCall, e *apiError) {
	ecrWrite(c, e.Status, map[string]string{"__type": e.shape(), "message": e.Message})
}

// ecrIsTarget says whether an X-Amz-Target header addresses ECR.
func ecrIsTarget(target string) bool {
	return strings.HasPrefix(target, ecrTargetPrefix)
}
