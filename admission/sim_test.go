package admission_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/google/cel-go/common/types"
	admissionv1 "k8s.io/api/admission/v1"
	admv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/version"
	"k8s.io/apiserver/pkg/admission"
	plugincel "k8s.io/apiserver/pkg/admission/plugin/cel"
	"k8s.io/apiserver/pkg/admission/plugin/policy/mutating/patch"
	validating "k8s.io/apiserver/pkg/admission/plugin/policy/validating"
	"k8s.io/apiserver/pkg/admission/plugin/webhook/matchconditions"
	celconfig "k8s.io/apiserver/pkg/apis/cel"
	"k8s.io/apiserver/pkg/cel/environment"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// The tests run the generated policies with the API server's own CEL
// (k8s.io/apiserver at the version of the kube-apiserver the end-to-end
// tests start): every expression is compiled as the server validates a
// policy when it is created, and evaluated as its admission plugins
// evaluate it, with the server's cost budgets.

// policies are the generated objects, decoded.
type policies struct {
	mutating   []admv1.MutatingAdmissionPolicy
	validating []admv1.ValidatingAdmissionPolicy
	bindings   map[string][]admv1.ValidationAction
}

func decodePolicies(t *testing.T, objs []*yaml.RNode) *policies {
	t.Helper()
	p := &policies{bindings: map[string][]admv1.ValidationAction{}}
	for _, o := range objs {
		b, err := o.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		switch o.GetKind() {
		case "MutatingAdmissionPolicy":
			var m admv1.MutatingAdmissionPolicy
			strictJSON(t, b, &m)
			p.mutating = append(p.mutating, m)
		case "ValidatingAdmissionPolicy":
			var v admv1.ValidatingAdmissionPolicy
			strictJSON(t, b, &v)
			p.validating = append(p.validating, v)
		case "ValidatingAdmissionPolicyBinding":
			var v admv1.ValidatingAdmissionPolicyBinding
			strictJSON(t, b, &v)
			p.bindings[v.Spec.PolicyName] = v.Spec.ValidationActions
		case "MutatingAdmissionPolicyBinding":
		default:
			t.Fatalf("unexpected kind %s", o.GetKind())
		}
	}
	return p
}

func strictJSON(t *testing.T, b []byte, v any) {
	t.Helper()
	d := json.NewDecoder(strings.NewReader(string(b)))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		t.Fatalf("%v in %s", err, b)
	}
}

func newCompiler(t *testing.T, compat *version.Version, vars []admv1.Variable, authz bool) *plugincel.CompositedCompiler {
	t.Helper()
	c, err := plugincel.NewCompositedCompiler(environment.MustBaseEnvSet(compat))
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vars {
		r := c.CompileAndStoreVariable(&validating.Variable{Name: v.Name, Expression: v.Expression}, plugincel.OptionalVariableDeclarations{HasAuthorizer: authz}, environment.NewExpressions)
		if r.Error != nil {
			t.Fatalf("variable %s does not compile: %v\n%s", v.Name, r.Error, v.Expression)
		}
	}
	return c
}

func compileMatch(t *testing.T, compat *version.Version, conds []admv1.MatchCondition, authz bool) plugincel.ConditionEvaluator {
	t.Helper()
	env := environment.MustBaseEnvSet(compat)
	c := plugincel.NewCompiler(env)
	var acc []plugincel.ExpressionAccessor
	for _, mc := range conds {
		a := &matchconditions.MatchCondition{Name: mc.Name, Expression: mc.Expression}
		if r := c.CompileCELExpression(a, plugincel.OptionalVariableDeclarations{HasAuthorizer: authz}, environment.NewExpressions); r.Error != nil {
			t.Fatalf("match condition %s does not compile: %v\n%s", mc.Name, r.Error, mc.Expression)
		}
		acc = append(acc, a)
	}
	return plugincel.NewConditionCompiler(env).CompileCondition(acc, plugincel.OptionalVariableDeclarations{HasAuthorizer: authz}, environment.NewExpressions)
}

// compileAll compiles every expression of the policies and fails on the
// first that the server would refuse.
func (p *policies) compileAll(t *testing.T, compat *version.Version) {
	t.Helper()
	for _, m := range p.mutating {
		c := newCompiler(t, compat, m.Spec.Variables, true)
		compileMatch(t, compat, m.Spec.MatchConditions, true)
		for _, mu := range m.Spec.Mutations {
			a := &patch.JSONPatchCondition{Expression: mu.JSONPatch.Expression}
			if r := c.CompileCELExpression(a, plugincel.OptionalVariableDeclarations{HasAuthorizer: true, HasPatchTypes: true}, environment.NewExpressions); r.Error != nil {
				t.Fatalf("%s: mutation does not compile: %v\n%s", m.Name, r.Error, a.Expression)
			}
		}
	}
	for _, v := range p.validating {
		c := newCompiler(t, compat, v.Spec.Variables, true)
		compileMatch(t, compat, v.Spec.MatchConditions, true)
		for _, val := range v.Spec.Validations {
			if r := c.CompileCELExpression(&validating.ValidationCondition{Expression: val.Expression}, plugincel.OptionalVariableDeclarations{HasAuthorizer: true}, environment.NewExpressions); r.Error != nil {
				t.Fatalf("%s: validation does not compile: %v\n%s", v.Name, r.Error, val.Expression)
			}
			if r := c.CompileCELExpression(&validating.MessageExpressionCondition{MessageExpression: val.MessageExpression}, plugincel.OptionalVariableDeclarations{}, environment.NewExpressions); r.Error != nil {
				t.Fatalf("%s: messageExpression does not compile: %v\n%s", v.Name, r.Error, val.MessageExpression)
			}
		}
	}
}

// request is one object at admission.
type request struct {
	obj       runtime.Object
	gvk       schema.GroupVersionKind
	gvr       schema.GroupVersionResource
	namespace *corev1.Namespace
}

func podRequest(pod *corev1.Pod, ns *corev1.Namespace) *request {
	return &request{obj: pod, gvk: corev1.SchemeGroupVersion.WithKind("Pod"), gvr: corev1.SchemeGroupVersion.WithResource("pods"), namespace: ns}
}

var scheme = func() *runtime.Scheme {
	s := runtime.NewScheme()
	if err := corev1.AddToScheme(s); err != nil {
		panic(err)
	}
	return s
}()

func (r *request) attributes() *admission.VersionedAttributes {
	ns := ""
	if r.namespace != nil {
		ns = r.namespace.Name
	}
	attr := admission.NewAttributesRecord(r.obj, nil, r.gvk, ns, "", r.gvr, "", admission.Create, &metav1.CreateOptions{}, false, nil)
	return &admission.VersionedAttributes{Attributes: attr, VersionedKind: r.gvk, VersionedObject: admission.NewLazyObject(r.obj)}
}

// outcome is what admission did: the object after the mutating
// policies, or the first denial; and the CEL cost each policy spent.
type outcome struct {
	obj    runtime.Object
	denied string
	costs  map[string]int64
}

// admit runs the mutating policies, then the validating ones, as the
// API server runs them, each within the server's per-policy budget.
func (p *policies) admit(t *testing.T, r *request) outcome {
	t.Helper()
	ctx := context.Background()
	out := outcome{obj: r.obj, costs: map[string]int64{}}
	compat := environment.DefaultCompatibilityVersion()
	for _, m := range p.mutating {
		budget := int64(celconfig.RuntimeCELCostBudget)
		va := r.attributes()
		req := plugincel.CreateAdmissionRequest(va.Attributes, metav1.GroupVersionResource(r.gvr), metav1.GroupVersionKind(r.gvk))
		ok, left := p.matches(t, compat, m.Spec.MatchConditions, va, req, nil, budget) // the server gives match conditions no namespaceObject
		budget = left
		if !ok {
			continue
		}
		c := newCompiler(t, compat, m.Spec.Variables, false)
		ev := c.CompileMutatingEvaluator(&patch.JSONPatchCondition{Expression: m.Spec.Mutations[0].JSONPatch.Expression}, plugincel.OptionalVariableDeclarations{HasPatchTypes: true}, environment.NewExpressions)
		cctx := c.CreateContext(ctx)
		res, rest, err := ev.ForInput(cctx, va, req, plugincel.OptionalVariableBindings{}, r.namespace, budget)
		if err != nil || res.Error != nil {
			t.Fatalf("%s: mutation: %v %v", m.Name, err, res.Error)
		}
		out.costs["MutatingAdmissionPolicy "+m.Name] = int64(celconfig.RuntimeCELCostBudget) - rest
		obj, err := patch.NewJSONPatcher(ev).Patch(c.CreateContext(ctx), patch.Request{
			MatchedResource: r.gvr, VersionedAttributes: va, ObjectInterfaces: admission.NewObjectInterfacesFromScheme(scheme),
			Namespace: r.namespace,
		}, budget)
		if err != nil {
			t.Fatalf("%s: %v", m.Name, err)
		}
		r = &request{obj: obj, gvk: r.gvk, gvr: r.gvr, namespace: r.namespace}
		out.obj = obj
	}
	for _, v := range p.validating {
		budget := int64(celconfig.RuntimeCELCostBudget)
		va := r.attributes()
		req := plugincel.CreateAdmissionRequest(va.Attributes, metav1.GroupVersionResource(r.gvr), metav1.GroupVersionKind(r.gvk))
		if !matchesResource(v.Spec.MatchConstraints, r.gvr) {
			continue
		}
		ok, left := p.matches(t, compat, v.Spec.MatchConditions, va, req, nil, budget)
		if !ok {
			continue
		}
		c := newCompiler(t, compat, v.Spec.Variables, false)
		for _, val := range v.Spec.Validations {
			cond := c.CompileCondition([]plugincel.ExpressionAccessor{&validating.ValidationCondition{Expression: val.Expression}}, plugincel.OptionalVariableDeclarations{}, environment.NewExpressions)
			res, rest, err := cond.ForInput(ctx, va, req, plugincel.OptionalVariableBindings{}, r.namespace, left)
			if err != nil || res[0].Error != nil {
				t.Fatalf("%s: %v %v", v.Name, err, res[0].Error)
			}
			left = rest
			if res[0].EvalResult == types.True {
				continue
			}
			msg := c.CompileCondition([]plugincel.ExpressionAccessor{&validating.MessageExpressionCondition{MessageExpression: val.MessageExpression}}, plugincel.OptionalVariableDeclarations{}, environment.NewExpressions)
			mres, rest, err := msg.ForInput(ctx, va, req, plugincel.OptionalVariableBindings{}, r.namespace, left)
			if err != nil || mres[0].Error != nil {
				t.Fatalf("%s: message: %v %v", v.Name, err, mres[0].Error)
			}
			left = rest
			if slicesContains(p.bindings[v.Name], admv1.Deny) && out.denied == "" {
				out.denied = fmt.Sprint(mres[0].EvalResult.Value())
			}
		}
		out.costs["ValidatingAdmissionPolicy "+v.Name] = int64(celconfig.RuntimeCELCostBudget) - left
	}
	return out
}

func slicesContains(l []admv1.ValidationAction, a admv1.ValidationAction) bool {
	for _, v := range l {
		if v == a {
			return true
		}
	}
	return false
}

func matchesResource(m *admv1.MatchResources, gvr schema.GroupVersionResource) bool {
	for _, r := range m.ResourceRules {
		for _, res := range r.Resources {
			if res == gvr.Resource {
				return true
			}
		}
	}
	return false
}

func (p *policies) matches(t *testing.T, compat *version.Version, conds []admv1.MatchCondition, va *admission.VersionedAttributes, req *admissionv1.AdmissionRequest, ns *corev1.Namespace, budget int64) (bool, int64) {
	t.Helper()
	ev := compileMatch(t, compat, conds, false)
	res, left, err := ev.ForInput(context.Background(), va, req, plugincel.OptionalVariableBindings{}, ns, budget)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.Error != nil {
			t.Fatalf("match condition: %v", r.Error)
		}
		if r.EvalResult != types.True {
			return false, left
		}
	}
	return true, left
}
