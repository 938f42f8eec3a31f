package cost

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
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
// week at which it fires. Only weekly patterns are supported: day-of-month and
// month must be "*" (or "?"), because a monthly or yearly pattern has no
// weekly average and the caller falls back to the plain desired capacity.
func parseWeeklyCron(expr string) ([]int, error) {
	fields := strings.Fields(expr)
	if len(fields) != 5 {
		return nil, fmt.Errorf("recurrence %q: want 5 cron fields, got %d", expr, len(fields))
	}
	if !isAny(fields[2]) || !isAny(fields[3]) {
		return nil, fmt.Errorf("recurrence %q: day-of-month and month fields are not supported, only weekly patterns", expr)
	}
	minutes, err := parseCronField(fields[0], 0, 59, nil)
	if err != nil {
		return nil, fmt.Errorf("recurrence %q minute field: %w", expr, err)
	}
	hours, err := parseCronField(fields[1], 0, 23, nil)
	if err != nil {
		return nil, fmt.Errorf("recurrence %q hour field: %w", expr, err)
	}
	days, err := parseCronField(fields[4], 0, 7, dayNames)
	if err != nil {
		return nil, fmt.Errorf("recurrence %q day-of-week field: %w", expr, err)
	}
	seen := make(map[int]bool)
	var out []int
	for _, d := range days {
		d %= 7 // cron allows 7 for Sunday as well as 0
		for _, h := range hours {
			for _, m := range minutes {
				at := d*24*60 + h*60 + m
				if !seen[at] {
					seen[at] = true
					out = append(out, at)
				}
			}
		}
	}
	sort.Ints(out)
	return out, nil
}

var dayNames = map[string]int{"SUN": 0, "MON": 1, "TUE": 2, "WED": 3, "THU": 4, "FRI": 5, "SAT": 6}

func isAny(field string) bool { return field == "*" || field == "?" }

// parseCronField expands one cron field: "*", "?", "5", "1-5", "*/15",
// "8-18/2", lists of those, and names where the field has them.
func parseCronField(field string, lo, hi int, names map[string]int) ([]int, error) {
	set := make(map[int]bool)
	for _, part := range strings.Split(field, ",") {
		rangePart, step := part, 1
		if i := strings.Index(part, "/"); i >= 0 {
			n, err := strconv.Atoi(part[i+1:])
			if err != nil || n <= 0 {
				return nil, fmt.Errorf("bad step in %q", part)
			}
			rangePart, step = part[:i], n
		}
		from, to := lo, hi
		if !isAny(rangePart) {
			var err error
			if a, b, isRange := strings.Cut(rangePart, "-"); isRange {
				if from, err = cronValue(a, lo, hi, names); err != nil {
					return nil, err
				}
				if to, err = cronValue(b, lo, hi, names); err != nil {
					return nil, err
				}
				if to < from {
					return nil, fmt.Errorf("range %q runs backwards", rangePart)
				}
			} else {
				if from, err = cronValue(rangePart, lo, hi, names); err != nil {
					return nil, err
				}
				// "5/15" means every 15 starting at 5; a bare "5" is just 5.
				if step == 1 {
					to = from
				}
			}
		}
		for v := from; v <= to; v += step {
			set[v] = true
		}
	}
	out := make([]int, 0, len(set))
	for v := range set {
		out = append(out, v)
	}
	sort.Ints(out)
	return out, nil
}

func cronValue(s string, lo, hi int, names map[string]int) (int, error) {
	if v, ok := names[strings.ToUpper(s)]; ok {
		return v, nil
	}
	v, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("bad value %q", s)
	}
	if v < lo || v > hi {
		return 0, fmt.Errorf("value %d outside %d-%d", v, lo, hi)
	}
	return v, nil
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
