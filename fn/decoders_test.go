package fn

import (
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// TestDecodersCoverSpec keeps the strict decoder table and the Spec type
// (which the JSON Schema is reflected from) from drifting apart: every
// spec field has a decoder and every decoder a field.
func TestDecodersCoverSpec(t *testing.T) {
	var fields []string
	st := reflect.TypeOf(Spec{})
	for i := 0; i < st.NumField(); i++ {
		name, _, _ := strings.Cut(st.Field(i).Tag.Get("json"), ",")
		fields = append(fields, name)
	}
	var decoded []string
	for k := range decoders {
		decoded = append(decoded, k)
	}
	sort.Strings(fields)
	sort.Strings(decoded)
	if diff := cmp.Diff(fields, decoded); diff != "" {
		t.Errorf("Spec fields (-) and decoders (+) differ:\n%s", diff)
	}
}

// TestDecodeEveryField decodes a config that sets every spec field: each
// must land in its Spec field (a decoder of the wrong type would panic in
// get, or leave the field empty).
func TestDecodeEveryField(t *testing.T) {
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
  action: inject
`)
	if err != nil {
		t.Fatal(err)
	}
	c, err := Decode(n)
	if err != nil {
		t.Fatal(err)
	}
	v := reflect.ValueOf(c.Spec)
	for i := 0; i < v.NumField(); i++ {
		if v.Field(i).IsZero() {
			t.Errorf("spec.%s was not decoded", v.Type().Field(i).Name)
		}
	}

}
