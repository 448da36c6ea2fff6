package v1alpha1

import (
	"reflect"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// TestDecodeEveryField decodes a config that sets every spec field: each
// must land in its Spec field, and each object must keep its YAML. The
// decoder finds fields by reflection, so a new field needs no entry
// anywhere else; this test is what says a new field decodes.
func TestDecodeEveryField(t *testing.T) {
	t.Parallel()
	n, err := yaml.Parse(`apiVersion: inject-sidecars.dev/v1alpha1
kind: SidecarInjection
metadata: {name: all}
spec:
  targets: [{kind: Deployment}]
  exclude: [{namespace: kube-system}]
  optIn: true
  mode: classic
  position: last
  onConflict: skip
  containers: [{name: a, image: 'a:1'}]
  initContainers: [{name: b, image: 'b:1'}]
  volumes: [{name: v, emptyDir: {}}]
  volumeMounts: [{name: v, mountPath: /v}]
  env: [{name: E, value: x}]
  appContainers: [app]
  podAnnotations: {a: b}
  podLabels: {c: d}
  imagePullSecrets: [{name: s}]
  workloadKinds: [{kind: CloneSet, podSpecPath: spec/template/spec}]
  overrides: [image, resources]
  kubernetesVersion: "1.30"
  podSecurity: restricted
  action: inject
  admission: {validate: Deny, emit: true}
`)
	if err != nil {
		t.Fatal(err)
	}
	c, err := Decode(n.YNode())
	if err != nil {
		t.Fatal(err)
	}
	v := reflect.ValueOf(c.Spec)
	for i := 0; i < v.NumField(); i++ {
		if v.Field(i).IsZero() {
			t.Errorf("spec.%s was not decoded", v.Type().Field(i).Name)
		}
	}
	if len(c.Spec.Overrides) != 2 {
		t.Errorf("spec.overrides = %v", c.Spec.Overrides)
	}
	if c.Spec.Containers[0].Node == nil || c.Spec.Volumes[0].Node == nil || c.Spec.ImagePullSecrets[0].Node == nil {
		t.Errorf("objects lost their YAML nodes")
	}

}
