package cli

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// BenchmarkFolderInPlace runs -i on a folder of one Deployment per file,
// a fresh copy each time (outside the timing): the shape of a GitOps
// repository. go test -run '^$' -bench FolderInPlace -cpuprofile
// profiles it.
func BenchmarkFolderInPlace(b *testing.B) {
	src, cfg := benchFolder(b, 2000)
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		work := filepath.Join(b.TempDir(), "work")
		copyFolder(b, src, work)
		b.StartTimer()
		if code := RunPlain(PlainOptions{Configs: []string{cfg}, Inputs: []string{work}, InPlace: true, Quiet: true,
			Stdout: io.Discard, Stderr: io.Discard}); code != 0 {
			b.Fatalf("exit code %d", code)
		}
	}
}

// BenchmarkFolderOut runs -o DIR/ on the same folder.
func BenchmarkFolderOut(b *testing.B) {
	src, cfg := benchFolder(b, 2000)
	for i := 0; i < b.N; i++ {
		out := filepath.Join(b.TempDir(), "out") + "/"
		if code := RunPlain(PlainOptions{Configs: []string{cfg}, Inputs: []string{src}, Output: out, Quiet: true,
			Stdout: io.Discard, Stderr: io.Discard}); code != 0 {
			b.Fatalf("exit code %d", code)
		}
	}
}

// benchFolder writes n one-Deployment files and a config.
func benchFolder(b *testing.B, n int) (dir, cfg string) {
	b.Helper()
	root := b.TempDir()
	dir = filepath.Join(root, "in")
	if err := os.Mkdir(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	cfg = filepath.Join(root, "cfg.yaml")
	writeBench(b, cfg, "apiVersion: inject-sidecars.dev/v1alpha1\nkind: SidecarInjection\nmetadata:\n  name: logging\nspec:\n"+
		"  containers:\n  - name: fluent-bit\n    image: fluent/fluent-bit:3.1.4\n")
	for i := range n {
		writeBench(b, filepath.Join(dir, fmt.Sprintf("r-%05d.yaml", i)), strings.ReplaceAll(
			"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web-N\n  labels: {app: web-N}\nspec:\n"+
				"  selector:\n    matchLabels: {app: web-N}\n  template:\n    metadata:\n      labels: {app: web-N}\n"+
				"    spec:\n      containers:\n      - name: server # the app\n        image: example/web:1.0\n", "N", fmt.Sprint(i)))
	}
	return dir, cfg
}

func writeBench(b *testing.B, path, text string) {
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		b.Fatal(err)
	}
}

func copyFolder(b *testing.B, from, to string) {
	if err := os.MkdirAll(to, 0o755); err != nil {
		b.Fatal(err)
	}
	des, err := os.ReadDir(from)
	if err != nil {
		b.Fatal(err)
	}
	for _, de := range des {
		data, err := os.ReadFile(filepath.Join(from, de.Name()))
		if err != nil {
			b.Fatal(err)
		}
		writeBench(b, filepath.Join(to, de.Name()), string(data))
	}
}
