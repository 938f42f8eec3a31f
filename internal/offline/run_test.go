package offline

import (
	"errors"
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/acm"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sqs"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRunRecordsResourcesOutputsAndPlaceholders(t *testing.T) {
	res, err := Run(Stack{
		Name:       "prod-test",
		Config:     map[string]string{"aws:region": "eu-west-1", "video-platform:token": "[secret]"},
		SecretKeys: []string{"video-platform:token"},
		StackOutputs: map[string]map[string]any{
			"prod": {"queueArn": "arn:aws:sqs:eu-west-1:1:jobs", "subnets": []any{"s-1", "s-2"}},
		},
	}, func(ctx *pulumi.Context) (pulumi.Map, error) {
		ref, err := pulumi.NewStackReference(ctx, "base", &pulumi.StackReferenceArgs{
			Name: pulumi.String(ctx.Organization() + "/" + ctx.Project() + "/prod"),
		})
		if err != nil {
			return nil, err
		}
		q, err := sqs.NewQueue(ctx, "jobs", &sqs.QueueArgs{
			NamePrefix:               pulumi.String("jobs-"),
			VisibilityTimeoutSeconds: pulumi.Int(900),
		})
		if err != nil {
			return nil, err
		}
		zones, err := aws.GetAvailabilityZones(ctx, &aws.GetAvailabilityZonesArgs{})
		if err != nil {
			return nil, err
		}
		return pulumi.Map{
			"queueUrl": q.Url,
			"upstream": ref.GetStringOutput(pulumi.String("queueArn")),
			"token":    config.GetSecret(ctx, "token"),
			"firstAz":  pulumi.String(zones.Names[0]),
		}, nil
	})
	require.NoError(t, err, "offline run")

	q, ok := res.Find("aws:sqs/queue:Queue", "jobs")
	require.True(t, ok, "queue recorded")
	assert.Equal(t, 900.0, q.Inputs["visibilityTimeoutSeconds"], "inputs are plain JSON numbers")
	assert.Equal(t, "urn:pulumi:prod-test::video-platform::aws:sqs/queue:Queue::jobs", q.URN, "urn")
	assert.Equal(t, "<computed:aws:sqs/queue:Queue.url[jobs]>", res.Outputs["queueUrl"], "cloud-only value is a placeholder")
	assert.Equal(t, "arn:aws:sqs:eu-west-1:1:jobs", res.Outputs["upstream"], "stack reference answered from earlier outputs")
	assert.Equal(t, SecretMarker, res.Outputs["token"], "secret config is masked in outputs")
	assert.Equal(t, "eu-west-1a", res.Outputs["firstAz"], "fixture uses the configured region")
	assert.Equal(t, []string{"prod"}, res.References, "references recorded")
	require.Len(t, res.Fixtures, 1, "one fixture used")
	assert.Contains(t, res.Fixtures[0], "getAvailabilityZones", "fixture named")
}

func TestRunFailsOnUnrenderedStackReference(t *testing.T) {
	_, err := Run(Stack{Name: "prod-dns"}, func(ctx *pulumi.Context) (pulumi.Map, error) {
		_, err := pulumi.NewStackReference(ctx, "web", &pulumi.StackReferenceArgs{
			Name: pulumi.String("organization/video-platform/prod-web-blue"),
		})
		return nil, err
	})
	require.Error(t, err, "an unrendered reference must fail")
	assert.Contains(t, err.Error(), `unknown stack "organization/video-platform/prod-web-blue": prod-web-blue has not been rendered`,
		"the engine's words for a stack that does not exist, and what to do offline")
}

// A program asks whether a stack exists with the invoke behind
// StackReference: it answers from the stacks rendered before, and fails
// with the engine's words for any other, without failing the run.
func TestReadStackOutputsInvoke(t *testing.T) {
	var rendered, missing map[string]any
	var missingErr error
	_, err := Run(Stack{Name: "prod-dns", StackOutputs: map[string]map[string]any{"prod": {"env": "prod"}}},
		func(ctx *pulumi.Context) (pulumi.Map, error) {
			if err := ctx.Invoke(ReadStackOutputsFunction, map[string]any{"name": "organization/video-platform/prod"}, &rendered); err != nil {
				return nil, err
			}
			missingErr = ctx.Invoke(ReadStackOutputsFunction, map[string]any{"name": "organization/video-platform/prod-web-blue"}, &missing)
			return pulumi.Map{}, nil
		})
	require.NoError(t, err, "a failed invoke does not fail the run")
	assert.Equal(t, map[string]any{"env": "prod"}, rendered["outputs"], "outputs of a rendered stack")
	require.Error(t, missingErr, "a stack not rendered")
	assert.Contains(t, missingErr.Error(), `unknown stack "organization/video-platform/prod-web-blue"`, "the engine's words")
}

func TestUnknownInvokeNamesToken(t *testing.T) {
	c := &Cloud{fixtures: map[string]string{}}
	const getBucket = "aws:s3/getBucket:getBucket"
	_, err := c.Call(pulumi.MockCallArgs{Token: getBucket})
	require.Error(t, err, "unknown invoke")
	assert.Contains(t, err.Error(), getBucket, "names the token")
}

func TestPlainValuesMaskSecretsAndUnknowns(t *testing.T) {
	ref := resource.NewResourceReferenceProperty(resource.ResourceReference{URN: "urn:pulumi:s::p::t::n"})
	in := resource.PropertyMap{
		"s":          resource.NewStringProperty("x"),
		"n":          resource.NewNumberProperty(2),
		"b":          resource.NewBoolProperty(true),
		"null":       resource.NewNullProperty(),
		"list":       resource.NewArrayProperty([]resource.PropertyValue{resource.NewStringProperty("a")}),
		"secret":     resource.MakeSecret(resource.NewStringProperty("hunter2")),
		"unknown":    resource.MakeComputed(resource.NewStringProperty("")),
		"out":        resource.NewOutputProperty(resource.Output{Element: resource.NewStringProperty("known"), Known: true}),
		"outSec":     resource.NewOutputProperty(resource.Output{Element: resource.NewStringProperty("pw"), Known: true, Secret: true}),
		"outUnk":     resource.NewOutputProperty(resource.Output{Known: false}),
		"ref":        ref,
		"__defaults": resource.NewArrayProperty(nil),
	}
	got := plainMap(in)
	assert.Equal(t, map[string]any{
		"s": "x", "n": 2.0, "b": true, "null": nil, "list": []any{"a"},
		"secret": SecretMarker, "unknown": UnknownMarker, "out": "known", "outSec": SecretMarker, "outUnk": UnknownMarker,
		"ref": "urn:pulumi:s::p::t::n",
	}, got, "plain JSON with secrets and unknowns masked and engine keys hidden")
}

func TestComponentsAndCertificatesAreRecorded(t *testing.T) {
	type comp struct{ pulumi.ResourceState }
	res, err := Run(Stack{Name: "prod"}, func(ctx *pulumi.Context) (pulumi.Map, error) {
		c := &comp{}
		if err := ctx.RegisterComponentResource("video-platform:test:Thing", "thing", c); err != nil {
			return nil, err
		}
		cert, err := acm.NewCertificate(ctx, "cert", &acm.CertificateArgs{
			DomainName:              pulumi.String("prod.example.com"),
			SubjectAlternativeNames: pulumi.StringArray{pulumi.String("*.prod.example.com")},
			ValidationMethod:        pulumi.String("DNS"),
		}, pulumi.Parent(c), pulumi.IgnoreChanges([]string{"tags"}))
		if err != nil {
			return nil, err
		}
		return pulumi.Map{"record": cert.DomainValidationOptions.Index(pulumi.Int(0)).ResourceRecordType()}, nil
	})
	require.NoError(t, err, "run")
	thing, ok := res.Find("video-platform:test:Thing", "thing")
	require.True(t, ok, "component recorded")
	assert.False(t, thing.Custom, "components are not custom")
	cert, ok := res.Find("aws:acm/certificate:Certificate", "cert")
	require.True(t, ok, "certificate recorded")
	assert.Equal(t, thing.URN, cert.Parent, "parent recorded")
	assert.Equal(t, []string{"tags"}, cert.IgnoreChanges, "resource options recorded")
	assert.Equal(t, "CNAME", res.Outputs["record"], "ACM answers with DNS validation records")
	assert.Len(t, res.OfType("aws:acm/certificate:Certificate"), 1, "OfType")
}

// A program's errors reach `infra synth` as the program wrote them: no
// "1 error occurred" framing from the SDK's multierror, and still
// errors.Is-able.
func TestRunErrorIsTheProgramsOwn(t *testing.T) {
	first, second := errors.New("stack prod: config a is bad"), errors.New("stack prod: config b is bad")
	_, err := Run(Stack{Name: "prod"}, func(ctx *pulumi.Context) (pulumi.Map, error) {
		return nil, errors.Join(first, second)
	})
	require.Error(t, err, "the program failed")
	assert.Equal(t, "stack prod: config a is bad\nstack prod: config b is bad", err.Error(), "one per line, nothing around them")
	assert.ErrorIs(t, err, second, "the program's errors are still found")
}
