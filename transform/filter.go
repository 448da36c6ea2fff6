package transform

import (
	"errors"
	"fmt"
	"github.com/inject-sidecars/inject-sidecars/api/v1alpha1"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"

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

// What happened to a workload, for results and the summary table.
const (
	ActionInjected   = "injected"
	ActionUpgraded   = "upgraded"
	ActionRepaired   = "repaired"
	ActionUninjected = "uninjected"
	ActionRemoved    = "removed"
	ActionUpToDate   = "up to date"
	ActionSkipped    = "skipped"
	ActionConflict   = "conflict"
	ActionFailed     = "failed"
)

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
	// Action is set for results about one workload and one injection.
	Action string
	// Reason says in a few words why a workload was skipped, for the
	// summary table: "container fluent-bit already exists".
	Reason string
}

// Changed reports whether the result means its Item was modified.
func (r Result) Changed() bool {
	switch r.Action {
	case ActionInjected, ActionUpgraded, ActionRepaired, ActionUninjected, ActionRemoved:
		return true
	}
	return false
}

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
//	        inject-sidecars.dev/status: '{"logging":{"hash":"…","initContainers":["fluent-bit"]}}'
//	    spec:
//	      initContainers:
//	      - name: fluent-bit
//	        image: fluent/fluent-bit:3.1.4
//	        restartPolicy: Always
//	      containers:
//	      - name: app
//	        image: example/app:1.0
//
// A Filter holds state (its Results); use a new one for every run.
type Filter struct {
	Injections []*Injection
	Results    []Result
	// Usage has an entry for every workload an injection changed: its
	// pod's requests and limits before and after.
	Usage []Usage

	// kinds are the kinds that may carry a Pod spec for some injection;
	// other resources are passed over before their metadata is read.
	kinds map[string]bool
	// namespaces are the Namespace objects of the input, by name.
	namespaces map[string]*namespace
	// lineOffset is how many lines of its file come before the document
	// being visited, so that messages count lines from the top of the
	// file (see DocumentAt).
	lineOffset int
}

// namespace is a Namespace object of the input: what namespaceSelector,
// the inject annotation and Pod Security read.
type namespace struct {
	labels, annotations map[string]string
}

// findNamespaces collects the Namespace objects of the whole input, Lists
// included, before any workload is visited.
func (f *Filter) findNamespaces(nodes []*yaml.Node) {
	f.namespaces = map[string]*namespace{}
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		if n == nil || n.Kind != yaml.MappingNode {
			return
		}
		kind := yamlnode.Str(n, "kind")
		if kind == "Namespace" && yamlnode.Str(n, "apiVersion") == "v1" {
			meta := yamlnode.Field(n, "metadata")
			if name := yamlnode.Str(meta, "name"); name != "" {
				f.namespaces[name] = &namespace{
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
}

var _ kio.Filter = &Filter{}

// Filter changes the nodes in place and returns them.
func (f *Filter) Filter(nodes []*yaml.RNode) ([]*yaml.RNode, error) {
	docs := make([]*yaml.Node, len(nodes))
	for i, n := range nodes {
		docs[i] = n.YNode()
	}
	f.Prepare(docs)
	outs := make([]*Outcome, len(docs))
	workers.Each(len(docs), func(i int) { outs[i] = f.Document(docs[i]) })
	f.Finish(outs...)
	return nodes, nil
}

// Outcome is what a run did to one document.
type Outcome struct {
	Results []Result
	Usage   []Usage
	// matched says, per injection, whether the document held a workload
	// it targeted.
	matched []bool
}

// Prepare readies f for documents handed to Document one at a time, in
// any order and concurrently: it notes the kinds that may carry a Pod
// spec and the Namespace objects among docs (the whole input's, or those
// of a first pass over it).
func (f *Filter) Prepare(docs []*yaml.Node) {
	f.kinds = make(map[string]bool, len(builtinKinds))
	for k := range builtinKinds {
		f.kinds[k] = true
	}
	for _, inj := range f.Injections {
		for _, k := range inj.kinds {
			f.kinds[k.kind] = true
		}
	}
	f.findNamespaces(docs)
}

// Document runs every injection on one document (a resource, or a List
// of them) and returns what it did. It only reads f, so documents may be
// handled concurrently once f is prepared.
func (f *Filter) Document(doc *yaml.Node) *Outcome { return f.DocumentAt(doc, 1) }

// DocumentAt is Document for a document that starts on that line of its
// file: the line numbers messages give count from the top of the file,
// not of the document.
func (f *Filter) DocumentAt(doc *yaml.Node, line int) *Outcome {
	v := &Filter{Injections: f.Injections, kinds: f.kinds, namespaces: f.namespaces, lineOffset: max(line-1, 0)}
	matched := make([]bool, len(f.Injections))
	v.visit(doc, matched)
	return &Outcome{Results: v.Results, Usage: v.Usage, matched: matched}
}

// Finish adds the outcomes, in the input's order, to f's Results and
// Usage, and warns about each injection that no document matched.
func (f *Filter) Finish(outs ...*Outcome) {
	matched := make([]bool, len(f.Injections))
	for _, o := range outs {
		f.Results = append(f.Results, o.Results...)
		f.Usage = append(f.Usage, o.Usage...)
		for i, m := range o.matched {
			matched[i] = matched[i] || m
		}
	}
	f.Results = append(f.Results, f.Unmatched(matched)...)
}

// Matched says, per injection, whether the document held a workload it
// targeted.
func (o *Outcome) Matched() []bool { return o.matched }

// Unmatched warns about each injection that matched no workload, given
// what every document's Matched said, ORed.
func (f *Filter) Unmatched(matched []bool) []Result {
	var out []Result
	for i, inj := range f.Injections {
		if !matched[i] {
			msg := fmt.Sprintf("injection %q matched no workload", inj.name())
			if inj.Spec.Action == v1alpha1.Uninject {
				msg = fmt.Sprintf("no workload carries injection %q", inj.name())
			}
			out = append(out, Result{Severity: Warning, Message: msg, Injection: inj.name()})
		}
	}
	return out
}

// visit handles one document: a resource, or a List whose items are
// (Lists nest). A List marked local-config is left alone with all it
// holds, as a local-config resource is.
func (f *Filter) visit(item *yaml.Node, matched []bool) {
	if yamlnode.AliasNodes(item, yamlnode.MaxAliasNodes) > yamlnode.MaxAliasNodes {
		// An alias bomb: comparing, copying or hashing it expanded would
		// never end. kubectl refuses such a document too.
		w := newWorkload(item, item, "")
		f.Results = append(f.Results, Result{Severity: Error, Item: item, Ref: &w.ref, Action: ActionFailed,
			Message: fmt.Sprintf("YAML aliases expand this document by more than %d nodes (an alias bomb?): write the values out", yamlnode.MaxAliasNodes)})
		return
	}
	if dups := yamlnode.Duplicates(item, ""); len(dups) > 0 {
		// yaml.v3 keeps both keys; which one a reader takes is anyone's
		// guess, and kubectl refuses such a file. So do we.
		w := newWorkload(item, item, "")
		for _, d := range dups {
			if d.First > 0 {
				d.Line, d.First = d.Line+f.lineOffset, d.First+f.lineOffset
			}
			ref := w.ref
			f.Results = append(f.Results, Result{Severity: Error, Message: d.String(), Item: item, Ref: &ref, Field: d.Path, Action: ActionFailed})
		}
		// Unread, it may have been any injection's workload: "matched no
		// workload" would only follow from this error, so it is not said.
		for i := range matched {
			matched[i] = true
		}
		return
	}
	f.visitIn(item, item, "", matched)
}

func (f *Filter) visitIn(item, n *yaml.Node, prefix string, matched []bool) {
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
				f.visitIn(item, it, fmt.Sprintf("%s[%d]", joinNonEmpty(prefix, "items"), i), matched)
			}
			return
		}
	}
	if f.kinds[yamlnode.Str(n, "kind")] {
		f.visitWorkload(newWorkload(item, n, prefix), matched)
	}
}

func (f *Filter) visitWorkload(w *workload, matched []bool) {
	if w.localConfig {
		return
	}
	if f.mergeKey(w, matched) {
		return
	}
	if ns := f.namespaces[w.ref.Namespace]; ns != nil {
		w.ns = ns
		w.res.NamespaceLabels, w.res.NamespaceKnown = ns.labels, true
	}
	for i, inj := range f.Injections {
		if f.apply(w, inj) {
			matched[i] = true
		}
	}
	w.flushStatus()
}

// mergeKey refuses a workload that holds a YAML merge key (`<<`)
// anywhere: yaml.v3 keeps the key as written, so names, opt-outs and
// containers merged in would be read wrongly. Other documents pass.
func (f *Filter) mergeKey(w *workload, matched []bool) bool {
	at, ok := yamlnode.MergeKey(w.node, w.field)
	if !ok {
		return false
	}
	for _, inj := range f.Injections {
		path := w.podSpecPath(inj)
		if path == nil {
			continue
		}
		if _, err := findPod(w, path); err != nil {
			continue
		}
		ref := w.ref
		f.Results = append(f.Results, Result{Severity: Error, Item: w.item, Ref: &ref, Field: at, Action: ActionFailed,
			Message: "a YAML merge key (<<): write the keys out: merge keys are not supported in workloads"})
		// Unread, it may have been any injection's workload.
		for j := range matched {
			matched[j] = true
		}
		return true
	}
	return false
}

func (f *Filter) result(w *workload, inj *Injection, sev Severity, action, fieldPath, format string, args ...any) {
	ref := w.ref
	f.Results = append(f.Results, Result{
		Severity: sev, Message: fmt.Sprintf(format, args...), Item: w.item, Ref: &ref,
		Field: fieldPath, Injection: inj.name(), Action: action,
	})
}

// skipped records a workload left alone, with the reason the
// summary table gives.
func (f *Filter) skipped(w *workload, inj *Injection, sev Severity, fieldPath, reason, format string, args ...any) {
	f.result(w, inj, sev, ActionSkipped, fieldPath, format, args...)
	f.Results[len(f.Results)-1].Reason = reason
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
func (f *Filter) apply(w *workload, inj *Injection) bool {
	path := w.podSpecPath(inj)
	if path == nil {
		return false
	}
	selected, missing := inj.selects(w)
	if w.owned {
		// Never changed, whatever it carries: its controller makes its
		// pods from its own template.
		if selected {
			f.skipped(w, inj, Info, joinNonEmpty(w.field, "metadata.ownerReferences"), "owned by a controller", "skipped: owned by a controller, which makes its pods from its own template")
		}
		return selected
	}
	p, err := w.findPod(path)
	if err != nil {
		return selected && f.noPod(w, inj, err)
	}
	meta := yamlnode.Field(p.holder, "metadata")
	st, own, err := w.readStatus(meta)
	if err != nil {
		f.result(w, inj, Error, ActionFailed, yamlnode.Key(p.metaPath+".annotations", StatusAnnotation), "%s %s: %v", w.ref.Kind, w.ref.Name, err)
		return true
	}
	c := &change{inj: inj, w: w, p: p, st: st, owners: own, old: st[inj.name()]}
	if inj.Spec.Action == v1alpha1.Uninject {
		return selected && f.uninject(c)
	}
	if !selected {
		return f.untargeted(c, missing)
	}
	if why, reason := optedOut(w, meta, inj); why != "" {
		f.optOut(c, why, reason)
		return true
	}
	if err := c.render(); err != nil {
		f.renderFailed(w, inj, err)
		return true
	}
	f.inject(c)
	return true
}

// noPod reports a workload whose Pod template is missing (a warning)
// or of the wrong shape (an error at the field).
func (f *Filter) noPod(w *workload, inj *Injection, err error) bool {
	var nt errNoTemplate
	if errors.As(err, &nt) {
		f.skipped(w, inj, Warning, nt.path, "no Pod template at "+nt.path, "skipped: the %s has no Pod template at %s", w.ref.Kind, nt.path)
		return true
	}
	var pe *podError
	if errors.As(err, &pe) {
		f.result(w, inj, Error, ActionFailed, pe.at, "%s", pe.msg)
		return true
	}
	f.result(w, inj, Error, ActionFailed, "", "%v", err)
	return true
}

// uninject takes out what the injection added, if it added anything.
func (f *Filter) uninject(c *change) bool {
	if c.old == nil {
		return false
	}
	w, inj, p := c.w, c.inj, c.p
	summary := c.old.summary()
	before := w.meter.before(p.spec)
	c.remove(c.old)
	f.result(w, inj, Info, ActionUninjected, "", "uninjected %q: removed %s%s", inj.name(), summary, f.record(w, inj, p, before))
	return true
}

// untargeted handles a workload the injection no longer selects: what
// it added earlier goes; a selector that could not be read is said.
func (f *Filter) untargeted(c *change, missing string) bool {
	w, inj, p := c.w, c.inj, c.p
	if c.old == nil && missing != "" {
		reason := "no namespace for namespaceSelector"
		if w.ref.Namespace != "" {
			reason = "Namespace " + w.ref.Namespace + " is not in the input"
		}
		f.skipped(w, inj, Info, "", reason, "skipped: %s", missing)
		return true
	}
	if c.old != nil {
		before := w.meter.before(p.spec)
		c.remove(c.old)
		f.result(w, inj, Info, ActionRemoved, "", "removed %q: the workload is no longer targeted%s", inj.name(), f.record(w, inj, p, before))
	}
	return false
}

// optOut handles a workload that opted out: what the injection added
// earlier goes, else it is skipped.
func (f *Filter) optOut(c *change, why, reason string) {
	w, inj, p := c.w, c.inj, c.p
	if c.old != nil {
		before := w.meter.before(p.spec)
		c.remove(c.old)
		f.result(w, inj, Info, ActionRemoved, "", "removed %q: %s%s", inj.name(), why, f.record(w, inj, p, before))
		return
	}
	f.skipped(w, inj, Info, "", reason, "skipped: %s", why)
}

// renderFailed reports a rendering that failed: each bad override at
// its field, a template at its place, else the error as it is.
func (f *Filter) renderFailed(w *workload, inj *Injection, err error) {
	var oes overrideErrors
	if errors.As(err, &oes) {
		for _, oe := range oes {
			f.result(w, inj, Error, ActionFailed, oe.Field, "override of injection %q: %s", inj.name(), oe.Msg)
		}
		return
	}
	if te := (*TemplateError)(nil); errors.As(err, &te) {
		f.templateFailed(w, inj, te)
		return
	}
	var re renderErrors
	if errors.As(err, &re) {
		f.renderedInvalid(w, inj, re)
		return
	}
	f.result(w, inj, Error, ActionFailed, "", "injection %q: %v", inj.name(), err)
}

// inject puts the rendered change into the pod, unless it is there
// already, conflicts, or fails Pod Security, and says what it did.
func (f *Filter) inject(c *change) {
	w, inj, p := c.w, c.inj, c.p
	c.fp = c.fingerprint()
	drifted := false
	if c.old != nil && c.old.Hash == c.fp {
		if c.present() {
			f.result(w, inj, Info, ActionUpToDate, "", "%q is already up to date", inj.name())
			return
		}
		drifted = true
	}
	blocking, replaced := c.conflicts()
	if len(blocking) > 0 {
		f.blocked(w, inj, blocking)
		return
	}
	if !f.podSecurity(w, c) {
		return
	}
	before := w.meter.before(p.spec)
	f.advice(w, c)
	c.apply()
	cost := f.record(w, inj, p, before)
	switch {
	case drifted:
		f.result(w, inj, Info, ActionRepaired, "", "repaired %q (%s): the pod no longer held what it added; put back %s%s", inj.name(), inj.Spec.Mode, c.next.summary(), cost)
	case c.old != nil:
		f.result(w, inj, Info, ActionUpgraded, "", "upgraded %q (%s): %s%s", inj.name(), inj.Spec.Mode, c.next.summary(), cost)
	default:
		f.result(w, inj, Info, ActionInjected, "", "injected %q (%s): %s%s", inj.name(), inj.Spec.Mode, c.next.summary(), cost)
	}
	f.replacedWarning(w, inj, replaced)
	f.bestPractices(w, c)
}

// blocked reports the conflicts that leave the workload unchanged: one
// info with onConflict: skip, else an error each.
func (f *Filter) blocked(w *workload, inj *Injection, blocking []conflict) {
	if inj.Spec.OnConflict == v1alpha1.ConflictSkip {
		msgs := make([]string, len(blocking))
		for i, cf := range blocking {
			msgs[i] = cf.msg
		}
		f.skipped(w, inj, Info, blocking[0].field, blocking[0].reason(), "skipped %q (onConflict: skip): %s", inj.name(), strings.Join(msgs, "; "))
		return
	}
	for _, cf := range blocking {
		f.result(w, inj, Error, ActionConflict, cf.field, "conflict with injection %q: %s", inj.name(), cf.msg)
	}
}

// replacedWarning says what onConflict: replace overwrote in the user's
// pod: nothing records it, so uninject cannot bring it back.
func (f *Filter) replacedWarning(w *workload, inj *Injection, replaced []conflict) {
	if len(replaced) == 0 {
		return
	}
	msgs := make([]string, len(replaced))
	for i, cf := range replaced {
		msgs[i] = cf.msg
	}
	f.result(w, inj, Warning, "", replaced[0].field, "%q replaced what the pod had (onConflict: replace; uninject cannot bring it back): %s", inj.name(), strings.Join(msgs, "; "))
}

// podSecurity holds the pod to its Pod Security levels: a pod that met
// its enforce level before and fails it after is not changed (an error,
// or with onConflict: skip an info); failing a level it already failed,
// or a warn or audit level, is a warning. It reports whether to go on.
func (f *Filter) podSecurity(w *workload, c *change) bool {
	problems, err := c.podSecurity()
	if err != nil {
		f.result(w, c.inj, Warning, "", c.p.path, "%v", err)
		return true
	}
	stop := false
	for _, p := range problems {
		switch {
		case p.level.mode != psEnforce:
			f.result(w, c.inj, Warning, "", c.p.path, "%s", p.msg)
		case p.already:
			f.result(w, c.inj, Warning, "", c.p.path, "%s; the pod failed this level before injection too, so it is injected anyway", p.msg)
		case c.inj.Spec.OnConflict == v1alpha1.ConflictSkip:
			f.skipped(w, c.inj, Info, c.p.path, "would fail Pod Security "+string(p.level.lv.Level), "skipped %q (onConflict: skip): %s", c.inj.name(), p.msg)
			stop = true
		default:
			f.result(w, c.inj, Error, ActionFailed, c.p.path, "%s", p.msg)
			stop = true
		}
	}
	return !stop
}

// record adds the workload's usage to the report and returns what the
// injection changed per pod, for the result's message.
func (f *Filter) record(w *workload, inj *Injection, p *pod, before Resources) string {
	u := Usage{Item: w.item, Ref: w.ref, Injection: inj.name(), Before: before, After: w.meter.after(p.spec)}
	u.Replicas, u.PerNode = w.replicas()
	f.Usage = append(f.Usage, u)
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
func (f *Filter) advice(w *workload, c *change) {
	if len(c.sidecars) == 0 || !w.names.anyOf(c.p.spec, meshProxies) {
		return
	}
	for _, list := range []string{"containers", "initContainers"} {
		for i, ctr := range yamlnode.Seq(c.p.spec, list) {
			name := yamlnode.Str(ctr, "name")
			if mesh, ok := otherMeshes[name]; ok && !c.owns(name) {
				f.result(w, c.inj, Warning, "", fmt.Sprintf("%s.%s[%d]", c.p.path, list, i),
					"the pod already carries %s's proxy (%s): a second proxy from %q may fight it over the pod's traffic; inject one mesh, or exclude this workload", mesh, name, c.inj.name())
			}
		}
	}
}

// bestPractices warns about sidecar setups that work badly in this pod.
// Checks that depend only on the config (resources, image tags) are made
// once, when the config is read.
func (f *Filter) bestPractices(w *workload, c *change) {
	if c.inj.Spec.Mode == v1alpha1.Classic && len(c.sidecars) > 0 && (w.ref.Kind == "Job" || w.ref.Kind == "CronJob") {
		f.result(w, c.inj, Warning, "", c.p.path+".containers",
			"classic sidecars keep a %s from completing: the pod ends only when every container has exited; use mode: native", w.ref.Kind)
	}
	if yamlnode.Str(c.p.spec, "hostNetwork") == "true" {
		for _, s := range c.sidecars {
			if len(yamlnode.Seq(s, "ports")) > 0 {
				f.result(w, c.inj, Warning, "", c.p.path+".hostNetwork",
					"sidecar %q opens its ports on the node's network (hostNetwork: true): they may clash with other pods on the node", yamlnode.Str(s, "name"))
			}
		}
	}
}
