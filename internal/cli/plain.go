package cli

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"

	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/inject-sidecars/inject-sidecars/fn"
	"github.com/inject-sidecars/inject-sidecars/internal/yamlfile"
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
			fmt.Fprintln(o.Stderr, "inject-sidecars: "+fn.BugMessage(r))
			code = exitError
		}
	}()
	injections, configPaths, ok := loadConfigs(o)
	if !ok {
		return exitError
	}
	files, err := yamlfile.Read(o.Inputs, o.Stdin)
	if err != nil {
		fmt.Fprintf(o.Stderr, "inject-sidecars: %v\n", err)
		return exitError
	}

	if o.OnInput != nil {
		var total int64
		for _, f := range files {
			total += f.Size
		}
		o.OnInput(total)
	}
	var nodes []*yaml.RNode
	owner := map[*yaml.Node]*yamlfile.Document{}
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
		return exitError
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
	for _, r := range fn.Results(filter.Results, func(n *yaml.Node) *framework.File { return where[n] }, configFiles) {
		if r.Severity != framework.Info {
			fmt.Fprintln(o.Stderr, r.String()+fileSuffix(r.File))
		}
	}
	if !o.Quiet {
		summary(o.Stderr, filter.Results)
	}
	if failed {
		fmt.Fprintln(o.Stderr, "inject-sidecars: errors found; nothing was written")
		return exitError
	}
	switch {
	case o.Check:
		return check(o.Stdout, files, filter.Results)
	case o.InPlace:
		err = writeInPlace(files)
	case o.Output != "":
		err = writeOutput(o, files)
	default:
		err = yamlfile.WriteStream(o.Stdout, files)
	}
	if err != nil {
		fmt.Fprintf(o.Stderr, "inject-sidecars: %v\n", err)
		return exitError
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
			fmt.Fprintf(o.Stderr, "inject-sidecars: config %s: %v\n", path, yamlfile.UnwrapPathError(err))
			ok = false
			continue
		}
		f, err := yamlfile.Parse(path, data)
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
			c, err := fn.LoadConfig(d.Node, o.Uninject)
			for _, r := range fn.ConfigResults(c, err, &framework.File{Path: path}) {
				fmt.Fprintln(o.Stderr, r.String()+" ("+path+")")
			}
			if err != nil {
				ok = false
				continue
			}
			inj := c.Injection
			name := inj.Metadata.Name
			if prev, dup := seen[name]; dup {
				// Two configs of one name would take turns upgrading each
				// other's sidecars on every run.
				fmt.Fprintf(o.Stderr, "inject-sidecars: config %s: injection %q is already defined in %s; names must be unique\n", path, name, prev)
				ok = false
				continue
			}
			seen[name] = path
			out = append(out, inj)
		}
		if n == 0 {
			fmt.Fprintf(o.Stderr, "inject-sidecars: config %s: no SidecarInjection or ConfigMap in it\n", path)
			ok = false
		}
	}
	return out, seen, ok
}

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
func check(w io.Writer, files []*yamlfile.File, rs []transform.Result) int {
	var lines []string
	for _, r := range rs {
		if r.Changed() {
			lines = append(lines, fmt.Sprintf("%s: %s (%s)", r.Ref, r.Injection, r.Action))
		}
	}
	for _, f := range files {
		if f.Changed() {
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

// writeOutput writes to -o: a file, or a folder mirroring the inputs when
// there are several inputs, a folder input, or PATH is a folder.
func writeOutput(o PlainOptions, files []*yamlfile.File) error {
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
		if err := yamlfile.WriteStream(&b, files); err != nil {
			return err
		}
		return yamlfile.WriteFiles([]yamlfile.Staged{{Path: o.Output, Data: b.Bytes(), Mode: 0o644}})
	}
	var all []yamlfile.Staged
	for _, f := range files {
		b, err := f.Bytes(f.IsJSON())
		if err != nil {
			return err
		}
		mode := f.Mode
		if mode == 0 {
			mode = 0o644
		}
		all = append(all, yamlfile.Staged{Path: filepath.Join(o.Output, f.Rel), Data: b, Mode: mode})
	}
	return yamlfile.WriteFiles(all)
}

// writeInPlace rewrites the changed input files; the others are not
// touched at all.
func writeInPlace(files []*yamlfile.File) error {
	var all []yamlfile.Staged
	for _, f := range files {
		if !f.Changed() {
			continue
		}
		b, err := f.Bytes(f.IsJSON())
		if err != nil {
			return err
		}
		all = append(all, yamlfile.Staged{Path: f.Path, Data: b, Mode: f.Mode})
	}
	return yamlfile.WriteFiles(all)
}
