package main

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/inject-sidecars/inject-sidecars/internal/testkit"
)

var update = flag.Bool("update", false, "rewrite the examples' expected.yaml")

// TestExamples runs the command each plain-mode example's README shows
// and compares the output with the example's expected.yaml, so the
// examples cannot rot. (The kustomize and kpt examples run in the E2E
// tests.)
func TestExamples(t *testing.T) {
	examples := []struct {
		dir   string
		args  []string
		stdin string
		// report: also write --report and compare it with
		// expected.report.json.
		report bool
	}{
		{dir: "log-collector", args: []string{"-q", "-c", "inject.yaml", "app.yaml"}},
		{dir: "mesh-proxy", args: []string{"-q", "-c", "inject.yaml", "app.yaml"}},
		{dir: "config-reload", args: []string{"-q", "-c", "inject.yaml", "app.yaml"}},
		{dir: "cronjob-native-sidecar", args: []string{"-q", "-c", "inject.yaml", "cronjob.yaml"}},
		{dir: "helm-post-render", stdin: "rendered.yaml"},
		{dir: "pod-security", args: []string{"-q", "-c", "inject.yaml", "app.yaml"}},
		{dir: "owner-overrides", args: []string{"-q", "-c", "inject.yaml", "app.yaml"}, report: true},
		{dir: "admission-policy", args: []string{"-q", "-c", "inject.yaml", "app.yaml"}},
	}
	for _, ex := range examples {
		t.Run(ex.dir, func(t *testing.T) {
			dir := filepath.Join("examples", ex.dir)
			var r runResult
			reportPath := filepath.Join(t.TempDir(), "report.json")
			if ex.report {
				ex.args = append(ex.args, "--report", reportPath)
			}
			if ex.stdin != "" {
				t.Setenv("INJECT_SIDECARS", binary)
				r = run(t, dir, testkit.ReadFile(t, filepath.Join(dir, ex.stdin)), "./post-render.sh")
			} else {
				r = run(t, dir, nil, binary, ex.args...)
			}
			if r.code != 0 {
				t.Fatalf("exit %d:\n%s", r.code, r.stderr)
			}
			outputs := map[string]string{"expected.yaml": r.stdout}
			if ex.report {
				outputs["expected.report.json"] = string(testkit.ReadFile(t, reportPath))
			}
			for name, got := range outputs {
				golden := filepath.Join(dir, name)
				if *update {
					if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
						t.Fatal(err)
					}
					continue
				}
				if diff := cmp.Diff(string(testkit.ReadFile(t, golden)), got); diff != "" {
					t.Errorf("%s differs (-want +got):\n%s", golden, diff)
				}
			}
		})
	}
}
