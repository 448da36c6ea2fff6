package transform

import (
	"fmt"
	"slices"

	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/inject-sidecars/inject-sidecars/internal/yamlnode"
)

// The helpers below work on yaml.v3 nodes directly rather than through
// RNode.Pipe: the injector touches a handful of fields in every workload and
// the filter machinery allocates on each step, which shows at 10,000
// workloads. Every edit is in place, so comments and field order survive.

func newScalar(value string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: yaml.NodeTagString, Value: value}
}

func newMapping() *yaml.Node { return &yaml.Node{Kind: yaml.MappingNode, Tag: yaml.NodeTagMap} }

func newSequence() *yaml.Node { return &yaml.Node{Kind: yaml.SequenceNode, Tag: yaml.NodeTagSeq} }

// setField sets key to value in mapping m. A new key goes before the key
// named by before when m has it, else at the end.
func setField(m *yaml.Node, key string, value *yaml.Node, before string) {
	if i := yamlnode.FieldIndex(m, key); i >= 0 {
		m.Content[i+1] = value
		return
	}
	kv := []*yaml.Node{newScalar(key), value}
	if before != "" {
		if i := yamlnode.FieldIndex(m, before); i >= 0 {
			m.Content = append(m.Content[:i], append(kv, m.Content[i:]...)...)
			return
		}
	}
	m.Content = append(m.Content, kv...)
}

// deleteField removes key from mapping m.
func deleteField(m *yaml.Node, key string) {
	if i := yamlnode.FieldIndex(m, key); i >= 0 {
		m.Content = append(m.Content[:i], m.Content[i+2:]...)
	}
}

// setString sets key to a string scalar, keeping the old value node (and
// so its comments) when there is one. Values that YAML 1.1 readers
// (kubectl and the API server among them) would take for a bool or a
// number, such as "yes" or "0755", are double-quoted when quote is set;
// the check parses the value, so it is for user values, not our JSON.
func setString(m *yaml.Node, key, value string, quote bool) {
	style := yaml.Style(0)
	if quote && yaml.IsValueNonString(value) {
		style = yaml.DoubleQuotedStyle
	}
	if v := yamlnode.Field(m, key); v != nil && v.Kind == yaml.ScalarNode {
		v.Value, v.Tag, v.Style = value, yaml.NodeTagString, style
		return
	}
	n := newScalar(value)
	n.Style = style
	setField(m, key, n, "")
}

// absent is what a status "created" record holds for a field that did not
// exist before injection; otherwise it holds the text of the null that
// was there ("", "~" or "null").
const absent = "absent"

// ensure returns the collection at key in parent, creating it when it is
// missing or null. When it creates it, prior tells what was there, so
// uninject can put it back.
func ensure(parent *yaml.Node, key string, kind yaml.Kind, before string) (n *yaml.Node, prior string, created bool) {
	v := yamlnode.Field(parent, key)
	if v != nil && v.Kind == kind {
		return v, "", false
	}
	n = newMapping()
	if kind == yaml.SequenceNode {
		n = newSequence()
	}
	if v == nil {
		setField(parent, key, n, before)
		return n, absent, true
	}
	i := yamlnode.FieldIndex(parent, key)
	parent.Content[i+1] = n
	// A comment on the null (annotations: ~ # filled in by CI) stays on
	// its line: on the key, until restore gives it back to the null.
	if v.LineComment != "" && parent.Content[i].LineComment == "" {
		parent.Content[i].LineComment, v.LineComment = v.LineComment, ""
	}
	return n, v.Value, true
}

// restore puts an emptied collection back the way the status recorded it.
func restore(parent *yaml.Node, key, prior string) {
	if prior == absent {
		deleteField(parent, key)
		return
	}
	if i := yamlnode.FieldIndex(parent, key); i >= 0 {
		null := &yaml.Node{Kind: yaml.ScalarNode, Tag: yaml.NodeTagNull, Value: prior}
		null.LineComment, parent.Content[i].LineComment = parent.Content[i].LineComment, ""
		parent.Content[i+1] = null
	}
}

// named returns the index of the element of seq whose name is name, or -1.
func named(seq *yaml.Node, name string) int { return indexBy(seq, "name", name) }

// indexBy returns the index of the element of list whose idKey is id, or -1.
func indexBy(list *yaml.Node, idKey, id string) int {
	if list == nil {
		return -1
	}
	for i, n := range list.Content {
		if yamlnode.Str(n, idKey) == id {
			return i
		}
	}
	return -1
}

// insertAt inserts nodes into seq before index i.
func insertAt(seq *yaml.Node, i int, nodes []*yaml.Node) {
	seq.Content = slices.Insert(seq.Content, i, nodes...)
}

// copyNode deep-copies n. Scalars for which render returns ok are replaced
// by its output; it is how templates are filled in.
//
// Aliases are expanded and anchors dropped: a copy lands in another
// document (a config's object in a workload, an owner's override from an
// annotation in the pod), where an alias would point at nothing and the
// output would not parse. The expansion is bounded: past MaxAliasNodes
// nodes, or MaxAliasBytes bytes of text, reached through aliases, the
// copy fails.
func copyNode(n *yaml.Node, render func(*yaml.Node) (string, bool, error)) (*yaml.Node, error) {
	cp := copier{render: render}
	return cp.copy(n, false)
}

type copier struct {
	render func(*yaml.Node) (string, bool, error)
	// aliased and aliasedBytes count the nodes, and the bytes of their
	// text, copied through an alias.
	aliased, aliasedBytes int
}

func (cp *copier) copy(n *yaml.Node, viaAlias bool) (*yaml.Node, error) {
	if n == nil {
		return nil, nil
	}
	if n.Kind == yaml.AliasNode {
		if n.Alias == nil {
			return nil, fmt.Errorf("alias *%s stands for nothing", n.Value)
		}
		return cp.copy(n.Alias, true)
	}
	if viaAlias {
		if cp.aliased++; cp.aliased > yamlnode.MaxAliasNodes {
			return nil, fmt.Errorf("YAML aliases expand to more than %d nodes: write the values out", yamlnode.MaxAliasNodes)
		}
		if cp.aliasedBytes += len(n.Value); cp.aliasedBytes > yamlnode.MaxAliasBytes {
			return nil, fmt.Errorf("YAML aliases expand to more than %d bytes (1 MiB): write the values out", yamlnode.MaxAliasBytes)
		}
	}
	c := *n
	// A copy is a new node: it has no place in any input's text (plain
	// mode writes nodes without a position as new lines).
	c.Line, c.Column, c.Anchor = 0, 0, ""
	if n.Kind == yaml.ScalarNode && cp.render != nil {
		v, ok, err := cp.render(n)
		if err != nil {
			return nil, err
		}
		if ok {
			c.Value = v
		}
	}
	if len(n.Content) > 0 {
		c.Content = make([]*yaml.Node, len(n.Content))
		for i, child := range n.Content {
			cc, err := cp.copy(child, viaAlias)
			if err != nil {
				return nil, err
			}
			c.Content[i] = cc
		}
	}
	return &c, nil
}
