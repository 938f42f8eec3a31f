package diff

import (
	"fmt"
	"strings"
)

// lineDiffCells caps the longest-common-subsequence table: two scripts of a
// few hundred lines need a fraction of it, and past it the diff says "all
// lines changed", which is still true, instead of using gigabytes.
const lineDiffCells = 4 << 20

// lineDiff is a unified diff of two texts with context unchanged lines
// around each change: "@@ -a,b +c,d @@" hunk headers, then lines marked
// " ", "-" or "+". Equal texts give none.
func lineDiff(a, b string, context int) []string {
	if a == b {
		return nil
	}
	x, y := splitLines(a), splitLines(b)
	ops := editScript(x, y)

	var out []string
	for i := 0; i < len(ops); {
		if ops[i].mark == ' ' {
			i++
			continue
		}
		// A hunk runs from context lines before this change to context
		// lines after the last change that is at most 2*context lines
		// from the next one, so that hunks never overlap.
		start := max(0, i-context)
		end := i
		for j := i; j < len(ops); j++ {
			if ops[j].mark != ' ' {
				end = j
			} else if j-end > 2*context {
				break
			}
		}
		stop := min(len(ops), end+context+1)
		out = append(out, hunkHeader(ops[start:stop]))
		for _, op := range ops[start:stop] {
			out = append(out, string(op.mark)+op.text)
		}
		i = stop
	}
	return out
}

type lineOp struct {
	mark byte // ' ', '-' or '+'
	text string
	// oldLine and newLine are the 1-based line numbers before and after
	// this line: the line itself for its side, the next one for the other.
	oldLine, newLine int
}

func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}

// editScript is a shortest edit script from x to y by longest common
// subsequence, removals before additions within a change.
func editScript(x, y []string) []lineOp {
	n, m := len(x), len(y)
	var ops []lineOp
	if (n+1)*(m+1) > lineDiffCells {
		for i, l := range x {
			ops = append(ops, lineOp{mark: '-', text: l, oldLine: i + 1, newLine: 1})
		}
		for j, l := range y {
			ops = append(ops, lineOp{mark: '+', text: l, oldLine: n + 1, newLine: j + 1})
		}
		return ops
	}
	// lcs[i*(m+1)+j] is the length of the longest common subsequence of
	// x[i:] and y[j:].
	lcs := make([]int32, (n+1)*(m+1))
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if x[i] == y[j] {
				lcs[i*(m+1)+j] = lcs[(i+1)*(m+1)+j+1] + 1
			} else {
				lcs[i*(m+1)+j] = max(lcs[(i+1)*(m+1)+j], lcs[i*(m+1)+j+1])
			}
		}
	}
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && x[i] == y[j]:
			ops = append(ops, lineOp{mark: ' ', text: x[i], oldLine: i + 1, newLine: j + 1})
			i++
			j++
		case i < n && (j == m || lcs[(i+1)*(m+1)+j] >= lcs[i*(m+1)+j+1]):
			ops = append(ops, lineOp{mark: '-', text: x[i], oldLine: i + 1, newLine: j + 1})
			i++
		default:
			ops = append(ops, lineOp{mark: '+', text: y[j], oldLine: i + 1, newLine: j + 1})
			j++
		}
	}
	return ops
}

// hunkHeader writes "@@ -start,count +start,count @@" as diff(1) does: a
// count of 1 is left out, and an empty side starts at the line before.
func hunkHeader(ops []lineOp) string {
	oldCount, newCount := 0, 0
	for _, op := range ops {
		if op.mark != '+' {
			oldCount++
		}
		if op.mark != '-' {
			newCount++
		}
	}
	side := func(start, count int) string {
		switch count {
		case 0:
			return fmt.Sprintf("%d,0", start-1)
		case 1:
			return fmt.Sprint(start)
		}
		return fmt.Sprintf("%d,%d", start, count)
	}
	return fmt.Sprintf("@@ -%s +%s @@", side(ops[0].oldLine, oldCount), side(ops[0].newLine, newCount))
}
