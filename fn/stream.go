package fn

import (
	"bytes"
	"errors"
	"io"
	"slices"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/inject-sidecars/inject-sidecars/internal/krmresults"
	"github.com/inject-sidecars/inject-sidecars/internal/workers"
	"github.com/inject-sidecars/inject-sidecars/internal/yamlnode"
	"github.com/inject-sidecars/inject-sidecars/transform"
)

// A ResourceList as kpt, kustomize and kyaml write it has its items in
// block style, each starting with a dash at column 0. Such a list is read
// an item at a time: each item's text is parsed, injected and encoded on
// a worker of its own (one per core), and let go, so a run holds the
// input, the output's bytes and a window of items' nodes, never the
// whole list's nodes; an item no injection changed is written back as
// its own text. Any other layout, or an item that does not parse on its
// own (an alias to another item's anchor, say), is read whole instead.

// itemText is one item of a ResourceList: its lines as they came (dash
// and indentation included), a slice of the input's text, and how many
// columns its own YAML is indented by. The dedented YAML is made on the
// worker that parses the item (yaml), so the reading goroutine only
// finds where items start.
type itemText struct {
	raw string
	pad int
	// line is the input's line the item starts on, so that messages
	// count lines from the top of the input.
	line int
}

// yaml is the item's own YAML: every line less the item's indentation
// (a blank line less what it has of it).
func (it itemText) yaml() string {
	var b strings.Builder
	b.Grow(len(it.raw))
	for at := 0; at < len(it.raw); {
		end := lineEnd(it.raw, at)
		line := it.raw[at:end]
		switch {
		case len(line) > it.pad && strings.TrimLeft(line[:it.pad], " ") == "" || at == 0:
			b.WriteString(line[it.pad:])
		default:
			b.WriteString(strings.TrimLeft(line, " \t"))
		}
		at = end
	}
	return b.String()
}

// splitItems finds the items of a ResourceList in its text. rest is the
// text without them (its "items:" key left with no value); ok is false
// for any layout but the simple one.
func splitItems(data string) (rest string, items []itemText, ok bool) {
	if strings.ContainsRune(data, '\r') {
		// A carriage return left after CRLF line ends became LF ones
		// (processKRM) is a line break of its own to YAML, where a split
		// by lines would not see one. Read whole, it all comes out with
		// LF, as kyaml writes it.
		return "", nil, false
	}
	itemsKey := itemsKeyEnd(data)
	if itemsKey < 0 {
		return "", nil, false
	}
	start, pad, startLine := -1, 0, 0
	flush := func(end int) {
		if start >= 0 {
			items = append(items, itemText{raw: data[start:end], pad: pad, line: startLine})
		}
	}
	at, regionEnd := itemsKey, len(data)
	lineNo := strings.Count(data[:itemsKey], "\n")
	for at < len(data) {
		end := lineEnd(data, at)
		line := data[at:end]
		lineNo++
		switch {
		case strings.HasPrefix(line, "- ") || strings.TrimRight(line, "\r\n") == "-":
			flush(at)
			body := line[1:]
			start, pad, startLine = at, 1+len(body)-len(strings.TrimLeft(body, " ")), lineNo
			if strings.TrimSpace(body) == "" || strings.HasPrefix(strings.TrimSpace(body), "#") {
				return "", nil, false // the item starts below its dash
			}
		case strings.TrimSpace(line) == "":
			if start < 0 || strings.ContainsAny(line, "\t\v\f") {
				// A line of a tab is not blank to YAML: the whole read
				// says what it is.
				return "", nil, false
			}
		case line[0] == ' ':
			if start < 0 || len(line)-len(strings.TrimLeft(line, " ")) < pad {
				return "", nil, false
			}
		default:
			regionEnd = at
			at = len(data)
			continue
		}
		at = end
	}
	flush(regionEnd)
	rest = data[:itemsKey] + data[regionEnd:]
	if len(items) == 0 || !strings.HasSuffix(data[:regionEnd], "\n") {
		// No items; or the last has no line end, which writing it back
		// with one would add to a block scalar's value.
		return "", nil, false
	}
	return rest, items, true
}

// itemsKeyEnd is where the line of the top-level "items:" key ends
// (its value left for the lines below), or -1 when there is none.
func itemsKeyEnd(data string) int {
	for at := 0; at < len(data); {
		end := lineEnd(data, at)
		if strings.TrimRight(data[at:end], " \t\r\n") == "items:" {
			return end
		}
		at = end
	}
	return -1
}

func lineEnd(s string, at int) int {
	if i := strings.IndexByte(s[at:], '\n'); i >= 0 {
		return at + i + 1
	}
	return len(s)
}

// itemBatch is how many items a worker takes at a time: handing one over
// costs a tenth of injecting a small one. Four made a KRM run on 5,000
// Deployments a tenth faster than one; eight and sixteen, slower again,
// with more held.
const itemBatch = 4

// errWhole means the items must be read with the whole list after all.
var errWhole = errors.New("read the list whole")

// processItems runs the function over a ResourceList whose items were
// split from its text: rl holds everything but the items. It returns the
// results and each item's output text, or errWhole.
func processItems(rl *ResourceList, items []itemText) (framework.Results, []string, error) {
	out := make([]string, len(items))
	inj, file, results := loadFunctionConfig(rl)
	if inj != nil && inj.Spec.Admission != nil && inj.Spec.Admission.Emit {
		// Admission policies join the items: the whole list's path.
		return nil, nil, errWhole
	}
	if inj == nil {
		for i, it := range items {
			if _, err := parseItem(it); err != nil {
				return nil, nil, err
			}
			out[i] = it.raw
		}
		return results, out, nil
	}
	namespaces, err := itemNamespaces(items)
	if err != nil {
		return nil, nil, err
	}
	in := transform.NewInjector([]*transform.Injection{inj}, namespaces)
	configFile := map[string]*framework.File{inj.Metadata.Name: file}

	done, out, matched, err := injectItems(in, items, configFile)
	if err != nil {
		return nil, nil, err
	}
	results = append(results, done...)
	return append(results, krmresults.From(in.Unmatched(matched), nil, configFile)...), out, nil
}

// injectItems runs processItem on every item, on every core, and gathers
// what they gave in input order: their results, their output texts, and
// which injections any of them matched.
func injectItems(in *transform.Injector, items []itemText, configFile map[string]*framework.File) (results framework.Results, out []string, matched []bool, err error) {
	out = make([]string, 0, len(items))
	err = workers.OrderedBatches(workers.Window(), workers.Batch[itemText]{Items: itemBatch}, workers.FromSlice(items),
		func(it itemText) (itemDone, error) { return processItem(in, it, configFile) },
		func(d itemDone) error {
			out = append(out, d.text)
			results = append(results, d.results...)
			if len(matched) < len(d.matched) {
				matched = append(matched, make([]bool, len(d.matched)-len(matched))...)
			}
			for j, m := range d.matched {
				matched[j] = matched[j] || m
			}
			return nil
		})
	return results, out, matched, err
}

// parseItem reads one item's text as one YAML mapping, or says errWhole:
// anything else (more than the item, not a mapping, a syntax error) the
// whole read reports.
func parseItem(it itemText) (*yaml.Node, error) {
	var doc, extra yaml.Node
	dec := yaml.NewDecoder(strings.NewReader(it.yaml()))
	if err := dec.Decode(&doc); err != nil {
		return nil, errWhole
	}
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, errWhole
	}
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, errWhole
	}
	return doc.Content[0], nil
}

// itemNamespaces parses the items that may be Namespaces
// (yamlnode.MayHoldNamespace).
func itemNamespaces(items []itemText) ([]*yaml.Node, error) {
	var namespaces []*yaml.Node
	for _, it := range items {
		if yamlnode.MayHoldNamespace(it.raw) {
			n, err := parseItem(it)
			if err != nil {
				return nil, err
			}
			namespaces = append(namespaces, n)
		}
	}
	return namespaces, nil
}

// itemDone is what one item gives: its results, which injections it
// matched, and its output text (the input's own text when unchanged).
type itemDone struct {
	results framework.Results
	matched []bool
	text    string
}

// testHookItem, when a test sets it, is called on each item's text as
// its work starts: a test panics there to see a bug's panic handled.
var testHookItem func(raw string)

// processItem injects into one item, on a worker.
func processItem(in *transform.Injector, it itemText, configFile map[string]*framework.File) (itemDone, error) {
	if testHookItem != nil {
		testHookItem(it.raw)
	}
	node, err := parseItem(it)
	if err != nil {
		return itemDone{}, err
	}
	o := in.DocumentAt(node, it.line)
	d := itemDone{results: krmresults.From(o.Results, annotationLocator, configFile), matched: o.Matched(), text: it.raw}
	if !slices.ContainsFunc(o.Results, transform.Result.Changed) {
		return d, nil
	}
	keepOwnComments(node)
	var b bytes.Buffer
	if err := encode(&b, &yaml.Node{Kind: yaml.SequenceNode, Tag: yaml.NodeTagSeq, Content: []*yaml.Node{node}}); err != nil {
		return itemDone{}, err
	}
	d.text = b.String()
	return d, nil
}

// writeItems writes pre-rendered items: each ends with its line end.
func writeItems(w io.Writer, items []string) error {
	for _, it := range items {
		if _, err := io.WriteString(w, it); err != nil {
			return err
		}
		if !strings.HasSuffix(it, "\n") {
			if _, err := io.WriteString(w, "\n"); err != nil {
				return err
			}
		}
	}
	return nil
}
