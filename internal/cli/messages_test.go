package cli_test

import (
	"strings"
	"testing"

	"github.com/inject-sidecars/inject-sidecars/internal/cli"
	"github.com/inject-sidecars/inject-sidecars/internal/testkit"
)

const (
	msgConfig = "apiVersion: inject-sidecars.dev/v1alpha1\nkind: SidecarInjection\nmetadata:\n  name: logging\nspec:\n  containers:\n  - name: fluent-bit\n    image: fluent/fluent-bit:3.1.4\n    resources:\n      requests: {cpu: 10m, memory: 32Mi}\n      limits: {memory: 64Mi}\n"
	msgApp    = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n      - name: web\n        image: nginx:1.27.0\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  ports:\n  - port: 80\n"
)

// TestPlainMessages checks the exact words of the messages a newcomer
// meets first: files given to the wrong flag, and a YAML error in a later
// document.
func TestPlainMessages(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		args  []string
		code  int
		// want are lines stderr must hold, exactly.
		want []string
		// notWant are words stderr must not hold.
		notWant []string
	}{
		{
			name:    "-c given manifests",
			files:   map[string]string{"inject.yaml": msgConfig, "app.yaml": msgApp},
			args:    []string{"-c", "app.yaml", "inject.yaml"},
			code:    1,
			want:    []string{"inject-sidecars: config app.yaml holds Kubernetes manifests (Deployment/web, Service/web), not an injection config: -c takes a SidecarInjection or a ConfigMap; give the manifests after the flags, as in inject-sidecars -c CONFIG app.yaml"},
			notWant: []string{"functionConfig", "not supported"},
		},
		{
			name:  "a config file with a manifest in it",
			files: map[string]string{"inject.yaml": msgConfig + "---\n" + msgApp, "app.yaml": msgApp},
			args:  []string{"-c", "inject.yaml", "app.yaml"},
			code:  1,
			want: []string{
				"inject-sidecars: config inject.yaml, document 1: a Deployment (apps/v1) is not an injection config: -c takes a SidecarInjection or a ConfigMap",
				"inject-sidecars: config inject.yaml, document 2: a Service (v1) is not an injection config: -c takes a SidecarInjection or a ConfigMap",
			},
		},
		{
			name:  "a config given as an input",
			files: map[string]string{"inject.yaml": msgConfig, "app.yaml": msgApp},
			args:  []string{"-q", "-c", "inject.yaml", "inject.yaml", "app.yaml"},
			code:  0,
			want:  []string{"[warning] inject-sidecars.dev/v1alpha1/SidecarInjection/logging: an injection config among the inputs is not applied, and is written out as it came: give it with -c, as in inject-sidecars -c inject.yaml ... (inject.yaml, document 0)"},
		},
		{
			name:    "a kpt package's local config among the inputs is expected",
			files:   map[string]string{"inject.yaml": strings.Replace(msgConfig, "  name: logging\n", "  name: logging\n  annotations:\n    config.kubernetes.io/local-config: \"true\"\n", 1), "app.yaml": msgApp},
			args:    []string{"-q", "-c", "inject.yaml", "inject.yaml", "app.yaml"},
			code:    0,
			notWant: []string{"among the inputs"},
		},
		{
			name:    "an unquoted template gets a hint to quote it",
			files:   map[string]string{"inject.yaml": strings.Replace(msgConfig, "    image: fluent/fluent-bit:3.1.4\n", "    image: fluent/fluent-bit:3.1.4\n    env:\n    - name: APP_NAME\n      value: {{ .Name }}\n", 1), "app.yaml": msgApp},
			args:    []string{"-c", "inject.yaml", "app.yaml"},
			code:    1,
			want:    []string{`[error] inject-sidecars.dev/v1alpha1/SidecarInjection/logging spec.containers[0].env[0].value: a template must be quoted, or YAML reads it as an object: write value: "{{ .Name }}" (inject.yaml)`},
			notWant: []string{"map[string]interface", "invalid map key"},
		},
		{
			name:  "a key twice in the second document of an input names the file's lines",
			files: map[string]string{"inject.yaml": msgConfig, "app.yaml": msgApp + "---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nmetadata:\n  name: q\n"},
			args:  []string{"-c", "inject.yaml", "app.yaml"},
			code:  1,
			want:  []string{`[error] v1/Pod/p metadata: duplicate key "metadata" (line 24; first at line 22): a YAML mapping holds each key once (app.yaml, document 2)`},
		},
		{
			name:  "a key twice in the second config of a file names the file's lines",
			files: map[string]string{"inject.yaml": msgConfig + "---\n" + strings.Replace(msgConfig, "name: logging\nspec:\n", "name: mesh\nspec:\n  optIn: true\n  optIn: false\n", 1), "app.yaml": msgApp},
			args:  []string{"-c", "inject.yaml", "app.yaml"},
			code:  1,
			want:  []string{`[error] inject-sidecars.dev/v1alpha1/SidecarInjection/mesh spec.optIn: duplicate key "optIn" (line 19; first at line 18): a YAML mapping holds each key once (inject.yaml)`},
		},
		{
			name:  "a YAML error in the second document names the file's line",
			files: map[string]string{"inject.yaml": msgConfig, "app.yaml": msgApp + "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  k: [unclosed\n"},
			args:  []string{"-c", "inject.yaml", "app.yaml"},
			code:  1,
			// The document starts on line 20; [unclosed is on 25.
			want: []string{"inject-sidecars: app.yaml: document 2 is not valid YAML: line 25: did not find expected ',' or ']'"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			testkit.WriteFiles(t, dir, tt.files)
			t.Chdir(dir)
			_, stderr, code := cli.Invoke(t, nil, tt.args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d:\n%s", code, tt.code, stderr)
			}
			lines := strings.Split(stderr, "\n")
			for _, w := range tt.want {
				if !contains(lines, w) {
					t.Errorf("stderr lacks the line\n%s\ngot:\n%s", w, stderr)
				}
			}
			for _, nw := range tt.notWant {
				if strings.Contains(stderr, nw) {
					t.Errorf("stderr holds %q:\n%s", nw, stderr)
				}
			}
		})
	}
}

func contains(lines []string, s string) bool {
	for _, l := range lines {
		if l == s {
			return true
		}
	}
	return false
}

// A KRM error about no resource (the input as a whole) reads
// "[error] message", as a resource's reads "[error] ref: message", with
// no colon after nothing.
func TestKRMErrorWithoutResource(t *testing.T) {
	t.Parallel()
	_, stderr, code := cli.Invoke(t, strings.NewReader("apiVersion: v1\nkind: Pod\nmetadata: {name: a}\n"))
	want := "[error] stdin is Pod: expected a ResourceList (kind: ResourceList); to run on manifests, use -c CONFIG\n"
	if code != 1 || stderr != want {
		t.Errorf("exit %d, stderr %q, want 1 and %q", code, stderr, want)
	}
}
