package yamlfile

import (
	"errors"
	"fmt"
	"io"
	"strings"

	yaml4 "go.yaml.in/yaml/v4"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/inject-sidecars/inject-sidecars/internal/yamlnode"
)

// SyntaxError is a document that is not valid YAML, at the line of its
// file where it stops being valid.
//
// The decoder's own line is not that line: yaml.v3 names the line before
// the start of the block it was reading (the context mark, counted from
// 0), so a bad value on line 11 of a list entry that starts on line 10
// reads "line 9". The line here is found by reading the document's
// lines one prefix at a time: the first line from which no prefix reads
// is where it goes wrong.
type SyntaxError struct {
	Path  string
	Index int
	// Line is counted from the top of the file; 0 when it could not be
	// found (Reason then holds the decoder's own words).
	Line int
	// Text is that line as written.
	Text string
	// Reason is the decoder's reason ("did not find expected key").
	Reason string
}

func (e *SyntaxError) Error() string {
	if e.Line == 0 {
		return fmt.Sprintf("%s: document %d is not valid YAML: %s", e.Path, e.Index, e.Reason)
	}
	if e.Template() {
		return fmt.Sprintf("%s: document %d is not valid YAML: line %d holds a template ({{ ... }}): a Helm chart must be rendered with helm template first (helm template NAME CHART | inject-sidecars -c CONFIG)", e.Path, e.Index, e.Line)
	}
	return fmt.Sprintf("%s: document %d is not valid YAML: line %d: %s", e.Path, e.Index, e.Line, e.Reason)
}

// Template reports whether the bad line holds a Go template.
func (e *SyntaxError) Template() bool { return strings.Contains(e.Text, "{{") }

// QuoteHint is the fix for a template left unquoted in a config, where
// YAML stops at what follows it (value: {{ .Name }}-x): the line with
// its value quoted.
func (e *SyntaxError) QuoteHint() string {
	text := strings.TrimSpace(e.Text)
	dash := ""
	if rest, ok := strings.CutPrefix(text, "- "); ok {
		dash, text = "- ", strings.TrimSpace(rest)
	}
	key, value, ok := strings.Cut(text, ": ")
	if !ok || strings.Contains(key, "{{") {
		return fmt.Sprintf("write %s%q", dash, text)
	}
	return fmt.Sprintf("write %s%s: %q", dash, key, strings.TrimSpace(value))
}

// maxSearch bounds the bytes read while looking for the bad line: past
// it, the decoder's words stand alone.
const maxSearch = 64 << 20

// syntaxError builds the error for a document the decoder refused with
// err: the line where it goes wrong, and the reason in the decoder's
// words without its line (yaml v4 gives them apart).
func (d *Document) syntaxError(path string, err error) *SyntaxError {
	se := &SyntaxError{Path: path, Index: d.Index, Reason: yamlnode.FirstLine(d.inFile(err))}
	if len(d.Raw) > maxSearch {
		return se
	}
	var n yaml4.Node // a node: aliases are not expanded
	var pe *yaml4.ParserError
	if errors.As(yaml4.Unmarshal([]byte(d.Raw), &n), &pe) {
		se.Reason = pe.Message
	}
	lines := strings.SplitAfter(d.Raw, "\n")
	ends := make([]int, len(lines)+1) // ends[k]: where line k starts
	for i, l := range lines {
		ends[i+1] = ends[i] + len(l)
	}
	// From the end back, the last prefix that reads: the line after it
	// is where the text goes wrong (a prefix ending inside a flow
	// collection spread over lines does not read, so the first prefix
	// that fails would point too early).
	k, read := len(lines)-1, 0
	for ; k > 0; k-- {
		if read += ends[k]; read > maxSearch {
			return se
		}
		if reads(d.Raw[:ends[k]]) {
			break
		}
	}
	for ; k < len(lines) && emptyText(lines[k]); k++ {
	}
	if k < len(lines) {
		se.Line, se.Text = d.Line+k, strings.TrimRight(lines[k], "\r\n")
	}
	return se
}

// reads reports whether text is one valid YAML document (or none).
func reads(text string) bool {
	var doc yaml.Node
	err := yaml.NewDecoder(strings.NewReader(text)).Decode(&doc)
	return err == nil || errors.Is(err, io.EOF)
}
