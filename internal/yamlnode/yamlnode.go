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
	"fmt"
	"strings"
	"unicode/utf8"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Field returns the value of key in mapping m, or nil.
func Field(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
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
		if m.Content[i].Value == key {
			return i
		}
	}
	return -1
}

// Str returns the scalar value of key in mapping m, or "" when it is
// missing, null or not a scalar.
func Str(m *yaml.Node, key string) string {
	v := Field(m, key)
	if v == nil || v.Kind != yaml.ScalarNode || IsNull(v) {
		return ""
	}
	return v.Value
}

// Seq returns the elements of the list at key, or nil.
func Seq(m *yaml.Node, key string) []*yaml.Node {
	v := Field(m, key)
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
func StringMap(m *yaml.Node) map[string]string {
	if m == nil || m.Kind != yaml.MappingNode || len(m.Content) == 0 {
		return nil
	}
	out := make(map[string]string, len(m.Content)/2)
	for i := 0; i+1 < len(m.Content); i += 2 {
		out[m.Content[i].Value] = m.Content[i+1].Value
	}
	return out
}

// Describe names what n is, for messages: a quoted scalar, "null", "a
// list", "an object".
func Describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.ScalarNode:
		if n.Tag == yaml.NodeTagNull {
			return "null"
		}
		return fmt.Sprintf("%q", n.Value)
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
// styles and positions. With ordered, mapping keys must also come in the
// same order: that is what "the same document" means to a reader of the
// text; without it, two objects are equal as Kubernetes sees them.
func Equal(a, b *yaml.Node, ordered bool) bool {
	if a == nil || b == nil {
		return a == b
	}
	if a.Kind != b.Kind || len(a.Content) != len(b.Content) {
		return false
	}
	switch a.Kind {
	case yaml.ScalarNode:
		// ShortTag reads a quoted scalar as a string, whatever it holds.
		return a.Value == b.Value && a.ShortTag() == b.ShortTag()
	case yaml.AliasNode:
		return Equal(a.Alias, b.Alias, ordered)
	case yaml.MappingNode:
		if ordered {
			break
		}
		for i := 0; i+1 < len(a.Content); i += 2 {
			if !Equal(a.Content[i+1], Field(b, a.Content[i].Value), ordered) {
				return false
			}
		}
		return true
	}
	for i := range a.Content {
		if !Equal(a.Content[i], b.Content[i], ordered) {
			return false
		}
	}
	return true
}

// IsText rejects NUL bytes and invalid UTF-8 early: the YAML parser would
// reject them too, with a less helpful message.
func IsText(b []byte) bool {
	return bytes.IndexByte(b, 0) < 0 && utf8.Valid(b)
}

// FirstLine keeps the first line of an error: some YAML errors carry the
// whole offending document.
func FirstLine(err error) string {
	s, _, _ := strings.Cut(strings.TrimSpace(err.Error()), "\n")
	return s
}
