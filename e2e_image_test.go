package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/inject-sidecars/inject-sidecars/internal/testkit"
)

// The image tests build the container image offline with podman (make
// image) and run it the four ways users do: directly, under kpt fn eval
// and kpt fn render, and under kustomize's container: form through
// podman-docker's docker. Each compares with the exec form's output.

const testImage = "localhost/inject-sidecars:e2e"

var (
	imageOnce sync.Once
	imageErr  error
)

// image builds the test image once, or skips (fails in CI) without
// podman. The sandbox these tests run in needs hack/podman/containers.conf
// (runc, lowered ulimits, cgroupfs); it is test support, not product.
func image(t *testing.T) {
	t.Helper()
	tool(t, "podman")
	conf, err := filepath.Abs("hack/podman/containers.conf")
	if err != nil {
		t.Fatal(err)
	}
	os.Setenv("CONTAINERS_CONF", conf)
	imageOnce.Do(func() {
		cmd := exec.Command("make", "image", "IMAGE="+testImage, "CONTAINER=podman")
		out, err := cmd.CombinedOutput()
		if err != nil {
			imageErr = fmt.Errorf("make image: %v\n%s", err, out)
		}
	})
	if imageErr != nil {
		t.Fatal(imageErr)
	}
}

func TestE2EImageRunsDirectly(t *testing.T) {
	image(t)
	podman := tool(t, "podman")
	in := testkit.ReadFile(t, "testdata/pattern-log-collector/input.yaml")
	cfg := testkit.ReadFile(t, "testdata/pattern-log-collector/config.yaml")
	list := testkit.ToResourceList(in, cfg)
	want := run(t, "", list, binary)
	got := run(t, "", list, podman, "run", "-i", "--rm", "--network", "none", "--read-only", "--user", "65532", testImage)
	if got.code != 0 || want.code != 0 {
		t.Fatalf("exit %d (exec form %d):\n%s", got.code, want.code, got.stderr)
	}
	if got.stdout != want.stdout {
		t.Errorf("the image's output differs from the binary's:\n%s", got.stdout)
	}
	// Plain mode in the image: a root with no writable folder, so no
	// spool; stdin and the output wait in memory instead.
	cfgDir := filepath.Dir(mustAbs(t, "testdata/pattern-log-collector/config.yaml"))
	wantPlain := run(t, "", in, binary, "-q", "-c", "testdata/pattern-log-collector/config.yaml")
	gotPlain := run(t, "", in, podman, "run", "-i", "--rm", "--network", "none", "--read-only", "--user", "65532",
		"-v", cfgDir+":/cfg:ro", testImage, "-q", "-c", "/cfg/config.yaml")
	if gotPlain.code != 0 || gotPlain.stdout != wantPlain.stdout {
		t.Errorf("plain mode in the image: exit %d, output differs from the binary's:\n%s\n%s", gotPlain.code, gotPlain.stdout, gotPlain.stderr)
	}
	// kpt and kustomize run functions as nobody: the name must resolve.
	if r := run(t, "", nil, podman, "run", "--rm", "--user", "nobody", testImage, "--version"); r.code != 0 {
		t.Errorf("--user nobody: exit %d\n%s", r.code, r.stderr)
	}
}

func TestE2EImageKptEval(t *testing.T) {
	image(t)
	kpt := tool(t, "kpt")
	exe, img := copyDir(t, "examples/log-collector"), copyDir(t, "examples/log-collector")
	if r := run(t, "", nil, kpt, "fn", "eval", exe, "--exec", binary, "--fn-config", filepath.Join(exe, "inject.yaml")); r.code != 0 {
		t.Fatalf("kpt fn eval --exec: exit %d\n%s", r.code, r.stderr)
	}
	r := run(t, "", nil, "env", "KPT_FN_RUNTIME=podman", kpt, "fn", "eval", img, "--image", testImage, "--image-pull-policy", "never", "--fn-config", filepath.Join(img, "inject.yaml"))
	if r.code != 0 {
		t.Fatalf("kpt fn eval --image: exit %d\n%s", r.code, r.stderr)
	}
	mustContain(t, "kpt output", r.stderr, `injected "logging"`)
	sameFiles(t, exe, img)
}

func TestE2EImageKptRender(t *testing.T) {
	image(t)
	kpt := tool(t, "kpt")
	exe, img := copyDir(t, "examples/kpt-package"), copyDir(t, "examples/kpt-package")
	for dir, fn := range map[string]string{exe: "exec: " + binary, img: "image: " + testImage} {
		kptfile := filepath.Join(dir, "Kptfile")
		b := strings.ReplaceAll(string(testkit.ReadFile(t, kptfile)), "exec: inject-sidecars", fn)
		if err := os.WriteFile(kptfile, []byte(b), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if r := run(t, "", nil, kpt, "fn", "render", exe, "--allow-exec"); r.code != 0 {
		t.Fatalf("kpt fn render (exec): exit %d\n%s", r.code, r.stderr)
	}
	r := run(t, "", nil, "env", "KPT_FN_RUNTIME=podman", kpt, "fn", "render", img, "--image-pull-policy", "never")
	if r.code != 0 {
		t.Fatalf("kpt fn render (image): exit %d\n%s", r.code, r.stderr)
	}
	// The Kptfiles differ by the function line alone.
	os.Remove(filepath.Join(exe, "Kptfile"))
	os.Remove(filepath.Join(img, "Kptfile"))
	sameFiles(t, exe, img)
}

func TestE2EImageKustomizeContainer(t *testing.T) {
	image(t)
	kustomize := tool(t, "kustomize")
	podman := tool(t, "podman")
	// kustomize calls docker; podman-docker's docker is podman, and must
	// come before any other docker client on PATH.
	shim := t.TempDir()
	if err := os.WriteFile(filepath.Join(shim, "docker"), []byte("#!/bin/sh\nexec "+podman+" \"$@\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	dir := copyDir(t, "examples/kustomize-overlay")
	fnPath := filepath.Join(dir, "overlay", "inject.yaml")
	b := string(testkit.ReadFile(t, fnPath))
	b = strings.Replace(b, "exec:\n        path: inject-sidecars", "container:\n        image: "+testImage, 1)
	if !strings.Contains(b, testImage) {
		t.Fatalf("examples/kustomize-overlay/overlay/inject.yaml no longer has the exec form this test rewrites:\n%s", b)
	}
	if err := os.WriteFile(fnPath, []byte(b), 0o644); err != nil {
		t.Fatal(err)
	}
	r := run(t, "", nil, "env", "PATH="+shim+string(os.PathListSeparator)+os.Getenv("PATH"), kustomize, "build", "--enable-alpha-plugins", filepath.Join(dir, "overlay"))
	if r.code != 0 {
		t.Fatalf("kustomize build (container): exit %d\n%s", r.code, r.stderr)
	}
	if want := string(testkit.ReadFile(t, "examples/kustomize-overlay/expected.yaml")); r.stdout != want {
		t.Errorf("kustomize build with the image differs from examples/kustomize-overlay/expected.yaml:\n%s", r.stdout)
	}
}

// sameFiles fails unless the two folders hold the same files, byte for
// byte.
func sameFiles(t *testing.T, a, b string) {
	t.Helper()
	fa, fb := readAll(t, a), readAll(t, b)
	if len(fa) != len(fb) {
		t.Errorf("%d files against %d", len(fa), len(fb))
	}
	for path, body := range fa {
		rel, _ := filepath.Rel(a, path)
		if other, ok := fb[filepath.Join(b, rel)]; !ok || other != body {
			t.Errorf("%s differs between the exec and the image form:\n%s\n---\n%s", rel, body, other)
		}
	}
}

// TestE2EImageREADME runs the README's container commands as written: a
// ResourceList made with kpt fn source, then podman run with the ulimit
// flags the README gives, on podman's own configuration (no
// CONTAINERS_CONF). The output must be the exec form's.
func TestE2EImageREADME(t *testing.T) {
	image(t)
	kpt, podman := tool(t, "kpt"), tool(t, "podman")
	src := run(t, "", nil, kpt, "fn", "source", "examples/kpt-package", "--fn-config", "examples/kpt-package/inject.yaml")
	if src.code != 0 {
		t.Fatalf("kpt fn source: exit %d\n%s", src.code, src.stderr)
	}
	want := run(t, "", []byte(src.stdout), binary)
	cmd := exec.Command(podman, "run", "-i", "--rm", "--network", "none", "--read-only", "--user", "65532",
		"--ulimit", "nofile=4096:4096", "--ulimit", "nproc=4096:4096", testImage)
	for _, e := range os.Environ() {
		if !strings.HasPrefix(e, "CONTAINERS_CONF=") {
			cmd.Env = append(cmd.Env, e)
		}
	}
	cmd.Stdin = strings.NewReader(src.stdout)
	got, err := cmd.Output()
	if err != nil {
		t.Fatalf("podman run: %v", err)
	}
	if want.code != 0 || string(got) != want.stdout {
		t.Errorf("the image's output differs from the binary's (exit %d):\n%s", want.code, got)
	}
	mustContain(t, "podman run output", string(got), "name: envoy")
}
