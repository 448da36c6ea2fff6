package transform_test

import (
	"strconv"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/inject-sidecars/inject-sidecars/transform"
)

// FuzzStatus feeds any text to the status annotation: a run either uses
// it or reports it, and never panics.
func FuzzStatus(f *testing.F) {
	for _, s := range []string{"null", "{", "[]", "7", `{"mesh":7}`, `{"mesh":{"hash":"x","initContainers":["proxy"]}}`,
		`{"mesh":{"created":{"metadata":"absent","initContainers":"null"}}}`, `{"mesh":{"volumeMounts":{"app":["/x"]},"created":{"containers.app.volumeMounts":"[]"}}}`} {
		f.Add(s)
	}
	inj := injection(f, "mesh", "  containers:\n  - {name: proxy, image: 'envoy:1'}\n  volumeMounts: [{name: v, mountPath: /x}]\n  volumes: [{name: v, emptyDir: {}}]\n")
	uninj := injection(f, "mesh", "  containers:\n  - {name: proxy, image: 'envoy:1'}\n  action: uninject\n")
	f.Fuzz(func(t *testing.T, status string) {
		doc := "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations:\n    inject-sidecars.dev/status: " + strconv.Quote(status) + "\nspec:\n  initContainers:\n  - {name: proxy, image: 'envoy:1'}\n  containers:\n  - {name: app, image: 'app:1'}\n"
		for _, in := range []*transform.Injection{inj, uninj} {
			n, err := yaml.Parse(doc)
			if err != nil {
				return // not every string makes a valid YAML scalar (NUL bytes, say)
			}
			fl := &transform.Filter{Injections: []*transform.Injection{in}}
			if _, err := fl.Filter([]*yaml.RNode{n}); err != nil {
				t.Fatal(err)
			}
		}
	})
}

// FuzzOverrides feeds any text to the overrides annotation: a run either
// uses it or reports it, and never panics.
func FuzzOverrides(f *testing.F) {
	for _, s := range []string{"null", "{", "[]", "logging: 7", `{"logging": {"containers": [{"name": "fluent-bit", "resources": {"limits": {"memory": "1Gi"}}}]}}`,
		"logging:\n  containers:\n  - name: fluent-bit\n    env: [{name: A, value: b}]\n", "logging: {initContainers: [{name: x}]}", "logging: {containers: [7]}"} {
		f.Add(s)
	}
	inj := injection(f, "logging", "  containers:\n  - {name: fluent-bit, image: 'fb:1', env: [{name: A, value: a}]}\n  overrides: [image, env, args, resources]\n")
	f.Fuzz(func(t *testing.T, value string) {
		doc := "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations:\n    inject-sidecars.dev/overrides: " + strconv.Quote(value) + "\nspec:\n  containers:\n  - {name: app, image: 'app:1'}\n"
		n, err := yaml.Parse(doc)
		if err != nil {
			return
		}
		fl := &transform.Filter{Injections: []*transform.Injection{inj}}
		if _, err := fl.Filter([]*yaml.RNode{n}); err != nil {
			t.Fatal(err)
		}
	})
}
