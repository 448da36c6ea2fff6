package cli_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/inject-sidecars/inject-sidecars/internal/cli"
	"github.com/inject-sidecars/inject-sidecars/internal/testkit"
)

// TestDiffGolden runs --diff on each testdata/diff/<case>: a stream on
// stdin (input.yaml), a folder (input/) and a JSON file (input.json).
// The diff must be expected.diff, exit 3, and leave every input as it
// was; git apply of the diff must give exactly what -i writes; and a
// --diff of the result must print nothing and exit 0.
func TestDiffGolden(t *testing.T) {
	cases, err := filepath.Glob("testdata/diff/*/config.yaml")
	if err != nil || len(cases) == 0 {
		t.Fatalf("no diff cases found: %v", err)
	}
	for _, cfg := range cases {
		src, err := filepath.Abs(filepath.Dir(cfg))
		if err != nil {
			t.Fatal(err)
		}
		t.Run(filepath.Base(src), func(t *testing.T) {
			work := t.TempDir()
			copyTree(t, src, work)
			t.Chdir(work)
			args, stdin := diffArgs(t)
			before := snapshotTree(t, ".")
			out, stderr, code := cli.Invoke(t, stdin, append([]string{"-q", "-c", "config.yaml", "--diff"}, args...)...)
			if code != 3 {
				t.Fatalf("exit %d, want 3:\n%s", code, stderr)
			}
			compareGolden(t, filepath.Join(src, "expected.diff"), out)
			if diff := cmp.Diff(before, snapshotTree(t, ".")); diff != "" {
				t.Fatalf("--diff changed files (-before +after):\n%s", diff)
			}
			applied := applyDiff(t, []byte(out))
			if applied == nil {
				return
			}
			if len(args) == 0 {
				args = []string{"stdin"} // the diff names stdin so
			}
			if out, stderr, code := cli.Invoke(t, nil, append([]string{"-q", "-c", "config.yaml", "--diff"}, args...)...); code != 0 || out != "" {
				t.Errorf("--diff after applying the diff: exit %d, diff:\n%s%s", code, out, stderr)
			}
			restoreTree(t, before)
			if _, stderr, code := cli.Invoke(t, nil, append([]string{"-q", "-c", "config.yaml", "-i"}, args...)...); code != 0 {
				t.Fatalf("-i: exit %d:\n%s", code, stderr)
			}
			if diff := cmp.Diff(applied, snapshotTree(t, ".")); diff != "" {
				t.Errorf("git apply of the diff and -i differ (-diff +in place):\n%s", diff)
			}
		})
	}
}

// TestDiffGoldenFolders fails on a folder in testdata/diff that
// TestDiffGolden would pass over or read only in part: each holds
// config.yaml, expected.diff and one input (input.yaml, input/ or
// input.json), and nothing else.
func TestDiffGoldenFolders(t *testing.T) {
	t.Parallel()
	dirs, err := os.ReadDir("testdata/diff")
	if err != nil {
		t.Fatal(err)
	}
	inputs := []string{"input.yaml", "input", "input.json"}
	for _, d := range dirs {
		dir := filepath.Join("testdata/diff", d.Name())
		if !d.IsDir() {
			t.Errorf("%s: a file among the diff cases", dir)
			continue
		}
		files, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		have := map[string]bool{}
		n := 0
		for _, f := range files {
			have[f.Name()] = true
			switch {
			case slices.Contains(inputs, f.Name()):
				n++
			case f.Name() != "config.yaml" && f.Name() != "expected.diff":
				t.Errorf("%s: %s is read by no test", dir, f.Name())
			}
		}
		for _, need := range []string{"config.yaml", "expected.diff"} {
			if !have[need] {
				t.Errorf("%s: no %s", dir, need)
			}
		}
		if n != 1 {
			t.Errorf("%s: %d inputs, want one of %v", dir, n, inputs)
		}
	}
}

// diffArgs gives the case's inputs: input/ or input.json as arguments,
// or input.yaml on stdin (also kept as a file named stdin, which is
// what the diff names, so that it can be applied).
func diffArgs(t *testing.T) ([]string, *bytes.Reader) {
	for _, in := range []string{"input", "input.json"} {
		if _, err := os.Stat(in); err == nil {
			return []string{in}, bytes.NewReader(nil)
		}
	}
	data := testkit.ReadFile(t, "input.yaml")
	if err := os.Rename("input.yaml", "stdin"); err != nil {
		t.Fatal(err)
	}
	return nil, bytes.NewReader(data)
}

// applyDiff applies a diff with git apply in the current folder and
// returns the files after; nil (the test skipped that part) without git.
func applyDiff(t *testing.T, diff []byte) map[string]string {
	git, err := exec.LookPath("git")
	if err != nil {
		t.Log("git is not installed: the diff is not applied")
		return nil
	}
	cmd := exec.Command(git, "apply", "-")
	cmd.Stdin = bytes.NewReader(diff)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git apply: %v\n%s", err, out)
	}
	return snapshotTree(t, ".")
}

func copyTree(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() == "expected.diff" {
			return err
		}
		rel, err := filepath.Rel(from, p)
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Join(to, filepath.Dir(rel)), 0o755); err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(to, rel), testkit.ReadFile(t, p), 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// snapshotTree maps each file below dir to its text.
func snapshotTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		files[p] = string(testkit.ReadFile(t, p))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func restoreTree(t *testing.T, files map[string]string) {
	t.Helper()
	for p, text := range files {
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
