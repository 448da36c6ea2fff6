package transform_test

import (
	"errors"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/inject-sidecars/inject-sidecars/api/v1alpha1"
	"github.com/inject-sidecars/inject-sidecars/transform"
)

// TestTemplateFieldsCheckedAtRead: a template naming a field the
// workload's metadata does not have is a config error when the config is
// read, listing the fields there are; it does not wait for a workload.
func TestTemplateFieldsCheckedAtRead(t *testing.T) {
	t.Parallel()
	const fields = "the fields are Name, Namespace, Kind, Labels, Annotations"
	tests := []struct {
		name, value, wantField, wantDetail string
	}{
		{"a typo", `"{{ .Nme }}"`, "spec.containers[0].image", "unknown template field .Nme: " + fields},
		{"through $", `"x-{{ $.Lables }}"`, "spec.containers[0].image", "unknown template field .Lables: " + fields},
		{"in an if", `"{{ if .Namespce }}a{{ end }}"`, "spec.containers[0].image", "unknown template field .Namespce: " + fields},
		{"as index's argument", `"{{ index .Label \"app\" }}"`, "spec.containers[0].image", "unknown template field .Label: " + fields},
		{"a field of text", `"{{ .Name.first }}"`, "spec.containers[0].image", "template field .Name is text and has no field .first: the fields with keys are Labels and Annotations"},
		{"every field there is", `"{{ .Name }}{{ .Namespace }}{{ .Kind }}{{ index .Labels \"a\" }}{{ .Annotations.b }}"`, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := "apiVersion: inject-sidecars.dev/v1alpha1\nkind: SidecarInjection\nmetadata: {name: t}\nspec:\n  containers:\n  - name: s\n    image: " + tt.value + "\n"
			n, err := yaml.Parse(cfg)
			if err != nil {
				t.Fatal(err)
			}
			c, err := v1alpha1.Decode(n.YNode())
			if err != nil {
				t.Fatal(err)
			}
			_, err = transform.NewInjection(c)
			if tt.wantField == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			var ce *v1alpha1.ConfigError
			if !errors.As(err, &ce) || len(ce.Errors) != 1 {
				t.Fatalf("want one config error, got %v", err)
			}
			if got := ce.Errors[0]; got.Field != tt.wantField || got.Detail != tt.wantDetail {
				t.Errorf("got %s: %s\nwant %s: %s", got.Field, got.Detail, tt.wantField, tt.wantDetail)
			}
		})
	}
}
