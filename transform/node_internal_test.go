package transform

import (
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// TestCopyNodeBoundsAliasBytes: a copy expands aliases, so it is bounded
// in bytes as in nodes: two aliases of a 600 KiB string are refused, one
// is copied.
func TestCopyNodeBoundsAliasBytes(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", 600<<10)
	tests := []struct {
		name, in string
		fails    bool
	}{
		{"one alias", "{a: &l " + long + ", b: *l}", false},
		{"two aliases", "{a: &l " + long + ", b: [*l, *l]}", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			n, err := yaml.Parse(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			_, err = copyNode(n.YNode(), nil)
			if (err != nil) != tt.fails {
				t.Errorf("copyNode error = %v, want an error: %v", err, tt.fails)
			}
			if err != nil && !strings.Contains(err.Error(), "bytes (1 MiB)") {
				t.Errorf("message: %v", err)
			}
		})
	}
}
