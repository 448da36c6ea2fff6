package cli

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestUnifiedDiff(t *testing.T) {
	t.Parallel()
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
			t.Parallel()
			got := unifiedDiff(tt.path, []docText{{tt.before, tt.after}})
			if got != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

// TestUnifiedDiffDocuments: documents are matched one by one, and the
// hunks of neighbouring documents merge when their context meets, as in a
// diff of the whole file (the expected text is what GNU diff -U3 prints
// for the same two files).
func TestUnifiedDiffDocuments(t *testing.T) {
	t.Parallel()
	doc := func(name string, extra string) string {
		return "kind: Pod\nmetadata:\n  name: " + name + "\nspec:\n" + extra + "  containers: []\n---\n"
	}
	docs := []docText{
		{doc("a", ""), doc("a", "")},
		{doc("b", ""), doc("b", "  x: 1\n")},
		{doc("c", ""), doc("c", "  y: 2\n")},
		{doc("d", ""), doc("d", "")},
		{doc("e", ""), doc("e", "")},
		{"kind: Pod\nmetadata:\n  name: f\n", "kind: Pod\nmetadata:\n  name: f\n  labels: {z: 3}\n"},
	}
	want := `--- a/all.yaml
+++ b/all.yaml
@@ -8,12 +8,14 @@
 metadata:
   name: b
 spec:
+  x: 1
   containers: []
 ---
 kind: Pod
 metadata:
   name: c
 spec:
+  y: 2
   containers: []
 ---
 kind: Pod
@@ -31,3 +33,4 @@
 kind: Pod
 metadata:
   name: f
+  labels: {z: 3}
`
	if got := unifiedDiff("all.yaml", docs); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

// TestUnifiedDiffApplies checks the diffs with the tool users apply
// them with: git apply turns before into after, for one document and
// for many.
func TestUnifiedDiffApplies(t *testing.T) {
	t.Parallel()
	git, err := exec.LookPath("git")
	if err != nil {
		t.Skip("git is not installed")
	}
	many := func(n int, change func(i int) bool) []docText {
		var docs []docText
		for i := range n {
			d := fmt.Sprintf("kind: ConfigMap\nmetadata:\n  name: c%d\ndata:\n  k: v\n---\n", i)
			after := d
			if change(i) {
				after = strings.Replace(d, "data:\n", "data:\n  new: yes\n", 1)
			}
			docs = append(docs, docText{d, after})
		}
		return docs
	}
	cases := [][]docText{
		{{"a\nb\nc\n", "a\nb\nb2\nc\n"}},
		{{"a\nb", "a\nx\nb"}},
		{{"a", "a\n"}},
		{{"k: v\n" + strings.Repeat("- x\n", 40) + "end: 1\n", "k: v\n" + strings.Repeat("- x\n", 20) + "- y\n" + strings.Repeat("- x\n", 20) + "end: 2\n"}},
		many(50, func(i int) bool { return i%7 == 0 }),
		many(50, func(i int) bool { return i%2 == 0 }),
		many(3000, func(int) bool { return true }),
		// One List of thousands of items is one document: matched
		// piece by piece between the lines both sides hold once.
		{bigList(3000)},
	}
	for i, docs := range cases {
		var before, after strings.Builder
		for _, d := range docs {
			before.WriteString(d.before)
			after.WriteString(d.after)
		}
		dir := t.TempDir()
		file := filepath.Join(dir, "f.yaml")
		if err := os.WriteFile(file, []byte(before.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(git, "apply", "-")
		cmd.Dir = dir
		cmd.Stdin = strings.NewReader(unifiedDiff("f.yaml", docs))
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("case %d: git apply: %v\n%s", i, err, out)
		}
		got, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != after.String() {
			t.Errorf("case %d: after git apply the file differs from what the run would write", i)
		}
	}
}

// bigList is a List of n ConfigMaps, and the same List with a key added
// to each item, as one document.
func bigList(n int) docText {
	var before, after strings.Builder
	before.WriteString("apiVersion: v1\nkind: List\nitems:\n")
	after.WriteString("apiVersion: v1\nkind: List\nitems:\n")
	for i := range n {
		item := fmt.Sprintf("- kind: ConfigMap\n  metadata:\n    name: c%d\n  data:\n    k: v\n", i)
		before.WriteString(item)
		after.WriteString(strings.Replace(item, "  data:\n", "  data:\n    new: yes\n", 1))
	}
	return docText{before.String(), after.String()}
}

func TestLongestIncreasing(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want [][2]int }{
		{nil, nil},
		{[][2]int{{0, 0}, {1, 1}, {2, 2}}, [][2]int{{0, 0}, {1, 1}, {2, 2}}},
		// a moved line: the longest order both keep wins.
		{[][2]int{{3, 0}, {0, 1}, {1, 2}, {2, 3}}, [][2]int{{0, 1}, {1, 2}, {2, 3}}},
		{[][2]int{{2, 0}, {0, 1}, {3, 2}, {1, 3}, {4, 4}}, [][2]int{{0, 1}, {1, 3}, {4, 4}}},
	}
	for _, tt := range tests {
		if got := longestIncreasing(tt.in); fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Errorf("longestIncreasing(%v) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestUniqueAnchors(t *testing.T) {
	t.Parallel()
	a := []string{"x\n", "u1\n", "x\n", "u2\n", "u3\n"}
	b := []string{"u1\n", "x\n", "u3\n", "new\n", "u2\n"}
	// u1, u2, u3 are each once on both sides; u1 then u3 keeps the order
	// in both (u2 and u3 swapped places), and so does u1 then u2: the
	// first found of the longest wins.
	got := uniqueAnchors(a, b)
	if len(got) != 2 || got[0] != [2]int{1, 0} {
		t.Errorf("uniqueAnchors = %v, want u1 and one of u2, u3", got)
	}
}

// A file name with a newline, a quote, ESC, a bidi control or any other
// byte git quotes is written in the --- and +++ lines as git writes it
// (the same line as git diff's), so the header holds no raw control
// character and cannot forge lines in a log, and git apply still applies
// the diff. Names that need no quoting stay as they are.
func TestUnifiedDiffQuotesNames(t *testing.T) {
	t.Parallel()
	git, err := exec.LookPath("git")
	if err != nil {
		t.Skip("git is not installed")
	}
	docs := []docText{{"a\nb\n", "a\nx\nb\n"}}
	for _, tt := range []struct{ name, plusLine string }{
		{"we\"ird\nname.yaml", `+++ "b/we\"ird\nname.yaml"`},
		{"esc\x1b[31m.yaml", `+++ "b/esc\033[31m.yaml"`},
		{"bidi\u202egpj.yaml", `+++ "b/bidi\342\200\256gpj.yaml"`},
		{"tab\tand\\back\x7f.yaml", `+++ "b/tab\tand\\back\177.yaml"`},
		{"sub dir/plain-name.yaml", "+++ b/sub dir/plain-name.yaml"},
	} {
		dir := t.TempDir()
		file := filepath.Join(dir, tt.name)
		os.MkdirAll(filepath.Dir(file), 0o755)
		if err := os.WriteFile(file, []byte(docs[0].before), 0o644); err != nil {
			t.Fatal(err)
		}
		diff := unifiedDiff(tt.name, docs)
		lines := strings.SplitN(diff, "\n", 3)
		if want := "--- " + strings.Replace(tt.plusLine, "+++ ", "", 1); lines[0] != strings.Replace(want, "b/", "a/", 1) || lines[1] != tt.plusLine {
			t.Errorf("%q: header\n%s\n%s\nwant\n%s", tt.name, lines[0], lines[1], tt.plusLine)
		}
		for _, c := range []byte(lines[0] + lines[1]) {
			if c < 0x20 || c >= 0x7f {
				t.Errorf("%q: the header holds the raw byte %#x", tt.name, c)
			}
		}
		cmd := exec.Command(git, "-c", "core.quotePath=true", "diff", "--no-index", "--", os.DevNull, tt.name)
		cmd.Dir = dir
		out, _ := cmd.Output()
		// (git ends a name with a space with a tab, for patch(1).)
		if !strings.Contains(strings.ReplaceAll(string(out), "\t\n", "\n"), "\n"+tt.plusLine+"\n") {
			t.Errorf("%q: git diff writes the name otherwise:\n%s", tt.name, out)
		}
		apply := exec.Command(git, "apply", "-")
		apply.Dir, apply.Stdin = dir, strings.NewReader(diff)
		if out, err := apply.CombinedOutput(); err != nil {
			t.Errorf("%q: git apply: %v\n%s", tt.name, err, out)
		} else if got, _ := os.ReadFile(file); string(got) != docs[0].after {
			t.Errorf("%q: after git apply: %q", tt.name, got)
		}
	}
}
