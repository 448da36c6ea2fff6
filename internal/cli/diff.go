package cli

import (
	"cmp"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/pmezard/go-difflib/difflib"
)

// noNewline is how a unified diff marks a last line without a line end,
// as diff(1) and git write it.
const noNewline = "\n\\ No newline at end of file\n"

// diffContext is how many unchanged lines a hunk shows around a change.
const diffContext = 3

// docText is one document of a file: its text as it came and as the run
// would write it (each with the separator line that follows it).
type docText struct {
	before, after string
}

// unifiedDiff is the unified diff (three lines of context) that turns
// the documents' text before into their text after, headed --- a/PATH and
// +++ b/PATH as git writes it, so that `git apply` or `patch -p1` can
// apply it from where the command ran; "" when nothing changed.
//
// Lines are matched document by document, changed documents only,
// never across the whole file: an injection changes documents in place
// and never moves one. Within a document, see matchLines.
func unifiedDiff(path string, docs []docText) string {
	var a, b []string
	var ops []difflib.OpCode
	for i, d := range docs {
		last := i == len(docs)-1
		da, db := diffLines(d.before, last), diffLines(d.after, last)
		if d.before == d.after {
			ops = appendOp(ops, difflib.OpCode{Tag: 'e', I1: len(a), I2: len(a) + len(da), J1: len(b), J2: len(b) + len(db)})
		} else {
			for _, op := range matchLines(da, db, len(a), len(b)) {
				ops = appendOp(ops, op)
			}
		}
		a, b = append(a, da...), append(b, db...)
	}
	groups := groupOps(ops, diffContext)
	if len(groups) == 0 {
		return ""
	}
	var w strings.Builder
	name := strings.TrimPrefix(filepath.ToSlash(filepath.Clean(path)), "/")
	fmt.Fprintf(&w, "--- %s\n+++ %s\n", quotePath("a/"+name), quotePath("b/"+name))
	for _, g := range groups {
		first, end := g[0], g[len(g)-1]
		fmt.Fprintf(&w, "@@ -%s +%s @@\n", hunkRange(first.I1, end.I2), hunkRange(first.J1, end.J2))
		for _, op := range g {
			if op.Tag == 'e' {
				writeLines(&w, " ", a[op.I1:op.I2])
				continue
			}
			writeLines(&w, "-", a[op.I1:op.I2])
			writeLines(&w, "+", b[op.J1:op.J2])
		}
	}
	return w.String()
}

// cEscapes are the bytes git's quote_c_style writes as a backslash and
// the letter at the same place in cLetters.
const cEscapes, cLetters = "\a\b\t\n\v\f\r\"\\", `abtnvfr"\`

// quotePath writes a diff header's name as git does (quote_c_style):
// a name that holds a control character, a '"', a '\\', DEL or any
// byte from 0x80 (so a bidi control or any non-ASCII letter) is put in
// double quotes, with C escapes (\n, \t, \", \\, ...) and every other
// such byte as three octal digits. A newline or ESC in a file name
// then cannot forge lines in a log, and `git apply` reads the name back.
// Other names are written as they are.
func quotePath(name string) string {
	quote := func(c byte) bool { return c < 0x20 || c == '"' || c == '\\' || c >= 0x7f }
	i := 0
	for i < len(name) && !quote(name[i]) {
		i++
	}
	if i == len(name) {
		return name
	}
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch k := strings.IndexByte(cEscapes, c); {
		case k >= 0:
			b.WriteByte('\\')
			b.WriteByte(cLetters[k])
		case quote(c):
			fmt.Fprintf(&b, "\\%03o", c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// smallMatch is the size (lines before and after together) up to which
// go-difflib's matcher runs on its own. Beyond it, its time grows with
// the square of the length, and a List of thousands of items
// (kubectl get -o yaml) is one document.
const smallMatch = 2000

// matchLines returns the opcodes that turn a into b, with the lines
// numbered from ai and bj. Common first and last lines are taken off;
// what is left, when large, is cut at anchors, as patience diff (git
// diff --patience) cuts it: lines found exactly once in each, in an
// order both keep. Each piece between anchors is matched the same way,
// and small pieces by go-difflib's matcher.
func matchLines(a, b []string, ai, bj int) []difflib.OpCode {
	p := 0
	for p < len(a) && p < len(b) && a[p] == b[p] {
		p++
	}
	q := 0
	for q < len(a)-p && q < len(b)-p && a[len(a)-1-q] == b[len(b)-1-q] {
		q++
	}
	ops := appendOp(nil, difflib.OpCode{Tag: 'e', I1: ai, I2: ai + p, J1: bj, J2: bj + p})
	ma, mb := a[p:len(a)-q], b[p:len(b)-q]
	mi, mj := ai+p, bj+p
	var anchors [][2]int
	if len(ma)+len(mb) > smallMatch {
		anchors = uniqueAnchors(ma, mb)
	}
	switch {
	case len(ma) == 0 && len(mb) == 0:
	case len(ma) == 0 || len(mb) == 0:
		tag := byte('i')
		if len(mb) == 0 {
			tag = 'd'
		}
		ops = appendOp(ops, difflib.OpCode{Tag: tag, I1: mi, I2: mi + len(ma), J1: mj, J2: mj + len(mb)})
	case len(anchors) == 0:
		for _, op := range difflib.NewMatcher(ma, mb).GetOpCodes() {
			ops = appendOp(ops, difflib.OpCode{Tag: op.Tag, I1: op.I1 + mi, I2: op.I2 + mi, J1: op.J1 + mj, J2: op.J2 + mj})
		}
	default:
		i, j := 0, 0
		for _, an := range append(anchors, [2]int{len(ma), len(mb)}) {
			for _, op := range matchLines(ma[i:an[0]], mb[j:an[1]], mi+i, mj+j) {
				ops = appendOp(ops, op)
			}
			if an[0] < len(ma) {
				ops = appendOp(ops, difflib.OpCode{Tag: 'e', I1: mi + an[0], I2: mi + an[0] + 1, J1: mj + an[1], J2: mj + an[1] + 1})
			}
			i, j = an[0]+1, an[1]+1
		}
	}
	return appendOp(ops, difflib.OpCode{Tag: 'e', I1: ai + len(a) - q, I2: ai + len(a), J1: bj + len(b) - q, J2: bj + len(b)})
}

// uniqueAnchors pairs the lines found exactly once in a and once in b,
// and keeps the longest run of pairs in the same order in both (by
// patience sorting): the lines the two surely share, in place.
func uniqueAnchors(a, b []string) [][2]int {
	type seen struct{ inA, inB, at int }
	lines := map[string]*seen{}
	for i, l := range a {
		if s := lines[l]; s != nil {
			s.inA++
		} else {
			lines[l] = &seen{inA: 1, at: i}
		}
	}
	var pairs [][2]int // (index in a, index in b), in b's order
	for j, l := range b {
		if s := lines[l]; s != nil {
			s.inB++
			if s.inB == 1 {
				pairs = append(pairs, [2]int{s.at, j})
			}
		}
	}
	kept := pairs[:0]
	for _, pr := range pairs {
		if s := lines[b[pr[1]]]; s.inA == 1 && s.inB == 1 {
			kept = append(kept, pr)
		}
	}
	return longestIncreasing(kept)
}

// longestIncreasing returns the longest subsequence of pairs (already in
// increasing order of their second index) whose first index increases too.
func longestIncreasing(pairs [][2]int) [][2]int {
	var tops []int // tops[k]: index into pairs of the smallest end of a run of length k+1
	prev := make([]int, len(pairs))
	for n, pr := range pairs {
		k, _ := slices.BinarySearchFunc(tops, pr[0], func(t, v int) int { return cmp.Compare(pairs[t][0], v) })
		if k > 0 {
			prev[n] = tops[k-1]
		} else {
			prev[n] = -1
		}
		if k == len(tops) {
			tops = append(tops, n)
		} else {
			tops[k] = n
		}
	}
	if len(tops) == 0 {
		return nil
	}
	out := make([][2]int, len(tops))
	for k, n := len(tops)-1, tops[len(tops)-1]; k >= 0; k, n = k-1, prev[n] {
		out[k] = pairs[n]
	}
	return out
}

// diffLines splits s into lines that keep their line ends. Unlike
// difflib.SplitLines it adds no empty line at the end; a file's last
// line without a line end carries the marker that says so, so that it
// differs from the same text with a line end, as it should.
func diffLines(s string, lastInFile bool) []string {
	if s == "" {
		return nil
	}
	lines := strings.SplitAfter(s, "\n")
	if end := lines[len(lines)-1]; end == "" {
		lines = lines[:len(lines)-1]
	} else if lastInFile {
		lines[len(lines)-1] = end + noNewline
	}
	return lines
}

// appendOp appends an opcode, merging it into the one before when both
// are runs of equal lines; empty runs are left out.
func appendOp(ops []difflib.OpCode, op difflib.OpCode) []difflib.OpCode {
	if op.I1 == op.I2 && op.J1 == op.J2 {
		return ops
	}
	if n := len(ops); n > 0 && op.Tag == 'e' && ops[n-1].Tag == 'e' {
		ops[n-1].I2, ops[n-1].J2 = op.I2, op.J2
		return ops
	}
	return append(ops, op)
}

// groupOps cuts the opcodes into hunks with n lines of context, as
// difflib's GetGroupedOpCodes does for one matcher's opcodes; a file
// with no change has no hunk.
func groupOps(ops []difflib.OpCode, n int) [][]difflib.OpCode {
	if len(ops) == 0 || (len(ops) == 1 && ops[0].Tag == 'e') {
		return nil
	}
	ops = append([]difflib.OpCode(nil), ops...)
	if c := &ops[0]; c.Tag == 'e' {
		c.I1, c.J1 = max(c.I1, c.I2-n), max(c.J1, c.J2-n)
	}
	if c := &ops[len(ops)-1]; c.Tag == 'e' {
		c.I2, c.J2 = min(c.I2, c.I1+n), min(c.J2, c.J1+n)
	}
	var groups [][]difflib.OpCode
	var group []difflib.OpCode
	for _, c := range ops {
		if c.Tag == 'e' && c.I2-c.I1 > 2*n {
			group = append(group, difflib.OpCode{Tag: 'e', I1: c.I1, I2: min(c.I2, c.I1+n), J1: c.J1, J2: min(c.J2, c.J1+n)})
			groups = append(groups, group)
			group = nil
			c.I1, c.J1 = max(c.I1, c.I2-n), max(c.J1, c.J2-n)
		}
		group = append(group, c)
	}
	if len(group) > 0 && !(len(group) == 1 && group[0].Tag == 'e') {
		groups = append(groups, group)
	}
	return groups
}

// hunkRange writes a hunk's range as unified diffs do: "start,length",
// "start" alone for one line, and the line before for an empty range.
func hunkRange(start, stop int) string {
	switch n := stop - start; n {
	case 1:
		return fmt.Sprint(start + 1)
	case 0:
		return fmt.Sprintf("%d,0", start)
	default:
		return fmt.Sprintf("%d,%d", start+1, n)
	}
}

func writeLines(w *strings.Builder, prefix string, lines []string) {
	for _, l := range lines {
		w.WriteString(prefix)
		w.WriteString(l)
	}
}
