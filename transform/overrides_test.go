package transform_test

import (
	"strings"
	"testing"

	"github.com/inject-sidecars/inject-sidecars/transform"
)

const logging = `  containers:
  - name: fluent-bit
    image: fluent/fluent-bit:3.1.4
    resources:
      requests: {cpu: 10m, memory: 32Mi}
      limits: {memory: 64Mi}
`

func withOverride(doc, value string) string {
	return strings.Replace(doc, "  namespace: dev\n", "  namespace: dev\n  annotations:\n    inject-sidecars.dev/overrides: '"+value+"'\n", 1)
}

// Overrides count in "up to date": editing the annotation re-injects,
// removing it returns to the config's values, uninject stays exact.
func TestOverridesAreUpToDateAware(t *testing.T) {
	t.Parallel()
	inj := injection(t, "logging", logging)
	raised := withOverride(deploy, `{"logging": {"containers": [{"name": "fluent-bit", "resources": {"limits": {"memory": "256Mi"}}}]}}`)
	once, rs := runRaw(t, inj, raised)
	oneOutcome(t, rs, transform.Injected)
	if !strings.Contains(once, "memory: 256Mi") || strings.Contains(once, "memory: 32Mi") {
		t.Fatalf("the override did not replace resources:\n%s", once)
	}
	if !strings.Contains(rs[0].Message, "per pod: requests memory +256Mi; limits memory +256Mi") {
		t.Errorf("the result does not state the per-pod delta: %s", rs[0].Message)
	}
	if again, rs := runRaw(t, inj, once); again != once {
		t.Errorf("not idempotent: %v", rs)
	}

	edited := strings.Replace(once, `"256Mi"`, `"512Mi"`, 1)
	out, rs := runRaw(t, inj, edited)
	oneOutcome(t, rs, transform.Upgraded)
	if !strings.Contains(out, "memory: 512Mi") {
		t.Errorf("an edited override was not re-injected:\n%s", out)
	}

	i := strings.Index(once, "  annotations:\n    inject-sidecars.dev/overrides:")
	j := strings.Index(once[i:], "spec:")
	removed := once[:i] + once[i+j:]
	out, rs = runRaw(t, inj, removed)
	oneOutcome(t, rs, transform.Upgraded)
	plain, _ := runRaw(t, inj, deploy)
	if out != plain {
		t.Errorf("without the override, the config's values did not come back:\n%s\nwant:\n%s", out, plain)
	}

	back, _ := runRaw(t, injection(t, "logging", logging+"  action: uninject\n"), once)
	if back != raised {
		t.Errorf("uninject was not exact:\n%s", back)
	}
}

func TestOverrideErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, spec, value string
		want              []string
	}{
		{"field not allowed", "", `{"logging": {"containers": [{"name": "fluent-bit", "image": "x:1"}]}}`,
			[]string{`metadata.annotations["inject-sidecars.dev/overrides"].logging.containers[0].image`, "allows resources"}},
		{"unknown container", "", `{"logging": {"containers": [{"name": "nope", "resources": {}}]}}`,
			[]string{`.logging.containers[0].name`, `no containers entry named "nope"`}},
		{"unknown field", "  overrides: [image]\n", `{"logging": {"containers": [{"name": "fluent-bit", "imagee": "x"}]}}`,
			[]string{`.logging.containers[0].imagee`}},
		{"not YAML", "", `{"logging": [`, []string{"not valid YAML or JSON"}},
		{"duplicate key", "", `{"logging": {}, "logging": {}}`, []string{`duplicate key "logging"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in := withOverride(deploy, tt.value)
			out, rs := runRaw(t, injection(t, "logging", logging+tt.spec), in)
			if out != in {
				t.Errorf("the workload changed:\n%s", out)
			}
			var msgs []string
			for _, r := range rs {
				if r.Severity == transform.Error {
					msgs = append(msgs, r.Field+": "+r.Message)
				}
			}
			all := strings.Join(msgs, "\n")
			for _, w := range tt.want {
				if !strings.Contains(all, w) {
					t.Errorf("errors lack %q:\n%s", w, all)
				}
			}
		})
	}
	// Another injection's entry is that injection's business.
	in := withOverride(deploy, `{"mesh": {"containers": [{"name": "envoy", "image": "x:1"}]}}`)
	if _, rs := runRaw(t, injection(t, "logging", logging), in); outcomes(rs)[0] != transform.Injected {
		t.Errorf("results %v", rs)
	}
}
