package yamlfile

import (
	"bufio"
	"bytes"
	"fmt"
	"io/fs"
	"regexp"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/inject-sidecars/inject-sidecars/internal/yamlnode"
)

// Document is one YAML document of an input file. Raw is its text as it
// came; a document that no injection changed is written back as Raw, so
// untouched resources leave byte for byte as they came.
type Document struct {
	Raw  string
	Node *yaml.Node // the document's root mapping; nil for an empty document
	// Separator is the "---" line that follows the document, if any.
	Separator string
	Changed   bool
	// Fallback, when set after writing, says why the document had to be
	// re-encoded rather than edited in place.
	Fallback string
	// Index counts the file's documents as kubectl and kpt do, from 0,
	// leaving out empty ones: a leading "---" does not make a document.
	Index int
	// Line is the file's line the document starts on, from 1: messages
	// count lines from the top of the file, not of the document.
	Line int

	docNode *yaml.Node
	// orig is the tree as parsed, before any change.
	orig *yaml.Node
}

// File is an input file (or stdin) split into documents.
type File struct {
	// Path is the path as given (or "-" for stdin); Rel is where the file
	// goes under an output folder.
	Path, Rel string
	Mode      fs.FileMode
	Docs      []*Document
	Size      int64
}

// separator matches a YAML document separator line (see split).
var separator = regexp.MustCompile(`(?m)^---.*(\n|$)`)

// Parse splits data into documents and parses each one.
func Parse(path string, data []byte) (*File, error) {
	if !yamlnode.IsText(data) {
		return nil, fmt.Errorf("%s: not a text file (it has NUL bytes or invalid UTF-8)", path)
	}
	f := &File{Path: path, Size: int64(len(data))}
	err := split(path, bufio.NewReader(bytes.NewReader(data)), func(d *Document) error {
		f.Docs = append(f.Docs, d)
		return d.Parse(path)
	})
	if err != nil {
		return nil, err
	}
	return f, nil
}

func (d *Document) encode() (string, error) {
	// JSON stays JSON: as the document came, whatever an injection
	// added since.
	if d.orig != nil && isJSON(d.orig.Content[0]) {
		return d.encodeJSON()
	}
	out, err := placeEdits(d.Raw, d.orig, d.docNode)
	if err == nil {
		return out, nil
	}
	// Not expected on any input the tests have seen; said, never silent.
	d.Fallback = err.Error()
	wide := yaml.DeriveSeqIndentStyle(d.Raw) == string(yaml.WideSequenceStyle)
	s, err := encodeDoc(d.docNode, wide)
	if err != nil {
		return "", err
	}
	// Whatever happened, no run writes YAML that does not parse (an
	// alias whose anchor was taken away would be written as it is).
	var back yaml.Node
	if err := yaml.Unmarshal([]byte(s), &back); err != nil {
		return "", fmt.Errorf("document %d: the changed document does not parse (%s): %s", d.Index, yamlnode.FirstLine(err), d.Fallback)
	}
	return withTail(s, d.Raw), nil
}

// encodeDoc writes a document with yaml.v3's encoder: a document that
// cannot be edited in place is written this way (said).
func encodeDoc(doc *yaml.Node, wide bool) (string, error) {
	var out bytes.Buffer
	enc := yaml.NewEncoder(&out)
	if wide {
		enc.DefaultSeqIndent()
	}
	if err := enc.Encode(doc); err != nil {
		return "", err
	}
	if err := enc.Close(); err != nil {
		return "", err
	}
	return out.String(), nil
}

// withTail keeps what followed the document in raw: blank lines before
// the next "---", or the missing newline at the end of a file.
func withTail(s, raw string) string {
	body := strings.TrimRight(raw, " \t\r\n")
	tail := raw[len(body):]
	switch {
	case tail == "":
		s = strings.TrimSuffix(s, "\n")
	case strings.Count(tail, "\n") > 1:
		s += tail[strings.Index(tail, "\n")+1:]
	}
	return s
}
