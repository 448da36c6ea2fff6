package yamlfile

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/inject-sidecars/inject-sidecars/internal/yamlnode"
)

// Source is one input of plain mode: a file, or stdin. Its documents are
// read one at a time (Each), as many times as needed: stdin is spooled to
// a temporary file as it is read, so a large input is never held whole.
type Source struct {
	// Path is the path as given ("-" for stdin); Rel is where the file
	// goes under an output folder.
	Path, Rel string
	Mode      fs.FileMode
	Size      int64
	file      string // what Each reads
	data      []byte // or this, for stdin where no spool could be made
}

// Sources lists the inputs: files, folders (every *.yaml, *.yml and
// *.json below them, as kubectl apply -f DIR reads them, in lexical
// order, hidden folders left out) and stdin ("-", or nothing at all).
// cleanup removes stdin's spool.
func Sources(inputs []string, stdin io.Reader) (srcs []*Source, cleanup func(), err error) {
	var spools []string
	cleanup = func() {
		for _, s := range spools {
			os.Remove(s)
		}
	}
	defer func() {
		if err != nil {
			cleanup()
		}
	}()
	if len(inputs) == 0 {
		inputs = []string{"-"}
	}
	for _, in := range inputs {
		if in == "-" {
			f, err := os.CreateTemp("", "inject-sidecars-stdin-*")
			if err != nil {
				// No writable temporary folder (a read-only container,
				// say): stdin is held in memory instead.
				data, err := io.ReadAll(stdin)
				if err != nil {
					return nil, cleanup, fmt.Errorf("reading stdin: %w", err)
				}
				srcs = append(srcs, &Source{Path: "-", Rel: "stdin.yaml", Size: int64(len(data)), data: data})
				continue
			}
			spools = append(spools, f.Name())
			n, err := io.Copy(f, stdin)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return nil, cleanup, fmt.Errorf("reading stdin: %w", err)
			}
			srcs = append(srcs, &Source{Path: "-", Rel: "stdin.yaml", Size: n, file: f.Name()})
			continue
		}
		st, err := os.Stat(in)
		if err != nil {
			return nil, cleanup, fmt.Errorf("input %s: %v", in, UnwrapPathError(err))
		}
		if !st.IsDir() {
			srcs = append(srcs, &Source{Path: in, Rel: filepath.Base(in), Mode: st.Mode().Perm(), Size: st.Size(), file: in})
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
			srcs = append(srcs, &Source{Path: path, Rel: rel, Mode: info.Mode().Perm(), Size: info.Size(), file: path})
			return nil
		})
		if err != nil {
			return nil, cleanup, fmt.Errorf("input %s: %w", in, err)
		}
	}
	return srcs, cleanup, nil
}

// Each hands the source's documents to do, one at a time and in order,
// as text: split at separator lines, not parsed (Document.Parse does
// that). A text check runs as it reads: NUL bytes or invalid UTF-8 stop
// it with an error.
func (s *Source) Each(do func(*Document) error) error {
	if s.file == "" {
		return split(s.Path, bufio.NewReader(bytes.NewReader(s.data)), do)
	}
	f, err := os.Open(s.file)
	if err != nil {
		return fmt.Errorf("input %s: %v", s.Path, UnwrapPathError(err))
	}
	defer f.Close()
	return split(s.Path, bufio.NewReaderSize(f, 1<<16), do)
}

// split reads documents from r, as kio.ByteReader splits them: a line
// that starts with "---" separates documents, and anything after it but
// spaces or a comment is an error. Index counts documents as kubectl
// does: an empty one (blank lines and comments only) does not count.
func split(path string, r *bufio.Reader, do func(*Document) error) error {
	var b strings.Builder
	index, start, lines := 0, 1, 0
	emit := func(sep string) error {
		d := &Document{Raw: b.String(), Separator: sep, Index: index, Line: start}
		b.Reset()
		start = lines + 1
		if !emptyText(d.Raw) {
			index++
		}
		return do(d)
	}
	for {
		line, err := r.ReadString('\n')
		if line != "" {
			lines++
			if !yamlnode.IsText([]byte(line)) {
				return fmt.Errorf("%s: not a text file (it has NUL bytes or invalid UTF-8)", path)
			}
			if strings.HasPrefix(line, "---") {
				if rest := strings.TrimSpace(line[3:]); rest != "" && rest[0] != '#' {
					return fmt.Errorf("%s: invalid document separator %q: only a comment may follow ---", path, strings.TrimSpace(line))
				}
				if err := emit(line); err != nil {
					return err
				}
			} else {
				b.WriteString(line)
			}
		}
		if errors.Is(err, io.EOF) {
			return emit("")
		}
		if err != nil {
			return fmt.Errorf("input %s: %v", path, err)
		}
	}
}

// emptyText reports whether a document's text holds only blank lines and
// comments.
func emptyText(s string) bool {
	for _, l := range strings.Split(s, "\n") {
		if t := strings.TrimSpace(l); t != "" && !strings.HasPrefix(t, "#") {
			return false
		}
	}
	return true
}

// Parse reads the document's text into nodes: Node is its root mapping,
// nil for an empty document. path names the file in errors.
func (d *Document) Parse(path string) error {
	if strings.TrimSpace(d.Raw) == "" {
		return nil
	}
	var doc yaml.Node
	dec := yaml.NewDecoder(strings.NewReader(d.Raw))
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil
		}
		return fmt.Errorf("%s: document %d is not valid YAML: %s", path, d.Index, yamlnode.FirstLine(d.inFile(err)))
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return fmt.Errorf("%s: document %d holds more than one YAML document (an explicit document end, ...?)", path, d.Index)
	}
	if len(doc.Content) == 0 || yamlnode.IsNull(doc.Content[0]) {
		return nil
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return fmt.Errorf("%s: document %d is %s, not a Kubernetes resource", path, d.Index, yamlnode.Describe(root))
	}
	d.Node = root
	// Keep the document node: it holds comments at the top of the
	// document.
	d.docNode = &doc
	d.orig = snapshot(&doc)
	return nil
}

// inFile returns the decoder's error for the document read where it
// stands in its file: the same text after as many empty lines as come
// before it, so that the decoder's own line numbers count from the top
// of the file. Done only on error: the empty lines cost as much as the
// lines before the document.
func (d *Document) inFile(err error) error {
	if d.Line <= 1 {
		return err
	}
	var doc yaml.Node
	if again := yaml.NewDecoder(strings.NewReader(strings.Repeat("\n", d.Line-1) + d.Raw)).Decode(&doc); again != nil {
		return again
	}
	return err
}

// Text is what the document writes: its text as it came when unchanged,
// else the changed tree edited into it.
func (d *Document) Text() (string, error) {
	if !d.Changed {
		return d.Raw, nil
	}
	return d.encode()
}

// Release drops the document's nodes once its text is written, so that a
// run holds one document's nodes at a time.
func (d *Document) Release() { d.Node, d.docNode, d.orig = nil, nil, nil }

// Empty reports whether the document holds only blank lines and comments:
// not a document, as kubectl counts them.
func (d *Document) Empty() bool { return emptyText(d.Raw) }

// MentionsNamespace reports whether the document's text may hold a
// Namespace object (itself, or in a List), cheaply, before parsing.
func (d *Document) MentionsNamespace() bool { return strings.Contains(d.Raw, "Namespace") }

// LooksJSON reports, from its text, whether the document is JSON.
func (d *Document) LooksJSON() bool {
	t := strings.TrimLeft(d.Raw, " \t\r\n")
	return strings.HasPrefix(t, "{") && strings.HasPrefix(strings.TrimLeft(t[1:], " \t\r\n"), `"`)
}

// StagedFile is a file being written: into a temporary file next to its
// target, which CommitAll renames over the target, all or nothing.
type StagedFile struct {
	Path string
	Mode fs.FileMode
	f    *os.File
	tmp  string
	w    *bufio.Writer
	sync bool
	err  error
}

// Stage starts writing a file at path (a symlink is written through: its
// target changes, the link stays). With sync, the file is synced to disk
// before it is renamed (crash safety when it replaces a user's file).
func Stage(path string, mode fs.FileMode, sync bool) (*StagedFile, error) {
	if real, err := filepath.EvalSymlinks(path); err == nil {
		path = real
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return nil, fmt.Errorf("staging %s: %v", path, UnwrapPathError(err))
	}
	return &StagedFile{Path: path, Mode: mode, f: f, tmp: f.Name(), w: bufio.NewWriterSize(f, 1<<14), sync: sync}, nil
}

// Write writes to the staged file; the first error sticks.
func (s *StagedFile) Write(p []byte) (int, error) { return s.WriteString(string(p)) }

// WriteString writes to the staged file; the first error sticks.
func (s *StagedFile) WriteString(text string) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	if s.w == nil {
		s.err = fmt.Errorf("staging %s: written after it was finished", s.Path)
		return 0, s.err
	}
	n, err := s.w.WriteString(text)
	s.err = err
	return n, err
}

// Finish flushes and closes the temporary file: a run writing many files
// holds one open at a time.
func (s *StagedFile) Finish() error {
	if s.w == nil {
		return s.err
	}
	err := s.err
	if err == nil {
		err = s.w.Flush()
	}
	if err == nil {
		err = s.f.Chmod(s.Mode)
	}
	if err == nil && s.sync {
		err = s.f.Sync()
	}
	if cerr := s.f.Close(); err == nil {
		err = cerr
	}
	s.w, s.f = nil, nil
	if err != nil {
		s.err = fmt.Errorf("staging %s: %v", s.Path, UnwrapPathError(err))
	}
	return s.err
}

// Discard removes the temporary file.
func (s *StagedFile) Discard() {
	if s.f != nil {
		s.f.Close()
		s.w, s.f = nil, nil
	}
	os.Remove(s.tmp)
}

// CommitAll finishes every staged file, then renames each over its
// target: a crash leaves each target either old or new, never partial. On
// error, every temporary file is removed.
func CommitAll(files []*StagedFile) error {
	fail := func(err error) error {
		for _, s := range files {
			s.Discard()
		}
		return err
	}
	for _, s := range files {
		if err := s.Finish(); err != nil {
			return fail(err)
		}
	}
	for _, s := range files {
		if err := rename(s.tmp, s.Path); err != nil {
			return fail(fmt.Errorf("writing %s: %v", s.Path, UnwrapPathError(err)))
		}
	}
	return nil
}
