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
	"sync"
	"syscall"
	"unicode/utf8"

	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/inject-sidecars/inject-sidecars/internal/yamlnode"
)

// Source is one input of plain mode: a file, or stdin. Its documents are
// read one at a time (Each), as many times as needed: an input that can
// be read only once (stdin, a pipe, a FIFO, a device, <(...)) is spooled
// to a temporary file as it is read, so a large input is never held
// whole.
type Source struct {
	// Path is the path as given ("-" for stdin); Rel is where the file
	// goes under an output folder.
	Path, Rel string
	// Mode is the file's permission bits (a symlink's target's); 0 for
	// an input read once.
	Mode fs.FileMode
	Size int64
	// ReadOnce is set for an input that could be read only once: it was
	// spooled, and there is no file to rewrite.
	ReadOnce bool
	// Again lists the later inputs that were this same file (a symlink
	// to it, the path given twice): not read again.
	Again []string
	id    fileID // which file it is; zero for stdin
	file  string // what Each reads
	data  []byte // or this, where no spool could be made, or held
	blank bool   // read once, and it held only whitespace
	hold  bool   // small: read once, the text kept for the next pass
	held  bool
}

// A run reads each input twice (for Namespaces, then to inject). A small
// file's text is kept from the first read for the second, up to a total:
// a folder of thousands of small files is opened and read once.
const (
	holdFile  = 64 << 10
	holdTotal = 16 << 20
)

// MaxLine is the longest line an input may have. A line is read whole
// before it is used, so a limit keeps a file with no line ends (binary
// data, a one-line JSON dump) from being held whole: 8 MiB is well above
// any object the API server stores (it refuses requests over 3 MiB).
const MaxLine = 8 << 20

// Sources lists the inputs: files, folders (every *.yaml, *.yml and
// *.json below them, as kubectl apply -f DIR reads them, in lexical
// order, hidden folders left out) and stdin ("-", or nothing at all).
// cleanup removes the spools.
func Sources(inputs []string, stdin io.Reader) (srcs []*Source, cleanup func(), err error) {
	cleanup = func() {
		for _, s := range srcs {
			if s.ReadOnce && s.file != "" {
				RemoveTemp(s.file)
			}
		}
	}
	if len(inputs) == 0 {
		inputs = []string{"-"}
	}
	seen := map[fileID]*Source{}
	for _, in := range inputs {
		var add []*Source
		switch {
		case in == "-":
			add, err = stdinSource(stdin)
		case readBefore(seen, in):
			// Not opened again: a FIFO would wait for a second writer.
			continue
		default:
			add, err = sourcesOf(in)
		}
		srcs = append(srcs, readOnce(seen, add)...)
		if err != nil {
			cleanup()
			return nil, func() {}, err
		}
	}
	budget := int64(holdTotal)
	for _, s := range srcs {
		if !s.ReadOnce && s.Size <= min(holdFile, budget) {
			s.hold, budget = true, budget-s.Size
		}
	}
	return srcs, cleanup, nil
}

// ErrEmptyStdin is stdin that held nothing but whitespace: nobody meant
// to inject into nothing (a stream of empty documents, "---" alone, was
// written on purpose, and is read as such).
var ErrEmptyStdin = errors.New("stdin is empty: give manifests on stdin or as file arguments")

// stdinSource spools stdin, which must hold more than whitespace.
func stdinSource(stdin io.Reader) ([]*Source, error) {
	s, err := spool("-", "stdin.yaml", stdin)
	if err == nil && s.blank {
		err = ErrEmptyStdin
	}
	return []*Source{s}, err
}

// fileID is a file's device and inode, what os.SameFile compares.
type fileID struct{ dev, ino uint64 }

func idOf(st fs.FileInfo) fileID {
	if sys, ok := st.Sys().(*syscall.Stat_t); ok {
		return fileID{uint64(sys.Dev), sys.Ino}
	}
	return fileID{}
}

// readBefore reports whether the input names a file (not a folder)
// already listed, and notes it there.
func readBefore(seen map[fileID]*Source, in string) bool {
	st, err := os.Stat(in)
	if err != nil || st.IsDir() {
		return false
	}
	first := seen[idOf(st)]
	if first != nil {
		first.Again = append(first.Again, in)
	}
	return first != nil
}

// readOnce keeps the sources not seen before, and notes the others on
// the source that first reached their file.
func readOnce(seen map[fileID]*Source, add []*Source) []*Source {
	kept := add[:0]
	for _, s := range add {
		if s == nil || s.id == (fileID{}) {
			kept = append(kept, s)
			continue
		}
		if first := seen[s.id]; first != nil {
			first.Again = append(first.Again, s.Path)
			continue
		}
		seen[s.id] = s
		kept = append(kept, s)
	}
	return kept
}

// sourcesOf lists what one input path holds. A symlink to a folder is
// the folder; a pipe, FIFO or device is read once, now.
func sourcesOf(in string) ([]*Source, error) {
	st, err := os.Stat(in)
	if err != nil {
		return nil, fmt.Errorf("input %s: %v", in, UnwrapPathError(err))
	}
	switch {
	case st.IsDir():
		return folderSources(in)
	case st.Mode().IsRegular():
		return []*Source{{Path: in, Rel: filepath.Base(in), Mode: st.Mode().Perm(), Size: st.Size(), file: in, id: idOf(st)}}, nil
	}
	f, err := os.Open(in)
	if err != nil {
		return nil, fmt.Errorf("input %s: %v", in, UnwrapPathError(err))
	}
	defer f.Close()
	s, err := spool(in, filepath.Base(in), f)
	s.id = idOf(st)
	return []*Source{s}, err
}

// folderSources lists a folder's files. A symlink in it is read as the
// file it points to (its mode too), which must be inside the folder: a
// link that leads out of it is an error (name the file itself to read
// it). Links to folders are not followed, and only regular files are
// read, as kubectl apply -f DIR does.
func folderSources(in string) ([]*Source, error) {
	realRoot, err := realPath(in)
	if err != nil {
		return nil, fmt.Errorf("input %s: %v", in, UnwrapPathError(err))
	}
	var srcs []*Source
	err = fs.WalkDir(os.DirFS(in), ".", func(rel string, de fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("input %s: %v", filepath.Join(in, rel), UnwrapPathError(err))
		}
		if de.IsDir() && rel != "." && strings.HasPrefix(de.Name(), ".") {
			return filepath.SkipDir // .git and the like
		}
		ext := strings.ToLower(filepath.Ext(rel))
		if de.IsDir() || (ext != ".yaml" && ext != ".yml" && ext != ".json") {
			return nil
		}
		path := filepath.Join(in, filepath.FromSlash(rel))
		st, err := os.Stat(path)
		if err != nil {
			return fmt.Errorf("input %s: %v", path, UnwrapPathError(err))
		}
		if de.Type()&fs.ModeSymlink != 0 {
			if st.IsDir() {
				return nil
			}
			if err := linkInside(path, realRoot, in); err != nil {
				return err
			}
		}
		if !st.Mode().IsRegular() {
			return fmt.Errorf("input %s: not a regular file; give it as an input of its own to read it", path)
		}
		srcs = append(srcs, &Source{Path: path, Rel: filepath.FromSlash(rel), Mode: st.Mode().Perm(), Size: st.Size(), file: path, id: idOf(st)})
		return nil
	})
	return srcs, err
}

// linkInside refuses a symlink in a folder input that leads out of it.
func linkInside(path, realRoot, root string) error {
	real, err := realPath(path)
	if err != nil {
		return fmt.Errorf("input %s: %v", path, UnwrapPathError(err))
	}
	if !strings.HasPrefix(real, realRoot+string(filepath.Separator)) {
		return fmt.Errorf("input %s: a symlink to %s, out of the folder %s; give that file as an input of its own to read it", path, real, root)
	}
	return nil
}

// realPath is path with every symlink resolved, made absolute: a folder
// named by a relative path and a link's absolute target compare alike.
func realPath(path string) (string, error) {
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return "", err
	}
	return filepath.Abs(real)
}

// spool reads an input that can be read only once into a temporary file
// (into memory where no temporary file can be made, in a read-only
// container say), checking as it goes that it is text with lines of at
// most MaxLine: binary data stops it early.
func spool(path, rel string, r io.Reader) (*Source, error) {
	src := &Source{Path: path, Rel: rel, ReadOnce: true}
	name := path
	if path == "-" {
		name = "stdin"
	}
	var dst io.Writer
	var mem bytes.Buffer
	f, err := CreateTemp("", "inject-sidecars-stdin-*")
	if err != nil {
		dst = &mem
	} else {
		src.file, dst = f.Name(), f
		defer f.Close()
	}
	guard := &textGuard{w: dst, path: path}
	n, err := io.Copy(guard, r)
	var bad *inputError
	if errors.As(err, &bad) {
		return src, err
	}
	if err != nil {
		return src, fmt.Errorf("reading %s: %v", name, UnwrapPathError(err))
	}
	if f != nil {
		if err := f.Close(); err != nil {
			return src, fmt.Errorf("reading %s: %v", name, UnwrapPathError(err))
		}
	}
	src.Size, src.data, src.blank = n, mem.Bytes(), !guard.text
	return src, nil
}

// textGuard passes text through, and stops at a NUL byte or a line
// longer than MaxLine.
type textGuard struct {
	w           io.Writer
	path        string
	line, lines int
	text        bool // something but whitespace went through
}

func (g *textGuard) Write(p []byte) (int, error) {
	g.text = g.text || len(bytes.TrimSpace(p)) > 0
	if bytes.IndexByte(p, 0) >= 0 {
		return 0, notText(g.path, g.lines+1+bytes.Count(p[:bytes.IndexByte(p, 0)], []byte{'\n'}))
	}
	for rest := p; ; {
		i := bytes.IndexByte(rest, '\n')
		if i < 0 {
			g.line += len(rest)
			break
		}
		if g.line+i > MaxLine {
			g.line += i
			break
		}
		g.line, g.lines, rest = 0, g.lines+1, rest[i+1:]
	}
	if g.line > MaxLine {
		return 0, longLine(g.path, g.lines+1)
	}
	return g.w.Write(p)
}

// inputError is an input that is not text, found as it is read.
type inputError struct{ msg string }

func (e *inputError) Error() string { return e.msg }

func notText(path string, line int) error {
	return &inputError{fmt.Sprintf("%s: not a text file (it has NUL bytes or invalid UTF-8, line %d)", path, line)}
}

func longLine(path string, line int) error {
	return &inputError{fmt.Sprintf("%s: line %d is longer than %d MiB: binary data, or a one-line dump; break it into lines (jq . for JSON)", path, line, MaxLine>>20)}
}

// Each hands the source's documents to do, one at a time and in order,
// as text: split at separator lines, not parsed (Document.Parse does
// that). A text check runs as it reads: NUL bytes, invalid UTF-8 or a
// line longer than MaxLine stop it with an error.
func (s *Source) Each(do func(*Document) error) error {
	if s.hold && !s.held {
		data, err := os.ReadFile(s.file)
		if err != nil {
			return fmt.Errorf("input %s: %v", s.Path, UnwrapPathError(err))
		}
		s.hold = false
		if len(data) <= 2*holdFile { // else it grew: read it as it comes
			s.data, s.held = data, true
		}
	}
	if s.file == "" || s.held {
		return split(s.Path, bufio.NewReader(bytes.NewReader(s.data)), do)
	}
	f, err := os.Open(s.file)
	if err != nil {
		return fmt.Errorf("input %s: %v", s.Path, UnwrapPathError(err))
	}
	defer f.Close()
	r := readers.Get().(*bufio.Reader)
	r.Reset(f)
	defer func() {
		r.Reset(nil)
		readers.Put(r)
	}()
	return split(s.Path, r, do)
}

// readers are the sources' read buffers, reused: a folder of thousands
// of small files is read twice, and a new 64 KiB buffer for each file
// was most of what the reading allocated.
var readers = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, 1<<16) }}

// readLine reads one line into buf (reused), at most MaxLine long.
func readLine(r *bufio.Reader, buf []byte) ([]byte, error) {
	buf = buf[:0]
	for {
		chunk, err := r.ReadSlice('\n')
		if bytes.IndexByte(chunk, 0) >= 0 {
			return buf, errNotText
		}
		n := len(buf) + len(chunk)
		if n > MaxLine {
			return buf, errLongLine
		}
		if n > cap(buf) {
			// Doubling, not append's gentler growth for large slices:
			// a long line costs twice its length, not five times.
			buf = append(make([]byte, 0, min(max(2*cap(buf), n), MaxLine)), buf...)
		}
		buf = append(buf, chunk...)
		if !errors.Is(err, bufio.ErrBufferFull) {
			return buf, err
		}
	}
}

var errNotText, errLongLine = errors.New("not text"), errors.New("line too long")

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
	var buf []byte
	for n := 1; ; n++ {
		var err error
		buf, err = readLine(r, buf)
		switch {
		case errors.Is(err, errNotText) || (len(buf) > 0 && !utf8.Valid(buf)):
			return notText(path, n)
		case errors.Is(err, errLongLine):
			return longLine(path, n)
		}
		if len(buf) > 0 {
			lines = n
			if bytes.HasPrefix(buf, []byte("---")) {
				line := string(buf)
				if rest := strings.TrimSpace(line[3:]); rest != "" && rest[0] != '#' {
					return fmt.Errorf("%s: invalid document separator %q: only a comment may follow ---", path, strings.TrimSpace(line))
				}
				if err := emit(line); err != nil {
					return err
				}
			} else {
				b.Write(buf)
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
		return d.syntaxError(path, err)
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
	// What placeEdits compares the changed tree with: copying is several
	// times cheaper than parsing the text again. An alias in the copy
	// keeps pointing at its anchor in the parsed tree, never copied
	// through (which would expand an alias bomb).
	d.orig = yaml.CopyYNode(&doc)
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
// Namespace object (yamlnode.MayHoldNamespace).
func (d *Document) MentionsNamespace() bool { return yamlnode.MayHoldNamespace(d.Raw) }

// LooksJSON reports, from its text, whether the document is JSON.
func (d *Document) LooksJSON() bool {
	t := strings.TrimLeft(d.Raw, " \t\r\n")
	return strings.HasPrefix(t, "{") && strings.HasPrefix(strings.TrimLeft(t[1:], " \t\r\n"), `"`)
}
