package diff

import (
	"fmt"
	"strings"
	"unicode/utf8"
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
// characters (DefaultLimit when limit <= 0). The summary line comes first
// and is never dropped; then the cost note, live colors, a Mermaid diagram of
// the stacks and their StackReferences, the cost per stack, and one
// collapsible section per stack. When everything does not fit, the diagram
// and table go before any stack section does, and each section is cut with a
// note of how much is not shown, sharing the room fairly between stacks.
func Markdown(r Report, limit int) string {
	if limit <= 0 {
		limit = DefaultLimit
	}
	summary := r.SummaryLine()
	var head strings.Builder
	head.WriteString(summary + "\n\n")

	sections := make([]section, len(r.Stacks))
	skeletons := make([]int, len(r.Stacks))
	skeletonTotal := 0
	for i, sd := range r.Stacks {
		sections[i] = newSection(sd)
		skeletons[i] = sections[i].frame()
		skeletonTotal += skeletons[i]
	}

	optional := []string{costNote(r), liveColorsMarkdown(r), mermaid(r), costTable(r)}
	for _, part := range optional {
		if part != "" && head.Len()+len(part)+skeletonTotal <= limit {
			head.WriteString(part)
		}
	}

	// Drop whole sections from the end only when even their empty frames do
	// not fit; the note about them is reserved first.
	shown := len(sections)
	moreStacks := func(n int) string { return fmt.Sprintf("_… %d more stacks not shown_\n", n) }
	for shown > 0 && head.Len()+skeletonTotal+noteLen(shown, len(sections), moreStacks) > limit {
		shown--
		skeletonTotal -= skeletons[shown]
	}

	pool := limit - head.Len() - skeletonTotal - noteLen(shown, len(sections), moreStacks)
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

	out := head.String() + body.String()
	if len(out) > limit {
		return hardCut(summary, out, limit)
	}
	return out
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

func costNote(r Report) string {
	if r.CostSource == "" {
		return ""
	}
	return "_" + escapeMarkdownLine(r.CostSource) + "_\n\n"
}

func liveColorsMarkdown(r Report) string {
	line := liveColorsLine(r)
	if line == "" {
		return ""
	}
	return escapeMarkdownLine(line) + "\n\n"
}

// mermaid draws the env's stacks, an arrow from each stack to the stacks it
// reads through StackReferences, and marks which color of each blue-green
// service is live.
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
	classes := make(map[string]string)
	for _, sd := range r.Stacks {
		id := node(sd.Name)
		label := sd.Name
		class := ""
		if service, color, ok := colorOf(r.Env, sd.Name); ok {
			if live := r.LiveColors[service]; live == color {
				label += " (live)"
				class = "live"
			} else if live != "" {
				label += " (idle)"
				class = "idle"
			}
		}
		switch sd.Status {
		case StatusAdded:
			label += " (new)"
		case StatusRemoved:
			label += " (removed)"
			class = "gone"
		case StatusChanged:
			label += " *"
		}
		fmt.Fprintf(&b, "  %s[\"%s\"]\n", id, mermaidLabel(label))
		if class != "" {
			classes[id] = class
		}
	}
	for _, sd := range r.Stacks {
		from := ids[sd.Name]
		for _, ref := range sd.References {
			_, known := ids[ref]
			to := node(ref)
			if !known {
				fmt.Fprintf(&b, "  %s[\"%s\"]\n", to, mermaidLabel(ref))
				classes[to] = "external"
			}
			fmt.Fprintf(&b, "  %s --> %s\n", from, to)
		}
	}
	b.WriteString("  classDef live fill:#d3f9d8,stroke:#2b8a3e\n")
	b.WriteString("  classDef idle fill:#f1f3f5,stroke:#868e96,stroke-dasharray:4 2\n")
	b.WriteString("  classDef gone fill:#ffe3e3,stroke:#c92a2a,stroke-dasharray:4 2\n")
	b.WriteString("  classDef external fill:#fff,stroke:#868e96,stroke-dasharray:2 2\n")
	for _, name := range order {
		if c, ok := classes[ids[name]]; ok {
			fmt.Fprintf(&b, "  class %s %s\n", ids[name], c)
		}
	}
	b.WriteString("```\n\n")
	b.WriteString("_Arrows point from a stack to the stacks it reads; * marks a stack with changes._\n\n")
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

func costTable(r Report) string {
	if len(r.Stacks) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("| Stack | Old $/month | New $/month | Change |\n|---|---:|---:|---:|\n")
	for _, sd := range r.Stacks {
		unpriced := ""
		if sd.Cost.NewUnpriced > 0 {
			unpriced = fmt.Sprintf(" (+%d unpriced)", sd.Cost.NewUnpriced)
		}
		fmt.Fprintf(&b, "| %s | %s | %s%s | %s |\n", escapeMarkdownLine(sd.Name), money(sd.Cost.Old), money(sd.Cost.New), unpriced, signedMoney(sd.Cost.Delta()))
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
// summary stays whole, and whatever follows is cut on a character boundary.
func hardCut(summary, out string, limit int) string {
	note := "\n\n_… output cut to stay under the comment limit_\n"
	if len(summary)+len(note) >= limit {
		return summary + "\n"
	}
	cut := limit - len(note)
	for cut > len(summary) && !utf8.RuneStart(out[cut]) {
		cut--
	}
	return strings.TrimRight(out[:cut], "\n") + note
}
