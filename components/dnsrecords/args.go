// Package dnsrecords provides the Route 53 records of one service hostname,
// switched between a blue and a green copy by weighted alias records. A swap
// changes only the weights: the set of records stays the same, so nothing is
// created or deleted while traffic moves.
package dnsrecords

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/video-platform/video-platform/components/internal/field"
	"github.com/video-platform/video-platform/internal/contract"
)

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

// DNSRecordsArgs configures the records of one service hostname.
type DNSRecordsArgs struct {
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
	// DNSName is the ALB's DNS name. Required.
	DNSName pulumi.StringInput
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
func (a *DNSRecordsArgs) withDefaults() *DNSRecordsArgs {
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

// Validate reports every rejected field of the args as given, defaults
// applied first, each as a contract.FieldError; unset inputs (the zone, an
// ALB's name and zone) are marked as such.
func (a *DNSRecordsArgs) Validate() error {
	a = a.withDefaults()
	var errs field.List
	colors := contract.Colors()
	accepted := `keys "` + strings.Join(colors, `", "`) + `"`

	if a.ZoneID == nil {
		errs.Input("ZoneID", "a Route 53 hosted zone ID")
	}
	var targets []string
	if *a.DirectNames {
		targets = slices.Sorted(maps.Keys(a.Targets))
	}
	errs.Part("", checkHostname(a.Hostname, targets))
	if len(a.Targets) == 0 {
		errs.Input("Targets", "at least one load balancer, under "+accepted)
	}
	for _, color := range slices.Sorted(maps.Keys(a.Targets)) {
		if !slices.Contains(colors, color) {
			errs.Add("Targets", color, accepted)
			continue
		}
		t := a.Targets[color]
		if t.DNSName == nil {
			errs.Input("Targets["+color+"].DNSName", "the load balancer's DNS name")
		}
		if t.ZoneID == nil {
			errs.Input("Targets["+color+"].ZoneID", "the load balancer's hosted zone ID")
		}
	}
	sum := 0
	for _, color := range slices.Sorted(maps.Keys(a.Weights)) {
		w := a.Weights[color]
		switch {
		case !slices.Contains(colors, color):
			errs.Add("Weights", color, accepted)
			continue
		case w < 0 || w > MaxWeight:
			errs.Range("Weights["+color+"]", w, 0, MaxWeight)
		default:
			sum += w
		}
		if _, ok := a.Targets[color]; !ok && w > 0 {
			errs.Add("Weights["+color+"]", w, fmt.Sprintf("0 for %s, which has no target; weight only colors that have one", color))
		}
	}
	if sum == 0 {
		errs.Add("Weights", 0, fmt.Sprintf("a total above 0, so that %q resolves somewhere: give the live color a weight", a.Hostname))
	}
	a.validatePlain(&errs)
	return errs.Err()
}

// ValidateHostname reports a hostname the records cannot have, with the
// direct names <color>.<hostname> of both colors, as a contract.FieldError
// of the field "Hostname", so that a caller can check a hostname from its
// own config before it declares anything.
func ValidateHostname(hostname string) error {
	return checkHostname(hostname, contract.Colors())
}

// checkHostname checks hostname and the direct names of colors.
func checkHostname(hostname string, colors []string) error {
	var errs field.List
	if accepted, ok := checkName(hostname, hostLabel, false); !ok {
		errs.Add("Hostname", hostname, accepted)
		return errs.Err()
	}
	longest := ""
	for _, color := range colors {
		if n := color + "." + hostname; len(n) > len(longest) {
			longest = n
		}
	}
	if len(longest) > maxNameLength {
		errs.Add("Hostname", hostname, fmt.Sprintf("a name whose direct name %s fits in %d characters; it has %d", longest, maxNameLength, len(longest)))
	}
	return errs.Err()
}

func (a *DNSRecordsArgs) validatePlain(errs *field.List) {
	aliased := map[string]bool{a.Hostname: true}
	if *a.DirectNames {
		for color := range a.Targets {
			aliased[color+"."+a.Hostname] = true
		}
	}
	seen := map[string]int{}
	cnames := map[string]int{}
	byName := map[string]int{}
	for i, r := range a.PlainRecords {
		name := fmt.Sprintf("PlainRecords[%d]", i)
		if accepted, ok := checkName(r.Name, plainLabel, true); !ok {
			errs.Add(name+".Name", r.Name, accepted)
		}
		if !slices.Contains(PlainRecordTypes, r.Type) {
			errs.Add(name+".Type", r.Type, strings.Join(PlainRecordTypes, ", "))
		}
		if len(r.Values) == 0 {
			errs.Add(name+".Values", field.Given(0), "at least one value")
		}
		for j, v := range r.Values {
			if strings.TrimSpace(v) == "" {
				errs.Add(fmt.Sprintf("%s.Values[%d]", name, j), v, "a record value")
			}
		}
		if r.Type == "CNAME" && len(r.Values) > 1 {
			errs.Add(name+".Values", field.Given(len(r.Values)), "exactly one value for a CNAME")
		}
		errs.Range(name+".TTL", r.TTL, 1, MaxPlainTTL)
		if aliased[r.Name] && (r.Type == "A" || r.Type == "AAAA" || r.Type == "CNAME") {
			errs.Add(name, r.Type+" "+r.Name, fmt.Sprintf("a name or type other than those of the alias records of %q", r.Name))
		}
		key := r.Name + " " + r.Type
		if j, dup := seen[key]; dup {
			errs.Add(name, key, fmt.Sprintf("one entry per name and type, with several Values; it is already PlainRecords[%d]", j))
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
			errs.Add(fmt.Sprintf("PlainRecords[%d]", cnames[n]), "CNAME "+n, "a CNAME alone at its name: no other record may share it")
		}
	}
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
