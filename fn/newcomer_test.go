package fn_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/inject-sidecars/inject-sidecars/fn"
)

// krmMessages runs the function on a ResourceList and returns each
// result as the line kpt prints for it.
func krmMessages(t *testing.T, rl string) []string {
	t.Helper()
	var out strings.Builder
	results, err := fn.Run(strings.NewReader(rl), &out, nil)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, r := range results {
		lines = append(lines, r.String())
	}
	return lines
}

// TestKRMConfigMessages: what kpt and kustomize users read about their
// config, word for word.
func TestKRMConfigMessages(t *testing.T) {
	t.Parallel()
	const head = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- apiVersion: v1\n  kind: Service\n  metadata:\n    name: web\n"
	tests := []struct {
		name, fc string
		want     []string
	}{
		{
			name: "kpt fn eval --exec with no config",
			fc:   "functionConfig:\n  metadata:\n    name: function-input\n  data: {}\n  kind: ConfigMap\n  apiVersion: v1\n",
			want: []string{"[error] v1/ConfigMap/function-input data: no function config: give --fn-config FILE, or -- name=NAME image=IMAGE"},
		},
		{
			name: "kpt fn render names the config's file",
			fc:   "functionConfig:\n  apiVersion: inject-sidecars.dev/v1alpha1\n  kind: SidecarInjection\n  metadata:\n    name: logging\n    annotations:\n      config.kubernetes.io/path: 'inject.yaml'\n      internal.config.kubernetes.io/path: 'inject.yaml'\n      internal.config.kubernetes.io/package-path: '/p'\n  spec:\n    contianers: []\n",
			want: []string{"[error] inject-sidecars.dev/v1alpha1/SidecarInjection/logging spec.contianers: unknown field: did you mean containers? (inject.yaml)"},
		},
		{
			name: "kpt fn eval --fn-config does not say which file",
			fc:   "functionConfig:\n  apiVersion: inject-sidecars.dev/v1alpha1\n  kind: SidecarInjection\n  metadata:\n    name: logging\n    annotations:\n      internal.config.kubernetes.io/seqindent: 'compact'\n  spec:\n    contianers: []\n",
			want: []string{"[error] inject-sidecars.dev/v1alpha1/SidecarInjection/logging spec.contianers: unknown field: did you mean containers?"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tt.want, krmMessages(t, head+tt.fc)); diff != "" {
				t.Errorf("results (-want +got):\n%s", diff)
			}
		})
	}
}
