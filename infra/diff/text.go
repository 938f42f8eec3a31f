package diff

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/video-platform/video-platform/internal/render"
)

// Text renders the report for a terminal: plain lines, no colors, so that it
// reads the same in a CI log, a pipe or a file. Nothing is cut.
func Text(r Report) string {
	var b strings.Builder
	b.WriteString(r.SummaryLine())
	b.WriteString("\n")
	for _, ce := range r.ConfigErrors {
		b.WriteString("config error: " + ce.Message + "\n")
	}
	if lc := liveColorsLine(r); lc != "" {
		b.WriteString(lc + "\n")
	}
	if r.CostSource != "" {
		b.WriteString("cost: " + r.CostSource + "\n")
	}
	for _, sd := range r.Stacks {
		b.WriteString("\n== " + sd.stackLine() + "\n")
		for _, e := range resourceEntries(sd, 0, 0, 0) {
			b.WriteString(indent(e, "  "))
		}
		if len(sd.Outputs) > 0 {
			b.WriteString("  outputs:\n")
			for _, c := range sd.Outputs {
				b.WriteString("  " + changeLine(c, 0) + "\n")
			}
		}
		if len(sd.Violations) > 0 {
			b.WriteString("  violations:\n")
			for _, v := range sd.Violations {
				b.WriteString("    " + violationLine(v) + "\n")
			}
		}
	}
	return b.String()
}

// resourceEntries renders each changed, added and removed resource as one
// block of lines ending in a newline, marked as `pulumi preview --diff`
// marks them. A block is the unit that is shown or cut as a whole. maxPaths
// caps the paths shown per resource, maxValue the characters per value and
// maxLines the lines of a decoded text's diff; zero means no cap.
func resourceEntries(sd StackDiff, maxPaths, maxValue, maxLines int) []string {
	var out []string
	for _, rc := range sd.Changed {
		var b strings.Builder
		fmt.Fprintf(&b, "%s %s %s", rc.Op(), rc.Type, rc.Name)
		if len(rc.Replace) > 0 {
			b.WriteString(" (" + replaceNote(rc.Replace) + ")")
		}
		b.WriteString("\n")
		shown := rc.Changes
		if maxPaths > 0 && len(shown) > maxPaths {
			shown = shown[:maxPaths]
		}
		for _, c := range shown {
			b.WriteString("  " + changeLine(c, maxValue) + "\n")
			b.WriteString(textLines(c.Lines, maxValue, maxLines))
		}
		if n := len(rc.Changes) - len(shown); n > 0 {
			fmt.Fprintf(&b, "  … %d more paths not shown\n", n)
		}
		out = append(out, b.String())
	}
	for _, a := range sd.Added {
		out = append(out, fmt.Sprintf("%s %s %s\n", OpAdd, a.Type, a.Name))
	}
	for _, rm := range sd.Removed {
		out = append(out, fmt.Sprintf("%s %s %s\n", OpRemove, rm.Type, rm.Name))
	}
	return out
}

// changeLine renders one path change. Secret changes say only that the
// value changed, and a value diffed line by line is only named.
func changeLine(c Change, maxValue int) string {
	switch {
	case len(c.Lines) > 0:
		return fmt.Sprintf("%s %s (decoded, by line):", c.Op, c.Path)
	case c.Secret:
		return fmt.Sprintf("%s %s: %s → %s (secret)", OpChange, c.Path, Secret, Secret)
	case c.Op == OpAdd:
		return fmt.Sprintf("%s %s: %s", OpAdd, c.Path, display(c.New, maxValue))
	case c.Op == OpRemove:
		return fmt.Sprintf("%s %s: %s", OpRemove, c.Path, display(c.Old, maxValue))
	default:
		return fmt.Sprintf("%s %s: %s → %s", OpChange, c.Path, display(c.Old, maxValue), display(c.New, maxValue))
	}
}

// textLines writes a change's line diff under its path. The marks stay in
// the first column, where a diff code block colours them.
func textLines(lines []string, maxValue, maxLines int) string {
	var b strings.Builder
	shown := lines
	if maxLines > 0 && len(shown) > maxLines {
		shown = shown[:maxLines]
	}
	for _, l := range shown {
		if strings.HasPrefix(l, "@@") {
			b.WriteString("    " + l + "\n")
			continue
		}
		b.WriteString(strings.TrimRight(l[:1]+"   "+clip(l[1:], maxValue), " ") + "\n")
	}
	if n := len(lines) - len(shown); n > 0 {
		fmt.Fprintf(&b, "    … %d more lines not shown\n", n)
	}
	return b.String()
}

func violationLine(v render.Violation) string {
	line := fmt.Sprintf("[%s] %s: %s", v.Level, v.Policy, v.Message)
	if v.URN != "" {
		line += " (" + v.URN + ")"
	}
	return line
}

// display writes a value as JSON, without escaping "<" and ">" so that
// computed placeholders stay readable.
func display(v any, maxValue int) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	s := ""
	if err := enc.Encode(v); err != nil {
		// Only values JSON cannot hold (NaN, say) get here; Go's own
		// formatting still tells the reader what the value was.
		s = fmt.Sprint(v)
	} else {
		s = strings.TrimSuffix(buf.String(), "\n")
	}
	return clip(s, maxValue)
}

// clip cuts s to maxValue characters, marking the cut; zero means no cap.
func clip(s string, maxValue int) string {
	if maxValue > 0 && utf8.RuneCountInString(s) > maxValue {
		runes := []rune(s)
		s = string(runes[:maxValue]) + "…"
	}
	return s
}

// liveColorsLine shows each service's live color, and the old one where a
// swap changed it.
func liveColorsLine(r Report) string {
	services := make(map[string]bool)
	for s := range r.LiveColors {
		services[s] = true
	}
	for s := range r.OldLiveColors {
		services[s] = true
	}
	if len(services) == 0 {
		return ""
	}
	names := make([]string, 0, len(services))
	for s := range services {
		names = append(names, s)
	}
	sort.Strings(names)
	parts := make([]string, 0, len(names))
	for _, s := range names {
		oldC, newC := r.OldLiveColors[s], r.LiveColors[s]
		switch {
		case oldC != "" && oldC != newC:
			parts = append(parts, fmt.Sprintf("%s %s → %s", s, oldC, orNone(newC)))
		default:
			parts = append(parts, s+" "+orNone(newC))
		}
	}
	return "live colors: " + strings.Join(parts, ", ")
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

func indent(block, prefix string) string {
	lines := strings.SplitAfter(block, "\n")
	var b strings.Builder
	for _, l := range lines {
		if l != "" {
			b.WriteString(prefix + l)
		}
	}
	return b.String()
}
