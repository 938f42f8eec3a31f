package cost

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseWeeklyCron(t *testing.T) {
	cases := []struct {
		expr    string
		count   int
		first   int
		wantErr bool
	}{
		{expr: "0 8 * * 1-5", count: 5, first: 1*1440 + 8*60},
		{expr: "30 18 * * MON-FRI", count: 5, first: 1*1440 + 18*60 + 30},
		{expr: "*/30 * * * *", count: 7 * 48, first: 0},
		{expr: "0 8-18/2 ? * 1-5", count: 6 * 5, first: 1*1440 + 8*60},
		{expr: "0 0 * * 0,7", count: 1, first: 0},
		{expr: "15 3 * * sat", count: 1, first: 6*1440 + 3*60 + 15},
		{expr: "0 0 1 * *", wantErr: true},
		{expr: "0 0 * 6 *", wantErr: true},
		{expr: "0 25 * * *", wantErr: true},
		{expr: "0 8 * *", wantErr: true},
		{expr: "0 18-8 * * *", wantErr: true},
		{expr: "*/0 * * * *", wantErr: true},
	}
	for _, tc := range cases {
		t.Run(tc.expr, func(t *testing.T) {
			got, err := parseWeeklyCron(tc.expr)
			if tc.wantErr {
				require.Error(t, err, "unsupported or malformed recurrence should fail")
				return
			}
			require.NoError(t, err, "recurrence should parse")
			require.Len(t, got, tc.count, "firings a week")
			assert.Equal(t, tc.first, got[0], "first firing minute of the week")
		})
	}
}

func TestWeeklyAverage(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	weekday8, err := parseWeeklyCron("0 8 * * 1-5")
	require.NoError(t, err, "parse up")
	weekday18, err := parseWeeklyCron("0 18 * * 1-5")
	require.NoError(t, err, "parse down")
	nightly, err := parseWeeklyCron("0 0 * * *")
	require.NoError(t, err, "parse nightly")

	cases := []struct {
		name    string
		start   float64
		actions []scheduledAction
		want    float64
	}{
		{
			name:  "business hours up and down",
			start: 7, // the starting capacity must not matter
			actions: []scheduledAction{
				{name: "down", minutes: weekday18, desired: f(1)},
				{name: "up", minutes: weekday8, desired: f(4)},
			},
			want: (4*50.0 + 1*118.0) / 168,
		},
		{
			name:    "single schedule holds all week",
			start:   5,
			actions: []scheduledAction{{name: "night", minutes: nightly, desired: f(2)}},
			want:    2,
		},
		{
			name:  "min/max only clamps the running capacity",
			start: 6,
			actions: []scheduledAction{
				{name: "cap", minutes: weekday18, max: f(3)},
				{name: "floor", minutes: weekday8, min: f(5)},
			},
			want: (5*50.0 + 3*118.0) / 168,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, levels := weeklyAverage(tc.start, tc.actions)
			assert.InDelta(t, tc.want, got, 1e-9, "time-weighted average")
			total := 0
			for _, l := range levels {
				total += l.minutes
			}
			assert.Equal(t, minutesPerWeek, total, "levels cover the whole week")
		})
	}
}
