package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/inject-sidecars/inject-sidecars/internal/testkit"
)

// Hostile input: what anyone who can write a manifest could put in one.

const hostileConfig = `apiVersion: inject-sidecars.dev/v1alpha1
kind: SidecarInjection
metadata:
  name: mesh
spec:
  overrides: [resources, env]
  containers:
  - name: proxy
    image: envoyproxy/envoy:v1.31.0
    resources:
      requests: {cpu: 10m, memory: 16Mi}
      limits: {cpu: 10m, memory: 16Mi}
`

// hostileRun runs plain mode with hostileConfig over files written into
// a temporary folder, the working one; inputs name files in it.
func hostileRun(t *testing.T, files map[string]string, inputs ...string) (stdout, stderr string, code int) {
	t.Helper()
	dir := t.TempDir()
	files["config.yaml"] = hostileConfig
	testkit.WriteFiles(t, dir, files)
	t.Chdir(dir)
	return Invoke(t, nil, append([]string{"-c", "config.yaml"}, inputs...)...)
}

// A name holding a newline, ESC and OSC sequences cannot start a line of
// its own on stderr, nor reach the terminal raw: not in an [error] line,
// not in the summary table.
func TestNamesCannotForgeLines(t *testing.T) {
	name := `web\n[error] apps/v1/Deployment/db: forged\r\e[2K\e]8;;http://evil\a\u202e`
	in := `apiVersion: v1
kind: Pod
metadata:
  name: "` + name + `"
  namespace: "dev\n[info] forged too"
spec:
  containers:
  - {name: proxy, image: "app:1"}
`
	_, stderr, code := hostileRun(t, map[string]string{"app.yaml": in}, "app.yaml")
	if code != exitError {
		t.Fatalf("exit %d, want a conflict (exit 1):\n%s", code, stderr)
	}
	for _, line := range strings.Split(strings.TrimSuffix(stderr, "\n"), "\n") {
		if strings.HasPrefix(line, "[error] apps/v1/Deployment/db") || strings.HasPrefix(line, "[info] forged") {
			t.Errorf("a forged line: %q", line)
		}
		if strings.ContainsAny(line, "\r\x1b\x07\u202e") {
			t.Errorf("a control character reached stderr: %q", line)
		}
	}
	if !strings.Contains(stderr, `web\n[error] apps/v1/Deployment/db: forged\r\x1b[2K`) {
		t.Errorf("the name is not shown escaped:\n%s", stderr)
	}
}

// A file that is one 64 MiB line is not echoed back: the error quotes a
// few bytes of it.
func TestHugeLineIsNotEchoed(t *testing.T) {
	_, stderr, code := hostileRun(t, map[string]string{"big.yaml": strings.Repeat("x", 64<<20)}, "big.yaml")
	if code != exitError {
		t.Errorf("exit %d, want 1", code)
	}
	// The reader refuses the over-long line before any document is
	// parsed; either way the message names the file and quotes little.
	if len(stderr) > 4096 || !strings.Contains(stderr, "big.yaml: line 1 is longer than") {
		t.Errorf("stderr is %d bytes: %.300s", len(stderr), stderr)
	}
}

// A token file reached through a symlink and given as input is refused
// without printing the token into the log.
func TestTokenFileIsNotPrinted(t *testing.T) {
	dir := t.TempDir()
	token := "eyJhbGciOiJSUzI1NiIsImtpZCI6IjEyMyJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6ZGVmYXVsdDpkZWZhdWx0In0.c2lnbmF0dXJlLXNlY3JldA"
	testkit.WriteFiles(t, dir, map[string]string{"secrets/token": token, "config.yaml": hostileConfig})
	if err := os.Symlink(filepath.Join(dir, "secrets/token"), filepath.Join(dir, "token")); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	_, stderr, code := Invoke(t, nil, "-c", "config.yaml", "token")
	if code != exitError {
		t.Errorf("exit %d, want 1", code)
	}
	if strings.Contains(stderr, token[len(token)-20:]) {
		t.Errorf("the token reached stderr:\n%s", stderr)
	}
}

// A Namespace whose kind is written with a JSON escape is a Namespace:
// its opt-out applies to its workloads, in plain mode and as a KRM
// function.
func TestEscapedNamespaceKind(t *testing.T) {
	ns := `{"apiVersion": "v1", "kind": "\u004eamespace", "metadata": {"name": "dev", "annotations": {"inject-sidecars.dev/inject": "false"}}}`
	app := strings.Replace(trustApp, "NAME", "web", 1)
	stdout, stderr, code := hostileRun(t, map[string]string{"ns.json": ns + "\n", "app.yaml": app}, "ns.json", "app.yaml")
	if code != exitOK || strings.Contains(stdout, "proxy") || !strings.Contains(stderr, "skipped") {
		t.Errorf("plain mode: exit %d, the opted-out Namespace was not seen:\n%s\n%s", code, stderr, stdout)
	}

	rl := "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- " + ns + "\n- " +
		strings.ReplaceAll(strings.TrimSuffix(app, "\n"), "\n", "\n  ") + "\nfunctionConfig:\n  " +
		strings.ReplaceAll(strings.TrimSuffix(hostileConfig, "\n"), "\n", "\n  ") + "\n"
	var out, errb bytes.Buffer
	if code := runKRM(strings.NewReader(rl), &out, &errb); code != exitOK || !strings.Contains(out.String(), "skipped: opted out") {
		t.Errorf("KRM: exit %d, the opted-out Namespace was not seen:\n%s\n%s", code, errb.String(), out.String())
	}
}

// An alias bomb in a workload's labels ends the run at once, with one
// line naming the file and the document.
func TestAliasBombInLabels(t *testing.T) {
	in := "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  labels:\n" + testkit.AliasBomb("    ") + "spec:\n  containers:\n  - {name: app, image: 'app:1'}\n"
	type res struct {
		code   int
		stderr string
	}
	done := make(chan res, 1)
	go func() {
		_, stderr, code := hostileRun(t, map[string]string{"z.yaml": "kind: ConfigMap\n---\n" + in}, "z.yaml")
		done <- res{code, stderr}
	}()
	select {
	case r := <-done:
		if r.code != exitError || !strings.Contains(r.stderr, "aliases expand this document") || !strings.Contains(r.stderr, "(z.yaml, document 1)") {
			t.Errorf("exit %d:\n%s", r.code, r.stderr)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("still running after 20s")
	}
}

// An owner's override written with aliases is injected as what they
// stand for: the output parses, and holds no alias.
func TestOverrideWithAliasesParses(t *testing.T) {
	in := strings.Replace(strings.Replace(trustApp, "NAME", "web", 1), "  namespace: dev\n", `  namespace: dev
  annotations:
    inject-sidecars.dev/overrides: |
      mesh:
        containers:
        - name: proxy
          resources: &r
            limits: &l {cpu: 20m, memory: 32Mi}
            requests: *l
`, 1)
	stdout, stderr, code := hostileRun(t, map[string]string{"app.yaml": in}, "app.yaml")
	if code != exitOK {
		t.Fatalf("exit %d:\n%s", code, stderr)
	}
	var n yaml.Node
	if err := yaml.Unmarshal([]byte(stdout), &n); err != nil {
		t.Fatalf("the output does not parse: %v\n%s", err, stdout)
	}
	if !strings.Contains(stdout, "requests: {cpu: 20m, memory: 32Mi}") || strings.Contains(stderr, "re-encoded") {
		t.Errorf("the alias was not resolved in place:\n%s\n%s", stdout, stderr)
	}
}

// What reaches INJECT_SIDECARS_STDERR is as safe as stderr: a config path
// holding a newline and an escape sequence stays on its line, escaped.
func TestStderrCopyIsSafe(t *testing.T) {
	log := filepath.Join(t.TempDir(), "inject.log")
	t.Setenv(StderrCopyEnv, log)
	_, errb, code := Invoke(t, strings.NewReader("kind: Pod\n"), "-c", "/nonexistent/a\n[error] forged\x1b]0;title\x07.yaml")
	if code != exitError {
		t.Fatalf("exit %d, want %d", code, exitError)
	}
	got, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	for name, s := range map[string]string{"stderr": errb, "the copy": string(got)} {
		if strings.Count(s, "\n") != 1 || strings.ContainsAny(s, "\x1b\x07") || !strings.Contains(s, `a\n[error] forged\x1b]0;title\a.yaml`) {
			t.Errorf("%s: %q", name, s)
		}
	}
}
