// Package safetext makes text that came from the user's files safe to
// print on one line: a name, a path or a whole message may hold escape
// sequences, newlines or megabytes, and none of that may reach a
// terminal or a log as it is. The command's stderr (and its copy in
// INJECT_SIDECARS_STDERR), the summary table and the KRM results all go
// through here.
package safetext

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

const (
	// MaxValue is how much of one value (a name, a path, a field path)
	// a message shows.
	MaxValue = 256
	// MaxLine bounds a whole message or stderr line.
	MaxLine  = 4096
	ellipsis = "…"
)

// Value makes one user-derived value safe for a one-line message: control
// characters escaped, clipped to MaxValue bytes with an ellipsis.
func Value(s string) string { return clip(Escape(s), MaxValue) }

// Message makes a whole message safe: control characters escaped, clipped
// to MaxLine bytes.
func Message(s string) string { return clip(Escape(s), MaxLine) }

// Quote quotes at most max bytes of s, Go-style (so every control
// character is escaped), and says how long s was when it had to clip:
// "eyJhbGciOi…" (170 bytes). It is how a message shows text that may be
// a secret or megabytes long.
func Quote(s string, max int) string {
	if len(s) <= max {
		return strconv.Quote(s)
	}
	return strconv.Quote(validPrefix(s, max)) + ellipsis + " (" + strconv.Itoa(len(s)) + " bytes)"
}

// Escape writes every control character of s (C0 and C1, DEL, bidi
// and other format characters, line and paragraph separators) and every
// invalid byte as a Go escape, so the text stays on one line and cannot
// move a terminal's cursor, recolour it or reorder what it shows.
func Escape(s string) string {
	i := 0
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		if unsafe(r, size) {
			break
		}
		i += size
	}
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	b.WriteString(s[:i])
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteString(`\x`)
			b.WriteString(strconv.FormatUint(uint64(s[i])|0x100, 16)[1:])
		case unsafe(r, size):
			q := strconv.QuoteRuneToASCII(r)
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// unsafe reports whether r may not be printed as it is. A tab is kept:
// it moves nothing but the column.
func unsafe(r rune, size int) bool {
	switch {
	case r == utf8.RuneError && size == 1:
		return true
	case r == '\t':
		return false
	case r < 0x20, r == 0x7f, r >= 0x80 && r < 0xa0:
		return true
	case r < 0x80:
		return false
	}
	return unicode.Is(unicode.Cf, r) || r == '\u2028' || r == '\u2029'
}

// clip cuts s to at most max bytes (on a rune boundary), ellipsis
// included.
func clip(s string, max int) string {
	if len(s) <= max {
		return s
	}
	return validPrefix(s, max-len(ellipsis)) + ellipsis
}

func validPrefix(s string, n int) string {
	if n >= len(s) {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
