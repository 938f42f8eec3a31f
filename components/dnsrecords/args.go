// Package dnsrecords provides the Route 53 records of one service hostname,
// switched between a blue and a green copy by weighted alias records. A swap
// changes only the weights: the set of records stays the same, so nothing is
// created or deleted while traffic moves.
package dnsrecords

import (
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/video-platform/video-platform/components/internal/field"
)

// Colors are the accepted blue-green copies, in the order records are made.
var Colors = []string{"blue", "green"}

// PlainRecordTypes are the record types accepted in PlainRecords.
var PlainRecordTypes = []string{"A", "AAAA", "CAA", "CNAME", "MX", "NS", "SRV", "TXT"}

// Defaults applied by withDefaults.
const (
	// DefaultPlainTTL keeps resolvers from caching a plain record for long,
	// so a mistake can be undone within a minute.
	DefaultPlainTTL = 60
	// MaxPlainTTL bounds how long a fix may take to propagate.
	MaxPlainTTL = 300
	// MaxWeight is Route 53's largest record weight.
	MaxWeight = 255
)

// hostLabel is a DNS label for a hostname: letters, digits and hyphens,
// neither starting nor ending with a hyphen, lowercase because Route 53
// stores names lowercase and a mixed-case input would show a perpetual diff.
var hostLabel = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)

// plainLabel also admits the underscore labels of service records such as
// "_acme-challenge" and "_dmarc".
var plainLabel = regexp.MustCompile(`^_?[a-z0-9]([a-z0-9_-]{0,61}[a-z0-9])?$`)

// DnsRecordsArgs configures the records of one service hostname.
type DnsRecordsArgs struct {
	// ZoneID is the Route 53 hosted zone holding the records. Required.
	ZoneID pulumi.StringInput
	// Hostname is the service's fully qualified name without a trailing
	// dot, such as "app.example.com". Required; lowercase labels.
	Hostname string
	// Targets are the load balancers of the copies, keyed "blue" and/or
	// "green". At least one is required.
	Targets map[string]AliasTarget
	// Weights are the share of traffic per color, 0..255 each; every color
	// with a weight above 0 must have a target and the sum must be above 0.
	// A target without a weight gets 0, so its records exist before a swap;
	// a 0 for a color without a target is ignored, so a stack may always
	// pass both colors.
	Weights map[string]int
	// EvaluateTargetHealth makes Route 53 skip a copy whose ALB has no
	// healthy targets. nil means true.
	EvaluateTargetHealth *bool
	// IPv6 adds AAAA alias records beside the A records. nil means true;
	// they answer only for dualstack load balancers.
	IPv6 *bool
	// DirectNames adds "<color>.<Hostname>" alias records per target so an
	// idle copy can be tested before the swap. nil means true.
	DirectNames *bool
	// PlainRecords are other names that cannot be aliases (verification
	// TXT records, MX and so on).
	PlainRecords []PlainRecord
}

// AliasTarget is a load balancer that an alias record points at.
type AliasTarget struct {
	// DnsName is the ALB's DNS name. Required.
	DnsName pulumi.StringInput
	// ZoneID is the ALB's canonical hosted zone ID. Required.
	ZoneID pulumi.StringInput
}

// PlainRecord is a non-alias record set.
type PlainRecord struct {
	// Name is the record's fully qualified name without a trailing dot;
	// the first label may be "*" and labels may start with "_".
	Name string
	// Type is one of PlainRecordTypes.
	Type string
	// Values are the record values, at least one; exactly one for CNAME.
	Values []string
	// TTL is in seconds; default 60, accepted 1..300.
	TTL int
}

// withDefaults returns a copy of the args with every default applied; the
// caller's maps and slices are not written to.
func (a *DnsRecordsArgs) withDefaults() *DnsRecordsArgs {
	out := *a
	out.Targets = maps.Clone(a.Targets)
	out.Weights = maps.Clone(a.Weights)
	evaluate, ipv6, direct := true, true, true
	if a.EvaluateTargetHealth != nil {
		evaluate = *a.EvaluateTargetHealth
	}
	if a.IPv6 != nil {
		ipv6 = *a.IPv6
	}
	if a.DirectNames != nil {
		direct = *a.DirectNames
	}
	out.EvaluateTargetHealth, out.IPv6, out.DirectNames = &evaluate, &ipv6, &direct
	out.PlainRecords = slices.Clone(a.PlainRecords)
	for i := range out.PlainRecords {
		if out.PlainRecords[i].TTL == 0 {
			out.PlainRecords[i].TTL = DefaultPlainTTL
		}
	}
	return &out
}

// Validate reports every invalid field at once. It expects defaults to have
// been applied.
func (a *DnsRecordsArgs) Validate() error {
	var errs []error
	bad := func(format string, v ...any) { errs = append(errs, fmt.Errorf(format, v...)) }
	colors := `"` + strings.Join(Colors, `", "`) + `"`

	if a.ZoneID == nil {
		bad("ZoneID: is required")
	}
	var targets []string
	if a.direct() {
		targets = slices.Sorted(maps.Keys(a.Targets))
	}
	for _, fe := range checkHostname(a.Hostname, targets) {
		errs = append(errs, fe)
	}
	if len(a.Targets) == 0 {
		bad("Targets: at least one is required; accepted keys %s", colors)
	}
	for _, color := range slices.Sorted(maps.Keys(a.Targets)) {
		if !slices.Contains(Colors, color) {
			bad("Targets: key %q is not accepted; accepted %s", color, colors)
			continue
		}
		t := a.Targets[color]
		if t.DnsName == nil {
			bad("Targets[%s].DnsName: is required", color)
		}
		if t.ZoneID == nil {
			bad("Targets[%s].ZoneID: is required", color)
		}
	}
	sum := 0
	for _, color := range slices.Sorted(maps.Keys(a.Weights)) {
		w := a.Weights[color]
		switch {
		case !slices.Contains(Colors, color):
			bad("Weights: key %q is not accepted; accepted %s", color, colors)
		case w < 0 || w > MaxWeight:
			bad("Weights[%s]: %d is out of range; accepted 0..%d", color, w, MaxWeight)
		default:
			sum += w
		}
		if _, ok := a.Targets[color]; !ok && w > 0 && slices.Contains(Colors, color) {
			bad("Weights[%s]: %d is set but Targets has no %q; weight only colors that have a target", color, w, color)
		}
	}
	if sum == 0 {
		bad("Weights: total weight is 0, so %q would resolve nowhere; accepted a total above 0 (give the live color a weight)", a.Hostname)
	}
	errs = append(errs, a.validatePlain()...)
	return errors.Join(errs...)
}

// FieldError is one rejected field: its name in Args, the value and what
// is accepted. Every component reports its fields with this one type.
type FieldError = field.Error

// CheckHostname reports a hostname the records cannot have, with the
// direct names <color>.<hostname> of both colors, so that a caller can
// check a hostname from its own config before it declares anything.
func CheckHostname(hostname string) []FieldError {
	return checkHostname(hostname, Colors)
}

// checkHostname checks hostname and the direct names of colors.
func checkHostname(hostname string, colors []string) []FieldError {
	if accepted, ok := checkName(hostname, hostLabel, false); !ok {
		return []FieldError{{Field: "Hostname", Value: hostname, Accepted: accepted}}
	}
	longest := ""
	for _, color := range colors {
		if n := color + "." + hostname; len(n) > len(longest) {
			longest = n
		}
	}
	if len(longest) > maxNameLength {
		return []FieldError{{Field: "Hostname", Value: hostname,
			Accepted: fmt.Sprintf("a name whose direct name %s fits in %d characters; it has %d", longest, maxNameLength, len(longest))}}
	}
	return nil
}

// direct reads DirectNames with its default, so that Validate is safe to
// call on args that have not been through withDefaults.
func (a *DnsRecordsArgs) direct() bool {
	return a.DirectNames == nil || *a.DirectNames
}

func (a *DnsRecordsArgs) validatePlain() []error {
	var errs []error
	bad := func(format string, v ...any) { errs = append(errs, fmt.Errorf(format, v...)) }
	aliased := map[string]bool{a.Hostname: true}
	if a.direct() {
		for color := range a.Targets {
			aliased[color+"."+a.Hostname] = true
		}
	}
	seen := map[string]int{}
	cnames := map[string]int{}
	byName := map[string]int{}
	for i, r := range a.PlainRecords {
		field := fmt.Sprintf("PlainRecords[%d]", i)
		if accepted, ok := checkName(r.Name, plainLabel, true); !ok {
			bad("%s.Name: %q is not accepted; accepted %s", field, r.Name, accepted)
		}
		if !slices.Contains(PlainRecordTypes, r.Type) {
			bad("%s.Type: %q is not accepted; accepted %s", field, r.Type, strings.Join(PlainRecordTypes, ", "))
		}
		if len(r.Values) == 0 {
			bad("%s.Values: at least one value is required", field)
		}
		for j, v := range r.Values {
			if strings.TrimSpace(v) == "" {
				bad("%s.Values[%d]: is empty; accepted a record value", field, j)
			}
		}
		if r.Type == "CNAME" && len(r.Values) > 1 {
			bad("%s.Values: a CNAME has exactly one value; got %d", field, len(r.Values))
		}
		if r.TTL < 1 || r.TTL > MaxPlainTTL {
			bad("%s.TTL: %d is out of range; accepted 1..%d", field, r.TTL, MaxPlainTTL)
		}
		if aliased[r.Name] && (r.Type == "A" || r.Type == "AAAA" || r.Type == "CNAME") {
			bad("%s: %s %s collides with the alias records of %q; accepted other names or types", field, r.Type, r.Name, r.Name)
		}
		key := r.Name + " " + r.Type
		if j, dup := seen[key]; dup {
			bad("%s: %s %s is already PlainRecords[%d]; accepted one entry per name and type, with several Values", field, r.Type, r.Name, j)
		} else {
			seen[key] = i
		}
		if r.Type == "CNAME" {
			cnames[r.Name] = i
		}
		byName[r.Name]++
	}
	for _, n := range slices.Sorted(maps.Keys(cnames)) {
		if byName[n] > 1 {
			bad("PlainRecords[%d]: a CNAME at %q cannot share its name with other records", cnames[n], n)
		}
	}
	return errs
}

// maxNameLength is the longest DNS name.
const maxNameLength = 253

// checkName validates a fully qualified name without a trailing dot; when
// it is not one, accepted says what is.
func checkName(name string, label *regexp.Regexp, wildcard bool) (accepted string, ok bool) {
	switch {
	case name == "":
		return "a fully qualified name such as \"app.example.com\"", false
	case strings.HasSuffix(name, "."):
		return "the name without its trailing dot", false
	case len(name) > maxNameLength:
		return fmt.Sprintf("at most %d characters; it has %d", maxNameLength, len(name)), false
	}
	labels := strings.Split(name, ".")
	if len(labels) < 2 {
		return "a fully qualified name of at least two labels, such as \"app.example.com\"", false
	}
	for i, l := range labels {
		if wildcard && i == 0 && l == "*" {
			continue
		}
		if len(l) > 63 || !label.MatchString(l) {
			return fmt.Sprintf("labels of 1 to 63 lowercase letters, digits and inner hyphens; %q is not one", l), false
		}
	}
	return "", true
}
