package fn

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"strconv"
	"strings"
	"sync"

	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/kio/kioutil"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/inject-sidecars/inject-sidecars/admission"
	"github.com/inject-sidecars/inject-sidecars/api/v1alpha1"
	"github.com/inject-sidecars/inject-sidecars/internal/krmresults"
	"github.com/inject-sidecars/inject-sidecars/internal/safetext"
	"github.com/inject-sidecars/inject-sidecars/internal/workers"
	"github.com/inject-sidecars/inject-sidecars/internal/yamlnode"
	"github.com/inject-sidecars/inject-sidecars/transform"
)

const resourceListAPIVersion = "config.kubernetes.io/v1"

// ResourceList is a KRM function input or output, unwrapped.
type ResourceList struct {
	APIVersion     string
	Items          []*yaml.RNode
	FunctionConfig *yaml.RNode
	Results        framework.Results

	// itemText, when set, is the items already written out (see
	// processItems), in place of Items.
	itemText []string
}

// ReadResourceList reads exactly one ResourceList document. Unlike
// kio.ByteReader, it says what is wrong with input that is not one, rather
// than reading it as an empty list.
func ReadResourceList(in io.Reader) (*ResourceList, error) {
	data, err := io.ReadAll(in)
	if err != nil {
		return nil, fmt.Errorf("reading stdin: %w", err)
	}
	return ParseResourceList(data)
}

// ParseResourceList parses a ResourceList read whole.
func ParseResourceList(data []byte) (*ResourceList, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, fmt.Errorf("stdin is empty: expected a ResourceList (kind: ResourceList); to run on manifests, use -c CONFIG")
	}
	if !yamlnode.IsText(data) {
		return nil, fmt.Errorf("stdin is not text: expected a ResourceList in YAML or JSON")
	}
	// One decoder over the bytes, rather than kio.ByteReader, which makes
	// three copies of the input on the way: at 100 MB they show.
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("stdin is not valid YAML: %s", yamlnode.FirstLine(err))
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, fmt.Errorf("stdin holds more than one YAML document: expected one ResourceList (kind: ResourceList); to run on manifests, use -c CONFIG")
	} else if !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("stdin is not valid YAML: %s", yamlnode.FirstLine(err))
	}
	if len(doc.Content) == 0 {
		return nil, fmt.Errorf("stdin is empty: expected a ResourceList (kind: ResourceList); to run on manifests, use -c CONFIG")
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("stdin is %s: expected a ResourceList (kind: ResourceList)", yamlnode.Describe(root))
	}
	if kind := yamlnode.Str(root, "kind"); kind != kio.ResourceListKind {
		switch kind {
		case "":
			kind = "an object without kind"
		case v1alpha1.Kind:
			// The config alone, piped in: the user meant plain mode.
			return nil, fmt.Errorf("stdin is a SidecarInjection, an injection config: give it with -c, and the manifests after it (inject-sidecars -c inject.yaml app.yaml); with no arguments, inject-sidecars reads a ResourceList")
		}
		return nil, fmt.Errorf("stdin is %s: expected a ResourceList (kind: ResourceList); to run on manifests, use -c CONFIG", kind)
	}
	if err := uniqueKeys(root); err != nil {
		return nil, err
	}
	rl := &ResourceList{APIVersion: yamlnode.Str(root, "apiVersion")}
	if rl.APIVersion == "" {
		rl.APIVersion = resourceListAPIVersion
	}
	if items := yamlnode.Field(root, "items"); !yamlnode.IsNull(items) {
		if items.Kind != yaml.SequenceNode {
			return nil, fmt.Errorf("ResourceList items: expected a list, got %s", yamlnode.Describe(items))
		}
		for i, it := range items.Content {
			if it.Kind != yaml.MappingNode {
				return nil, fmt.Errorf("ResourceList items[%d]: expected an object, got %s", i, yamlnode.Describe(it))
			}
			rl.Items = append(rl.Items, yaml.NewRNode(it))
		}
	}
	if fc := yamlnode.Field(root, "functionConfig"); !yamlnode.IsNull(fc) {
		rl.FunctionConfig = yaml.NewRNode(fc)
	}
	return rl, nil
}

// uniqueKeys refuses a ResourceList that has one of its own keys twice
// (two "items:", say): which one counts would depend on how it is read.
// Items' keys are checked where each item is read.
func uniqueKeys(root *yaml.Node) error {
	if d := yamlnode.DuplicateKeys(root); len(d) > 0 {
		return fmt.Errorf("stdin: the ResourceList has the key %s twice (lines %d and %d): a YAML mapping holds each key once", safetext.Quote(d[0].Key, safetext.MaxValue), d[0].First, d[0].Line)
	}
	return nil
}

// WriteResourceList writes rl as one YAML document. Each item is
// encoded on its own, as a one-element list at the top level, which is
// exactly how it prints inside "items:": yaml.v3's emitter keeps every
// event of a document until the document ends, so one document of 10,000
// resources costs far more than 10,000 small ones. Nothing is copied: the
// process ends right after.
func WriteResourceList(out io.Writer, rl *ResourceList) error {
	w := bufio.NewWriterSize(out, 1<<16)
	fmt.Fprintf(w, "apiVersion: %s\nkind: %s\n", yamlString(rl.APIVersion), kio.ResourceListKind)
	switch {
	case rl.itemText != nil:
		w.WriteString("items:\n")
		if err := writeItems(w, rl.itemText); err != nil {
			return err
		}
	case len(rl.Items) == 0:
		w.WriteString("items: []\n")
	default:
		w.WriteString("items:\n")
	}
	if err := writeEach(w, rl.Items, (*yaml.RNode).YNode); err != nil {
		return err
	}
	if rl.FunctionConfig != nil {
		fc := &yaml.Node{Kind: yaml.MappingNode, Tag: yaml.NodeTagMap, Content: []*yaml.Node{
			{Kind: yaml.ScalarNode, Value: "functionConfig"}, rl.FunctionConfig.YNode()}}
		if err := encode(w, fc); err != nil {
			return err
		}
	}
	if len(rl.Results) > 0 {
		w.WriteString("results:\n")
	}
	if err := writeEach(w, rl.Results, resultNode); err != nil {
		return err
	}
	return w.Flush()
}

// writeEach encodes each of items (node gives its YAML) as an item of a
// block sequence, on every core, and writes them in order: the same
// bytes as one by one. Each is encoded on its own: yaml.v3's emitter
// keeps every event of a stream until the stream ends, so one encoder
// for a whole list would hold all of them.
//
// A result takes microseconds to encode, about what handing it to a
// worker and back costs, so they go to the workers in batches.
func writeEach[T any](w io.Writer, items []T, node func(T) *yaml.Node) error {
	return workers.OrderedBatches(workers.Window(), workers.Batch[T]{Items: encodeBatch}, workers.FromSlice(items),
		func(it T) (*bytes.Buffer, error) {
			b := buffers.Get().(*bytes.Buffer)
			b.Reset()
			err := encode(b, &yaml.Node{Kind: yaml.SequenceNode, Tag: yaml.NodeTagSeq, Content: []*yaml.Node{node(it)}})
			return b, err
		},
		func(b *bytes.Buffer) error {
			_, err := w.Write(b.Bytes())
			buffers.Put(b)
			return err
		})
}

// encodeBatch is how many items writeEach gives a worker at a time.
const encodeBatch = 32

// buffers are writeEach's encoding buffers, reused.
var buffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// resultNode builds the YAML of a result directly: marshalling 10,000
// results through reflection and back costs a tenth of a run.
func resultNode(r *framework.Result) *yaml.Node {
	m := &yaml.Node{Kind: yaml.MappingNode, Tag: yaml.NodeTagMap}
	add := func(parent *yaml.Node, key, value string) {
		if value != "" {
			parent.Content = append(parent.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: key},
				&yaml.Node{Kind: yaml.ScalarNode, Tag: yaml.NodeTagString, Value: value})
		}
	}
	sub := func(key string) *yaml.Node {
		n := &yaml.Node{Kind: yaml.MappingNode, Tag: yaml.NodeTagMap}
		m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: key}, n)
		return n
	}
	add(m, "message", r.Message)
	add(m, "severity", string(r.Severity))
	if ref := r.ResourceRef; ref != nil {
		n := sub("resourceRef")
		add(n, "apiVersion", ref.APIVersion)
		add(n, "kind", ref.Kind)
		add(n, "name", ref.Name)
		add(n, "namespace", ref.Namespace)
	}
	if r.Field != nil && r.Field.Path != "" {
		add(sub("field"), "path", r.Field.Path)
	}
	if r.File != nil && r.File.Path != "" {
		n := sub("file")
		add(n, "path", r.File.Path)
		if r.File.Index != 0 {
			n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: "index"},
				&yaml.Node{Kind: yaml.ScalarNode, Tag: yaml.NodeTagInt, Value: strconv.Itoa(r.File.Index)})
		}
	}
	return m
}

func encode(w io.Writer, n *yaml.Node) error {
	enc := yaml.NewEncoder(w)
	if err := enc.Encode(&yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{n}}); err != nil {
		return err
	}
	return enc.Close()
}

// yamlString quotes s if it would not read back as the same string.
func yamlString(s string) string {
	out, err := yaml.String(&yaml.Node{Kind: yaml.ScalarNode, Tag: yaml.NodeTagString, Value: s}, yaml.Trim)
	if err != nil {
		return s
	}
	return out
}

// Run is the KRM function: a ResourceList on in, the transformed
// ResourceList on out. Even when a result is an error it writes a
// ResourceList carrying the results, as the KRM functions spec asks, so
// kpt shows them; the caller decides what the results mean for the exit
// code. The error is set only when the output could not be written.
//
// onInput, when set, is told the input's size once it is read, before it
// is parsed: main tunes the garbage collector with it.
func Run(in io.Reader, out io.Writer, onInput func(bytes int64)) (framework.Results, error) {
	rl, err := RunList(in, out, onInput)
	return rl.Results, err
}

// RunList is Run, returning the list written: its results, and what
// FromKpt tells of the orchestrator.
func RunList(in io.Reader, out io.Writer, onInput func(bytes int64)) (*ResourceList, error) {
	rl := processKRM(in, onInput)
	krmresults.Safe(rl.Results)
	if err := WriteResourceList(out, rl); err != nil {
		return rl, fmt.Errorf("writing the ResourceList: %w", err)
	}
	return rl, nil
}

// kptAnnotations are what kpt, and neither kustomize nor a hand-written
// ResourceList, puts on the functionConfig it reads from a file: under
// kpt fn eval --fn-config (seqindent) or a Kptfile's configPath
// (package-path).
var kptAnnotations = []string{
	"internal.config.kubernetes.io/seqindent",
	"internal.config.kubernetes.io/package-path",
}

// kptFunctionInput is the name of the ConfigMap kpt fn eval makes of
// "-- key=value" arguments.
const kptFunctionInput = "function-input"

// FromKpt reports whether kpt wrote the list, judged by its
// functionConfig. kpt prints a failed function's results and its stderr
// both, so the command prints error results to stderr only when the list
// is not kpt's: kustomize shows nothing but stderr.
func (rl *ResourceList) FromKpt() bool {
	if rl == nil || rl.FunctionConfig == nil {
		return false
	}
	fc := rl.FunctionConfig.YNode()
	meta := yamlnode.Field(fc, "metadata")
	if yamlnode.Str(fc, "kind") == "ConfigMap" && yamlnode.Str(meta, "name") == kptFunctionInput && yamlnode.Field(meta, "annotations") == nil {
		return true
	}
	annos := yamlnode.Field(meta, "annotations")
	for _, a := range kptAnnotations {
		if yamlnode.Field(annos, a) != nil {
			return true
		}
	}
	return false
}

// processKRM reads and processes the input; whatever goes wrong becomes
// an error result in the list it returns.
func processKRM(in io.Reader, onInput func(int64)) (rl *ResourceList) {
	fail := func(err error) *ResourceList {
		return &ResourceList{APIVersion: resourceListAPIVersion, Results: framework.Results{{Message: err.Error(), Severity: framework.Error}}}
	}
	data, err := readText(in)
	if err != nil {
		return fail(fmt.Errorf("reading stdin: %w", err))
	}
	if onInput != nil {
		onInput(int64(len(data)))
	}
	defer func() {
		// A panic is a bug. The user gets an error result saying so,
		// never a stack trace; the items may be half-changed, so none
		// are written.
		if r := recover(); r != nil {
			if rl == nil {
				rl = &ResourceList{APIVersion: resourceListAPIVersion}
			}
			rl.Items, rl.itemText = nil, nil
			rl.Results = append(rl.Results, bugResult(r))
		}
	}()
	// CRLF line ends are line breaks to YAML wherever they are (in a
	// quoted or block scalar too), so the list is read with LF ones: its
	// untouched items come out as they came, less the carriage returns,
	// as with LF.
	if strings.Contains(data, "\r\n") {
		data = strings.ReplaceAll(data, "\r\n", "\n")
	}
	if rest, items, ok := splitItems(data); ok {
		if head, err := ParseResourceList([]byte(rest)); err == nil && len(head.Items) == 0 {
			results, texts, err := processItems(head, items)
			if err == nil {
				head.Results, head.itemText = results, texts
				return head
			}
			// errWhole: the list is read whole below.
		}
	}
	if rl, err = ParseResourceList([]byte(data)); err != nil {
		return fail(err)
	}
	rl.Results = Process(rl)
	return rl
}

// readText reads all of in as one string, in one buffer: the items are
// slices of it. A regular file's size is known up front, so it is read
// without the buffer growing on the way.
func readText(in io.Reader) (string, error) {
	var b strings.Builder
	if f, ok := in.(interface{ Stat() (fs.FileInfo, error) }); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() && fi.Size() < math.MaxInt32 {
			b.Grow(int(fi.Size()) + bytes.MinRead)
		}
	}
	_, err := io.Copy(&b, in)
	return b.String(), err
}

func bugResult(r any) *framework.Result {
	return &framework.Result{Severity: framework.Error, Message: krmresults.Bug(r)}
}

// keepOwnComments drops the id annotations that kpt and kustomize put on
// each item from a changed one. With the id, the orchestrator copies the
// input's comments onto the output and re-sorts its fields to the
// input's order (kyaml's runtimeutil.FunctionFilter: comments.CopyComments
// and order.SyncOrder), matching list items by index: with sidecars
// placed first, every container then gets the comments and field order
// of the one that used to sit at its index. The function's output already
// holds every comment where it belongs, in the right order, so a changed
// item goes without the id and is taken as it is. Unchanged items keep
// theirs.
func keepOwnComments(item *yaml.Node) {
	annos := yamlnode.Field(yamlnode.Field(item, "metadata"), "annotations")
	if annos == nil || annos.Kind != yaml.MappingNode {
		return
	}
	for i := len(annos.Content) - 2; i >= 0; i -= 2 {
		switch annos.Content[i].Value {
		case kioutil.IdAnnotation, kioutil.LegacyIdAnnotation: //lint:ignore SA1019 older kpt writes the legacy key
			annos.Content = append(annos.Content[:i], annos.Content[i+2:]...)
		}
	}
}

// Process decodes the functionConfig and runs the injection on the items.
func Process(rl *ResourceList) framework.Results {
	inj, file, results := loadFunctionConfig(rl)
	if inj == nil {
		return results
	}
	f := &transform.Filter{Injections: []*transform.Injection{inj}}
	if _, err := f.Filter(rl.Items); err != nil {
		return append(results, &framework.Result{Severity: framework.Error, Message: err.Error()})
	}
	for _, r := range f.Results {
		if r.Changed() {
			keepOwnComments(r.Item)
		}
	}
	results = append(results, krmresults.From(f.Results, annotationLocator, map[string]*framework.File{inj.Metadata.Name: file})...)
	if a := inj.Spec.Admission; a != nil && a.Emit {
		items, errs := admissionItems(inj, file)
		rl.Items = append(rl.Items, items...)
		results = append(results, errs...)
	}
	return results
}

// admissionItems are the injection's admission policies as output items,
// at admission/<injection>.yaml, or error results saying what of the
// config admission cannot express.
func admissionItems(inj *transform.Injection, file *framework.File) ([]*yaml.RNode, framework.Results) {
	objs, err := admission.Generate(inj)
	var cerr *v1alpha1.ConfigError
	switch {
	case errors.As(err, &cerr):
		var out framework.Results
		for _, fe := range cerr.Errors {
			out = append(out, &framework.Result{Severity: framework.Error, File: file, Field: &framework.Field{Path: fe.Field},
				Message: fmt.Sprintf("%s: %s cannot be an admission policy (spec.admission.emit): %s", cerr.Ref, fe.Field, fe.Detail)})
		}
		return nil, out
	case err != nil:
		return nil, framework.Results{{Severity: framework.Error, File: file, Message: fmt.Sprintf("%s: spec.admission.emit: %v", inj.Ref(), err)}}
	}
	path := "admission/" + inj.Metadata.Name + ".yaml"
	for i, o := range objs {
		// Both keys, in a fixed order: older kpt and kustomize read the
		// legacy ones.
		annos := [][2]string{
			{kioutil.PathAnnotation, path}, {kioutil.IndexAnnotation, strconv.Itoa(i)},
			{kioutil.LegacyPathAnnotation, path},             //lint:ignore SA1019 older kpt and kustomize read the legacy key
			{kioutil.LegacyIndexAnnotation, strconv.Itoa(i)}, //lint:ignore SA1019 older kpt and kustomize read the legacy key
		}
		for _, kv := range annos {
			k, v := kv[0], kv[1]
			if err := o.PipeE(yaml.SetAnnotation(k, v)); err != nil {
				return nil, framework.Results{{Severity: framework.Error, Message: err.Error()}}
			}
		}
	}
	return objs, nil
}
