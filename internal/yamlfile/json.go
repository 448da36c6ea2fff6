package yamlfile

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/inject-sidecars/inject-sidecars/internal/yamlnode"
)

// isJSON reports whether a document is JSON: a flow mapping whose keys
// are double-quoted, as JSON writes them (a YAML document in flow style
// is edited as YAML).
func isJSON(root *yaml.Node) bool {
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

// encodeJSON writes a changed JSON document as JSON, in the input's key
// order and indentation. A document laid out as encoding/json lays it out
// (as kubectl -o json does) is written again the same way, so only the
// changed lines differ; any other layout is merged line by line (diff3)
// with that rendering, and re-rendered when that fails (said).
func (d *Document) encodeJSON() (string, error) {
	st := readJSONStyle(d.Raw)
	var orig yaml.Node
	if err := yaml.NewDecoder(strings.NewReader(d.Raw)).Decode(&orig); err != nil || len(orig.Content) == 0 {
		return "", errors.New("the document no longer parses")
	}
	before, err := st.render(orig.Content[0])
	if err != nil {
		return "", err
	}
	after, err := st.render(d.Node)
	if err != nil {
		return "", err
	}
	body := strings.TrimRight(d.Raw, " \t\r\n")
	lead := body[:len(body)-len(strings.TrimLeft(body, " \t\r\n"))]
	eol := "\n"
	if strings.Contains(d.Raw, "\r\n") {
		eol = "\r\n"
		before, after = strings.ReplaceAll(before, "\n", eol), strings.ReplaceAll(after, "\n", eol)
	}
	if lead+before == body {
		return withTail(lead+after+eol, d.Raw), nil
	}
	if merged, ok := merge3(lines(before+eol), lines(strings.TrimPrefix(body, lead)+eol), lines(after+eol)); ok {
		var got yaml.Node
		if err := yaml.NewDecoder(strings.NewReader(merged)).Decode(&got); err == nil && len(got.Content) > 0 && yamlnode.Equal(got.Content[0], d.Node, true) {
			return withTail(lead+merged, d.Raw), nil
		}
	}
	d.Fallback = "its JSON layout is not encoding/json's, and the changed lines could not be merged into it"
	return withTail(lead+after+eol, d.Raw), nil
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
		return st.write(b, n.Alias, depth)
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
// and null as YAML read them.
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
	return strings.TrimSuffix(b.String(), "\n"), nil
}
