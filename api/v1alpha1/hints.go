package v1alpha1

import (
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Hints: what the decoder says when a value is not what the field takes,
// in the user's words, with the fix.

// quoteTemplates returns a copy of n (an entry of a config list) with
// each unquoted template (which YAML read as an object) replaced by its
// text, so that the entry's other fields still decode: a user told to
// quote image: {{ .Name }} is not also told that the entry's name is
// missing. The templated fields are recorded as broken: validation's
// words about them would repeat the hint.
func (d *decoder) quoteTemplates(n *yaml.Node, path *field.Path) *yaml.Node {
	var walk func(m *yaml.Node, rel string) *yaml.Node
	walk = func(m *yaml.Node, rel string) *yaml.Node {
		if text, ok := templateText(m); ok && rel != "" {
			d.broken = append(d.broken, brokenField{path.String(), rel})
			return &yaml.Node{Kind: yaml.ScalarNode, Tag: yaml.NodeTagString, Value: text, Line: m.Line, Column: m.Column}
		}
		c := *m
		c.Content = make([]*yaml.Node, len(m.Content))
		for i, el := range m.Content {
			switch {
			case m.Kind == yaml.MappingNode && i%2 == 1:
				c.Content[i] = walk(el, strings.TrimPrefix(rel+"."+m.Content[i-1].Value, "."))
			case m.Kind == yaml.SequenceNode:
				c.Content[i] = walk(el, rel)
			default:
				c.Content[i] = el
			}
		}
		return &c
	}
	return walk(n, "")
}
