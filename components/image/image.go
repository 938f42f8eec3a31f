// Package image declares a release artefact: an ECR repository that keeps a
// bounded number of immutable, scanned images and, optionally, an image built
// from source and pushed to it.
//
// The repository's lifecycle policy never expires an image a stack still
// references, by a tag convention: a referenced release's image also
// carries keep-<release> (imagetag.KeepTag). The policy's rules, in ECR's priority
// order:
//
//  1. tagged with the prefix keep-: selected and never expired (its count
//     is ECR's default quota of images per repository). ECR lets no later
//     rule expire an image that an earlier rule's tag filter selects, even
//     though the image's release tag would match a later rule too.
//  2. untagged, pushed more than a day ago: expired.
//  3. any image beyond the newest KeepLastImages by push time: expired.
//     The count includes the images rules 1 and 2 selected, which ECR
//     still counts but does not expire here.
//
// So the repository holds the newest KeepLastImages images, every
// protected image, and untagged images for a day. `infra release` adds the
// keep- tag before it deploys a release and `infra housekeeping` keeps the
// tags in step with what the stacks reference (see docs/operations.md).
package image

import (
	"encoding/json"
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ecr"
	"github.com/pulumi/pulumi-docker/sdk/v4/go/docker"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/video-platform/video-platform/components/internal/outputs"
	"github.com/video-platform/video-platform/internal/imagetag"
)

// TypeToken is the component's Pulumi type.
const TypeToken = "video-platform:release:Image"

// Image is an ECR repository and the image reference a release deploys.
type Image struct {
	pulumi.ResourceState

	// Repository is the ECR repository.
	Repository *ecr.Repository
	// LifecyclePolicy is the repository's lifecycle policy.
	LifecyclePolicy *ecr.LifecyclePolicy
	// Image is the image built and pushed; nil without BuildContext.
	Image *docker.Image

	// RepositoryURL is the repository's URL, <registry>/<name>.
	RepositoryURL pulumi.StringOutput `pulumi:"repositoryUrl"`
	// RepositoryARN is the repository's ARN, for IAM pull permissions.
	RepositoryARN pulumi.StringOutput `pulumi:"repositoryArn"`
	// RepositoryName is the repository's name.
	RepositoryName pulumi.StringOutput `pulumi:"repositoryName"`
	// ImageRef is what to deploy. For a build it is <repositoryUrl>:<Release>
	// taken from the pushed image, so it resolves only after the push; the
	// tag is as stable as a digest because the repository's tags are
	// immutable. For ImageReference it is that reference as is. Otherwise it
	// is <repositoryUrl>:<Release> when Release is set, else the repository
	// URL.
	ImageRef pulumi.StringOutput `pulumi:"imageRef"`
}

// lifecyclePolicy is an ECR lifecycle policy document.
type lifecyclePolicy struct {
	Rules []lifecycleRule `json:"rules"`
}

type lifecycleRule struct {
	RulePriority int                `json:"rulePriority"`
	Description  string             `json:"description"`
	Selection    lifecycleSelection `json:"selection"`
	Action       lifecycleAction    `json:"action"`
}

type lifecycleSelection struct {
	TagStatus     string   `json:"tagStatus"`
	TagPrefixList []string `json:"tagPrefixList,omitempty"`
	CountType     string   `json:"countType"`
	CountUnit     string   `json:"countUnit,omitempty"`
	CountNumber   int      `json:"countNumber"`
}

const (
	// protectedCount is the keep rule's count: ECR's default quota of
	// images per repository, far beyond the handful of releases the stacks
	// reference at once, so the rule never expires anything itself.
	protectedCount = 10000
	// untaggedDays is how long an untagged image stays: with immutable
	// tags one only arises from a tag deleted by hand or an aborted push,
	// and a day leaves time to look at it.
	untaggedDays = 1
)

// policyRules are the repository's lifecycle rules (see the package
// comment).
func policyRules(keepLast int) []lifecycleRule {
	expire := lifecycleAction{Type: "expire"}
	return []lifecycleRule{{
		RulePriority: 1,
		Description:  "never expire images a stack references: they carry a " + imagetag.KeepTagPrefix + " tag",
		Selection: lifecycleSelection{TagStatus: "tagged", TagPrefixList: []string{imagetag.KeepTagPrefix},
			CountType: "imageCountMoreThan", CountNumber: protectedCount},
		Action: expire,
	}, {
		RulePriority: 2,
		Description:  fmt.Sprintf("expire untagged images after %d day", untaggedDays),
		Selection: lifecycleSelection{TagStatus: "untagged", CountType: "sinceImagePushed",
			CountUnit: "days", CountNumber: untaggedDays},
		Action: expire,
	}, {
		RulePriority: 3,
		Description:  fmt.Sprintf("keep the last %d images", keepLast),
		Selection:    lifecycleSelection{TagStatus: "any", CountType: "imageCountMoreThan", CountNumber: keepLast},
		Action:       expire,
	}}
}

type lifecycleAction struct {
	Type string `json:"type"`
}

// NewImage declares the repository, its lifecycle policy and, when
// BuildContext is set, the image build and push.
func NewImage(ctx *pulumi.Context, name string, args *ImageArgs, opts ...pulumi.ResourceOption) (*Image, error) {
	if args == nil {
		return nil, fmt.Errorf("image %q: args are required", name)
	}
	if err := args.Validate(); err != nil {
		return nil, fmt.Errorf("image %q: %w", name, err)
	}
	a := args.withDefaults()
	policy, err := json.Marshal(lifecyclePolicy{Rules: policyRules(*a.KeepLastImages)})
	if err != nil {
		return nil, fmt.Errorf("image %q: lifecycle policy: %w", name, err)
	}

	comp := &Image{}
	if err := ctx.RegisterComponentResource(TypeToken, name, comp, opts...); err != nil {
		return nil, fmt.Errorf("image %q: %w", name, err)
	}
	parent := pulumi.Parent(comp)

	// ECR has no namePrefix, and the settings below can all be changed in
	// place, so the repository is never replaced in normal operation and a
	// fixed name (which deployments and CI push to) is safe.
	repo, err := ecr.NewRepository(ctx, name+"-repo", &ecr.RepositoryArgs{
		Name: pulumi.String(a.RepositoryName),
		// A release tag must always mean the same bits: rollbacks and
		// blue-green copies deploy by tag.
		ImageTagMutability: pulumi.String("IMMUTABLE"),
		ImageScanningConfiguration: &ecr.RepositoryImageScanningConfigurationArgs{
			ScanOnPush: pulumi.Bool(true),
		},
		EncryptionConfigurations: ecr.RepositoryEncryptionConfigurationArray{
			&ecr.RepositoryEncryptionConfigurationArgs{EncryptionType: pulumi.String("AES256")},
		},
		ForceDelete: pulumi.Bool(a.ForceDelete),
		Tags:        pulumi.ToStringMap(a.ChildTags(nil)),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("image %q: %w", name, err)
	}

	lifecycle, err := ecr.NewLifecyclePolicy(ctx, name+"-lifecycle", &ecr.LifecyclePolicyArgs{
		Repository: repo.Name,
		Policy:     pulumi.String(string(policy)),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("image %q: %w", name, err)
	}
	comp.Repository, comp.LifecyclePolicy = repo, lifecycle

	var ref pulumi.StringOutput
	switch {
	case a.BuildContext != "":
		img, err := build(ctx, name, a, repo, comp)
		if err != nil {
			return nil, fmt.Errorf("image %q: %w", name, err)
		}
		ref = img.ImageName
		comp.Image = img
	case a.ImageReference != "":
		ref = pulumi.String(a.ImageReference).ToStringOutput()
	case a.Release != "":
		ref = pulumi.Sprintf("%s:%s", repo.RepositoryUrl, a.Release)
	default:
		ref = repo.RepositoryUrl
	}

	comp.RepositoryURL = repo.RepositoryUrl
	comp.RepositoryARN = repo.Arn
	comp.RepositoryName = repo.Name
	comp.ImageRef = ref
	if err := outputs.Register(ctx, comp); err != nil {
		return nil, fmt.Errorf("image %q: %w", name, err)
	}
	return comp, nil
}

// build declares the image build and its push to the repository, logged in
// with a short-lived ECR token.
func build(ctx *pulumi.Context, name string, a ImageArgs, repo *ecr.Repository, comp *Image) (*docker.Image, error) {
	token := ecr.GetAuthorizationTokenOutput(ctx, ecr.GetAuthorizationTokenOutputArgs{
		RegistryId: repo.RegistryId,
	}, pulumi.Parent(comp))
	// The provider already marks the password secret; marking it again
	// keeps it out of state and logs even if a provider version does not.
	password, ok := pulumi.ToSecret(token.Password()).(pulumi.StringOutput)
	if !ok {
		return nil, fmt.Errorf("registry password: expected a string output")
	}
	return docker.NewImage(ctx, name+"-image", &docker.ImageArgs{
		ImageName: pulumi.Sprintf("%s:%s", repo.RepositoryUrl, a.Release),
		Build: &docker.DockerBuildArgs{
			Context:    pulumi.String(a.BuildContext),
			Dockerfile: pulumi.String(a.Dockerfile),
			Platform:   pulumi.String(a.Platform),
		},
		Registry: &docker.RegistryArgs{
			Server:   repo.RepositoryUrl,
			Username: token.UserName(),
			Password: password,
		},
	}, pulumi.Parent(comp))
}
