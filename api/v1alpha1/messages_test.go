package v1alpha1_test

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/inject-sidecars/inject-sidecars/api/v1alpha1"
)

// configErrors lists every error of a config, "field: message", so a
// test sees the follow-on errors a fix must not add.
func configErrors(t *testing.T, err error) []string {
	t.Helper()
	var ce *v1alpha1.ConfigError
	if !errors.As(err, &ce) {
		t.Fatalf("got %v, want a config error", err)
	}
	var out []string
	for _, fe := range ce.Errors {
		out = append(out, fe.Field+": "+fe.Detail)
	}
	return out
}

// TestDecodeMessages checks the whole list of errors, word for word, of
// the mistakes a first-time user makes: each is said once, at the place
// it is, with the fix, and nothing follows from it.
func TestDecodeMessages(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, src string
		want      []string
	}{
		{
			name: "an unquoted template hides no other field",
			src:  header + "spec:\n  containers:\n  - name: fluent-bit\n    image: {{ .Name }}\n",
			want: []string{`spec.containers[0].image: a template must be quoted, or YAML reads it as an object: write image: "{{ .Name }}"`},
		},
		{
			name: "an unquoted template beside a real mistake",
			src:  header + "spec:\n  containers:\n  - image: x:1\n    env:\n    - name: A\n      value: {{ .Name }}\n",
			want: []string{
				`spec.containers[0].env[0].value: a template must be quoted, or YAML reads it as an object: write value: "{{ .Name }}"`,
				"spec.containers[0].name: required",
			},
		},
		{
			name: "a version YAML reads as a number",
			src:  header + "spec:\n  kubernetesVersion: 1.30\n  containers:\n  - {name: a, image: x:1}\n",
			want: []string{`spec.kubernetesVersion: expected string, got number: write kubernetesVersion: "1.30" (YAML reads 1.30 as the number 1.3)`},
		},
		{
			name: "a port's name where its number goes, at the port's entry",
			src:  header + "spec:\n  containers:\n  - name: a\n    image: x:1\n    ports:\n    - containerPort: 80\n    - containerPort: http\n",
			want: []string{"spec.containers[0].ports[1].containerPort: expected a whole number, got string"},
		},
		{
			name: "a label selector without its parentheses",
			src:  header + "spec:\n  targets: [{labelSelector: app in web}]\n  containers:\n  - {name: a, image: x:1}\n",
			want: []string{`spec.targets[0].labelSelector: "app in web": not a label selector (unable to parse requirement: found 'web' expected: '('): write e.g. "app in (web,api)" or "app=web"`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := decode(t, tt.src)
			if diff := cmp.Diff(tt.want, configErrors(t, err)); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
		})
	}
}

// TestConfigMapMessages: the ConfigMap form's errors name the ConfigMap
// the user wrote, and kpt's empty one (no config given at all) is said
// once.
func TestConfigMapMessages(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, src string
		ref       string
		want      []string
	}{
		{
			name: "a mistyped key",
			src:  "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: proxy\ndata:\n  name: envoy\n  imagee: envoyproxy/envoy:v1.31.0\n",
			ref:  "v1/ConfigMap/proxy",
			want: []string{
				"data.imagee: unknown key: the ConfigMap form takes image, kinds, kubeVersion, mode, name, position",
				"data.image: required",
			},
		},
		{
			name: "kpt fn eval with no config",
			src:  "metadata:\n  name: function-input\ndata: {}\nkind: ConfigMap\napiVersion: v1\n",
			ref:  "v1/ConfigMap/function-input",
			want: []string{"data: no function config: give --fn-config FILE, or -- name=NAME image=IMAGE"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := decode(t, tt.src)
			if diff := cmp.Diff(tt.want, configErrors(t, err)); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
			var ce *v1alpha1.ConfigError
			if errors.As(err, &ce) && (ce.Resource == nil || ce.Resource.APIVersion+"/"+ce.Resource.Kind+"/"+ce.Resource.Name != tt.ref) {
				t.Errorf("names %+v, want %s", ce.Resource, tt.ref)
			}
		})
	}
}
