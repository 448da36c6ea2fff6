package fn

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"

	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/inject-sidecars/inject-sidecars/transform"
)

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
// lexical order, hidden folders left out) and stdin ("-", or nothing at
// all).
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
			if de.IsDir() && path != in && strings.HasPrefix(de.Name(), ".") {
				return filepath.SkipDir // .git and the like
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
