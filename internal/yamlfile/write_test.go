package yamlfile

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// A rename that fails part-way leaves every file whole: the ones renamed
// are new, the others old, and no temporary file stays behind.
func TestWriteFilesInterrupted(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.yaml"), filepath.Join(dir, "b.yaml")
	os.WriteFile(a, []byte("old a\n"), 0o644)
	os.WriteFile(b, []byte("old b\n"), 0o644)
	calls := 0
	rename = func(from, to string) error {
		calls++
		if calls == 2 {
			return errors.New("disk on fire")
		}
		return os.Rename(from, to)
	}
	defer func() { rename = os.Rename }()
	err := WriteFiles([]Staged{{Path: a, Data: []byte("new a\n"), Mode: 0o644}, {Path: b, Data: []byte("new b\n"), Mode: 0o644}})
	if err == nil {
		t.Fatal("want an error")
	}
	if got, _ := os.ReadFile(a); string(got) != "new a\n" {
		t.Errorf("a = %q", got)
	}
	if got, _ := os.ReadFile(b); string(got) != "old b\n" {
		t.Errorf("b = %q, want the old content whole", got)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".*")); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

// A file that cannot be Staged stops the run before any file is written.
func TestWriteFilesStagingFails(t *testing.T) {
	dir := t.TempDir()
	a := filepath.Join(dir, "a.yaml")
	os.WriteFile(a, []byte("old a\n"), 0o644)
	blocker := filepath.Join(dir, "file")
	os.WriteFile(blocker, nil, 0o644)
	err := WriteFiles([]Staged{{Path: a, Data: []byte("new a\n"), Mode: 0o600}, {Path: filepath.Join(blocker, "b.yaml"), Data: []byte("b"), Mode: 0o644}})
	if err == nil {
		t.Fatal("want an error")
	}
	if got, _ := os.ReadFile(a); string(got) != "old a\n" {
		t.Errorf("a was written: %q", got)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".*")); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

func TestWriteFilesKeepsMode(t *testing.T) {
	a := filepath.Join(t.TempDir(), "a.yaml")
	if err := WriteFiles([]Staged{{Path: a, Data: []byte("x\n"), Mode: 0o600}}); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(a); st.Mode().Perm() != 0o600 {
		t.Errorf("mode = %v", st.Mode().Perm())
	}
}
