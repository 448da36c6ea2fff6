package cli_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/inject-sidecars/inject-sidecars/internal/cli"
	"github.com/inject-sidecars/inject-sidecars/internal/testkit"
)

// TestOverridesLoadAlike: a command-line override (--kube-version,
// --uninject) reads the config as if the config said so itself, in one
// step before defaulting and validation, and both modes load a config
// that one way. So plain mode with the flag, plain mode with the field
// written into the config, and the KRM function (which has no flags)
// with the field written in give the same output, exit code and results;
// and without the override the run differs, so each row shows it took
// effect.
func TestOverridesLoadAlike(t *testing.T) {
	const header = "apiVersion: inject-sidecars.dev/v1alpha1\nkind: SidecarInjection\nmetadata: {name: mesh}\nspec:\n"
	const envoy = "  containers:\n  - name: envoy\n    image: envoyproxy/envoy:v1.31.0\n    resources: {requests: {cpu: 100m, memory: 128Mi}, limits: {memory: 256Mi}}\n"
	deployment := testkit.ReadFile(t, "../../testdata/kube-version-flag/input.yaml")
	injected := testkit.ReadFile(t, "../../testdata/uninject-flag/input.yaml")
	tests := []struct {
		name string
		// config is the -c file; written is the same config with the
		// override written into it.
		config, written string
		flags           []string
		input           []byte
	}{{
		name:    "kube-version picks the mode auto means",
		config:  header + envoy + "  mode: auto\n  kubernetesVersion: '1.33'\n",
		written: header + envoy + "  mode: auto\n  kubernetesVersion: '1.26'\n",
		flags:   []string{"--kube-version", "1.26"}, input: deployment,
	}, {
		name:    "kube-version replaces a version the config gets wrong",
		config:  header + envoy + "  kubernetesVersion: 'one-thirty'\n",
		written: header + envoy + "  kubernetesVersion: '1.30'\n",
		flags:   []string{"--kube-version", "1.30"}, input: deployment,
	}, {
		name:    "kube-version is what the config's warnings read",
		config:  header + envoy + "  mode: native\n",
		written: header + envoy + "  mode: native\n  kubernetesVersion: '1.28'\n",
		flags:   []string{"--kube-version", "1.28"}, input: deployment,
	}, {
		name:    "uninject",
		config:  string(testkit.ReadFile(t, "../../testdata/uninject-flag/config.yaml")),
		written: string(testkit.ReadFile(t, "../../testdata/uninject-flag/config.yaml")) + "  action: uninject\n",
		flags:   []string{"--uninject"}, input: injected,
	}, {
		name:    "uninject replaces an action the config gets wrong",
		config:  strings.Replace(string(testkit.ReadFile(t, "../../testdata/uninject-flag/config.yaml")), "metadata:\n  name: logging\nspec:\n", "metadata:\n  name: logging\nspec:\n  action: Uninject\n", 1),
		written: strings.Replace(string(testkit.ReadFile(t, "../../testdata/uninject-flag/config.yaml")), "metadata:\n  name: logging\nspec:\n", "metadata:\n  name: logging\nspec:\n  action: uninject\n", 1),
		flags:   []string{"--uninject"}, input: injected,
	}, {
		name:    "uninject needs nothing to inject",
		config:  "apiVersion: inject-sidecars.dev/v1alpha1\nkind: SidecarInjection\nmetadata: {name: logging}\nspec:\n  targets: [{kind: Deployment}]\n",
		written: "apiVersion: inject-sidecars.dev/v1alpha1\nkind: SidecarInjection\nmetadata: {name: logging}\nspec:\n  targets: [{kind: Deployment}]\n  action: uninject\n",
		flags:   []string{"--uninject"}, input: injected,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := filepath.Join(t.TempDir(), "config.yaml")
			run := func(config string, flags ...string) (string, string, int) {
				if err := os.WriteFile(cfg, []byte(config), 0o644); err != nil {
					t.Fatal(err)
				}
				return cli.Invoke(t, bytes.NewReader(tt.input), append([]string{"-c", cfg}, flags...)...)
			}
			out, stderr, code := run(tt.config, tt.flags...)
			wOut, wStderr, wCode := run(tt.written)
			if d := cmp.Diff([]any{out, stderr, code}, []any{wOut, wStderr, wCode}); d != "" {
				t.Errorf("plain mode, the flag and the field written in differ (-flag +field):\n%s", d)
			}
			if nOut, nStderr, nCode := run(tt.config); nOut == out && nStderr == stderr && nCode == code {
				t.Errorf("without %v the run is the same: the row shows nothing", tt.flags)
			}
			krmLoadsAlike(t, tt.input, []byte(tt.written), out, stderr, code)
		})
	}
}

// krmLoadsAlike runs the KRM function with config and checks it against
// plain mode's run: the same exit code, the same items, and each of its
// results about the config among plain mode's lines.
func krmLoadsAlike(t *testing.T, input, config []byte, want, wantStderr string, wantCode int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := cli.Main("", nil, bytes.NewReader(testkit.ToResourceList(input, config)), &out, &errb)
	if code != wantCode {
		t.Fatalf("KRM exit %d, plain mode exit %d:\n%s", code, wantCode, errb.String())
	}
	if code != 0 {
		return
	}
	rl, got := krmItems(t, &out)
	if d := cmp.Diff(testkit.Resources(t, []byte(want)), got); d != "" {
		t.Errorf("KRM output differs from plain mode (-plain +krm):\n%s", d)
	}
	for _, r := range rl.Results {
		if r.ResourceRef != nil && r.ResourceRef.Kind == "SidecarInjection" && !strings.Contains(wantStderr, r.String()) {
			t.Errorf("KRM result %q is not among plain mode's:\n%s", r.String(), wantStderr)
		}
	}
}
