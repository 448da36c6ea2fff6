package fn_test

import (
	"bytes"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/kio"

	"github.com/inject-sidecars/inject-sidecars/fn"
)

// TestAdmissionEmit: spec.admission.emit adds the injection's admission
// policies to the output items, at admission/<injection>.yaml, after
// the items; a config admission cannot express is an error result
// naming the field.
func TestAdmissionEmit(t *testing.T) {
	t.Parallel()
	list := func(extra string) string {
		return `apiVersion: config.kubernetes.io/v1
kind: ResourceList
items:
- apiVersion: v1
  kind: Pod
  metadata: {name: p}
  spec:
    containers: [{name: app, image: 'app:1'}]
functionConfig:
  apiVersion: inject-sidecars.dev/v1alpha1
  kind: SidecarInjection
  metadata: {name: logging}
  spec:
    containers: [{name: fluent-bit, image: 'fluent/fluent-bit:3.1.4'}]
    admission: {emit: true, validate: Audit}
` + extra
	}
	want := []string{"Pod p ",
		"MutatingAdmissionPolicy inject-sidecars-logging admission/logging.yaml", "MutatingAdmissionPolicyBinding inject-sidecars-logging admission/logging.yaml",
		"ValidatingAdmissionPolicy inject-sidecars-logging admission/logging.yaml", "ValidatingAdmissionPolicyBinding inject-sidecars-logging admission/logging.yaml",
		"ValidatingAdmissionPolicy inject-sidecars-logging-workloads admission/logging.yaml", "ValidatingAdmissionPolicyBinding inject-sidecars-logging-workloads admission/logging.yaml"}
	var out bytes.Buffer
	// Whether a config may emit is decided from its text before it is
	// read: a key spelled with an escape ("\u0065mit") must emit too.
	for _, in := range []string{list(""), strings.Replace(list(""), "{emit: true", `{"\u0065mit": true`, 1)} {
		out.Reset()
		results, err := fn.Run(strings.NewReader(in), &out, nil)
		if err != nil || results.ExitCode() != 0 {
			t.Fatalf("%v %v", err, results)
		}
		items, err := (&kio.ByteReader{Reader: &out}).Read()
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, it := range items {
			path := it.GetAnnotations()["config.kubernetes.io/path"]
			got = append(got, it.GetKind()+" "+it.GetName()+" "+path)
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("items:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}

	out.Reset()
	results, err := fn.Run(strings.NewReader(strings.Replace(list(""), "admission:", "onConflict: replace\n    admission:", 1)), &out, nil)
	if err != nil {
		t.Fatal(err)
	}
	if results.ExitCode() != 1 || !strings.Contains(results.Error(), "spec.onConflict cannot be an admission policy") {
		t.Errorf("replace with emit: %v", results)
	}
}
