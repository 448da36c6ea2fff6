package fn_test

import (
	"errors"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/inject-sidecars/inject-sidecars/api/v1alpha1"
	"github.com/inject-sidecars/inject-sidecars/fn"
)

// Templates are parsed when the injection is readied, after decoding; a
// bad one is still a config error naming its field, and every bad one is
// reported at once.
func TestLoadConfigTemplateErrors(t *testing.T) {
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
	_, err = fn.LoadConfig(n.YNode(), false)
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
func TestLoadConfigUninject(t *testing.T) {
	t.Parallel()
	n, err := yaml.Parse("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: {name: proxy, image: 'envoy:1'}\n")
	if err != nil {
		t.Fatal(err)
	}
	c, err := fn.LoadConfig(n.YNode(), true)
	if err != nil {
		t.Fatal(err)
	}
	if c.Injection.Spec.Action != v1alpha1.Uninject || len(c.Warnings) != 0 {
		t.Errorf("action %q, warnings %v: want uninject and no best-practice warnings", c.Injection.Spec.Action, c.Warnings)
	}
}
