package field

import "regexp"

// namePattern is what an env, a service or a tier name may look like:
// they end up in resource names, ARN patterns and tag values.
var namePattern = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?$`)

// NameAccepted says what Names accepts.
const NameAccepted = "lowercase letters, digits and inner '-'"

// Names checks names such as Env and Service, given as pairs of a field
// and its value, and rejects each value that is not lowercase letters,
// digits and inner '-', in the order given.
func Names(pairs ...[2]string) []Error {
	var errs []Error
	for _, p := range pairs {
		if !namePattern.MatchString(p[1]) {
			errs = append(errs, Error{Field: p[0], Value: p[1], Accepted: NameAccepted})
		}
	}
	return errs
}
