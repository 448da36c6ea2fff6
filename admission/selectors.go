package admission

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/inject-sidecars/inject-sidecars/api/v1alpha1"
	"github.com/inject-sidecars/inject-sidecars/transform"
)

// target is what the config's selectors read, as CEL: for a Pod at
// admission its controller (or the Pod itself), for a workload the
// workload.
type target struct {
	Group, Version, Kind, Name, Namespace string
	Labels, Annotations                   string
	// InjectValues are the inject annotation's values that count (the
	// workload's and its Pod template's), each a CEL string.
	InjectValues []string
}

const (
	nsLabels      = `(has(namespaceObject.metadata) && has(namespaceObject.metadata.labels) ? namespaceObject.metadata.labels : {})`
	nsAnnotations = `(has(namespaceObject.metadata) && has(namespaceObject.metadata.annotations) ? namespaceObject.metadata.annotations : {})`
)

// selected is CEL for the config's targets and excludes: an OR of the
// targets (all when there are none), and no exclude. It returns "" when
// everything is selected.
func selected(t target, spec *v1alpha1.Spec) (string, field.ErrorList) {
	var errs field.ErrorList
	list := func(name string, sels []v1alpha1.Selector) []string {
		var out []string
		for i, s := range sels {
			e, err := selectorCEL(t, s, field.NewPath("spec", name).Index(i))
			errs = append(errs, err...)
			out = append(out, e)
		}
		return out
	}
	targets, excludes := list("targets", spec.Targets), list("exclude", spec.Exclude)
	var parts []string
	if len(targets) > 0 {
		parts = append(parts, "("+strings.Join(targets, " || ")+")")
	}
	if len(excludes) > 0 {
		parts = append(parts, "!("+strings.Join(excludes, " || ")+")")
	}
	return strings.Join(parts, " && "), errs
}

// selectorCEL is one selector, as Matcher.Matches reads it: anchored
// regular expressions (RE2 in Go and in CEL alike) and label selectors.
func selectorCEL(t target, s v1alpha1.Selector, path *field.Path) (string, field.ErrorList) {
	var parts []string
	for _, f := range []struct{ value, expr string }{
		{s.Group, t.Group}, {s.Version, t.Version}, {s.Kind, t.Kind}, {s.Name, t.Name}, {s.Namespace, t.Namespace},
	} {
		if f.value != "" {
			parts = append(parts, fmt.Sprintf("%s.matches(%s)", f.expr, quote("^(?:"+f.value+")$")))
		}
	}
	var errs field.ErrorList
	for _, f := range []struct{ name, value, m string }{
		{"labelSelector", s.LabelSelector, t.Labels},
		{"annotationSelector", s.AnnotationSelector, t.Annotations},
		{"namespaceSelector", s.NamespaceSelector, nsLabels},
	} {
		if f.value == "" {
			continue
		}
		sel, err := labels.Parse(f.value)
		if err != nil {
			errs = append(errs, field.Invalid(path.Child(f.name), f.value, err.Error()))
			continue
		}
		reqs, _ := sel.Requirements()
		for _, r := range reqs {
			parts = append(parts, requirementCEL(f.m, r))
		}
	}
	if len(parts) == 0 {
		return "true", errs
	}
	return "(" + strings.Join(parts, " && ") + ")", errs
}

// requirementCEL is one label requirement on the map m, with
// apimachinery's semantics (!= and notin match a missing key).
func requirementCEL(m string, r labels.Requirement) string {
	k := quote(r.Key())
	has, v := k+" in "+m, m+"["+k+"]"
	values := r.Values().List()
	quoted := make([]string, len(values))
	for i, s := range values {
		quoted[i] = quote(s)
	}
	set := "[" + strings.Join(quoted, ", ") + "]"
	switch r.Operator() {
	case selection.Equals, selection.DoubleEquals:
		return "(" + has + " && " + v + " == " + quoted[0] + ")"
	case selection.NotEquals:
		return "(!(" + has + ") || " + v + " != " + quoted[0] + ")"
	case selection.In:
		return "(" + has + " && " + v + " in " + set + ")"
	case selection.NotIn:
		return "(!(" + has + ") || !(" + v + " in " + set + "))"
	case selection.Exists:
		return has
	case selection.DoesNotExist:
		return "!(" + has + ")"
	case selection.GreaterThan, selection.LessThan:
		op := ">"
		if r.Operator() == selection.LessThan {
			op = "<"
		}
		return "(" + has + " && " + v + `.matches("^-?[0-9]+$") && int(` + v + ") " + op + " " + values[0] + ")"
	}
	return "false"
}

// optedIn is CEL for the inject annotation's rule, as transform reads
// it: "false" on any of the values keeps every injection out; "true" or
// a list naming this injection opts in; a list without it opts out;
// with optIn, only an opt-in injects. When the workload's own values are
// all empty, its Namespace's annotation is the default.
func optedIn(t target, name string, optIn bool) string {
	ann := quote(transform.InjectAnnotation)
	ns := fmt.Sprintf("(%s in %s ? %s[%s] : \"\")", ann, nsAnnotations, nsAnnotations, ann)
	own := "[" + strings.Join(t.InjectValues, ", ") + "]"
	vals := fmt.Sprintf(`(%s.all(v, v == "") ? [%s] : %s).map(v, v.trim())`, own, ns, own)
	listed := fmt.Sprintf(`v.split(",").exists(n, n.trim() == %s)`, quote(name))
	none := "false"
	if !optIn {
		none = fmt.Sprintf(`!%s.exists(v, v != "" && v != "true" && !%s)`, vals, listed)
	}
	return fmt.Sprintf(`!%s.exists(v, v == "false") && (%s.exists(v, v == "true" || %s) || %s)`, vals, vals, listed, none)
}
