package iampolicy

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestJSONIsWhatIAMReads(t *testing.T) {
	doc := New(Statement{
		Sid: "Publish", Effect: "Allow", Principal: map[string]string{"Service": "events.amazonaws.com"},
		Action: []string{"sns:Publish"}, Resource: []string{"arn:aws:sns:us-east-1:123456789012:alerts"},
		Condition: map[string]map[string]string{"StringEquals": {"aws:SourceAccount": "123456789012"}},
	}, Statement{Sid: "Describe", Effect: "Allow", Action: []string{"ec2:DescribeInstances"}})
	got, err := doc.JSON()
	require.NoError(t, err, "a document marshals")
	assert.JSONEq(t, `{"Version":"2012-10-17","Statement":[`+
		`{"Sid":"Publish","Effect":"Allow","Principal":{"Service":"events.amazonaws.com"},"Action":["sns:Publish"],`+
		`"Resource":["arn:aws:sns:us-east-1:123456789012:alerts"],"Condition":{"StringEquals":{"aws:SourceAccount":"123456789012"}}},`+
		`{"Sid":"Describe","Effect":"Allow","Action":["ec2:DescribeInstances"]}]}`, got, "empty principal, resource and condition are left out")
}
