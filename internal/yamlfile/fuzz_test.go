package yamlfile

import (
	"os"
	"path/filepath"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// FuzzParse feeds any bytes to the file reader. It may refuse them, but
// never panic; and what it reads, it writes back byte for byte when no
// document changed.
func FuzzParse(f *testing.F) {
	addFiles(f)
	f.Add([]byte("a: 1\n--- # c\nb: 2\n...\n"))
	f.Add([]byte("---\r\nkind: Pod\r\n"))
	addLayouts(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := Parse("x", data)
		if err != nil {
			return
		}
		out, err := file.Bytes()
		if err != nil {
			t.Fatal(err)
		}
		if string(out) != string(data) {
			t.Fatalf("an unchanged file came back different:\n%q\n%q", data, out)
		}
	})
}

// FuzzEdits changes every document of any input the way an injection
// does (a field added to each mapping, a list item added to each list,
// the last field of each mapping taken away) and writes it back: placing
// the edits may give up (the document is then re-encoded), but never
// panics, and whatever it writes reads back as the changed document.
func FuzzEdits(f *testing.F) {
	addFiles(f)
	f.Add([]byte("a: {b: [1, 2]}\nc:\n- d: ~ # x\n  e: []\n"))
	addLayouts(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := Parse("x", data)
		if err != nil {
			return
		}
		for _, d := range file.Docs {
			if d.Node == nil {
				continue
			}
			n := 0
			var walk func(x *yaml.Node)
			walk = func(x *yaml.Node) {
				if n > 50 {
					return
				}
				n++
				kids := append([]*yaml.Node(nil), x.Content...)
				switch x.Kind {
				case yaml.MappingNode:
					if len(x.Content) >= 4 && n%2 == 0 {
						x.Content = x.Content[:len(x.Content)-2]
					}
					x.Content = append(x.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: "added-key"},
						&yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{{Kind: yaml.ScalarNode, Value: "k"}, {Kind: yaml.ScalarNode, Value: "v"}}})
				case yaml.SequenceNode:
					x.Content = append([]*yaml.Node{{Kind: yaml.ScalarNode, Value: "added-item"}}, x.Content...)
				}
				for _, k := range kids {
					walk(k)
				}
			}
			walk(d.Node)
			d.Changed = true
		}
		out, err := file.Bytes()
		if err != nil {
			return // the changed tree cannot be encoded at all (say, duplicate keys)
		}
		again, err := Parse("y", out)
		if err != nil {
			t.Fatalf("the written text does not parse: %v\n%s", err, out)
		}
		for i, d := range file.Docs {
			if d.Node == nil || d.Fallback != "" {
				continue // re-encoded: yaml.v3's own round trip, not ours
			}
			if i >= len(again.Docs) || again.Docs[i].Node == nil || !sameData(again.Docs[i].Node, d.Node) {
				t.Fatalf("document %d does not read back as changed:\n%s", i, out)
			}
		}
	})
}

// addFiles seeds the golden cases' inputs and the shared corpus (found
// from here: testkit.CorpusDir cannot serve a package testkit imports).
func addFiles(f *testing.F) {
	for _, p := range []string{"../../testdata/*/input.yaml", "../../../shared/corpus/*"} {
		files, _ := filepath.Glob(p)
		for _, file := range files {
			if b, err := os.ReadFile(file); err == nil {
				f.Add(b)
			}
		}
	}
}

// addLayouts seeds the layouts the writer edits in place: flow
// collections one member per line (with trailing commas, or hugging their
// brackets), JSON in any consistent layout (compact or spaced, any
// indentation, one line, CRLF, no final line end, escapes), a document
// end marker, a list ending in a comment block at the end of a file with
// no final line end, and aliases in a JSON-looking document.
func addLayouts(f *testing.F) {
	for _, s := range []string{
		"{\n  kind: \"Pod\",\n  metadata: {\n    name: \"p\",\n  },\n  spec: {\n    containers: [{\n      name: a,\n    }],\n  },\n}\n",
		"{\n   \"kind\":\"List\",\n   \"items\":[\n      {\n        \"kind\":\"Pod\",\n        \"spec\":{\"containers\":[{\n          \"name\": \"a\"\n        }]}\n      }\n   ]\n}\n",
		`{"kind": "Pod", "metadata": {"name": "p", "labels": {}}, "data": {"a": "x\u0085y"}}`,
		"{\r\n\t\"kind\": \"Pod\",\r\n\t\"metadata\": {}\r\n}",
		"kind: Pod\nspec:\n  containers:\n  - name: app\n...\n# after\n",
		"kind: Pod\nspec:\n  env:\n  - name: A\n  # more\n  # - name: B\n  volumes:\n  - name: data\n    emptyDir: {}",
		"{\"kind\": \"Pod\", \"a\": &a [1, 2], \"b\": [*a, *a], \"c\": {}}\n",
	} {
		f.Add([]byte(s))
	}
}
