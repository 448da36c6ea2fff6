package yamlfile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Under an output folder (-o DIR/), a symlink to a missing folder on the
// way to a file is a folder link, as Stage says without Within: the
// message must not call it a missing file.
func TestAttack4WithinDanglingFolderLinkSaysFolder(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	link := filepath.Join(root, "b")
	if err := os.Symlink("missing", link); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(link, "y.yaml")
	for _, o := range []StageOptions{{}, {Within: root}} {
		s, err := Stage(path, o)
		if err == nil {
			s.Discard()
			t.Fatalf("Within %q: staged through a dangling link", o.Within)
		}
		if want := link + " is a symlink to a missing folder"; !strings.Contains(err.Error(), want) {
			t.Errorf("Within %q: error %q, want %q", o.Within, err, want)
		}
	}
}

// A symlink loop is not a symlink to a missing file: under an output
// folder the message must not say so (without Within it says "too many
// levels of symbolic links").
func TestAttack4WithinLinkLoopNotMissing(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"b", filepath.Join("b", "y.yaml")} {
		root := t.TempDir()
		link := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(link), 0o777); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(filepath.Base(link), link); err != nil {
			t.Fatal(err)
		}
		s, err := Stage(filepath.Join(root, "b", "y.yaml"), StageOptions{Within: root})
		if err == nil {
			s.Discard()
			t.Fatalf("%s: staged through a link loop", name)
		}
		if strings.Contains(err.Error(), "missing") {
			t.Errorf("%s: error %q calls a link loop missing", name, err)
		}
	}
}

// A device or FIFO's text waits in the temporary folder, on another file
// system than the target's: a write error there (a full /tmp) must name
// that folder, not only the device ("staging /dev/null: no space left
// on device" sends the user to look at /dev/null). Before write errors
// named the target, it said "write /tmp/inject-sidecars-out-…".
func TestAttack4DeviceWriteErrorNamesTheTempFolder(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	s, err := Stage(os.DevNull, StageOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Discard()
	s.f.Close() // the next write that reaches the file fails
	_, err = s.Write(make([]byte, 256<<10))
	if err == nil || !strings.Contains(err.Error(), tmp) {
		t.Errorf("error %v, want it to name the temporary folder %s, where the text waits", err, tmp)
	}
}
