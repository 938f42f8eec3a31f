package field

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestErrorNamesTheFieldValueAndWhatIsAccepted(t *testing.T) {
	assert.Equal(t, `Release: "" is not accepted; accepted a tag`, Error{Field: "Release", Value: "", Accepted: "a tag"}.Error(), "an empty string shows")
	assert.Equal(t, "QueueURL: (unset) is not accepted; accepted a URL", Error{Field: "QueueURL", Accepted: "a URL"}.Error(), "nil reads as unset")
	assert.Equal(t, "MinSize: 0 is not accepted; accepted 1", Error{Field: "MinSize", Value: 0, Accepted: "1"}.Error(), "numbers as they are")
}

func TestUnderAndItsParts(t *testing.T) {
	errs := Under("Schedules[1]", []Error{{Field: "TimeZone", Value: "Local"}})
	assert.Equal(t, "Schedules[1].TimeZone", errs[0].Field, "prefixed")
	assert.Equal(t, "Schedules", errs[0].Base(), "the Args field")
	assert.Equal(t, "[1].TimeZone", errs[0].Rest(), "what follows it")
	plain := Error{Field: "KeepLastImages"}
	assert.Equal(t, "KeepLastImages", plain.Base(), "a plain field is its own base")
	assert.Empty(t, plain.Rest(), "with nothing after it")
}

func TestJoin(t *testing.T) {
	assert.NoError(t, Join(nil), "no field, no error")
	err := Join([]Error{{Field: "A", Value: 1, Accepted: "2"}, {Field: "B", Value: 3, Accepted: "4"}})
	assert.Equal(t, "A: 1 is not accepted; accepted 2\nB: 3 is not accepted; accepted 4", err.Error(), "one per line")
}

func TestNames(t *testing.T) {
	assert.Empty(t, Names([2]string{"Env", "prod"}, [2]string{"Service", "web-2"}), "lowercase names with inner dashes pass")
	assert.Equal(t, []Error{
		{Field: "Env", Value: "", Accepted: NameAccepted},
		{Field: "Service", Value: "Web", Accepted: NameAccepted},
		{Field: "Tiers[1].Name", Value: "-web", Accepted: NameAccepted},
	}, Names([2]string{"Env", ""}, [2]string{"Service", "Web"}, [2]string{"Tiers[1].Name", "-web"}), "each bad one, in order")
}
