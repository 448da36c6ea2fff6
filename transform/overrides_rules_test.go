package transform_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/inject-sidecars/inject-sidecars/transform"
)

// TestOverridesKeepTheServerRules: an owner's override is held to the
// API server's container rules, as the config is. Each of these was
// injected before, and the server refused the pod.
func TestOverridesKeepTheServerRules(t *testing.T) {
	t.Parallel()
	const pre = "override of injection \"logging\": with the overrides applied, spec.containers[0]."
	tests := []struct{ name, value, want string }{
		{"empty image", `{"logging": {"containers": [{"name": "fluent-bit", "image": ""}]}}`,
			pre + "image: required: the sidecar's image, such as example/agent:1.0"},
		{"empty env name", `{"logging": {"containers": [{"name": "fluent-bit", "env": [{"name": "", "value": "x"}]}]}}`,
			pre + "env[0].name: required"},
		{"env name A=B", `{"logging": {"containers": [{"name": "fluent-bit", "env": [{"name": "A=B", "value": "x"}]}]}}`,
			pre + `env[0].name: "A=B" is not a valid environment variable name: a valid environment variable name must consist only of printable ASCII characters other than '='`},
		{"resource claims", `{"logging": {"containers": [{"name": "fluent-bit", "resources": {"claims": [{"name": "gpu"}]}}]}}`,
			pre + "resources.claims[0]: resource claims name the pod's spec.resourceClaims, which an injection does not declare: drop the claim"},
		{"a resource named cpus", `{"logging": {"containers": [{"name": "fluent-bit", "resources": {"limits": {"cpus": "1"}}}]}}`,
			pre + `resources.limits[cpus]: "cpus" is not a resource a container can ask for: want cpu, memory, ephemeral-storage, hugepages-<size>, or an extended resource with a domain (example.com/gpu)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in := withOverride(deploy, tt.value)
			out, rs := runRaw(t, injection(t, "logging", logging+"  overrides: [image, env, resources]\n"), in)
			if out != in {
				t.Errorf("the workload changed:\n%s", out)
			}
			var got []string
			for _, r := range rs {
				if r.Severity == transform.Error {
					got = append(got, r.Message)
				}
			}
			if d := cmp.Diff([]string{tt.want}, got); d != "" {
				t.Errorf("errors (-want +got):\n%s", d)
			}
		})
	}
}

// TestRenderedEnvNamesFollowTheServer: an env name that a template
// renders is held to the server's rule for the cluster version: from
// 1.32 any printable ASCII but '=' (so "1-web" is fine), before that a
// C-style name.
func TestRenderedEnvNamesFollowTheServer(t *testing.T) {
	t.Parallel()
	const env = "  env:\n  - {name: '1-{{ .Name }}', value: x}\n"
	if out, rs := runRaw(t, injection(t, "logging", env), deploy); out == deploy {
		t.Errorf("refused on the latest Kubernetes: %v", rs)
	}
	out, rs := runRaw(t, injection(t, "logging", env+"  kubernetesVersion: '1.31'\n"), deploy)
	if out != deploy || len(rs) != 1 || rs[0].Severity != transform.Error {
		t.Fatalf("taken on 1.31: %v", rs)
	}
	const want = `injection "logging", spec.env[0].name: renders as "1-web", which is not valid: a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  or 'MyEnvName1', regex used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')`
	if rs[0].Message != want {
		t.Errorf("message:\n%s\nwant:\n%s", rs[0].Message, want)
	}
}
