package contract

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestIdentityTagsPutTheKeysEveryResourceCarries(t *testing.T) {
	id := Identity{Env: "prod", Service: "web", Color: "blue", Tags: map[string]string{"team": "video"}}
	got := id.ChildTags(map[string]string{TagRole: RoleLoadBalancer, TagName: "web-blue-alb"})
	assert.Equal(t, "prod", got[TagEnv], "env")
	assert.Equal(t, "web", got[TagService], "service")
	assert.Equal(t, "blue", got[TagColor], "color")
	assert.Equal(t, ManagedBy, got[TagManagedBy], "managed-by")
	assert.Equal(t, "video", got["team"], "the caller's tag")
	assert.Equal(t, RoleLoadBalancer, got[TagRole], "the component's own key")
	assert.Len(t, id.Tags, 1, "the caller's map is not changed")

	plain := Identity{Env: "staging", Service: "transcoder"}.ChildTags(nil)
	assert.NotContains(t, plain, TagColor, "no color tag without a color")
	assert.Len(t, plain, 3, "env, service and managed-by")
}

func TestIdentityValidateReportsEveryFieldAtOnce(t *testing.T) {
	require.NoError(t, Identity{Env: "prod", Service: "web", Color: "green", Tags: map[string]string{"team": "video"}}.Validate(), "a valid identity")
	err := Identity{Env: "Prod", Service: "", Color: "purple", Tags: map[string]string{
		"env": "x", "AWS:cost": "y", "k": strings.Repeat("v", MaxTagValueLength+1),
	}}.Validate()
	var fields []string
	for _, fe := range FieldErrors(err) {
		fields = append(fields, fe.Field)
	}
	assert.Equal(t, []string{"Env", "Service", "Color", "Tags", "Tags", "Tags"}, fields, "every rejected field, in order")
	assert.ErrorContains(t, err, `Tags: "env" is not accepted; accepted any key but env, service`, "a reserved key is refused, not overwritten")
	assert.ErrorContains(t, err, `Tags: "AWS:cost" is not accepted; accepted keys not starting with aws:`, "the aws: prefix in any case")
	assert.ErrorContains(t, err, `Env: "Prod" is not accepted; accepted lowercase letters`, "the name rule")
	assert.False(t, ValidName(strings.Repeat("a", MaxNameLength+1)), "at most 20 characters")
}

func TestReservedKeysAreTheOnesComponentsSet(t *testing.T) {
	keys := ReservedTagKeys()
	for _, k := range []string{TagEnv, TagService, TagColor, TagRelease, TagManagedBy, TagRole, TagName, TagAlarm} {
		assert.Contains(t, keys, k, "%s is reserved", k)
	}
	assert.NotContains(t, keys, TagTier, "the tier is the caller's to set")
	keys[0] = "changed"
	assert.Equal(t, TagEnv, ReservedTagKeys()[0], "a caller's change does not leak into the list")
}

func TestPatterns(t *testing.T) {
	for _, ok := range []string{"m6i.large", "t3.small", "c7i-flex.xlarge", "c7i.metal-24xl", "u-6tb1.metal"} {
		assert.Regexp(t, InstanceTypePattern, ok, "%s is an instance type", ok)
	}
	for _, bad := range []string{"", "c5", "large.c5", "M6i.large", "m.large", "c6i.", "c6i.-large"} {
		assert.NotRegexp(t, InstanceTypePattern, bad, "%q is no instance type", bad)
	}
	assert.Regexp(t, ReleasePattern, "2026.11.27-1", "a release")
	assert.NotRegexp(t, ReleasePattern, "-r1", "a tag does not start with a dash")
	assert.NotRegexp(t, ReleasePattern, strings.Repeat("r", 129), "at most 128 characters")
	assert.Regexp(t, RepositoryPattern, "video-platform/prod/web", "a repository in path segments")
	for _, bad := range []string{"", "Video/web", "video-platform/", "a//b", "a/-b"} {
		assert.NotRegexp(t, RepositoryPattern, bad, "%q is no ECR repository name", bad)
	}
}

func TestSSLPoliciesAndOnDemandBase(t *testing.T) {
	p := ModernSSLPolicies()
	assert.Equal(t, DefaultSSLPolicy, p[0], "the default is the recommended policy, listed first")
	p[0] = "ELBSecurityPolicy-2016-08"
	assert.Equal(t, DefaultSSLPolicy, ModernSSLPolicies()[0], "a caller's change does not leak into the list")
	assert.Equal(t, 1, MinOnDemandBaseCapacity(true), "a production env keeps an on-demand base")
	assert.Equal(t, 0, MinOnDemandBaseCapacity(false), "another may be all Spot")
	assert.Equal(t, []string{"blue", "green"}, Colors(), "the copies")
}

func TestFieldErrors(t *testing.T) {
	assert.Equal(t, `Release: "" is not accepted; accepted a tag`, FieldError{Field: "Release", Value: "", Accepted: "a tag"}.Error(), "an empty string shows")
	assert.Equal(t, "QueueURL: (unset) is not accepted; accepted a URL", FieldError{Field: "QueueURL", Accepted: "a URL"}.Error(), "nil reads as unset")
	fe := FieldError{Field: "Schedules[1].TimeZone"}
	assert.Equal(t, "Schedules", fe.Base(), "the Args field")
	assert.Equal(t, "[1].TimeZone", fe.Rest(), "what follows it")

	assert.NoError(t, JoinFieldErrors(nil), "no field, no error")
	joined := JoinFieldErrors([]FieldError{{Field: "A", Value: 1, Accepted: "2"}, {Field: "B", Value: 3, Accepted: "4"}})
	assert.Equal(t, "A: 1 is not accepted; accepted 2\nB: 3 is not accepted; accepted 4", joined.Error(), "one per line")
	got := FieldErrors(errors.Join(joined, errors.New("plain")))
	require.Len(t, got, 3, "the leaves, nested joins included")
	assert.Equal(t, "B", got[1].Field, "in order")
	assert.Equal(t, FieldError{Accepted: "plain"}, got[2], "a plain error is kept as its message")
}
