// Package yamlfile reads and writes the user's own files in plain mode:
// files, folders and stdin in; documents split as kubectl splits them;
// changed documents written back into the user's text; JSON kept JSON;
// and atomic, all-or-nothing writes. It knows nothing of injection.
package yamlfile

import (
	"bufio"
	"errors"
	"io"
	"io/fs"
	"os"
	"strings"
)

// UnwrapPathError drops the operation and paths from an *fs.PathError or
// an *os.LinkError, for messages that name the path themselves (and must
// not name a temporary file).
func UnwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		return le.Err
	}
	return err
}

// Stream writes several files as one YAML stream: StartFile puts a line
// end and a "---" between two files where the first did not end with
// them.
type Stream struct{ t *tailWriter }

// NewStream writes a stream to w.
func NewStream(w io.Writer) *Stream { return &Stream{&tailWriter{w: bufio.NewWriterSize(w, 1<<16)}} }

// StartFile begins the next file's text.
func (s *Stream) StartFile() {
	out := s.t
	if out.n > 0 {
		if !strings.HasSuffix(out.tail, "\n") {
			out.WriteString("\n")
		}
		if !separator.MatchString(lastLine(out.tail)) {
			out.WriteString("---\n")
		}
	}
}

// WriteString writes text; the first error sticks.
func (s *Stream) WriteString(text string) (int, error) { return s.t.WriteString(text) }

// Flush writes what is buffered and returns the first error.
func (s *Stream) Flush() error {
	if s.t.err != nil {
		return s.t.err
	}
	return s.t.w.Flush()
}

// tailWriter remembers the end of what it wrote, to tell whether the next
// file needs a newline or a separator before it.
type tailWriter struct {
	w    *bufio.Writer
	n    int
	tail string
	err  error
}

func (t *tailWriter) WriteString(s string) (int, error) {
	if t.err != nil {
		return 0, t.err
	}
	n, err := t.w.WriteString(s)
	t.n += n
	t.err = err
	if len(s) >= 256 {
		t.tail = s[len(s)-256:]
	} else if s != "" {
		t.tail = (t.tail + s)[max(0, len(t.tail)+len(s)-256):]
	}
	return n, err
}

func lastLine(s string) string {
	s = strings.TrimSuffix(s, "\n")
	return s[strings.LastIndexByte(s, '\n')+1:]
}
