package image

import (
	"encoding/json"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/video-platform/video-platform/internal/offline"
	"github.com/video-platform/video-platform/internal/render"
)

const (
	compType      = "video-platform:release:Image"
	repoType      = "aws:ecr/repository:Repository"
	lifecycleType = "aws:ecr/lifecyclePolicy:LifecyclePolicy"
	dockerType    = "docker:index/image:Image"
	repoURL       = "<computed:aws:ecr/repository:Repository.repositoryUrl[recorder-repo]>"
	stackName     = "prod-test"
)

func validArgs() *ImageArgs {
	return &ImageArgs{
		Env:            "prod",
		Service:        "recorder",
		Tags:           map[string]string{"team": "video", "managed-by": "someone-else"},
		RepositoryName: "video-platform/recorder",
	}
}

func run(t *testing.T, args *ImageArgs) *offline.Result {
	t.Helper()
	res, err := offline.Run(offline.Stack{Name: stackName, Config: map[string]string{"aws:region": "us-east-1"}},
		func(ctx *pulumi.Context) (pulumi.Map, error) {
			img, err := NewImage(ctx, "recorder", args)
			if err != nil {
				return nil, err
			}
			return pulumi.Map{
				"repositoryUrl": img.RepositoryURL, "repositoryArn": img.RepositoryArn,
				"repositoryName": img.RepositoryName, "imageRef": img.ImageRef,
			}, nil
		})
	require.NoError(t, err, "offline run of a valid image")
	return res
}

func find(t *testing.T, res *offline.Result, typ, name string) render.Resource {
	t.Helper()
	r, ok := res.Find(typ, name)
	require.True(t, ok, "%s %s registered", typ, name)
	return r
}

func TestRepositoryIsImmutableScannedAndBounded(t *testing.T) {
	res := run(t, validArgs())
	comp := find(t, res, compType, "recorder")
	repo := find(t, res, repoType, "recorder-repo")

	assert.Equal(t, comp.URN, repo.Parent, "repository parented to the component")
	assert.Equal(t, "video-platform/recorder", repo.Inputs["name"], "fixed repository name")
	assert.Equal(t, "IMMUTABLE", repo.Inputs["imageTagMutability"], "tags are immutable")
	assert.Equal(t, map[string]any{"scanOnPush": true}, repo.Inputs["imageScanningConfiguration"], "scan on push")
	assert.Equal(t, []any{map[string]any{"encryptionType": "AES256"}}, repo.Inputs["encryptionConfigurations"], "encrypted")
	assert.Equal(t, false, repo.Inputs["forceDelete"], "images are kept with the repository by default")
	assert.Equal(t, map[string]any{"env": "prod", "service": "recorder", "managed-by": "pulumi", "team": "video"},
		repo.Inputs["tags"], "tags; component keys win over Args.Tags")

	lc := find(t, res, lifecycleType, "recorder-lifecycle")
	assert.Equal(t, comp.URN, lc.Parent, "lifecycle policy parented to the component")
	assert.Equal(t, "video-platform/recorder", lc.Inputs["repository"], "policy on the repository")
	rule := lifecycleRuleOf(t, lc)
	assert.Equal(t, 1.0, rule["rulePriority"], "single rule first")
	assert.Equal(t, map[string]any{"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 30.0},
		rule["selection"], "keeps the last 30 images by default")
	assert.Equal(t, map[string]any{"type": "expire"}, rule["action"], "older images expire")

	assert.Empty(t, res.OfType(dockerType), "nothing is built without BuildContext")
	assert.Equal(t, map[string]any{
		"repositoryUrl":  repoURL,
		"repositoryArn":  "<computed:aws:ecr/repository:Repository.arn[recorder-repo]>",
		"repositoryName": "video-platform/recorder",
		"imageRef":       repoURL,
	}, res.Outputs, "with neither build nor reference nor release, ImageRef is the repository URL")
}

func lifecycleRuleOf(t *testing.T, lc render.Resource) map[string]any {
	t.Helper()
	raw, ok := lc.Inputs["policy"].(string)
	require.True(t, ok, "lifecycle policy is a JSON string, got %#v", lc.Inputs["policy"])
	var doc struct {
		Rules []map[string]any `json:"rules"`
	}
	require.NoError(t, json.Unmarshal([]byte(raw), &doc), "lifecycle policy parses as JSON")
	require.Len(t, doc.Rules, 1, "one lifecycle rule")
	return doc.Rules[0]
}

func TestKeepLastImagesAndForceDelete(t *testing.T) {
	args := validArgs()
	args.KeepLastImages = 7
	args.ForceDelete = true
	args.Release = "2024.06.1"
	res := run(t, args)
	rule := lifecycleRuleOf(t, find(t, res, lifecycleType, "recorder-lifecycle"))
	assert.Equal(t, map[string]any{"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 7.0},
		rule["selection"], "keeps the configured number")
	assert.Equal(t, true, find(t, res, repoType, "recorder-repo").Inputs["forceDelete"], "explicit force delete")
	assert.Equal(t, repoURL+":2024.06.1", res.Outputs["imageRef"], "release without build tags the repository URL")
	assert.Empty(t, res.OfType(dockerType), "a release alone builds nothing")
}

func TestBuildPushesToTheRepository(t *testing.T) {
	args := validArgs()
	args.Release = "v1.2.3"
	args.BuildContext = "./recorder"
	res := run(t, args)
	comp := find(t, res, compType, "recorder")

	img := find(t, res, dockerType, "recorder-image")
	assert.Equal(t, comp.URN, img.Parent, "docker image parented to the component")
	assert.Equal(t, repoURL+":v1.2.3", img.Inputs["imageName"], "pushed as <repositoryUrl>:<release>")
	assert.Equal(t, map[string]any{
		"context": "./recorder", "dockerfile": "recorder/Dockerfile", "platform": "linux/amd64",
	}, img.Inputs["build"], "build settings with defaults")

	registry, ok := img.Inputs["registry"].(map[string]any)
	require.True(t, ok, "registry set, got %#v", img.Inputs["registry"])
	assert.Equal(t, repoURL, registry["server"], "logs in to the repository's registry")
	// The SDK marks a whole invoke result secret when any field is, so the
	// user name may arrive masked too; either way it comes from the token.
	assert.Contains(t, []any{"AWS", offline.SecretMarker}, registry["username"], "ECR token user")
	assert.Equal(t, offline.SecretMarker, registry["password"], "registry password stays secret")

	assert.Equal(t, repoURL+":v1.2.3", res.Outputs["imageRef"], "ImageRef is the pushed image")
	assert.Contains(t, res.Fixtures, "aws:ecr/getAuthorizationToken:getAuthorizationToken: ECR token answered with a secret placeholder",
		"ECR token was looked up")
}

func TestBuildWithExplicitDockerfileAndPlatform(t *testing.T) {
	args := validArgs()
	args.Release = "v2"
	args.BuildContext = "."
	args.Dockerfile = "docker/recorder.Dockerfile"
	args.Platform = "linux/arm64"
	res := run(t, args)
	img := find(t, res, dockerType, "recorder-image")
	assert.Equal(t, map[string]any{
		"context": ".", "dockerfile": "docker/recorder.Dockerfile", "platform": "linux/arm64",
	}, img.Inputs["build"], "explicit build settings")
}

func TestReferenceIsUsedAsIs(t *testing.T) {
	args := validArgs()
	args.ImageReference = "public.ecr.aws/nginx/nginx@sha256:0123abcd"
	res := run(t, args)
	assert.Empty(t, res.OfType(dockerType), "a reference registers no docker image")
	assert.Equal(t, args.ImageReference, res.Outputs["imageRef"], "reference used as is")
	assert.Len(t, res.OfType(repoType), 1, "the repository still exists")
}

func TestBadArgs(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(a *ImageArgs)
		field  string
	}{
		{"missing env", func(a *ImageArgs) { a.Env = "" }, "Env:"},
		{"missing service", func(a *ImageArgs) { a.Service = "" }, "Service:"},
		{"missing repository", func(a *ImageArgs) { a.RepositoryName = "" }, "RepositoryName: \"\" is 0 characters; accepted 2..256"},
		{"uppercase repository", func(a *ImageArgs) { a.RepositoryName = "Video/Recorder" }, "RepositoryName: \"Video/Recorder\" is invalid"},
		{"repository trailing slash", func(a *ImageArgs) { a.RepositoryName = "video/" }, "RepositoryName: \"video/\" is invalid"},
		{"keep too many", func(a *ImageArgs) { a.KeepLastImages = 1001 }, "KeepLastImages: 1001 is out of range; accepted 1..1000"},
		{"keep negative", func(a *ImageArgs) { a.KeepLastImages = -1 }, "KeepLastImages: -1"},
		{"bad tag", func(a *ImageArgs) { a.Release = ".hidden" }, "Release: \".hidden\" is not a Docker tag"},
		{"build without release", func(a *ImageArgs) { a.BuildContext = "." }, "Release: empty; required with BuildContext"},
		{"build and reference", func(a *ImageArgs) {
			a.Release = "v1"
			a.BuildContext = "."
			a.ImageReference = "nginx:1"
		}, "BuildContext, ImageReference: both set"},
		{"dockerfile without build", func(a *ImageArgs) { a.Dockerfile = "Dockerfile" }, "Dockerfile: \"Dockerfile\" is set without BuildContext"},
		{"platform without build", func(a *ImageArgs) { a.Platform = "linux/arm64" }, "Platform: \"linux/arm64\" is set without BuildContext"},
		{"bad platform", func(a *ImageArgs) {
			a.Release = "v1"
			a.BuildContext = "."
			a.Platform = "amd64"
		}, "Platform: \"amd64\" is invalid"},
		{"reference with space", func(a *ImageArgs) { a.ImageReference = "nginx 1" }, "ImageReference: \"nginx 1\" contains whitespace"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			args := validArgs()
			tc.mutate(args)
			var ctorErr error
			res, err := offline.Run(offline.Stack{Name: stackName}, func(ctx *pulumi.Context) (pulumi.Map, error) {
				_, ctorErr = NewImage(ctx, "recorder", args)
				return pulumi.Map{}, nil
			})
			require.NoError(t, err, "the run itself succeeds so its resources can be inspected")
			require.Error(t, ctorErr, "NewImage rejects %s", tc.name)
			assert.Contains(t, ctorErr.Error(), tc.field, "error names the field")
			assert.Contains(t, ctorErr.Error(), `image "recorder"`, "error names the component")
			assertNothingRegistered(t, res)

			_, err = offline.Run(offline.Stack{Name: stackName}, func(ctx *pulumi.Context) (pulumi.Map, error) {
				_, err := NewImage(ctx, "recorder", args)
				return nil, err
			})
			require.Error(t, err, "the error fails the run")
		})
	}
}

func TestAllBadFieldsReportedAtOnce(t *testing.T) {
	err := (ImageArgs{KeepLastImages: -1}).withDefaults().Validate()
	require.Error(t, err, "empty args are invalid")
	for _, field := range []string{"Env:", "Service:", "RepositoryName:", "KeepLastImages:"} {
		assert.Contains(t, err.Error(), field, "joined error names %s", field)
	}
}

func TestNilArgs(t *testing.T) {
	var ctorErr error
	res, err := offline.Run(offline.Stack{Name: stackName}, func(ctx *pulumi.Context) (pulumi.Map, error) {
		_, ctorErr = NewImage(ctx, "recorder", nil)
		return pulumi.Map{}, nil
	})
	require.NoError(t, err, "run")
	require.Error(t, ctorErr, "nil args rejected")
	assert.Contains(t, ctorErr.Error(), "args: nil", "error says args are nil")
	assertNothingRegistered(t, res)
}

func assertNothingRegistered(t *testing.T, res *offline.Result) {
	t.Helper()
	for _, r := range res.Resources {
		assert.Equal(t, "pulumi:pulumi:Stack", r.Type, "nothing but the stack is registered, found %s", r.URN)
	}
}
