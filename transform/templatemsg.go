package transform

import (
	"fmt"
	"strings"
	"text/template/parse"
)

// TemplateError is a template that could not be filled in for one
// workload, in the user's words: Field is the config's field holding it
// (spec.containers[0].image), Msg what the workload lacks and the fix.
// text/template's own words name its internals ("executing
// \"containers[0].image\" at <index .Labels \"version\">: error calling
// index").
type TemplateError struct {
	Field, Msg string
}

func (e *TemplateError) Error() string { return e.Field + ": " + e.Msg }

// templateError explains why t failed for data: the first key it reads
// that the workload does not have. err is text/template's error, kept
// only when no missing key explains it.
func templateError(t *tmpl, data *TemplateData, err error) *TemplateError {
	te := &TemplateError{Field: "spec." + t.Name()}
	if what, key, action := missingKey(t.Tree.Root, data); what != "" {
		te.Msg = fmt.Sprintf("the workload has no %s %q (the template %s needs it): add the %s, or use a template that does not need it", what, key, action, what)
		return te
	}
	te.Msg = fmt.Sprintf("the template cannot be filled in for this workload: %v", err)
	return te
}

// missingKey finds the first action that reads a label or an annotation
// the workload lacks, through index (index .Labels "k") or a field chain
// (.Labels.k): what ("label" or "annotation"), the key, and the action as
// written.
func missingKey(root *parse.ListNode, data *TemplateData) (what, key, action string) {
	maps := map[string]struct {
		what string
		m    map[string]string
	}{"Labels": {"label", data.Labels}, "Annotations": {"annotation", data.Annotations}}
	lacks := func(field, k string) bool {
		m, ok := maps[field]
		_, has := m.m[k]
		return ok && !has
	}
	if root == nil {
		return "", "", ""
	}
	for _, n := range root.Nodes {
		a, ok := n.(*parse.ActionNode)
		if !ok || a.Pipe == nil {
			continue
		}
		for _, cmd := range a.Pipe.Cmds {
			args := cmd.Args
			if id, ok := args[0].(*parse.IdentifierNode); ok && id.Ident == "index" && len(args) == 3 {
				f, fok := args[1].(*parse.FieldNode)
				s, sok := args[2].(*parse.StringNode)
				if fok && sok && len(f.Ident) == 1 && lacks(f.Ident[0], s.Text) {
					return maps[f.Ident[0]].what, s.Text, "{{ " + a.Pipe.String() + " }}"
				}
			}
			for _, arg := range args {
				if f, ok := arg.(*parse.FieldNode); ok && len(f.Ident) == 2 && lacks(f.Ident[0], f.Ident[1]) {
					return maps[f.Ident[0]].what, f.Ident[1], "{{ " + a.Pipe.String() + " }}"
				}
			}
		}
	}
	return "", "", ""
}

// templateFailed reports a template that failed for w, naming the
// config's field and, when known, its file.
func (v *visitor) templateFailed(w *workload, inj *Injection, te *TemplateError) {
	where := te.Field
	if inj.Source != "" {
		where += " of " + inj.Source
	}
	v.result(w, inj, Error, Failed, "", "injection %q, %s: %s", inj.name(), where, te.Msg)
}

// templateSyntax says why text does not parse as a template, in the
// user's words: text/template's ("template: containers[0].image:1:
// unexpected \"}\" in operand") names its own internals.
func templateSyntax(text string) error {
	fix := `write each action as {{ .Name }} or {{ index .Labels "app" }} (the fields are ` + strings.Join(templateFields, ", ") + ")"
	if strings.Count(text, "{{") > strings.Count(text, "}}") {
		fix = "a {{ has no closing }}"
	}
	return fmt.Errorf("%q is not a valid template: %s", text, fix)
}
