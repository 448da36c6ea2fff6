// Package yamlnode holds the few read-only helpers on yaml.v3 nodes that
// the config decoder, the injection and the file reader all need, so that
// none of them keeps a copy.
//
// They work on nodes directly rather than through RNode.Pipe: the injector
// reads a handful of fields in every workload and the filter machinery
// allocates on each step, which shows at 10,000 workloads.
package yamlnode

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/inject-sidecars/inject-sidecars/internal/safetext"
)

// Resolve returns the node an alias (*name) stands for, and any other
// node as it is. Whatever is read for identity (a kind, a name, a label)
// is read through it: linkerd's rendered manifests name containers with
// `- name: *containerName`.
func Resolve(n *yaml.Node) *yaml.Node {
	// yaml.v3 points an alias at its anchored node, never at another
	// alias; the bound is for trees built by hand.
	for i := 0; i < 8 && n != nil && n.Kind == yaml.AliasNode && n.Alias != nil; i++ {
		n = n.Alias
	}
	return n
}

// isKey reports whether the mapping key node k reads as key.
func isKey(k *yaml.Node, key string) bool {
	if k.Kind == yaml.AliasNode {
		return Resolve(k).Value == key
	}
	return k.Value == key
}

// Field returns the value of key in mapping m (or in the mapping an alias
// m stands for), or nil. The value is returned as written, alias or not:
// the injection edits what it gets, and must not edit an anchored node
// through one of its aliases.
func Field(m *yaml.Node, key string) *yaml.Node {
	m = Resolve(m)
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if isKey(m.Content[i], key) {
			return m.Content[i+1]
		}
	}
	return nil
}

// FieldIndex returns the index of key's key node in mapping m, or -1.
func FieldIndex(m *yaml.Node, key string) int {
	if m == nil {
		return -1
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if isKey(m.Content[i], key) {
			return i
		}
	}
	return -1
}

// Str returns the scalar value of key in mapping m, through an alias, or
// "" when it is missing, null or not a scalar.
func Str(m *yaml.Node, key string) string {
	v := Resolve(Field(m, key))
	if v == nil || v.Kind != yaml.ScalarNode || IsNull(v) {
		return ""
	}
	return v.Value
}

// Seq returns the elements of the list at key (through an alias), or nil.
func Seq(m *yaml.Node, key string) []*yaml.Node {
	v := Resolve(Field(m, key))
	if v == nil || v.Kind != yaml.SequenceNode {
		return nil
	}
	return v.Content
}

// IsNull reports whether n is missing or an explicit YAML null
// (`key:`, `key: null`, `key: ~`).
func IsNull(n *yaml.Node) bool {
	return n == nil || (n.Kind == yaml.ScalarNode && n.Tag == yaml.NodeTagNull)
}

// StringMap reads a mapping of strings, such as labels or annotations.
// Keys and values are read through aliases.
func StringMap(m *yaml.Node) map[string]string {
	m = Resolve(m)
	if m == nil || m.Kind != yaml.MappingNode || len(m.Content) == 0 {
		return nil
	}
	out := make(map[string]string, len(m.Content)/2)
	for i := 0; i+1 < len(m.Content); i += 2 {
		out[Resolve(m.Content[i]).Value] = Resolve(m.Content[i+1]).Value
	}
	return out
}

// describeMax is how much of a scalar Describe quotes.
const describeMax = 16

// Describe names what n is, for messages: a quoted scalar, "null", "a
// list", "an object".
func Describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.ScalarNode:
		if n.Tag == yaml.NodeTagNull {
			return "null"
		}
		// Clipped: a document that is one long line (a token file given
		// as input, say) is not printed whole.
		return safetext.Quote(n.Value, describeMax)
	case yaml.SequenceNode:
		return "a list"
	case yaml.MappingNode:
		return "an object"
	case yaml.AliasNode:
		return "an alias"
	}
	return "something else"
}

// Equal reports whether a and b hold the same data, ignoring comments,
// styles and positions; an alias holds what its anchor holds. With
// ordered, mapping keys must also come in the same order: that is what
// "the same document" means to a reader of the text; without it, two
// objects are equal as Kubernetes sees them.
//
// Each pair of anchored nodes is compared once, so an alias bomb (an
// anchor of anchors, each used many times) costs its text's size, not
// its expansion's.
func Equal(a, b *yaml.Node, ordered bool) bool {
	return (&equality{ordered: ordered}).equal(a, b)
}

type equality struct {
	ordered bool
	// anchors holds the outcome for each pair of anchored nodes compared.
	anchors map[[2]*yaml.Node]bool
}

func (e *equality) equal(a, b *yaml.Node) bool {
	if a == nil || b == nil {
		return a == b
	}
	if a.Kind == yaml.AliasNode || b.Kind == yaml.AliasNode {
		return e.aliased(Resolve(a), Resolve(b))
	}
	if a.Kind != b.Kind || len(a.Content) != len(b.Content) {
		return false
	}
	switch a.Kind {
	case yaml.ScalarNode:
		// ShortTag reads a quoted scalar as a string, whatever it holds.
		return a.Value == b.Value && a.ShortTag() == b.ShortTag()
	case yaml.MappingNode:
		if e.ordered {
			break
		}
		for i := 0; i+1 < len(a.Content); i += 2 {
			if !e.equal(a.Content[i+1], Field(b, a.Content[i].Value)) {
				return false
			}
		}
		return true
	}
	for i := range a.Content {
		if !e.equal(a.Content[i], b.Content[i]) {
			return false
		}
	}
	return true
}

// aliased compares what aliases stand for, each pair once.
func (e *equality) aliased(a, b *yaml.Node) bool {
	if a == nil || b == nil || a.Kind == yaml.AliasNode || b.Kind == yaml.AliasNode {
		return a == b // a dangling alias, or one that stands for an alias
	}
	k := [2]*yaml.Node{a, b}
	if r, ok := e.anchors[k]; ok {
		return r
	}
	if e.anchors == nil {
		e.anchors = map[[2]*yaml.Node]bool{}
	}
	e.anchors[k] = false // a node that held itself would not be equal
	r := e.equal(a, b)
	e.anchors[k] = r
	return r
}

// MaxAliasNodes is how many nodes a document's aliases may add to it,
// once expanded. Real manifests alias a name or a small block; an alias
// bomb (an anchor of anchors, each used many times) adds billions.
const MaxAliasNodes = 100_000

// MaxAliasBytes is how many bytes of scalar text a document's aliases
// may add to it, once expanded: a few aliases of a long string are few
// nodes but many bytes. The API server refuses objects over about
// 1.5 MiB, so a real manifest never needs more.
const MaxAliasBytes = 1 << 20

// AliasNodes counts the nodes n's aliases stand for, each alias counting
// everything its anchor holds once expanded (aliases inside included),
// up to limit: it returns a number above limit as soon as the count
// passes it. A tree without aliases costs one walk, and no allocation.
func AliasNodes(n *yaml.Node, limit int) int {
	c := aliasCounter{limit: limit, weight: func(*yaml.Node) int { return 1 }}
	c.walk(n)
	return c.total
}

// AliasBytes counts the bytes of scalar text (keys and values) n's
// aliases stand for, as AliasNodes counts nodes, up to limit.
func AliasBytes(n *yaml.Node, limit int) int {
	c := aliasCounter{limit: limit, weight: func(n *yaml.Node) int { return len(n.Value) }}
	c.walk(n)
	return c.total
}

type aliasCounter struct {
	limit, total int
	// weight is what one node counts, its children aside.
	weight func(*yaml.Node) int
	// size is the expanded size of each anchored node met, capped at
	// limit+1.
	size map[*yaml.Node]int
}

func (c *aliasCounter) walk(n *yaml.Node) {
	if n == nil || c.total > c.limit {
		return
	}
	if n.Kind == yaml.AliasNode {
		c.total += c.expanded(n.Alias)
		return
	}
	for _, ch := range n.Content {
		c.walk(ch)
	}
}

// expanded is the size of n with its aliases expanded, capped at
// limit+1.
func (c *aliasCounter) expanded(n *yaml.Node) int {
	if n == nil {
		return 0
	}
	if n.Kind == yaml.AliasNode {
		return c.expanded(n.Alias)
	}
	if s, ok := c.size[n]; ok {
		return s
	}
	if c.size == nil {
		c.size = map[*yaml.Node]int{}
	}
	c.size[n] = c.limit + 1 // a node that held itself would be endless
	s := min(c.weight(n), c.limit+1)
	for _, ch := range n.Content {
		if s += c.expanded(ch); s > c.limit {
			s = c.limit + 1
			break
		}
	}
	c.size[n] = s
	return s
}

// IsText rejects NUL bytes and invalid UTF-8 early: the YAML parser would
// reject them too, with a less helpful message.
func IsText(b []byte) bool {
	return bytes.IndexByte(b, 0) < 0 && utf8.Valid(b)
}

// FirstLine says a YAML error in one line. A *yaml.TypeError lists its
// problems one a line under a heading ("yaml: unmarshal errors:"): the
// first problem is said, not the heading.
func FirstLine(err error) string {
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		return "yaml: " + te.Errors[0]
	}
	// yaml.v3's parser and scanner errors are plain strings
	// (fmt.Errorf), already one line, with no typed form to read; the
	// cut only keeps any other error we have not seen to one line.
	msg := strings.TrimSpace(err.Error())
	line, _, _ := strings.Cut(msg, "\n")
	return line
}

// Key appends a mapping key to a field path. A key that is not a plain
// identifier (prometheus.io/port, app.kubernetes.io/name) is quoted in
// brackets, so it does not read as nested keys:
// metadata.annotations["prometheus.io/port"].
func Key(path, key string) string {
	if PlainKey(key) {
		if path == "" {
			return key
		}
		return path + "." + key
	}
	return path + "[" + strconv.Quote(key) + "]"
}

// PlainKey reports whether key can stand in a dotted field path as it is.
func PlainKey(key string) bool {
	if key == "" {
		return false
	}
	for _, r := range key {
		if !(r == '_' || r == '-' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// Duplicate is a mapping key that appears twice in one mapping.
type Duplicate struct {
	// Path is the field path of the second occurrence.
	Path string
	Key  string
	// Line and First are the lines of the second and the first
	// occurrence (1-based, 0 when unknown).
	Line, First int
}

func (d Duplicate) String() string {
	if d.First > 0 {
		return fmt.Sprintf("duplicate key %q (line %d; first at line %d): a YAML mapping holds each key once", d.Key, d.Line, d.First)
	}
	return fmt.Sprintf("duplicate key %q: a YAML mapping holds each key once", d.Key)
}

// DuplicateKeys finds the keys that appear twice in one mapping, not
// below it; each Duplicate's Path is its key.
func DuplicateKeys(n *yaml.Node) []Duplicate {
	var out []Duplicate
	var seen map[string]int
	if len(n.Content) > 16 {
		seen = make(map[string]int, len(n.Content)/2)
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		first := -1
		if seen != nil {
			if j, ok := seen[k.Value]; ok {
				first = j
			} else {
				seen[k.Value] = i
			}
		} else {
			for j := 0; j < i; j += 2 {
				if n.Content[j].Value == k.Value && n.Content[j].Kind == yaml.ScalarNode {
					first = j
					break
				}
			}
		}
		if first >= 0 && k.Kind == yaml.ScalarNode {
			out = append(out, Duplicate{Path: k.Value, Key: k.Value, Line: k.Line, First: n.Content[first].Line})
		}
	}
	return out
}

// Duplicates finds every mapping key that appears twice in its mapping,
// anywhere under n. yaml.v3 keeps both in the node tree, where the first
// would be read and the second validated: kubectl refuses such input, and
// so do we. The path of each is relative to n, under prefix.
func Duplicates(n *yaml.Node, prefix string) []Duplicate {
	var out []Duplicate
	// The way down, as keys and indexes: a path string is built only for
	// a duplicate, not for every node of every document.
	type step struct {
		key   string
		index int // -1 for a key
	}
	var way []step
	path := func(last string) string {
		p := prefix
		for _, s := range way {
			if s.index >= 0 {
				p = fmt.Sprintf("%s[%d]", p, s.index)
			} else {
				p = Key(p, s.key)
			}
		}
		return Key(p, last)
	}
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		switch n.Kind {
		case yaml.MappingNode:
			for _, d := range DuplicateKeys(n) {
				d.Path = path(d.Key)
				out = append(out, d)
			}
			for i := 0; i+1 < len(n.Content); i += 2 {
				k := n.Content[i]
				way = append(way, step{k.Value, -1})
				walk(n.Content[i+1])
				way = way[:len(way)-1]
			}
		case yaml.SequenceNode:
			for i, c := range n.Content {
				way = append(way, step{"", i})
				walk(c)
				way = way[:len(way)-1]
			}
		case yaml.DocumentNode:
			for _, c := range n.Content {
				walk(c)
			}
		}
	}
	if n != nil {
		walk(n)
	}
	return out
}

// BlockStyle turns flow (JSON) style into block style, for YAML output,
// and drops JSON's quotes where YAML readers do not need them.
func BlockStyle(n *yaml.Node) {
	n.Style &^= yaml.FlowStyle
	if n.Kind == yaml.ScalarNode && n.Style == yaml.DoubleQuotedStyle && n.Tag == yaml.NodeTagString &&
		!strings.ContainsAny(n.Value, "\n\t") && !yaml.IsValueNonString(n.Value) {
		n.Style = 0 // the encoder quotes again whatever YAML 1.2 needs
	}
	for _, c := range n.Content {
		BlockStyle(c)
	}
}

// MergeKey returns the field path of the first YAML merge key (`<<`) in
// n, prefixed with prefix, and whether there is one. A quoted "<<" is a
// plain key, not a merge. Aliases are not followed: their anchors are
// walked where they are written.
func MergeKey(n *yaml.Node, prefix string) (string, bool) {
	if n == nil {
		return "", false
	}
	switch n.Kind {
	case yaml.DocumentNode:
		for _, ch := range n.Content {
			if p, ok := MergeKey(ch, prefix); ok {
				return p, true
			}
		}
	case yaml.SequenceNode:
		for i, ch := range n.Content {
			if p, ok := MergeKey(ch, fmt.Sprintf("%s[%d]", prefix, i)); ok {
				return p, true
			}
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge" {
				return Key(prefix, k.Value), true
			}
			if p, ok := MergeKey(n.Content[i+1], Key(prefix, Resolve(k).Value)); ok {
				return p, true
			}
		}
	}
	return "", false
}

// MayHoldNamespace reports, cheaply and before parsing, whether a
// document's text may hold a Namespace object (itself, or in a List). A
// kind can be spelt without its letters only through an escape in a
// quoted scalar (`"kind": "\u004eamespace"`), so a backslash counts too:
// what decides is the decoded kind, never the raw text.
func MayHoldNamespace(text string) bool {
	return strings.Contains(text, "Namespace") || strings.Contains(text, `\`)
}
