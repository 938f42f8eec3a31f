package field

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/video-platform/video-platform/internal/contract"
)

func TestListCollectsEveryKindOfRejection(t *testing.T) {
	var l List
	assert.NoError(t, l.Err(), "nothing rejected, no error")
	l.Add("Release", "", "a tag")
	l.Input("VpcID", "a VPC ID")
	l.Range("Port", 70000, 1, 65535)
	l.Range("Port", 80, 1, 65535)
	l.Count("SubnetIDs", 0, 2, 6, "subnet IDs")
	l.Count("SubnetIDs", 1, 2, 6, "subnet IDs")
	l.Count("SubnetIDs", 2, 2, 6, "subnet IDs")
	l.Part("Schedules[1]", contract.JoinFieldErrors([]contract.FieldError{{Field: "TimeZone", Value: "Local", Accepted: "an IANA zone"}}))
	l.Part("", errors.New("plain"))
	assert.Equal(t, List{
		{Field: "Release", Value: "", Accepted: "a tag"},
		{Field: "VpcID", Accepted: "a VPC ID", Input: true},
		{Field: "Port", Value: 70000, Accepted: "an integer from 1 to 65535"},
		{Field: "SubnetIDs", Accepted: "2 to 6 subnet IDs", Input: true},
		{Field: "SubnetIDs", Value: Given(1), Accepted: "2 to 6 subnet IDs"},
		{Field: "Schedules[1].TimeZone", Value: "Local", Accepted: "an IANA zone"},
		{Accepted: "plain"},
	}, l, "in order, the part's fields under their parent")
	assert.Equal(t, "SubnetIDs: 1 given is not accepted; accepted 2 to 6 subnet IDs", l[4].Error(), "a count prints as what was given")
	assert.Equal(t, contract.FieldErrors(l.Err()), []contract.FieldError(l), "the error is made of the fields")
}
