package v1alpha1_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/inject-sidecars/inject-sidecars/api/v1alpha1"
)

// TestPodMetadataRules: podLabels and podAnnotations are held to the
// API server's own rules, each error at its key's path, in key order,
// naming the key or value that breaks the rule.
func TestPodMetadataRules(t *testing.T) {
	big := strings.Repeat("x", 200<<10)
	tests := []struct {
		name, spec string
		want       []string // "path: message prefix"
	}{
		{"valid", "podLabels: {app.kubernetes.io/name: web, tier: ''}\npodAnnotations: {Example.com/Mesh: 'on', note: 'any text: at all'}", nil},
		{"label key", "podLabels: {'bad key': v}", []string{`spec.podLabels["bad key"]: "bad key" is not a valid label key: name part must consist of`}},
		{"label value", "podLabels: {app: 'not ok!'}", []string{`spec.podLabels.app: "not ok!" is not a valid label value: a valid label must be`}},
		{"the same text, bad as key and as value", "podLabels: {'x_': 'x_'}", []string{
			`spec.podLabels.x_: "x_" is not a valid label key: name part must consist of`,
			`spec.podLabels.x_: "x_" is not a valid label value: a valid label must be`}},
		{"labels in key order", "podLabels: {'z!': v, 'a!': v}", []string{
			`spec.podLabels["a!"]: "a!" is not a valid label key`,
			`spec.podLabels["z!"]: "z!" is not a valid label key`}},
		{"label key prefix", "podLabels: {'Example.com/app': v}", []string{`spec.podLabels["Example.com/app"]: "Example.com/app" is not a valid label key: prefix part a lowercase RFC 1123 subdomain`}},
		{"annotation key: any case", "podAnnotations: {'example.com/-x': v}", []string{`spec.podAnnotations["example.com/-x"]: "example.com/-x" is not a valid annotation key: name part must consist of`}},
		{"one annotation too long", "podAnnotations: {a: '" + big + "', b: '" + big + big + "'}", []string{
			`spec.podAnnotations.b: the pod's annotations may hold 262144 bytes (256 KiB) in all`}},
		{"the tool's own annotations", "podAnnotations: {inject-sidecars.dev/inject: 'false', inject-sidecars.dev/status: '{}'}", []string{
			`spec.podAnnotations["inject-sidecars.dev/inject"]: "inject-sidecars.dev/inject" is inject-sidecars' own annotation (inject-sidecars.dev/…): a config cannot set it`,
			`spec.podAnnotations["inject-sidecars.dev/status"]: "inject-sidecars.dev/status" is inject-sidecars' own annotation`}},
		{"the tool's own label prefix", "podLabels: {inject-sidecars.dev/x: y}", []string{
			`spec.podLabels["inject-sidecars.dev/x"]: "inject-sidecars.dev/x" is inject-sidecars' own label`}},
		{"annotations too long in all", "podAnnotations: {a: '" + big + "', b: '" + big + "'}", []string{
			`spec.podAnnotations: the pod's annotations may hold 262144 bytes (256 KiB) in all`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := decode(t, header+"spec:\n"+indent("containers: [{name: a, image: 'x:1'}]\n"+tt.spec))
			var got []string
			var ce *v1alpha1.ConfigError
			if errors.As(err, &ce) {
				for _, fe := range ce.Errors {
					got = append(got, fe.Field+": "+fe.Detail)
				}
			} else if err != nil || c == nil {
				t.Fatalf("got %v, want a *ConfigError or a config", err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
			for i := range got {
				if !strings.HasPrefix(got[i], tt.want[i]) {
					t.Errorf("error %d:\n%s", i, cmp.Diff(tt.want[i], got[i]))
				}
			}
		})
	}
}
