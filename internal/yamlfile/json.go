package yamlfile

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// isJSON reports whether a document is JSON: written as JSON writes it
// (jsonLooking), with no YAML anchor or alias anywhere.
func isJSON(root *yaml.Node) bool { return jsonLooking(root) && !hasAlias(root) }

// jsonLooking reports whether a document is written as JSON writes it: a
// flow mapping whose keys are double-quoted (a YAML document in flow
// style is edited as YAML). What is added to it is written as JSON.
func jsonLooking(root *yaml.Node) bool {
	if root.Kind != yaml.MappingNode || root.Style&yaml.FlowStyle == 0 {
		return false
	}
	for i := 0; i < len(root.Content); i += 2 {
		if root.Content[i].Style != yaml.DoubleQuotedStyle {
			return false
		}
	}
	return true
}

// hasAlias reports whether a tree holds an anchor or an alias. It does
// not follow aliases.
func hasAlias(n *yaml.Node) bool {
	if n.Kind == yaml.AliasNode || n.Anchor != "" {
		return true
	}
	return slices.ContainsFunc(n.Content, hasAlias)
}

// jsonStyle is how a JSON document is laid out: the indentation of one
// level ("" for a document on one line).
type jsonStyle struct {
	indent string
}

// readJSONStyle reads the indentation of the first indented line.
func readJSONStyle(raw string) jsonStyle {
	body := strings.TrimSpace(raw)
	i := strings.IndexByte(body, '\n')
	if i < 0 {
		return jsonStyle{}
	}
	line := body[i+1:]
	return jsonStyle{indent: line[:len(line)-len(strings.TrimLeft(line, " \t"))]}
}

// encodeJSON writes a changed JSON document as JSON: edited in place
// (placeEdits, the same as YAML), or, where that fails, rendered again in
// the input's key order and indentation (said).
func (d *Document) encodeJSON() (string, error) {
	out, err := placeEdits(d.Raw, d.orig, d.docNode)
	if err == nil {
		return out, nil
	}
	d.Fallback = err.Error()
	body := strings.TrimRight(d.Raw, " \t\r\n")
	lead := body[:len(body)-len(strings.TrimLeft(body, " \t\r\n"))]
	text, err := readJSONStyle(d.Raw).render(d.Node)
	if err != nil {
		return "", err
	}
	eol := "\n"
	if strings.Contains(d.Raw, "\r\n") {
		eol = "\r\n"
		text = strings.ReplaceAll(text, "\n", eol)
	}
	return withTail(lead+text+eol, d.Raw), nil
}

// render writes n as JSON in this style, keys in n's order.
func (st jsonStyle) render(n *yaml.Node) (string, error) {
	var b strings.Builder
	if err := st.write(&b, n, 0); err != nil {
		return "", err
	}
	return b.String(), nil
}

func (st jsonStyle) write(b *strings.Builder, n *yaml.Node, depth int) error {
	nl := func(d int) {
		if st.indent != "" {
			b.WriteByte('\n')
			b.WriteString(strings.Repeat(st.indent, d))
		}
	}
	colon := ": "
	if st.indent == "" {
		colon = ":"
	}
	switch n.Kind {
	case yaml.MappingNode, yaml.SequenceNode:
		open, close := "[", "]"
		step := 1
		if n.Kind == yaml.MappingNode {
			open, close, step = "{", "}", 2
		}
		b.WriteString(open)
		if len(n.Content) == 0 {
			b.WriteString(close)
			return nil
		}
		for i := 0; i < len(n.Content); i += step {
			if i > 0 {
				b.WriteByte(',')
			}
			nl(depth + 1)
			if step == 2 {
				k, err := scalarJSON(n.Content[i], true)
				if err != nil {
					return err
				}
				b.WriteString(k)
				b.WriteString(colon)
			}
			if err := st.write(b, n.Content[i+step-1], depth+1); err != nil {
				return err
			}
		}
		nl(depth)
		b.WriteString(close)
	case yaml.AliasNode:
		// Never expanded: aliases of aliases grow without bound.
		return fmt.Errorf("an alias (*%s) cannot be written as JSON", n.Value)
	default:
		s, err := scalarJSON(n, false)
		if err != nil {
			return err
		}
		b.WriteString(s)
	}
	return nil
}

// scalarJSON writes a scalar as JSON: strings quoted, numbers, booleans
// and null as YAML read them. A character YAML reads differently when
// written raw (a line break such as U+0085, a control character) is
// escaped, so the text reads back as the same string.
func scalarJSON(n *yaml.Node, key bool) (string, error) {
	var v any = n.Value
	if !key && n.ShortTag() != yaml.NodeTagString {
		if err := n.Decode(&v); err != nil {
			return "", err
		}
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", err
	}
	s := strings.TrimSuffix(b.String(), "\n")
	if strings.IndexFunc(s, yamlUnsafe) < 0 {
		return s, nil
	}
	var e strings.Builder
	for _, r := range s {
		if yamlUnsafe(r) {
			fmt.Fprintf(&e, "\\u%04x", r)
		} else {
			e.WriteRune(r)
		}
	}
	return e.String(), nil
}

// yamlUnsafe reports whether YAML reads a character, written raw in a
// double-quoted scalar, as something else, or refuses it: DEL, the C1
// controls (U+0085 is a line break to YAML), the line and paragraph
// separators, a byte order mark, and the non-characters U+FFFE, U+FFFF.
func yamlUnsafe(r rune) bool {
	return r == 0x7f || r >= 0x80 && r <= 0x9f || r == 0x2028 || r == 0x2029 || r == 0xfeff || r == 0xfffe || r == 0xffff
}
