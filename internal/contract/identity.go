package contract

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// reservedTagKeys are the keys components set themselves; a caller's tag of
// the same key would make the policy checks, cost reports and operators
// read the wrong value, so it is refused rather than overwritten.
var reservedTagKeys = []string{TagEnv, TagService, TagColor, TagRelease, TagManagedBy, TagRole, TagName, TagAlarm}

// ReservedTagPrefix starts the tag keys AWS keeps for itself.
const ReservedTagPrefix = "aws:"

// AWS limits on tags.
const (
	MaxTagKeyLength   = 128
	MaxTagValueLength = 256
)

// ReservedTagKeys returns the tag keys components set and callers may not:
// env, service, color, release, managed-by, role, Name and alarm. Each call
// returns a fresh copy the caller may change.
func ReservedTagKeys() []string { return slices.Clone(reservedTagKeys) }

// Identity is who a component is declared for: its env, service and
// blue-green color, and the caller's extra tags. Every component that tags
// its children embeds it, validates it with Validate and tags with ChildTags,
// so that every resource carries the same keys the same way.
type Identity struct {
	// Env is the environment name, such as "prod": lowercase letters,
	// digits and single dashes, starting with a letter, at most 20
	// characters. It is tagged on every child. Required.
	Env string
	// Service is the service the component belongs to, such as "web",
	// "recorder" or "transcoder"; the same pattern as Env. It is tagged on
	// every child. Required.
	Service string
	// Color is the blue-green copy, "blue" or "green", or "" for what is
	// not one copy of a service. When set it is tagged on every child.
	Color string
	// Tags are added to every taggable child. The keys env, service,
	// color, release, managed-by, role, Name and alarm are set by the
	// components and may not be given, nor may keys starting with "aws:".
	Tags map[string]string
}

// Validate reports every rejected field of the identity at once, each as a
// FieldError named as in the Args that embed it ("Env", "Tags").
func (id Identity) Validate() error {
	var errs []FieldError
	if !ValidName(id.Env) {
		errs = append(errs, FieldError{Field: "Env", Value: id.Env, Accepted: NameAccepted})
	}
	if !ValidName(id.Service) {
		errs = append(errs, FieldError{Field: "Service", Value: id.Service, Accepted: NameAccepted})
	}
	if id.Color != "" && !slices.Contains(colors, id.Color) {
		errs = append(errs, FieldError{Field: "Color", Value: id.Color, Accepted: strings.Join(colors, ", ") + ` or "" for what is not a copy`})
	}
	return JoinFieldErrors(append(errs, CheckTags(id.Tags)...))
}

// CheckTags applies the reserved-tag rule and AWS's limits to a caller's
// tags, reporting each problem as a FieldError of the field "Tags".
func CheckTags(tags map[string]string) []FieldError {
	var errs []FieldError
	bad := func(key, accepted string) {
		errs = append(errs, FieldError{Field: "Tags", Value: key, Accepted: accepted})
	}
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		switch v := tags[k]; {
		case slices.Contains(reservedTagKeys, k):
			bad(k, "any key but "+strings.Join(reservedTagKeys, ", ")+", which the component sets")
		case strings.HasPrefix(strings.ToLower(k), ReservedTagPrefix):
			bad(k, "keys not starting with "+ReservedTagPrefix+", which AWS reserves")
		case k == "" || len(k) > MaxTagKeyLength:
			bad(k, fmt.Sprintf("keys of 1 to %d characters", MaxTagKeyLength))
		case len(v) > MaxTagValueLength:
			bad(k, fmt.Sprintf("values of at most %d characters; this key's has %d", MaxTagValueLength, len(v)))
		}
	}
	return errs
}

// ChildTags returns the tags of a child: the caller's, then env, service,
// managed-by and, when set, color, then the component's own keys (such as
// role or Name). Later keys win, although Validate has already refused a
// caller's tag that a later key would hide. No map is changed; own may be
// nil.
func (id Identity) ChildTags(own map[string]string) map[string]string {
	out := make(map[string]string, len(id.Tags)+4+len(own))
	maps.Copy(out, id.Tags)
	out[TagEnv] = id.Env
	out[TagService] = id.Service
	out[TagManagedBy] = ManagedBy
	if id.Color != "" {
		out[TagColor] = id.Color
	}
	maps.Copy(out, own)
	return out
}
