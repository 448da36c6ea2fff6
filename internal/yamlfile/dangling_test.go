package yamlfile_test

import (
	"strings"
	"testing"

	"github.com/inject-sidecars/inject-sidecars/internal/yamlfile"
)

// A changed document whose alias lost its anchor cannot be edited in
// place; re-encoding it would write `*hp` with no anchor, which does
// not parse. That is an error, never output.
func TestDanglingAliasIsNeverWritten(t *testing.T) {
	t.Parallel()
	f, err := yamlfile.Parse("app.yaml", []byte("volumes:\n- name: logs\n  hostPath: &hp {path: /x}\n- name: other\n  hostPath: *hp\n"))
	if err != nil {
		t.Fatal(err)
	}
	d := f.Docs[0]
	vols := d.Node.Content[1]
	vols.Content = vols.Content[1:] // the anchored volume goes
	d.Changed = true
	text, err := d.Text()
	if err == nil || !strings.Contains(err.Error(), "does not parse") {
		t.Errorf("got %q, %v; want an error", text, err)
	}
}
