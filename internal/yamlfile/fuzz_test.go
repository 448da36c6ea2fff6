package yamlfile

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse feeds any bytes to the file reader. It may refuse them, but
// never panic; and what it reads, it writes back byte for byte when no
// document changed.
func FuzzParse(f *testing.F) {
	for _, p := range []string{"../../testdata/*/input.yaml", "../../../shared/corpus/*"} {
		files, _ := filepath.Glob(p)
		for _, file := range files {
			if b, err := os.ReadFile(file); err == nil {
				f.Add(b)
			}
		}
	}
	f.Add([]byte("a: 1\n--- # c\nb: 2\n...\n"))
	f.Add([]byte("---\r\nkind: Pod\r\n"))
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
