package stacks

import (
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/dynamodb"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// lockKey is the lock table's partition key: one item per env.
const lockKey = "env"

// envLockTable declares the table that holds the env's deploy lock. `infra`
// takes the lock with a conditional write before any command that changes
// the env, so every operator's laptop and every CI runner contend for the
// same item. The item's expiry is also its DynamoDB TTL, so a lock whose
// holder died is eventually deleted even if nobody breaks it.
func envLockTable(ctx *pulumi.Context, env string, tags pulumi.StringMap) (*dynamodb.Table, error) {
	return dynamodb.NewTable(ctx, "env-lock", &dynamodb.TableArgs{
		Name:        pulumi.String("video-platform-" + env + "-env-lock"),
		BillingMode: pulumi.String("PAY_PER_REQUEST"),
		HashKey:     pulumi.String(lockKey),
		Attributes: dynamodb.TableAttributeArray{
			dynamodb.TableAttributeArgs{Name: pulumi.String(lockKey), Type: pulumi.String("S")},
		},
		Ttl:  &dynamodb.TableTtlArgs{AttributeName: pulumi.String("expires"), Enabled: pulumi.Bool(true)},
		Tags: tags,
	})
}
