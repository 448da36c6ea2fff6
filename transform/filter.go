package transform

import (
	"errors"
	"fmt"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	"slices"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/inject-sidecars/inject-sidecars/api/v1alpha1"
	"github.com/inject-sidecars/inject-sidecars/internal/workers"
	"github.com/inject-sidecars/inject-sidecars/internal/yamlnode"
)

// Severity of a Result, as in KRM results.
type Severity string

const (
	Error   Severity = "error"
	Warning Severity = "warning"
	Info    Severity = "info"
)

// Outcome is what became of a workload for one injection, in the words
// of the summary table's ACTION column. (What the config asks for,
// inject or uninject, is its v1alpha1.Action.)
type Outcome string

const (
	Injected   Outcome = "injected"
	Upgraded   Outcome = "upgraded"
	Repaired   Outcome = "repaired"
	Uninjected Outcome = "uninjected"
	Removed    Outcome = "removed"
	UpToDate   Outcome = "up to date"
	Skipped    Outcome = "skipped"
	Conflict   Outcome = "conflict"
	Failed     Outcome = "failed"
)

// Changed reports whether the outcome means the workload was modified.
func (o Outcome) Changed() bool {
	switch o {
	case Injected, Upgraded, Repaired, Uninjected, Removed:
		return true
	}
	return false
}

// Result is one thing the user should read: what was done to a workload,
// why it was skipped, or what is wrong.
type Result struct {
	Severity Severity
	Message  string
	// Item is the document the workload came in (a List for its items).
	Item *yaml.Node
	// Ref names the workload; nil for results about the config.
	Ref *Ref
	// Field is the field path in the resource.
	Field     string
	Injection string
	// Outcome is set for results about one workload and one injection.
	Outcome Outcome
	// Reason says in a few words why a workload was skipped, for the
	// summary table: "container fluent-bit already exists".
	Reason string
}

// Changed reports whether the result means its Item was modified.
func (r Result) Changed() bool { return r.Outcome.Changed() }

// Filter injects (or uninjects) each injection, in order, into every
// workload it targets.
//
// Given a Deployment and an injection "logging" with a fluent-bit sidecar
//
//	spec:
//	  template:
//	    spec:
//	      containers:
//	      - name: app
//	        image: example/app:1.0
//
// the Deployment leaves as
//
//	spec:
//	  template:
//	    metadata:
//	      annotations:
//	        inject-sidecars.dev/status: '{"logging":{"hash":"…","initContainers":["fluent-bit"],"created":{…}}}'
//	    spec:
//	      initContainers:
//	      - name: fluent-bit
//	        image: fluent/fluent-bit:3.1.4
//	        restartPolicy: Always
//	      containers:
//	      - name: app
//	        image: example/app:1.0
//
// and its Results say: injected "logging" (native): initContainers fluent-bit.
//
// Filter is the whole run for an input held in memory (a ResourceList):
// an Injector over all of it, a Report of its documents. It keeps that
// Report, so use a new Filter for every run. A caller that streams its
// input uses an Injector and Reports itself.
type Filter struct {
	Injections []*Injection
	// Report is filled in by Filter: each document's results and usage,
	// in the input's order, then the warnings about injections that
	// matched nothing.
	Report
}

var _ kio.Filter = &Filter{}

// Filter changes the nodes in place and returns them.
func (f *Filter) Filter(nodes []*yaml.RNode) ([]*yaml.RNode, error) {
	docs := make([]*yaml.Node, len(nodes))
	for i, n := range nodes {
		docs[i] = n.YNode()
	}
	f.Report.Add(NewInjector(f.Injections, docs).Run(docs))
	return nodes, nil
}

// Injector is a run's config: the injections, in order, and what the run
// knows of its input before it visits a document. It only reads its
// fields once made, so one Injector serves every worker of a run.
type Injector struct {
	injections []*Injection
	// kinds are the kinds that may carry a Pod spec for some injection;
	// other resources are passed over before their metadata is read.
	kinds map[string]bool
	// namespaces are the Namespace objects of the input, by name.
	namespaces map[string]*namespace
}

// NewInjector readies the injections for a run over an input whose
// Namespace objects are among docs (the whole input, or the documents a
// first pass over it kept). Lists are looked into.
func NewInjector(injections []*Injection, docs []*yaml.Node) *Injector {
	in := &Injector{injections: injections, kinds: make(map[string]bool, len(builtinKinds))}
	for k := range builtinKinds {
		in.kinds[k] = true
	}
	for _, inj := range injections {
		for _, k := range inj.kinds {
			in.kinds[k.kind] = true
		}
	}
	in.namespaces = findNamespaces(docs)
	return in
}

// namespace is a Namespace object of the input: what namespaceSelector,
// the inject annotation and Pod Security read.
type namespace struct {
	labels, annotations map[string]string
}

// findNamespaces collects the Namespace objects among nodes, Lists
// included, by name.
func findNamespaces(nodes []*yaml.Node) map[string]*namespace {
	found := map[string]*namespace{}
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		if n == nil || n.Kind != yaml.MappingNode {
			return
		}
		kind := yamlnode.Str(n, "kind")
		if kind == "Namespace" && yamlnode.Str(n, "apiVersion") == "v1" {
			meta := yamlnode.Field(n, "metadata")
			if name := yamlnode.Str(meta, "name"); name != "" {
				found[name] = &namespace{
					labels:      yamlnode.StringMap(yamlnode.Field(meta, "labels")),
					annotations: yamlnode.StringMap(yamlnode.Field(meta, "annotations")),
				}
			}
			return
		}
		if strings.HasSuffix(kind, "List") {
			for _, it := range yamlnode.Seq(n, "items") {
				walk(it)
			}
		}
	}
	for _, n := range nodes {
		walk(n)
	}
	return found
}

// Run visits docs on every core and returns their Report, in the
// input's order, with the warnings about injections that matched
// nothing.
func (in *Injector) Run(docs []*yaml.Node) *Report {
	reports := make([]*Report, len(docs))
	workers.Each(len(docs), func(i int) { reports[i] = in.Document(docs[i]) })
	run := &Report{}
	run.Add(reports...)
	run.Results = append(run.Results, in.Unmatched(run.matched)...)
	return run
}

// Document runs every injection on one document (a resource, or a List
// of them), editing it in place, and reports what it did. Documents may
// be handled in any order and concurrently.
func (in *Injector) Document(doc *yaml.Node) *Report { return in.DocumentAt(doc, 1) }

// DocumentAt is Document for a document that starts on that line of its
// file: the line numbers messages give count from the top of the file,
// not of the document.
func (in *Injector) DocumentAt(doc *yaml.Node, line int) *Report {
	v := &visitor{Injector: in, item: doc, lineOffset: max(line-1, 0)}
	v.matched = make([]bool, len(in.injections))
	v.visit()
	r := v.Report // not &v.Report, which would keep the visitor and its document alive
	return &r
}

// Unmatched warns about each injection that matched no workload, given
// what every document's Report.Matched said, ORed.
func (in *Injector) Unmatched(matched []bool) []Result {
	var out []Result
	for i, inj := range in.injections {
		if i >= len(matched) || !matched[i] {
			msg := fmt.Sprintf("injection %q matched no workload", inj.name())
			if inj.Spec.Action == v1alpha1.Uninject {
				msg = fmt.Sprintf("no workload carries injection %q", inj.name())
			}
			out = append(out, Result{Severity: Warning, Message: msg, Injection: inj.name()})
		}
	}
	return out
}

// Report is what injecting did to some documents: one document's, from
// Injector.Document, or a run's, the documents' merged by Add.
type Report struct {
	Results []Result
	// Usage has an entry for every workload an injection changed: its
	// pod's requests and limits before and after.
	Usage []Usage
	// matched says, per injection, whether a document held a workload
	// it targeted.
	matched []bool
}

// Add appends what other documents (or runs) gave to r, in the order
// given: call it in the input's order.
func (r *Report) Add(others ...*Report) {
	results, usage := 0, 0
	for _, o := range others {
		results, usage = results+len(o.Results), usage+len(o.Usage)
	}
	r.Results, r.Usage = slices.Grow(r.Results, results), slices.Grow(r.Usage, usage)
	for _, o := range others {
		r.Results = append(r.Results, o.Results...)
		r.Usage = append(r.Usage, o.Usage...)
		if n := len(o.matched) - len(r.matched); n > 0 {
			r.matched = append(r.matched, make([]bool, n)...)
		}
		for i, m := range o.matched {
			r.matched[i] = r.matched[i] || m
		}
	}
}

// Matched says, per injection, whether the documents held a workload it
// targeted.
func (r *Report) Matched() []bool { return r.matched }

// visitor is the state of visiting one document: the run's config, the
// document, where it starts in its file, and what the visit found.
// A visitor is used for one document, by one goroutine.
type visitor struct {
	*Injector
	// item is the document being visited (a List for its items).
	item *yaml.Node
	// lineOffset is how many lines of its file come before the document,
	// so that messages count lines from the top of the file (see
	// Injector.DocumentAt).
	lineOffset int
	Report
}

// matchAll counts the document as every injection's workload: unread,
// it may have been any of them, and "matched no workload" would only
// follow from the error that left it unread.
func (v *visitor) matchAll() {
	for i := range v.matched {
		v.matched[i] = true
	}
}

// visit handles the document: a resource, or a List whose items are
// (Lists nest). A List marked local-config is left alone with all it
// holds, as a local-config resource is.
func (v *visitor) visit() {
	item := v.item
	if yamlnode.AliasNodes(item, yamlnode.MaxAliasNodes) > yamlnode.MaxAliasNodes {
		// An alias bomb: comparing, copying or hashing it expanded would
		// never end. kubectl refuses such a document too.
		w := newWorkload(item, item, "")
		v.Results = append(v.Results, Result{Severity: Error, Item: item, Ref: &w.ref, Outcome: Failed,
			Message: fmt.Sprintf("YAML aliases expand this document by more than %d nodes (an alias bomb?): write the values out", yamlnode.MaxAliasNodes)})
		return
	}
	if dups := yamlnode.Duplicates(item, ""); len(dups) > 0 {
		// yaml.v3 keeps both keys; which one a reader takes is anyone's
		// guess, and kubectl refuses such a file. So do we.
		w := newWorkload(item, item, "")
		for _, d := range dups {
			if d.First > 0 {
				d.Line, d.First = d.Line+v.lineOffset, d.First+v.lineOffset
			}
			ref := w.ref
			v.Results = append(v.Results, Result{Severity: Error, Message: d.String(), Item: item, Ref: &ref, Field: d.Path, Outcome: Failed})
		}
		v.matchAll()
		return
	}
	v.visitIn(item, "")
}

func (v *visitor) visitIn(n *yaml.Node, prefix string) {
	if n == nil || n.Kind != yaml.MappingNode {
		return
	}
	if kind := yamlnode.Str(n, "kind"); strings.HasSuffix(kind, "List") {
		if items := yamlnode.Field(n, "items"); items != nil && items.Kind == yaml.SequenceNode {
			annos := yamlnode.Field(yamlnode.Field(n, "metadata"), "annotations")
			if yamlnode.Str(annos, localConfigAnnotation) == "true" {
				return
			}
			for i, it := range items.Content {
				v.visitIn(it, fmt.Sprintf("%s[%d]", joinNonEmpty(prefix, "items"), i))
			}
			return
		}
	}
	if v.kinds[yamlnode.Str(n, "kind")] {
		v.visitWorkload(newWorkload(v.item, n, prefix))
	}
}

func (v *visitor) visitWorkload(w *workload) {
	if w.localConfig || w.unreadable {
		return
	}
	if v.mergeKey(w) {
		return
	}
	if ns := v.namespaces[w.ref.Namespace]; ns != nil {
		w.ns = ns
		w.res.NamespaceLabels, w.res.NamespaceKnown = ns.labels, true
	}
	var changed *Injection // the last injection that changed w
	for i, inj := range v.injections {
		before := len(v.Results)
		if v.apply(w, inj) {
			v.matched[i] = true
		}
		if slices.ContainsFunc(v.Results[before:], Result.Changed) {
			changed = inj
		}
	}
	if size, status := w.flushStatus(); size > 0 && changed != nil {
		v.tooLarge(w, changed, size, status)
	}
}

// tooLarge fails a workload whose pod annotations, with the status
// annotation and podAnnotations added, pass what the API server takes,
// saying what to shorten: the status annotation is the larger part only
// in a pod of thousands of containers, as it records what went into each.
func (v *visitor) tooLarge(w *workload, inj *Injection, size, status int) {
	const limit = apivalidation.TotalAnnotationSizeLimitB
	if status > size/2 {
		v.result(w, inj, Error, Failed, "", "the pod's annotations would hold %d bytes, above the %d (256 KiB) the API server takes: %d of them are the status annotation, which records what was added to each container so it can be removed again; name fewer of the pod's containers in spec.appContainers", size, limit, status)
		return
	}
	v.result(w, inj, Error, Failed, "", "the pod's annotations would hold %d bytes, above the %d (256 KiB) the API server takes, with the status annotation and podAnnotations added: make the pod's own annotations shorter", size, limit)
}

// mergeKey refuses a workload that holds a YAML merge key (`<<`)
// anywhere: yaml.v3 keeps the key as written, so names, opt-outs and
// containers merged in would be read wrongly. Other documents pass.
func (v *visitor) mergeKey(w *workload) bool {
	at, ok := yamlnode.MergeKey(w.node, w.field)
	if !ok {
		return false
	}
	for _, inj := range v.injections {
		path := w.podSpecPath(inj)
		if path == nil {
			continue
		}
		if _, err := findPod(w, path); err != nil {
			continue
		}
		ref := w.ref
		v.Results = append(v.Results, Result{Severity: Error, Item: w.item, Ref: &ref, Field: at, Outcome: Failed,
			Message: "a YAML merge key (<<): write the keys out: merge keys are not supported in workloads"})
		v.matchAll()
		return true
	}
	return false
}
func (v *visitor) result(w *workload, inj *Injection, sev Severity, outcome Outcome, fieldPath, format string, args ...any) {
	ref := w.ref
	v.Results = append(v.Results, Result{
		Severity: sev, Message: fmt.Sprintf(format, args...), Item: w.item, Ref: &ref,
		Field: fieldPath, Injection: inj.name(), Outcome: outcome,
	})
}

// skipped records a workload left alone, with the reason the
// summary table gives.
func (v *visitor) skipped(w *workload, inj *Injection, sev Severity, fieldPath, reason, format string, args ...any) {
	v.result(w, inj, sev, Skipped, fieldPath, format, args...)
	v.Results[len(v.Results)-1].Reason = reason
}

// selects reports whether the injection's targets and excludes pick w.
// When no target picks it only because a namespaceSelector cannot see
// the workload's Namespace (it is not in the input), missing says so.
func (inj *Injection) selects(w *workload) (selected bool, missing string) {
	r := &w.res
	for _, m := range inj.exclude {
		if m.Matches(r) {
			return false, ""
		}
	}
	if len(inj.targets) == 0 {
		return true, ""
	}
	for i, m := range inj.targets {
		if m.Matches(r) {
			return true, ""
		}
		if missing == "" && m.SelectsNamespaces() && !r.NamespaceKnown && m.MatchesBut(r) {
			if r.Namespace == "" {
				missing = fmt.Sprintf("targets[%d].namespaceSelector: the workload has no namespace, so no Namespace to select", i)
			} else {
				missing = fmt.Sprintf("targets[%d].namespaceSelector: Namespace %q is not in the input, so its labels are unknown", i, r.Namespace)
			}
		}
	}
	return false, missing
}

// optedOut returns why the inject annotation keeps inj out of this pod,
// or "", and the reason in a few words for the summary table, naming
// whose annotation it was. "false" on the workload or its template
// always wins; "true" or a list naming the injection opts in; a list
// without it opts out.
func optedOut(w *workload, meta *yaml.Node, inj *Injection) (why, reason string) {
	type source struct{ value, who string }
	values := []source{
		{w.res.Annotations[InjectAnnotation], "the workload"},
		{yamlnode.Str(yamlnode.Field(meta, "annotations"), InjectAnnotation), "its pod template"},
	}
	if values[0].value == "" && values[1].value == "" && w.ns != nil && w.ns.annotations[InjectAnnotation] != "" {
		// The Namespace's annotation is the default for its workloads;
		// their own wins.
		values = []source{{w.ns.annotations[InjectAnnotation], "namespace " + w.ref.Namespace}}
	}
	in, listedBy := false, ""
	for _, src := range values {
		switch v := strings.TrimSpace(src.value); v {
		case "":
		case "false":
			return "opted out (" + InjectAnnotation + ": \"false\")", "opted out by " + src.who
		case "true":
			in = true
		default:
			listed := false
			for _, name := range strings.Split(v, ",") {
				if strings.TrimSpace(name) == inj.name() {
					listed = true
				}
			}
			if listed {
				in = true
			} else if listedBy == "" {
				listedBy = src.who
			}
		}
	}
	switch {
	case in:
		return "", ""
	case listedBy != "":
		return fmt.Sprintf("opted out (%s does not list %q)", InjectAnnotation, inj.name()), "not listed by " + listedBy
	case inj.Spec.OptIn:
		return fmt.Sprintf("not opted in (optIn is set and %s does not ask for %q)", InjectAnnotation, inj.name()), "not opted in"
	}
	return "", ""
}

// apply runs one injection on one workload and reports whether the
// workload counted as a target.
func (v *visitor) apply(w *workload, inj *Injection) bool {
	path := w.podSpecPath(inj)
	if path == nil {
		return false
	}
	selected, missing := inj.selects(w)
	if w.owned {
		// Never changed, whatever it carries: its controller makes its
		// pods from its own template.
		if selected {
			v.skipped(w, inj, Info, joinNonEmpty(w.field, "metadata.ownerReferences"), "owned by a controller", "skipped: owned by a controller, which makes its pods from its own template")
		}
		return selected
	}
	p, err := w.findPod(path)
	if err != nil {
		return selected && v.noPod(w, inj, err)
	}
	meta := yamlnode.Field(p.holder, "metadata")
	st, own, err := w.readStatus(meta)
	if err != nil {
		v.result(w, inj, Error, Failed, yamlnode.Key(p.metaPath+".annotations", StatusAnnotation), "%s %s: %v", w.ref.Kind, w.ref.Name, err)
		return true
	}
	c := &change{inj: inj, w: w, p: p, st: st, owners: own, old: st[inj.name()]}
	if inj.Spec.Action == v1alpha1.Uninject {
		return selected && v.uninject(c)
	}
	if !selected {
		return v.untargeted(c, missing)
	}
	if why, reason := optedOut(w, meta, inj); why != "" {
		v.optOut(c, why, reason)
		return true
	}
	if err := c.render(); err != nil {
		v.renderFailed(w, inj, err)
		return true
	}
	v.inject(c)
	return true
}

// noPod reports a workload whose Pod template is missing (a warning)
// or of the wrong shape (an error at the field).
func (v *visitor) noPod(w *workload, inj *Injection, err error) bool {
	var nt errNoTemplate
	if errors.As(err, &nt) {
		v.skipped(w, inj, Warning, nt.path, "no Pod template at "+nt.path, "skipped: the %s has no Pod template at %s", w.ref.Kind, nt.path)
		return true
	}
	var pe *podError
	if errors.As(err, &pe) {
		v.result(w, inj, Error, Failed, pe.at, "%s", pe.msg)
		return true
	}
	v.result(w, inj, Error, Failed, "", "%v", err)
	return true
}

// uninject takes out what the injection added, if it added anything.
func (v *visitor) uninject(c *change) bool {
	if c.old == nil {
		return false
	}
	w, inj, p := c.w, c.inj, c.p
	summary := c.old.summary()
	before := w.meter.before(p.spec)
	c.remove(c.old)
	v.result(w, inj, Info, Uninjected, "", "uninjected %q: removed %s%s", inj.name(), summary, v.record(w, inj, p, before))
	return true
}

// untargeted handles a workload the injection no longer selects: what
// it added earlier goes; a selector that could not be read is said.
func (v *visitor) untargeted(c *change, missing string) bool {
	w, inj, p := c.w, c.inj, c.p
	if c.old == nil && missing != "" {
		reason := "no namespace for namespaceSelector"
		if w.ref.Namespace != "" {
			reason = "Namespace " + w.ref.Namespace + " is not in the input"
		}
		v.skipped(w, inj, Info, "", reason, "skipped: %s", missing)
		return true
	}
	if c.old != nil {
		before := w.meter.before(p.spec)
		c.remove(c.old)
		v.result(w, inj, Info, Removed, "", "removed %q: the workload is no longer targeted%s", inj.name(), v.record(w, inj, p, before))
	}
	return false
}

// optOut handles a workload that opted out: what the injection added
// earlier goes, else it is skipped.
func (v *visitor) optOut(c *change, why, reason string) {
	w, inj, p := c.w, c.inj, c.p
	if c.old != nil {
		before := w.meter.before(p.spec)
		c.remove(c.old)
		v.result(w, inj, Info, Removed, "", "removed %q: %s%s", inj.name(), why, v.record(w, inj, p, before))
		return
	}
	v.skipped(w, inj, Info, "", reason, "skipped: %s", why)
}

// renderFailed reports a rendering that failed: each bad override at
// its field, a template at its place, else the error as it is.
func (v *visitor) renderFailed(w *workload, inj *Injection, err error) {
	var oes overrideErrors
	if errors.As(err, &oes) {
		for _, oe := range oes {
			v.result(w, inj, Error, Failed, oe.Field, "override of injection %q: %s", inj.name(), oe.Msg)
		}
		return
	}
	if te := (*TemplateError)(nil); errors.As(err, &te) {
		v.templateFailed(w, inj, te)
		return
	}
	var re renderErrors
	if errors.As(err, &re) {
		v.renderedInvalid(w, inj, re)
		return
	}
	v.result(w, inj, Error, Failed, "", "injection %q: %v", inj.name(), err)
}

// inject puts the rendered change into the pod, unless it is there
// already, conflicts, or fails Pod Security, and says what it did.
func (v *visitor) inject(c *change) {
	w, inj, p := c.w, c.inj, c.p
	c.fp = c.fingerprint()
	drifted := false
	if c.old != nil && c.old.Hash == c.fp {
		if c.present() {
			v.result(w, inj, Info, UpToDate, "", "%q is already up to date", inj.name())
			return
		}
		drifted = true
	}
	blocking, replaced := c.conflicts()
	if len(blocking) > 0 {
		v.blocked(w, inj, blocking)
		return
	}
	if !v.podSecurity(w, c) {
		return
	}
	before := w.meter.before(p.spec)
	v.advice(w, c)
	c.apply()
	cost := v.record(w, inj, p, before)
	switch {
	case drifted:
		v.result(w, inj, Info, Repaired, "", "repaired %q (%s): the pod no longer held what it added; put back %s%s", inj.name(), inj.Spec.Mode, c.next.summary(), cost)
	case c.old != nil:
		v.result(w, inj, Info, Upgraded, "", "upgraded %q (%s): %s%s", inj.name(), inj.Spec.Mode, c.next.summary(), cost)
	default:
		v.result(w, inj, Info, Injected, "", "injected %q (%s): %s%s", inj.name(), inj.Spec.Mode, c.next.summary(), cost)
	}
	v.replacedWarning(w, inj, replaced)
	v.bestPractices(w, c)
}

// blocked reports the conflicts that leave the workload unchanged: one
// info with onConflict: skip, else an error each.
func (v *visitor) blocked(w *workload, inj *Injection, blocking []conflict) {
	if inj.Spec.OnConflict == v1alpha1.ConflictSkip {
		msgs := make([]string, len(blocking))
		for i, cf := range blocking {
			msgs[i] = cf.msg
		}
		v.skipped(w, inj, Info, blocking[0].field, blocking[0].reason(), "skipped %q (onConflict: skip): %s", inj.name(), strings.Join(msgs, "; "))
		return
	}
	for _, cf := range blocking {
		v.result(w, inj, Error, Conflict, cf.field, "conflict with injection %q: %s", inj.name(), cf.msg)
	}
}

// replacedWarning says what onConflict: replace overwrote in the user's
// pod: nothing records it, so uninject cannot bring it back.
func (v *visitor) replacedWarning(w *workload, inj *Injection, replaced []conflict) {
	if len(replaced) == 0 {
		return
	}
	msgs := make([]string, len(replaced))
	for i, cf := range replaced {
		msgs[i] = cf.msg
	}
	v.result(w, inj, Warning, "", replaced[0].field, "%q replaced what the pod had (onConflict: replace; uninject cannot bring it back): %s", inj.name(), strings.Join(msgs, "; "))
}

// podSecurity holds the pod to its Pod Security levels: a pod that met
// its enforce level before and fails it after is not changed (an error,
// or with onConflict: skip an info); failing a level it already failed,
// or a warn or audit level, is a warning. It reports whether to go on.
func (v *visitor) podSecurity(w *workload, c *change) bool {
	problems, err := c.podSecurity()
	if err != nil {
		v.result(w, c.inj, Warning, "", c.p.path, "%v", err)
		return true
	}
	stop := false
	for _, p := range problems {
		switch {
		case p.level.mode != psEnforce:
			v.result(w, c.inj, Warning, "", c.p.path, "%s", p.msg)
		case p.already:
			v.result(w, c.inj, Warning, "", c.p.path, "%s; the pod failed this level before injection too, so it is injected anyway", p.msg)
		case c.inj.Spec.OnConflict == v1alpha1.ConflictSkip:
			v.skipped(w, c.inj, Info, c.p.path, "would fail Pod Security "+string(p.level.lv.Level), "skipped %q (onConflict: skip): %s", c.inj.name(), p.msg)
			stop = true
		default:
			v.result(w, c.inj, Error, Failed, c.p.path, "%s", p.msg)
			stop = true
		}
	}
	return !stop
}

// record adds the workload's usage to the report and returns what the
// injection changed per pod, for the result's message.
func (v *visitor) record(w *workload, inj *Injection, p *pod, before Resources) string {
	u := Usage{Item: w.item, Ref: w.ref, Injection: inj.name(), Before: before, After: w.meter.after(p.spec)}
	u.Replicas, u.PerNode = w.replicas()
	v.Usage = append(v.Usage, u)
	if d := u.Delta().describe(); d != "" {
		return "; per pod: " + d
	}
	return ""
}

// otherMeshes are the proxies other meshes inject, by container name.
var otherMeshes = map[string]string{"istio-proxy": "Istio", "linkerd-proxy": "Linkerd"}

var meshProxies = map[string]bool{"istio-proxy": true, "linkerd-proxy": true}

// advice warns when the pod already carries another mesh's proxy: two
// proxies in one pod fight over its traffic.
func (v *visitor) advice(w *workload, c *change) {
	if len(c.sidecars) == 0 || !w.names.anyOf(c.p.spec, meshProxies) {
		return
	}
	for _, list := range []string{"containers", "initContainers"} {
		for i, ctr := range yamlnode.Seq(c.p.spec, list) {
			name := yamlnode.Str(ctr, "name")
			if mesh, ok := otherMeshes[name]; ok && !c.owns(name) {
				v.result(w, c.inj, Warning, "", fmt.Sprintf("%s.%s[%d]", c.p.path, list, i),
					"the pod already carries %s's proxy (%s): a second proxy from %q may fight it over the pod's traffic; inject one mesh, or exclude this workload", mesh, name, c.inj.name())
			}
		}
	}
}

// bestPractices warns about sidecar setups that work badly in this pod.
// Checks that depend only on the config (resources, image tags) are made
// once, when the config is read.
func (v *visitor) bestPractices(w *workload, c *change) {
	if c.inj.Spec.Mode == v1alpha1.Classic && len(c.sidecars) > 0 && (w.ref.Kind == "Job" || w.ref.Kind == "CronJob") {
		v.result(w, c.inj, Warning, "", c.p.path+".containers",
			"classic sidecars keep a %s from completing: the pod ends only when every container has exited; use mode: native", w.ref.Kind)
	}
	if yamlnode.Str(c.p.spec, "hostNetwork") == "true" {
		for _, s := range c.sidecars {
			if len(yamlnode.Seq(s, "ports")) > 0 {
				v.result(w, c.inj, Warning, "", c.p.path+".hostNetwork",
					"sidecar %q opens its ports on the node's network (hostNetwork: true): they may clash with other pods on the node", yamlnode.Str(s, "name"))
			}
		}
	}
}
