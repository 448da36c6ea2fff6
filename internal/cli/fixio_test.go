package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// runQuick runs plain mode and fails the test if it does not end within
// five seconds (a FIFO opened for reading waits for a writer).
func runQuick(t *testing.T, o PlainOptions, stdin string) (int, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	o.Stdin, o.Stdout, o.Stderr, o.Usage = strings.NewReader(stdin), &stdout, &stderr, "USAGE\n"
	done := make(chan int, 1)
	go func() { done <- RunPlain(o) }()
	select {
	case code := <-done:
		return code, stderr.String()
	case <-time.After(5 * time.Second):
		t.Fatalf("the run hangs")
		return 0, ""
	}
}

// -i on a FIFO, or a symlink to one, is a usage error at once: the FIFO
// is never opened, so it neither waits for a writer nor loses its data.
func TestInPlaceRefusesFIFO(t *testing.T) {
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
		code, stderr := runQuick(t, PlainOptions{Configs: []string{cfg}, Inputs: []string{app, in}, InPlace: true}, "")
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
	_, cfg, app := filesDir(t)
	data, _ := os.ReadFile(app)
	code, stderr := runQuick(t, PlainOptions{Configs: []string{cfg}, Inputs: []string{"-", "-"}}, string(data))
	if code != exitUsage || !strings.Contains(stderr, "stdin (-) given twice") {
		t.Errorf("exit %d, want 2 and a usage error:\n%s", code, stderr)
	}
}
