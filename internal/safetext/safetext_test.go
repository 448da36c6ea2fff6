package safetext_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/inject-sidecars/inject-sidecars/internal/safetext"
)

func TestValue(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, in, want string }{
		{"plain", "web-1", "web-1"},
		{"unicode kept", "café ☕", "café ☕"},
		{"tab kept", "a\tb", "a\tb"},
		{"newline", "web\n[error] forged", `web\n[error] forged`},
		{"carriage return", "a\rb", `a\rb`},
		{"ESC colour", "\x1b[31mred\x1b[0m", `\x1b[31mred\x1b[0m`},
		{"OSC title", "\x1b]0;pwned\x07", `\x1b]0;pwned\a`},
		{"C1 CSI", "a\u009bb", `a\u009bb`},
		{"DEL", "a\x7fb", `a\x7fb`},
		{"bidi override", "abc\u202edcba", `abc\u202edcba`},
		{"line separator", "a\u2028b", `a\u2028b`},
		{"invalid UTF-8", "a\xffb", `a\xffb`},
		{"clipped", strings.Repeat("x", 1000), strings.Repeat("x", safetext.MaxValue-len("…")) + "…"},
		{"clipped on a rune", strings.Repeat("é", 1000), strings.Repeat("é", (safetext.MaxValue-len("…"))/2) + "…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := safetext.Value(tt.in); got != tt.want {
				t.Errorf("Value(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestQuote(t *testing.T) {
	t.Parallel()
	if got := safetext.Quote("oops", 32); got != `"oops"` {
		t.Errorf("short: %s", got)
	}
	token := "eyJhbGciOiJSUzI1NiIsImtpZCI6IjEyMyJ9." + strings.Repeat("c2VjcmV0", 20)
	got := safetext.Quote(token, 16)
	if got != `"eyJhbGciOiJSUzI1"… (197 bytes)` {
		t.Errorf("long: %s", got)
	}
	if got := safetext.Quote("\x1b[2J\n", 32); got != `"\x1b[2J\n"` {
		t.Errorf("controls: %s", got)
	}
}

func TestMessageIsBounded(t *testing.T) {
	t.Parallel()
	got := safetext.Message(strings.Repeat("a\n", 1<<20))
	if len(got) > safetext.MaxLine || strings.Contains(got, "\n") {
		t.Errorf("%d bytes, newline: %v", len(got), strings.Contains(got, "\n"))
	}
}

// TestWriterCannotForgeLines prints what a hostile name would make of a
// message: the value escaped with Value, the line through a Writer, it
// stays one line and moves no cursor, whatever it holds.
func TestWriterCannotForgeLines(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	w := safetext.NewWriter(&b)
	name := "web\n[error] everything is fine\r\x1b[2K\x1b]8;;http://evil\x07"
	fmt.Fprintf(w, "[warning] Deployment/%s: no tag\n", safetext.Value(name))
	// The writer alone (a value someone forgot to escape) still stops
	// every control character but the line end.
	fmt.Fprintf(w, "[warning] %s\n", "\x1b[2K\r[error] forged")
	fmt.Fprintln(w, "[info] next")
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[2], "[info]") {
		t.Fatalf("lines: %q", lines)
	}
	for _, l := range lines {
		if strings.ContainsAny(l, "\r\x1b\x07") {
			t.Errorf("control characters passed: %q", l)
		}
	}
}

func TestWriterClipsLongLines(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	w := safetext.NewWriter(&b)
	huge := strings.Repeat("x", 64<<20)
	// In pieces, as a copy would write it.
	w.Write([]byte("inject-sidecars: stdin: document 0 is \""))
	for i := 0; i < len(huge); i += 1 << 20 {
		w.Write([]byte(huge[i : i+1<<20]))
	}
	w.Write([]byte("\"\nnext line\n"))
	lines := strings.Split(b.String(), "\n")
	if len(lines[0]) > safetext.MaxLine || !strings.HasSuffix(lines[0], "…") {
		t.Errorf("first line: %d bytes, ends %q", len(lines[0]), lines[0][len(lines[0])-10:])
	}
	if lines[1] != "next line" {
		t.Errorf("second line: %q", lines[1])
	}
}

func TestWriterKeepsSplitCharacters(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	w := safetext.NewWriter(&b)
	s := "café\u202e\n"
	for i := 0; i < len(s); i++ {
		w.Write([]byte{s[i]})
	}
	if got := b.String(); got != "café\\u202e\n" {
		t.Errorf("got %q", got)
	}
}
