// Package admission renders an injection into Kubernetes admission
// policies, so that the API server itself injects the same sidecars into
// Pods created in the cluster (by operators, CI runners, Jobs of
// third-party CronJobs), with no webhook server to run:
//
//   - a MutatingAdmissionPolicy and its binding, inject-sidecars-NAME,
//     whose JSONPatch adds what transform adds offline, status
//     annotation included;
//   - a ValidatingAdmissionPolicy and binding of the same name that
//     refuses a Pod the injection cannot be added to (a conflict with
//     onConflict: error, a label a template reads that the Pod lacks,
//     owner overrides), with a message naming the problem;
//   - with spec.admission.validate, a ValidatingAdmissionPolicy and
//     binding, inject-sidecars-NAME-workloads, that checks the workloads
//     the targets select carry the injection's containers.
//
// What an injection adds comes from transform (Placements, Sidecars,
// Objects, Template, the status Entry): this package only says it in
// CEL. What has no faithful CEL form is refused with its field path.
package admission

import (
	"fmt"

	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apimachinery/pkg/util/version"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/inject-sidecars/inject-sidecars/api/v1alpha1"
	"github.com/inject-sidecars/inject-sidecars/transform"
)

// VersionError says the cluster has no MutatingAdmissionPolicy API: a
// usage error, since only the version asked for is wrong.
type VersionError struct {
	Config, Version string
}

func (e *VersionError) Error() string {
	return fmt.Sprintf("%s: Kubernetes %s has no MutatingAdmissionPolicy API (beta from 1.34, GA from 1.36): give --kube-version 1.34 or later, or inject offline", e.Config, e.Version)
}

// APIVersion is the admissionregistration version of the mutating
// policy for a cluster version: v1 from 1.36 (and when none is known),
// v1beta1 for 1.34 and 1.35. Below 1.34 there is none.
func APIVersion(v *version.Version) (string, bool) {
	switch {
	case v == nil || v.AtLeast(version.MajorMinor(1, 36)):
		return "admissionregistration.k8s.io/v1", true
	case v.AtLeast(version.MajorMinor(1, 34)):
		return "admissionregistration.k8s.io/v1beta1", true
	}
	return "", false
}

// Name is the name of an injection's policies and bindings.
func Name(injection string) string { return "inject-sidecars-" + injection }

// Generate renders the policies of one injection, in the order they
// should be applied (each policy before its binding). A config that
// cannot be expressed is a *v1alpha1.ConfigError listing every field
// and why; a version below 1.34 is a *VersionError.
func Generate(inj *transform.Injection) ([]*yaml.RNode, error) {
	kube, _ := inj.Spec.KubeVersion() // validated when decoded
	apiVersion, ok := APIVersion(kube)
	if !ok {
		return nil, &VersionError{Config: inj.Ref(), Version: inj.Spec.KubernetesVersion}
	}
	errs := refusals(&inj.Spec)
	p := newPodPolicy(inj)
	objs, err := p.policies(apiVersion)
	errs = append(errs, p.r.errs...)
	if inj.Spec.Admission != nil && inj.Spec.Admission.Validate != "" {
		w, werrs := workloadPolicies(inj)
		objs = append(objs, w...)
		errs = append(errs, werrs...)
	}
	if len(errs) > 0 {
		return nil, &v1alpha1.ConfigError{Ref: inj.Ref(), Name: inj.Metadata.Name, Errors: dedupe(errs)}
	}
	if err != nil {
		return nil, err
	}
	out := make([]*yaml.RNode, len(objs))
	for i, o := range objs {
		if out[i], err = toNode(o); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// refusals are the config's features that admission cannot express.
func refusals(s *v1alpha1.Spec) field.ErrorList {
	var errs field.ErrorList
	spec := field.NewPath("spec")
	if s.OnConflict == v1alpha1.ConflictReplace {
		errs = append(errs, field.Invalid(spec.Child("onConflict"), string(s.OnConflict),
			"admission policies cannot replace: a JSONPatch would overwrite the Pod's own object with nothing recording it; use error or skip for the policy, or inject offline"))
	}
	if s.PodSecurity != "" {
		errs = append(errs, field.Invalid(spec.Child("podSecurity"), string(s.PodSecurity),
			"Pod Security checks have no CEL form; the API server's own PodSecurity admission holds the injected Pod to its Namespace's enforce level; leave podSecurity out of the policy's config, or inject offline"))
	}
	if s.Action == v1alpha1.Uninject {
		errs = append(errs, field.Invalid(spec.Child("action"), string(s.Action),
			"an admission policy adds an injection to new Pods; it cannot remove one: run --uninject offline"))
	}
	return errs
}

// dedupe drops repeated errors (a template rendered in two places).
func dedupe(errs field.ErrorList) field.ErrorList {
	seen := map[string]bool{}
	var out field.ErrorList
	for _, e := range errs {
		if k := e.Field + "\x00" + e.Detail; !seen[k] {
			seen[k] = true
			out = append(out, e)
		}
	}
	return out
}
