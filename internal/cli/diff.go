package cli

import (
	"path/filepath"
	"strings"

	"github.com/pmezard/go-difflib/difflib"
)

// noNewline is how a unified diff marks a last line without a line end,
// as diff(1) and git write it.
const noNewline = "\n\\ No newline at end of file\n"

// unifiedDiff is the unified diff (three lines of context) that turns
// before into after, headed --- a/PATH and +++ b/PATH as git writes it,
// so `git apply` or `patch -p1` can apply it from where the command ran;
// "" when they are equal.
func unifiedDiff(path, before, after string) (string, error) {
	if before == after {
		return "", nil
	}
	name := strings.TrimPrefix(filepath.ToSlash(filepath.Clean(path)), "/")
	return difflib.GetUnifiedDiffString(difflib.UnifiedDiff{
		A: diffLines(before), B: diffLines(after),
		FromFile: "a/" + name, ToFile: "b/" + name,
		Context: 3,
	})
}

// diffLines splits s into lines that keep their line ends. Unlike
// difflib.SplitLines it adds no empty line at the end, and a last line
// without a line end carries the marker that says so: the line differs
// from the same text with a line end, as it should.
func diffLines(s string) []string {
	lines := strings.SplitAfter(s, "\n")
	if last := lines[len(lines)-1]; last == "" {
		lines = lines[:len(lines)-1]
	} else {
		lines[len(lines)-1] = last + noNewline
	}
	return lines
}
