package cron

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseAcceptsWhatAutoScalingDoes(t *testing.T) {
	for _, ok := range []string{"0 22 * * *", "*/15 8-18 * * MON-FRI", "30 6 1,15 JAN-MAR 0", "0 0 * * 7", "5 4 * * sun", "5/20 * * * *"} {
		_, err := Parse(ok)
		assert.NoError(t, err, "%q is accepted", ok)
	}
	for bad, want := range map[string]string{
		"":             "has 0 field(s)",
		"0 22 * *":     "has 4 field(s)",
		"60 * * * *":   `has "60" out of range in the minute field`,
		"0 25 * * *":   `has "25" out of range in the hour field`,
		"* * 0 * *":    `has "0" out of range in the day of month field`,
		"* * * 13 *":   `has "13" out of range in the month field`,
		"* * * * 8":    `has "8" out of range in the day of week field`,
		"*/0 * * * *":  `has a bad step "0" in the minute field`,
		"a * * * *":    `has "a" out of range in the minute field`,
		"1-x * * * *":  `has "x" out of range in the minute field`,
		"0 18-8 * * *": `has the range "18-8" running backwards in the hour field`,
		"0 0 ? * *":    `has "?" out of range in the day of month field`,
	} {
		_, err := Parse(bad)
		assert.EqualError(t, err, want, "%q is refused", bad)
	}
}

func TestParseExpandsEveryField(t *testing.T) {
	s, err := Parse("0,30 8-18/5 * * 5-7")
	require.NoError(t, err, "parses")
	assert.Equal(t, []int{0, 30}, s.Minutes, "a list")
	assert.Equal(t, []int{8, 13, 18}, s.Hours, "a stepped range")
	assert.Len(t, s.Days, 31, "every day of the month")
	assert.Equal(t, []int{0, 5, 6}, s.Weekdays, "7 is Sunday, 0")
	assert.True(t, s.AnyDay && s.AnyMonth, "a weekly schedule")

	s, err = Parse("5/20 0 1 JAN-MAR *")
	require.NoError(t, err, "parses")
	assert.Equal(t, []int{5, 25, 45}, s.Minutes, "every 20 from 5")
	assert.Equal(t, []int{1, 2, 3}, s.Months, "month names")
	assert.False(t, s.AnyDay, "a day of the month is set")
}
