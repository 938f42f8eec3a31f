// Package field is how components collect the arguments they reject: each
// as a contract.FieldError naming the field in the component's Args, the
// value as given and what is accepted, so that a caller that maps its own
// config onto the Args (the stacks) can validate the config before
// declaring anything and name its own key instead of the field.
package field

import (
	"fmt"

	"github.com/video-platform/video-platform/internal/contract"
)

// List collects the rejected fields of one Validate.
type List []contract.FieldError

// Add rejects a field: its name, the value as given and what is accepted.
func (l *List) Add(name string, value any, accepted string) {
	*l = append(*l, contract.FieldError{Field: name, Value: value, Accepted: accepted})
}

// Input rejects a Pulumi input left unset, which the caller provides from
// other resources when it declares the component (see
// contract.FieldError.Input).
func (l *List) Input(name, accepted string) {
	*l = append(*l, contract.FieldError{Field: name, Accepted: accepted, Input: true})
}

// Count rejects a list of Pulumi inputs of n entries outside lo..hi:
// an empty one as an input left unset, a short or long one by its length.
// accepted says what the entries are ("public subnet IDs, one per AZ").
func (l *List) Count(name string, n, lo, hi int, accepted string) {
	switch {
	case n == 0 && lo > 0:
		l.Input(name, fmt.Sprintf("%d to %d %s", lo, hi, accepted))
	case n < lo || n > hi:
		l.Add(name, Given(n), fmt.Sprintf("%d to %d %s", lo, hi, accepted))
	}
}

// Given is a number of list entries as a rejected value: it prints as
// "3 given".
type Given int

func (g Given) String() string { return fmt.Sprintf("%d given", int(g)) }

// Range rejects an integer field outside lo..hi.
func (l *List) Range(name string, v, lo, hi int) {
	if v < lo || v > hi {
		l.Add(name, v, fmt.Sprintf("an integer from %d to %d", lo, hi))
	}
}

// Part adds the fields a part's Validate rejected, each under parent
// ("Alarms", "Schedules[1]"); with parent "" they keep their names.
func (l *List) Part(parent string, err error) {
	for _, fe := range contract.FieldErrors(err) {
		if parent != "" {
			fe.Field = parent + "." + fe.Field
		}
		*l = append(*l, fe)
	}
}

// Err is the rejected fields as one error, one per line; nil when there is
// none.
func (l List) Err() error { return contract.JoinFieldErrors(l) }
