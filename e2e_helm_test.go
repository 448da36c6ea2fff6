package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/inject-sidecars/inject-sidecars/internal/testkit"
)

// The Helm tests render examples/helm-post-render/chart (a Deployment, a
// CronJob, a pre-install hook Job and a test Pod) with the real, pinned
// Helm 3 and Helm 4. Helm 3 runs the binary as its post-renderer; Helm 4
// runs the postrenderer/v1 plugin of plugin.yaml. Helm 4 also sends the
// hooks through the post-renderer, so its golden output differs from
// Helm 3's there and only there.

const helmExample = "examples/helm-post-render"

// helmEnv keeps a Helm run away from the user's own Helm folders. Helm
// 4.3.1's "plugin install" of a local folder writes to
// $HELM_DATA_HOME/plugins whatever HELM_PLUGINS says, while loading reads
// HELM_PLUGINS: the two must agree, as they do by default.
func helmEnv(t *testing.T) []string {
	home := t.TempDir()
	return []string{
		"HELM_CONFIG_HOME=" + filepath.Join(home, "config"),
		"HELM_DATA_HOME=" + filepath.Join(home, "data"),
		"HELM_CACHE_HOME=" + filepath.Join(home, "cache"),
		"HELM_PLUGINS=" + filepath.Join(home, "data", "plugins"),
	}
}

// helmGolden compares got with the golden file, or rewrites it with
// -update.
func helmGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join(helmExample, name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if want := string(testkit.ReadFile(t, path)); got != want {
		t.Errorf("output differs from %s (go test -run Helm . -update rewrites it):\n%s", path, got)
	}
}

func TestE2EHelm3PostRenderer(t *testing.T) {
	helm := tool(t, "helm3")
	sidecars, _ := filepath.Abs(filepath.Join(helmExample, "sidecars.yaml"))
	chart := filepath.Join(helmExample, "chart")
	r := run(t, "", nil, "env", append(helmEnv(t), helm, "template", "web", chart, "--post-renderer", binary,
		"--post-renderer-args=-q", "--post-renderer-args=-c", "--post-renderer-args="+sidecars)...)
	if r.code != 0 {
		t.Fatalf("helm template: exit %d\n%s", r.code, r.stderr)
	}
	helmGolden(t, "helm3.expected.yaml", r.stdout)

	// A failing injection: Helm 3 shows the post-renderer's stderr.
	r = run(t, "", nil, "env", append(helmEnv(t), helm, "template", "web", chart, "--post-renderer", binary,
		"--post-renderer-args=-q", "--post-renderer-args=-c", "--post-renderer-args="+conflictConfig(t))...)
	if r.code == 0 {
		t.Fatalf("a conflict should fail helm template:\n%s", r.stdout)
	}
	mustContain(t, "helm stderr", r.stderr, `container "web" already exists`)
}

// conflictConfig writes a config whose sidecar clashes with the chart's
// own container.
func conflictConfig(t *testing.T) string {
	path := filepath.Join(t.TempDir(), "clash.yaml")
	cfg := "apiVersion: inject-sidecars.dev/v1alpha1\nkind: SidecarInjection\nmetadata: {name: clash}\nspec:\n  targets: [{kind: Deployment}]\n  mode: classic\n  containers:\n  - {name: web, image: 'nginx:1.27.0'}\n"
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// installPlugin installs plugin.yaml the way the README says (make build,
// then helm plugin install .), from a copy of the repository's plugin
// files holding the binary under test.
func installPlugin(t *testing.T, helm string, env []string) {
	src := t.TempDir()
	if err := os.MkdirAll(filepath.Join(src, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(src, "plugin.yaml"), testkit.ReadFile(t, "plugin.yaml"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(binary, filepath.Join(src, "bin", "inject-sidecars")); err != nil {
		t.Fatal(err)
	}
	if r := run(t, "", nil, "env", append(env, helm, "plugin", "install", src)...); r.code != 0 {
		t.Fatalf("helm plugin install: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

func TestE2EHelm4Plugin(t *testing.T) {
	helm := tool(t, "helm4")
	env := helmEnv(t)
	installPlugin(t, helm, env)
	sidecars, _ := filepath.Abs(filepath.Join(helmExample, "sidecars.yaml"))
	chart := filepath.Join(helmExample, "chart")
	r := run(t, "", nil, "env", append(env, helm, "template", "web", chart, "--post-renderer", "inject-sidecars",
		"--post-renderer-args=-q", "--post-renderer-args=-c", "--post-renderer-args="+sidecars)...)
	if r.code != 0 {
		t.Fatalf("helm template: exit %d\n%s", r.code, r.stderr)
	}
	helmGolden(t, "helm4.expected.yaml", r.stdout)
	mustContain(t, "helm 4 output", r.stdout, "helm.sh/hook: test\n    inject-sidecars.dev/status:")

	// Hooks are injected like everything else; an exclude on the hook
	// annotation leaves them out, as Helm 3 does.
	noHooks := filepath.Join(t.TempDir(), "no-hooks.yaml")
	cfg := strings.Replace(string(testkit.ReadFile(t, sidecars)), "spec:\n", "spec:\n  exclude:\n  - annotationSelector: helm.sh/hook\n", 1)
	if err := os.WriteFile(noHooks, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	r = run(t, "", nil, "env", append(env, helm, "template", "web", chart, "--post-renderer", "inject-sidecars",
		"--post-renderer-args=-q", "--post-renderer-args=-c", "--post-renderer-args="+noHooks)...)
	if r.code != 0 {
		t.Fatalf("helm template (hooks excluded): exit %d\n%s", r.code, r.stderr)
	}
	if n := strings.Count(r.stdout, "inject-sidecars.dev/status"); n != 2 {
		t.Errorf("with hooks excluded, %d resources were injected, want 2 (the Deployment and the CronJob):\n%s", n, r.stdout)
	}

	// A path is not a plugin name under Helm 4.
	if r := run(t, "", nil, "env", append(env, helm, "template", "web", chart, "--post-renderer", binary)...); r.code == 0 {
		t.Errorf("Helm 4 ran a post-renderer given as a path; the README says it cannot")
	}

	// A failing injection: Helm 4 hides the plugin's stderr, so the
	// reason goes to the file INJECT_SIDECARS_STDERR names.
	log := filepath.Join(t.TempDir(), "inject.log")
	r = run(t, "", nil, "env", append(append(env, "INJECT_SIDECARS_STDERR="+log), helm, "template", "web", chart, "--post-renderer", "inject-sidecars",
		"--post-renderer-args=-q", "--post-renderer-args=-c", "--post-renderer-args="+conflictConfig(t))...)
	if r.code == 0 {
		t.Fatalf("a conflict should fail helm template:\n%s", r.stdout)
	}
	mustContain(t, "helm stderr", r.stderr, "inject-sidecars")
	if strings.Contains(r.stderr, "already exists") {
		t.Logf("Helm 4 now shows the plugin's stderr; the README can say so")
	}
	mustContain(t, "INJECT_SIDECARS_STDERR file", string(testkit.ReadFile(t, log)), `container "web" already exists`)
}
