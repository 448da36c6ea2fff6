package yamlfile

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/inject-sidecars/inject-sidecars/internal/yamlnode"
)

// fresh parses a snippet into new nodes, as an injection makes them: with
// no position in any input's text.
func fresh(t *testing.T, text string) *yaml.Node {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(text), &doc); err != nil {
		t.Fatal(err)
	}
	var clear func(n *yaml.Node)
	clear = func(n *yaml.Node) {
		n.Line, n.Column = 0, 0
		for _, c := range n.Content {
			clear(c)
		}
	}
	clear(doc.Content[0])
	return doc.Content[0]
}

// at finds the node at a path of keys and list indexes ("0").
func at(t *testing.T, root *yaml.Node, path ...string) *yaml.Node {
	t.Helper()
	n := root
	for _, k := range path {
		if n.Kind == yaml.SequenceNode {
			i := int(k[0] - '0')
			n = n.Content[i]
			continue
		}
		if n = yamlnode.Field(n, k); n == nil {
			t.Fatalf("no %s", strings.Join(path, "."))
		}
	}
	return n
}

// addPair adds key: value (a snippet) at the end of a mapping.
func addPair(t *testing.T, m *yaml.Node, key, value string) {
	m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: yaml.NodeTagString, Value: key}, fresh(t, value))
}

// dropLast takes the last n members of a collection away.
func dropLast(n *yaml.Node, k int) {
	if n.Kind == yaml.MappingNode {
		k *= 2
	}
	n.Content = n.Content[:len(n.Content)-k]
}

// edited changes the only document of raw and writes the file again.
func edited(t *testing.T, raw string, change func(root *yaml.Node)) (string, *Document) {
	t.Helper()
	f, err := Parse("t", []byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	d := f.Docs[0]
	change(d.Node)
	d.Changed = true
	out, err := f.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	return string(out), d
}

// TestPlaceEdits changes a document the way an injection does, and the
// way uninject takes it back: the change must be placed in the text as
// want says, without re-encoding, and the undo must give back the bytes.
func TestPlaceEdits(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, raw, want string
		change, undo    func(t *testing.T, root *yaml.Node)
	}{{
		name:   "flow mapping one member per line, trailing commas",
		raw:    "{\n  kind: \"Pod\",\n  metadata: {\n    name: \"p\",\n  },\n}\n",
		want:   "{\n  kind: \"Pod\",\n  metadata: {\n    name: \"p\",\n    annotations: {\n      a: b,\n    },\n  },\n}\n",
		change: func(t *testing.T, r *yaml.Node) { addPair(t, at(t, r, "metadata"), "annotations", "{a: b}") },
		undo:   func(t *testing.T, r *yaml.Node) { dropLast(at(t, r, "metadata"), 1) },
	}, {
		name: "flow sequence spread over lines: a new first element",
		raw:  "{\n  kind: Pod,\n  spec: {\n    containers: [{\n      name: app,\n    }],\n  },\n}\n",
		want: "{\n  kind: Pod,\n  spec: {\n    containers: [{\n      name: proxy,\n    }, {\n      name: app,\n    }],\n  },\n}\n",
		change: func(t *testing.T, r *yaml.Node) {
			s := at(t, r, "spec", "containers")
			s.Content = append([]*yaml.Node{fresh(t, "name: proxy")}, s.Content...)
		},
		undo: func(t *testing.T, r *yaml.Node) { s := at(t, r, "spec", "containers"); s.Content = s.Content[1:] },
	}, {
		name:   "one-line flow mapping keeps its members between the brackets",
		raw:    "kind: Pod\nmetadata: {name: p}\n",
		want:   "kind: Pod\nmetadata: {name: p, labels: {a: b}}\n",
		change: func(t *testing.T, r *yaml.Node) { addPair(t, at(t, r, "metadata"), "labels", "{a: b}") },
		undo:   func(t *testing.T, r *yaml.Node) { dropLast(at(t, r, "metadata"), 1) },
	}, {
		name:   "JSON compact members, indented by three",
		raw:    "{\n   \"kind\":\"List\",\n   \"items\":[]\n}\n",
		want:   "{\n   \"kind\":\"List\",\n   \"items\":[],\n   \"metadata\":{\n      \"name\":\"x\",\n      \"n\":[\n         1\n      ]\n   }\n}\n",
		change: func(t *testing.T, r *yaml.Node) { addPair(t, r, "metadata", "{name: x, n: [1]}") },
		undo:   func(t *testing.T, r *yaml.Node) { dropLast(r, 1) },
	}, {
		name:   "JSON on one line, spaced as json.dumps writes it",
		raw:    `{"kind": "Pod", "metadata": {"name": "p"}}` + "\n",
		want:   `{"kind": "Pod", "metadata": {"name": "p", "labels": {"a": "b", "n": 1}}}` + "\n",
		change: func(t *testing.T, r *yaml.Node) { addPair(t, at(t, r, "metadata"), "labels", "{a: b, n: 1}") },
		undo:   func(t *testing.T, r *yaml.Node) { dropLast(at(t, r, "metadata"), 1) },
	}, {
		name: "JSON on one line, compact",
		raw:  `{"kind":"Pod","spec":{"containers":[{"name":"a"}]}}`,
		want: `{"kind":"Pod","spec":{"containers":[{"name":"a"},{"name":"b","args":["x"]}]}}`,
		change: func(t *testing.T, r *yaml.Node) {
			s := at(t, r, "spec", "containers")
			s.Content = append(s.Content, fresh(t, "{name: b, args: [x]}"))
		},
		undo: func(t *testing.T, r *yaml.Node) { dropLast(at(t, r, "spec", "containers"), 1) },
	}, {
		name:   "JSON with CRLF, tabs and no final line end; an empty mapping filled",
		raw:    "{\r\n\t\"kind\": \"Pod\",\r\n\t\"metadata\": {}\r\n}",
		want:   "{\r\n\t\"kind\": \"Pod\",\r\n\t\"metadata\": {\r\n\t\t\"name\": \"p\"\r\n\t}\r\n}",
		change: func(t *testing.T, r *yaml.Node) { addPair(t, at(t, r, "metadata"), "name", "p") },
		undo:   func(t *testing.T, r *yaml.Node) { dropLast(at(t, r, "metadata"), 1) },
	}, {
		name: "JSON strings keep their escapes, new ones are escaped",
		raw:  "{\n  \"kind\": \"Pod\",\n  \"data\": {\n    \"a\": \"x\\u0085y\"\n  }\n}\n",
		want: "{\n  \"kind\": \"Pod\",\n  \"data\": {\n    \"a\": \"x\\u0085y\",\n    \"b\": \"\\u0085\\u2028\"\n  }\n}\n",
		change: func(t *testing.T, r *yaml.Node) {
			addPair(t, at(t, r, "data"), "b", "\"\\u0085\\u2028\"")
		},
		undo: func(t *testing.T, r *yaml.Node) { dropLast(at(t, r, "data"), 1) },
	}, {
		name: "a document end marker stays",
		raw:  "kind: Pod\nspec:\n  containers:\n  - name: app\n...\n# after\n",
		want: "kind: Pod\nspec:\n  containers:\n  - name: app\n  - name: proxy\n...\n# after\n",
		change: func(t *testing.T, r *yaml.Node) {
			s := at(t, r, "spec", "containers")
			s.Content = append(s.Content, fresh(t, "name: proxy"))
		},
		undo: func(t *testing.T, r *yaml.Node) { dropLast(at(t, r, "spec", "containers"), 1) },
	}, {
		name: "no final line end: the last item replaced",
		raw:  "kind: Pod\nspec:\n  volumes:\n  - name: data\n  - name: logs\n    emptyDir: {}",
		want: "kind: Pod\nspec:\n  volumes:\n  - name: data\n  - name: logs\n    emptyDir:\n      medium: Memory",
		change: func(t *testing.T, r *yaml.Node) {
			s := at(t, r, "spec", "volumes")
			s.Content[1] = fresh(t, "name: logs\nemptyDir:\n  medium: Memory")
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			out, d := edited(t, tt.raw, func(r *yaml.Node) { tt.change(t, r) })
			if d.Fallback != "" {
				t.Fatalf("re-encoded: %s\n%s", d.Fallback, out)
			}
			if out != tt.want {
				t.Fatalf("got:\n%s\nwant:\n%s\n%s", out, tt.want, cmp.Diff(tt.want, out))
			}
			if tt.undo == nil {
				return
			}
			back, d := edited(t, out, func(r *yaml.Node) { tt.undo(t, r) })
			if d.Fallback != "" || back != tt.raw {
				t.Fatalf("undo gave %q (%s), want %q", back, d.Fallback, tt.raw)
			}
		})
	}
}

// TestAliasesNeverExpanded: a JSON-looking document of aliases of
// aliases expands to millions of nodes; changed, it is written with its
// aliases as they were (it is YAML, not JSON), in text the size of its
// own, and JSON rendering refuses an alias rather than expand it.
func TestAliasesNeverExpanded(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString("{\n  \"kind\": \"ConfigMap\",\n  \"l0\": &l0 [\"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\"],\n")
	for i := 1; i <= 6; i++ {
		fmt.Fprintf(&b, "  \"l%d\": &l%d [", i, i)
		for j := 0; j < 10; j++ {
			if j > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "*l%d", i-1)
		}
		b.WriteString("],\n")
	}
	b.WriteString("  \"data\": {}\n}\n")
	raw := b.String()
	out, d := edited(t, raw, func(r *yaml.Node) { addPair(t, at(t, r, "data"), "a", "b") })
	if json := isJSON(d.orig.Content[0]); json || d.Fallback != "" {
		t.Errorf("JSON %v, fallback %q: want a YAML document edited in place", json, d.Fallback)
	}
	if want := strings.Replace(raw, `"data": {}`, `"data": {
    "a": "b"
  }`, 1); out != want {
		t.Errorf("got %d bytes:\n%.2000s\nwant:\n%s", len(out), out, want)
	}
	f, err := Parse("t", []byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := (jsonStyle{indent: "  "}).render(f.Docs[0].Node); err == nil || !strings.Contains(err.Error(), "alias (*l0)") {
		t.Errorf("rendering aliases as JSON: err %v, want a refusal naming the alias", err)
	}
}

func TestKeepFormattingCRLF(t *testing.T) {
	t.Parallel()
	raw := "apiVersion: v1\r\nkind: Pod\r\nmetadata:\r\n  name: p\r\nspec:\r\n  containers:\r\n  - name: app\r\n    image: app:1\r\n"
	f, err := Parse("crlf.yaml", []byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	d := f.Docs[0]
	spec := yamlnode.Field(d.Node, "spec")
	spec.Content = append(spec.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: "hostNetwork"}, &yaml.Node{Kind: yaml.ScalarNode, Tag: yaml.NodeTagBool, Value: "true"})
	d.Changed = true
	out, err := f.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	if want := raw + "  hostNetwork: true\r\n"; string(out) != want {
		t.Errorf("got %q, want %q", out, want)
	}
}

// TestJSONFallback: a JSON document whose edits cannot be placed (its
// lines end in lone carriage returns) is rendered again as JSON, said,
// and a string YAML would read differently written raw is escaped, so
// that it reads back the same (and the next run finds nothing to do).
func TestJSONFallback(t *testing.T) {
	t.Parallel()
	raw := "{\r  \"kind\": \"Pod\",\r  \"data\": {\"a\": \"x\\u0085y\"}\r}\n"
	out, d := edited(t, raw, func(r *yaml.Node) { addPair(t, at(t, r, "data"), "b", `"\u0085\u2028"`) })
	if d.Fallback == "" {
		t.Fatalf("edits placed in a file of lone carriage returns:\n%q", out)
	}
	if want := `{"kind":"Pod","data":{"a":"x\u0085y","b":"\u0085\u2028"}}` + "\n"; out != want {
		t.Errorf("got %q, want %q", out, want)
	}
	f, err := Parse("out", []byte(out))
	if err != nil {
		t.Fatal(err)
	}
	if !sameData(f.Docs[0].Node, d.Node) {
		t.Errorf("%q does not read back as the changed document", out)
	}
}

// TestCheck is the read-back every in-place edit passes: the text must
// parse as one document with the wanted data and every wanted comment,
// counted (a comment wanted twice must be there twice).
func TestCheck(t *testing.T) {
	want := func(s string) *yaml.Node {
		var n yaml.Node
		if err := yaml.Unmarshal([]byte(s), &n); err != nil {
			t.Fatal(err)
		}
		return &n
	}
	cases := []struct {
		name, text, want, err string
	}{
		{"same", "a: 1 # one\nb: 2\n", "a: 1 # one\nb: 2\n", ""},
		{"more comments in the text", "# top\na: 1 # one\n", "a: 1 # one\n", ""},
		{"does not parse", "a: [1\n", "a: 1\n", "the edited text does not parse"},
		{"two documents", "a: 1\n---\nb: 2\n", "a: 1\n", "more than one document"},
		{"other data", "a: 2\n", "a: 1\n", "does not read back"},
		{"other order", "b: 2\na: 1\n", "a: 1\nb: 2\n", "does not read back"},
		{"lost comment", "a: 1\n", "a: 1 # one\n", `lost the comment "# one"`},
		{"comment wanted twice, there once", "a: 1 # x\nb: 2\n", "a: 1 # x\nb: 2 # x\n", `lost the comment "# x"`},
		{"comment wanted twice, there twice", "a: 1 # x\nb: 2 # x\n", "a: 1 # x\nb: 2 # x\n", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := check(c.text, want(c.want), true)
			if c.err == "" {
				if err != nil {
					t.Fatalf("check: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Fatalf("check: got %v, want %q", err, c.err)
			}
		})
	}
}
