package fn

import (
	"bytes"
	"errors"
	"io"
	"slices"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/yaml"

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
// and indentation included) and the item's own YAML (dedented).
type itemText struct {
	raw, yaml string
}

// splitItems finds the items of a ResourceList in its text. rest is the
// text without them (its "items:" key left with no value); ok is false
// for any layout but the simple one.
func splitItems(data string) (rest string, items []itemText, ok bool) {
	itemsKey := itemsKeyEnd(data)
	if itemsKey < 0 {
		return "", nil, false
	}
	at := itemsKey
	var cur *strings.Builder
	var raw strings.Builder
	pad := 0
	flush := func() bool {
		if cur == nil {
			return true
		}
		items = append(items, itemText{raw: raw.String(), yaml: cur.String()})
		cur = nil
		raw.Reset()
		return true
	}
	regionEnd := len(data)
	for at < len(data) {
		end := lineEnd(data, at)
		line := data[at:end]
		switch {
		case strings.HasPrefix(line, "- ") || strings.TrimRight(line, "\r\n") == "-":
			flush()
			cur = &strings.Builder{}
			body := line[1:]
			pad = 1 + len(body) - len(strings.TrimLeft(body, " "))
			if strings.TrimSpace(body) == "" || strings.HasPrefix(strings.TrimSpace(body), "#") {
				return "", nil, false // the item starts below its dash
			}
			raw.WriteString(line)
			cur.WriteString(line[pad:])
		case strings.TrimSpace(line) == "":
			if cur == nil {
				return "", nil, false
			}
			raw.WriteString(line)
			if len(line) > pad && strings.TrimLeft(line[:pad], " ") == "" {
				cur.WriteString(line[pad:])
			} else {
				cur.WriteString(strings.TrimLeft(line, " \t"))
			}
		case line[0] == ' ':
			if cur == nil || len(line)-len(strings.TrimLeft(line, " ")) < pad {
				return "", nil, false
			}
			raw.WriteString(line)
			cur.WriteString(line[pad:])
		default:
			regionEnd = at
			at = len(data)
			continue
		}
		at = end
	}
	flush()
	if len(items) == 0 {
		return "", nil, false
	}
	return data[:itemsKey] + data[regionEnd:], items, true
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

// errWhole means the items must be read with the whole list after all.
var errWhole = errors.New("read the list whole")

// processItems runs the function over a ResourceList whose items were
// split from its text: rl holds everything but the items. It returns the
// results and each item's output text, or errWhole.
func processItems(rl *ResourceList, items []itemText) (framework.Results, []string, error) {
	var file *framework.File
	var fc *yaml.Node
	if rl.FunctionConfig != nil {
		fc = rl.FunctionConfig.YNode()
		file = annotationLocator(fc)
	}
	c, err := LoadConfig(fc, false)
	if err != nil {
		out := make([]string, len(items))
		for i, it := range items {
			if _, err := parseItem(it); err != nil {
				return nil, nil, err
			}
			out[i] = it.raw
		}
		return krmConfigResults(nil, err, file), out, nil
	}
	results := krmConfigResults(c, nil, file)
	if file != nil {
		c.Injection.Source = file.Path
	}
	f := &transform.Filter{Injections: []*transform.Injection{c.Injection}}
	namespaces, err := itemNamespaces(items)
	if err != nil {
		return nil, nil, err
	}
	f.Prepare(namespaces)
	configFile := map[string]*framework.File{c.Injection.Metadata.Name: file}

	done, out, matched, err := injectItems(f, items, configFile)
	if err != nil {
		return nil, nil, err
	}
	results = append(results, done...)
	return append(results, Results(f.Unmatched(matched), nil, configFile)...), out, nil
}

// injectItems runs processItem on every item, on every core, and gathers
// what they gave in input order: their results, their output texts, and
// which injections any of them matched.
func injectItems(f *transform.Filter, items []itemText, configFile map[string]*framework.File) (results framework.Results, out []string, matched []bool, err error) {
	out = make([]string, 0, len(items))
	matched = make([]bool, len(f.Injections))
	err = workers.Ordered(workers.Window(), workers.FromSlice(items),
		func(it itemText) (itemDone, error) { return processItem(f, it, configFile) },
		func(d itemDone) error {
			out = append(out, d.text)
			results = append(results, d.results...)
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
	dec := yaml.NewDecoder(strings.NewReader(it.yaml))
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
		if yamlnode.MayHoldNamespace(it.yaml) {
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

// processItem injects into one item, on a worker.
func processItem(f *transform.Filter, it itemText, configFile map[string]*framework.File) (itemDone, error) {
	node, err := parseItem(it)
	if err != nil {
		return itemDone{}, err
	}
	o := f.Document(node)
	d := itemDone{results: Results(o.Results, annotationLocator, configFile), matched: o.Matched(), text: it.raw}
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
