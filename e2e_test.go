package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/inject-sidecars/inject-sidecars/internal/testkit"
)

// The end-to-end tests run the built binary, under real kpt and the
// pinned kustomize where users would. Outside CI they skip when a tool is
// missing; in CI (CI=true) they fail instead.

var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "inject-sidecars-e2e")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "inject-sidecars")
	build := exec.Command("go", "build", "-o", binary, ".")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building the binary:", err)
		os.Exit(1)
	}
	code := m.Run()
	stopAPIServer()
	os.RemoveAll(dir)
	os.Exit(code)
}

// tool finds an external program, or skips (fails in CI) without it.
func tool(t *testing.T, name string) string {
	t.Helper()
	// The pinned tools: from the environment (make test sets it), or
	// from ./bin where make tools puts them.
	if pinned := map[string]string{"kustomize": "KUSTOMIZE", "helm3": "HELM3", "helm4": "HELM4"}[name]; pinned != "" {
		if p := os.Getenv(pinned); p != "" {
			if _, err := os.Stat(p); err == nil {
				return p
			}
		}
		if p, err := filepath.Abs("bin/" + name); err == nil {
			if _, err := os.Stat(p); err == nil {
				return p
			}
		}
	}
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not installed, and CI must run every end-to-end test (make tools installs kustomize and Helm)", name)
		}
		t.Skipf("%s is not installed (make tools installs kustomize and Helm)", name)
	}
	return p
}

type runResult struct {
	stdout, stderr string
	code           int
}

// run runs a program (the built binary, or a tool around it) in dir,
// the package's folder when "", with stdin when not nil, and fails the
// test if it cannot start or prints a stack trace. A run that needs
// more in its environment runs env(1): run(t, "", nil, "env", "K=V", name, ...).
func run(t *testing.T, dir string, stdin []byte, name string, args ...string) runResult {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("%s %v: %v", name, args, err)
	}
	if strings.Contains(errb.String(), "goroutine ") || strings.Contains(errb.String(), "panic:") {
		t.Fatalf("%s %v printed a stack trace:\n%s", name, args, errb.String())
	}
	return runResult{out.String(), errb.String(), code}
}

// copyDir copies a folder of example files into a temporary one.
func copyDir(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	copyTo(t, src, dst)
	return dst
}

func readAll(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := os.ReadFile(path)
			out[path] = string(b)
		}
		return nil
	})
	return out
}

func mustContain(t *testing.T, what, s string, subs ...string) {
	t.Helper()
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			t.Errorf("%s does not contain %q:\n%s", what, sub, s)
		}
	}
}

func TestE2EKptEvalFnConfig(t *testing.T) {
	kpt := tool(t, "kpt")
	pkg := copyDir(t, "examples/log-collector")
	// The config lives outside the package, as --fn-config files usually do.
	cfg := filepath.Join(t.TempDir(), "inject.yaml")
	if err := os.Rename(filepath.Join(pkg, "inject.yaml"), cfg); err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(pkg, "expected.yaml"))
	r := run(t, "", nil, kpt, "fn", "eval", pkg, "--exec", binary, "--fn-config", cfg)
	if r.code != 0 {
		t.Fatalf("kpt fn eval: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	mustContain(t, "kpt output", r.stderr, `injected "logging"`)
	app := string(testkit.ReadFile(t, filepath.Join(pkg, "app.yaml")))
	mustContain(t, "app.yaml", app, "name: fluent-bit", "restartPolicy: Always", "# The shop's web front end.", "# the app itself", "inject-sidecars.dev/status")
	before := readAll(t, pkg)
	r = run(t, "", nil, kpt, "fn", "eval", pkg, "--exec", binary, "--fn-config", cfg)
	if r.code != 0 {
		t.Fatalf("second kpt fn eval: exit %d\n%s", r.code, r.stderr)
	}
	if after := readAll(t, pkg); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Errorf("a second kpt fn eval changed files")
	}
}

func TestE2EKptEvalConfigMap(t *testing.T) {
	kpt := tool(t, "kpt")
	pkg := copyDir(t, "examples/log-collector")
	os.Remove(filepath.Join(pkg, "inject.yaml"))
	r := run(t, "", nil, kpt, "fn", "eval", pkg, "--exec", binary, "--", "name=proxy", "image=envoyproxy/envoy:v1.31.0", "kinds=Deployment")
	if r.code != 0 {
		t.Fatalf("kpt fn eval: exit %d\n%s", r.code, r.stderr)
	}
	mustContain(t, "app.yaml", string(testkit.ReadFile(t, filepath.Join(pkg, "app.yaml"))), "name: proxy", "image: envoyproxy/envoy:v1.31.0")
	mustContain(t, "kpt output", r.stderr, "no resource requests and limits")

	r = run(t, "", nil, kpt, "fn", "eval", pkg, "--exec", binary, "--", "name=proxy", "colour=blue")
	if r.code == 0 {
		t.Fatalf("an unknown ConfigMap key should fail:\n%s", r.stderr)
	}
	mustContain(t, "kpt output", r.stderr, "data.colour", "data.image")
}

// TestE2EKptErrorOnce: kpt prints a failed function's results and its
// stderr both, so under kpt an error result goes only into the
// ResourceList, and kpt shows it once, under fn eval --fn-config, fn eval
// with key=value arguments and fn render. (kustomize shows only stderr:
// TestE2EKustomizeErrorResult.)
func TestE2EKptErrorOnce(t *testing.T) {
	kpt := tool(t, "kpt")
	// kpt quotes stderr lines, so the words without the quotes are counted.
	const clash = "already exists"
	pod := "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: proxy\n    image: x:1\n"
	cfg := "apiVersion: inject-sidecars.dev/v1alpha1\nkind: SidecarInjection\nmetadata:\n  name: mesh\n  annotations:\n    config.kubernetes.io/local-config: \"true\"\nspec:\n  containers:\n  - name: proxy\n    image: envoyproxy/envoy:v1.31.0\n"
	kptfile := "apiVersion: kpt.dev/v1\nkind: Kptfile\nmetadata:\n  name: p\n  annotations:\n    config.kubernetes.io/local-config: \"true\"\npipeline:\n  mutators:\n  - exec: " + binary + "\n    configPath: inject.yaml\n"
	pkg := t.TempDir()
	for name, body := range map[string]string{"pod.yaml": pod, "inject.yaml": cfg, "Kptfile": kptfile} {
		if err := os.WriteFile(filepath.Join(pkg, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	runs := map[string][]string{
		"fn eval --fn-config": {"fn", "eval", pkg, "--exec", binary, "--fn-config", filepath.Join(pkg, "inject.yaml")},
		"fn eval key=value":   {"fn", "eval", pkg, "--exec", binary, "--", "name=proxy", "image=envoyproxy/envoy:v1.31.0"},
		"fn render":           {"fn", "render", pkg, "--allow-exec"},
	}
	for name, args := range runs {
		r := run(t, "", nil, kpt, args...)
		if r.code == 0 {
			t.Fatalf("%s: a conflict should fail:\n%s", name, r.stderr)
		}
		if n := strings.Count(r.stderr, clash); n != 1 {
			t.Errorf("%s: the error shows %d times, want once:\n%s", name, n, r.stderr)
		}
	}
}

func TestE2EKptRender(t *testing.T) {
	kpt := tool(t, "kpt")
	pkg := copyDir(t, "examples/kpt-package")
	kptfile := filepath.Join(pkg, "Kptfile")
	b := strings.ReplaceAll(string(testkit.ReadFile(t, kptfile)), "exec: inject-sidecars", "exec: "+binary)
	if err := os.WriteFile(kptfile, []byte(b), 0o644); err != nil {
		t.Fatal(err)
	}
	r := run(t, "", nil, kpt, "fn", "render", pkg, "--allow-exec")
	if r.code != 0 {
		t.Fatalf("kpt fn render: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	mustContain(t, "deployment.yaml", string(testkit.ReadFile(t, filepath.Join(pkg, "deployment.yaml"))), "name: envoy", "restartPolicy: Always", "# The API server")
	before := readAll(t, pkg)
	if r = run(t, "", nil, kpt, "fn", "render", pkg, "--allow-exec"); r.code != 0 {
		t.Fatalf("second render: exit %d\n%s", r.code, r.stderr)
	}
	if after := readAll(t, pkg); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Errorf("a second kpt fn render changed files")
	}
}

func TestE2EKustomize(t *testing.T) {
	kustomize := tool(t, "kustomize")
	dir := copyDir(t, "examples/kustomize-overlay")
	fnPath := filepath.Join(dir, "overlay", "inject.yaml")
	rel, _ := filepath.Rel(filepath.Join(dir, "overlay"), binary)
	b := strings.ReplaceAll(string(testkit.ReadFile(t, fnPath)), "path: inject-sidecars", "path: "+rel)
	if err := os.WriteFile(fnPath, []byte(b), 0o644); err != nil {
		t.Fatal(err)
	}
	r := run(t, "", nil, kustomize, "build", "--enable-alpha-plugins", "--enable-exec", filepath.Join(dir, "overlay"))
	if r.code != 0 {
		t.Fatalf("kustomize build: exit %d\n%s", r.code, r.stderr)
	}
	want := string(testkit.ReadFile(t, "examples/kustomize-overlay/expected.yaml"))
	if r.stdout != want {
		t.Errorf("kustomize build output differs from examples/kustomize-overlay/expected.yaml:\n%s", r.stdout)
	}
	// Without --enable-exec kustomize skips the function silently; we
	// document that, and this shows it.
	r = run(t, "", nil, kustomize, "build", "--enable-alpha-plugins", filepath.Join(dir, "overlay"))
	if r.code == 0 && strings.Contains(r.stdout, "inject-sidecars.dev/status") {
		t.Errorf("kustomize ran the function without --enable-exec")
	}
}

func TestE2EKustomizeErrorResult(t *testing.T) {
	kustomize := tool(t, "kustomize")
	dir := t.TempDir()
	rel, _ := filepath.Rel(dir, binary)
	files := map[string]string{
		"kustomization.yaml": "resources:\n- app.yaml\ntransformers:\n- inject.yaml\n",
		"app.yaml":           "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: proxy\n    image: x:1\n",
		"inject.yaml": "apiVersion: inject-sidecars.dev/v1alpha1\nkind: SidecarInjection\nmetadata:\n  name: mesh\n  annotations:\n    config.kubernetes.io/function: |\n      exec:\n        path: " + rel +
			"\nspec:\n  containers:\n  - name: proxy\n    image: envoyproxy/envoy:v1.31.0\n",
	}
	for name, body := range files {
		os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644)
	}
	r := run(t, "", nil, kustomize, "build", "--enable-alpha-plugins", "--enable-exec", dir)
	if r.code == 0 {
		t.Fatalf("a conflict should fail kustomize build:\n%s", r.stdout)
	}
	mustContain(t, "kustomize stderr", r.stderr, `container "proxy" already exists`, "spec.containers[0].name")
}

// --- plain mode, every flag

func TestE2EPlainInPlace(t *testing.T) {
	dir := copyDir(t, "testdata/opt-out")
	other := filepath.Join(dir, "untouched.yaml")
	os.WriteFile(other, []byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n"), 0o600)
	old := time.Now().Add(-time.Hour)
	os.Chtimes(other, old, old)
	os.Chmod(filepath.Join(dir, "input.yaml"), 0o640)

	r := run(t, dir, nil, binary, "-q", "-c", "config.yaml", "-i", "input.yaml", "untouched.yaml")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if got, want := string(testkit.ReadFile(t, filepath.Join(dir, "input.yaml"))), string(testkit.ReadFile(t, "testdata/opt-out/expected.yaml")); got != want {
		t.Errorf("in-place output differs from the golden output")
	}
	st, _ := os.Stat(other)
	if !st.ModTime().Equal(old) {
		t.Errorf("untouched.yaml was rewritten (mtime %v)", st.ModTime())
	}
	if st, _ := os.Stat(filepath.Join(dir, "input.yaml")); st.Mode().Perm() != 0o640 {
		t.Errorf("input.yaml mode = %v, want 0640 kept", st.Mode().Perm())
	}
	leftovers, _ := filepath.Glob(filepath.Join(dir, ".*tmp*"))
	if len(leftovers) > 0 {
		t.Errorf("temporary files left: %v", leftovers)
	}
}

func TestE2EPlainInPlaceAllOrNothing(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.yaml")
	bad := filepath.Join(dir, "bad.yaml")
	goodBody := string(testkit.ReadFile(t, "testdata/kind-pod/input.yaml"))
	badBody := string(testkit.ReadFile(t, "testdata/conflict-name-error/input.yaml"))
	os.WriteFile(good, []byte(goodBody), 0o644)
	os.WriteFile(bad, []byte(badBody), 0o644)
	r := run(t, dir, nil, binary, "-c", mustAbs(t, "testdata/conflict-name-error/config.yaml"), "-i", dir)
	if r.code != 1 {
		t.Fatalf("exit %d, want 1: %s", r.code, r.stderr)
	}
	if string(testkit.ReadFile(t, good)) != goodBody || string(testkit.ReadFile(t, bad)) != badBody {
		t.Errorf("a failed -i run wrote files")
	}
	mustContain(t, "stderr", r.stderr, "nothing was written", "already exists")
}

func TestE2EPlainCheck(t *testing.T) {
	in := "testdata/pattern-log-collector/input.yaml"
	cfg := "testdata/pattern-log-collector/config.yaml"
	r := run(t, "", nil, binary, "-q", "--check", "-c", cfg, in)
	if r.code != 3 {
		t.Fatalf("--check on un-injected input: exit %d, want 3\n%s", r.code, r.stderr)
	}
	mustContain(t, "--check output", r.stdout, "would change "+in, "Deployment/web: logging would be injected")
	r = run(t, "", nil, binary, "-q", "--check", "-c", cfg, "testdata/pattern-log-collector/expected.yaml")
	if r.code != 0 || r.stdout != "" {
		t.Fatalf("--check on injected input: exit %d, want 0\n%s%s", r.code, r.stdout, r.stderr)
	}
}

func TestE2EPlainOutputFolder(t *testing.T) {
	src := copyDir(t, "testdata/kind-legacy-groups")
	os.MkdirAll(filepath.Join(src, "nested"), 0o755)
	os.WriteFile(filepath.Join(src, "nested", "pod.yml"), testkit.ReadFile(t, "testdata/kind-pod/input.yaml"), 0o644)
	os.MkdirAll(filepath.Join(src, ".git"), 0o755)
	os.WriteFile(filepath.Join(src, ".git", "hidden.yaml"), testkit.ReadFile(t, "testdata/kind-pod/input.yaml"), 0o644)
	out := filepath.Join(t.TempDir(), "out")
	r := run(t, "", nil, binary, "-q", "-c", filepath.Join(src, "config.yaml"), "-o", out, src)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for _, rel := range []string{"input.yaml", "expected.yaml", "config.yaml", "nested/pod.yml"} {
		if _, err := os.Stat(filepath.Join(out, rel)); err != nil {
			t.Errorf("-o did not mirror %s: %v", rel, err)
		}
	}
	if got := string(testkit.ReadFile(t, filepath.Join(out, "input.yaml"))); got != string(testkit.ReadFile(t, "testdata/kind-legacy-groups/expected.yaml")) {
		t.Errorf("mirrored input.yaml differs from the golden output:\n%s", got)
	}
	mustContain(t, "nested/pod.yml", string(testkit.ReadFile(t, filepath.Join(out, "nested/pod.yml"))), "name: proxy")
	if _, err := os.Stat(filepath.Join(out, ".git")); err == nil {
		t.Errorf("a hidden folder was read and mirrored")
	}

	file := filepath.Join(t.TempDir(), "one.yaml")
	if r := run(t, "", nil, binary, "-q", "-c", "testdata/kind-pod/config.yaml", "-o", file, "testdata/kind-pod/input.yaml"); r.code != 0 {
		t.Fatalf("-o file: exit %d: %s", r.code, r.stderr)
	}
	if string(testkit.ReadFile(t, file)) != string(testkit.ReadFile(t, "testdata/kind-pod/expected.yaml")) {
		t.Errorf("-o file differs from the golden output")
	}
}

func TestE2EPlainUninjectGivesBackFiles(t *testing.T) {
	dir := copyDir(t, "testdata/pattern-mesh-proxy")
	r := run(t, dir, nil, binary, "-q", "-c", "config.yaml", "-i", "input.yaml")
	if r.code != 0 {
		t.Fatal(r.stderr)
	}
	if r := run(t, dir, nil, binary, "-q", "--uninject", "-c", "config.yaml", "-i", "input.yaml"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	if string(testkit.ReadFile(t, filepath.Join(dir, "input.yaml"))) != string(testkit.ReadFile(t, "testdata/pattern-mesh-proxy/input.yaml")) {
		t.Errorf("--uninject -i did not give back the original file")
	}
}

func TestE2EPlainStdinAndSummary(t *testing.T) {
	in := testkit.ReadFile(t, "testdata/pattern-log-collector/input.yaml")
	r := run(t, "", in, binary, "-c", "testdata/pattern-log-collector/config.yaml")
	if r.code != 0 {
		t.Fatal(r.stderr)
	}
	if r.stdout != string(testkit.ReadFile(t, "testdata/pattern-log-collector/expected.yaml")) {
		t.Errorf("stdin output differs from the golden output")
	}
	mustContain(t, "summary", r.stderr, "WORKLOAD", "INJECTION", "ACTION", "Deployment/web", "logging", "injected")
	r = run(t, "", in, binary, "-q", "-c", "testdata/pattern-log-collector/config.yaml", "-")
	if r.stderr != "" {
		t.Errorf("-q still printed:\n%s", r.stderr)
	}
}

func TestE2EVersionAndSchema(t *testing.T) {
	r := run(t, "", nil, binary, "--version")
	mustContain(t, "--version", r.stdout, "inject-sidecars ")
	r = run(t, "", nil, binary, "--schema")
	if r.code != 0 {
		t.Fatal(r.stderr)
	}
	mustContain(t, "--schema", r.stdout, `"SidecarInjection"`, `"onConflict"`, `"workloadKinds"`, `"restartPolicy"`)
}

func mustAbs(t *testing.T, p string) string {
	a, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestE2ESandboxed runs the KRM function the way orchestrators run its
// container: as nobody, with no network and a read-only file system. It
// needs root (to make the namespaces), as in CI.
func TestE2ESandboxed(t *testing.T) {
	unshare, err1 := exec.LookPath("unshare")
	setpriv, err2 := exec.LookPath("setpriv")
	if os.Geteuid() != 0 || err1 != nil || err2 != nil {
		t.Skip("needs root, unshare and setpriv")
	}
	dir, err := os.MkdirTemp("", "sandbox")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	os.Chmod(dir, 0o755)
	bin := filepath.Join(dir, "inject-sidecars")
	if err := os.WriteFile(bin, testkit.ReadFile(t, binary), 0o755); err != nil {
		t.Fatal(err)
	}
	in := []byte(rlHead + deployItem + goodFC)
	want := run(t, "", in, binary)
	script := `mount --bind -o ro / / && mount -o remount,bind,ro / && ! touch /inject-sidecars-probe 2>/dev/null && exec "$0" --reuid=65534 --regid=65534 --clear-groups "$1"`
	got := run(t, "", in, unshare, "--net", "--mount", "sh", "-c", script, setpriv, bin)
	if got.code != 0 || got.stdout != want.stdout {
		t.Errorf("sandboxed run differs (exit %d):\n%s\n%s", got.code, got.stderr, got.stdout)
	}
}

// TestE2EPlainJSONInPlace rewrites a JSON manifest in place: it stays JSON.
func TestE2EPlainJSONInPlace(t *testing.T) {
	src := testkit.CorpusFile(t, "kubernetes-walkthrough-podtemplate.json")
	dir := t.TempDir()
	path := filepath.Join(dir, "podtemplate.json")
	os.WriteFile(path, testkit.ReadFile(t, src), 0o644)
	if r := run(t, "", nil, binary, "-q", "-c", "testdata/kind-pod/config.yaml", "-i", path); r.code != 0 {
		t.Fatal(r.stderr)
	}
	var doc map[string]any
	if err := json.Unmarshal(testkit.ReadFile(t, path), &doc); err != nil {
		t.Fatalf("the rewritten file is not JSON: %v\n%s", err, testkit.ReadFile(t, path))
	}
	mustContain(t, path, string(testkit.ReadFile(t, path)), `"initContainers": [`, `"name": "proxy"`, `"restartPolicy": "Always"`)
}

// TestE2EKptCorpus runs kpt fn eval over every corpus manifest at once:
// every workload gets the sidecar, and a second run changes no file.
func TestE2EKptCorpus(t *testing.T) {
	kpt := tool(t, "kpt")
	pkg := t.TempDir()
	for _, f := range testkit.CorpusFiles(t) {
		// kpt reads no JSON file; and it refuses a kind: List without
		// metadata.name: plain mode and the corpus test cover those.
		if filepath.Ext(f) != ".yaml" || filepath.Base(f) == "kubernetes-hack-testdata-list.yaml" {
			continue
		}
		os.WriteFile(filepath.Join(pkg, filepath.Base(f)), testkit.ReadFile(t, f), 0o644)
	}
	cfg := mustAbs(t, "testdata/kind-pod/config.yaml")
	r := run(t, "", nil, kpt, "fn", "eval", pkg, "--exec", binary, "--fn-config", cfg, "--truncate-output=false")
	if r.code != 0 {
		t.Fatalf("kpt fn eval: exit %d\n%s", r.code, r.stderr)
	}
	// SOURCES.md counts the workloads of both groups: of them kpt reads
	// those in YAML files (not the JSON ones), less the Deployment in
	// the List it refuses, 77.
	if n := strings.Count(r.stderr, `injected "sidecar"`); n != 77 {
		t.Errorf("%d workloads injected, want 77:\n%s", n, r.stderr)
	}
	// kpt drops a blank line between head comments on each of its first
	// two passes over a file, even with a function that changes nothing
	// (a plain kyaml round trip does the same), so the second run may
	// differ from the first only in blank lines, and the third must
	// equal the second.
	first := readAll(t, pkg)
	for i := 2; i <= 3; i++ {
		prev := readAll(t, pkg)
		if r := run(t, "", nil, kpt, "fn", "eval", pkg, "--exec", binary, "--fn-config", cfg, "--truncate-output=false"); r.code != 0 {
			t.Fatalf("run %d: exit %d\n%s", i, r.code, r.stderr)
		}
		for path, body := range readAll(t, pkg) {
			switch {
			case i == 2 && noBlankLines(first[path]) != noBlankLines(body):
				t.Errorf("the second run changed more than blank lines in %s", path)
			case i == 3 && prev[path] != body:
				t.Errorf("the third run changed %s", path)
			}
		}
	}
}

func noBlankLines(s string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.TrimSpace(l) != "" {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// TestE2EKptKeepsComments runs a classic sidecar placed first under kpt
// fn eval and kpt fn render, then uninjects it: each comment stays on its
// own container, field order stays the user's, and uninject gives back
// the file byte for byte. (Without care, kpt copies the input's comments
// and field order onto the output by list index, so each container gets
// its predecessor's.)
func TestE2EKptKeepsComments(t *testing.T) {
	kpt := tool(t, "kpt")
	const deploy = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
      # the web server
      - name: web # serves the site
        image: nginx:1.27.0
        ports:
        - containerPort: 80
      # the cache
      - image: redis:7.4 # in-memory
        name: cache
`
	const cfg = `apiVersion: inject-sidecars.dev/v1alpha1
kind: SidecarInjection
metadata:
  name: mesh
spec:
  mode: classic
  position: first
  containers:
  - name: proxy # the mesh
    image: envoyproxy/envoy:v1.31.0
    resources:
      requests: {cpu: 10m, memory: 16Mi}
      limits: {memory: 32Mi}
`
	check := func(t *testing.T, got string) {
		t.Helper()
		for _, want := range []string{
			"      - name: proxy # the mesh\n        image: envoyproxy/envoy:v1.31.0\n",
			"      # the web server\n      - name: web # serves the site\n        image: nginx:1.27.0\n",
			"      # the cache\n      - image: redis:7.4 # in-memory\n        name: cache\n",
		} {
			if !strings.Contains(got, want) {
				t.Errorf("comments or field order moved; want\n%s\nin\n%s", want, got)
			}
		}
		if strings.Count(got, "#") != 5 {
			t.Errorf("want 5 comments, each once:\n%s", got)
		}
	}
	t.Run("eval", func(t *testing.T) {
		dir := t.TempDir()
		pkg := filepath.Join(dir, "pkg")
		write := func(name, data string) {
			if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(name, []byte(data), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		write(filepath.Join(pkg, "deploy.yaml"), deploy)
		write(filepath.Join(dir, "cfg.yaml"), cfg)
		write(filepath.Join(dir, "un.yaml"), strings.Replace(cfg, "  mode: classic", "  action: uninject\n  mode: classic", 1))
		if r := run(t, "", nil, kpt, "fn", "eval", pkg, "--exec", binary, "--fn-config", filepath.Join(dir, "cfg.yaml")); r.code != 0 {
			t.Fatalf("kpt fn eval: exit %d\n%s", r.code, r.stderr)
		}
		check(t, string(testkit.ReadFile(t, filepath.Join(pkg, "deploy.yaml"))))
		if r := run(t, "", nil, kpt, "fn", "eval", pkg, "--exec", binary, "--fn-config", filepath.Join(dir, "un.yaml")); r.code != 0 {
			t.Fatalf("kpt fn eval (uninject): exit %d\n%s", r.code, r.stderr)
		}
		if got := string(testkit.ReadFile(t, filepath.Join(pkg, "deploy.yaml"))); got != deploy {
			t.Errorf("inject + uninject under kpt did not give the file back:\n%s", got)
		}
	})
	t.Run("render", func(t *testing.T) {
		pkg := t.TempDir()
		kptfile := "apiVersion: kpt.dev/v1\nkind: Kptfile\nmetadata:\n  name: pkg\npipeline:\n  mutators:\n  - exec: " + binary + "\n    configPath: inject.yaml\n"
		for name, data := range map[string]string{"Kptfile": kptfile, "deploy.yaml": deploy,
			"inject.yaml": strings.Replace(cfg, "metadata:\n  name: mesh\n", "metadata:\n  name: mesh\n  annotations:\n    config.kubernetes.io/local-config: \"true\"\n", 1)} {
			if err := os.WriteFile(filepath.Join(pkg, name), []byte(data), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if r := run(t, "", nil, kpt, "fn", "render", pkg, "--allow-exec"); r.code != 0 {
			t.Fatalf("kpt fn render: exit %d\n%s", r.code, r.stderr)
		}
		check(t, string(testkit.ReadFile(t, filepath.Join(pkg, "deploy.yaml"))))
	})
}
