package cli

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/inject-sidecars/inject-sidecars/internal/testkit"
)

// What a first-time user ran into, following the README.

const firstRunConfig = `apiVersion: inject-sidecars.dev/v1alpha1
kind: SidecarInjection
metadata:
  name: logging
spec:
  containers:
  - name: fluent-bit
    image: fluent/fluent-bit:3.1.4
    resources:
      requests: {cpu: 10m, memory: 32Mi}
      limits: {memory: 64Mi}
`

const firstRunCron = `apiVersion: batch/v1
kind: CronJob
metadata:
  name: nightly
  namespace: shop
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers:
          - name: job
            image: busybox:1.36
`

const firstRunDeployments = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  template:
    spec:
      containers:
      - name: web
        image: nginx:1.27
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: db
  namespace: shop
spec:
  template:
    spec:
      containers:
      - name: db
        image: postgres:16
`

// --check lists each file's workloads under it, in input order, in the
// summary table's words.
func TestCheckGroupsWorkloadsUnderTheirFile(t *testing.T) {
	dir := t.TempDir()
	testkit.WriteFiles(t, dir, map[string]string{"sidecars.yaml": firstRunConfig, "a-cron.yaml": firstRunCron, "mp.yaml": firstRunDeployments})
	t.Chdir(dir)
	stdout, stderr, code := Invoke(t, nil, "--check", "-q", "-c", "sidecars.yaml", "a-cron.yaml", "mp.yaml")
	if code != exitChanged {
		t.Fatalf("exit %d, want %d:\n%s", code, exitChanged, stderr)
	}
	want := `would change a-cron.yaml
  CronJob/shop/nightly: logging would be injected
would change mp.yaml
  Deployment/shop/web: logging would be injected
  StatefulSet/shop/db: logging would be injected
`
	if stdout != want {
		t.Errorf("--check printed\n%s\nwant\n%s", stdout, want)
	}
}

// Empty stdin (no bytes, or only whitespace) is one line and exit 1,
// whether stdin is read for want of inputs or named with -; /dev/null
// is empty stdin, not a terminal. A stream of empty documents is not
// empty: it was written on purpose, and passes through.
func TestEmptyStdin(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	testkit.WriteFiles(t, dir, map[string]string{"sidecars.yaml": firstRunConfig, "mp.yaml": firstRunDeployments})
	cfg := filepath.Join(dir, "sidecars.yaml")
	devNull := func() io.Reader {
		f, err := os.Open(os.DevNull)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Close() })
		return f
	}
	const msg = "inject-sidecars: stdin is empty: give manifests on stdin or as file arguments\n"
	tests := []struct {
		name       string
		args       []string
		stdin      io.Reader
		wantCode   int
		wantStderr string
	}{
		{"no inputs, /dev/null", []string{"-c", cfg}, devNull(), exitError, msg},
		{"-, /dev/null", []string{"-c", cfg, "-"}, devNull(), exitError, msg},
		{"-q, /dev/null", []string{"-q", "-c", cfg}, devNull(), exitError, msg},
		{"only whitespace", []string{"-c", cfg}, strings.NewReader(" \n\t\r\n\n"), exitError, msg},
		{"after a file", []string{"-c", cfg, filepath.Join(dir, "mp.yaml"), "-"}, devNull(), exitError, msg},
		{"empty documents", []string{"-q", "-c", cfg}, strings.NewReader("---\n# nothing yet\n---\n"), exitOK, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, stderr, code := Invoke(t, tt.stdin, tt.args...)
			if code != tt.wantCode {
				t.Errorf("exit %d, want %d:\n%s", code, tt.wantCode, stderr)
			}
			if tt.wantStderr != "" && stderr != tt.wantStderr {
				t.Errorf("stderr\n%q\nwant\n%q", stderr, tt.wantStderr)
			}
		})
	}
}

// A Kubernetes version is MAJOR.MINOR or MAJOR.MINOR.PATCH (optional v,
// and a suffix after a full version), in the flag and in the config: a
// bad flag is a usage error naming the flag, never a config error blamed
// on the config file; a bad field is a config error naming the field.
func TestKubeVersionIsStrict(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	badField := strings.Replace(firstRunConfig, "spec:\n", "spec:\n  kubernetesVersion: \"1.30x\"\n", 1)
	testkit.WriteFiles(t, dir, map[string]string{"sidecars.yaml": firstRunConfig, "bad.yaml": badField, "mp.yaml": firstRunDeployments})
	cfg, app := filepath.Join(dir, "sidecars.yaml"), filepath.Join(dir, "mp.yaml")
	const form = "give MAJOR.MINOR or MAJOR.MINOR.PATCH, such as 1.30 or v1.30.2"
	tests := []struct {
		name      string
		args      []string
		wantCode  int
		wantFirst string
	}{
		{"trailing letter", []string{"-c", cfg, "--kube-version", "1.30x", app}, exitUsage,
			`inject-sidecars: --kube-version "1.30x" is not a Kubernetes version: ` + form},
		{"four parts", []string{"-c", cfg, "--kube-version", "1.30.2.4", app}, exitUsage,
			`inject-sidecars: --kube-version "1.30.2.4" is not a Kubernetes version: ` + form},
		{"old and bad", []string{"-c", cfg, "--kube-version", "1.2x", app}, exitUsage,
			`inject-sidecars: --kube-version "1.2x" is not a Kubernetes version: ` + form},
		{"a cluster's own version", []string{"-q", "-c", cfg, "--kube-version", "v1.30.2-gke.100", app}, exitOK, ""},
		{"the field", []string{"-c", filepath.Join(dir, "bad.yaml"), app}, exitError,
			`[error] inject-sidecars.dev/v1alpha1/SidecarInjection/logging spec.kubernetesVersion: "1.30x" is not a Kubernetes version: want MAJOR.MINOR or MAJOR.MINOR.PATCH, such as 1.30 or v1.30.2 (bad.yaml)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, stderr, code := Invoke(t, nil, tt.args...)
			if code != tt.wantCode {
				t.Errorf("exit %d, want %d:\n%s", code, tt.wantCode, stderr)
			}
			first, _, _ := strings.Cut(strings.ReplaceAll(stderr, dir+"/", ""), "\n")
			if first != tt.wantFirst {
				t.Errorf("first line of stderr\n%s\nwant\n%s", first, tt.wantFirst)
			}
		})
	}
}

// A file reached twice (a symlink in a folder to a file beside it, or
// the same path given twice) is read once, where it was first reached,
// with one warning naming the second path: its workloads are not
// written, counted or mirrored twice.
func TestSameFileIsReadOnce(t *testing.T) {
	const warn = "[warning] dir/b.yaml is the same file as dir/a.yaml: read once, as dir/a.yaml\n"
	tests := []struct {
		name       string
		inputs     []string
		wantRows   string
		wantWarn   string
		wantOutput []string // files under out/, with -o out
	}{
		{"symlink in a folder", []string{"dir"}, "dir/a.yaml", warn, []string{"a.yaml"}},
		{"a file given twice", []string{"dir/a.yaml", "dir/a.yaml"}, "dir/a.yaml",
			"[warning] dir/a.yaml is given more than once: read once\n", []string{"a.yaml"}},
		{"a file and a link to it", []string{"dir/a.yaml", "dir/b.yaml"}, "dir/a.yaml", warn, []string{"a.yaml"}},
		{"a file and its folder", []string{"dir/a.yaml", "dir"}, "dir/a.yaml",
			"[warning] dir/a.yaml is given more than once: read once\n" + warn, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			testkit.WriteFiles(t, dir, map[string]string{"sidecars.yaml": firstRunConfig, "dir/a.yaml": firstRunDeployments})
			if err := os.Symlink("a.yaml", filepath.Join(dir, "dir/b.yaml")); err != nil {
				t.Fatal(err)
			}
			t.Chdir(dir)
			stdout, stderr, code := Invoke(t, nil, append([]string{"-c", "sidecars.yaml"}, tt.inputs...)...)
			if code != exitOK {
				t.Fatalf("exit %d:\n%s", code, stderr)
			}
			if n := strings.Count(stdout, "kind: Deployment\n"); n != 1 {
				t.Errorf("the Deployment came out %d times:\n%s", n, stdout)
			}
			warnings, table, _ := strings.Cut(stderr, "FILE ")
			if warnings != tt.wantWarn {
				t.Errorf("warnings\n%s\nwant\n%s", warnings, tt.wantWarn)
			}
			if strings.Count(table, tt.wantRows+" ") != 2 || strings.Count(table, "\n") != 4 || !strings.Contains(table, "across 2 replicas") {
				t.Errorf("the summary counts the file more than once:\n%s", table)
			}
			if tt.wantOutput == nil {
				return
			}
			if _, stderr, code := Invoke(t, nil, append([]string{"-o", "out/", "-q", "-c", "sidecars.yaml"}, tt.inputs...)...); code != exitOK {
				t.Fatalf("-o out/: exit %d:\n%s", code, stderr)
			}
			entries, err := os.ReadDir(filepath.Join(dir, "out"))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range entries {
				got = append(got, e.Name())
			}
			if strings.Join(got, " ") != strings.Join(tt.wantOutput, " ") {
				t.Errorf("-o out/ wrote %v, want %v", got, tt.wantOutput)
			}
		})
	}
}

// --report - would be a file named "-": stdout is taken by the
// manifests, so it is a usage error.
func TestReportToStdoutIsAUsageError(t *testing.T) {
	dir := t.TempDir()
	testkit.WriteFiles(t, dir, map[string]string{"sidecars.yaml": firstRunConfig, "mp.yaml": firstRunDeployments})
	t.Chdir(dir)
	stdout, stderr, code := Invoke(t, nil, "-c", "sidecars.yaml", "--report", "-", "mp.yaml")
	if code != exitUsage {
		t.Errorf("exit %d, want %d:\n%s", code, exitUsage, stderr)
	}
	first, _, _ := strings.Cut(stderr, "\n")
	if want := "inject-sidecars: --report -: stdout carries the manifests; give a file path"; first != want {
		t.Errorf("first line\n%s\nwant\n%s", first, want)
	}
	if _, err := os.Lstat(filepath.Join(dir, "-")); !os.IsNotExist(err) {
		t.Errorf("a file named - was written (%v)", err)
	}
	if stdout != "" {
		t.Errorf("stdout got %d bytes", len(stdout))
	}
}

// With no arguments at a terminal, nobody is piping a ResourceList: one
// line says what the command is for, exit 2, rather than a wait for
// input and an empty ResourceList. A pty's master side is a terminal
// as term.IsTerminal sees one; /dev/null is not (it is empty stdin).
func TestNoArgumentsAtATerminal(t *testing.T) {
	t.Parallel()
	tty, err := os.OpenFile("/dev/ptmx", os.O_RDWR, 0)
	if err != nil {
		t.Skipf("no pty to stand for a terminal: %v", err)
	}
	t.Cleanup(func() { tty.Close() })
	stdout, stderr, code := Invoke(t, tty)
	want := "inject-sidecars: stdin is a terminal: with no arguments inject-sidecars is a KRM function reading a ResourceList on stdin; to inject into files, run inject-sidecars -c CONFIG FILE... (see inject-sidecars --help)\n"
	if code != exitUsage || stderr != want || stdout != "" {
		t.Errorf("exit %d, stdout %q, stderr\n%s\nwant exit %d and\n%s", code, stdout, stderr, exitUsage, want)
	}
	null, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer null.Close()
	if _, stderr, code := Invoke(t, null); code != exitError || !strings.Contains(stderr, "stdin is empty: expected a ResourceList") {
		t.Errorf("/dev/null: exit %d, want %d and stdin is empty:\n%s", code, exitError, stderr)
	}
}
