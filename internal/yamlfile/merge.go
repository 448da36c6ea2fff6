package yamlfile

import (
	"bytes"
	"sort"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// merge3 and its helpers merge three texts line by line, as diff3 does.
// JSON documents whose layout is not encoding/json's are written this way:
// base is the original rendered as JSON, ours the user's text, theirs the
// changed document rendered the same way.

func encodeDoc(doc *yaml.Node, wide bool) (string, error) {
	var out bytes.Buffer
	enc := yaml.NewEncoder(&out)
	if wide {
		enc.DefaultSeqIndent()
	}
	if err := enc.Encode(doc); err != nil {
		return "", err
	}
	if err := enc.Close(); err != nil {
		return "", err
	}
	return out.String(), nil
}

// lines splits s after each newline, keeping them, so that joining the
// lines gives s back.
func lines(s string) []string {
	ls := strings.SplitAfter(s, "\n")
	if ls[len(ls)-1] == "" {
		ls = ls[:len(ls)-1]
	}
	return ls
}

// maxCells bounds the line matching's table; larger documents are not
// merged.
const maxCells = 4 << 20

// hunk replaces base lines [s, e) with lines; s == e is an insertion.
type hunk struct {
	s, e  int
	lines []string
}

// hunks lists where x differs from base, given the matching m of base's
// lines to x's.
func hunks(base, x []string, m []int) []hunk {
	var out []hunk
	for i, j := 0, 0; ; {
		k := i
		for k < len(base) && m[k] < 0 {
			k++
		}
		end := len(x)
		if k < len(base) {
			end = m[k]
		}
		switch {
		case k-i > 1 && k-i == end-j:
			// As many lines changed as there were: line by line, so
			// that the other side may insert between them.
			for d := 0; d < k-i; d++ {
				out = append(out, hunk{i + d, i + d + 1, x[j+d : j+d+1]})
			}
		case k > i || end > j:
			out = append(out, hunk{i, k, x[j:end]})
		}
		if k == len(base) {
			return out
		}
		i, j = k+1, end+1
	}
}

// clash reports whether two hunks from different sides touch the same
// base lines, or insert at the same place, so that no order of applying
// them is obviously right. An insertion at p goes before base line p, so
// it sits well next to a change of line p or of the lines before it.
func clash(a, b hunk) bool {
	switch {
	case a.s == a.e && b.s == b.e:
		return a.s == b.s
	case a.s == a.e:
		return b.s < a.s && a.s < b.e
	case b.s == b.e:
		return a.s < b.s && b.s < a.e
	}
	return max(a.s, b.s) < min(a.e, b.e)
}

// merge3 applies both sides' changes to base, as diff3 does: hunks of
// ours and of theirs that do not touch each other are both applied; the
// same hunk on both sides is applied once; any other overlap is a
// conflict.
func merge3(base, ours, theirs []string) (string, bool) {
	mo, ok1 := match(base, ours)
	mt, ok2 := match(base, theirs)
	if !ok1 || !ok2 {
		return "", false
	}
	all := hunks(base, ours, mo)
	for _, h := range hunks(base, theirs, mt) {
		same := false
		for _, o := range all {
			if o.s == h.s && o.e == h.e && equal(o.lines, h.lines) {
				same = true
			} else if clash(o, h) {
				return "", false
			}
		}
		if !same {
			all = append(all, h)
		}
	}
	// By start; at one start, the insertion goes before the change.
	sort.Slice(all, func(i, j int) bool { return all[i].s < all[j].s || all[i].s == all[j].s && all[i].e < all[j].e })
	var out strings.Builder
	p := 0
	for _, h := range all {
		writeAll(&out, base[p:h.s])
		writeAll(&out, h.lines)
		p = h.e
	}
	writeAll(&out, base[p:])
	return out.String(), true
}

func writeAll(b *strings.Builder, ls []string) {
	for _, l := range ls {
		b.WriteString(l)
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// match pairs equal lines of x and y along a longest common subsequence:
// m[i] is the line of y matched to line i of x, or -1.
func match(x, y []string) ([]int, bool) {
	n, m := len(x), len(y)
	if (n+1)*(m+1) > maxCells {
		return nil, false
	}
	// lcs[i][j] is the LCS length of x[i:] and y[j:], in one slice.
	w := m + 1
	lcs := make([]int32, (n+1)*w)
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			switch {
			case x[i] == y[j]:
				lcs[i*w+j] = lcs[(i+1)*w+j+1] + 1
			case lcs[(i+1)*w+j] >= lcs[i*w+j+1]:
				lcs[i*w+j] = lcs[(i+1)*w+j]
			default:
				lcs[i*w+j] = lcs[i*w+j+1]
			}
		}
	}
	out := make([]int, n)
	for i := range out {
		out[i] = -1
	}
	for i, j := 0, 0; i < n && j < m; {
		switch {
		case x[i] == y[j]:
			out[i] = j
			i++
			j++
		case lcs[(i+1)*w+j] >= lcs[i*w+j+1]:
			i++
		default:
			j++
		}
	}
	return out, true
}
