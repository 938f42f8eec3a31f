package field

import "github.com/video-platform/video-platform/internal/contract"

// Error is contract.FieldError, for the components not yet moved to List.
type Error = contract.FieldError

// Under prefixes every field name with parent.
func Under(parent string, errs []Error) []Error {
	out := make([]Error, len(errs))
	for i, e := range errs {
		e.Field = parent + "." + e.Field
		out[i] = e
	}
	return out
}

// Join is the errors as one error, nil when there is none.
func Join(errs []Error) error { return contract.JoinFieldErrors(errs) }
