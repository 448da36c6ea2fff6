package yamlfile

import "testing"

// TestQuoteHint: the line of a config's unquoted template, written back
// quoted.
func TestQuoteHint(t *testing.T) {
	t.Parallel()
	for text, want := range map[string]string{
		"      value: {{ .Name }}-x":  `write value: "{{ .Name }}-x"`,
		"    - {{ .Name }}-x":         `write - "{{ .Name }}-x"`,
		"    - name: {{ .Name }}-log": `write - name: "{{ .Name }}-log"`,
		"  {{ .Name }}: x":            `write "{{ .Name }}: x"`,
	} {
		if got := (&SyntaxError{Text: text}).QuoteHint(); got != want {
			t.Errorf("%q: got %s, want %s", text, got, want)
		}
	}
}
