package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/inject-sidecars/inject-sidecars/internal/cli"
)

// TestAdmissionPolicy runs --admission-policy: the version picks the
// API (or is a usage error), and what admission cannot express is
// refused with its field path and why, with nothing printed.
func TestAdmissionPolicy(t *testing.T) {
	t.Parallel()
	const config = "apiVersion: inject-sidecars.dev/v1alpha1\nkind: SidecarInjection\nmetadata: {name: logging}\nspec:\n  containers: [{name: fluent-bit, image: 'fluent/fluent-bit:3.1.4'}]\n"
	tests := []struct {
		name, extra, kubeVersion string
		code                     int
		stdout, stderr           []string
	}{
		{"no version: v1", "", "", 0, []string{"apiVersion: admissionregistration.k8s.io/v1\n", "kind: MutatingAdmissionPolicy", "name: inject-sidecars-logging", "kind: ValidatingAdmissionPolicyBinding"}, nil},
		{"1.36: v1", "", "1.36", 0, []string{"apiVersion: admissionregistration.k8s.io/v1\n"}, nil},
		{"1.35: v1beta1", "", "v1.35.4", 0, []string{"apiVersion: admissionregistration.k8s.io/v1beta1\n"}, nil},
		{"1.33: no API", "", "1.33", 2, nil, []string{"Kubernetes 1.33 has no MutatingAdmissionPolicy API"}},
		{"validate adds the workloads policy", "  admission: {validate: Warn}\n", "", 0, []string{"name: inject-sidecars-logging-workloads", "- Warn"}, nil},
		{"replace is refused", "  onConflict: replace\n", "", 1, nil, []string{"spec.onConflict: cannot be an admission policy: admission policies cannot replace"}},
		{"podSecurity is refused", "  podSecurity: restricted\n", "", 1, nil, []string{"spec.podSecurity: cannot be an admission policy: Pod Security checks have no CEL form"}},
		{"a template with no CEL form is refused", "  initContainers: [{name: i, image: 'i:1', args: ['{{ printf \"%s\" .Name }}']}]\n", "", 1, nil, []string{`spec.initContainers[0].args[0]: cannot be an admission policy: {{printf "%s" .Name}} has no CEL equivalent`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "config.yaml")
			if err := os.WriteFile(path, []byte(config+tt.extra), 0o644); err != nil {
				t.Fatal(err)
			}
			args := []string{"--admission-policy", "-c", path}
			if tt.kubeVersion != "" {
				args = append(args, "--kube-version", tt.kubeVersion)
			}
			out, stderr, code := cli.Invoke(t, nil, args...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, tt.code, stderr)
			}
			for _, want := range tt.stdout {
				if !strings.Contains(out, want) {
					t.Errorf("stdout lacks %q:\n%s", want, out)
				}
			}
			for _, want := range tt.stderr {
				if !strings.Contains(stderr, want) {
					t.Errorf("stderr lacks %q:\n%s", want, stderr)
				}
			}
			if tt.code != 0 && out != "" {
				t.Errorf("printed on failure:\n%s", out)
			}
		})
	}
}
