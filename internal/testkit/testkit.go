// Package testkit holds what several packages' tests share: the way to
// the shared corpus, building a ResourceList from a manifest stream,
// reading a stream as data, an alias bomb, and a test's files.
package testkit

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/inject-sidecars/inject-sidecars/fn"
	"github.com/inject-sidecars/inject-sidecars/internal/yamlfile"
)

// Root is the repository's root folder.
var Root = func() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}()

// CorpusDir holds real public manifests (see its SOURCES.md): shared/
// sits beside the repository.
var CorpusDir = filepath.Join(Root, "..", "shared", "corpus")

// CorpusFiles lists the corpus's YAML and JSON files. Outside CI a
// missing corpus skips the test; in CI it fails it.
func CorpusFiles(t testing.TB) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(CorpusDir, "*.y*ml"))
	if err != nil {
		t.Fatal(err)
	}
	json, _ := filepath.Glob(filepath.Join(CorpusDir, "*.json"))
	files = append(files, json...)
	if len(files) == 0 {
		noCorpus(t, "no corpus at "+CorpusDir)
	}
	return files
}

// CorpusFile is the path of one corpus file, by name. Outside CI a
// missing file skips the test; in CI it fails it.
func CorpusFile(t testing.TB, name string) string {
	t.Helper()
	path := filepath.Join(CorpusDir, name)
	if _, err := os.Stat(path); err != nil {
		noCorpus(t, err.Error())
	}
	return path
}

func noCorpus(t testing.TB, why string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatal(why)
	}
	t.Skip(why)
}

// ToResourceList wraps a manifest stream and a config into a
// ResourceList. Input that does not split into documents comes back as
// it is, which is what a fuzz seed wants.
func ToResourceList(stream, cfg []byte) []byte {
	f, err := yamlfile.Parse("x", stream)
	if err != nil {
		return stream
	}
	rl := &fn.ResourceList{APIVersion: "config.kubernetes.io/v1"}
	for _, d := range f.Docs {
		if d.Node != nil {
			rl.Items = append(rl.Items, yaml.NewRNode(d.Node))
		}
	}
	if n, err := yaml.Parse(string(cfg)); err == nil {
		rl.FunctionConfig = n
	}
	var b bytes.Buffer
	if err := fn.WriteResourceList(&b, rl); err != nil {
		return stream
	}
	return b.Bytes()
}

// Resources reads a stream as data, ignoring formatting and comments.
func Resources(t testing.TB, b []byte) []any {
	t.Helper()
	f, err := yamlfile.Parse("x", b)
	if err != nil {
		t.Fatal(err)
	}
	var out []any
	for _, d := range f.Docs {
		if d.Node == nil {
			continue
		}
		var v any
		if err := d.Node.Decode(&v); err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	return out
}

// ReadFile reads a file the test needs, or fails the test.
func ReadFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// AliasBomb is a YAML mapping, each line starting with indent, whose
// anchors expand to 2^40 scalars: "billion laughs", as anyone who can
// write a manifest could send it.
func AliasBomb(indent string) string {
	var b strings.Builder
	b.WriteString(indent + "a0: &a0 [lol, lol]\n")
	for i := 1; i < 40; i++ {
		fmt.Fprintf(&b, "%sa%d: &a%d [*a%d, *a%d]\n", indent, i, i, i-1, i-1)
	}
	return b.String()
}

// WriteFiles writes files into dir by their slash-separated paths,
// making the folders they need.
func WriteFiles(t testing.TB, dir string, files map[string]string) {
	t.Helper()
	for name, data := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
