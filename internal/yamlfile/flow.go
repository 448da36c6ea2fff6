package yamlfile

import (
	"errors"
	"slices"
	"sort"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Flow collections ({...}, [...]) and JSON documents are edited here, in
// place, in the layout they are written in:
//
//   - on one line, an element added goes in between the brackets with its
//     comma, one removed leaves with it;
//   - one member per line (each member starts a line of its own, and so
//     does the closing bracket), an element added is written on lines of
//     its own, at its neighbours' indentation, with a comma after it when
//     the collection puts one after its last member; one removed takes
//     exactly those lines. Where the last member has no comma (JSON), a
//     member added after it gives it one, on its own line;
//   - spread over lines otherwise ("[{" ... "}, {" ... "}]"), an element
//     goes in next to its neighbour as on one line, written over lines
//     indented as the line it starts on.
//
// What is added is written in the collection's own separators (": " or
// ":", ", " or ","), as JSON in a JSON document.

// flowStyle is how added members are written.
type flowStyle struct {
	json     bool   // keys and strings as JSON writes them, and no comments
	colon    string // between a key and its value
	comma    string // between members on one line
	step     string // a member's indentation over its collection's line
	trailing bool   // one member per line: a comma after the last member too
	// expand: an empty collection that gets members writes them one per
	// line (its parent is spread over lines).
	expand bool
}

// flowSpan is where a flow collection's text lies, and how it is laid out.
type flowSpan struct {
	open, close int
	elems       [][2]int // each member's text, a pair's for a mapping
	commas      []int    // the comma after each member, or -1
	multi       bool     // spread over lines (see span)
	perLine     bool     // one member per line, and the closing bracket on its own
}

// member is a pair of a mapping (k set) or an item of a sequence.
type member struct{ k, v *yaml.Node }

// added is a member to insert after the kept element after (-1: before
// the first).
type added struct {
	after int
	m     member
}

// offset is the byte offset of a node's position.
func (p *placer) offset(n *yaml.Node) int {
	return p.start[n.Line-1] + n.Column - 1
}

// line is the index of the line holding offset off (found by bisection:
// a JSON document on one line is one long line).
func (p *placer) line(off int) int {
	return min(sort.Search(len(p.lines), func(i int) bool { return p.start[i+1] > off }), len(p.lines)-1)
}

// lineStart is the offset of the line holding off; nextLine that of the
// line after it; padAt that line's indentation.
func (p *placer) lineStart(off int) int { return p.start[p.line(off)] }

func (p *placer) nextLine(off int) int { return p.start[min(p.line(off)+1, len(p.lines))] }

func (p *placer) padAt(off int) string {
	l := p.lines[p.line(off)]
	return l[:len(l)-len(strings.TrimLeft(l, " \t"))]
}

// ownLine reports whether only indentation comes before off on its line.
func (p *placer) ownLine(off int) bool {
	return strings.TrimLeft(p.raw[p.lineStart(off):off], " \t") == ""
}

// span reads the collection whose bracket is at o's position.
func (p *placer) span(o *yaml.Node) (flowSpan, error) {
	sp := flowSpan{open: p.offset(o)}
	var err error
	sp.elems, sp.commas, sp.close, err = scanFlow(p.raw, sp.open)
	if err != nil {
		return sp, err
	}
	spans := strings.Contains(p.raw[sp.open:sp.close], "\n")
	sp.perLine = spans && len(sp.elems) > 0 && p.ownLine(sp.close)
	for i, e := range sp.elems {
		c := sp.commas[i]
		if !p.ownLine(e[0]) || c >= 0 && (strings.Contains(p.raw[e[1]:c], "\n") || !restBlank(p.raw[c+1:p.nextLine(c)])) {
			sp.perLine = false
		}
	}
	// Spread over lines: one member per line, or hugging its brackets
	// ("}]" alone closes it). A one-line collection that a comment broke
	// (yaml.v3 writes "{a: b, # note" and goes on below) is not.
	sp.multi = sp.perLine || spans && strings.Trim(p.raw[p.lineStart(sp.close):sp.close], " \t}],") == ""
	return sp, nil
}

// restBlank reports whether the rest of a line holds nothing but spaces
// and a comment.
func restBlank(s string) bool {
	s = strings.TrimSpace(s)
	return s == "" || s[0] == '#'
}

// blockFlow is the style of a flow collection in a block document.
func (p *placer) blockFlow() flowStyle {
	return flowStyle{colon: ": ", comma: ", ", step: strings.Repeat(" ", p.indent)}
}

// rootStyle is a flow document's style, as its first pair writes it:
// compact JSON ("kind":"Pod") puts no space after its commas either.
func (p *placer) rootStyle(root *yaml.Node) flowStyle {
	st := p.blockFlow()
	st.json = p.json
	if len(root.Content) >= 2 {
		if c, ok := p.colonOf(root.Content[0], root.Content[1]); ok {
			st.colon = c
		}
	}
	if st.json && st.colon == ":" {
		st.comma = ","
	}
	return st
}

// colonOf reads what stands between a key and its value on one line.
func (p *placer) colonOf(k, v *yaml.Node) (string, bool) {
	if k.Kind != yaml.ScalarNode || v.Line == 0 {
		return "", false
	}
	from := p.offset(k)
	end := from + len(k.Value)
	if k.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) != 0 {
		q, err := skipQuoted(p.raw, from)
		if err != nil {
			return "", false
		}
		end = q + 1
	}
	to := p.offset(v)
	if end > to || !strings.HasPrefix(p.raw[end:to], ":") || strings.Trim(p.raw[end+1:to], " \t") != "" {
		return "", false
	}
	return p.raw[end:to], true
}

// localStyle refines st with what the collection itself shows.
func (p *placer) localStyle(o *yaml.Node, sp flowSpan, st flowStyle) flowStyle {
	if o.Kind == yaml.MappingNode && len(o.Content) >= 2 {
		if c, ok := p.colonOf(o.Content[0], o.Content[1]); ok {
			st.colon = c
		}
	}
	if len(sp.elems) >= 2 {
		if sep := p.raw[sp.elems[0][1]:sp.elems[1][0]]; strings.Trim(sep, " \t") == "," && sep[0] == ',' {
			st.comma = sep
		}
	}
	if sp.perLine {
		if step, ok := strings.CutPrefix(p.padAt(sp.elems[0][0]), p.padAt(sp.open)); ok && step != "" {
			st.step = step
		}
		st.trailing = sp.commas[len(sp.commas)-1] >= 0
	}
	st.expand = sp.multi
	return st
}

// flow edits a flow collection in place (see the top of this file).
func (p *placer) flow(o, c *yaml.Node, st flowStyle) {
	if unchanged(o, c) {
		return
	}
	sp, err := p.span(o)
	if err != nil {
		p.fail("%v", err)
		return
	}
	step := 1
	if o.Kind == yaml.MappingNode {
		step = 2
	}
	if len(sp.elems) != len(o.Content)/step {
		p.fail("a flow collection that reads differently")
		return
	}
	inner := p.localStyle(o, sp, st)
	kept, news := p.flowKept(o, c, sp, inner)
	if p.err != nil {
		return
	}
	if !slices.Contains(kept, true) && (sp.perLine || len(sp.elems) == 0 && (st.expand || sp.multi)) {
		// Nothing of it stays: the inside is written again, one member
		// per line; with no member, as "{}" or "[]".
		text := ""
		if len(news) > 0 {
			base := p.padAt(sp.open)
			ms := make([]member, len(news))
			for i, n := range news {
				ms[i] = n.m
			}
			text = p.eol + p.members(ms, inner, base+inner.step, inner.trailing) + base
		}
		p.add(sp.open+1, sp.close, text)
		return
	}
	p.flowRemove(sp, kept)
	p.flowInsert(sp, kept, news, inner)
}

// flowKept matches c's members to o's by position: kept ones are edited
// in place (a changed value written again), new ones are returned with
// the kept element they follow.
func (p *placer) flowKept(o, c *yaml.Node, sp flowSpan, st flowStyle) ([]bool, []added) {
	step := 1
	if o.Kind == yaml.MappingNode {
		step = 2
	}
	byPos := map[[2]int]int{}
	for i := range sp.elems {
		n := o.Content[i*step]
		byPos[[2]int{n.Line, n.Column}] = i
	}
	kept := make([]bool, len(sp.elems))
	var news []added
	last := -1
	for j := 0; j < len(c.Content); j += step {
		m := member{v: c.Content[j]}
		if step == 2 {
			m = member{k: c.Content[j], v: c.Content[j+1]}
		}
		i, ok := byPos[[2]int{c.Content[j].Line, c.Content[j].Column}]
		if !ok || !p.same(o.Content[i*step], c.Content[j]) {
			news = append(news, added{last, m})
			continue
		}
		if i < last {
			p.fail("flow elements were reordered")
			return nil, nil
		}
		kept[i], last = true, i
		ov := o.Content[i*step+step-1]
		switch {
		case p.same(ov, m.v) && ov.Kind != yaml.ScalarNode && ov.Style&yaml.FlowStyle != 0:
			p.flow(ov, m.v, st)
		case p.same(ov, m.v) && unchanged(ov, m.v):
		default:
			// A changed value: the element is written again.
			if m.k != nil {
				m.k = o.Content[i*step]
			}
			e := sp.elems[i]
			p.add(e[0], e[1], p.memberText(m, st, p.padAt(e[0]), sp.multi))
		}
	}
	return kept, news
}

// flowRemove takes away the elements not kept: on one line each run with
// the comma before it (after it, at the start); one per line, their lines.
func (p *placer) flowRemove(sp flowSpan, kept []bool) {
	es := sp.elems
	for a := 0; a < len(es); a++ {
		if kept[a] {
			continue
		}
		b := a
		for b+1 < len(es) && !kept[b+1] {
			b++
		}
		switch {
		case sp.perLine && sp.commas[b] >= 0:
			p.add(p.lineStart(es[a][0]), p.nextLine(sp.commas[b]), "")
		case a > 0:
			p.add(es[a-1][1], es[b][1], "")
		case b+1 < len(es):
			p.add(es[a][0], es[b+1][0], "")
		default:
			p.add(es[a][0], es[b][1], "")
		}
		a = b
	}
}

// flowInsert writes the new members next to the kept elements they
// follow (some element is kept, or the collection is on one line).
func (p *placer) flowInsert(sp flowSpan, kept []bool, news []added, st flowStyle) {
	es := sp.elems
	lastKept := -1
	for i, k := range kept {
		if k {
			lastKept = i
		}
	}
	for _, n := range news {
		switch {
		case sp.perLine && n.after >= 0 && (n.after < lastKept || st.trailing):
			// After a member whose comma ends its line: lines of its own.
			at := p.nextLine(sp.commas[n.after])
			p.add(at, at, p.members([]member{n.m}, st, p.padAt(es[n.after][0]), true))
		case sp.perLine && n.after >= 0:
			// After the last member, which gets a comma.
			pad := p.padAt(es[n.after][0])
			p.add(es[n.after][1], es[n.after][1], ","+p.eol+strings.TrimSuffix(p.members([]member{n.m}, st, pad, false), p.eol))
		case sp.perLine:
			first := slices.Index(kept, true)
			at := p.lineStart(es[first][0])
			p.add(at, at, p.members([]member{n.m}, st, p.padAt(es[first][0]), true))
		case n.after >= 0:
			at := es[n.after][1]
			p.add(at, at, st.comma+p.memberText(n.m, st, p.padAt(at), sp.multi))
		case lastKept >= 0:
			at := es[slices.Index(kept, true)][0]
			p.add(at, at, p.memberText(n.m, st, p.padAt(at), sp.multi)+st.comma)
		default:
			// Into an empty collection (or one emptied): after the bracket.
			sep := ""
			if n != news[0] {
				sep = st.comma
			}
			p.add(sp.open+1, sp.open+1, sep+p.memberText(n.m, st, p.padAt(sp.open), sp.multi))
		}
	}
}

// members writes members one per line at pad, each line ending with the
// document's line end, with a comma after each but the last (and after
// the last too, with comma); in YAML with their comments.
func (p *placer) members(ms []member, st flowStyle, pad string, comma bool) string {
	var b strings.Builder
	for i, m := range ms {
		var line []string
		var head, foot string
		if !st.json {
			head, foot = m.v.HeadComment, m.v.FootComment
			line = append(line, m.v.LineComment)
			if m.k != nil {
				head, foot = m.k.HeadComment, m.k.FootComment+m.v.FootComment
				line = []string{m.k.LineComment, m.v.LineComment}
			}
		}
		p.commentLines(&b, head, pad)
		b.WriteString(pad + p.memberText(m, st, pad, true))
		if i < len(ms)-1 || comma {
			b.WriteString(",")
		}
		for _, c := range line {
			if c != "" {
				b.WriteString(" " + c)
			}
		}
		b.WriteString(p.eol)
		p.commentLines(&b, foot, pad)
	}
	return b.String()
}

func (p *placer) commentLines(b *strings.Builder, c, pad string) {
	for _, l := range strings.Split(c, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			b.WriteString(pad + l + p.eol)
		}
	}
}

// memberText writes a member (its key, the colon, its value) without the
// comma after it; a collection over lines when multi, its members at
// base plus a step and its closing bracket at base.
func (p *placer) memberText(m member, st flowStyle, base string, multi bool) string {
	if m.k != nil && !st.json && !multi {
		// One line, as YAML: as yaml.v3 writes a one-pair flow mapping.
		return pairText(p.flowText(&yaml.Node{Kind: yaml.MappingNode, Tag: yaml.NodeTagMap, Content: []*yaml.Node{m.k, m.v}}))
	}
	v := p.render(m.v, st, base, multi)
	if m.k == nil {
		return v
	}
	return p.scalarText(m.k, st, true) + st.colon + v
}

// render writes a value (see memberText).
func (p *placer) render(n *yaml.Node, st flowStyle, base string, multi bool) string {
	open, close := "[", "]"
	if n.Kind == yaml.MappingNode {
		open, close = "{", "}"
	}
	switch {
	case n.Kind == yaml.AliasNode && st.json:
		p.fail("an alias (*%s) in a JSON document", n.Value)
		return ""
	case n.Kind == yaml.AliasNode:
		return "*" + n.Value
	case n.Kind == yaml.ScalarNode:
		return p.scalarText(n, st, false)
	case len(n.Content) == 0:
		return open + close
	case !multi && !st.json:
		return p.flowText(n)
	}
	ms := membersOf(n)
	if !multi {
		parts := make([]string, len(ms))
		for i, m := range ms {
			parts[i] = p.memberText(m, st, base, false)
		}
		return open + strings.Join(parts, st.comma) + close
	}
	return open + p.eol + p.members(ms, st, base+st.step, st.trailing) + base + close
}

func membersOf(n *yaml.Node) []member {
	var ms []member
	if n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			ms = append(ms, member{n.Content[i], n.Content[i+1]})
		}
		return ms
	}
	for _, v := range n.Content {
		ms = append(ms, member{v: v})
	}
	return ms
}

// scalarText writes a scalar for a flow collection: as JSON in a JSON
// document; else as yaml.v3 writes it in a flow sequence, so that it is
// quoted where a flow context needs it (a comma, a bracket).
func (p *placer) scalarText(n *yaml.Node, st flowStyle, key bool) string {
	if st.json {
		s, err := scalarJSON(n, key)
		if err != nil {
			p.fail("%v", err)
		}
		return s
	}
	c := *n
	c.HeadComment, c.LineComment, c.FootComment = "", "", ""
	seq := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle, Tag: yaml.NodeTagSeq, Content: []*yaml.Node{&c}}
	return strings.TrimSuffix(strings.TrimPrefix(p.flowText(seq), "["), "]")
}

// flowText renders a node on one line, in flow style.
func (p *placer) flowText(n *yaml.Node) string {
	c := flowCopy(n)
	return strings.ReplaceAll(strings.TrimSuffix(p.encode(c), "\n"), "\n", p.eol)
}

func flowCopy(n *yaml.Node) *yaml.Node {
	c := *n
	if c.Kind == yaml.MappingNode || c.Kind == yaml.SequenceNode {
		c.Style |= yaml.FlowStyle
	}
	c.HeadComment, c.FootComment = "", ""
	if len(n.Content) > 0 {
		c.Content = make([]*yaml.Node, len(n.Content))
		for i, k := range n.Content {
			c.Content[i] = flowCopy(k)
		}
	}
	return &c
}

// pairText drops the braces of a one-pair flow mapping: "k: v".
func pairText(s string) string {
	return strings.TrimSuffix(strings.TrimPrefix(s, "{"), "}")
}

// scanFlow finds, in text, the elements of the flow collection whose
// opening bracket is at open: each element's [start, end) (a pair's, for
// a mapping) at the outer level, the comma after each (or -1), and the
// closing bracket. yaml.v3 gives nodes a start and no end, so this reads
// the brackets, commas and quotes between them; the parser has already
// checked the syntax.
func scanFlow(text string, open int) (elems [][2]int, commas []int, close int, err error) {
	if open >= len(text) || (text[open] != '[' && text[open] != '{') {
		return nil, nil, 0, errors.New("a flow collection not where its node says")
	}
	depth := 0
	start := -1
	end := -1 // the end of the element's text, spaces excluded
	// A quote starts a quoted scalar only where a token starts: after a
	// bracket or a comma, or after a key's colon ("a": "b", "a":"b");
	// elsewhere (0", it's) it is part of a plain scalar.
	last, beforeLast := byte('{'), byte(0) // the last two characters that were not spaces
	quoted := false                        // whether last closed a quoted scalar
	for i := open; i < len(text); i++ {
		ch := text[i]
		quoteStarts := last == '[' || last == '{' || last == ',' ||
			last == ':' && (text[i-1] == ' ' || text[i-1] == '\t' || text[i-1] == '\n' || quoted && beforeLast != 0)
		if ch != ' ' && ch != '\t' && ch != '\n' && ch != '\r' && ch != '#' {
			quoted = last == '"' || last == '\''
			beforeLast, last = last, ch
		}
		switch {
		case (ch == '\'' || ch == '"') && quoteStarts:
			if start < 0 {
				start = i
			}
			q := ch
			j, err := skipQuoted(text, i)
			if err != nil {
				return nil, nil, 0, err
			}
			i = j
			end = i + 1
			beforeLast, last = last, q
		case ch == '#' && (i == 0 || text[i-1] == ' ' || text[i-1] == '\t' || text[i-1] == '\n'):
			for i < len(text) && text[i] != '\n' {
				i++
			}
		case ch == '[' || ch == '{':
			depth++
			if depth > 1 && start < 0 {
				start = i
			}
		case ch == ']' || ch == '}':
			depth--
			if depth == 0 {
				if start >= 0 {
					elems, commas = append(elems, [2]int{start, end}), append(commas, -1)
				}
				return elems, commas, i, nil
			}
			end = i + 1
		case ch == ',' && depth == 1:
			if start >= 0 {
				elems, commas = append(elems, [2]int{start, end}), append(commas, i)
			}
			start, end = -1, -1
		case ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r':
		default:
			if depth == 1 && start < 0 {
				start = i
			}
			end = i + 1
		}
	}
	return nil, nil, 0, errors.New("a flow collection without its closing bracket")
}

// skipQuoted returns the index of the quote that closes the scalar
// opened at i.
func skipQuoted(text string, i int) (int, error) {
	q := text[i]
	for j := i + 1; j < len(text); j++ {
		switch {
		case q == '"' && text[j] == '\\':
			j++
		case text[j] == q && q == '\'' && j+1 < len(text) && text[j+1] == '\'':
			j++
		case text[j] == q:
			return j, nil
		}
	}
	return 0, errors.New("an unterminated quoted scalar")
}
