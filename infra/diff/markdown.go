package diff

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/video-platform/video-platform/internal/topology"
)

// DefaultLimit is the size Markdown keeps under when given no limit: GitHub
// rejects comments over 65,536 characters, and the bot posting the comment
// needs some room for its own header and footer.
const DefaultLimit = 60000

// Markdown caps per resource: a resource with hundreds of changed paths (a
// replaced list, say), or a rewritten user data script, would otherwise
// crowd out every other change.
const (
	mdMaxPaths = 30
	mdMaxValue = 200
	mdMaxLines = 80
)

// section is one stack's collapsible block with everything it could show.
type section struct {
	sd         StackDiff
	fence      string
	resources  []string
	outputs    []string
	violations []string
}

// Markdown renders the report for a pull-request comment of at most limit
// characters (DefaultLimit when limit <= 0). It leads with what a reviewer
// must not miss, in this order: config values the new render refused, each
// service whose live color or canary changes (with the release and capacity
// of the copy that takes the traffic), replaced resources and deleted
// resources; then the summary line. None of that is ever cut, even past the
// limit. Then come the cost delta, how many stacks are unchanged and, as
// room allows, a Mermaid diagram of the stacks, the cost of each changed
// stack, and a collapsible section per changed stack (or unchanged stack
// with mandatory violations); the cost estimate's disclaimer closes it in
// small print. When everything does not fit, the diagram and table go
// before any stack section does, and each section is cut with a note of how
// much is not shown, sharing the room fairly between stacks.
func Markdown(r Report, limit int) string {
	if limit <= 0 {
		limit = DefaultLimit
	}
	lead, totals := leadMarkdown(r)
	if len(r.ConfigErrors) > 0 {
		return lead
	}
	tail := disclaimer(r)
	var head strings.Builder
	head.WriteString(lead + totals)

	var sections []section
	var skeletons []int
	skeletonTotal := 0
	for _, sd := range r.Stacks {
		// An unchanged stack is left out unless it blocks the merge: its
		// mandatory findings must be readable where they are counted.
		if sd.Status == StatusUnchanged && sd.mandatory() == 0 {
			continue
		}
		sec := newSection(sd)
		sections = append(sections, sec)
		skeletons = append(skeletons, sec.frame())
		skeletonTotal += skeletons[len(skeletons)-1]
	}

	optional := []string{mermaid(r), costTable(r)}
	for _, part := range optional {
		if part != "" && head.Len()+len(part)+skeletonTotal+len(tail) <= limit {
			head.WriteString(part)
		}
	}

	// Drop whole sections from the end only when even their empty frames do
	// not fit; the note about them is reserved first.
	shown := len(sections)
	moreStacks := func(n int) string { return fmt.Sprintf("_… %d more stacks not shown_\n\n", n) }
	for shown > 0 && head.Len()+skeletonTotal+noteLen(shown, len(sections), moreStacks)+len(tail) > limit {
		shown--
		skeletonTotal -= skeletons[shown]
	}

	pool := limit - head.Len() - skeletonTotal - noteLen(shown, len(sections), moreStacks) - len(tail)
	var body strings.Builder
	for i := 0; i < shown; i++ {
		share := pool / (shown - i)
		text, used := sections[i].fill(share)
		pool -= used
		body.WriteString(text)
	}
	if shown < len(sections) {
		body.WriteString(moreStacks(len(sections) - shown))
	}

	out := head.String() + body.String() + tail
	if len(out) > limit {
		return hardCut(lead, out, limit)
	}
	return out
}

// leadMarkdown returns the part of the comment that is never cut (the
// risks, then the summary line) and the totals that follow it (the cost
// delta and the unchanged stacks).
func leadMarkdown(r Report) (lead, totals string) {
	var b strings.Builder
	if len(r.ConfigErrors) > 0 {
		var messages []string
		for _, ce := range r.ConfigErrors {
			fmt.Fprintf(&b, "Config error in %s: %s\n", escapeMarkdownLine(ce.Stack), escapeMarkdownLine(ce.Key))
			messages = append(messages, ce.Message+"\n")
		}
		b.WriteString("\n" + fencedAs("text", messages))
		b.WriteString(escapeMarkdownLine(r.SummaryLine()) + "\n")
		return b.String(), ""
	}
	for _, t := range r.Traffic {
		b.WriteString(escapeMarkdownLine(t.Headline()) + "\n")
		target := t.Target.Color
		if t.Swap() {
			target += " (live after this change)"
		} else {
			target += " (the canary)"
		}
		b.WriteString("- " + escapeMarkdownLine(target+": "+t.Target.describe()) + "\n")
		if t.From != nil {
			b.WriteString("- " + escapeMarkdownLine(t.From.Color+" (live until now): "+t.From.describe()) + "\n")
		}
		b.WriteString("\n")
	}
	if lines := replacedLines(r); len(lines) > 0 {
		b.WriteString(fmt.Sprintf("Replaced (%d):\n\n", len(lines)) + fencedAs("diff", lines))
	}
	if lines := deletedLines(r); len(lines) > 0 {
		b.WriteString(fmt.Sprintf("Deleted (%d):\n\n", len(lines)) + fencedAs("diff", lines))
	}
	if len(r.BaseConfigErrors) > 0 {
		stacks := map[string]bool{}
		var names []string
		for _, ce := range r.BaseConfigErrors {
			if !stacks[ce.Stack] {
				stacks[ce.Stack] = true
				names = append(names, ce.Stack)
			}
		}
		b.WriteString(escapeMarkdownLine(fmt.Sprintf("The base does not render (config refused in %s), so every stack shows as new.", strings.Join(names, ", "))) + "\n\n")
	}
	b.WriteString(escapeMarkdownLine(r.SummaryLine()) + "\n\n")
	lead = b.String()
	b.Reset()
	cost := fmt.Sprintf("Estimated monthly cost: %s → %s (%s)", money(r.Summary.OldMonthly), money(r.Summary.NewMonthly), signedMoney(r.Summary.NewMonthly-r.Summary.OldMonthly))
	if r.Summary.Unpriced > 0 {
		cost += fmt.Sprintf(", %s unpriced", plural(r.Summary.Unpriced, "item"))
	}
	b.WriteString(escapeMarkdownLine(cost) + "\n\n")
	if line := unchangedLine(r); line != "" {
		b.WriteString(escapeMarkdownLine(line) + "\n\n")
	}
	return lead, b.String()
}

// replacedLines lists every replaced resource, marked as pulumi preview
// --diff marks a replacement.
func replacedLines(r Report) []string {
	var out []string
	for _, sd := range r.Stacks {
		for _, rc := range sd.Changed {
			if len(rc.Replace) > 0 {
				out = append(out, fmt.Sprintf("%s %s: %s %s (%s)\n", OpReplace, sd.Name, rc.Type, rc.Name, replaceNote(rc.Replace)))
			}
		}
	}
	return out
}

// deletedLines lists every deleted cloud resource; a removed stack is one
// line, since all of it goes. Components and stack references exist only
// in the state, so deleting them deletes nothing.
func deletedLines(r Report) []string {
	var out []string
	for _, sd := range r.Stacks {
		custom := 0
		for _, rm := range sd.Removed {
			if rm.Custom {
				custom++
			}
		}
		if custom == 0 {
			continue
		}
		if sd.Status == StatusRemoved {
			out = append(out, fmt.Sprintf("%s %s: the whole stack, %s\n", OpRemove, sd.Name, plural(custom, "resource")))
			continue
		}
		for _, rm := range sd.Removed {
			if rm.Custom {
				out = append(out, fmt.Sprintf("%s %s: %s %s\n", OpRemove, sd.Name, rm.Type, rm.Name))
			}
		}
	}
	return out
}

// unchangedLine counts the stacks that get no section, so that their
// absence reads as "nothing changes there" and not as "not rendered".
func unchangedLine(r Report) string {
	var names []string
	for _, sd := range r.Stacks {
		if sd.Status == StatusUnchanged {
			names = append(names, sd.Name)
		}
	}
	switch {
	case len(names) == 0:
		return ""
	case len(names) == len(r.Stacks):
		return fmt.Sprintf("All %d stacks unchanged.", len(names))
	}
	return fmt.Sprintf("%d of %d stacks unchanged: %s.", len(names), len(r.Stacks), strings.Join(names, ", "))
}

// disclaimer is the cost estimate's statement of what it is, in small
// print at the end: it qualifies every figure above without pushing the
// risks down.
func disclaimer(r Report) string {
	if r.CostSource == "" {
		return ""
	}
	return "<sub>" + escapeMarkdownLine(r.CostSource) + "</sub>\n"
}

func noteLen(shown, total int, note func(int) string) int {
	if shown == total {
		return 0
	}
	return len(note(total - shown))
}

func newSection(sd StackDiff) section {
	s := section{sd: sd, resources: resourceEntries(sd, mdMaxPaths, mdMaxValue, mdMaxLines)}
	for _, c := range sd.Outputs {
		s.outputs = append(s.outputs, changeLine(c, mdMaxValue)+"\n")
	}
	// Mandatory findings first, so that a cut section still shows what
	// blocks the merge.
	for _, level := range []string{"mandatory", ""} {
		for _, v := range sd.Violations {
			if (level == "mandatory") == (v.Level == "mandatory") {
				s.violations = append(s.violations, "- "+escapeHTML(violationLine(v))+"\n")
			}
		}
	}
	s.fence = fenceFor(append(append([]string{}, s.resources...), s.outputs...))
	return s
}

// fill renders the section with as many entries as fit in budget characters
// beyond its empty frame, and returns the text and the budget it used.
// Violations are taken first, then resources, then outputs.
func (s section) fill(budget int) (string, int) {
	frame := s.frame()
	take := func(entries []string) []string {
		n := 0
		for n < len(entries) && len(entries[n]) <= budget {
			budget -= len(entries[n])
			n++
		}
		return entries[:n]
	}
	v := take(s.violations)
	res := take(s.resources)
	out := take(s.outputs)
	text := s.render(res, out, v)
	used := len(text) - frame
	if used < 0 {
		used = 0
	}
	return text, used
}

// frame is an upper bound on the section's size without its entries: the
// empty rendering, whose notes count everything as not shown, plus the code
// fences that appear once any entry is shown.
func (s section) frame() int {
	n := len(s.render(nil, nil, nil))
	if len(s.resources) > 0 {
		n += len(fenced(s.fence, "", nil))
	}
	if len(s.outputs) > 0 {
		n += len(fenced(s.fence, outputsLabel, nil))
	}
	return n
}

const outputsLabel = "Outputs:\n\n"

// render writes the section with the given entries, and a note for what is
// left out.
func (s section) render(res, out, viol []string) string {
	var b strings.Builder
	b.WriteString("<details><summary>" + escapeHTML(s.sd.stackLine()) + "</summary>\n\n")
	if len(res) > 0 {
		b.WriteString(fenced(s.fence, "", res))
	}
	if len(out) > 0 {
		b.WriteString(fenced(s.fence, outputsLabel, out))
	}
	if hidden := len(s.resources) - len(res) + len(s.outputs) - len(out); hidden > 0 {
		fmt.Fprintf(&b, "_… %d more %s not shown_\n\n", hidden, pluralWord(hidden, "change"))
	}
	if len(s.violations) > 0 {
		b.WriteString("Violations:\n\n")
		for _, v := range viol {
			b.WriteString(v)
		}
		if hidden := len(s.violations) - len(viol); hidden > 0 {
			fmt.Fprintf(&b, "- _… %d more %s not shown_\n", hidden, pluralWord(hidden, "violation"))
		}
		b.WriteString("\n")
	}
	b.WriteString("</details>\n\n")
	return b.String()
}

// fencedAs writes lines as a code block in the given language, with a fence
// no line can close.
func fencedAs(lang string, lines []string) string {
	fence := fenceFor(lines)
	return fence + lang + "\n" + strings.Join(lines, "") + fence + "\n\n"
}

// fenced writes a diff-highlighted code block under an optional label.
func fenced(fence, label string, entries []string) string {
	var b strings.Builder
	b.WriteString(label + fence + "diff\n")
	for _, e := range entries {
		b.WriteString(e)
	}
	b.WriteString(fence + "\n\n")
	return b.String()
}

// fenceFor picks a backtick fence longer than any backtick run in the
// content, so that no value can close the code block early.
func fenceFor(entries []string) string {
	longest := 0
	for _, e := range entries {
		run := 0
		for _, c := range e {
			if c == '`' {
				run++
				longest = max(longest, run)
			} else {
				run = 0
			}
		}
	}
	return strings.Repeat("`", max(3, longest+1))
}

// mermaid draws the env's stacks, an arrow from each stack to the stacks it
// reads through StackReferences, which color of each blue-green service is
// live, and highlights what this change touches: the stacks with changes
// and the DNS stack's arrow to each copy that takes traffic from it.
func mermaid(r Report) string {
	if len(r.Stacks) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("```mermaid\ngraph LR\n")
	ids := make(map[string]string)
	var order []string
	node := func(name string) string {
		if id, ok := ids[name]; ok {
			return id
		}
		id := fmt.Sprintf("s%d", len(ids))
		ids[name] = id
		order = append(order, name)
		return id
	}
	classes := make(map[string][]string)
	for _, sd := range r.Stacks {
		id := node(sd.Name)
		label := sd.Name
		if service, color, ok := colorOf(r.Env, sd.Name); ok {
			if live := r.LiveColors[service]; live == color {
				label += " (live)"
				classes[id] = append(classes[id], "live")
			} else if live != "" {
				label += " (idle)"
				classes[id] = append(classes[id], "idle")
			}
		}
		switch sd.Status {
		case StatusAdded:
			label += " (new) *"
			classes[id] = append(classes[id], "changed")
		case StatusRemoved:
			label += " (removed)"
			classes[id] = []string{"gone"}
		case StatusChanged:
			label += " *"
			classes[id] = append(classes[id], "changed")
		}
		fmt.Fprintf(&b, "  %s[\"%s\"]\n", id, mermaidLabel(label))
	}
	targets := map[[2]string]bool{}
	dns := topology.DNSStackName(r.Env)
	for _, t := range r.Traffic {
		targets[[2]string{dns, t.Target.Stack}] = true
	}
	var hot []int
	edge := 0
	for _, sd := range r.Stacks {
		from := ids[sd.Name]
		for _, ref := range sd.References {
			_, known := ids[ref]
			to := node(ref)
			if !known {
				fmt.Fprintf(&b, "  %s[\"%s\"]\n", to, mermaidLabel(ref))
				classes[to] = []string{"external"}
			}
			fmt.Fprintf(&b, "  %s --> %s\n", from, to)
			if targets[[2]string{sd.Name, ref}] {
				hot = append(hot, edge)
			}
			edge++
		}
	}
	b.WriteString("  classDef live fill:#d3f9d8,stroke:#2b8a3e\n")
	b.WriteString("  classDef idle fill:#f1f3f5,stroke:#868e96,stroke-dasharray:4 2\n")
	b.WriteString("  classDef gone fill:#ffe3e3,stroke:#c92a2a,stroke-dasharray:4 2\n")
	b.WriteString("  classDef external fill:#fff,stroke:#868e96,stroke-dasharray:2 2\n")
	// Defined last so that its border wins over live's and idle's.
	b.WriteString("  classDef changed stroke:#e8590c,stroke-width:3px\n")
	for _, name := range order {
		for _, c := range classes[ids[name]] {
			fmt.Fprintf(&b, "  class %s %s\n", ids[name], c)
		}
	}
	for _, i := range hot {
		fmt.Fprintf(&b, "  linkStyle %d stroke:#e8590c,stroke-width:3px\n", i)
	}
	b.WriteString("```\n\n")
	b.WriteString("<sub>Arrows point from a stack to the stacks it reads; * and an orange border mark a stack with changes, an orange arrow the copy that takes traffic.</sub>\n\n")
	return b.String()
}

// colorOf splits "<env>-<service>-<color>" stack names.
func colorOf(env, stack string) (service, color string, ok bool) {
	for _, c := range []string{"blue", "green"} {
		if rest, found := strings.CutSuffix(stack, "-"+c); found {
			service = strings.TrimPrefix(rest, env+"-")
			return service, c, service != ""
		}
	}
	return "", "", false
}

func mermaidLabel(s string) string {
	return strings.NewReplacer(`"`, "#quot;", "<", "#lt;", ">", "#gt;").Replace(s)
}

// costTable has a row per changed stack: an unchanged stack costs what it
// did.
func costTable(r Report) string {
	var b strings.Builder
	rows := 0
	b.WriteString("| Stack | Old $/month | New $/month | Change |\n|---|---:|---:|---:|\n")
	for _, sd := range r.Stacks {
		if sd.Status == StatusUnchanged {
			continue
		}
		rows++
		unpriced := ""
		if sd.Cost.NewUnpriced > 0 {
			unpriced = fmt.Sprintf(" (+%d unpriced)", sd.Cost.NewUnpriced)
		}
		fmt.Fprintf(&b, "| %s | %s | %s%s | %s |\n", escapeMarkdownLine(sd.Name), money(sd.Cost.Old), money(sd.Cost.New), unpriced, signedMoney(sd.Cost.Delta()))
	}
	if rows == 0 {
		return ""
	}
	fmt.Fprintf(&b, "| **Total (estimate)** | %s | %s | %s |\n\n", money(r.Summary.OldMonthly), money(r.Summary.NewMonthly), signedMoney(r.Summary.NewMonthly-r.Summary.OldMonthly))
	return b.String()
}

func escapeHTML(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// escapeMarkdownLine keeps free text from turning into markup: HTML,
// emphasis and table cells.
func escapeMarkdownLine(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "|", `\|`, "_", `\_`, "*", `\*`).Replace(s)
}

// hardCut is the last resort for limits too small for even the frames: the
// lead (risks and summary) stays whole, even past the limit, and whatever
// follows is cut on a character boundary.
func hardCut(lead, out string, limit int) string {
	note := "\n\n_… output cut to stay under the comment limit_\n"
	if len(lead)+len(note) >= limit {
		return lead
	}
	cut := limit - len(note)
	for cut > len(lead) && !utf8.RuneStart(out[cut]) {
		cut--
	}
	return strings.TrimRight(out[:cut], "\n") + note
}
