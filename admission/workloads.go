package admission

import (
	"fmt"
	"slices"
	"strings"

	admv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/inject-sidecars/inject-sidecars/api/v1alpha1"
	"github.com/inject-sidecars/inject-sidecars/internal/yamlnode"
	"github.com/inject-sidecars/inject-sidecars/transform"
)

// The workloads policy (spec.admission.validate) checks what the
// pipeline should have done: every workload the targets select carries
// the injection's containers with the config's images. It reads the
// workload as transform does: its own name, labels and annotations.

// hasPath is CEL: root has every step of path (has() needs each parent).
func hasPath(root string, path []string) string {
	parts := make([]string, len(path))
	for i := range path {
		parts[i] = "has(" + root + "." + strings.Join(path[:i+1], ".") + ")"
	}
	return strings.Join(parts, " && ")
}

// byKind is CEL choosing, by the request's kind, the value each kind's
// Pod spec path gives, or def.
func byKind(kinds []transform.WorkloadKind, value func(k transform.WorkloadKind) string, def string) string {
	e := def
	for i := len(kinds) - 1; i >= 0; i-- {
		e = fmt.Sprintf("request.kind.kind == %s ? %s : %s", quote(kinds[i].Kind), value(kinds[i]), e)
	}
	return "(" + e + ")"
}

// metaMap is CEL for a map under the Pod spec's metadata (its template's
// metadata), or {} where there is none.
func metaMap(k transform.WorkloadKind, key string) string {
	meta := append(slices.Clone(k.Path[:len(k.Path)-1]), "metadata", key)
	if len(k.Path) == 1 { // a Pod: its own metadata
		meta = []string{"metadata", key}
	}
	return fmt.Sprintf("(%s ? object.%s : {})", hasPath("object", meta), strings.Join(meta, "."))
}

// plural is the resource name of a kind, as Kubernetes names them.
func plural(kind string) string {
	k := strings.ToLower(kind)
	switch {
	case strings.HasSuffix(k, "s"), strings.HasSuffix(k, "x"), strings.HasSuffix(k, "ch"), strings.HasSuffix(k, "sh"):
		return k + "es"
	case strings.HasSuffix(k, "y") && !strings.ContainsAny(k[len(k)-2:len(k)-1], "aeiou"):
		return k[:len(k)-1] + "ies"
	}
	return k + "s"
}

func workloadRules(kinds []transform.WorkloadKind) *admv1.MatchResources {
	m := &admv1.MatchResources{}
	for _, k := range kinds {
		groups := k.Groups
		if len(groups) == 0 {
			groups = []string{"*"}
		}
		m.ResourceRules = append(m.ResourceRules, admv1.NamedRuleWithOperations{RuleWithOperations: admv1.RuleWithOperations{
			Operations: []admv1.OperationType{admv1.Create, admv1.Update},
			Rule:       admv1.Rule{APIGroups: groups, APIVersions: []string{"*"}, Resources: []string{plural(k.Kind)}},
		}})
	}
	return m
}

const (
	objLabels      = `(has(object.metadata.labels) ? object.metadata.labels : {})`
	objAnnotations = `(has(object.metadata.annotations) ? object.metadata.annotations : {})`
)

// workloadPolicies are the validating policy and binding of
// spec.admission.validate.
func workloadPolicies(inj *transform.Injection) ([]any, field.ErrorList) {
	kinds := inj.WorkloadKinds()
	ann := quote(transform.InjectAnnotation)
	tmplAnnotations := byKind(kinds, func(k transform.WorkloadKind) string { return metaMap(k, "annotations") }, "{}")
	t := target{
		Group: "request.kind.group", Version: "request.kind.version", Kind: "request.kind.kind",
		Name: "object.metadata.name", Namespace: "request.namespace", Labels: objLabels, Annotations: objAnnotations,
		InjectValues: []string{
			fmt.Sprintf(`(%s in %s ? %s[%s] : "")`, ann, objAnnotations, objAnnotations, ann),
			fmt.Sprintf(`(%s in %s ? %s[%s] : "")`, ann, tmplAnnotations, tmplAnnotations, ann),
		},
	}
	hasSpec := byKind(kinds, func(k transform.WorkloadKind) string { return hasPath("object", k.Path) }, "false")
	conds := []admv1.MatchCondition{
		{Name: "not-owned", Expression: "!has(object.metadata.ownerReferences) || size(object.metadata.ownerReferences) == 0"},
		{Name: "not-local-config", Expression: fmt.Sprintf(`!(%q in %s && %s[%q] == "true")`, "config.kubernetes.io/local-config", objAnnotations, objAnnotations, "config.kubernetes.io/local-config")},
		{Name: "has-pod-spec", Expression: hasSpec},
	}
	sel, errs := selected(t, &inj.Spec)
	if sel != "" {
		conds = append(conds, admv1.MatchCondition{Name: "targeted", Expression: sel})
	}
	conds = append(conds, admv1.MatchCondition{Name: "opted-in", Expression: optedIn(t, inj.Metadata.Name, inj.Spec.OptIn)})
	conds, selectedNS := splitNamespaced(conds)
	r := &renderer{inj: inj, subj: subject{Name: t.Name, Namespace: t.Namespace, Kind: t.Kind, Labels: objLabels, Annotations: objAnnotations}}
	missing := workloadChecks(inj, r)
	errs = append(errs, r.errs...)

	name := Name(inj.Metadata.Name) + "-workloads"
	fail := admv1.Fail
	labels := map[string]string{"app.kubernetes.io/managed-by": "inject-sidecars"}
	podSpec := byKind(kinds, func(k transform.WorkloadKind) string { return "object." + strings.Join(k.Path, ".") }, "{}")
	fix := fmt.Sprintf("; inject it before applying (inject-sidecars -c CONFIG on the manifest), or opt the workload out with the annotation %s: \"false\"", transform.InjectAnnotation)
	return []any{
		&admv1.ValidatingAdmissionPolicy{
			TypeMeta:   metav1.TypeMeta{APIVersion: vapVersion, Kind: "ValidatingAdmissionPolicy"},
			ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels},
			Spec: admv1.ValidatingAdmissionPolicySpec{
				MatchConstraints: workloadRules(kinds),
				MatchConditions:  conds,
				Variables:        []admv1.Variable{{Name: "selected", Expression: selectedNS}, {Name: "podSpec", Expression: podSpec}, {Name: "missing", Expression: missing}},
				Validations: []admv1.Validation{{
					Expression: "!variables.selected || size(variables.missing) == 0",
					MessageExpression: fmt.Sprintf(`request.kind.kind + " " + object.metadata.name + %s + variables.missing.join("; ") + %s`,
						quote(fmt.Sprintf(" lacks injection %q: ", inj.Metadata.Name)), quote(fix)),
					Reason: ptr(metav1.StatusReasonInvalid),
				}},
				FailurePolicy: &fail,
			},
		},
		&admv1.ValidatingAdmissionPolicyBinding{
			TypeMeta:   metav1.TypeMeta{APIVersion: vapVersion, Kind: "ValidatingAdmissionPolicyBinding"},
			ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels},
			Spec: admv1.ValidatingAdmissionPolicyBindingSpec{PolicyName: name,
				ValidationActions: []admv1.ValidationAction{admv1.ValidationAction(inj.Spec.Admission.Validate)}},
		},
	}, errs
}

// workloadChecks is a CEL list of what the workload's Pod spec lacks:
// each container of the injection, by name, with the config's image
// (any image where owners may override it). A label or annotation a
// template reads that the workload lacks is reported instead.
func workloadChecks(inj *transform.Injection, r *renderer) string {
	anyImage := slices.Contains(inj.Spec.Overrides, v1alpha1.OverrideImage)
	var checks []string
	for _, pl := range inj.Placements() {
		for i, n := range pl.Nodes {
			path := field.NewPath("spec", "containers").Index(i)
			nameN, imageN := yamlnode.Field(n, "name"), yamlnode.Field(n, "image")
			name, image := r.scalar(nameN, path.Child("name")), r.scalar(imageN, path.Child("image"))
			list := "variables.podSpec." + pl.List
			ok := fmt.Sprintf("has(%s) && %s.exists(c, c.name == %s && c.image == %s)", list, list, name, image)
			msg := fmt.Sprintf(`"container \"" + %s + "\" with image " + %s + " in %s"`, name, image, pl.List)
			if anyImage {
				ok = fmt.Sprintf("has(%s) && %s.exists(c, c.name == %s)", list, list, name)
				msg = fmt.Sprintf(`"container \"" + %s + "\" in %s"`, name, pl.List)
			}
			checks = append(checks, when("!("+ok+")", msg))
		}
	}
	var keys []string
	seen := map[templateKey]bool{}
	for _, k := range r.needKeys {
		key := templateKey{Map: k.Map, Key: k.Key}
		if seen[key] {
			continue
		}
		seen[key] = true
		m, what := objLabels, "label"
		if k.Map == "Annotations" {
			m, what = objAnnotations, "annotation"
		}
		keys = append(keys, when(fmt.Sprintf("!(%s in %s)", quote(k.Key), m), quote(fmt.Sprintf("%s %q, which %s reads", what, k.Key, k.Field))))
	}
	if len(keys) == 0 {
		return concat(checks)
	}
	return fmt.Sprintf("size(%s) > 0 ? %s : %s", concat(keys), concat(keys), concat(checks))
}
