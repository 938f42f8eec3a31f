package outputs

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
)

type example struct {
	pulumi.ResourceState

	Child    *pulumi.ResourceState
	Name     pulumi.StringOutput `pulumi:"name"`
	Count    pulumi.IntOutput    `pulumi:"count"`
	Untagged pulumi.StringOutput
}

func TestMapHoldsTheTaggedOutputs(t *testing.T) {
	comp := &example{Name: pulumi.String("a").ToStringOutput(), Count: pulumi.Int(1).ToIntOutput()}
	got := Map(comp)
	assert.Len(t, got, 2, "the tagged outputs only")
	assert.Equal(t, comp.Name, got["name"], "under the tag's name")
	assert.Equal(t, comp.Count, got["count"], "every tagged output")
}

type broken struct {
	Child *pulumi.ResourceState `pulumi:"child"`
}

func TestATaggedNonOutputIsABug(t *testing.T) {
	assert.Panics(t, func() { Map(&broken{}) }, "a tag on a field that is no output")
}
