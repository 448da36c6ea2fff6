package transform_test

import (
	"strings"
	"testing"

	"github.com/inject-sidecars/inject-sidecars/transform"
)

// TestGroupAndVersion: a resource's apiVersion is read into group and
// version as kyaml's resid.ParseGroupVersion (and the API machinery)
// read it: the group before the first slash, none without a slash.
func TestGroupAndVersion(t *testing.T) {
	tests := []struct {
		name, apiVersion, kind, sel string
		want                        bool
	}{
		{"group and version", "apps/v1", "Deployment", "{group: apps, version: v1}", true},
		{"a group's other version", "apps/v1beta2", "Deployment", "{group: apps, version: v1beta2}", true},
		{"core: no group", "v1", "Pod", "{group: '', version: v1}", true},
		{"core: the version is no group", "v1", "Pod", "{group: v1}", false},
		{"a Deployment in the core group is no workload", "v1", "Deployment", "{}", false},
		{"a group with an empty version", "apps/", "Deployment", "{group: apps}", true},
		// The API machinery refuses an apiVersion of two slashes or more.
		{"two slashes", "apps//v1", "Deployment", "{}", false},
		{"three parts", "apps/v1/extra", "Deployment", "{}", false},
		{"a leading slash is no core Pod", "/apps/v1", "Pod", "{}", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inj := injection(t, "s", "  containers: [{name: proxy, image: 'envoy:1'}]\n  targets: ["+tt.sel+"]\n")
			doc := "apiVersion: " + tt.apiVersion + "\nkind: " + tt.kind + "\nmetadata: {name: w}\nspec:\n  template:\n    spec:\n      containers:\n      - {name: app, image: 'a:1'}\n"
			if tt.kind == "Pod" {
				doc = strings.Replace(pod, "apiVersion: v1\n", "apiVersion: "+tt.apiVersion+"\n", 1)
			}
			_, results := run(t, inj, doc)
			got := len(results) > 0 && results[0].Outcome == transform.Injected
			if got != tt.want {
				t.Errorf("injected = %v, want %v (%v)", got, tt.want, results)
			}
		})
	}
}
