package yamlfile

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Stdin of nothing but whitespace is ErrEmptyStdin; a stream of empty
// documents is not.
func TestSourcesEmptyStdin(t *testing.T) {
	for in, want := range map[string]error{"": ErrEmptyStdin, " \n\t\r\n": ErrEmptyStdin, "---\n": nil, "# soon\n": nil} {
		t.Setenv("TMPDIR", t.TempDir())
		_, cleanup, err := Sources(nil, strings.NewReader(in))
		cleanup()
		if !errors.Is(err, want) {
			t.Errorf("%q: error %v, want %v", in, err, want)
		}
		if left, _ := filepath.Glob(filepath.Join(os.Getenv("TMPDIR"), "*")); len(left) > 0 {
			t.Errorf("%q: spool left behind: %v", in, left)
		}
	}
}

// One file reached by two paths is one source, at its first place; the
// later paths are noted on it. A FIFO named twice is opened once: a
// second open would wait for a writer that is gone.
func TestSourcesReadAFileOnce(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for name, data := range map[string]string{"in/a.yaml": "kind: A\n", "in/c.yaml": "kind: C\n"} {
		os.MkdirAll(filepath.Join(dir, filepath.Dir(name)), 0o755)
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink("c.yaml", filepath.Join(dir, "in/b.yaml")); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	go func() {
		if f, err := os.OpenFile(fifo, os.O_WRONLY, 0); err == nil {
			f.WriteString("kind: F\n")
			f.Close()
		}
	}()
	in := func(p string) string { return filepath.Join(dir, p) }
	type got struct {
		srcs []*Source
		err  error
	}
	done := make(chan got, 1)
	go func() {
		srcs, cleanup, err := Sources([]string{in("in"), in("in/a.yaml"), fifo, fifo}, nil)
		t.Cleanup(cleanup)
		done <- got{srcs, err}
	}()
	var r got
	select {
	case r = <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("still reading after 10s: the FIFO was opened twice")
	}
	if r.err != nil {
		t.Fatal(r.err)
	}
	var paths []string
	for _, s := range r.srcs {
		paths = append(paths, strings.TrimPrefix(s.Path, dir+"/")+" again "+strings.ReplaceAll(strings.Join(s.Again, ","), dir+"/", ""))
	}
	want := []string{"in/a.yaml again in/a.yaml", "in/b.yaml again in/c.yaml", "fifo again fifo"}
	if strings.Join(paths, "; ") != strings.Join(want, "; ") {
		t.Errorf("sources\n%v\nwant\n%v", paths, want)
	}
}

// A symlink in a folder input that stays inside the folder is read,
// whether it is absolute or relative and however the folder is named
// (a relative path, a path through a symlinked folder); one that leads
// out is refused.
func TestSourcesLinkInsideFolder(t *testing.T) {
	dir, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Join(dir, "S/in"), 0o755)
	for name, data := range map[string]string{"S/in/a.yaml": "kind: A\n", "S/out.yaml": "kind: O\n"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for link, target := range map[string]string{"S/in/abs.yaml": filepath.Join(dir, "S/in/a.yaml"), "S/in/rel.yaml": "a.yaml", "L": "S"} {
		if err := os.Symlink(target, filepath.Join(dir, link)); err != nil {
			t.Fatal(err)
		}
	}
	t.Chdir(dir)
	for _, in := range []string{"S/in", "./S/in/", "L/in", filepath.Join(dir, "S/in"), filepath.Join(dir, "L/in")} {
		srcs, cleanup, err := Sources([]string{in}, nil)
		cleanup()
		if err != nil || len(srcs) != 1 || len(srcs[0].Again) != 2 {
			t.Errorf("%s: %d sources, error %v; want a.yaml read once, reached three ways", in, len(srcs), err)
		}
	}
	if err := os.Symlink(filepath.Join(dir, "S/out.yaml"), filepath.Join(dir, "S/in/out.yaml")); err != nil {
		t.Fatal(err)
	}
	if _, cleanup, err := Sources([]string{"S/in"}, nil); err == nil || !strings.Contains(err.Error(), "out of the folder") {
		t.Errorf("a link out of the folder: error %v, want a refusal", err)
	} else {
		cleanup()
	}
}
