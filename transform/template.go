package transform

import (
	"fmt"
	"reflect"
	"strings"
	"text/template"
	"text/template/parse"
)

// TemplateData is what a template in an injected object sees: the
// workload's own metadata.
type TemplateData struct {
	Name        string
	Namespace   string
	Kind        string
	Labels      map[string]string
	Annotations map[string]string
}

type tmpl = template.Template

// strictIndex replaces text/template's index for our string maps: the
// built-in returns "" for a missing key, and a sidecar configured with an
// empty app name is worse than an error.
func strictIndex(m map[string]string, key string) (string, error) {
	v, ok := m[key]
	if !ok {
		return "", fmt.Errorf("map has no key %q", key)
	}
	return v, nil
}

var templateFuncs = template.FuncMap{"index": strictIndex}

func parseTemplate(name, text string) (*tmpl, error) {
	t, err := template.New(name).Option("missingkey=error").Funcs(templateFuncs).Parse(text)
	if err != nil {
		return nil, templateSyntax(text)
	}
	if err := checkFields(t.Tree.Root); err != nil {
		return nil, err
	}
	return t, nil
}

// templateFields are the fields a template sees, in TemplateData's
// order: its type is the one list of them.
var templateFields = func() []string {
	t := reflect.TypeFor[TemplateData]()
	names := make([]string, t.NumField())
	for i := range names {
		names[i] = t.Field(i).Name
	}
	return names
}()

// checkFields finds a field a template names that TemplateData lacks
// ({{ .Nme }}) when the config is read, so a typo is found even where no
// workload matches, and not once per workload.
func checkFields(n parse.Node) error {
	var err error
	// check looks at one chain of fields: .Name, or .Labels.app.
	check := func(ident []string) {
		switch {
		case err != nil || len(ident) == 0:
		case !knownField(ident[0]):
			err = fmt.Errorf("unknown template field .%s: the fields are %s", ident[0], strings.Join(templateFields, ", "))
		case len(ident) > 1 && reflect.ValueOf(TemplateData{}).FieldByName(ident[0]).Kind() == reflect.String:
			err = fmt.Errorf("template field .%s is text and has no field .%s: the fields with keys are %s", ident[0], ident[1], strings.Join(mapFields, " and "))
		}
	}
	var walk func(parse.Node)
	walk = func(n parse.Node) {
		switch n := n.(type) {
		case *parse.ListNode:
			if n != nil {
				for _, c := range n.Nodes {
					walk(c)
				}
			}
		case *parse.ActionNode:
			walk(n.Pipe)
		case *parse.IfNode:
			walk(n.Pipe)
			walk(n.List)
			walk(n.ElseList)
		case *parse.RangeNode:
			walk(n.Pipe)
			walk(n.List)
			walk(n.ElseList)
		case *parse.WithNode:
			walk(n.Pipe)
			walk(n.List)
			walk(n.ElseList)
		case *parse.PipeNode:
			if n != nil {
				for _, c := range n.Cmds {
					walk(c)
				}
			}
		case *parse.CommandNode:
			for _, a := range n.Args {
				walk(a)
			}
		case *parse.FieldNode:
			check(n.Ident)
		case *parse.VariableNode:
			if n.Ident[0] == "$" {
				check(n.Ident[1:])
			}
		}
	}
	walk(n)
	return err
}

// mapFields are the fields that hold keys (.Labels.app).
var mapFields = func() []string {
	var names []string
	t := reflect.TypeFor[TemplateData]()
	for i := range t.NumField() {
		if t.Field(i).Type.Kind() == reflect.Map {
			names = append(names, t.Field(i).Name)
		}
	}
	return names
}()

func knownField(name string) bool {
	for _, f := range templateFields {
		if f == name {
			return true
		}
	}
	return false
}

func execTemplate(t *tmpl, data *TemplateData) (string, error) {
	var b strings.Builder
	if err := t.Execute(&b, data); err != nil {
		return "", err
	}
	return b.String(), nil
}
