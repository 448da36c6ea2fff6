// Package yamlfile reads and writes the user's own files in plain mode:
// files, folders and stdin in; documents split as kubectl splits them;
// changed documents written back into the user's text; JSON kept JSON;
// and atomic, all-or-nothing writes. It knows nothing of injection.
package yamlfile

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Read reads files, folders (every *.yaml, *.yml and *.json below them,
// as kubectl apply -f DIR reads them, in lexical order, hidden folders
// left out) and stdin ("-", or nothing at
// all).
func Read(inputs []string, stdin io.Reader) ([]*File, error) {
	if len(inputs) == 0 {
		inputs = []string{"-"}
	}
	var files []*File
	for _, in := range inputs {
		if in == "-" {
			data, err := io.ReadAll(stdin)
			if err != nil {
				return nil, fmt.Errorf("reading stdin: %w", err)
			}
			f, err := Parse("-", data)
			if err != nil {
				return nil, err
			}
			f.Rel = "stdin.yaml"
			files = append(files, f)
			continue
		}
		st, err := os.Stat(in)
		if err != nil {
			return nil, fmt.Errorf("input %s: %v", in, UnwrapPathError(err))
		}
		if !st.IsDir() {
			f, err := readFile(in, filepath.Base(in), st.Mode())
			if err != nil {
				return nil, err
			}
			files = append(files, f)
			continue
		}
		err = filepath.WalkDir(in, func(path string, de fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if de.IsDir() && path != in && strings.HasPrefix(de.Name(), ".") {
				return filepath.SkipDir // .git and the like
			}
			ext := strings.ToLower(filepath.Ext(path))
			if de.IsDir() || (ext != ".yaml" && ext != ".yml" && ext != ".json") {
				return nil
			}
			info, err := de.Info()
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(in, path)
			f, err := readFile(path, rel, info.Mode())
			if err != nil {
				return err
			}
			files = append(files, f)
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("input %s: %w", in, err)
		}
	}
	return files, nil
}

func readFile(path, rel string, mode fs.FileMode) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("input %s: %v", path, UnwrapPathError(err))
	}
	f, err := Parse(path, data)
	if err != nil {
		return nil, err
	}
	f.Rel, f.Mode = rel, mode.Perm()
	return f, nil
}

// UnwrapPathError drops the operation and path from an *fs.PathError,
// for messages that name the path themselves.
func UnwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// Changed reports whether any document of the file changed.
func (f *File) Changed() bool {
	for _, d := range f.Docs {
		if d.Changed {
			return true
		}
	}
	return false
}

// WriteStream writes every file to w as one YAML stream, a document at a
// time: a 100 MB input is never copied whole.
func WriteStream(w io.Writer, files []*File) error {
	out := &tailWriter{w: bufio.NewWriterSize(w, 1<<16)}
	for _, f := range files {
		if out.n > 0 {
			if !strings.HasSuffix(out.tail, "\n") {
				out.WriteString("\n")
			}
			if !separator.MatchString(lastLine(out.tail)) {
				out.WriteString("---\n")
			}
		}
		if err := f.WriteTo(out); err != nil {
			return err
		}
	}
	if out.err != nil {
		return out.err
	}
	return out.w.Flush()
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
