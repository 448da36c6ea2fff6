package cli_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/inject-sidecars/inject-sidecars/internal/cli"
	"github.com/inject-sidecars/inject-sidecars/internal/testkit"
)

// newcomerConfig is msgConfig's head: a test appends the spec it needs.
const newcomerHead = "apiVersion: inject-sidecars.dev/v1alpha1\nkind: SidecarInjection\nmetadata:\n  name: logging\n"

// newcomerSidecar is a spec that needs no warning.
const newcomerSidecar = "spec:\n  containers:\n  - name: fluent-bit\n    image: fluent/fluent-bit:3.1.4\n    resources:\n      requests: {cpu: 10m, memory: 32Mi}\n      limits: {memory: 64Mi}\n"

// TestNewcomerMessages checks every line a first-time user's mistakes
// print, word for word (no follow-on line may appear): one line each,
// the place and the fix. Configs the schema refuses live here rather
// than among the golden cases, which the schema checks.
func TestNewcomerMessages(t *testing.T) {
	tests := []struct {
		name   string
		config string
		input  string
		code   int
		want   []string
	}{
		{
			name:   "no apiVersion",
			config: strings.TrimPrefix(newcomerHead, "apiVersion: inject-sidecars.dev/v1alpha1\n") + newcomerSidecar,
			code:   1,
			want:   []string{"[error] SidecarInjection/logging apiVersion: required: write apiVersion: inject-sidecars.dev/v1alpha1 (inject.yaml)"},
		},
		{
			name:   "a kind with a letter too many",
			config: strings.Replace(newcomerHead, "kind: SidecarInjection", "kind: SidecarInjections", 1) + newcomerSidecar,
			code:   1,
			want:   []string{`[error] inject-sidecars.dev/v1alpha1/SidecarInjections/logging kind: "SidecarInjections" is not a config kind: did you mean SidecarInjection? (inject.yaml)`},
		},
		{
			name:   "a kind in lower case, in another group",
			config: strings.Replace(strings.Replace(newcomerHead, "kind: SidecarInjection", "kind: sidecarinjection", 1), "inject-sidecars.dev/v1alpha1", "example.com/v1", 1) + newcomerSidecar,
			code:   1,
			want:   []string{`[error] example.com/v1/sidecarinjection/logging kind: "sidecarinjection" is not a config kind: did you mean SidecarInjection? (inject.yaml)`},
		},
		{
			name:   "our apiVersion with another kind",
			config: strings.Replace(newcomerHead, "kind: SidecarInjection", "kind: Injection", 1) + newcomerSidecar,
			code:   1,
			want:   []string{`[error] inject-sidecars.dev/v1alpha1/Injection/logging kind: "Injection" is not a config kind: did you mean SidecarInjection? (inject.yaml)`},
		},
		{
			name:   "the ConfigMap form with a mistyped key",
			config: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: proxy\ndata:\n  name: envoy\n  imagee: envoyproxy/envoy:v1.31.0\n",
			code:   1,
			want: []string{
				"[error] v1/ConfigMap/proxy data.imagee: unknown key: the ConfigMap form takes image, kinds, kubeVersion, mode, name, position (inject.yaml)",
				"[error] v1/ConfigMap/proxy data.image: required (inject.yaml)",
			},
		},
		{
			name:   "a mistyped spec field, in the file's second document",
			config: "# two configs\n" + strings.Replace(newcomerHead, "logging", "first", 1) + newcomerSidecar + "---\n" + newcomerHead + "spec:\n  # the sidecars\n  contianers:\n  - name: a\n    image: x:1\n",
			code:   1,
			want:   []string{"[error] inject-sidecars.dev/v1alpha1/SidecarInjection/logging spec.contianers: unknown field (line 20): did you mean containers? (inject.yaml)"},
		},
		{
			name:   "a mistyped field in an entry",
			config: newcomerHead + "spec:\n  containers:\n  - name: a\n    image: x:1\n    ports:\n    - containerPort: 1\n    - naem: web\n      containerPort: 2\n  volumes:\n  - name: v\n    emptyDri: {}\n",
			code:   1,
			want: []string{
				"[error] inject-sidecars.dev/v1alpha1/SidecarInjection/logging spec.containers[0].ports[1].naem: unknown field (line 11): did you mean name? (inject.yaml)",
				"[error] inject-sidecars.dev/v1alpha1/SidecarInjection/logging spec.volumes[0].emptyDri: unknown field (line 15): did you mean emptyDir? (inject.yaml)",
			},
		},
		{
			name:   "specs: is not also called a missing spec",
			config: newcomerHead + "specs:\n  containers:\n  - name: a\n    image: x:1\n",
			code:   1,
			want:   []string{"[error] inject-sidecars.dev/v1alpha1/SidecarInjection/logging specs: unknown field (line 5): did you mean spec? (inject.yaml)"},
		},
		{
			name:   "a template that does not parse",
			config: newcomerHead + "spec:\n  containers:\n  - name: a\n    image: 'x:{{ .Name }'\n    resources: {requests: {cpu: 1m, memory: 1Mi}, limits: {memory: 1Mi}}\n",
			code:   1,
			want:   []string{`[error] inject-sidecars.dev/v1alpha1/SidecarInjection/logging spec.containers[0].image: "x:{{ .Name }" is not a valid template: a {{ has no closing }} (inject.yaml)`},
		},
		{
			name:   "a template with a suffix in a config, after a comment",
			config: "# the log collector\n" + newcomerHead + "spec:\n  containers:\n  - name: fluent-bit\n    image: fluent/fluent-bit:3.1.4\n    env:\n    - name: APP\n      value: {{ .Name }}-x\n",
			code:   1,
			want:   []string{`inject-sidecars: config inject.yaml: document 0 is not valid YAML: line 12: a template must be quoted: write value: "{{ .Name }}-x"`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			input := tt.input
			if input == "" {
				input = msgApp
			}
			testkit.WriteFiles(t, dir, map[string]string{"inject.yaml": tt.config, "app.yaml": input})
			t.Chdir(dir)
			_, stderr, code := cli.Invoke(t, nil, "-q", "-c", "inject.yaml", "app.yaml")
			if code != tt.code {
				t.Errorf("exit %d, want %d", code, tt.code)
			}
			got := strings.Split(strings.TrimSuffix(stderr, "\n"), "\n")
			if code == 1 && len(got) > 0 && got[len(got)-1] == "inject-sidecars: errors found; nothing was written" {
				got = got[:len(got)-1]
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("stderr (-want +got):\n%s", diff)
			}
		})
	}
}
