package yamlfile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/inject-sidecars/inject-sidecars/internal/yamlnode"
)

// placeEdits writes a changed document back into the user's own text by
// editing only where the tree changed, at the places the nodes' positions
// give. Untouched lines are never rewritten: a new list item or field is
// inserted as lines of its own, in the indentation and list style of its
// surroundings; a removed one takes its lines with it; a changed null or
// empty collection rewrites its own line only; an edit inside a flow
// collection ({...} or [...]) stays inside its brackets. So injecting only
// adds lines, and uninject removes exactly those lines again.
//
// raw is the document's text; orig is its tree as parsed (nil: parse
// raw again), cur the changed tree. Nodes
// that were parsed from raw keep their line and column; a node with none
// (Line 0) is new. The result is checked by reading it back: it must hold
// exactly cur's data, in cur's order, with cur's comments. Any error means
// the caller re-encodes the document instead, and says so.
func placeEdits(raw string, orig, cur *yaml.Node) (string, error) {
	if strings.Count(raw, "\r") != strings.Count(raw, "\r\n") {
		// A lone CR ends a line for YAML, not for the lines here.
		return "", errors.New("a line ends with a lone carriage return")
	}
	if orig == nil {
		orig = &yaml.Node{}
		if err := yaml.NewDecoder(strings.NewReader(raw)).Decode(orig); err != nil {
			return "", err
		}
	}
	if len(orig.Content) == 0 || len(cur.Content) == 0 {
		return "", errors.New("an empty document")
	}
	p := newPlacer(raw, orig)
	o, c := orig.Content[0], cur.Content[0]
	if !p.same(o, c) || o.Kind != yaml.MappingNode {
		return "", errors.New("the document's root changed")
	}
	if o.Style&yaml.FlowStyle != 0 {
		p.flow(o, c, p.rootStyle(o))
	} else {
		p.mapping(o, c, p.bodyEnd())
	}
	if p.err != nil {
		return "", p.err
	}
	out := p.apply()
	if p.err != nil {
		return "", p.err
	}
	if err := check(out, cur, !p.json); err != nil {
		return "", err
	}
	return out, nil
}

// bodyEnd is where the root mapping's text ends: before the blank lines,
// comments and document end marker ("...") that close the document.
func (p *placer) bodyEnd() int {
	end := p.trimBack(len(p.lines), 0, 0)
	for end > 0 && docEnd(p.lines[end-1]) {
		end = p.trimBack(end-1, 0, 0)
	}
	return end
}

// docEnd reports whether a line is the document end marker "...".
func docEnd(l string) bool {
	l = strings.TrimRight(l, "\r\n")
	return l == "..." || strings.HasPrefix(l, "... ") || strings.HasPrefix(l, "...\t")
}

// check reads text back: it must be one document holding want's data in
// want's order (aliases compared by name, never expanded) and, with
// comments, want's comments.
func check(text string, want *yaml.Node, comments bool) error {
	var got yaml.Node
	dec := yaml.NewDecoder(strings.NewReader(text))
	if err := dec.Decode(&got); err != nil {
		return fmt.Errorf("the edited text does not parse: %s", yamlnode.FirstLine(err))
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err != io.EOF {
		return errors.New("the edited text holds more than one document")
	}
	if len(got.Content) == 0 || !sameData(got.Content[0], want.Content[0]) {
		return errors.New("the edited text does not read back as the changed document")
	}
	if !comments {
		return nil
	}
	// Every comment the changed document holds is in the text. (The text
	// may hold more: a comment of the user's that the parser had attached
	// to a node the injection took away stays where it was.)
	have := map[string]int{}
	eachComment(&got, func(c string) { have[c]++ })
	var lost string
	eachComment(want, func(c string) {
		if have[c] == 0 && lost == "" {
			lost = c
		}
		have[c]--
	})
	if lost != "" {
		return fmt.Errorf("the edited text lost the comment %q", lost)
	}
	return nil
}

// sameData reports whether two trees hold the same data in the same
// order, as yamlnode.Equal does, but compares an alias by the anchor it
// names instead of following it: a document of aliases of aliases is
// compared in time linear in its text, not in its expansion.
func sameData(a, b *yaml.Node) bool {
	if a.Kind != b.Kind || len(a.Content) != len(b.Content) || a.Anchor != b.Anchor {
		return false
	}
	switch a.Kind {
	case yaml.ScalarNode:
		return a.Value == b.Value && a.ShortTag() == b.ShortTag()
	case yaml.AliasNode:
		return a.Value == b.Value
	}
	for i := range a.Content {
		if !sameData(a.Content[i], b.Content[i]) {
			return false
		}
	}
	return true
}

// eachComment calls yield with every comment line in a tree, trimmed,
// empty lines left out. Most nodes have no comment: they cost a check of
// three strings, nothing allocated.
func eachComment(n *yaml.Node, yield func(string)) {
	for _, c := range [3]string{n.HeadComment, n.LineComment, n.FootComment} {
		if c == "" {
			continue
		}
		for l := range strings.SplitSeq(c, "\n") {
			if l = strings.TrimSpace(l); l != "" {
				yield(l)
			}
		}
	}
	for _, k := range n.Content {
		eachComment(k, yield)
	}
}

// commentsOf lists every comment in a tree, in tree order.
func commentsOf(n *yaml.Node) []string {
	var out []string
	eachComment(n, func(c string) { out = append(out, c) })
	return out
}

// edit replaces raw[from:to] with text; from == to inserts. seq keeps
// insertions at one place in the order they were made.
type edit struct {
	from, to int
	text     string
	seq      int
}

type placer struct {
	raw   string
	lines []string // raw split after each newline
	start []int    // byte offset of each line
	eol   string
	// noEOL: the document's last line had no line end. raw is given one
	// while the edits are placed, and the result loses it again, so an
	// edit at the end is placed as anywhere else.
	noEOL bool
	// json: the document is written as JSON, and what is added is
	// written as JSON.
	json bool
	// indent and seqIndent are the document's own: the step between a
	// key and its nested mapping's keys, and whether a key's list has its
	// dashes indented (wide) or at the key's column (compact).
	indent int
	wide   bool
	edits  []edit
	err    error
}

func newPlacer(raw string, orig *yaml.Node) *placer {
	p := &placer{raw: raw, eol: "\n", indent: 2, json: jsonLooking(orig.Content[0])}
	if strings.Contains(raw, "\r\n") {
		p.eol = "\r\n"
	}
	if raw != "" && !strings.HasSuffix(raw, "\n") {
		p.raw, p.noEOL = raw+p.eol, true
	}
	off := 0
	for _, l := range strings.SplitAfter(p.raw, "\n") {
		if l == "" {
			continue
		}
		p.lines = append(p.lines, l)
		p.start = append(p.start, off)
		off += len(l)
	}
	p.start = append(p.start, off)
	p.indent, p.wide = docStyle(orig)
	return p
}

// docStyle reads the document's indentation: the most common step from a
// key to its nested mapping's keys, and whether most lists under keys are
// indented.
func docStyle(doc *yaml.Node) (indent int, wide bool) {
	steps := map[int]int{}
	seqs := map[int]int{} // dash column minus key column
	// Steps are counted outside lists only: in a list item, yaml.v3
	// writes nested mappings two spaces in whatever the indentation, so
	// counting what an injection added there would change the style the
	// next run reads, and an upgrade would differ from a fresh injection.
	var walk func(n *yaml.Node, inList bool)
	walk = func(n *yaml.Node, inList bool) {
		if n.Kind == yaml.MappingNode && n.Style&yaml.FlowStyle == 0 {
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				switch {
				case v.Style&yaml.FlowStyle != 0 || len(v.Content) == 0 || v.Line == k.Line:
				case v.Kind == yaml.MappingNode && !inList:
					steps[v.Column-k.Column]++
				case v.Kind == yaml.SequenceNode:
					seqs[v.Column-k.Column]++
				}
			}
		}
		for _, c := range n.Content {
			walk(c, inList || n.Kind == yaml.SequenceNode)
		}
	}
	walk(doc, false)
	indent = 2
	for step, n := range steps {
		if step > 0 && (n > steps[indent] || n == steps[indent] && step < indent) {
			indent = step
		}
	}
	offset := 0
	for off, n := range seqs {
		if n > seqs[offset] || n == seqs[offset] && off < offset {
			offset = off
		}
	}
	// yaml.v3's encoder puts dashes at the key's column plus the indent
	// (wide), or, compact, at the key's column with indent 2 and two
	// spaces in with more.
	return indent, offset >= indent
}

// same reports whether c is the node o parsed from the text, still
// there: new nodes have no position.
func (p *placer) same(o, c *yaml.Node) bool {
	return c.Line > 0 && c.Line == o.Line && c.Column == o.Column && c.Kind == o.Kind
}

func (p *placer) fail(format string, args ...any) {
	if p.err == nil {
		p.err = fmt.Errorf(format, args...)
	}
}

func (p *placer) add(from, to int, text string) {
	p.edits = append(p.edits, edit{from, to, text, len(p.edits)})
}

// apply makes the edits, which never overlap. An insertion and a removal
// that start at one place are both made, the insertion first.
func (p *placer) apply() string {
	sort.SliceStable(p.edits, func(i, j int) bool {
		a, b := p.edits[i], p.edits[j]
		if a.from != b.from {
			return a.from < b.from
		}
		if (a.from == a.to) != (b.from == b.to) {
			return a.from == a.to // an insertion goes before a deletion there
		}
		return a.seq < b.seq
	})
	var b strings.Builder
	at := 0
	for _, e := range p.edits {
		if e.from < at {
			p.fail("two edits overlap")
			return p.raw
		}
		b.WriteString(p.raw[at:e.from])
		b.WriteString(e.text)
		at = e.to
	}
	b.WriteString(p.raw[at:])
	out := b.String()
	if p.noEOL {
		out = strings.TrimSuffix(out, p.eol)
	}
	return out
}

func indentOf(l string) int { return len(l) - len(strings.TrimLeft(l, " ")) }

func blank(l string) bool { return strings.TrimSpace(l) == "" }

func comment(l string) bool { return strings.HasPrefix(strings.TrimSpace(l), "#") }

// trimBack walks back from line end (exclusive) over blank lines and
// comment lines: an entry's text ends with its last line of content, and
// what follows it (blank lines, comments at any indentation) is left
// where it is, by insertions after the entry and by its removal alike.
// It stops at line lo.
func (p *placer) trimBack(end, col, lo int) int {
	for end > lo && (blank(p.lines[end-1]) || comment(p.lines[end-1])) {
		end--
	}
	return end
}

// headLines is how many comment lines right above line l, at column col,
// belong to the node starting there (its head comment).
func (p *placer) headLines(l, col int, head string) int {
	if head == "" {
		return 0
	}
	n := 0
	for l-n-1 >= 0 && comment(p.lines[l-n-1]) && indentOf(p.lines[l-n-1]) == col {
		n++
	}
	return n
}

// entry is where a mapping entry's text lies: its first line (its head
// comment's), its key's line and column, and the line after its last line
// of content.
type entry struct {
	start, key, end, col int
}

// entries finds the text of each entry of a block mapping ending before
// line end.
func (p *placer) entries(o *yaml.Node, end int) []entry {
	n := len(o.Content) / 2
	es := make([]entry, n)
	for i := 0; i < n; i++ {
		k := o.Content[2*i]
		es[i].key, es[i].col = k.Line-1, k.Column-1
		es[i].start = es[i].key - p.headLines(es[i].key, es[i].col, k.HeadComment)
	}
	for i := 0; i < n; i++ {
		next := end
		if i+1 < n {
			next = es[i+1].start
		}
		es[i].end = p.trimBack(next, es[i].col, es[i].key+1)
	}
	return es
}

// mapping edits a block mapping whose text ends before line end.
func (p *placer) mapping(o, c *yaml.Node, end int) {
	es := p.entries(o, end)
	n := len(es)
	byPos := map[[2]int]int{}
	for i := 0; i < n; i++ {
		k := o.Content[2*i]
		byPos[[2]int{k.Line, k.Column}] = i
	}
	// The first entry of a list item's mapping shares the dash's line:
	// nothing can be inserted before it.
	ip := -1
	if n > 0 && strings.TrimSpace(p.lines[es[0].key][:es[0].col]) == "" {
		ip = p.start[es[0].start]
	}
	col := 0
	if n > 0 {
		col = es[0].col
	}
	kept := make([]bool, n)
	last := -1
	for j := 0; j+1 < len(c.Content); j += 2 {
		ck, cv := c.Content[j], c.Content[j+1]
		i, ok := byPos[[2]int{ck.Line, ck.Column}]
		if ok && ck.Line > 0 && ck.Value == o.Content[2*i].Value {
			if i < last {
				p.fail("fields were reordered")
				return
			}
			kept[i], last = true, i
			p.keptEntry(ck, o.Content[2*i+1], cv, es[i])
			ip = p.start[es[i].end]
			continue
		}
		if ip < 0 {
			p.fail("a field before the first field of a list item")
			return
		}
		if n == 0 {
			p.fail("a field in a mapping with none")
			return
		}
		p.add(ip, ip, p.entry(ck, cv, col))
	}
	for i := 0; i < n; i++ {
		if kept[i] {
			continue
		}
		if i == 0 && strings.TrimSpace(p.lines[es[0].key][:es[0].col]) != "" {
			p.fail("the first field of a list item was removed")
			return
		}
		p.add(p.start[es[i].start], p.start[es[i].end], "")
	}
}

// keptEntry edits an entry that is still there: key ck, its value ov as
// it was and cv as it is, its text at e.
func (p *placer) keptEntry(ck, ov, cv *yaml.Node, e entry) {
	block := ov.Style&yaml.FlowStyle == 0 && cv.Style&yaml.FlowStyle == 0 && len(ov.Content) > 0 && len(cv.Content) > 0
	// below writes cv on the lines below the key's line.
	below := func() {
		text := p.entry(withoutHead(withoutFoot(ck)), withoutFoot(cv), e.col)
		if i := strings.Index(text, "\n"); i >= 0 {
			p.add(p.start[e.key+1], p.start[e.key+1], text[i+1:])
		}
	}
	switch {
	case p.same(ov, cv) && block && ov.Kind == yaml.MappingNode:
		p.mapping(ov, cv, e.end)
	case p.same(ov, cv) && block && ov.Kind == yaml.SequenceNode:
		p.sequence(ov, cv, e.end)
	case p.same(ov, cv) && ov.Style&yaml.FlowStyle != 0 && cv.Style&yaml.FlowStyle != 0:
		p.flow(ov, cv, p.blockFlow())
	case p.same(ov, cv) && unchanged(ov, cv):
	case nullToken(ov) && blockWithContent(cv) && p.nullOnLine(ov, e.key):
		// "key: ~ # note" gets its value on the lines below; the null's
		// token leaves its line (spaces keep the comment in its column),
		// and nothing else there changes.
		p.cutNull(ov, e.key)
		below()
	case nullToken(cv) && blockWithContent(ov) && !p.same(ov, cv) && p.bareKey(e.key, e.col):
		// And back: the token returns, the value's lines go.
		p.putNull(cv.Value, e.key, e.col)
		p.add(p.start[e.key+1], p.start[e.end], "")
	case emptyNull(ov) && blockWithContent(cv) && p.bareKey(e.key, e.col):
		// "key:" with nothing after it gets its value on the lines below:
		// the key's own line stays as it is.
		below()
	case emptyNull(cv) && blockWithContent(ov) && !p.same(ov, cv) && p.bareKey(e.key, e.col):
		// And back: the value's lines go, the key's line stays.
		p.add(p.start[e.key+1], p.start[e.end], "")
	case blockWithContent(ov) && blockWithContent(cv) && !p.same(ov, cv) && p.bareKey(e.key, e.col):
		// A collection made anew (taken away and added again, as an
		// upgrade does): its lines are written again, the key's line
		// stays.
		below()
		p.add(p.start[e.key+1], p.start[e.end], "")
	default:
		// A changed scalar, or a null or empty collection that now holds
		// something: the entry is written again, from its key (a list
		// item's dash stays) to its end, its own lines only.
		text := strings.TrimPrefix(p.entry(withoutHead(withoutFoot(ck)), withoutFoot(cv), e.col), strings.Repeat(" ", e.col))
		p.add(p.start[e.key]+e.col, p.start[e.end], text)
	}
}

// sequence edits a block sequence whose text ends before line end.
func (p *placer) sequence(o, c *yaml.Node, end int) {
	its, ok := p.itemSpans(o, end)
	if !ok {
		return
	}
	n := len(o.Content)
	byPos := map[[2]int]int{}
	for i, it := range o.Content {
		byPos[[2]int{it.Line, it.Column}] = i
	}
	ip := p.start[its[0].start]
	kept := make([]bool, n)
	last := -1
	for _, cv := range c.Content {
		i, ok := byPos[[2]int{cv.Line, cv.Column}]
		if ok && p.same(o.Content[i], cv) {
			if i < last {
				p.fail("list items were reordered")
				return
			}
			kept[i], last = true, i
			p.editItem(o.Content[i], cv, its[i])
			ip = p.start[its[i].end]
			continue
		}
		p.add(ip, ip, p.item(cv, its[0].col))
	}
	for i := range its {
		if !kept[i] {
			p.add(p.start[its[i].start], p.start[its[i].end], "")
		}
	}
}

// itemSpan is where a block sequence's item is in the text, in lines:
// from its head comment (start) and its dash's line to its end; col is
// the dash's column, content the item's.
type itemSpan struct {
	start, dash, end, col, content int
}

// itemSpans finds the lines of each item of block sequence o, whose text
// ends before line end. ok is false (and the edit failed) for an item
// whose dash is not where this placer can edit it.
func (p *placer) itemSpans(o *yaml.Node, end int) (its []itemSpan, ok bool) {
	n := len(o.Content)
	its = make([]itemSpan, n)
	for i, it := range o.Content {
		l := it.Line - 1
		if it.Column-1 <= len(p.lines[l]) && strings.TrimSpace(p.lines[l][:it.Column-1]) == "" {
			// "-" alone on its line, the item below it.
			for l > 0 && (blank(p.lines[l-1]) || comment(p.lines[l-1])) {
				l--
			}
			l--
			if l < 0 || strings.TrimSpace(strings.SplitN(p.lines[l], "#", 2)[0]) != "-" {
				p.fail("a list item without its dash")
				return nil, false
			}
		} else if it.Column-1 > len(p.lines[l]) || strings.TrimSpace(p.lines[l][:it.Column-1]) != "-" {
			p.fail("a list item whose dash is not alone before it on its line")
			return nil, false
		}
		dash := indentOf(p.lines[l])
		its[i] = itemSpan{dash: l, col: dash, content: it.Column - 1}
		its[i].start = l - p.headLines(l, dash, it.HeadComment)
	}
	for i := range its {
		next := end
		if i+1 < n {
			next = its[i+1].start
		}
		its[i].end = p.trimBack(next, its[i].col, its[i].dash+1)
	}
	return its, true
}

// editItem edits a list item that is still there (ov became cv): block
// collections are edited inside, flow ones as flow, anything else
// changed is written again from its dash.
func (p *placer) editItem(ov, cv *yaml.Node, it itemSpan) {
	switch {
	case ov.Kind == yaml.MappingNode && ov.Style&yaml.FlowStyle == 0 && cv.Style&yaml.FlowStyle == 0 && len(ov.Content) > 0 && len(cv.Content) > 0:
		p.mapping(ov, cv, it.end)
	case ov.Kind == yaml.SequenceNode && ov.Style&yaml.FlowStyle == 0 && cv.Style&yaml.FlowStyle == 0 && len(ov.Content) > 0 && len(cv.Content) > 0:
		p.sequence(ov, cv, it.end)
	case ov.Style&yaml.FlowStyle != 0 && cv.Style&yaml.FlowStyle != 0:
		p.flow(ov, cv, p.blockFlow())
	case unchanged(ov, cv):
	default:
		text := strings.TrimPrefix(p.item(withoutHead(withoutFoot(cv)), it.col), strings.Repeat(" ", it.col))
		p.add(p.start[it.dash]+it.col, p.start[it.end], text)
	}
}

// nullToken is a null written as a word: ~, null, Null or NULL.
func nullToken(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == yaml.NodeTagNull && n.Value != "" && n.Style == 0
}

// nullOnLine reports whether null n stands on line l as its text.
func (p *placer) nullOnLine(n *yaml.Node, l int) bool {
	return n.Line-1 == l && strings.HasPrefix(p.lines[l][n.Column-1:], n.Value)
}

// cutNull takes a null's token off its line: with a comment after it,
// spaces stand in for it; else it goes with the spaces before it.
func (p *placer) cutNull(n *yaml.Node, l int) {
	line := p.lines[l]
	at, end := n.Column-1, n.Column-1+len(n.Value)
	if rest := strings.TrimSpace(line[end:]); strings.HasPrefix(rest, "#") {
		p.add(p.start[l]+at, p.start[l]+end, strings.Repeat(" ", len(n.Value)))
		return
	}
	from := at
	for from > 0 && line[from-1] == ' ' {
		from--
	}
	p.add(p.start[l]+from, p.start[l]+len(strings.TrimRight(line, "\r\n")), "")
}

// putNull writes a null's token back after the colon of the key at line
// l, column col: into the spaces before a comment (as cutNull left them),
// or at the end of the line.
func (p *placer) putNull(token string, l, col int) {
	line := strings.TrimRight(p.lines[l], "\r\n")
	colon := col + strings.Index(line[col:], ":")
	rest := line[colon+1:]
	if strings.HasPrefix(strings.TrimSpace(rest), "#") && strings.HasPrefix(rest, " "+strings.Repeat(" ", len(token))) {
		p.add(p.start[l]+colon+2, p.start[l]+colon+2+len(token), token)
		return
	}
	if strings.TrimSpace(rest) == "" {
		p.add(p.start[l]+colon+1, p.start[l]+len(line), " "+token)
		return
	}
	p.fail("a null to put back on a line with more on it")
}

// emptyNull is a null written as nothing at all ("key:").
func emptyNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == yaml.NodeTagNull && n.Value == ""
}

func blockWithContent(n *yaml.Node) bool {
	return (n.Kind == yaml.MappingNode || n.Kind == yaml.SequenceNode) && n.Style&yaml.FlowStyle == 0 && len(n.Content) > 0
}

// bareKey reports whether the entry at line l, column col, has nothing
// after its colon but spaces or a comment.
func (p *placer) bareKey(l, col int) bool {
	line := strings.TrimRight(p.lines[l], "\r\n")
	i := strings.Index(line[col:], ":")
	if i < 0 {
		return false
	}
	rest := strings.TrimSpace(line[col+i+1:])
	return rest == "" || strings.HasPrefix(rest, "#")
}

// unchanged reports whether a node that is still there holds what it
// held, written the same way.
func unchanged(o, c *yaml.Node) bool {
	return o.Kind == c.Kind && o.Style == c.Style && sameData(o, c) &&
		slices.Equal(commentsOf(o), commentsOf(c)) && (o.Kind != yaml.ScalarNode || o.Tag == c.Tag)
}

func withoutHead(n *yaml.Node) *yaml.Node {
	if n.HeadComment == "" {
		return n
	}
	c := *n
	c.HeadComment = ""
	return &c
}

// withoutFoot copies n without the foot comments at its end: the lines
// they stand on lie after the entry's text (see trimBack), where they
// stay; written again with the entry, they would be there twice.
func withoutFoot(n *yaml.Node) *yaml.Node {
	c := *n
	c.FootComment = ""
	if len(n.Content) > 0 {
		c.Content = append([]*yaml.Node(nil), n.Content...)
		c.Content[len(c.Content)-1] = withoutFoot(n.Content[len(n.Content)-1])
		if n.Kind == yaml.MappingNode && len(n.Content) >= 2 {
			c.Content[len(c.Content)-2] = withoutFoot(n.Content[len(n.Content)-2])
		}
	}
	return &c
}

// encoder renders new nodes in the document's style.
func (p *placer) encode(n *yaml.Node) string {
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(p.indent)
	if p.wide {
		enc.DefaultSeqIndent()
	} else {
		enc.CompactSeqIndent()
	}
	if err := enc.Encode(n); err != nil {
		p.fail("%v", err)
		return ""
	}
	if err := enc.Close(); err != nil {
		p.fail("%v", err)
	}
	return b.String()
}

// shift indents every non-empty line of text by col and gives it the
// document's line end.
func (p *placer) shift(text string, col int) string {
	pad := strings.Repeat(" ", col)
	var b strings.Builder
	for _, l := range strings.SplitAfter(text, "\n") {
		if l == "" {
			continue
		}
		if l != "\n" {
			b.WriteString(pad)
		}
		b.WriteString(strings.TrimSuffix(l, "\n"))
		b.WriteString(p.eol)
	}
	return b.String()
}

// entry renders "key: value" at column col.
func (p *placer) entry(k, v *yaml.Node, col int) string {
	return p.shift(p.encode(&yaml.Node{Kind: yaml.MappingNode, Tag: yaml.NodeTagMap, Content: []*yaml.Node{k, v}}), col)
}

// item renders "- value" with its dash at column col.
func (p *placer) item(v *yaml.Node, col int) string {
	return p.shift(p.encode(&yaml.Node{Kind: yaml.SequenceNode, Tag: yaml.NodeTagSeq, Content: []*yaml.Node{v}}), col)
}
