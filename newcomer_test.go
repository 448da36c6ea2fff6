package main

import (
	"bytes"
	"encoding/xml"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/inject-sidecars/inject-sidecars/internal/testkit"
)

// The repository's own promises to a newcomer: the docs stand alone,
// the make targets named in the README exist, and there is one version.

// thisFile is left out of TestDocsStandAlone: it has to name the word.
const thisFile = "newcomer_test.go"

// TestDocsStandAlone fails when a tracked file cites a specification
// that is not in the repository: every rule the docs, comments and tests
// rely on is written where it is used.
func TestDocsStandAlone(t *testing.T) {
	cite := regexp.MustCompile(`\bSPEC\b`)
	for _, path := range trackedFiles(t) {
		if path == thisFile {
			continue
		}
		b, err := os.ReadFile(path)
		if err != nil || bytes.IndexByte(b, 0) >= 0 {
			continue // gone from the worktree, or binary
		}
		for i, line := range strings.Split(string(b), "\n") {
			if cite.MatchString(line) {
				t.Errorf("%s:%d cites a spec that is not in the repository; write the rule itself: %s", path, i+1, strings.TrimSpace(line))
			}
		}
	}
}

// trackedFiles lists the repository's files: git's list in a checkout,
// else every file below here but bin/ and hidden folders.
func trackedFiles(t *testing.T) []string {
	t.Helper()
	if out, err := exec.Command("git", "ls-files", "-z").Output(); err == nil && len(out) > 0 {
		return strings.Split(strings.TrimRight(string(out), "\x00"), "\x00")
	}
	var files []string
	err := filepath.WalkDir(".", func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && p != "." && (p == "bin" || strings.HasPrefix(d.Name(), ".")) {
			return filepath.SkipDir
		}
		if !d.IsDir() {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// TestMakeToolTargets: each pinned tool has a target of its own, by name
// and by its relative path (make bin/kustomize), and make install exists.
// make -n only prints what it would do: nothing is built.
func TestMakeToolTargets(t *testing.T) {
	mk, err := exec.LookPath("make")
	if err != nil {
		t.Skip("make is not installed")
	}
	for _, target := range []string{"kustomize", "helm3", "helm4", "apiserver", "bin/kustomize", "bin/helm3", "bin/helm4", "bin/kube-apiserver", "install", "build"} {
		out, err := exec.Command(mk, "-n", target).CombinedOutput()
		if err != nil {
			t.Errorf("make -n %s: %v\n%s", target, err, out)
		}
	}
}

// TestOneVersion: --version, the Helm plugin's plugin.yaml and the image
// tag make image uses all say plugin.yaml's version.
func TestOneVersion(t *testing.T) {
	m := regexp.MustCompile(`(?m)^version:\s*(\S+)\s*$`).FindSubmatch(testkit.ReadFile(t, "plugin.yaml"))
	if m == nil {
		t.Fatal("plugin.yaml has no version line")
	}
	want := string(m[1])
	if r := run(t, "", nil, binary, "--version"); r.stdout != "inject-sidecars "+want+"\n" {
		t.Errorf("--version printed %q, want %q", r.stdout, "inject-sidecars "+want)
	}
	if mk, err := exec.LookPath("make"); err == nil {
		out, err := exec.Command(mk, "-n", "image", "CONTAINER=podman").CombinedOutput()
		if err != nil {
			t.Fatalf("make -n image: %v\n%s", err, out)
		}
		if !strings.Contains(string(out), " -t localhost/inject-sidecars:"+want+" ") {
			t.Errorf("make image does not tag the image %s:\n%s", want, out)
		}
	}
}

// TestReadmePicture: the README shows docs/injection.svg, and the file is
// well-formed SVG (an <svg> root with a title, for screen readers).
func TestReadmePicture(t *testing.T) {
	if !strings.Contains(string(testkit.ReadFile(t, "README.md")), "](docs/injection.svg)") {
		t.Error("README.md does not show docs/injection.svg")
	}
	dec := xml.NewDecoder(bytes.NewReader(testkit.ReadFile(t, "docs/injection.svg")))
	var root, title string
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("docs/injection.svg is not well-formed: %v", err)
		}
		if se, ok := tok.(xml.StartElement); ok {
			if root == "" {
				root = se.Name.Local
			}
			if se.Name.Local == "title" {
				title = se.Name.Local
			}
		}
	}
	if root != "svg" || title == "" {
		t.Errorf("docs/injection.svg: root <%s>, title %q; want an <svg> with a <title>", root, title)
	}
}
