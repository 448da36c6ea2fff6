package yamlfile

import (
	"bytes"
	"fmt"
)

// Bytes renders a parsed file as plain mode writes it: each document's
// Text, then its separator.
func (f *File) Bytes() ([]byte, error) {
	var b bytes.Buffer
	for _, d := range f.Docs {
		text, err := d.Text()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f.Path, err)
		}
		b.WriteString(text)
		b.WriteString(d.Separator)
	}
	return b.Bytes(), nil
}
