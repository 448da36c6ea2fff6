package yamlfile

import (
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// maxLine is MaxLine, as the README states it.
const maxLine = 8 << 20

// countingReader serves n bytes of b, and counts what was read.
type countingReader struct {
	b    byte
	n    int64
	read int64
}

func (r *countingReader) Read(p []byte) (int, error) {
	if r.read >= r.n {
		return 0, io.EOF
	}
	k := min(int64(len(p)), r.n-r.read)
	for i := range p[:k] {
		p[i] = r.b
	}
	r.read += k
	return int(k), nil
}

// A line with no end is not buffered whole: 64 MiB on one line stops at
// MaxLine with a one-line message, holding about MaxLine, never the
// line; stdin of binary data stops at its first block, before it is
// spooled.
func TestLongLinesAndBinaryFailEarly(t *testing.T) {
	// Not parallel: it measures the heap, and its cases set TMPDIR.
	dir := t.TempDir()
	long := filepath.Join(dir, "long.yaml")
	f, err := os.Create(long)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(f, &countingReader{b: 'a', n: 64 << 20}); err != nil {
		t.Fatal(err)
	}
	f.Close()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	srcs, cleanup, err := Sources([]string{long}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cleanup()
	err = srcs[0].Each(func(*Document) error { return nil })
	runtime.ReadMemStats(&after)
	if err == nil || !strings.Contains(err.Error(), long+": line 1 is longer than 8 MiB") || strings.Contains(err.Error(), "aaaa") {
		t.Errorf("error: %.200v", err)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 3*maxLine {
		t.Errorf("allocated %d MiB reading a 64 MiB line, want at most %d MiB", alloc>>20, 3*maxLine>>20)
	}

	for _, tt := range []struct {
		name string
		in   *countingReader
		msg  string
	}{
		{"NUL bytes", &countingReader{b: 0, n: 64 << 20}, "stdin: not a text file"},
		{"one endless line", &countingReader{b: 'a', n: 64 << 20}, "-: line 1 is longer than 8 MiB"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("TMPDIR", t.TempDir())
			_, _, err := Sources([]string{"-"}, tt.in)
			if err == nil || !strings.Contains(err.Error(), strings.TrimPrefix(tt.msg, "stdin")) {
				t.Errorf("error: %.200v", err)
			}
			if tt.in.read > maxLine+1<<20 {
				t.Errorf("read %d MiB of stdin before stopping", tt.in.read>>20)
			}
			if left, _ := filepath.Glob(filepath.Join(os.Getenv("TMPDIR"), "*")); len(left) > 0 {
				t.Errorf("spool left behind: %v", left)
			}
		})
	}
}

// The spool's text check finds a long line however the writes cut it.
func TestTextGuard(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("a", maxLine+1)
	tests := []struct {
		name   string
		writes []string
		want   string // what the error says; "" for none
	}{
		{"short lines", []string{"a: 1\n", "b: 2\n", "c"}, ""},
		{"a line of exactly the limit", []string{strings.Repeat("a", maxLine) + "\nb\n"}, ""},
		{"a long line and its end in one write", []string{"a: 1\n" + long + "\nb: 2\n"}, "x: line 2 is longer than 8 MiB"},
		{"a long line across writes", []string{"a: 1\n", long[:10], long[10:], "\n"}, "x: line 2 is longer than 8 MiB"},
		{"a NUL byte", []string{"a: 1\nb: 2\n", "c: \x00"}, "x: not a text file (it has NUL bytes or invalid UTF-8, line 3)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			g := &textGuard{w: io.Discard, path: "x"}
			var err error
			for _, w := range tt.writes {
				if _, err = g.Write([]byte(w)); err != nil {
					break
				}
			}
			if (err == nil) != (tt.want == "") || (err != nil && !strings.HasPrefix(err.Error(), tt.want)) {
				t.Errorf("error %v, want %q", err, tt.want)
			}
		})
	}
}

// A small file is read once: the second pass sees the text the first
// read, even if the file changed in between, and a large one is read
// again.
func TestSmallSourcesReadOnce(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	small, large := filepath.Join(dir, "small.yaml"), filepath.Join(dir, "large.yaml")
	os.WriteFile(small, []byte("a: 1\n"), 0o644)
	os.WriteFile(large, []byte("b: 1\n"+strings.Repeat("# padding\n", holdFile/10+1)), 0o644)
	srcs, cleanup, err := Sources([]string{dir}, nil)
	defer cleanup()
	if err != nil {
		t.Fatal(err)
	}
	texts := func() (out []string) {
		for _, s := range srcs {
			if err := s.Each(func(d *Document) error { out = append(out, d.Raw[:5]); return nil }); err != nil {
				t.Fatal(err)
			}
		}
		return out
	}
	first := strings.Join(texts(), "|")
	os.WriteFile(small, []byte("a: 2\n"), 0o644)
	os.WriteFile(large, []byte("b: 2\n"), 0o644)
	if got, want := strings.Join(texts(), "|"), strings.Replace(first, "b: 1", "b: 2", 1); got != want {
		t.Errorf("second pass read %q, want %q (the first pass: %q)", got, want, first)
	}
}
