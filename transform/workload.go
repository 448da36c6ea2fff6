package transform

import (
	"fmt"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"slices"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/inject-sidecars/inject-sidecars/api/v1alpha1"
	"github.com/inject-sidecars/inject-sidecars/internal/yamlnode"
)

// Ref names a resource the way KRM results do.
type Ref struct {
	APIVersion, Kind, Namespace, Name string
}

func (r Ref) String() string {
	if r.Namespace != "" {
		return r.Kind + "/" + r.Namespace + "/" + r.Name
	}
	return r.Kind + "/" + r.Name
}

const localConfigAnnotation = "config.kubernetes.io/local-config"

// builtinKinds lists where the Pod spec lives in each kind Kubernetes has
// served, keyed by kind, for every group that served it (extensions and
// apps/v1beta1 Deployments, batch/v1beta1 CronJobs and so on: the version
// never matters, the group does).
var builtinKinds = map[string]struct {
	groups []string
	path   []string
}{
	"Pod":                   {[]string{""}, []string{"spec"}},
	"PodTemplate":           {[]string{""}, []string{"template", "spec"}},
	"ReplicationController": {[]string{""}, []string{"spec", "template", "spec"}},
	"ReplicaSet":            {[]string{"apps", "extensions"}, []string{"spec", "template", "spec"}},
	"Deployment":            {[]string{"apps", "extensions"}, []string{"spec", "template", "spec"}},
	"StatefulSet":           {[]string{"apps"}, []string{"spec", "template", "spec"}},
	"DaemonSet":             {[]string{"apps", "extensions"}, []string{"spec", "template", "spec"}},
	"Job":                   {[]string{"batch"}, []string{"spec", "template", "spec"}},
	"CronJob":               {[]string{"batch"}, []string{"spec", "jobTemplate", "spec", "template", "spec"}},
	// Argo Rollouts that use workloadRef have no template; podSpecPath
	// then finds nothing and they are left alone without a warning.
	"Rollout": {[]string{"argoproj.io"}, []string{"spec", "template", "spec"}},
}

// workload is one resource that may carry a Pod spec, with the metadata
// that selection and templating read. It is built once per resource and
// shared by every injection.
type workload struct {
	// item is the document the workload came in: itself, or a List.
	item *yaml.Node
	node *yaml.Node
	// field is the path prefix of the workload inside item, for results.
	field string

	ref Ref
	// res is what selectors look at: built once, read by every
	// injection's targets and excludes.
	res         v1alpha1.Resource
	localConfig bool
	// unreadable: its apiVersion is not one the API machinery reads
	// ("apps/v1/x", two slashes or more): not a workload.
	unreadable bool
	owned      bool
	data       *TemplateData
	// ns is the workload's Namespace, when the input holds it.
	ns *namespace
	// pending are the status annotations written and not encoded yet,
	// by the annotations mapping they are in.
	pending map[*yaml.Node]*pendingStatus
	// meter measures the pod's resources for every injection's report.
	meter meter
	// pods are the pods found, by podSpecPath.
	pods map[string]foundPod
	// parsed are the status annotations read, by their value node.
	parsed map[*yaml.Node]*pendingStatus
	// names counts the names of the pod's containers.
	names podNames
}

// podNames counts the names in a pod's containers and initContainers,
// kept from one injection to the next: a list that is the last one with
// containers put in front or at the end costs only what was added (the
// rest is compared by pointer), so that a thousand injections do not each
// read a thousand names.
type podNames struct {
	spec  *yaml.Node
	lists [2][]*yaml.Node
	count map[string]int
}

// anyOf reports whether a container of the pod has one of names.
func (pn *podNames) anyOf(spec *yaml.Node, names map[string]bool) bool {
	pn.update(spec)
	for name := range names {
		if pn.count[name] > 0 {
			return true
		}
	}
	return false
}

func (pn *podNames) update(spec *yaml.Node) {
	if pn.spec != spec {
		*pn = podNames{spec: spec, count: map[string]int{}}
	}
	for i, key := range []string{"containers", "initContainers"} {
		nodes, old := yamlnode.Seq(spec, key), pn.lists[i]
		n, o := len(nodes), len(old)
		var added []*yaml.Node
		switch {
		case n >= o && slices.Equal(nodes[n-o:], old):
			added = nodes[:n-o]
		case n >= o && slices.Equal(nodes[:o], old):
			added = nodes[o:]
		default:
			for _, c := range old {
				pn.count[yamlnode.Str(c, "name")]--
			}
			added = nodes
		}
		for _, c := range added {
			pn.count[yamlnode.Str(c, "name")]++
		}
		pn.lists[i] = append(old[:0], nodes...)
	}
}

// pendingStatus is a status annotation as the last injection left it:
// the next injection reads it from here, and its text is made once, when
// every injection has run (a status of 1,000 entries encoded after each
// of 1,000 injections, and parsed before each, would cost a million).
type pendingStatus struct {
	node   *yaml.Node // the annotation's value
	st     Status
	owners owners
}

// owners counts, by container name, the injections whose status entry
// records a container of that name: asked for each app container by
// every injection, it is kept up to date, not recounted.
type owners map[string]int

func newOwners(st Status) owners {
	o := owners{}
	for _, e := range st {
		o.count(e, 1)
	}
	return o
}

// count adds d to the count of each container e records.
func (o owners) count(e *Entry, d int) {
	for _, list := range [][]string{e.Containers, e.InitContainers} {
		for _, name := range list {
			o[name] += d
		}
	}
}

// writeStatus sets the status annotation of the pod whose annotations
// mapping this is, as its last annotation (so that where it sits does not
// depend on the order injections ran in). Its text waits for
// flushStatus.
func (w *workload) writeStatus(annotations *yaml.Node, st Status, o owners) {
	p := w.pending[annotations]
	if p == nil {
		if w.pending == nil {
			w.pending = map[*yaml.Node]*pendingStatus{}
		}
		p = &pendingStatus{node: newScalar("")}
		w.pending[annotations] = p
	}
	p.st, p.owners = st, o
	deleteField(annotations, StatusAnnotation)
	setField(annotations, StatusAnnotation, p.node, "")
}

// dropStatus takes the status annotation away.
func (w *workload) dropStatus(annotations *yaml.Node) {
	deleteField(annotations, StatusAnnotation)
	delete(w.pending, annotations)
}

// readStatus returns the pod's status: the one an injection of this run
// wrote, or else the annotation's, decoded.
func (w *workload) readStatus(meta *yaml.Node) (Status, owners, error) {
	annotations := yamlnode.Field(meta, "annotations")
	if p := w.pending[annotations]; p != nil && yamlnode.Field(annotations, StatusAnnotation) == p.node {
		return p.st, p.owners, nil
	}
	n := yamlnode.Field(annotations, StatusAnnotation)
	if r, ok := w.parsed[n]; ok {
		return r.st, r.owners, nil
	}
	st, err := readStatus(meta)
	if err != nil {
		return nil, nil, err
	}
	// Read once: a second run of 1,000 injections, each up to date,
	// would otherwise parse it 1,000 times. Any change installs a new
	// node (writeStatus), so the node stands for its text.
	r := &pendingStatus{node: n, st: st, owners: newOwners(st)}
	if n != nil {
		if w.parsed == nil {
			w.parsed = map[*yaml.Node]*pendingStatus{}
		}
		w.parsed[n] = r
	}
	return r.st, r.owners, nil
}

// findPod finds the pod for path once: every injection of a run asks.
func (w *workload) findPod(path []string) (*pod, error) {
	key := strings.Join(path, "/")
	if f, ok := w.pods[key]; ok {
		return f.p, f.err
	}
	p, err := findPod(w, path)
	if w.pods == nil {
		w.pods = map[string]foundPod{}
	}
	w.pods[key] = foundPod{p, err}
	return p, err
}

type foundPod struct {
	p   *pod
	err error
}

// flushStatus writes the text of every status annotation written, and
// returns the size of pod annotations that now pass the API server's
// limit (0: none), and how much of it is the status annotation.
func (w *workload) flushStatus() (tooLarge, status int) {
	for annotations, p := range w.pending {
		p.node.Value = p.st.encode()
		if all := yamlnode.StringMap(annotations); apivalidation.ValidateAnnotationsSize(all) != nil {
			tooLarge, status = annotationsSize(all), len(StatusAnnotation)+len(p.node.Value)
		}
	}
	w.pending = nil
	return tooLarge, status
}

// annotationsSize is what the API server counts of annotations against
// its limit: every key and value.
func annotationsSize(annotations map[string]string) int {
	n := 0
	for k, v := range annotations {
		n += len(k) + len(v)
	}
	return n
}

func newWorkload(item, node *yaml.Node, fieldPrefix string) *workload {
	meta := yamlnode.Field(node, "metadata")
	w := &workload{
		item:  item,
		node:  node,
		field: fieldPrefix,
		ref: Ref{
			APIVersion: yamlnode.Str(node, "apiVersion"),
			Kind:       yamlnode.Str(node, "kind"),
			Name:       yamlnode.Str(meta, "name"),
			Namespace:  yamlnode.Str(meta, "namespace"),
		},
	}
	gv, err := schema.ParseGroupVersion(w.ref.APIVersion)
	w.unreadable = err != nil
	w.res = v1alpha1.Resource{
		Group: gv.Group, Version: gv.Version, Kind: w.ref.Kind, Name: w.ref.Name, Namespace: w.ref.Namespace,
		Labels:      yamlnode.StringMap(yamlnode.Field(meta, "labels")),
		Annotations: yamlnode.StringMap(yamlnode.Field(meta, "annotations")),
	}
	w.localConfig = w.res.Annotations[localConfigAnnotation] == "true"
	if o := yamlnode.Field(meta, "ownerReferences"); o != nil && o.Kind == yaml.SequenceNode && len(o.Content) > 0 {
		w.owned = true
	}
	return w
}

func (w *workload) templateData() *TemplateData {
	if w.data == nil {
		w.data = &TemplateData{
			Name: w.ref.Name, Namespace: w.ref.Namespace, Kind: w.ref.Kind,
			Labels: w.res.Labels, Annotations: w.res.Annotations,
		}
		if w.data.Labels == nil {
			w.data.Labels = map[string]string{}
		}
		if w.data.Annotations == nil {
			w.data.Annotations = map[string]string{}
		}
	}
	return w.data
}

// podSpecPath returns where this workload keeps its Pod spec for inj, or
// nil when it is not a workload. Kinds the injection declares come first,
// so a user can override a built-in path.
func (w *workload) podSpecPath(inj *Injection) []string {
	for _, k := range inj.kinds {
		if k.kind == w.ref.Kind && (k.group == "" || k.group == w.res.Group) {
			return k.path
		}
	}
	b, ok := builtinKinds[w.ref.Kind]
	if !ok {
		return nil
	}
	for _, g := range b.groups {
		if g == w.res.Group {
			if w.ref.Kind == "Rollout" && yamlnode.Field(yamlnode.Field(w.node, "spec"), "template") == nil {
				return nil
			}
			return b.path
		}
	}
	return nil
}

// pod is the Pod spec of a workload and the metadata next to it.
type pod struct {
	// holder is the mapping whose "spec" (or last path element) is the
	// Pod spec: the Pod itself or its template. Its metadata carries
	// the status annotation.
	holder *yaml.Node
	spec   *yaml.Node
	// path and metaPath are the field paths of the spec and of the
	// holder's metadata, for results.
	path, metaPath string
}

// errNoTemplate means the workload has no Pod template to inject into.
type errNoTemplate struct{ path string }

func (e errNoTemplate) Error() string { return e.path + ": no Pod template" }

// podError is a Pod template field of the wrong shape: the field path
// and what is wrong with it, kept apart so no one parses the text.
type podError struct{ at, msg string }

func (e *podError) Error() string { return e.at + ": " + e.msg }

func podErrorf(at, format string, args ...any) error {
	return &podError{at: at, msg: fmt.Sprintf(format, args...)}
}

// findPod walks path. A missing or null step means there is no template
// (a warning); a step of the wrong type, or a Pod spec whose lists are not
// lists of objects, is an error naming the field.
func findPod(w *workload, path []string) (*pod, error) {
	cur := w.node
	var holder *yaml.Node
	at, holderAt := w.field, w.field
	for _, step := range path {
		holder, holderAt = cur, at
		at = joinNonEmpty(at, step)
		next := yamlnode.Field(cur, step)
		if yamlnode.IsNull(next) {
			return nil, errNoTemplate{at}
		}
		if next.Kind != yaml.MappingNode {
			return nil, podErrorf(at, "expected an object, got %s", yamlnode.Describe(next))
		}
		cur = next
	}
	if holder != w.node && (len(path) < 2 || path[len(path)-2] != "template") {
		// A Pod spec that is not in a pod template (podSpecPath:
		// spec/podSpec) has no metadata of its own that the kind's
		// schema allows: the status goes on the resource's metadata.
		holder, holderAt = w.node, w.field
	}
	p := &pod{holder: holder, spec: cur, path: at, metaPath: joinNonEmpty(holderAt, "metadata")}
	for _, list := range []string{"containers", "initContainers", "volumes", "imagePullSecrets"} {
		v := yamlnode.Field(cur, list)
		if yamlnode.IsNull(v) {
			continue
		}
		if v.Kind != yaml.SequenceNode {
			return nil, podErrorf(at+"."+list, "expected a list, got %s", yamlnode.Describe(v))
		}
		for i, c := range v.Content {
			if c.Kind != yaml.MappingNode {
				return nil, podErrorf(fmt.Sprintf("%s.%s[%d]", at, list, i), "expected an object, got %s", yamlnode.Describe(c))
			}
		}
	}
	for _, list := range []string{"containers", "initContainers"} {
		for i, c := range yamlnode.Seq(cur, list) {
			for _, sub := range []string{"env", "volumeMounts", "ports"} {
				v := yamlnode.Field(c, sub)
				if yamlnode.IsNull(v) {
					continue
				}
				if v.Kind != yaml.SequenceNode {
					return nil, podErrorf(fmt.Sprintf("%s.%s[%d].%s", at, list, i, sub), "expected a list, got %s", yamlnode.Describe(v))
				}
			}
		}
	}
	if m := yamlnode.Field(holder, "metadata"); !yamlnode.IsNull(m) && m.Kind != yaml.MappingNode {
		return nil, podErrorf(p.metaPath, "expected an object, got %s", yamlnode.Describe(m))
	}
	return p, nil
}

func joinNonEmpty(a, b string) string {
	if a == "" {
		return b
	}
	return a + "." + b
}
