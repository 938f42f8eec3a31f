package offline

import (
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sqs"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRunResolvesAliasesAsTheEngineDoes registers, under a component, a
// queue that used to be a child of the stack under another name, one that
// was renamed in place, and one with a full URN alias, and checks the URNs
// each alias stands for.
func TestRunResolvesAliasesAsTheEngineDoes(t *testing.T) {
	const prefix = "urn:pulumi:prod-test::video-platform::"
	res, err := Run(Stack{Name: "prod-test"}, func(ctx *pulumi.Context) (pulumi.Map, error) {
		comp := &struct{ pulumi.ResourceState }{}
		if err := ctx.RegisterComponentResource("video-platform:test:Box", "box", comp); err != nil {
			return nil, err
		}
		queues := []struct {
			name  string
			alias pulumi.Alias
		}{
			{"moved", pulumi.Alias{NoParent: pulumi.Bool(true), Name: pulumi.String("old")}},
			{"renamed", pulumi.Alias{Name: pulumi.String("before")}},
			{"rooted", pulumi.Alias{ParentURN: pulumi.URN(prefix + "pulumi:pulumi:Stack::video-platform-prod-test")}},
			{"under", pulumi.Alias{ParentURN: pulumi.URN(prefix + "aws:iam/role:Role::r")}},
			{"full", pulumi.Alias{URN: pulumi.URN(prefix + "aws:sqs/queue:Queue::anything")}},
		}
		for _, q := range queues {
			if _, err := sqs.NewQueue(ctx, q.name, &sqs.QueueArgs{}, pulumi.Parent(comp), pulumi.Aliases([]pulumi.Alias{q.alias})); err != nil {
				return nil, err
			}
		}
		if _, err := sqs.NewQueue(ctx, "plain", &sqs.QueueArgs{}); err != nil {
			return nil, err
		}
		return nil, nil
	})
	require.NoError(t, err, "offline run")

	under := prefix + "video-platform:test:Box$aws:sqs/queue:Queue::"
	assert.Equal(t, map[string][]string{
		under + "moved":   {prefix + "aws:sqs/queue:Queue::old"},
		under + "renamed": {under + "before"},
		under + "rooted":  {prefix + "aws:sqs/queue:Queue::rooted"},
		under + "under":   {prefix + "aws:iam/role:Role$aws:sqs/queue:Queue::under"},
		under + "full":    {prefix + "aws:sqs/queue:Queue::anything"},
	}, res.Aliases, "each alias resolves to one URN; resources without aliases are not listed")
}
