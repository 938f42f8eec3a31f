// Package diff compares two offline renders of one environment, so that a
// pull request shows what it changes in each stack, what that does to the
// estimated monthly cost and which policies the new render breaks, before
// anything touches the cloud. It reads only render.Env values.
package diff

import (
	"fmt"
	"math"
	"reflect"
	"sort"
	"strings"

	"github.com/video-platform/video-platform/infra/cost"
	"github.com/video-platform/video-platform/internal/render"
)

// Secret is how a render spells a value it must not reveal.
const Secret = "[secret]"

// Change operations, spelled as the diff marks a terminal or a diff-
// highlighted code block shows at the start of a line.
const (
	// OpChange marks a value present on both sides that differs.
	OpChange = "~"
	// OpAdd marks a value or resource only the new render has.
	OpAdd = "+"
	// OpRemove marks a value or resource only the old render has.
	OpRemove = "-"
	// OpReplace marks a resource whose change cannot be made in place: the
	// provider creates a new one and deletes the old, as `pulumi preview
	// --diff` marks it.
	OpReplace = "+-"
)

// Stack statuses.
const (
	// StatusAdded is a stack only the new render has.
	StatusAdded = "added"
	// StatusRemoved is a stack only the old render has.
	StatusRemoved = "removed"
	// StatusChanged is a stack with resource or output changes.
	StatusChanged = "changed"
	// StatusUnchanged is a stack whose resources and outputs are the same.
	StatusUnchanged = "unchanged"
)

// Report is the difference between two renders of one environment.
type Report struct {
	// Env is the environment name.
	Env string `json:"env"`
	// Summary holds the totals over all stacks.
	Summary Summary `json:"summary"`
	// Stacks are the new render's stacks in its dependency order, followed
	// by the stacks only the old render had.
	Stacks []StackDiff `json:"stacks"`
	// LiveColors is the live color per service in the new render.
	LiveColors map[string]string `json:"liveColors,omitempty"`
	// OldLiveColors is the live color per service in the old render, kept
	// so that a swap shows which way it went.
	OldLiveColors map[string]string `json:"oldLiveColors,omitempty"`
	// CostSource is the new cost estimate's statement of prices and
	// assumptions.
	CostSource string `json:"costSource,omitempty"`
	// Traffic are the services whose live color or canary weight changes,
	// sorted by service: the changes a reviewer must not miss.
	Traffic []TrafficChange `json:"traffic,omitempty"`
	// ConfigErrors are the values the new render's stacks refused. A report
	// with them compares nothing: the new render has no stacks.
	ConfigErrors []render.ConfigError `json:"configErrors,omitempty"`
	// BaseConfigErrors are the values the old render's stacks refused, which
	// is why every stack then shows as added.
	BaseConfigErrors []render.ConfigError `json:"baseConfigErrors,omitempty"`
}

// Summary holds the totals that head every rendering of a report.
type Summary struct {
	// Change counts resources whose inputs changed.
	Change int `json:"change"`
	// Add counts resources only in the new render.
	Add int `json:"add"`
	// Remove counts resources only in the old render.
	Remove int `json:"remove"`
	// Outputs counts stack output paths that changed.
	Outputs int `json:"outputs"`
	// OldMonthly is the old render's estimated monthly cost.
	OldMonthly float64 `json:"oldMonthly"`
	// NewMonthly is the new render's estimated monthly cost.
	NewMonthly float64 `json:"newMonthly"`
	// Unpriced counts new-render items the estimate could not price.
	Unpriced int `json:"unpriced"`
	// Mandatory counts mandatory violations in the new render.
	Mandatory int `json:"mandatory"`
	// Advisory counts advisory violations in the new render.
	Advisory int `json:"advisory"`
}

// StackDiff is the difference in one stack.
type StackDiff struct {
	// Name is the full stack name.
	Name string `json:"name"`
	// Status is StatusAdded, StatusRemoved, StatusChanged or StatusUnchanged.
	Status string `json:"status"`
	// References are the stacks this one reads, from the newest render that
	// has the stack.
	References []string `json:"references,omitempty"`
	// Changed are resources present in both renders whose inputs differ,
	// sorted by URN.
	Changed []ResourceChange `json:"changed,omitempty"`
	// Added are resources only in the new render, sorted by URN.
	Added []ResourceRef `json:"added,omitempty"`
	// Removed are resources only in the old render, sorted by URN.
	Removed []ResourceRef `json:"removed,omitempty"`
	// Outputs are the changed stack output paths.
	Outputs []Change `json:"outputs,omitempty"`
	// Cost is the stack's estimated monthly cost before and after.
	Cost CostChange `json:"cost"`
	// Violations are the new render's policy findings for this stack.
	Violations []render.Violation `json:"violations,omitempty"`
}

// ResourceRef names a resource.
type ResourceRef struct {
	// URN is the resource's URN, which is what renders are matched by.
	URN string `json:"urn"`
	// Type is the type token.
	Type string `json:"type"`
	// Name is the logical name.
	Name string `json:"name"`
	// Custom is false for component resources and stack references, which
	// exist only in the Pulumi state.
	Custom bool `json:"custom,omitempty"`
}

// ResourceChange is one resource whose inputs changed.
type ResourceChange struct {
	ResourceRef
	// Changes are the changed input paths in a stable order.
	Changes []Change `json:"changes"`
	// Replace lists, sorted, the changed inputs that make the engine
	// replace the resource instead of updating it: the resource's
	// replaceOnChanges paths and the provider's ForceNew properties
	// (internal/awsschema). Empty for an update in place.
	Replace []string `json:"replace,omitempty"`
}

// Op is OpReplace when a changed input forces a replacement, OpChange
// otherwise.
func (rc ResourceChange) Op() string {
	if len(rc.Replace) > 0 {
		return OpReplace
	}
	return OpChange
}

// Change is one changed value.
type Change struct {
	// Path is dotted with list indexes, such as
	// "weightedRoutingPolicies[0].weight"; keys that are not plain words
	// are quoted, as in `tags["kubernetes.io/role"]`.
	Path string `json:"path"`
	// Op is OpChange, OpAdd or OpRemove.
	Op string `json:"op"`
	// Old is the old value, absent for OpAdd.
	Old any `json:"old,omitempty"`
	// New is the new value, absent for OpRemove.
	New any `json:"new,omitempty"`
	// Secret is true when either side is a secret; both sides are then
	// shown as "[secret]", because a value that becomes secret was made so
	// for a reason and its old plain form should not be repeated either.
	Secret bool `json:"secret,omitempty"`
	// Lines is a line diff of a value that is text in disguise, such as a
	// launch template's base64 user data: "@@ -a,b +c,d @@" hunk headers
	// and lines marked "-" or "+". Old and New still hold the raw values.
	Lines []string `json:"lines,omitempty"`
}

// CostChange is one stack's estimated monthly cost before and after.
type CostChange struct {
	// Old is the old render's monthly figure.
	Old float64 `json:"old"`
	// New is the new render's monthly figure.
	New float64 `json:"new"`
	// NewUnpriced counts the new render's items that could not be priced.
	NewUnpriced int `json:"newUnpriced,omitempty"`
}

// Delta is New less Old, rounded to cents.
func (c CostChange) Delta() float64 { return cents(c.New - c.Old) }

// Compare reports what changes from old to new: resources matched by URN
// within each stack, changed input and output paths, the cost per stack and
// the new render's violations. A render without a cost estimate is estimated
// here, so renders written before estimates existed still compare.
func Compare(from, to render.Env) Report {
	oldCost, newCost := costOf(from), costOf(to)
	r := Report{
		Env:              to.Env,
		LiveColors:       to.LiveColors,
		OldLiveColors:    from.LiveColors,
		CostSource:       newCost.Source,
		BaseConfigErrors: from.ConfigErrors,
	}
	if r.Env == "" {
		r.Env = from.Env
	}
	if len(to.ConfigErrors) > 0 {
		// The new render has no stacks; comparing it would report every
		// resource as removed.
		r.ConfigErrors = to.ConfigErrors
		r.CostSource, r.OldLiveColors = "", nil
		return r
	}
	r.Traffic = trafficChanges(from, to)
	oldStacks := make(map[string]render.Stack, len(from.Stacks))
	for _, s := range from.Stacks {
		oldStacks[s.Name] = s
	}
	seen := make(map[string]bool, len(to.Stacks))
	for _, ns := range to.Stacks {
		seen[ns.Name] = true
		prev, had := oldStacks[ns.Name]
		sd := compareStack(prev, ns)
		switch {
		case !had:
			sd.Status = StatusAdded
		case len(sd.Changed)+len(sd.Added)+len(sd.Removed)+len(sd.Outputs) > 0:
			sd.Status = StatusChanged
		default:
			sd.Status = StatusUnchanged
		}
		r.Stacks = append(r.Stacks, sd)
	}
	for _, prev := range from.Stacks {
		if seen[prev.Name] {
			continue
		}
		seen[prev.Name] = true
		sd := compareStack(prev, render.Stack{Name: prev.Name})
		sd.References = prev.References
		sd.Status = StatusRemoved
		sd.Violations = nil // they belonged to the old render
		r.Stacks = append(r.Stacks, sd)
	}
	for i := range r.Stacks {
		sd := &r.Stacks[i]
		oc, nc := oldCost.Stacks[sd.Name], newCost.Stacks[sd.Name]
		sd.Cost = CostChange{Old: oc.Monthly, New: nc.Monthly}
		for _, it := range nc.Items {
			if it.Unknown {
				sd.Cost.NewUnpriced++
			}
		}
		r.Summary.Change += len(sd.Changed)
		r.Summary.Add += len(sd.Added)
		r.Summary.Remove += len(sd.Removed)
		r.Summary.Outputs += len(sd.Outputs)
		r.Summary.Unpriced += sd.Cost.NewUnpriced
		for _, v := range sd.Violations {
			if v.Level == "mandatory" {
				r.Summary.Mandatory++
			} else {
				r.Summary.Advisory++
			}
		}
	}
	r.Summary.OldMonthly, r.Summary.NewMonthly = oldCost.Monthly, newCost.Monthly
	return r
}

func costOf(env render.Env) render.Cost {
	if env.Cost.Stacks != nil || len(env.Stacks) == 0 {
		return env.Cost
	}
	// A render without its cost does not say its region either.
	return cost.Estimate(env, "")
}

func compareStack(from, to render.Stack) StackDiff {
	sd := StackDiff{Name: to.Name, References: to.References, Violations: to.Violations}
	oldByURN := make(map[string]render.Resource, len(from.Resources))
	for _, r := range from.Resources {
		oldByURN[r.URN] = r
	}
	newByURN := make(map[string]bool, len(to.Resources))
	for _, nr := range to.Resources {
		newByURN[nr.URN] = true
		or, had := oldByURN[nr.URN]
		// A resource renamed or moved under a component with an alias to
		// its old URN is the same resource to the engine: updated in
		// place, never deleted and re-created.
		for _, alias := range nr.Aliases {
			if !had {
				or, had = oldByURN[alias]
				newByURN[alias] = had
			}
		}
		if !had {
			sd.Added = append(sd.Added, ref(nr))
			continue
		}
		var changes []Change
		compareValues("", keyTags(normalize(or.Inputs)), keyTags(normalize(nr.Inputs)), &changes)
		if len(changes) > 0 {
			if nr.Type == launchTemplateType {
				decodeUserData(changes)
			}
			sd.Changed = append(sd.Changed, ResourceChange{ResourceRef: ref(nr), Changes: changes, Replace: replaceReasons(or, nr)})
		}
	}
	for _, or := range from.Resources {
		if !newByURN[or.URN] {
			sd.Removed = append(sd.Removed, ref(or))
			newByURN[or.URN] = true // a URN listed twice is removed once
		}
	}
	sort.Slice(sd.Changed, func(i, j int) bool { return sd.Changed[i].URN < sd.Changed[j].URN })
	sort.Slice(sd.Added, func(i, j int) bool { return sd.Added[i].URN < sd.Added[j].URN })
	sort.Slice(sd.Removed, func(i, j int) bool { return sd.Removed[i].URN < sd.Removed[j].URN })
	compareValues("", normalize(from.Outputs), normalize(to.Outputs), &sd.Outputs)
	return sd
}

func ref(r render.Resource) ResourceRef {
	return ResourceRef{URN: r.URN, Type: r.Type, Name: r.Name, Custom: r.Custom}
}

// compareValues appends the differences between a and b, which are already
// normalized, walking maps in key order and lists by index so the result is
// the same on every run.
func compareValues(path string, a, b any, out *[]Change) {
	if isSecret(a) || isSecret(b) {
		if !isSecret(a) || !isSecret(b) {
			*out = append(*out, Change{Path: path, Op: OpChange, Old: Secret, New: Secret, Secret: true})
		}
		return
	}
	am, aIsMap := a.(map[string]any)
	bm, bIsMap := b.(map[string]any)
	if aIsMap && bIsMap {
		keys := make([]string, 0, len(am)+len(bm))
		for k := range am {
			keys = append(keys, k)
		}
		for k := range bm {
			if _, ok := am[k]; !ok {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		for _, k := range keys {
			av, inA := am[k]
			bv, inB := bm[k]
			p := joinKey(path, k)
			switch {
			case !inA:
				*out = append(*out, Change{Path: p, Op: OpAdd, New: bv})
			case !inB:
				*out = append(*out, Change{Path: p, Op: OpRemove, Old: av})
			default:
				compareValues(p, av, bv, out)
			}
		}
		return
	}
	al, aIsList := a.([]any)
	bl, bIsList := b.([]any)
	if aIsList && bIsList {
		for i := 0; i < len(al) || i < len(bl); i++ {
			p := fmt.Sprintf("%s[%d]", path, i)
			switch {
			case i >= len(al):
				*out = append(*out, Change{Path: p, Op: OpAdd, New: bl[i]})
			case i >= len(bl):
				*out = append(*out, Change{Path: p, Op: OpRemove, Old: al[i]})
			default:
				compareValues(p, al[i], bl[i], out)
			}
		}
		return
	}
	if !reflect.DeepEqual(a, b) {
		*out = append(*out, Change{Path: path, Op: OpChange, Old: a, New: b})
	}
}

func isSecret(v any) bool {
	s, ok := v.(string)
	return ok && s == Secret
}

// joinKey writes plain keys dotted and quotes the rest, so that a tag key
// such as "kubernetes.io/role" does not read as two path steps.
func joinKey(path, key string) string {
	plain := key != ""
	for _, c := range key {
		if c != '_' && c != '-' && (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') && (c < '0' || c > '9') {
			plain = false
			break
		}
	}
	switch {
	case !plain:
		return fmt.Sprintf("%s[%q]", path, key)
	case path == "":
		return key
	default:
		return path + "." + key
	}
}

// normalize turns the values an in-process render may hold ([]string,
// map[string]string, int, pointers) into the shapes JSON decoding gives
// (map[string]any, []any, float64), so that a render read from disk and one
// built in memory compare equal when they say the same thing.
func normalize(v any) any {
	if v == nil {
		return nil
	}
	switch t := v.(type) {
	case string, bool, float64:
		return t
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			out[k] = normalize(e)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = normalize(e)
		}
		return out
	case interface{ Float64() (float64, error) }: // json.Number
		if f, err := t.Float64(); err == nil {
			return f
		}
		return fmt.Sprint(t)
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Pointer, reflect.Interface:
		if rv.IsNil() {
			return nil
		}
		return normalize(rv.Elem().Interface())
	case reflect.Map:
		if rv.Type().Key().Kind() != reflect.String {
			return fmt.Sprint(v)
		}
		out := make(map[string]any, rv.Len())
		iter := rv.MapRange()
		for iter.Next() {
			out[iter.Key().String()] = normalize(iter.Value().Interface())
		}
		return out
	case reflect.Slice, reflect.Array:
		if rv.Kind() == reflect.Slice && rv.IsNil() {
			return nil
		}
		out := make([]any, rv.Len())
		for i := range out {
			out[i] = normalize(rv.Index(i).Interface())
		}
		return out
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return float64(rv.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return float64(rv.Uint())
	case reflect.Float32, reflect.Float64:
		return rv.Float()
	case reflect.String:
		return rv.String()
	case reflect.Bool:
		return rv.Bool()
	}
	return fmt.Sprint(v)
}

// SummaryLine is the one line that sums up every rendering, such as
// "prod: 2 to change, 0 to add, 0 to remove; estimated cost +$0.00/month; 0 mandatory violations".
func (r Report) SummaryLine() string {
	if len(r.ConfigErrors) > 0 {
		return fmt.Sprintf("%s: the head does not render: %s refused, nothing compared", r.Env, plural(len(r.ConfigErrors), "config value"))
	}
	s := r.Summary
	line := fmt.Sprintf("%s: %d to change, %d to add, %d to remove", r.Env, s.Change, s.Add, s.Remove)
	if s.Outputs > 0 {
		line += fmt.Sprintf(", %s changed", plural(s.Outputs, "output"))
	}
	line += fmt.Sprintf("; estimated cost %s/month", signedMoney(s.NewMonthly-s.OldMonthly))
	if s.Unpriced > 0 {
		line += fmt.Sprintf(" (%s unpriced)", plural(s.Unpriced, "item"))
	}
	line += fmt.Sprintf("; %d mandatory %s", s.Mandatory, pluralWord(s.Mandatory, "violation"))
	return line
}

// stackLine summarizes one stack for its heading.
func (sd StackDiff) stackLine() string {
	var parts []string
	switch sd.Status {
	case StatusAdded:
		parts = append(parts, "new stack")
	case StatusRemoved:
		parts = append(parts, "stack removed")
	}
	if sd.Status == StatusUnchanged {
		parts = append(parts, "no changes")
	} else {
		parts = append(parts, fmt.Sprintf("%d to change, %d to add, %d to remove", len(sd.Changed), len(sd.Added), len(sd.Removed)))
	}
	if len(sd.Outputs) > 0 {
		parts = append(parts, plural(len(sd.Outputs), "output")+" changed")
	}
	c := fmt.Sprintf("cost %s → %s/month (%s)", money(sd.Cost.Old), money(sd.Cost.New), signedMoney(sd.Cost.Delta()))
	if sd.Cost.NewUnpriced > 0 {
		c += fmt.Sprintf(", %s unpriced", plural(sd.Cost.NewUnpriced, "item"))
	}
	parts = append(parts, c)
	if m := sd.mandatory(); m > 0 {
		parts = append(parts, fmt.Sprintf("%d mandatory %s", m, pluralWord(m, "violation")))
	}
	return sd.Name + ": " + strings.Join(parts, "; ")
}

func (sd StackDiff) mandatory() int {
	n := 0
	for _, v := range sd.Violations {
		if v.Level == "mandatory" {
			n++
		}
	}
	return n
}

func plural(n int, word string) string { return fmt.Sprintf("%d %s", n, pluralWord(n, word)) }

func pluralWord(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

func cents(v float64) float64 { return math.Round(v*100) / 100 }

func money(v float64) string { return fmt.Sprintf("$%.2f", cents(v)) }

// signedMoney always shows a sign, and never "-$0.00", so that a line reads
// the same whichever way a rounding error fell.
func signedMoney(v float64) string {
	v = cents(v)
	if v < 0 {
		return fmt.Sprintf("-$%.2f", -v)
	}
	return fmt.Sprintf("+$%.2f", math.Abs(v))
}
