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

	"github.com/inject-sidecars/inject-sidecars/api/v1alpha1"
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
	// Report is where the JSON resource report goes, if anywhere.
	Report string
	// KubeVersion overrides every config's spec.kubernetesVersion.
	KubeVersion    string
	Stdin          io.Reader
	Stdout, Stderr io.Writer
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

	var plan *outputPlan
	if o.Output != "" && !o.Check && !o.InPlace {
		if plan, err = planOutput(o, files); err != nil {
			fmt.Fprintf(o.Stderr, "inject-sidecars: %v\n", err)
			return exitError
		}
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
		for _, d := range f.Docs {
			if d.Node != nil {
				nodes = append(nodes, yaml.NewRNode(d.Node))
				owner[d.Node] = d
				where[d.Node] = &framework.File{Path: f.Path, Index: d.Index}
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
	report := buildReport(filter.Usage, func(n *yaml.Node) string {
		if f := where[n]; f != nil {
			return f.Path
		}
		return ""
	})
	if !o.Quiet {
		how := written
		switch {
		case failed:
			how = notWritten
		case o.Check:
			how = checked
		}
		summary(o.Stderr, filter.Results, func(n *yaml.Node) *framework.File { return where[n] }, how)
		if line := report.totalsLine(how); line != "" {
			fmt.Fprintln(o.Stderr, line)
		}
	}
	if failed {
		fmt.Fprintln(o.Stderr, "inject-sidecars: errors found; nothing was written")
		return exitError
	}
	if o.Report != "" {
		if err := report.write(o.Report); err != nil {
			fmt.Fprintf(o.Stderr, "inject-sidecars: %v\n", err)
			return exitError
		}
	}
	switch {
	case o.Check:
		return check(o.Stdout, files, filter.Results)
	case o.InPlace:
		err = writeInPlace(files)
	case o.Output != "":
		err = writeOutput(plan, files)
	default:
		err = yamlfile.WriteStream(o.Stdout, files)
	}
	if err != nil {
		fmt.Fprintf(o.Stderr, "inject-sidecars: %v\n", err)
		return exitError
	}
	reportFallbacks(o.Stderr, files)
	return 0
}

// reportFallbacks says, for every changed document that could not be
// edited in place and was re-encoded instead, which one and why: the
// promise that only lines are added does not hold there, and that is
// never silent, -q or not.
func reportFallbacks(w io.Writer, files []*yamlfile.File) {
	for _, f := range files {
		for _, d := range f.Docs {
			if d.Fallback != "" {
				name := f.Path
				if name == "-" {
					name = "stdin"
				}
				fmt.Fprintf(w, "[info] %s, document %d: re-encoded, its formatting not kept: %s\n", name, d.Index, d.Fallback)
			}
		}
	}
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
			c, err := fn.LoadConfigWith(d.Node, o.Uninject, v1alpha1.Options{KubeVersion: o.KubeVersion})
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

// outcome says whether a run's changes were written, for the summary.
type outcome int

const (
	written    outcome = iota
	checked            // --check: nothing is written by design
	notWritten         // errors: nothing was written
)

// summary prints what happened to each workload, as a table: one row per
// workload and injection, in input order, with the file it came from.
// Changes that were not written say so.
func summary(w io.Writer, rs []transform.Result, locate func(*yaml.Node) *framework.File, how outcome) {
	type key struct {
		item *yaml.Node
		ref  transform.Ref
		inj  string
	}
	rank := map[string]int{transform.ActionFailed: 3, transform.ActionConflict: 2}
	var order []key
	action := map[key]string{}
	for _, r := range rs {
		if r.Action == "" || r.Ref == nil {
			continue
		}
		k := key{r.Item, *r.Ref, r.Injection}
		prev, seen := action[k]
		if !seen {
			order = append(order, k)
		}
		if !seen || rank[r.Action] > rank[prev] {
			action[k] = r.Action
		}
	}
	if len(order) == 0 {
		return
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "FILE\tWORKLOAD\tINJECTION\tACTION")
	for _, k := range order {
		file := "-"
		if f := locate(k.item); f != nil {
			file = f.Path
			if file == "-" {
				file = "stdin"
			}
		}
		inj := k.inj
		if inj == "" {
			inj = "-"
		}
		act := action[k]
		if (transform.Result{Action: act}).Changed() {
			switch how {
			case checked:
				act = "would be " + act
			case notWritten:
				act = "not written (would be " + act + ")"
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", file, k.ref, inj, act)
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

// outputPlan is where -o writes: one file holding every input's
// documents, or a folder mirroring the inputs, with each input's path in
// it.
type outputPlan struct {
	single string
	paths  map[*yamlfile.File]string
}

// planOutput decides, before anything runs, where -o puts each input.
// PATH is one file when it names a .yaml, .yml or .json file (and is not
// an existing folder): every input's documents go into it, as one stream.
// Otherwise it is a folder when it ends in "/", is an existing folder,
// or there are several inputs or a folder input. Two inputs that would
// land on one path are an error naming both: nothing is ever lost.
func planOutput(o PlainOptions, files []*yamlfile.File) (*outputPlan, error) {
	isDir := func(p string) bool {
		st, err := os.Stat(p)
		return err == nil && st.IsDir()
	}
	ext := strings.ToLower(filepath.Ext(o.Output))
	fileLike := (ext == ".yaml" || ext == ".yml" || ext == ".json") && !strings.HasSuffix(o.Output, "/")
	folder := strings.HasSuffix(o.Output, "/") || isDir(o.Output) || len(o.Inputs) > 1
	for _, in := range o.Inputs {
		folder = folder || isDir(in)
	}
	if !folder || (fileLike && !isDir(o.Output)) {
		if ext == ".json" {
			// A .json file holds one JSON document.
			docs, yamlDocs := 0, 0
			for _, f := range files {
				for _, d := range f.Docs {
					if d.Node != nil {
						docs++
						if !d.IsJSON() {
							yamlDocs++
						}
					}
				}
			}
			if docs != 1 || yamlDocs > 0 {
				return nil, fmt.Errorf("%s: a .json file holds one JSON document, and the inputs hold %d documents (%d of them YAML); write to a .yaml file or a folder", o.Output, docs, yamlDocs)
			}
		}
		return &outputPlan{single: o.Output}, nil
	}
	plan := &outputPlan{paths: map[*yamlfile.File]string{}}
	from := map[string]string{}
	for _, f := range files {
		out := filepath.Join(o.Output, f.Rel)
		if prev, ok := from[out]; ok {
			return nil, fmt.Errorf("inputs %s and %s would both be written to %s: nothing was written; give them different names, or write them one at a time", prev, f.Path, out)
		}
		from[out] = f.Path
		plan.paths[f] = out
	}
	return plan, nil
}

// writeOutput writes to -o as planned, all or nothing.
func writeOutput(plan *outputPlan, files []*yamlfile.File) error {
	if plan.single != "" {
		var b bytes.Buffer
		if err := yamlfile.WriteStream(&b, files); err != nil {
			return err
		}
		return yamlfile.WriteFiles([]yamlfile.Staged{{Path: plan.single, Data: b.Bytes(), Mode: 0o644}})
	}
	var all []yamlfile.Staged
	for _, f := range files {
		b, err := f.Bytes()
		if err != nil {
			return err
		}
		mode := f.Mode
		if mode == 0 {
			mode = 0o644
		}
		all = append(all, yamlfile.Staged{Path: plan.paths[f], Data: b, Mode: mode})
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
		b, err := f.Bytes()
		if err != nil {
			return err
		}
		// Through a symlink, the target changes and the link stays.
		path, err := filepath.EvalSymlinks(f.Path)
		if err != nil {
			return fmt.Errorf("input %s: %v", f.Path, yamlfile.UnwrapPathError(err))
		}
		all = append(all, yamlfile.Staged{Path: path, Data: b, Mode: f.Mode})
	}
	return yamlfile.WriteFiles(all)
}
