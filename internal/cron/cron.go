// Package cron parses the five-field Unix cron expressions of Auto Scaling
// scheduled actions: the AsgPool component validates its schedules with it
// and the cost estimate expands them into the minutes of a week, so both
// read a recurrence the same way.
package cron

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// field is the accepted range of one cron field and its names, if any.
type field struct {
	name     string
	min, max int
	names    []string // names[i] stands for min+i
}

// fields are the five fields in order.
var fields = [5]field{
	{name: "minute", min: 0, max: 59},
	{name: "hour", min: 0, max: 23},
	{name: "day of month", min: 1, max: 31},
	{name: "month", min: 1, max: 12, names: []string{"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"}},
	{name: "day of week", min: 0, max: 7, names: []string{"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}},
}

// Accepted describes the expressions Parse accepts.
const Accepted = "5 cron fields: minute 0-59, hour 0-23, day 1-31, month 1-12, weekday 0-6"

// Schedule is a parsed expression: the values each field matches, sorted.
// Weekdays run from 0 (Sunday) to 6; a 7 in the expression is Sunday too.
type Schedule struct {
	Minutes, Hours, Days, Months, Weekdays []int
	// AnyDay and AnyMonth say the day-of-month and month fields are "*",
	// so the schedule repeats every week.
	AnyDay, AnyMonth bool
}

// Parse reads a Unix cron expression: five fields of numbers (or names,
// for months and weekdays), "*", lists, ranges and steps. An error says
// what is wrong in words that complete "this one ...", such as `has "25"
// out of range in the hour field`. AWS is the final judge.
func Parse(expr string) (Schedule, error) {
	parts := strings.Fields(expr)
	if len(parts) != len(fields) {
		return Schedule{}, fmt.Errorf("has %d field(s)", len(parts))
	}
	var sets [len(fields)][]int
	for i, p := range parts {
		set, err := fields[i].expand(p)
		if err != nil {
			return Schedule{}, err
		}
		sets[i] = set
	}
	weekdays := make([]int, 0, len(sets[4]))
	for _, d := range sets[4] {
		weekdays = append(weekdays, d%7)
	}
	slices.Sort(weekdays)
	return Schedule{
		Minutes: sets[0], Hours: sets[1], Days: sets[2], Months: sets[3], Weekdays: slices.Compact(weekdays),
		AnyDay: parts[2] == "*", AnyMonth: parts[3] == "*",
	}, nil
}

// expand turns one field into the values it matches, sorted.
func (f field) expand(text string) ([]int, error) {
	var out []int
	for _, part := range strings.Split(text, ",") {
		rng, stepText, hasStep := strings.Cut(part, "/")
		step := 1
		if hasStep {
			n, err := strconv.Atoi(stepText)
			if err != nil || n < 1 || n > f.max {
				return nil, fmt.Errorf("has a bad step %q in the %s field", stepText, f.name)
			}
			step = n
		}
		from, to := f.min, f.max
		if rng != "*" {
			lo, hi, isRange := strings.Cut(rng, "-")
			var err error
			if from, err = f.value(lo); err != nil {
				return nil, err
			}
			switch {
			case isRange:
				if to, err = f.value(hi); err != nil {
					return nil, err
				}
				if to < from {
					return nil, fmt.Errorf("has the range %q running backwards in the %s field", rng, f.name)
				}
			case !hasStep:
				// "5/15" is every 15 from 5 on; a bare "5" is just 5.
				to = from
			}
		}
		for v := from; v <= to; v += step {
			out = append(out, v)
		}
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

func (f field) value(s string) (int, error) {
	if i := slices.Index(f.names, strings.ToUpper(s)); i >= 0 {
		return f.min + i, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < f.min || n > f.max {
		return 0, fmt.Errorf("has %q out of range in the %s field", s, f.name)
	}
	return n, nil
}
