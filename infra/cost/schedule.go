package cost

import (
	"fmt"
	"sort"
	"strings"

	"github.com/video-platform/video-platform/internal/cron"
)

// minutesPerWeek is the period over which scheduled capacity is averaged: our
// schedules repeat weekly (weekday business hours, nightly scale-downs), so a
// week is the shortest window whose average equals the long-run average.
const minutesPerWeek = 7 * 24 * 60

// scheduledAction is one Schedule resource reduced to what the weekly average
// needs. A nil desired means the action only moves min/max, and the running
// capacity is clamped into the new bounds, as AWS does.
type scheduledAction struct {
	name     string
	minutes  []int // minute-of-week (0 = Sunday 00:00) at which it fires
	desired  *float64
	min, max *float64
}

// weeklyLevel is how long one capacity holds during a week.
type weeklyLevel struct {
	capacity float64
	minutes  int
}

// parseWeeklyCron expands a five-field cron expression into the minutes of the
// week at which it fires, read by internal/cron as the AsgPool validates it.
// Only weekly patterns are supported: day-of-month and month must be "*"
// (or "?"), because a monthly or yearly pattern has no weekly average and
// the caller falls back to the plain desired capacity.
func parseWeeklyCron(expr string) ([]int, error) {
	fields := strings.Fields(expr)
	for i, f := range fields {
		if f == "?" {
			fields[i] = "*"
		}
	}
	s, err := cron.Parse(strings.Join(fields, " "))
	if err != nil {
		return nil, fmt.Errorf("recurrence %q: %w", expr, err)
	}
	if !s.AnyDay || !s.AnyMonth {
		return nil, fmt.Errorf("recurrence %q: day-of-month and month fields are not supported, only weekly patterns", expr)
	}
	out := make([]int, 0, len(s.Weekdays)*len(s.Hours)*len(s.Minutes))
	for _, d := range s.Weekdays {
		for _, h := range s.Hours {
			for _, m := range s.Minutes {
				out = append(out, d*24*60+h*60+m)
			}
		}
	}
	return out, nil
}

// weeklyAverage simulates the actions over two weeks from the given starting
// capacity and measures the second week, so the result does not depend on
// where the week starts: after one full week every action has fired at least
// once. Actions firing in the same minute apply in name order, so the last
// name wins. Time zones and daylight saving are ignored: an ASG's schedules
// share one time zone, and shifting every action alike leaves the average
// unchanged.
func weeklyAverage(start float64, actions []scheduledAction) (float64, []weeklyLevel) {
	type event struct {
		at     int
		action *scheduledAction
	}
	var events []event
	for i := range actions {
		for _, m := range actions[i].minutes {
			events = append(events, event{at: m, action: &actions[i]})
		}
	}
	sort.SliceStable(events, func(i, j int) bool {
		if events[i].at != events[j].at {
			return events[i].at < events[j].at
		}
		return events[i].action.name < events[j].action.name
	})
	apply := func(capacity float64, a *scheduledAction) float64 {
		if a.desired != nil {
			capacity = *a.desired
		}
		if a.min != nil && capacity < *a.min {
			capacity = *a.min
		}
		if a.max != nil && capacity > *a.max {
			capacity = *a.max
		}
		return capacity
	}
	capacity := start
	for _, e := range events {
		capacity = apply(capacity, e.action)
	}
	held := make(map[float64]int)
	last := 0
	for _, e := range events {
		held[capacity] += e.at - last
		capacity = apply(capacity, e.action)
		last = e.at
	}
	held[capacity] += minutesPerWeek - last

	var levels []weeklyLevel
	total := 0.0
	for c, m := range held {
		if m == 0 {
			continue
		}
		levels = append(levels, weeklyLevel{capacity: c, minutes: m})
		total += c * float64(m)
	}
	sort.Slice(levels, func(i, j int) bool { return levels[i].capacity < levels[j].capacity })
	return total / minutesPerWeek, levels
}
