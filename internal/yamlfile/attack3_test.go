package yamlfile

import (
	"os"
	"path/filepath"
	"testing"
)

// Regression tests from an attack on the removal of folders made for
// outputs. Each fails on main at 93c1ea3.

// DiscardAll removes every folder made for the files, whatever order the
// files come in: plain mode hands it its staged files in map order, so
// a file staged later (whose folder sits in one made for an earlier
// file) may come first.
func TestAttack3DiscardAllAnyOrder(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	a, err := Stage(filepath.Join(out, "a", "x.yaml"), StageOptions{}) // makes out and out/a
	if err != nil {
		t.Fatal(err)
	}
	b, err := Stage(filepath.Join(out, "b", "y.yaml"), StageOptions{}) // makes out/b
	if err != nil {
		t.Fatal(err)
	}
	DiscardAll([]*StagedFile{b, a})
	if _, err := os.Lstat(out); !os.IsNotExist(err) {
		left, _ := filepath.Glob(filepath.Join(out, "*"))
		t.Errorf("%s left after DiscardAll (holding %v), want every folder made for the files removed", out, left)
	}
}

// A folder made for an output that something else has meanwhile
// replaced with a file or a symlink is not ours any more: removing the
// made folders must not unlink what stands at its path now.
func TestAttack3DiscardKeepsWhatReplacedAMadeFolder(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name    string
		replace func(path string) error
	}{
		{"a file", func(p string) error { return os.WriteFile(p, []byte("theirs\n"), 0o644) }},
		{"a symlink", func(p string) error { return os.Symlink(os.TempDir(), p) }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			made := filepath.Join(dir, "new")
			s, err := Stage(filepath.Join(made, "x.yaml"), StageOptions{})
			if err != nil {
				t.Fatal(err)
			}
			// Another process removes the folder (and the staging folder
			// in it) and puts its own thing at that path.
			if err := os.RemoveAll(made); err != nil {
				t.Fatal(err)
			}
			if err := tt.replace(made); err != nil {
				t.Fatal(err)
			}
			DiscardAll([]*StagedFile{s})
			if _, err := os.Lstat(made); err != nil {
				t.Errorf("%s, put there by someone else, was removed: %v", made, err)
			}
		})
	}
}

// WriteFiles (how --report is written) removes the folders it made when
// it fails, as a failed plain run does for -o.
func TestAttack3WriteFilesFailureRemovesMadeFolders(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "file"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	err := WriteFiles([]Staged{
		{Path: filepath.Join(dir, "new", "deeper", "a.json"), Data: []byte("{}\n")},
		{Path: filepath.Join(dir, "file", "b.json"), Data: []byte("{}\n")}, // a file on the path: fails
	})
	if err == nil {
		t.Fatal("WriteFiles succeeded with a file on an output's path")
	}
	if _, err := os.Lstat(filepath.Join(dir, "new")); !os.IsNotExist(err) {
		left, _ := filepath.Glob(filepath.Join(dir, "new", "*"))
		t.Errorf("new left after WriteFiles failed (holding %v), want the folders it made removed", left)
	}
}
