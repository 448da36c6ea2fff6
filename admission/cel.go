package admission

import (
	"fmt"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"text/template"
	"text/template/parse"

	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// quote is a CEL string literal.
func quote(s string) string { return strconv.Quote(s) }

// jsonQuoted is a CEL literal of s as a JSON string (what encoding/json
// writes), for the status annotation.
func jsonQuoted(s string) string {
	b, _ := jsonMarshal(s) // a string always encodes
	return quote(string(b))
}

// jsonEscaped is CEL that JSON-quotes the string expression e at run
// time, as encoding/json does for the characters a rendered template can
// bring (quotes, backslashes, and HTML's <, > and &).
func jsonEscaped(e string) string {
	return `'"' + (` + e + `).replace('\\', '\\\\').replace('"', '\\"').replace('<', '\\u003c').replace('>', '\\u003e').replace('&', '\\u0026') + '"'`
}

// subject is what a template's data stands for in CEL: the workload's
// name, namespace and kind, and its labels and annotations (maps).
type subject struct {
	Name, Namespace, Kind, Labels, Annotations string
}

// renderer turns the config's objects into CEL: object initializers for
// the values a patch adds, predicates for "the pod already has it".
// Templates become string expressions over a subject; the label and
// annotation keys they read are collected, since a missing one is an
// error offline and a refusal here.
type renderer struct {
	inj      templateSource
	subj     subject
	errs     field.ErrorList
	needKeys []templateKey
}

type templateSource interface {
	Template(n *yaml.Node) *template.Template
}

// templateKey is a label or annotation a template reads.
type templateKey struct {
	Map, Key, Field string
}

var celIdent = regexp.MustCompile(`^[_a-zA-Z][_a-zA-Z0-9]*$`)

var celReserved = map[string]bool{"true": true, "false": true, "null": true, "in": true, "as": true, "break": true, "const": true, "continue": true, "else": true, "for": true, "function": true, "if": true, "import": true, "let": true, "loop": true, "package": true, "namespace": true, "return": true, "var": true, "void": true, "while": true}

// value is a CEL literal for the config's node n, of Go type t, at
// typeName (Object.spec.initContainers…) in the Pod. Structs become
// object initializers named by their field path, as the API server's
// JSONPatch type check wants; maps become map literals.
func (r *renderer) value(n *yaml.Node, t reflect.Type, typeName string, path *field.Path) string {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch n.Kind {
	case yaml.MappingNode:
		return r.mapping(n, t, typeName, path)
	case yaml.SequenceNode:
		var elem reflect.Type
		if t != nil && t.Kind() == reflect.Slice {
			elem = t.Elem()
		}
		items := make([]string, len(n.Content))
		for i, el := range n.Content {
			items[i] = r.value(el, elem, typeName, path.Index(i))
		}
		return "[" + strings.Join(items, ", ") + "]"
	case yaml.AliasNode:
		return r.value(n.Alias, t, typeName, path)
	}
	return r.scalar(n, path)
}

func (r *renderer) mapping(n *yaml.Node, t reflect.Type, typeName string, path *field.Path) string {
	isStruct := t != nil && t.Kind() == reflect.Struct
	items := make([]string, 0, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i].Value, n.Content[i+1]
		if !isStruct {
			var elem reflect.Type
			if t != nil && t.Kind() == reflect.Map {
				elem = t.Elem()
			}
			items = append(items, quote(k)+": "+r.value(v, elem, typeName, path.Key(k)))
			continue
		}
		if !celIdent.MatchString(k) || celReserved[k] {
			r.errs = append(r.errs, field.Invalid(path.Child(k), k, "a field of this name cannot be written in a CEL object initializer"))
			continue
		}
		ft, _ := fieldByJSON(t, k)
		items = append(items, k+": "+r.value(v, ft, typeName+"."+k, path.Child(k)))
	}
	if !isStruct {
		return "{" + strings.Join(items, ", ") + "}"
	}
	return typeName + "{" + strings.Join(items, ", ") + "}"
}

// scalar is a CEL literal for a scalar, by its YAML tag; a template is a
// string expression.
func (r *renderer) scalar(n *yaml.Node, path *field.Path) string {
	if t := r.inj.Template(n); t != nil {
		return r.template(t, path)
	}
	switch n.ShortTag() {
	case yaml.NodeTagInt:
		if v, err := strconv.ParseInt(n.Value, 0, 64); err == nil {
			return strconv.FormatInt(v, 10)
		}
	case yaml.NodeTagFloat:
		if v, err := strconv.ParseFloat(n.Value, 64); err == nil {
			s := strconv.FormatFloat(v, 'g', -1, 64)
			if !strings.ContainsAny(s, ".eE") {
				s += ".0"
			}
			return s
		}
	case yaml.NodeTagBool:
		if v, err := strconv.ParseBool(strings.ToLower(n.Value)); err == nil {
			return strconv.FormatBool(v)
		}
	case yaml.NodeTagNull:
		return "null"
	}
	return quote(n.Value)
}

// fieldByJSON finds the field of struct t whose json name is name,
// looking into inline (embedded) structs such as Volume's VolumeSource.
func fieldByJSON(t reflect.Type, name string) (reflect.Type, bool) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if tag == name {
			return f.Type, true
		}
		if tag == "" && f.Anonymous {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				if got, ok := fieldByJSON(ft, name); ok {
					return got, true
				}
			}
		}
	}
	return nil, false
}

// same is a CEL predicate: x, an object already in the pod, holds
// everything the config's node n sets, with the same values. Fields the
// config leaves out do not count: the API server has defaulted the pod
// (a ConfigMap volume's defaultMode, a port's protocol) before admission.
func (r *renderer) same(x string, n *yaml.Node, path *field.Path) string {
	switch n.Kind {
	case yaml.MappingNode:
		var parts []string
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := quote(n.Content[i].Value)
			parts = append(parts, k+" in "+x, r.same(x+"["+k+"]", n.Content[i+1], path.Child(n.Content[i].Value)))
		}
		if len(parts) == 0 {
			return "true"
		}
		return "(" + strings.Join(parts, " && ") + ")"
	case yaml.SequenceNode:
		parts := []string{fmt.Sprintf("size(%s) == %d", x, len(n.Content))}
		for i, el := range n.Content {
			parts = append(parts, r.same(fmt.Sprintf("%s[%d]", x, i), el, path.Index(i)))
		}
		return "(" + strings.Join(parts, " && ") + ")"
	case yaml.AliasNode:
		return r.same(x, n.Alias, path)
	}
	if n.ShortTag() == yaml.NodeTagNull {
		return "true"
	}
	return x + " == " + r.scalar(n, path)
}

// template turns a Go template into a CEL string expression. Only what
// has a faithful CEL form is accepted: text, {{ .Name }}, {{ .Namespace }},
// {{ .Kind }}, {{ index .Labels "k" }} and {{ index .Annotations "k" }}.
func (r *renderer) template(t *template.Template, path *field.Path) string {
	var parts []string
	for _, node := range t.Tree.Root.Nodes {
		switch nd := node.(type) {
		case *parse.TextNode:
			parts = append(parts, quote(string(nd.Text)))
		case *parse.ActionNode:
			e, ok := r.action(nd, path)
			if !ok {
				r.errs = append(r.errs, field.Invalid(path, t.Root.String(), fmt.Sprintf("{{%s}} has no CEL equivalent: admission policies render {{ .Name }}, {{ .Namespace }}, {{ .Kind }}, {{ index .Labels \"KEY\" }} and {{ index .Annotations \"KEY\" }}", strings.TrimSuffix(strings.TrimPrefix(nd.String(), "{{"), "}}"))))
				return `""`
			}
			parts = append(parts, e)
		default:
			r.errs = append(r.errs, field.Invalid(path, t.Root.String(), fmt.Sprintf("%q has no CEL equivalent: admission policies render only plain {{ }} actions, no if, range or with", node.String())))
			return `""`
		}
	}
	if len(parts) == 0 {
		return `""`
	}
	// string(): the Pod's fields are dyn, and a list or map literal
	// must hold one type.
	return "string(" + strings.Join(parts, " + ") + ")"
}

func (r *renderer) action(nd *parse.ActionNode, path *field.Path) (string, bool) {
	if len(nd.Pipe.Decl) > 0 || len(nd.Pipe.Cmds) != 1 {
		return "", false
	}
	args := nd.Pipe.Cmds[0].Args
	if len(args) == 1 {
		f, ok := args[0].(*parse.FieldNode)
		if !ok || len(f.Ident) != 1 {
			return "", false
		}
		switch f.Ident[0] {
		case "Name":
			return r.subj.Name, true
		case "Namespace":
			return r.subj.Namespace, true
		case "Kind":
			return r.subj.Kind, true
		}
		return "", false
	}
	id, ok := args[0].(*parse.IdentifierNode)
	if !ok || id.Ident != "index" || len(args) != 3 {
		return "", false
	}
	m, ok1 := args[1].(*parse.FieldNode)
	k, ok2 := args[2].(*parse.StringNode)
	if !ok1 || !ok2 || len(m.Ident) != 1 {
		return "", false
	}
	var src string
	switch m.Ident[0] {
	case "Labels":
		src = r.subj.Labels
	case "Annotations":
		src = r.subj.Annotations
	default:
		return "", false
	}
	r.needKeys = append(r.needKeys, templateKey{Map: m.Ident[0], Key: k.Text, Field: path.String()})
	return src + "[" + quote(k.Text) + "]", true
}
