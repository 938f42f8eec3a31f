// Package field is how components report a rejected argument: the field's
// name in the component's Args, the value as given and what is accepted.
// Components return these from their Check methods, so that a caller that
// maps its own config onto Args (the stacks) can check the config before
// declaring anything and name its own key instead of the field.
package field

import (
	"errors"
	"fmt"
	"strings"
)

// Error is one rejected field.
type Error struct {
	// Field is the field's name in the Args, with an index or a sub-field
	// when the value is part of one ("InstanceTypes[2]",
	// "Schedules[0].TimeZone").
	Field string
	// Value is the rejected value as given.
	Value any
	// Accepted says what would be accepted.
	Accepted string
}

func (e Error) Error() string {
	return fmt.Sprintf("%s: %s is not accepted; accepted %s", e.Field, show(e.Value), e.Accepted)
}

// show prints strings quoted, so that an empty one is visible.
func show(v any) string {
	switch t := v.(type) {
	case nil:
		return "(unset)"
	case string:
		return fmt.Sprintf("%q", t)
	case []string:
		return strings.Join(t, ", ")
	default:
		return fmt.Sprint(t)
	}
}

// Under prefixes every field name with parent, for a check of a part of
// the Args ("Alarms", "Schedules[1]").
func Under(parent string, errs []Error) []Error {
	out := make([]Error, len(errs))
	for i, e := range errs {
		e.Field = parent + "." + e.Field
		out[i] = e
	}
	return out
}

// Join is the errors as one error, nil when there is none.
func Join(errs []Error) error {
	list := make([]error, len(errs))
	for i, e := range errs {
		list[i] = e
	}
	return errors.Join(list...)
}

// Base is the name of the Args field that e rejects, without the index
// or sub-field: "InstanceTypes" for "InstanceTypes[2]".
func (e Error) Base() string {
	if i := strings.IndexAny(e.Field, "[."); i >= 0 {
		return e.Field[:i]
	}
	return e.Field
}

// Rest is what follows Base in the field's name: "[2]" for
// "InstanceTypes[2]", "" for "InstanceTypes".
func (e Error) Rest() string { return e.Field[len(e.Base()):] }
