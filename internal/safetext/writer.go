package safetext

import (
	"bytes"
	"io"
	"unicode/utf8"
)

// Writer passes lines to w made safe: each line's control characters
// escaped (the newline that ends it kept) and the line clipped to MaxLine
// bytes. Whatever a caller prints on stderr, nothing it holds can forge
// another line or flood the log. It is not safe for concurrent use.
type Writer struct {
	w io.Writer
	// n is how much of the current line has been written; clipped is set
	// once it was cut.
	n       int
	clipped bool
	// partial holds the start of a character split across writes.
	partial []byte
}

// NewWriter returns a Writer onto w.
func NewWriter(w io.Writer) *Writer { return &Writer{w: w} }

// Write always reports len(p): bytes dropped by clipping count as
// written.
func (s *Writer) Write(p []byte) (int, error) {
	n := len(p)
	if len(s.partial) > 0 {
		p = append(s.partial, p...)
		s.partial = nil
	}
	var out bytes.Buffer
	for len(p) > 0 {
		line, rest, nl := cutLine(p)
		if !nl {
			// Keep an incomplete character for the next write.
			if k := incomplete(line); k > 0 {
				s.partial = append([]byte(nil), line[len(line)-k:]...)
				line = line[:len(line)-k]
			}
		}
		s.add(&out, line)
		if nl {
			out.WriteByte('\n')
			s.n, s.clipped = 0, false
		}
		p = rest
	}
	_, err := s.w.Write(out.Bytes())
	return n, err
}

// add writes part of the current line, escaped, within the line's budget.
func (s *Writer) add(out *bytes.Buffer, b []byte) {
	if s.clipped || len(b) == 0 {
		return
	}
	e := Escape(string(b))
	if s.n+len(e) > MaxLine {
		e = validPrefix(e, max(0, MaxLine-s.n-len(ellipsis))) + ellipsis
		s.clipped = true
	}
	s.n += len(e)
	out.WriteString(e)
}

func cutLine(p []byte) (line, rest []byte, nl bool) {
	if i := bytes.IndexByte(p, '\n'); i >= 0 {
		return p[:i], p[i+1:], true
	}
	return p, nil, false
}

// incomplete returns how many bytes at the end of b start a character
// that is not complete yet.
func incomplete(b []byte) int {
	for k := 1; k <= 3 && k <= len(b); k++ {
		c := b[len(b)-k]
		if utf8.RuneStart(c) {
			if c >= 0xc0 && !utf8.FullRune(b[len(b)-k:]) {
				return k
			}
			return 0
		}
	}
	return 0
}
