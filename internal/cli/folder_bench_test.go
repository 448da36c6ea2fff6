package cli

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/inject-sidecars/inject-sidecars/internal/testkit"
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
		if err := os.CopyFS(work, os.DirFS(src)); err != nil {
			b.Fatal(err)
		}
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
	dir, cfg = filepath.Join(root, "in"), filepath.Join(root, "cfg.yaml")
	files := map[string]string{"cfg.yaml": "apiVersion: inject-sidecars.dev/v1alpha1\nkind: SidecarInjection\nmetadata:\n  name: logging\nspec:\n" +
		"  containers:\n  - name: fluent-bit\n    image: fluent/fluent-bit:3.1.4\n"}
	for i := range n {
		files[fmt.Sprintf("in/r-%05d.yaml", i)] = strings.ReplaceAll(
			"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web-N\n  labels: {app: web-N}\nspec:\n"+
				"  selector:\n    matchLabels: {app: web-N}\n  template:\n    metadata:\n      labels: {app: web-N}\n"+
				"    spec:\n      containers:\n      - name: server # the app\n        image: example/web:1.0\n", "N", fmt.Sprint(i))
	}
	testkit.WriteFiles(b, root, files)
	return dir, cfg
}
