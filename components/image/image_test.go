package image

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/video-platform/video-platform/internal/contract"
	"github.com/video-platform/video-platform/internal/offline"
	"github.com/video-platform/video-platform/internal/offline/offlinetest"
	"github.com/video-platform/video-platform/internal/render"
)

const (
	repoType      = "aws:ecr/repository:Repository"
	lifecycleType = "aws:ecr/lifecyclePolicy:LifecyclePolicy"
	dockerType    = "docker:index/image:Image"
	repoURL       = "<computed:aws:ecr/repository:Repository.repositoryUrl[recorder-repo]>"
	stackName     = "prod-test"
)

func validArgs() *ImageArgs {
	return &ImageArgs{
		Identity:       contract.Identity{Env: "prod", Service: "recorder", Tags: map[string]string{"team": "video"}},
		RepositoryName: "video-platform/recorder",
	}
}

// images declares images offline for these tests.
var images = offlinetest.Component[ImageArgs, Image]{
	Stack: offline.Stack{Name: stackName, Config: map[string]string{"aws:region": "us-east-1"}},
	New:   NewImage,
}

func TestRepositoryIsImmutableScannedAndBounded(t *testing.T) {
	res := images.Run(t, "recorder", validArgs())
	comp := offlinetest.Find(t, res, TypeToken, "recorder")
	repo := offlinetest.Find(t, res, repoType, "recorder-repo")

	assert.Equal(t, comp.URN, repo.Parent, "repository parented to the component")
	assert.Equal(t, "video-platform/recorder", repo.Inputs["name"], "fixed repository name")
	assert.Equal(t, "IMMUTABLE", repo.Inputs["imageTagMutability"], "tags are immutable")
	offlinetest.HasInputs(t, repo, map[string]any{
		"imageScanningConfiguration.scanOnPush":      true,
		"encryptionConfigurations[0].encryptionType": "AES256",
		"forceDelete":     false,
		"tags.env":        "prod",
		"tags.service":    "recorder",
		"tags.managed-by": "pulumi",
		"tags.team":       "video",
	})

	lc := offlinetest.Find(t, res, lifecycleType, "recorder-lifecycle")
	assert.Equal(t, comp.URN, lc.Parent, "lifecycle policy parented to the component")
	assert.Equal(t, "video-platform/recorder", lc.Inputs["repository"], "policy on the repository")
	rules := lifecycleRulesOf(t, lc)
	require.Len(t, rules, 3, "keep rule, untagged rule, count rule")
	for i, rule := range rules {
		assert.Equal(t, float64(i+1), rule["rulePriority"], "rule %d in priority order", i+1)
		assert.Equal(t, map[string]any{"type": "expire"}, rule["action"], "rule %d: ECR's only action", i+1)
	}
	assert.Equal(t, map[string]any{"tagStatus": "tagged", "tagPrefixList": []any{"keep-"}, "countType": "imageCountMoreThan", "countNumber": 10000.0},
		rules[0]["selection"], "protected images first")
	assert.Equal(t, map[string]any{"tagStatus": "untagged", "countType": "sinceImagePushed", "countUnit": "days", "countNumber": 1.0},
		rules[1]["selection"], "untagged images for a day")
	assert.Equal(t, map[string]any{"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 30.0},
		rules[2]["selection"], "keeps the last 30 images by default")

	assert.Empty(t, res.OfType(dockerType), "nothing is built without BuildContext")
	assert.Equal(t, repoURL, res.Outputs["RepositoryURL"], "RepositoryURL output")
	assert.Equal(t, "<computed:aws:ecr/repository:Repository.arn[recorder-repo]>", res.Outputs["RepositoryARN"], "RepositoryARN output")
	assert.Equal(t, "video-platform/recorder", res.Outputs["RepositoryName"], "RepositoryName output")
	assert.Equal(t, repoURL, res.Outputs["ImageRef"], "with neither build nor reference nor release, ImageRef is the repository URL")
}

func lifecycleRulesOf(t *testing.T, lc render.Resource) []map[string]any {
	t.Helper()
	var doc struct {
		Rules []map[string]any `json:"rules"`
	}
	require.NoError(t, json.Unmarshal([]byte(policyOf(t, lc)), &doc), "lifecycle policy parses as JSON")
	return doc.Rules
}

func policyOf(t *testing.T, lc render.Resource) string {
	t.Helper()
	raw, ok := lc.Inputs["policy"].(string)
	require.True(t, ok, "lifecycle policy is a JSON string, got %#v", lc.Inputs["policy"])
	return raw
}

func TestKeepLastImagesAndForceDelete(t *testing.T) {
	args := validArgs()
	args.KeepLastImages = new(7)
	args.ForceDelete = true
	args.Release = "2024.06.1"
	res := images.Run(t, "recorder", args)
	rules := lifecycleRulesOf(t, offlinetest.Find(t, res, lifecycleType, "recorder-lifecycle"))
	require.Len(t, rules, 3, "three rules")
	assert.Equal(t, map[string]any{"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 7.0},
		rules[2]["selection"], "keeps the configured number")
	assert.Equal(t, true, offlinetest.Find(t, res, repoType, "recorder-repo").Inputs["forceDelete"], "explicit force delete")
	assert.Equal(t, repoURL+":2024.06.1", res.Outputs["ImageRef"], "release without build tags the repository URL")
	assert.Empty(t, res.OfType(dockerType), "a release alone builds nothing")
}

func TestBuildPushesToTheRepository(t *testing.T) {
	args := validArgs()
	args.Release = "v1.2.3"
	args.BuildContext = "./recorder"
	res := images.Run(t, "recorder", args)
	comp := offlinetest.Find(t, res, TypeToken, "recorder")

	img := offlinetest.Find(t, res, dockerType, "recorder-image")
	assert.Equal(t, comp.URN, img.Parent, "docker image parented to the component")
	assert.Equal(t, repoURL+":v1.2.3", img.Inputs["imageName"], "pushed as <repositoryUrl>:<release>")
	offlinetest.HasInputs(t, img, map[string]any{"build.context": "./recorder", "build.dockerfile": "recorder/Dockerfile", "build.platform": "linux/amd64"})

	registry, ok := img.Inputs["registry"].(map[string]any)
	require.True(t, ok, "registry set, got %#v", img.Inputs["registry"])
	assert.Equal(t, repoURL, registry["server"], "logs in to the repository's registry")
	// The SDK marks a whole invoke result secret when any field is, so the
	// user name may arrive masked too; either way it comes from the token.
	assert.Contains(t, []any{"AWS", offline.SecretMarker}, registry["username"], "ECR token user")
	assert.Equal(t, offline.SecretMarker, registry["password"], "registry password stays secret")

	assert.Equal(t, repoURL+":v1.2.3", res.Outputs["ImageRef"], "ImageRef is the pushed image")
	assert.Contains(t, res.Fixtures, "aws:ecr/getAuthorizationToken:getAuthorizationToken: ECR token answered with a secret placeholder",
		"ECR token was looked up")
}

func TestBuildWithExplicitDockerfileAndPlatform(t *testing.T) {
	args := validArgs()
	args.Release = "v2"
	args.BuildContext = "."
	args.Dockerfile = "docker/recorder.Dockerfile"
	args.Platform = "linux/arm64"
	res := images.Run(t, "recorder", args)
	img := offlinetest.Find(t, res, dockerType, "recorder-image")
	offlinetest.HasInputs(t, img, map[string]any{"build.context": ".", "build.dockerfile": "docker/recorder.Dockerfile", "build.platform": "linux/arm64"})
}

func TestReferenceIsUsedAsIs(t *testing.T) {
	args := validArgs()
	args.ImageReference = "public.ecr.aws/nginx/nginx@sha256:0123abcd"
	res := images.Run(t, "recorder", args)
	assert.Empty(t, res.OfType(dockerType), "a reference registers no docker image")
	assert.Equal(t, args.ImageReference, res.Outputs["ImageRef"], "reference used as is")
	assert.Len(t, res.OfType(repoType), 1, "the repository still exists")
}

func TestBadArgs(t *testing.T) {
	cases := []offlinetest.Case[ImageArgs]{
		{Name: "missing env", Edit: func(a *ImageArgs) { a.Env = "" }, Want: []string{"Env:"}},
		{Name: "missing service", Edit: func(a *ImageArgs) { a.Service = "" }, Want: []string{"Service:"}},
		{Name: "reserved tag", Edit: func(a *ImageArgs) { a.Tags = map[string]string{"managed-by": "someone-else"} }, Want: []string{`Tags: "managed-by" is not accepted`}},
		{Name: "missing repository", Edit: func(a *ImageArgs) { a.RepositoryName = "" }, Want: []string{"RepositoryName: \"\" is not accepted; accepted 2..256 characters; it has 0"}},
		{Name: "uppercase repository", Edit: func(a *ImageArgs) { a.RepositoryName = "Video/Recorder" }, Want: []string{"RepositoryName: \"Video/Recorder\" is not accepted; accepted lowercase path segments"}},
		{Name: "repository trailing slash", Edit: func(a *ImageArgs) { a.RepositoryName = "video/" }, Want: []string{"RepositoryName: \"video/\" is not accepted"}},
		{Name: "keep too many", Edit: func(a *ImageArgs) { a.KeepLastImages = new(1001) }, Want: []string{"KeepLastImages: 1001 is not accepted; accepted an integer from 1 to 1000"}},
		{Name: "keep negative", Edit: func(a *ImageArgs) { a.KeepLastImages = new(-1) }, Want: []string{"KeepLastImages: -1"}},
		// A count set is taken as given: 0 is not the default.
		{Name: "keep zero", Edit: func(a *ImageArgs) { a.KeepLastImages = new(0) }, Want: []string{"KeepLastImages: 0 is not accepted"}},
		{Name: "bad tag", Edit: func(a *ImageArgs) { a.Release = ".hidden" }, Want: []string{"Release: \".hidden\" is not accepted; accepted a non-empty image tag"}},
		{Name: "release too long for its keep tag", Edit: func(a *ImageArgs) { a.Release = strings.Repeat("r", 124) },
			Want: []string{"Release: \"" + strings.Repeat("r", 124) + "\" is not accepted; accepted a non-empty image tag of letters, digits, '_', '.' and '-', at most 123 characters"}},
		{Name: "release that is a keep tag", Edit: func(a *ImageArgs) { a.Release = "keep-r41" },
			Want: []string{"Release: \"keep-r41\" is not accepted; accepted a non-empty image tag", "not starting with keep-"}},
		{Name: "build without release", Edit: func(a *ImageArgs) { a.BuildContext = "." }, Want: []string{"Release: \"\" is not accepted; accepted a tag matching", "required with BuildContext"}},
		{Name: "build and reference", Edit: func(a *ImageArgs) {
			a.Release = "v1"
			a.BuildContext = "."
			a.ImageReference = "nginx:1"
		}, Want: []string{"BuildContext: \".\" is not accepted; accepted either BuildContext or ImageReference, not both"}},
		{Name: "dockerfile without build", Edit: func(a *ImageArgs) { a.Dockerfile = "Dockerfile" }, Want: []string{"Dockerfile: \"Dockerfile\" is not accepted; accepted only with BuildContext"}},
		{Name: "platform without build", Edit: func(a *ImageArgs) { a.Platform = "linux/arm64" }, Want: []string{"Platform: \"linux/arm64\" is not accepted; accepted only with BuildContext"}},
		{Name: "bad platform", Edit: func(a *ImageArgs) {
			a.Release = "v1"
			a.BuildContext = "."
			a.Platform = "amd64"
		}, Want: []string{"Platform: \"amd64\" is not accepted; accepted os/arch"}},
		{Name: "reference with space", Edit: func(a *ImageArgs) { a.ImageReference = "nginx 1" }, Want: []string{"ImageReference: \"nginx 1\" is not accepted; accepted an image reference without whitespace"}},
	}
	images.BadArgs(t, "recorder", validArgs, cases)
}

func TestAllBadFieldsReportedAtOnce(t *testing.T) {
	err := (ImageArgs{KeepLastImages: new(-1)}).Validate()
	require.Error(t, err, "empty args are invalid")
	for _, field := range []string{"Env:", "Service:", "RepositoryName:", "KeepLastImages:"} {
		assert.Contains(t, err.Error(), field, "joined error names %s", field)
	}
}

func TestNilArgs(t *testing.T) {
	res, err := images.Rejected(t, "recorder", nil)
	assert.Equal(t, `image "recorder": args are required`, err.Error(), "message")
	assert.Empty(t, res.Resources, "nothing is registered")
}

// The repository, its lifecycle policy and a built image are fields of
// the component, as awsx exposes children.
func TestChildrenAreExposed(t *testing.T) {
	args := validArgs()
	args.Release, args.BuildContext = "v1", "."
	got, _ := images.Declared(t, "recorder", args)
	offlinetest.Exposes(t, got, "Repository", "LifecyclePolicy", "Image")
}
