package cli

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"text/tabwriter"

	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/resid"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/inject-sidecars/inject-sidecars/api/v1alpha1"
	"github.com/inject-sidecars/inject-sidecars/internal/krmresults"
	"github.com/inject-sidecars/inject-sidecars/internal/safetext"
	"github.com/inject-sidecars/inject-sidecars/internal/yamlfile"
	"github.com/inject-sidecars/inject-sidecars/internal/yamlnode"
	"github.com/inject-sidecars/inject-sidecars/transform"
)

// PlainOptions are plain mode's settings, from the command line.
type PlainOptions struct {
	Configs, Inputs []string
	Output          string
	InPlace, Check  bool
	// Diff, with Check, prints a unified diff of each file that would
	// change to Stdout.
	Diff            bool
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
	// Usage is what follows a usage error's line: the command gives a
	// pointer to --help.
	Usage string
}

// RunPlain runs plain mode and returns the exit code.
func RunPlain(o PlainOptions) (code int) {
	defer func() {
		if r := recover(); r != nil {
			printError(o.Stderr, "%s", krmresults.Bug(r))
			code = exitError
		}
	}()
	injections, configPaths, ok := loadConfigs(o)
	if !ok {
		return exitError
	}
	if err := checkInputs(o); err != nil {
		return usageError(o, err)
	}
	srcs, cleanup, err := yamlfile.Sources(o.Inputs, o.Stdin)
	defer cleanup()
	if err != nil {
		printError(o.Stderr, "%v", err)
		return exitError
	}
	warnRepeats(o.Stderr, srcs)
	if o.OnInput != nil {
		o.OnInput(totalSize(srcs))
	}
	namespaces, stats, err := scan(srcs)
	if err != nil {
		printError(o.Stderr, "%v", err)
		return exitError
	}
	var plan *outputPlan
	if o.Output != "" && !o.Check && !o.InPlace {
		if plan, err = planOutput(o, srcs, stats); err != nil {
			printError(o.Stderr, "%v", err)
			return exitError
		}
	}
	if err := checkDestinations(o, srcs, plan); err != nil {
		return usageError(o, err)
	}
	out, err := newSink(o, plan)
	if err != nil {
		printError(o.Stderr, "%v", err)
		return exitError
	}
	defer func() {
		// A bug's panic: what was staged goes, then the recover above
		// says it is a bug.
		if r := recover(); r != nil {
			out.discard()
			panic(r)
		}
	}()
	injector := transform.NewInjector(injections, namespaces)
	t := newTally(len(injections), o, configPaths)
	if err := pipeline(srcs, injector, !o.Check || o.Diff, out, t.add); err != nil {
		out.discard()
		printError(o.Stderr, "%v", err)
		return exitError
	}
	t.print(o, injector.Unmatched(t.matched))
	return finishPlain(o, srcs, out, t)
}

// finishPlain acts on the run's outcome: writes nothing when an
// injection failed, else the report, then the diff, the check's verdict,
// or the files. It returns the exit code.
func finishPlain(o PlainOptions, srcs []*yamlfile.Source, out *sink, t *tally) int {
	if t.failed {
		out.discard()
		fmt.Fprintln(o.Stderr, "inject-sidecars: errors found; nothing was written")
		return exitError
	}
	if o.Report != "" {
		if err := t.report.write(o.Report); err != nil {
			out.discard()
			printError(o.Stderr, "%v", err)
			return exitError
		}
	}
	if o.Diff {
		return diff(o.Stdout, o.Stderr, out, slices.Contains(slices.Collect(maps.Values(t.changed)), true))
	}
	if o.Check {
		return check(o.Stdout, srcs, t.changed, t.checks)
	}
	if err := out.commit(o.Stdout); err != nil {
		printError(o.Stderr, "%v", err)
		return exitError
	}
	for _, f := range t.fallbacks {
		fmt.Fprintln(o.Stderr, f)
	}
	return 0
}

// totalSize is the size of the inputs, in bytes.
func totalSize(srcs []*yamlfile.Source) int64 {
	var total int64
	for _, s := range srcs {
		total += s.Size
	}
	return total
}

// warnRepeats says, one line each, which inputs were a file already
// read (a symlink to it, the path given twice), and so were skipped.
func warnRepeats(w io.Writer, srcs []*yamlfile.Source) {
	for _, s := range srcs {
		path := safetext.Value(s.Path)
		for _, again := range s.Again {
			msg := fmt.Sprintf("[warning] %s is the same file as %s: read once, as %s", safetext.Value(again), path, path)
			if again == s.Path {
				msg = fmt.Sprintf("[warning] %s is given more than once: read once", path)
			}
			fmt.Fprintln(w, safetext.Message(msg))
		}
	}
}

// tally is what a run keeps of each document, which is small: the rows
// of the summary, the report's figures, the results worth printing.
type tally struct {
	configFiles map[string]*framework.File
	printed     framework.Results
	rows        *summaryRows
	report      *report
	matched     []bool
	changed     map[*yamlfile.Source]bool
	checks      []checkLine // with --check only
	fallbacks   []string
	failed      bool
	keepRows    bool // the summary is printed (no -q)
	keepChecks  bool
}

// newTally readies a tally for a run of that many injections, from the
// config files by injection name. It keeps a line per workload only for
// what the run prints: the summary (unless -q) and --check's list; so a
// quiet run's memory does not grow with the number of workloads.
func newTally(injections int, o PlainOptions, configPaths map[string]string) *tally {
	configFiles := map[string]*framework.File{}
	for name, path := range configPaths {
		configFiles[name] = &framework.File{Path: path}
	}
	return &tally{
		configFiles: configFiles, rows: &summaryRows{}, report: newReport(o.Report != ""),
		matched: make([]bool, injections), changed: map[*yamlfile.Source]bool{},
		keepRows: !o.Quiet, keepChecks: o.Check && !o.Diff,
	}
}

// print prints the warnings and errors, then (unless -q) the summary.
// unmatched are the warnings about injections that matched nothing.
func (t *tally) print(o PlainOptions, unmatched []transform.Result) {
	for _, r := range append(t.printed, krmresults.From(unmatched, nil, t.configFiles)...) {
		printResult(o.Stderr, r, fileSuffix(r.File))
	}
	if o.Quiet {
		return
	}
	how := written
	switch {
	case t.failed:
		how = notWritten
	case o.Check:
		how = checked
	}
	t.rows.print(o.Stderr, how)
	if line := t.report.totalsLine(how); line != "" {
		fmt.Fprintln(o.Stderr, line)
	}
}

// add takes in one document, as the pipeline hands it over.
func (t *tally) add(d *docOut) {
	t.changed[d.src] = t.changed[d.src] || d.changed
	if d.fallback != "" {
		t.fallbacks = append(t.fallbacks, safetext.Message(fmt.Sprintf("[info] %s, document %d: re-encoded, its formatting not kept: %s", safetext.Value(displayPath(d.src.Path)), d.index, d.fallback)))
	}
	if d.warning != nil {
		t.printed = append(t.printed, d.warning)
	}
	if d.outcome == nil {
		return
	}
	file := &framework.File{Path: d.src.Path, Index: d.index}
	rs := d.outcome.Results
	for i, m := range d.outcome.Matched() {
		t.matched[i] = t.matched[i] || m
	}
	for _, r := range rs {
		t.failed = t.failed || r.Severity == transform.Error
		if r.Changed() && t.keepChecks {
			t.checks = append(t.checks, checkLine{d.src, fmt.Sprintf("%s: %s %s", safetext.Value(r.Ref.String()), r.Injection, actionWords(r.Outcome, "", checked))})
		}
	}
	for _, r := range krmresults.From(rs, func(*yaml.Node) *framework.File { return file }, t.configFiles) {
		if r.Severity != framework.Info {
			t.printed = append(t.printed, r)
		}
	}
	if t.keepRows {
		t.rows.add(displayPath(d.src.Path), rs)
	}
	for _, u := range d.outcome.Usage {
		t.report.add(&u, d.src.Path)
	}
}

// loadConfigs reads every -c file; a file may hold several configs, as
// separate documents. Errors are printed one per line.
// It returns the injections, and the file each came from by name.
func loadConfigs(o PlainOptions) ([]*transform.Injection, map[string]string, bool) {
	var out []*transform.Injection
	ok := true
	seen := map[string]string{}
	for _, path := range o.Configs {
		f := readConfigFile(o, path)
		if f == nil {
			ok = false
			continue
		}
		n := 0
		for _, d := range f.Docs {
			if d.Node == nil {
				continue
			}
			n++
			if kind := yamlnode.Str(d.Node, "kind"); kind != "ConfigMap" && !v1alpha1.LooksLikeConfig(d.Node) {
				fmt.Fprintf(o.Stderr, "inject-sidecars: config %s, document %d: %s is not an injection config: -c takes a SidecarInjection or a ConfigMap\n", path, d.Index, describeKind(d.Node))
				ok = false
				continue
			}
			inj, warnings, err := transform.Load(d.Node, v1alpha1.Options{KubeVersion: o.KubeVersion, Uninject: o.Uninject, Line: d.Line})
			if err != nil {
				printConfigResults(o.Stderr, krmresults.Config(err, &framework.File{Path: path}), path)
				ok = false
				continue
			}
			printConfigResults(o.Stderr, krmresults.Warnings(inj.Metadata.Name, warnings, &framework.File{Path: path}), path)
			inj.Source = path
			name := inj.Metadata.Name
			if prev, dup := seen[name]; dup {
				// Two configs of one name would take turns upgrading each
				// other's sidecars on every run.
				printError(o.Stderr, "config %s: injection %q is already defined in %s; names must be unique", path, name, prev)
				ok = false
				continue
			}
			seen[name] = path
			out = append(out, inj)
		}
		if n == 0 {
			printError(o.Stderr, "config %s: no SidecarInjection or ConfigMap in it", path)
			ok = false
		}
	}
	return out, seen, ok
}

// readConfigFile reads and parses the -c file at path. It prints what
// is wrong and returns nil when the file cannot be read, does not parse,
// or holds only other manifests.
func readConfigFile(o PlainOptions, path string) *yamlfile.File {
	data, err := os.ReadFile(path)
	if err != nil {
		printError(o.Stderr, "config %s: %v", path, yamlfile.UnwrapPathError(err))
		return nil
	}
	f, err := yamlfile.Parse(path, data)
	if err != nil {
		printError(o.Stderr, "config %s", configSyntax(err))
		return nil
	}
	if manifests := manifestsOnly(f); manifests != "" {
		printError(o.Stderr, "config %s holds Kubernetes manifests (%s), not an injection config: -c takes a SidecarInjection or a ConfigMap; give the manifests after the flags, as in inject-sidecars -c CONFIG %s", path, manifests, path)
		return nil
	}
	return f
}

// manifestsOnly names the resources of a config file that holds no
// config at all (a SidecarInjection, even mistyped), only other resources (a ConfigMap may be the short
// config form, so it does not count either way): "" when it holds a
// config, or nothing but ConfigMaps. The first three are named.
func manifestsOnly(f *yamlfile.File) string {
	var names []string
	for _, d := range f.Docs {
		if d.Node == nil {
			continue
		}
		if v1alpha1.LooksLikeConfig(d.Node) {
			return "" // a config, if mistyped: Decode says what to fix
		}
		switch kind := yamlnode.Str(d.Node, "kind"); kind {
		case "ConfigMap":
		default:
			name := yamlnode.Str(yamlnode.Field(d.Node, "metadata"), "name")
			names = append(names, strings.TrimSuffix(kind+"/"+name, "/"))
		}
	}
	if len(names) > 3 {
		names = append(names[:3], fmt.Sprintf("and %d more", len(names)-3))
	}
	return strings.Join(names, ", ")
}

// describeKind names a resource's kind in words: "a Deployment
// (apps/v1)", or "an object without kind".
func describeKind(n *yaml.Node) string {
	kind := yamlnode.Str(n, "kind")
	if kind == "" {
		return "an object without kind"
	}
	article := "a"
	if strings.ContainsRune("AEIOU", rune(kind[0])) {
		article = "an"
	}
	return fmt.Sprintf("%s %s (%s)", article, kind, yamlnode.Str(n, "apiVersion"))
}

// configAmongInputs warns about an injection config found among the
// inputs: it is not applied (configs come with -c), and is written out
// as it came. One marked local-config is a kpt package's function config
// and is expected there.
func configAmongInputs(n *yaml.Node, file *framework.File) *framework.Result {
	if n == nil || yamlnode.Str(n, "kind") != v1alpha1.Kind {
		return nil
	}
	if group, _ := resid.ParseGroupVersion(yamlnode.Str(n, "apiVersion")); group != v1alpha1.Group {
		return nil
	}
	meta := yamlnode.Field(n, "metadata")
	if yamlnode.Str(yamlnode.Field(meta, "annotations"), "config.kubernetes.io/local-config") == "true" {
		return nil
	}
	return &framework.Result{
		Severity: framework.Warning,
		Message:  fmt.Sprintf("an injection config among the inputs is not applied, and is written out as it came: give it with -c, as in inject-sidecars -c %s ...", file.Path),
		ResourceRef: &yaml.ResourceIdentifier{
			TypeMeta: yaml.TypeMeta{APIVersion: yamlnode.Str(n, "apiVersion"), Kind: v1alpha1.Kind},
			NameMeta: yaml.NameMeta{Name: yamlnode.Str(meta, "name")},
		},
		File: file,
	}
}

// outcome says whether a run's changes were written, for the summary.
type outcome int

const (
	written    outcome = iota
	checked            // --check: nothing is written by design
	notWritten         // errors: nothing was written
)

// summaryRows are the rows of the summary table: one per workload and
// injection, in input order, with the file it came from.
type summaryRows struct {
	rows []summaryRow
}

type summaryRow struct {
	file, workload, injection string
	action                    transform.Outcome
	// reason says why a workload was skipped.
	reason string
}

// add adds one document's rows: of several results about one workload
// and injection, the most telling action stands.
func (t *summaryRows) add(file string, rs []transform.Result) {
	rank := map[transform.Outcome]int{transform.Failed: 3, transform.Conflict: 2}
	type key struct {
		ref transform.Ref
		inj string
	}
	at := map[key]int{}
	for _, r := range rs {
		if r.Outcome == "" || r.Ref == nil {
			continue
		}
		k := key{*r.Ref, r.Injection}
		i, seen := at[k]
		if !seen {
			inj := r.Injection
			if inj == "" {
				inj = "-"
			}
			at[k] = len(t.rows)
			t.rows = append(t.rows, summaryRow{safetext.Value(file), safetext.Value(r.Ref.String()), inj, r.Outcome, safetext.Value(r.Reason)})
			continue
		}
		if rank[r.Outcome] > rank[t.rows[i].action] {
			t.rows[i].action, t.rows[i].reason = r.Outcome, r.Reason
		}
	}
}

// print prints the table; changes not written say so.
func (t *summaryRows) print(w io.Writer, how outcome) {
	if len(t.rows) == 0 {
		return
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "FILE\tWORKLOAD\tINJECTION\tACTION")
	for _, r := range t.rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.file, r.workload, r.injection, actionWords(r.action, r.reason, how))
	}
	tw.Flush()
}

// actionWords says what happened to a workload, as the summary and the
// --check list both say it: a change not written says so, a skip says
// why.
func actionWords(action transform.Outcome, reason string, how outcome) string {
	act := string(action)
	if action.Changed() {
		switch how {
		case checked:
			act = "would be " + act
		case notWritten:
			act = "not written (would be " + act + ")"
		}
	}
	if action == transform.Skipped && reason != "" {
		act += " (" + reason + ")"
	}
	return act
}

func displayPath(p string) string {
	if p == "-" {
		return "stdin"
	}
	return p
}

// checkLine is one workload --check lists, under the file it is in.
type checkLine struct {
	src  *yamlfile.Source
	text string
}

// check lists what a run would change, for a CI drift gate: each file
// that would change, in input order, with its workloads under it, in
// the order they come; exit 3 when anything would, 0 when everything is
// up to date.
func check(w io.Writer, srcs []*yamlfile.Source, changed map[*yamlfile.Source]bool, lines []checkLine) int {
	bySource := map[*yamlfile.Source][]string{}
	for _, l := range lines {
		bySource[l.src] = append(bySource[l.src], l.text)
	}
	for _, s := range srcs {
		if changed[s] {
			fmt.Fprintf(w, "would change %s\n", safetext.Value(s.Path))
		}
		for _, l := range bySource[s] {
			fmt.Fprintln(w, "  "+l)
		}
	}
	if len(lines) > 0 {
		return exitChanged
	}
	return exitOK
}

// diff prints the unified diff of each file that would change, in input
// order: exit 3 when anything would change, 0 when everything is up to
// date.
func diff(w, stderr io.Writer, out *sink, changes bool) int {
	if err := out.endFile(); err != nil {
		printError(stderr, "%v", err)
		return exitError
	}
	io.WriteString(w, out.diffs.String())
	if changes {
		return exitChanged
	}
	return exitOK
}

// outputPlan is where -o writes: one file holding every input's
// documents, or a folder mirroring the inputs, with each input's path in
// it.
type outputPlan struct {
	single string
	folder string
	paths  map[*yamlfile.Source]string
}

// planOutput decides, before anything runs, where -o puts each input.
// PATH is one file when it names a .yaml, .yml or .json file (and is not
// an existing folder): every input's documents go into it, as one stream.
// Otherwise it is a folder when it ends in "/", is an existing folder,
// or there are several inputs or a folder input. Two inputs that would
// land on one path are an error naming both: nothing is ever lost.
func planOutput(o PlainOptions, files []*yamlfile.Source, stats map[*yamlfile.Source]*sourceStats) (*outputPlan, error) {
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
				docs += stats[f].docs
				yamlDocs += stats[f].docs - stats[f].jsonDocs
			}
			switch {
			case docs != 1:
				return nil, fmt.Errorf("%s: a .json file holds one JSON document, and the inputs hold %d; write to a .yaml file or a folder", o.Output, docs)
			case yamlDocs > 0:
				return nil, fmt.Errorf("%s: a .json file holds one JSON document, and the input's document is YAML; write to a .yaml file or a folder", o.Output)
			}
		}
		return &outputPlan{single: o.Output}, nil
	}
	plan := &outputPlan{folder: o.Output, paths: map[*yamlfile.Source]string{}}
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

// usageError prints a usage error's line and the pointer to --help.
func usageError(o PlainOptions, err error) int {
	fmt.Fprintf(o.Stderr, "inject-sidecars: %v\n%s", err, o.Usage)
	return exitUsage
}

// checkInputs refuses, before any input is opened, stdin named twice
// (it can be read once) and -i on an input that is not a regular file or
// a folder: opening a FIFO would wait for a writer and consume its data.
// os.Stat follows symlinks, so a link to a FIFO is refused too.
func checkInputs(o PlainOptions) error {
	stdin := 0
	for _, in := range o.Inputs {
		if in == "-" {
			if stdin++; stdin > 1 {
				return errors.New("stdin (-) given twice: it can be read only once; give - once")
			}
		}
	}
	if !o.InPlace {
		return nil
	}
	for _, in := range o.Inputs {
		if in == "-" {
			return errors.New("-i cannot rewrite stdin")
		}
		st, err := os.Stat(in)
		if err == nil && !st.IsDir() && !st.Mode().IsRegular() {
			return fmt.Errorf("-i cannot rewrite %s: it is not a regular file (a pipe, FIFO or device); give -o PATH", in)
		}
	}
	return nil
}

// checkDestinations refuses, before anything runs, what would write over
// an input or a config (--report or -o naming one by any path: the same
// device and inode, what os.SameFile compares), a
// --report that is a folder, and -i on an input that could be read only
// once. Each is a usage error naming the flag.
func checkDestinations(o PlainOptions, srcs []*yamlfile.Source, plan *outputPlan) error {
	if o.InPlace {
		for _, s := range srcs {
			if s.ReadOnce {
				return fmt.Errorf("-i cannot rewrite %s: it is not a regular file (a pipe, FIFO or device); give -o PATH", s.Path)
			}
		}
	}
	if o.Report == "" && plan == nil {
		return nil
	}
	known := newFileIndex()
	for _, s := range srcs {
		if !s.ReadOnce {
			known.add(s.Path, "the input "+s.Path)
		}
	}
	for _, c := range o.Configs {
		known.add(c, "the config "+c)
	}
	if o.Report != "" {
		if st, err := os.Stat(o.Report); err == nil && st.IsDir() {
			return fmt.Errorf("--report %s is a folder: give a file path", o.Report)
		}
		if err := reportClash(o, srcs, plan); err != nil {
			return err
		}
		if what := known.find(o.Report); what != "" {
			return fmt.Errorf("--report %s is %s: give another path", o.Report, what)
		}
		known.add(o.Report, "the --report file")
	}
	if plan == nil {
		return nil
	}
	if plan.single != "" {
		if what := known.find(plan.single); what != "" {
			return fmt.Errorf("-o %s is %s: give another path", plan.single, what)
		}
		return nil
	}
	for _, s := range srcs {
		if what := known.find(plan.paths[s]); what != "" {
			return fmt.Errorf("-o %s would write %s over %s: give another folder", o.Output, plan.paths[s], what)
		}
	}
	return nil
}

// reportClash refuses a --report path that -o would also write (the
// single output file, or any file mirrored under the output folder): one
// of the two would be lost. Paths are compared cleaned and absolute, and,
// where both files exist, by os.SameFile.
func reportClash(o PlainOptions, srcs []*yamlfile.Source, plan *outputPlan) error {
	if plan == nil {
		return nil
	}
	if plan.single != "" {
		if samePath(plan.single, o.Report) {
			return fmt.Errorf("-o %s and --report %s name the same file: give --report another path", plan.single, o.Report)
		}
		return nil
	}
	for _, s := range srcs {
		if out := plan.paths[s]; samePath(out, o.Report) {
			return fmt.Errorf("-o %s would write %s over --report %s: give --report a path outside the output folder", o.Output, out, o.Report)
		}
	}
	return nil
}

// samePath reports whether two paths name one file: the same cleaned
// absolute path, or, when both exist, the same file (os.SameFile).
func samePath(a, b string) bool {
	absA, errA := filepath.Abs(a)
	absB, errB := filepath.Abs(b)
	if errA == nil && errB == nil && absA == absB {
		return true
	}
	stA, errA := os.Stat(a)
	stB, errB := os.Stat(b)
	return errA == nil && errB == nil && os.SameFile(stA, stB)
}

// fileIndex finds files by identity (device and inode, as os.SameFile
// compares them), whatever path names them: a map, as a folder output
// checks each of its files against every input.
type fileIndex map[[2]uint64]string

func newFileIndex() fileIndex { return fileIndex{} }

func fileID(path string) ([2]uint64, bool) {
	st, err := os.Stat(path)
	if err != nil {
		return [2]uint64{}, false
	}
	sys, ok := st.Sys().(*syscall.Stat_t)
	if !ok {
		return [2]uint64{}, false
	}
	return [2]uint64{uint64(sys.Dev), sys.Ino}, true
}

func (x fileIndex) add(path, what string) {
	if id, ok := fileID(path); ok {
		if _, dup := x[id]; !dup {
			x[id] = what
		}
	}
}

// find says what path is, if it is a file already known.
func (x fileIndex) find(path string) string {
	if id, ok := fileID(path); ok {
		return x[id]
	}
	return ""
}

// configSyntax words a config file's YAML error: a template in it is the
// config's own, to be quoted (an input's would be a Helm chart's).
func configSyntax(err error) string {
	var se *yamlfile.SyntaxError
	if errors.As(err, &se) && se.Line > 0 && se.Template() {
		return fmt.Sprintf("%s: document %d is not valid YAML: line %d: a template must be quoted: %s", se.Path, se.Index, se.Line, se.QuoteHint())
	}
	return err.Error()
}
