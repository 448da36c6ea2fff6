package fn

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The items of a ResourceList are read an item at a time when its layout
// allows, and whole otherwise; both must give the same output.
func TestItemsReadEitherWay(t *testing.T) {
	t.Parallel()
	const cfg = "functionConfig:\n  apiVersion: inject-sidecars.dev/v1alpha1\n  kind: SidecarInjection\n  metadata: {name: mesh}\n  spec:\n    containers:\n    - {name: proxy, image: 'envoy:1', resources: {requests: {cpu: 1m, memory: 1Mi}, limits: {cpu: 1m, memory: 1Mi}}}\n"
	const items = `- apiVersion: v1
  kind: Pod
  metadata:
    name: a
  spec:
    containers:
    - name: app
      image: app:1
      command:
      - sh
      - -c
      - |
        echo one

          indented after a blank line
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: untouched}
  data: {k: v}
-   apiVersion: v1
    kind: Pod
    metadata:
      name: b
    spec:
      containers:
      - {name: app, image: 'app:1'}
`
	head := "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\n"
	run := func(t *testing.T, in string) (string, []any) {
		t.Helper()
		var out bytes.Buffer
		if _, err := Run(strings.NewReader(in), &out, nil); err != nil {
			t.Fatal(err)
		}
		rl, err := ParseResourceList(out.Bytes())
		if err != nil {
			t.Fatalf("%v\n%s", err, out.String())
		}
		var data []any
		for _, it := range rl.Items {
			var v any
			if err := it.YNode().Decode(&v); err != nil {
				t.Fatal(err)
			}
			data = append(data, v)
		}
		return out.String(), data
	}
	if _, _, ok := splitItems(head + "items:\n" + items + cfg); !ok {
		t.Fatal("the simple layout was not split")
	}
	out, want := run(t, head+"items:\n"+items+cfg)
	if !strings.Contains(out, "  metadata: {name: untouched}\n  data: {k: v}\n") {
		t.Errorf("an untouched item was not written as it came:\n%s", out)
	}
	if len(want) != 3 || !strings.Contains(out, "name: proxy") {
		t.Fatalf("items: %v", want)
	}
	indented := "items:\n" + strings.ReplaceAll("  "+strings.ReplaceAll(items, "\n", "\n  "), "\n  \n", "\n\n")
	for name, in := range map[string]string{
		"indented dashes":      head + strings.TrimSuffix(indented, "  ") + cfg,
		"alias across items":   head + "items:\n" + strings.Replace(strings.Replace(items, "data: {k: v}", "data: &d {k: v}", 1), "kind: Pod\n    metadata:\n      name: b", "kind: Pod\n    metadata:\n      name: b\n      labels: *d", 1) + cfg,
		"functionConfig first": head + cfg + "items:\n" + items,
		"comment at column 0":  head + "items:\n" + strings.Replace(items, "- apiVersion: v1\n  kind: ConfigMap", "# a comment\n- apiVersion: v1\n  kind: ConfigMap", 1) + cfg,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, got := run(t, in)
			if name == "alias across items" {
				// The alias adds a label to b: compare without it.
				b := got[2].(map[string]any)["metadata"].(map[string]any)
				delete(b, "labels")
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("(-split +whole):\n%s", diff)
			}
		})
	}
}

// TestItemsSplitOnlyWhenSafe: the item-by-item read gives way to the
// whole read wherever it would read or write something else: a line of
// a tab (not blank to YAML), a last item with no line end (writing it
// back with one would change a block scalar's value), a carriage return
// (a line break of its own to YAML; processKRM makes CRLF line ends LF
// before it splits: TestCRLFSameAsLF). (A second
// "items:" key is refused by reading what is left: TestResourceListKeysOnce.)
func TestItemsSplitOnlyWhenSafe(t *testing.T) {
	t.Parallel()
	const head = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\n"
	const item = "- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: c}\n  data:\n    k: |\n      text\n"
	for name, tt := range map[string]struct {
		in string
		ok bool
	}{
		"simple":                  {head + "items:\n" + item, true},
		"a line of a tab":         {head + "items:\n" + strings.Replace(item, "      text\n", "      text\n\t\n      more\n", 1), false},
		"a line of spaces":        {head + "items:\n" + strings.Replace(item, "      text\n", "      text\n   \n      more\n", 1), true},
		"no line end at the end":  {head + "items:\n" + strings.TrimSuffix(item, "\n"), false},
		"no line end after items": {head + "items:\n" + item + "functionConfig: {}", true},
		"CRLF line ends":          {strings.ReplaceAll(head+"items:\n"+item, "\n", "\r\n"), false},
	} {
		if _, _, ok := splitItems(tt.in); ok != tt.ok {
			t.Errorf("%s: split %v, want %v", name, ok, tt.ok)
		}
	}
}

// TestResourceListKeysOnce: a ResourceList with one of its keys twice is
// an error, whichever way it is read, rather than one of the two read.
func TestResourceListKeysOnce(t *testing.T) {
	t.Parallel()
	const item = "- apiVersion: v1\n  kind: Pod\n  metadata: {name: p}\n  spec:\n    containers: [{name: app, image: 'a:1'}]\n"
	for _, in := range []string{
		"apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\nitems:\n" + item,
		"apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n  " + strings.ReplaceAll(strings.TrimSuffix(item, "\n"), "\n", "\n  ") + "\nitems: []\n",
	} {
		rl, err := RunList(strings.NewReader(in), io.Discard, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(rl.Results) != 1 || !strings.Contains(rl.Results[0].Message, `the ResourceList has the key "items" twice`) {
			t.Errorf("results %v, want the duplicate key named\n%s", rl.Results, in)
		}
	}
}

// TestItemLinesCountFromTheInput: an item read on its own reports lines
// of the input, as the whole read does, not of the item.
func TestItemLinesCountFromTheInput(t *testing.T) {
	t.Parallel()
	items := "- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: c}\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: p}\n  metadata: {name: q}\n  spec:\n    containers: [{name: app, image: 'a:1'}]\n"
	head := "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\n"
	cfg := "functionConfig:\n  apiVersion: inject-sidecars.dev/v1alpha1\n  kind: SidecarInjection\n  metadata: {name: mesh}\n  spec:\n    containers: [{name: proxy, image: 'envoy:1'}]\n"
	message := func(in string) string {
		rl, err := RunList(strings.NewReader(in), io.Discard, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rl.Results {
			if strings.Contains(r.Message, "duplicate key") {
				return r.Message
			}
		}
		t.Fatalf("no duplicate key reported: %v", rl.Results)
		return ""
	}
	split := head + "items:\n" + items + cfg
	if _, _, ok := splitItems(split); !ok {
		t.Fatal("not split")
	}
	whole := head + "items:\n  " + strings.ReplaceAll(strings.TrimSuffix(items, "\n"), "\n", "\n  ") + "\n" + cfg
	if got, want := message(split), message(whole); got != want || !strings.Contains(got, "(line 10; first at line 9)") {
		t.Errorf("read by item: %s\nread whole:   %s\nwant lines 10 and 9", got, want)
	}
}

// readText reads all of its input whatever the size stat gives: exact
// (a file), none (a pipe), or wrong (a /proc file says 0 and has text).
func TestReadText(t *testing.T) {
	t.Parallel()
	want := strings.Repeat("apiVersion: v1\nkind: ResourceList\n", 5000)
	file := filepath.Join(t.TempDir(), "rl.yaml")
	if err := os.WriteFile(file, []byte(want), 0o600); err != nil {
		t.Fatal(err)
	}
	open := func(path string) func(t *testing.T) io.Reader {
		return func(t *testing.T) io.Reader {
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { f.Close() })
			return f
		}
	}
	pipe := func(t *testing.T) io.Reader {
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		go func() {
			io.WriteString(w, want)
			w.Close()
		}()
		t.Cleanup(func() { r.Close() })
		return r
	}
	for _, c := range []struct {
		name  string
		in    func(t *testing.T) io.Reader
		exact bool // the text is want
	}{
		{"file", open(file), true},
		{"pipe", pipe, true},
		{"reader", func(*testing.T) io.Reader { return strings.NewReader(want) }, true},
		{"size 0 with text", open("/proc/self/status"), false},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := readText(c.in(t))
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case c.exact && got != want:
				t.Errorf("read %d bytes, want the %d written", len(got), len(want))
			case !c.exact && !strings.Contains(got, "\nPid:"):
				t.Errorf("read %q, want all of /proc/self/status", got)
			}
		})
	}
}

// A bug's panic on an item's worker is one error result saying it is a
// bug, with no items written, not a crash with a stack trace. (Not
// parallel: it sets testHookItem.)
func TestPanicOnItemWorker(t *testing.T) {
	var in strings.Builder
	in.WriteString("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n")
	for i := range 40 {
		fmt.Fprintf(&in, "- apiVersion: v1\n  kind: Pod\n  metadata:\n    name: p%d\n  spec:\n    containers:\n    - {name: app, image: 'app:1'}\n", i)
	}
	in.WriteString("functionConfig:\n  apiVersion: inject-sidecars.dev/v1alpha1\n  kind: SidecarInjection\n  metadata: {name: mesh}\n  spec:\n    containers:\n    - {name: proxy, image: 'envoy:1'}\n")
	if _, _, ok := splitItems(in.String()); !ok {
		t.Fatal("the list was not split into items")
	}
	testHookItem = func(raw string) {
		if strings.Contains(raw, "name: p30\n") {
			panic("boom")
		}
	}
	defer func() { testHookItem = nil }()
	var out bytes.Buffer
	results, err := Run(strings.NewReader(in.String()), &out, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(results) != 1 || !strings.Contains(results[0].Message, "this is a bug in inject-sidecars") || !strings.Contains(results[0].Message, "boom") {
		t.Errorf("results %v, want one saying it is a bug", results)
	}
	if !strings.Contains(out.String(), "items: []\n") {
		t.Errorf("items written after a bug:\n%s", out.String())
	}
}

// layoutList has an untouched item not written as yaml.v3 writes it:
// an indented block sequence, two spaces before a comment, a folded
// scalar.
const layoutList = `apiVersion: config.kubernetes.io/v1
kind: ResourceList
items:
- apiVersion: v1
  kind: ConfigMap   # kept
  metadata:
    name: untouched
  data:
    folded: >
      one
      two
    script: |
      one
      two
    list:
      - a
      - b
- apiVersion: v1
  kind: Pod
  metadata:
    name: a
  spec:
    containers:
    - {name: app, image: 'app:1'}
functionConfig:
  apiVersion: inject-sidecars.dev/v1alpha1
  kind: SidecarInjection
  metadata: {name: mesh}
  spec:
    containers:
    - {name: proxy, image: 'envoy:1'}
`

func runList(t *testing.T, in string) string {
	t.Helper()
	var out bytes.Buffer
	if _, err := Run(strings.NewReader(in), &out, nil); err != nil {
		t.Fatal(err)
	}
	return out.String()
}

// The same list with CRLF line ends comes out as with LF, with LF line
// ends only, for any layout of the untouched items: both keep them as
// they came (an untouched item kept its CRLF among changed items' LF,
// and reading a CRLF list whole rewrote them, as yaml.v3 writes).
func TestCRLFSameAsLF(t *testing.T) {
	t.Parallel()
	lf := runList(t, layoutList)
	crlf := runList(t, strings.ReplaceAll(layoutList, "\n", "\r\n"))
	if strings.Contains(crlf, "\r") {
		t.Errorf("carriage returns in the output:\n%q", crlf)
	}
	if !strings.Contains(crlf, "name: proxy") || !strings.Contains(crlf, "    script: |\n      one\n      two\n") {
		t.Errorf("the items did not come out:\n%s", crlf)
	}
	if lf != crlf {
		t.Errorf("CRLF and LF inputs differ (-LF +CRLF):\n%s", cmp.Diff(lf, crlf))
	}
	// One carriage return anywhere, here in a comment, is enough.
	oneCR := runList(t, strings.Replace(layoutList, "name: a\n", "name: a # x\r\n", 1))
	if want := strings.Replace(lf, "name: a\n", "name: a # x\n", 1); oneCR != want {
		t.Errorf("one CR changed the other items (-LF +one CR):\n%s", cmp.Diff(want, oneCR))
	}
}

// The word "emit" outside the items (here in an annotation of the
// functionConfig, not spec.admission.emit) changes nothing: only a
// config that emits admission policies is run on the whole list (the
// word alone did that, and rewrote the untouched items).
func TestEmitWordSameOutput(t *testing.T) {
	t.Parallel()
	const from = "metadata: {name: mesh}"
	without := runList(t, strings.Replace(layoutList, from, "metadata: {name: mesh, annotations: {note: other}}", 1))
	with := runList(t, strings.Replace(layoutList, from, "metadata: {name: mesh, annotations: {note: emitter}}", 1))
	if want := strings.Replace(without, "note: other", "note: emitter", 1); with != want {
		t.Errorf("the word emit changed the items (-without +with):\n%s", cmp.Diff(want, with))
	}
}
