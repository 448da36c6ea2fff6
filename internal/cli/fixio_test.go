package cli

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// -i on a FIFO, or a symlink to one, is a usage error at once: the FIFO
// is never opened, so it neither waits for a writer nor loses its data.
func TestInPlaceRefusesFIFO(t *testing.T) {
	t.Parallel()
	dir, cfg, app := filesDir(t)
	fifo := filepath.Join(dir, "ff")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "lff.yaml")
	if err := os.Symlink("ff", link); err != nil {
		t.Fatal(err)
	}
	for _, in := range []string{fifo, link} {
		_, stderr, code := Invoke(t, nil, "-i", "-c", cfg, app, in)
		if code != exitUsage || !strings.Contains(stderr, "-i cannot rewrite "+in) || strings.Count(stderr, "\n") != 2 {
			t.Errorf("-i %s: exit %d, want 2 and one line:\n%s", in, code, stderr)
		}
	}
	if got, _ := os.ReadFile(app); strings.Contains(string(got), "inject-sidecars.dev/status") {
		t.Error("the regular input was rewritten despite the usage error")
	}
}

// stdin named twice is a usage error: it can be read only once, and the
// second would silently read as empty.
func TestStdinGivenTwice(t *testing.T) {
	t.Parallel()
	_, cfg, app := filesDir(t)
	data, _ := os.ReadFile(app)
	_, stderr, code := Invoke(t, strings.NewReader(string(data)), "-c", cfg, "-", "-")
	if code != exitUsage || !strings.Contains(stderr, "stdin (-) given twice") {
		t.Errorf("exit %d, want 2 and a usage error:\n%s", code, stderr)
	}
}
