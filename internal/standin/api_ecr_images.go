package standin

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
)

// ecrMaxImageIDs is how many image IDs BatchGetImage and BatchDeleteImage
// take at once.
const ecrMaxImageIDs = 100

// ECR's per-image failure codes (ImageFailureCode) the stand-in answers.
const (
	ecrFailImageNotFound       = "ImageNotFound"
	ecrFailMissingDigestAndTag = "MissingDigestAndTag"
)

// ecrImageRef is an ImageIdentifier in an answer, where ECR leaves out
// what it does not know.
type ecrImageRef struct {
	ImageDigest string `json:"imageDigest,omitempty"`
	ImageTag    string `json:"imageTag,omitempty"`
}

// ecrFailure is one ImageFailure of a batch answer.
type ecrFailure struct {
	ImageID       ecrImageRef `json:"imageId"`
	FailureCode   string      `json:"failureCode"`
	FailureReason string      `json:"failureReason"`
}

// ecrImage is an Image of BatchGetImage's and PutImage's answers.
type ecrImage struct {
	RegistryID             string      `json:"registryId"`
	RepositoryName         string      `json:"repositoryName"`
	ImageID                ecrImageRef `json:"imageId"`
	ImageManifest          string      `json:"imageManifest"`
	ImageManifestMediaType string      `json:"imageManifestMediaType"`
}

// ecrBatchImages holds the BatchGetImage and BatchDeleteImage parameters
// the stand-in reads.
type ecrBatchImages struct {
	RepositoryName     string       `json:"repositoryName"`
	RegistryID         string       `json:"registryId"`
	ImageIDs           []ecrImageID `json:"imageIds"`
	AcceptedMediaTypes []string     `json:"acceptedMediaTypes"`
}

// ecrPutImage holds the PutImage parameters the stand-in reads.
type ecrPutImage struct {
	RepositoryName         string `json:"repositoryName"`
	RegistryID             string `json:"registryId"`
	ImageManifest          string `json:"imageManifest"`
	ImageManifestMediaType string `json:"imageManifestMediaType"`
	ImageTag               string `json:"imageTag"`
	ImageDigest            string `json:"imageDigest"`
}

// batchGetImage answers BatchGetImage: each identified image's manifest,
// and a failure for each one that is missing, the call itself succeeding.
// The stand-in converts no manifest, so an image whose media type the
// caller does not accept is a failure too.
func (e *ecrAPI) batchGetImage(c *apiCall) {
	var in ecrBatchImages
	if !ecrDecode(c, "BatchGetImage", &in) {
		return
	}
	images, ok := e.batchImagesOf(c, &in)
	if !ok {
		return
	}
	got := []ecrImage{}
	failures := []ecrFailure{}
	for _, id := range in.ImageIDs {
		ref := ecrImageRef(id)
		if id.ImageDigest == "" && id.ImageTag == "" {
			failures = append(failures, ecrMissingDigestAndTag(ref))
			continue
		}
		found, aerr := ecrLookup(images, []ecrImageID{id}, in.RepositoryName)
		if aerr != nil {
			failures = append(failures, ecrImageNotFound(ref, "Requested image not found"))
			continue
		}
		img := found[0]
		if len(in.AcceptedMediaTypes) > 0 && !slices.Contains(in.AcceptedMediaTypes, ecrManifestMediaType) {
			failures = append(failures, ecrImageNotFound(ref,
				"Requested image not found: the stand-in holds only "+ecrManifestMediaType+" manifests and converts none"))
			continue
		}
		ref.ImageDigest = img.Digest
		if slices.Contains(got, ecrImageOf(in.RepositoryName, ref, img)) {
			continue
		}
		got = append(got, ecrImageOf(in.RepositoryName, ref, img))
	}
	ecrWrite(c, http.StatusOK, map[string]any{"images": got, "failures": failures})
}

// putImage answers PutImage. The stand-in holds no layers, so the only
// manifest it can take is one of an image it holds: putting it under a new
// tag adds the tag, which is how ECR tags an existing image.
func (e *ecrAPI) putImage(c *apiCall) {
	var in ecrPutImage
	if !ecrDecode(c, "PutImage", &in) {
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
	digest := ecrDigest(in.ImageManifest)
	if in.ImageDigest != "" && in.ImageDigest != digest {
		ecrError(c, &apiError{Status: http.StatusBadRequest, Code: "ImageDigestDoesNotMatchException",
			Message: fmt.Sprintf("The specified image digest '%s' does not match the digest '%s' that Amazon ECR calculated for the image manifest", in.ImageDigest, digest)})
		return
	}
	if in.ImageTag == "" {
		// Without a tag there is nothing to add to an image that exists.
		images, ok := e.imagesOf(c, in.RepositoryName)
		if !ok {
			return
		}
		if !slices.ContainsFunc(images, func(img Image) bool { return img.Digest == digest }) {
			ecrError(c, errECRNoLayers(in.RepositoryName))
			return
		}
		ecrError(c, errECRImageExists(in.RepositoryName, digest, ""))
		return
	}
	added, err := e.registry.TagDigest(in.RepositoryName, digest, in.ImageTag)
	var (
		noImage errNoImage
		taken   errTagTaken
	)
	switch {
	case errors.As(err, &noImage):
		ecrError(c, errECRNoLayers(in.RepositoryName))
		return
	case errors.As(err, &taken):
		ecrError(c, &apiError{Status: http.StatusBadRequest, Code: "ImageTagAlreadyExistsException",
			Message: fmt.Sprintf("The image tag '%s' already exists in the '%s' repository and cannot be overwritten because the repository is immutable.", in.ImageTag, in.RepositoryName)})
		return
	case err != nil:
		ecrError(c, ecrStoreError(in.RepositoryName, err))
		return
	case !added:
		ecrError(c, errECRImageExists(in.RepositoryName, digest, in.ImageTag))
		return
	}
	ecrWrite(c, http.StatusOK, map[string]any{"image": ecrImage{
		RegistryID: AccountID, RepositoryName: in.RepositoryName,
		ImageID:       ecrImageRef{ImageDigest: digest, ImageTag: in.ImageTag},
		ImageManifest: in.ImageManifest, ImageManifestMediaType: ecrManifestMediaType,
	}})
}

// validate refuses what ECR refuses before it looks at the repository.
func (in *ecrPutImage) validate() *apiError {
	if in.RepositoryName == "" {
		return errECRInvalid("Invalid parameter at 'repositoryName' failed to satisfy constraint: 'must not be empty'")
	}
	if in.ImageManifest == "" {
		return errECRInvalid("Invalid parameter at 'imageManifest' failed to satisfy constraint: 'must not be empty'")
	}
	var doc struct {
		MediaType string `json:"mediaType"`
	}
	if err := json.Unmarshal([]byte(in.ImageManifest), &doc); err != nil {
		return errECRInvalid("Invalid parameter at 'ImageManifest' failed to satisfy constraint: 'Invalid JSON syntax'")
	}
	switch {
	case doc.MediaType == "" && in.ImageManifestMediaType == "":
		return errECRInvalid("Invalid parameter at 'imageManifestMediaType' failed to satisfy constraint: 'required when the manifest has no mediaType'")
	case doc.MediaType != "" && in.ImageManifestMediaType != "" && doc.MediaType != in.ImageManifestMediaType:
		return errECRInvalid("Invalid parameter at 'imageManifestMediaType' failed to satisfy constraint: '%s differs from the manifest's mediaType %s'",
			in.ImageManifestMediaType, doc.MediaType)
	}
	return nil
}

// batchDeleteImage answers BatchDeleteImage. An ID with a tag removes
// that tag, and the image only with its last tag; an ID with only a
// digest deletes the image with every tag. Each ID that matches nothing
// is a failure, the call itself succeeding.
func (e *ecrAPI) batchDeleteImage(c *apiCall) {
	var in ecrBatchImages
	if !ecrDecode(c, "BatchDeleteImage", &in) {
		return
	}
	images, ok := e.batchImagesOf(c, &in)
	if !ok {
		return
	}
	deleted := []ecrImageRef{}
	failures := []ecrFailure{}
	for _, id := range in.ImageIDs {
		ref := ecrImageRef(id)
		var (
			gone []ecrImageRef
			err  error
		)
		switch {
		case id.ImageDigest == "" && id.ImageTag == "":
			failures = append(failures, ecrMissingDigestAndTag(ref))
			continue
		case id.ImageTag == "":
			gone, err = e.deleteDigest(in.RepositoryName, id.ImageDigest)
		default:
			// A tag and a digest must name the same image.
			if _, aerr := ecrLookup(images, []ecrImageID{id}, in.RepositoryName); id.ImageDigest != "" && aerr != nil {
				failures = append(failures, ecrImageNotFound(ref, "Requested image not found"))
				continue
			}
			var digest string
			digest, _, err = e.registry.UntagImage(in.RepositoryName, id.ImageTag)
			gone = []ecrImageRef{{ImageDigest: digest, ImageTag: id.ImageTag}}
		}
		var noImage errNoImage
		switch {
		case errors.As(err, &noImage):
			failures = append(failures, ecrImageNotFound(ref, "Requested image not found"))
		case err != nil:
			ecrError(c, ecrStoreError(in.RepositoryName, err))
			return
		default:
			deleted = append(deleted, gone...)
		}
	}
	ecrWrite(c, http.StatusOK, map[string]any{"imageIds": deleted, "failures": failures})
}

// deleteDigest deletes the image digest and names what went: one ID
// per tag, or the bare digest of an untagged image.
func (e *ecrAPI) deleteDigest(repo, digest string) ([]ecrImageRef, error) {
	tags, err := e.registry.DeleteImage(repo, digest)
	if err != nil {
		return nil, err
	}
	if len(tags) == 0 {
		return []ecrImageRef{{ImageDigest: digest}}, nil
	}
	gone := make([]ecrImageRef, 0, len(tags))
	for _, tag := range tags {
		gone = append(gone, ecrImageRef{ImageDigest: digest, ImageTag: tag})
	}
	return gone, nil
}

// ecrStoreError answers a Store failure other than a missing image: the
// repository went away during the call, or the Store itself failed.
func ecrStoreError(repo string, err error) *apiError {
	var noRepo errNoRepository
	if errors.As(err, &noRepo) {
		return errECRNoRepository(repo, AccountID)
	}
	return errAPIInternal(err)
}

// ecrDecode decodes an awsJson1_1 body into v, answering the call when it
// cannot.
func ecrDecode(c *apiCall, op string, v any) bool {
	if err := json.NewDecoder(c.r.Body).Decode(v); err != nil {
		ecrError(c, &apiError{Status: http.StatusBadRequest, Code: "SerializationException",
			Message: "stand-in AWS API: " + op + " body is not JSON: " + err.Error()})
		return false
	}
	return true
}

// batchImagesOf checks a batch call's parameters as ECR does and
// returns the repository's images, or answers the call.
func (e *ecrAPI) batchImagesOf(c *apiCall, in *ecrBatchImages) ([]Image, bool) {
	switch {
	case in.RepositoryName == "":
		ecrError(c, errECRInvalid("Invalid parameter at 'repositoryName' failed to satisfy constraint: 'must not be empty'"))
		return nil, false
	case len(in.ImageIDs) == 0 || len(in.ImageIDs) > ecrMaxImageIDs:
		ecrError(c, errECRInvalid("Invalid parameter at 'imageIds' failed to satisfy constraint: 'Member must have length between 1 and %d'", ecrMaxImageIDs))
		return nil, false
	case in.RegistryID != "" && in.RegistryID != AccountID:
		ecrError(c, errECRNoRepository(in.RepositoryName, in.RegistryID))
		return nil, false
	}
	return e.imagesOf(c, in.RepositoryName)
}

// imagesOf returns the images of the repository, or answers the call
// when there is no such repository or the Store fails.
func (e *ecrAPI) imagesOf(c *apiCall, repo string) ([]Image, bool) {
	images, err := e.registry.Images(repo)
	if err != nil {
		ecrError(c, ecrStoreError(repo, err))
		return nil, false
	}
	return images, true
}

func ecrImageOf(repo string, ref ecrImageRef, img Image) ecrImage {
	return ecrImage{RegistryID: AccountID, RepositoryName: repo, ImageID: ref,
		ImageManifest: img.Manifest, ImageManifestMediaType: ecrManifestMediaType}
}

func ecrImageNotFound(ref ecrImageRef, reason string) ecrFailure {
	return ecrFailure{ImageID: ref, FailureCode: ecrFailImageNotFound, FailureReason: reason}
}

func ecrMissingDigestAndTag(ref ecrImageRef) ecrFailure {
	return ecrFailure{ImageID: ref, FailureCode: ecrFailMissingDigestAndTag,
		FailureReason: "Invalid request parameters: both tag and digest cannot be null"}
}

func errECRImageExists(repo, digest, tag string) *apiError {
	return &apiError{Status: http.StatusBadRequest, Code: "ImageAlreadyExistsException",
		Message: fmt.Sprintf("Image with digest '%s' and tag '%s' already exists in the repository with name '%s' in registry with id '%s'",
			digest, tag, repo, AccountID)}
}

func errECRNoLayers(repo string) *apiError {
	return &apiError{Status: http.StatusBadRequest, Code: "LayersNotFoundException",
		Message: fmt.Sprintf("Layers referenced by the manifest are not in the repository with name '%s' (the stand-in holds no layers: PutImage only tags an image it holds)", repo)}
}
