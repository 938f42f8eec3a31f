package contract

import (
	"errors"
	"fmt"
	"strings"
)

// FieldError is one argument a component rejects: the field's name in the
// component's Args, the value as given and what is accepted. Every
// component's Validate reports each problem as one, so that a caller that
// maps its own config onto the Args (the stacks) can validate the config
// before it declares anything and name its own key instead of the field.
type FieldError struct {
	// Field is the field's name in the Args, with an index or a sub-field
	// when the value is part of one ("InstanceTypes[2]",
	// "Schedules[0].TimeZone").
	Field string
	// Value is the rejected value as given; nil when it is unset.
	Value any
	// Accepted says what would be accepted.
	Accepted string
	// Input says the field is a Pulumi input left unset: a value that
	// other resources provide when the component is declared (a VPC ID, a
	// subnet list), never a config value. A caller that validates Args
	// mapped from config alone, before those resources exist, skips these.
	Input bool
}

func (e FieldError) Error() string {
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

// Base is the name of the Args field that e rejects, without the index
// or sub-field: "InstanceTypes" for "InstanceTypes[2]".
func (e FieldError) Base() string {
	if i := strings.IndexAny(e.Field, "[."); i >= 0 {
		return e.Field[:i]
	}
	return e.Field
}

// Rest is what follows Base in the field's name: "[2]" for
// "InstanceTypes[2]", "" for "InstanceTypes".
func (e FieldError) Rest() string { return e.Field[len(e.Base()):] }

// FieldErrors returns the field errors err is made of, in order: the
// leaves of a joined error, as a component's Validate returns it. A leaf
// that is no FieldError is returned as one whose Field is "" and whose
// Accepted is the leaf's message, so that nothing is lost.
func FieldErrors(err error) []FieldError {
	if err == nil {
		return nil
	}
	if joined, ok := err.(interface{ Unwrap() []error }); ok {
		var out []FieldError
		for _, e := range joined.Unwrap() {
			out = append(out, FieldErrors(e)...)
		}
		return out
	}
	var fe FieldError
	if errors.As(err, &fe) {
		return []FieldError{fe}
	}
	return []FieldError{{Accepted: err.Error()}}
}

// JoinFieldErrors is the errors as one error, one per line; nil when there
// is none.
func JoinFieldErrors(errs []FieldError) error {
	list := make([]error, len(errs))
	for i, e := range errs {
		list[i] = e
	}
	return errors.Join(list...)
}
