package v1alpha1

import (
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strconv"
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

// locate finds where in n (decoded at path) the value that did not fit
// lies: encoding/json names the field as a dotted path without list
// indexes (ports.containerPort), the user needs the entry
// (ports[0].containerPort). jsonKind is the kind encoding/json saw
// ("string", "number", ...). It returns path.Child(dotted) when nothing
// fits better, and the value's node when found.
func locate(n *yaml.Node, path *field.Path, dotted, jsonKind string) (*field.Path, *yaml.Node) {
	var find func(m *yaml.Node, at *field.Path, steps []string) (*field.Path, *yaml.Node)
	find = func(m *yaml.Node, at *field.Path, steps []string) (*field.Path, *yaml.Node) {
		if m.Kind == yaml.SequenceNode && len(steps) > 0 {
			for i, el := range m.Content {
				if p, v := find(el, at.Index(i), steps); v != nil {
					return p, v
				}
			}
			return nil, nil
		}
		if len(steps) == 0 {
			scalar := m.Kind == yaml.ScalarNode
			if scalar && scalarKind(m) == jsonKind || !scalar && (jsonKind == "object" || jsonKind == "array") {
				return at, m
			}
			return nil, nil
		}
		if m.Kind != yaml.MappingNode {
			return nil, nil
		}
		for i := 0; i+1 < len(m.Content); i += 2 {
			if m.Content[i].Value == steps[0] {
				return find(m.Content[i+1], at.Child(steps[0]), steps[1:])
			}
		}
		return nil, nil
	}
	var steps []string
	if dotted != "" {
		steps = strings.Split(dotted, ".")
	}
	if p, v := find(n, path, steps); v != nil {
		return p, v
	}
	if dotted == "" {
		return path, nil
	}
	return path.Child(dotted), nil
}

// scalarKind is the kind encoding/json gives a YAML scalar's value.
func scalarKind(n *yaml.Node) string {
	var v any
	if err := n.Decode(&v); err != nil {
		return ""
	}
	switch v.(type) {
	case string:
		return "string"
	case bool:
		return "bool"
	case nil:
		return "null"
	case int, int64, uint64, float64:
		return "number"
	}
	return ""
}

// quoteHint is the fix for a number or boolean written where text
// belongs: YAML reads kubernetesVersion: 1.30 as the number 1.3.
func quoteHint(key string, n *yaml.Node) string {
	if n == nil || n.Kind != yaml.ScalarNode || key == "" {
		return ""
	}
	hint := fmt.Sprintf(": write %s: %q", key, n.Value)
	var v any
	if err := n.Decode(&v); err == nil {
		if f, ok := v.(float64); ok {
			if read := strconv.FormatFloat(f, 'f', -1, 64); read != n.Value {
				hint += fmt.Sprintf(" (YAML reads %s as the number %s)", n.Value, read)
			}
		}
	}
	return hint
}

// typeMismatch is the message for a value of the wrong type, at the
// entry where it is, with the fix where there is one.
func (d *decoder) typeMismatch(n *yaml.Node, path *field.Path, te *json.UnmarshalTypeError) {
	at, v := locate(n, path, te.Field, te.Value)
	msg := fmt.Sprintf("expected %s, got %s", userType(te.Type), te.Value)
	if typeName(te.Type) == "string" && (te.Value == "number" || te.Value == "bool") {
		key := te.Field
		if key == "" {
			key = lastStep(path)
		}
		msg += quoteHint(key[strings.LastIndex(key, ".")+1:], v)
	}
	d.errs = append(d.errs, invalid(at, "%s", msg))
	d.broken = append(d.broken, brokenField{path.String(), te.Field})
}

// lastStep is the name of a path's last field (kubernetesVersion of
// spec.kubernetesVersion), "" when it ends in an index.
func lastStep(path *field.Path) string {
	s := path.String()
	if strings.HasSuffix(s, "]") {
		return ""
	}
	return s[strings.LastIndex(s, ".")+1:]
}

// userType is typeName with numbers in words: int32 is a Go type name.
func userType(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	}
	return typeName(t)
}

// topFields are the keys of a SidecarInjection.
var topFields = []string{"apiVersion", "kind", "metadata", "spec"}

// specFieldNames are the keys of spec, sorted, for suggestions.
var specFieldNames = slices.Sorted(maps.Keys(specFields))

// unknownField reports a key that is not a field, with the line it is
// on (from the top of the file, when docLine, the line the document
// starts on, is known) and the field it was likely meant to be, which it
// returns ("" when none is close).
func (d *decoder) unknownField(parent *field.Path, key *yaml.Node, known []string, docLine int) string {
	msg := "unknown field"
	if docLine > 0 && key.Line > 0 {
		msg += fmt.Sprintf(" (line %d)", key.Line+docLine-1)
	}
	guess := closest(key.Value, known)
	if guess != "" {
		msg += ": did you mean " + guess + "?"
	}
	d.errs = append(d.errs, invalid(KeyPath(parent, key.Value), "%s", msg))
	return guess
}

// unknownNested is the message for an unknown field inside an entry
// (imagee, ports[1].naem), which the decoder names by a path from the
// entry n, decoded into t: with its line and the field of t it was
// likely meant to be.
func unknownNested(n *yaml.Node, fieldPath string, t reflect.Type, docLine int) string {
	var key *yaml.Node
	var known []string
	for _, step := range strings.Split(fieldPath, ".") {
		name, index, indexed := strings.Cut(step, "[")
		t = structOf(t)
		if n == nil || n.Kind != yaml.MappingNode || t.Kind() != reflect.Struct {
			return "unknown field"
		}
		key, known = nil, jsonNames(t)
		var value *yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == name {
				key, value = n.Content[i], n.Content[i+1]
			}
		}
		if f, ok := fieldByJSON(t, name); ok {
			t = f
		}
		n = value
		if indexed && n != nil && n.Kind == yaml.SequenceNode {
			i, err := strconv.Atoi(strings.TrimSuffix(index, "]"))
			if err != nil || i >= len(n.Content) {
				return "unknown field"
			}
			n = n.Content[i]
		}
	}
	msg := "unknown field"
	if key != nil && docLine > 0 {
		msg += fmt.Sprintf(" (line %d)", key.Line+docLine-1)
	}
	if key != nil {
		if guess := closest(key.Value, known); guess != "" {
			msg += ": did you mean " + guess + "?"
		}
	}
	return msg
}

// structOf is the struct type under pointers and slices.
func structOf(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Map {
		t = t.Elem()
	}
	return t
}

// jsonNames are the json names of a struct's fields, inline ones
// included.
func jsonNames(t reflect.Type) []string {
	var out []string
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch {
		case f.Anonymous && name == "":
			out = append(out, jsonNames(structOf(f.Type))...)
		case name != "" && name != "-":
			out = append(out, name)
		}
	}
	return out
}

// fieldByJSON finds a struct's field by its json name, inline ones
// included.
func fieldByJSON(t reflect.Type, name string) (reflect.Type, bool) {
	for i := range t.NumField() {
		f := t.Field(i)
		tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if tag == name {
			return f.Type, true
		}
		if f.Anonymous && tag == "" {
			if ft, ok := fieldByJSON(structOf(f.Type), name); ok {
				return ft, true
			}
		}
	}
	return nil, false
}

// selectorError quotes the selector that did not parse, with
// apimachinery's reason and the syntax it takes: the reason alone
// ("found 'web', expected: '('") does not say what was read.
func selectorError(path *field.Path, selector string, err error) *field.Error {
	return invalid(path, "%q: not a label selector (%v): write e.g. \"app in (web,api)\" or \"app=web\"", selector, err)
}
