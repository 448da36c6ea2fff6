package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestUnifiedDiff(t *testing.T) {
	tests := []struct {
		name, path, before, after, want string
	}{
		{name: "equal", path: "a.yaml", before: "x\n", after: "x\n", want: ""},
		{name: "a line added, three lines of context", path: "app.yaml",
			before: "1\n2\n3\n4\n5\n6\n7\n",
			after:  "1\n2\n3\n4\nnew\n5\n6\n7\n",
			want:   "--- a/app.yaml\n+++ b/app.yaml\n@@ -2,6 +2,7 @@\n 2\n 3\n 4\n+new\n 5\n 6\n 7\n"},
		{name: "no empty line made up at the end", path: "x.yaml",
			before: "a\n", after: "a\nb\n",
			want: "--- a/x.yaml\n+++ b/x.yaml\n@@ -1 +1,2 @@\n a\n+b\n"},
		{name: "a last line without a line end is marked", path: "x.yaml",
			before: "a\nb", after: "a\nc\nb",
			want: "--- a/x.yaml\n+++ b/x.yaml\n@@ -1,2 +1,3 @@\n a\n+c\n b\n\\ No newline at end of file\n"},
		{name: "adding the line end shows", path: "x.yaml",
			before: "a", after: "a\n",
			want: "--- a/x.yaml\n+++ b/x.yaml\n@@ -1 +1 @@\n-a\n\\ No newline at end of file\n+a\n"},
		{name: "paths are cleaned and slash-separated", path: "./dir/../m/app.yaml",
			before: "a\n", after: "b\n",
			want: "--- a/m/app.yaml\n+++ b/m/app.yaml\n@@ -1 +1 @@\n-a\n+b\n"},
		{name: "an absolute path loses its leading slash", path: "/tmp/app.yaml",
			before: "a\n", after: "b\n",
			want: "--- a/tmp/app.yaml\n+++ b/tmp/app.yaml\n@@ -1 +1 @@\n-a\n+b\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := unifiedDiff(tt.path, tt.before, tt.after)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

// TestUnifiedDiffApplies checks the diffs with the tool users apply
// them with: git apply turns before into after.
func TestUnifiedDiffApplies(t *testing.T) {
	git, err := exec.LookPath("git")
	if err != nil {
		t.Skip("git is not installed")
	}
	pairs := [][2]string{
		{"a\nb\nc\n", "a\nb\nb2\nc\n"},
		{"a\nb", "a\nx\nb"},
		{"a", "a\n"},
		{"k: v\n" + strings.Repeat("- x\n", 40) + "end: 1\n", "k: v\n" + strings.Repeat("- x\n", 20) + "- y\n" + strings.Repeat("- x\n", 20) + "end: 2\n"},
	}
	for i, p := range pairs {
		dir := t.TempDir()
		file := filepath.Join(dir, "f.yaml")
		if err := os.WriteFile(file, []byte(p[0]), 0o644); err != nil {
			t.Fatal(err)
		}
		d, err := unifiedDiff("f.yaml", p[0], p[1])
		if err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(git, "apply", "-")
		cmd.Dir = dir
		cmd.Stdin = strings.NewReader(d)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("pair %d: git apply: %v\n%s\n%s", i, err, out, d)
		}
		got, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != p[1] {
			t.Errorf("pair %d: after git apply %q, want %q", i, got, p[1])
		}
	}
}
