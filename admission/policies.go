package admission

import (
	"encoding/json"
	"fmt"
	"strings"

	admv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/inject-sidecars/inject-sidecars/api/v1alpha1"
	"github.com/inject-sidecars/inject-sidecars/internal/yamlnode"
)

const vapVersion = "admissionregistration.k8s.io/v1"

// podRules match Pods at CREATE: the only time a Pod's containers can be
// given to it.
var podRules = &admv1.MatchResources{ResourceRules: []admv1.NamedRuleWithOperations{{
	RuleWithOperations: admv1.RuleWithOperations{
		Operations: []admv1.OperationType{admv1.Create},
		Rule:       admv1.Rule{APIGroups: []string{""}, APIVersions: []string{"v1"}, Resources: []string{"pods"}},
	},
}}}

// matchConditions are the config's selection at admission: not injected
// yet, not local-config, targets and excludes, the inject annotation.
// The API server evaluates match conditions without namespaceObject, so
// those that read the Namespace (namespaceSelector, its inject
// annotation) become the variable "selected", which the mutation and
// the validations check first.
func (p *podPolicy) matchConditions() []admv1.MatchCondition {
	conds := []admv1.MatchCondition{
		{Name: "not-injected-yet", Expression: notInjected(p.name)},
		{Name: "not-local-config", Expression: notLocalConfig},
	}
	sel, errs := selected(podTarget, p.spec)
	p.r.errs = append(p.r.errs, errs...)
	if sel != "" {
		conds = append(conds, admv1.MatchCondition{Name: "targeted", Expression: sel})
	}
	conds = append(conds, admv1.MatchCondition{Name: "opted-in", Expression: optedIn(podTarget, p.name, p.spec.OptIn)})
	conds, p.selected = splitNamespaced(conds)
	return conds
}

// splitNamespaced takes the conditions that read namespaceObject out of
// conds, and returns them as one CEL expression ("true" when none).
func splitNamespaced(conds []admv1.MatchCondition) ([]admv1.MatchCondition, string) {
	var kept []admv1.MatchCondition
	var ns []string
	for _, c := range conds {
		if strings.Contains(c.Expression, "namespaceObject") {
			ns = append(ns, "("+c.Expression+")")
			continue
		}
		kept = append(kept, c)
	}
	if len(ns) == 0 {
		return kept, "true"
	}
	return kept, strings.Join(ns, " &&\n")
}

func vars(named [][2]string) []admv1.Variable {
	out := make([]admv1.Variable, len(named))
	for i, v := range named {
		out[i] = admv1.Variable{Name: v[0], Expression: v[1]}
	}
	return out
}

// policies are the mutating policy, the validating one that refuses
// what cannot be injected, and their bindings.
func (p *podPolicy) policies(apiVersion string) ([]any, error) {
	name := Name(p.name)
	mutation := p.mutation() // renders every object: errors and template keys are known after it
	conds := p.matchConditions()
	named := p.variables()
	status, err := p.statusVariables()
	if err != nil {
		return nil, err
	}
	named = append(named, status...)
	fail := admv1.Fail
	meta := func(kind, version string) (metav1.TypeMeta, metav1.ObjectMeta) {
		return metav1.TypeMeta{APIVersion: version, Kind: kind}, metav1.ObjectMeta{Name: name, Labels: map[string]string{"app.kubernetes.io/managed-by": "inject-sidecars"}}
	}
	mapTM, mapOM := meta("MutatingAdmissionPolicy", apiVersion)
	mapBTM, mapBOM := meta("MutatingAdmissionPolicyBinding", apiVersion)
	vapTM, vapOM := meta("ValidatingAdmissionPolicy", vapVersion)
	vapBTM, vapBOM := meta("ValidatingAdmissionPolicyBinding", vapVersion)
	validations := []admv1.Validation{{
		Expression:        "!variables.selected || size(variables.problems) == 0",
		MessageExpression: fmt.Sprintf(`%s + variables.problems.join("; ")`, quote(fmt.Sprintf("injection %q cannot be added to this Pod: ", p.name))),
		Reason:            ptr(metav1.StatusReasonInvalid),
	}}
	if p.spec.OnConflict == v1alpha1.ConflictError {
		validations = append(validations, admv1.Validation{
			Expression:        "!variables.selected || size(variables.conflicts) == 0",
			MessageExpression: fmt.Sprintf(`%s + variables.conflicts.join("; ") + %s`, quote(fmt.Sprintf("injection %q conflicts with this Pod: ", p.name)), quote("; rename or remove what clashes in the Pod, or set onConflict: skip in the injection's config")),
			Reason:            ptr(metav1.StatusReasonInvalid),
		})
	}
	return []any{
		&admv1.MutatingAdmissionPolicy{TypeMeta: mapTM, ObjectMeta: mapOM, Spec: admv1.MutatingAdmissionPolicySpec{
			MatchConstraints:   podRules,
			MatchConditions:    conds,
			Variables:          vars(named),
			Mutations:          []admv1.Mutation{{PatchType: admv1.PatchTypeJSONPatch, JSONPatch: &admv1.JSONPatch{Expression: mutation}}},
			FailurePolicy:      &fail,
			ReinvocationPolicy: admv1.NeverReinvocationPolicy,
		}},
		&admv1.MutatingAdmissionPolicyBinding{TypeMeta: mapBTM, ObjectMeta: mapBOM, Spec: admv1.MutatingAdmissionPolicyBindingSpec{PolicyName: name}},
		&admv1.ValidatingAdmissionPolicy{TypeMeta: vapTM, ObjectMeta: vapOM, Spec: admv1.ValidatingAdmissionPolicySpec{
			MatchConstraints: podRules,
			MatchConditions:  conds,
			Variables:        vars(p.variables()),
			Validations:      validations,
			FailurePolicy:    &fail,
		}},
		&admv1.ValidatingAdmissionPolicyBinding{TypeMeta: vapBTM, ObjectMeta: vapBOM, Spec: admv1.ValidatingAdmissionPolicyBindingSpec{
			PolicyName: name, ValidationActions: []admv1.ValidationAction{admv1.Deny},
		}},
	}, nil
}

func ptr[T any](v T) *T { return &v }

// toNode encodes an object as YAML: block style, CEL expressions as
// literal blocks, no empty creationTimestamp.
func toNode(obj any) (*yaml.RNode, error) {
	b, err := json.Marshal(obj)
	if err != nil {
		return nil, err
	}
	n, err := yaml.Parse(string(b))
	if err != nil {
		return nil, err
	}
	if meta := yamlnode.Field(n.YNode(), "metadata"); meta != nil {
		for i := 0; i+1 < len(meta.Content); i += 2 {
			if meta.Content[i].Value == "creationTimestamp" {
				meta.Content = append(meta.Content[:i], meta.Content[i+2:]...)
				break
			}
		}
	}
	blockStyle(n.YNode())
	return n, nil
}

func blockStyle(n *yaml.Node) {
	n.Style = 0
	if n.Kind == yaml.ScalarNode && n.Tag == yaml.NodeTagString && strings.ContainsRune(n.Value, '\n') {
		n.Style = yaml.LiteralStyle
	}
	for _, c := range n.Content {
		blockStyle(c)
	}
}
