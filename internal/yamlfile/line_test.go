package yamlfile

import (
	"slices"
	"strings"
	"testing"
)

// TestParseErrorFileLine: a YAML error names the line counted from the
// top of the file, whichever document it is in.
func TestParseErrorFileLine(t *testing.T) {
	service := "apiVersion: v1\nkind: Service\nmetadata:\n  name: a\nspec:\n  ports:\n  - port: 80\n"
	bad := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\ndata:\n  k: [unclosed\n"
	tests := []struct {
		name, text, want string
	}{
		// The decoder names the line of the mapping it was in (data:).
		{"first document", bad, "app.yaml: document 0 is not valid YAML: yaml: line 5: did not find expected ',' or ']'"},
		{"second document, from line 9", service + "---\n" + bad, "app.yaml: document 1 is not valid YAML: yaml: line 13: did not find expected ',' or ']'"},
		{"after a leading separator and an empty document", "---\n# only a comment\n---\n" + bad, "app.yaml: document 0 is not valid YAML: yaml: line 8: did not find expected ',' or ']'"},
		{"Windows line ends", strings.ReplaceAll(service+"---\n"+bad, "\n", "\r\n"), "app.yaml: document 1 is not valid YAML: yaml: line 13: did not find expected ',' or ']'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("app.yaml", []byte(tt.text))
			if err == nil || err.Error() != tt.want {
				t.Errorf("got  %v\nwant %s", err, tt.want)
			}
		})
	}
}

// TestDocumentLine: each document knows the line it starts on.
func TestDocumentLine(t *testing.T) {
	f, err := Parse("x.yaml", []byte("a: 1\n---\n\nb: 2\nc: 3\n--- # x\nd: 4"))
	if err != nil {
		t.Fatal(err)
	}
	var got []int
	for _, d := range f.Docs {
		got = append(got, d.Line)
	}
	if want := []int{1, 3, 7}; !slices.Equal(got, want) {
		t.Errorf("lines %v, want %v", got, want)
	}
}
