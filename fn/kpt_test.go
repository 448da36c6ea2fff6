package fn_test

import (
	"testing"

	"github.com/inject-sidecars/inject-sidecars/fn"
)

// TestFromKpt tells kpt's lists from kustomize's and hand-written ones by
// the functionConfig, as kpt, kustomize and a user write it.
func TestFromKpt(t *testing.T) {
	t.Parallel()
	const head = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\n"
	tests := []struct {
		name, fc string
		want     bool
	}{
		{"kpt fn eval --fn-config", "functionConfig:\n  kind: SidecarInjection\n  metadata:\n    name: m\n    annotations:\n      config.kubernetes.io/index: '0'\n      internal.config.kubernetes.io/seqindent: 'compact'\n", true},
		{"kpt fn render", "functionConfig:\n  kind: SidecarInjection\n  metadata:\n    name: m\n    annotations:\n      internal.config.kubernetes.io/package-path: '/p'\n", true},
		{"kpt fn eval -- key=value", "functionConfig:\n  metadata:\n    name: function-input\n  data: {name: proxy}\n  kind: ConfigMap\n  apiVersion: v1\n", true},
		{"kustomize", "functionConfig:\n  kind: SidecarInjection\n  metadata:\n    name: m\n    annotations:\n      config.kubernetes.io/function: |\n        exec: {path: x}\n      config.kubernetes.io/index: '0'\n", false},
		{"a ConfigMap of that name with annotations of its own", "functionConfig:\n  kind: ConfigMap\n  metadata:\n    name: function-input\n    annotations: {a: b}\n", false},
		{"by hand", "functionConfig:\n  kind: SidecarInjection\n  metadata:\n    name: m\n", false},
		{"no functionConfig", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rl, err := fn.ParseResourceList([]byte(head + tt.fc))
			if err != nil {
				t.Fatal(err)
			}
			if got := rl.FromKpt(); got != tt.want {
				t.Errorf("FromKpt() = %v, want %v", got, tt.want)
			}
		})
	}
}
