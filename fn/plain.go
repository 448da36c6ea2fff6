package fn

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"text/tabwriter"

	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/inject-sidecars/inject-sidecars/transform"
)

// Document is one YAML document of an input file. Raw is its text as it
// came; a document that no injection changed is written back as Raw, so
// untouched resources leave byte for byte as they came.
type Document struct {
	Raw  string
	Node *yaml.Node // the document's root mapping; nil for an empty document
	// Separator is the "---" line that follows the document, if any.
	Separator string
	Changed   bool

	docNode *yaml.Node
}

// File is an input file (or stdin) split into documents.
type File struct {
	// Path is the path as given (or "-" for stdin); Rel is where the file
	// goes under an output folder.
	Path, Rel string
	Mode      fs.FileMode
	Docs      []*Document
	size      int64
}

// separator matches a YAML document separator line. kio.ByteReader uses
// the same rule: a line that starts with "---" separates documents, and
// anything after it but spaces or a comment is an error.
var separator = regexp.MustCompile(`(?m)^---.*(\n|$)`)

// ParseFile splits data into documents and parses each one.
func ParseFile(path string, data []byte) (*File, error) {
	if !isText(data) {
		return nil, fmt.Errorf("%s: not a text file (it has NUL bytes or invalid UTF-8)", path)
	}
	f := &File{Path: path, size: int64(len(data))}
	s := string(data)
	prev := 0
	for _, loc := range separator.FindAllStringIndex(s, -1) {
		if rest := strings.TrimSpace(s[loc[0]+3 : loc[1]]); rest != "" && rest[0] != '#' {
			return nil, fmt.Errorf("%s: invalid document separator %q: only a comment may follow ---", path, strings.TrimSpace(s[loc[0]:loc[1]]))
		}
		f.Docs = append(f.Docs, &Document{Raw: s[prev:loc[0]], Separator: s[loc[0]:loc[1]]})
		prev = loc[1]
	}
	f.Docs = append(f.Docs, &Document{Raw: s[prev:]})
	for i, d := range f.Docs {
		if strings.TrimSpace(d.Raw) == "" {
			continue
		}
		var doc yaml.Node
		dec := yaml.NewDecoder(strings.NewReader(d.Raw))
		if err := dec.Decode(&doc); err != nil {
			if errors.Is(err, io.EOF) {
				continue
			}
			return nil, fmt.Errorf("%s: document %d is not valid YAML: %s", path, i, oneLine(err))
		}
		var extra yaml.Node
		if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%s: document %d holds more than one YAML document (an explicit document end, ...?)", path, i)
		}
		if len(doc.Content) == 0 || isNullNode(doc.Content[0]) {
			continue
		}
		root := doc.Content[0]
		if root.Kind != yaml.MappingNode {
			return nil, fmt.Errorf("%s: document %d is %s, not a Kubernetes resource", path, i, kindOf(root))
		}
		d.Node = root
		// Keep the document node: it holds comments at the top of the
		// document.
		d.docNode = &doc
	}
	return f, nil
}

// WriteTo renders the file to w: untouched documents as they came,
// changed ones re-encoded with the list indentation of their original.
// Changed JSON documents become JSON again when asJSON is set, else block
// YAML.
func (f *File) WriteTo(w io.StringWriter, asJSON bool) error {
	for _, d := range f.Docs {
		text := d.Raw
		if d.Changed {
			var err error
			if text, err = d.encode(asJSON); err != nil {
				return fmt.Errorf("%s: %w", f.Path, err)
			}
		}
		if _, err := w.WriteString(text); err != nil {
			return err
		}
		if _, err := w.WriteString(d.Separator); err != nil {
			return err
		}
	}
	return nil
}

// Bytes renders the file, as WriteTo does.
func (f *File) Bytes(asJSON bool) ([]byte, error) {
	var b bytes.Buffer
	err := f.WriteTo(&b, asJSON)
	return b.Bytes(), err
}

func (d *Document) encode(asJSON bool) (string, error) {
	isJSON := d.Node.Style&yaml.FlowStyle != 0
	if isJSON {
		if asJSON {
			data, err := yaml.NewRNode(d.Node).MarshalJSON()
			if err != nil {
				return "", err
			}
			var out bytes.Buffer
			if err := json.Indent(&out, data, "", "  "); err != nil {
				return "", err
			}
			out.WriteByte('\n')
			return out.String(), nil
		}
		blockStyle(d.Node)
	}
	wide := yaml.DeriveSeqIndentStyle(d.Raw) == string(yaml.WideSequenceStyle)
	s, err := encodeDoc(d.docNode, wide)
	if err != nil {
		return "", err
	}
	if !isJSON {
		if merged := keepFormatting(d.Raw, s, d.Node, wide); merged != s {
			return merged, nil
		}
	}
	// Keep what followed the document: blank lines before the next
	// "---", or the missing newline at the end of a file.
	body := strings.TrimRight(d.Raw, " \t\r\n")
	tail := d.Raw[len(body):]
	switch {
	case tail == "":
		s = strings.TrimSuffix(s, "\n")
	case strings.Count(tail, "\n") > 1:
		s += tail[strings.Index(tail, "\n")+1:]
	}
	return s, nil
}

// blockStyle turns flow (JSON) style into block style, for YAML output,
// and drops JSON's quotes where YAML readers do not need them.
func blockStyle(n *yaml.Node) {
	n.Style &^= yaml.FlowStyle
	if n.Kind == yaml.ScalarNode && n.Style == yaml.DoubleQuotedStyle && n.Tag == yaml.NodeTagString &&
		!strings.ContainsAny(n.Value, "\n\t") && !yaml.IsValueNonString(n.Value) {
		n.Style = 0 // the encoder quotes again whatever YAML 1.2 needs
	}
	for _, c := range n.Content {
		blockStyle(c)
	}
}

// PlainOptions are plain mode's settings, from the command line.
type PlainOptions struct {
	Configs, Inputs []string
	Output          string
	InPlace, Check  bool
	Uninject, Quiet bool
	Stdin           io.Reader
	Stdout, Stderr  io.Writer
	// OnInput, when set, is told the total size of the inputs once they
	// are read.
	OnInput func(bytes int64)
}

// RunPlain runs plain mode and returns the exit code.
func RunPlain(o PlainOptions) (code int) {
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintln(o.Stderr, "inject-sidecars: "+bugResult(r).Message)
			code = 1
		}
	}()
	injections, configPaths, ok := loadConfigs(o)
	if !ok {
		return 1
	}
	files, err := readInputs(o)
	if err != nil {
		fmt.Fprintf(o.Stderr, "inject-sidecars: %v\n", err)
		return 1
	}

	if o.OnInput != nil {
		var total int64
		for _, f := range files {
			total += f.size
		}
		o.OnInput(total)
	}
	var nodes []*yaml.RNode
	owner := map[*yaml.Node]*Document{}
	where := map[*yaml.Node]*framework.File{}
	for _, f := range files {
		for i, d := range f.Docs {
			if d.Node != nil {
				nodes = append(nodes, yaml.NewRNode(d.Node))
				owner[d.Node] = d
				where[d.Node] = &framework.File{Path: f.Path, Index: i}
			}
		}
	}
	filter := &transform.Filter{Injections: injections}
	if _, err := filter.Filter(nodes); err != nil {
		fmt.Fprintf(o.Stderr, "inject-sidecars: %v\n", err)
		return 1
	}
	failed := false
	for _, r := range filter.Results {
		if r.Changed() {
			owner[r.Item].Changed = true
		}
		failed = failed || r.Severity == transform.Error
	}
	configFiles := map[string]*framework.File{}
	for name, path := range configPaths {
		configFiles[name] = &framework.File{Path: path}
	}
	for _, r := range krmResults(filter.Results, func(n *yaml.Node) *framework.File { return where[n] }, configFiles) {
		if r.Severity != framework.Info {
			fmt.Fprintln(o.Stderr, r.String()+fileSuffix(r.File))
		}
	}
	if !o.Quiet {
		summary(o.Stderr, filter.Results)
	}
	if failed {
		fmt.Fprintln(o.Stderr, "inject-sidecars: errors found; nothing was written")
		return 1
	}
	switch {
	case o.Check:
		return check(o.Stdout, files, filter.Results)
	case o.InPlace:
		err = writeInPlace(files)
	case o.Output != "":
		err = writeOutput(o, files)
	default:
		err = writeStream(o.Stdout, files)
	}
	if err != nil {
		fmt.Fprintf(o.Stderr, "inject-sidecars: %v\n", err)
		return 1
	}
	return 0
}

func fileSuffix(f *framework.File) string {
	if f == nil {
		return ""
	}
	if f.Path == "-" {
		return fmt.Sprintf(" (stdin, document %d)", f.Index)
	}
	return fmt.Sprintf(" (%s, document %d)", f.Path, f.Index)
}

// loadConfigs reads every -c file; a file may hold several configs, as
// separate documents. Errors are printed one per line.
// It returns the injections, and the file each came from by name.
func loadConfigs(o PlainOptions) ([]*transform.Injection, map[string]string, bool) {
	var out []*transform.Injection
	ok := true
	seen := map[string]string{}
	for _, path := range o.Configs {
		data, err := os.ReadFile(path)
		if err != nil {
			fmt.Fprintf(o.Stderr, "inject-sidecars: config %s: %v\n", path, unwrapPathError(err))
			ok = false
			continue
		}
		f, err := ParseFile(path, data)
		if err != nil {
			fmt.Fprintf(o.Stderr, "inject-sidecars: config %v\n", err)
			ok = false
			continue
		}
		n := 0
		for _, d := range f.Docs {
			if d.Node == nil {
				continue
			}
			n++
			c, err := Decode(yaml.NewRNode(d.Node))
			file := &framework.File{Path: path}
			for _, r := range configResults(c, err, file) {
				fmt.Fprintln(o.Stderr, r.String()+" ("+path+")")
			}
			if err != nil {
				ok = false
				continue
			}
			inj := c.Injection()
			if prev, dup := seen[inj.Name]; dup {
				// Two configs of one name would take turns upgrading each
				// other's sidecars on every run.
				fmt.Fprintf(o.Stderr, "inject-sidecars: config %s: injection %q is already defined in %s; names must be unique\n", path, inj.Name, prev)
				ok = false
				continue
			}
			seen[inj.Name] = path
			if o.Uninject {
				inj.Action = transform.Uninject
			}
			out = append(out, inj)
		}
		if n == 0 {
			fmt.Fprintf(o.Stderr, "inject-sidecars: config %s: no SidecarInjection or ConfigMap in it\n", path)
			ok = false
		}
	}
	return out, seen, ok
}

func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// readInputs reads files, folders (every *.yaml and *.yml below them, in
// lexical order) and stdin ("-", or nothing at all).
func readInputs(o PlainOptions) ([]*File, error) {
	inputs := o.Inputs
	if len(inputs) == 0 {
		inputs = []string{"-"}
	}
	var files []*File
	for _, in := range inputs {
		if in == "-" {
			data, err := io.ReadAll(o.Stdin)
			if err != nil {
				return nil, fmt.Errorf("reading stdin: %w", err)
			}
			f, err := ParseFile("-", data)
			if err != nil {
				return nil, err
			}
			f.Rel = "stdin.yaml"
			files = append(files, f)
			continue
		}
		st, err := os.Stat(in)
		if err != nil {
			return nil, fmt.Errorf("input %s: %v", in, unwrapPathError(err))
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
			ext := filepath.Ext(path)
			if de.IsDir() || (ext != ".yaml" && ext != ".yml") {
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
		return nil, fmt.Errorf("input %s: %v", path, unwrapPathError(err))
	}
	f, err := ParseFile(path, data)
	if err != nil {
		return nil, err
	}
	f.Rel, f.Mode = rel, mode.Perm()
	return f, nil
}

func (f *File) changed() bool {
	for _, d := range f.Docs {
		if d.Changed {
			return true
		}
	}
	return false
}

func (f *File) isJSON() bool { return strings.EqualFold(filepath.Ext(f.Path), ".json") }

// summary prints what happened to each workload, as a table.
func summary(w io.Writer, rs []transform.Result) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	n := 0
	seen := map[string]bool{}
	for _, r := range rs {
		row := fmt.Sprintf("%s\t%s\t%s", r.Ref, r.Injection, r.Action)
		if r.Action == "" || r.Ref == nil || seen[row] {
			continue
		}
		seen[row] = true
		if n == 0 {
			fmt.Fprintln(tw, "WORKLOAD\tINJECTION\tACTION")
		}
		n++
		fmt.Fprintln(tw, row)
	}
	tw.Flush()
}

// check lists what a run would change, for a CI drift gate: exit 3 when
// anything would, 0 when everything is up to date.
func check(w io.Writer, files []*File, rs []transform.Result) int {
	var lines []string
	for _, r := range rs {
		if r.Changed() {
			lines = append(lines, fmt.Sprintf("%s: %s (%s)", r.Ref, r.Injection, r.Action))
		}
	}
	for _, f := range files {
		if f.changed() {
			fmt.Fprintf(w, "would change %s\n", f.Path)
		}
	}
	sort.Strings(lines)
	for _, l := range lines {
		fmt.Fprintln(w, "  "+l)
	}
	if len(lines) > 0 {
		return 3
	}
	return 0
}

// writeStream writes every file to w as one YAML stream, a document at a
// time: a 100 MB input is never copied whole.
func writeStream(w io.Writer, files []*File) error {
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
		if err := f.WriteTo(out, false); err != nil {
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

// writeOutput writes to -o: a file, or a folder mirroring the inputs when
// there are several inputs, a folder input, or PATH is a folder.
func writeOutput(o PlainOptions, files []*File) error {
	folder := strings.HasSuffix(o.Output, "/") || len(o.Inputs) > 1
	if st, err := os.Stat(o.Output); err == nil && st.IsDir() {
		folder = true
	}
	for _, in := range o.Inputs {
		if st, err := os.Stat(in); err == nil && st.IsDir() {
			folder = true
		}
	}
	if !folder {
		var b bytes.Buffer
		if err := writeStream(&b, files); err != nil {
			return err
		}
		return writeFiles([]staged{{path: o.Output, data: b.Bytes(), mode: 0o644}})
	}
	var all []staged
	for _, f := range files {
		b, err := f.Bytes(f.isJSON())
		if err != nil {
			return err
		}
		mode := f.Mode
		if mode == 0 {
			mode = 0o644
		}
		all = append(all, staged{path: filepath.Join(o.Output, f.Rel), data: b, mode: mode})
	}
	return writeFiles(all)
}

// writeInPlace rewrites the changed input files; the others are not
// touched at all.
func writeInPlace(files []*File) error {
	var all []staged
	for _, f := range files {
		if !f.changed() {
			continue
		}
		b, err := f.Bytes(f.isJSON())
		if err != nil {
			return err
		}
		all = append(all, staged{path: f.Path, data: b, mode: f.Mode})
	}
	return writeFiles(all)
}
