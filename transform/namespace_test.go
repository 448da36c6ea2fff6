package transform_test

import (
	"strings"
	"testing"

	"github.com/inject-sidecars/inject-sidecars/transform"
)

func TestNamespaces(t *testing.T) {
	t.Parallel()
	ns := func(name, labels, annos string) string {
		return "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: " + name + "\n  labels: {" + labels + "}\n  annotations: {" + annos + "}\n"
	}
	wl := func(namespace, annos string) string {
		return strings.Replace(strings.Replace(deploy, "namespace: dev", "namespace: "+namespace, 1), "  name: web\n", "  name: web\n  annotations: {"+annos+"}\n", 1)
	}
	const proxy = "  containers:\n  - {name: proxy, image: 'envoy:1'}\n"
	tests := []struct {
		name, spec string
		docs       []string
		want       transform.Outcome // the workload's
		msg        string
	}{
		{"selected by its Namespace's labels", "  targets: [{namespaceSelector: mesh=on}]\n", []string{ns("dev", "mesh: 'on'", ""), wl("dev", "")}, transform.Injected, ""},
		{"not selected", "  targets: [{namespaceSelector: mesh=on}]\n", []string{ns("dev", "mesh: 'off'", ""), wl("dev", "")}, "", ""},
		{"Namespace missing: info", "  targets: [{namespaceSelector: mesh=on}]\n", []string{wl("dev", "")}, transform.Skipped, `Namespace "dev" is not in the input`},
		{"Namespace inside a List", "  targets: [{namespaceSelector: mesh=on}]\n", []string{"apiVersion: v1\nkind: List\nitems:\n" + indent("- "+strings.ReplaceAll(ns("dev", "mesh: 'on'", ""), "\n", "\n  "), ""), wl("dev", "")}, transform.Injected, ""},
		{"excluded by its Namespace's labels", "  exclude: [{namespaceSelector: legacy}]\n", []string{ns("dev", "legacy: 'yes'", ""), wl("dev", "")}, "", ""},
		{"Namespace opts out", "", []string{ns("dev", "", "inject-sidecars.dev/inject: 'false'"), wl("dev", "")}, transform.Skipped, "opted out"},
		{"the workload's own annotation wins", "", []string{ns("dev", "", "inject-sidecars.dev/inject: 'false'"), wl("dev", "inject-sidecars.dev/inject: 'true'")}, transform.Injected, ""},
		{"Namespace opts in with optIn", "  optIn: true\n", []string{ns("dev", "", "inject-sidecars.dev/inject: mesh"), wl("dev", "")}, transform.Injected, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, rs := runRaw(t, injection(t, "mesh", proxy+tt.spec), strings.Join(tt.docs, "\n---\n"))
			var got transform.Outcome
			msg := ""
			for _, r := range rs {
				if r.Ref != nil && r.Ref.Kind == "Deployment" && r.Outcome != "" {
					got, msg = r.Outcome, r.Message
				}
			}
			if got != tt.want || !strings.Contains(msg, tt.msg) {
				t.Errorf("outcome %q (%s), want %q containing %q", got, msg, tt.want, tt.msg)
			}
		})
	}
}
