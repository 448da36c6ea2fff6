package v1alpha1_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/inject-sidecars/inject-sidecars/api/v1alpha1"
)

// TestDecodeWithOverrides: an override replaces its field before the
// config is defaulted and validated, so the config reads as the one with
// the field written in: the defaults follow it (mode auto on 1.26 is
// classic, and classic goes last), and what it replaces is not validated.
func TestDecodeWithOverrides(t *testing.T) {
	const sidecar = "spec:\n  containers: [{name: a, image: 'a:1'}]\n"
	tests := []struct {
		name, config, written string
		opts                  v1alpha1.Options
	}{
		{"kube-version", sidecar + "  mode: auto\n  kubernetesVersion: '1.33'\n", sidecar + "  mode: auto\n  kubernetesVersion: '1.26'\n", v1alpha1.Options{KubeVersion: "1.26"}},
		{"kube-version over a bad version", sidecar + "  kubernetesVersion: 'one-thirty'\n", sidecar + "  kubernetesVersion: '1.30'\n", v1alpha1.Options{KubeVersion: "1.30"}},
		{"uninject", sidecar, sidecar + "  action: uninject\n", v1alpha1.Options{Uninject: true}},
		{"uninject over a bad action", sidecar + "  action: remove\n", sidecar + "  action: uninject\n", v1alpha1.Options{Uninject: true}},
		{"uninject with nothing to inject", "spec:\n  targets: [{kind: Deployment}]\n", "spec:\n  targets: [{kind: Deployment}]\n  action: uninject\n", v1alpha1.Options{Uninject: true}},
		{"both", sidecar, sidecar + "  kubernetesVersion: '1.28'\n  action: uninject\n", v1alpha1.Options{KubeVersion: "1.28", Uninject: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := v1alpha1.DecodeWith(parse(t, header+tt.config), tt.opts)
			if err != nil {
				t.Fatalf("with %+v: %v", tt.opts, err)
			}
			want, err := v1alpha1.Decode(parse(t, header+tt.written))
			if err != nil {
				t.Fatalf("written in: %v", err)
			}
			if d := cmp.Diff(want.Spec, got.Spec, nodeValues); d != "" {
				t.Errorf("spec (-written +override):\n%s", d)
			}
			if plain, err := v1alpha1.Decode(parse(t, header+tt.config)); err == nil && cmp.Equal(want.Spec, plain.Spec, nodeValues) {
				t.Errorf("without the override the config reads the same: the row shows nothing")
			}
		})
	}
}

func parse(t *testing.T, src string) *yaml.Node {
	t.Helper()
	n, err := yaml.Parse(src)
	if err != nil {
		t.Fatal(err)
	}
	return n.YNode()
}

// nodeValues compares the config's own YAML nodes by their value: the
// two configs are parsed apart.
var nodeValues = cmp.Comparer(func(a, b *yaml.Node) bool { return a.Value == b.Value })
