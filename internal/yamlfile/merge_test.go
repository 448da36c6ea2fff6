package yamlfile

import (
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/inject-sidecars/inject-sidecars/internal/yamlnode"
)

func TestMerge3(t *testing.T) {
	tests := []struct {
		name, base, ours, theirs, want string
		ok                             bool
	}{
		{"theirs only", "a\nb\nc\n", "a\nb\nc\n", "a\nb\nX\nc\n", "a\nb\nX\nc\n", true},
		{"ours only", "a\nb\nc\n", "a\nB \nc\n", "a\nb\nc\n", "a\nB \nc\n", true},
		{"insert after an edited line", "a\nb\nc\n", "a\nB \nc\n", "a\nb\nX\nc\n", "a\nB \nX\nc\n", true},
		{"insert before an edited line", "a\nb\nc\n", "a\nB \nc\n", "a\nX\nb\nc\n", "a\nX\nB \nc\n", true},
		{"insert between two edited lines", "a\nb\nc\n", "A\nB\nc\n", "a\nX\nb\nc\n", "A\nX\nB\nc\n", true},
		{"delete next to an edited line", "a\nb\nc\nd\n", "A\nb\nc\nd\n", "a\nd\n", "A\nd\n", true},
		{"same change on both sides", "a\nb\n", "a\nX\nb\n", "a\nX\nb\n", "a\nX\nb\n", true},
		{"both edit one line", "a\nb\nc\n", "a\nB\nc\n", "a\nBB\nc\n", "", false},
		{"both insert at one place", "a\nb\n", "a\nX\nb\n", "a\nY\nb\n", "", false},
		{"no final newline kept", "a\nb\n", "a\nb", "a\nX\nb\n", "a\nX\nb", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := merge3(lines(tt.base), lines(tt.ours), lines(tt.theirs))
			if ok != tt.ok || got != tt.want {
				t.Errorf("merge3 = %q, %v; want %q, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestLines(t *testing.T) {
	for in, n := range map[string]int{"a\nb\n": 2, "a\nb": 2, "a": 1, "\n": 1, "a\n\n": 2} {
		if got := lines(in); len(got) != n || strings.Join(got, "") != in {
			t.Errorf("lines(%q) = %q", in, got)
		}
	}
}

func TestKeepFormattingCRLF(t *testing.T) {
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

// FuzzMerge3 feeds any three texts to the line merge: it must not panic,
// and a merge of a side with itself must give that side.
func FuzzMerge3(f *testing.F) {
	f.Add("a\nb\nc\n", "a\nB\nc\n", "a\nb\nX\nc\n")
	f.Add("", "x", "\n\n")
	f.Fuzz(func(t *testing.T, base, ours, theirs string) {
		merge3(lines(base), lines(ours), lines(theirs))
		if got, ok := merge3(lines(base), lines(ours), lines(base)); !ok || got != ours {
			t.Fatalf("merging ours with an unchanged theirs gave %q, %v", got, ok)
		}
	})
}
