package transform_test

import (
	"errors"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/inject-sidecars/inject-sidecars/api/v1alpha1"
	"github.com/inject-sidecars/inject-sidecars/transform"
)

// Templates are parsed when the injection is readied, after decoding; a
// bad one is still a config error naming its field, and every bad one is
// reported at once.
func TestLoadTemplateErrors(t *testing.T) {
	t.Parallel()
	n, err := yaml.Parse(`apiVersion: inject-sidecars.dev/v1alpha1
kind: SidecarInjection
metadata: {name: logging}
spec:
  containers:
  - name: a
    image: x:1
    args: ['{{ .Name ']
  env:
  - {name: A, value: '{{ end }}'}
`)
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = transform.Load(n.YNode(), v1alpha1.Options{})
	var ce *v1alpha1.ConfigError
	if !errors.As(err, &ce) {
		t.Fatalf("got %v, want a *v1alpha1.ConfigError", err)
	}
	var paths []string
	for _, fe := range ce.Errors {
		if !strings.Contains(fe.Detail, "template") {
			t.Errorf("%s: %q does not say it is a template error", fe.Field, fe.Detail)
		}
		paths = append(paths, fe.Field)
	}
	if got, want := strings.Join(paths, " "), "spec.containers[0].args[0] spec.env[0].value"; got != want {
		t.Errorf("error paths = %q, want %q", got, want)
	}
}

// --uninject turns any config into an uninject run.
func TestLoadUninject(t *testing.T) {
	t.Parallel()
	n, err := yaml.Parse("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: {name: proxy, image: 'envoy:1'}\n")
	if err != nil {
		t.Fatal(err)
	}
	inj, warnings, err := transform.Load(n.YNode(), v1alpha1.Options{Uninject: true})
	if err != nil {
		t.Fatal(err)
	}
	if inj.Spec.Action != v1alpha1.Uninject || len(warnings) != 0 {
		t.Errorf("action %q, warnings %v: want uninject and no best-practice warnings", inj.Spec.Action, warnings)
	}
}

// NewInjection, given a config that skipped validation, still refuses
// a position it cannot place, as a typed error with the value.
func TestNewInjectionBadPosition(t *testing.T) {
	c := &v1alpha1.SidecarInjection{APIVersion: v1alpha1.APIVersion, Kind: v1alpha1.Kind}
	c.Metadata.Name = "logging"
	c.Spec.Position = "middle"
	_, err := transform.NewInjection(c)
	var ce *v1alpha1.ConfigError
	if !errors.As(err, &ce) || len(ce.Errors) != 1 {
		t.Fatalf("got %v, want a *v1alpha1.ConfigError with one error", err)
	}
	fe := ce.Errors[0]
	if fe.Type != field.ErrorTypeInvalid || fe.Field != "spec.position" || fe.BadValue != "middle" || !strings.Contains(fe.Detail, "is not a position") {
		t.Errorf("error = %#v", fe)
	}
}
