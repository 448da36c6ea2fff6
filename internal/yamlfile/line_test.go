package yamlfile

import (
	"slices"
	"strings"
	"testing"
)

// TestParseErrorFileLine: a YAML error names the line counted from the
// top of the file, whichever document it is in.
func TestParseErrorFileLine(t *testing.T) {
	t.Parallel()
	service := "apiVersion: v1\nkind: Service\nmetadata:\n  name: a\nspec:\n  ports:\n  - port: 80\n"
	bad := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\ndata:\n  k: [unclosed\n"
	tests := []struct {
		name, text, want string
	}{
		// The line of [unclosed itself: the decoder alone would name the
		// line before the mapping it was in (data:), counted from 0.
		{"first document", bad, "app.yaml: document 0 is not valid YAML: line 6: did not find expected ',' or ']'"},
		{"second document, from line 9", service + "---\n" + bad, "app.yaml: document 1 is not valid YAML: line 14: did not find expected ',' or ']'"},
		{"after a leading separator and an empty document", "---\n# only a comment\n---\n" + bad, "app.yaml: document 0 is not valid YAML: line 9: did not find expected ',' or ']'"},
		{"Windows line ends", strings.ReplaceAll(service+"---\n"+bad, "\n", "\r\n"), "app.yaml: document 1 is not valid YAML: line 14: did not find expected ',' or ']'"},
		{"a flow mapping over lines before the error", "a: {b: 1,\n  c: 2}\nd: [x\n", "app.yaml: document 0 is not valid YAML: line 3: did not find expected ',' or ']'"},
		{"a Helm template after a comment and a separator", "# c\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: {{ .Release.Name }}-x\n",
			"app.yaml: document 0 is not valid YAML: line 6 holds a template ({{ ... }}): a Helm chart must be rendered with helm template first (helm template NAME CHART | inject-sidecars -c CONFIG)"},
		{"a Helm template in a list entry", "kind: Pod\nspec:\n  containers:\n  - name: a\n    image: {{ .Values.image }}:{{ .Values.tag }}\n",
			"app.yaml: document 0 is not valid YAML: line 5 holds a template ({{ ... }}): a Helm chart must be rendered with helm template first (helm template NAME CHART | inject-sidecars -c CONFIG)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse("app.yaml", []byte(tt.text))
			if err == nil || err.Error() != tt.want {
				t.Errorf("got  %v\nwant %s", err, tt.want)
			}
		})
	}
}

// TestDocumentLine: each document knows the line it starts on.
func TestDocumentLine(t *testing.T) {
	t.Parallel()
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
