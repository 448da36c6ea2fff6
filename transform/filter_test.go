package transform_test

import (
	"flag"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/inject-sidecars/inject-sidecars/api/v1alpha1"
	"github.com/inject-sidecars/inject-sidecars/transform"
)

var fingerprint = regexp.MustCompile(`"hash":"[0-9a-f]{16}"`)

var _ = flag.Bool("update", false, "accepted so that go test ./... -update works; golden files live in ./fn")

// injection readies a config named name with the given spec.
func injection(t testing.TB, name, spec string) *transform.Injection {
	t.Helper()
	n, err := yaml.Parse("apiVersion: inject-sidecars.dev/v1alpha1\nkind: SidecarInjection\nmetadata: {name: " + name + "}\nspec:\n" + spec)
	if err != nil {
		t.Fatal(err)
	}
	c, err := v1alpha1.Decode(n.YNode())
	if err != nil {
		t.Fatal(err)
	}
	inj, err := transform.NewInjection(c)
	if err != nil {
		t.Fatal(err)
	}
	return inj
}

func run(t *testing.T, inj *transform.Injection, input string) (string, []transform.Result) {
	t.Helper()
	out, results := runRaw(t, inj, input)
	// The fingerprint is a hash of the rendering: "…" keeps the
	// expected outputs short. Tests of the fingerprint itself read it.
	return fingerprint.ReplaceAllString(out, `"hash":"…"`), results
}

// runRaw runs inj over input and returns the output as it is.
func runRaw(t *testing.T, inj *transform.Injection, input string) (string, []transform.Result) {
	t.Helper()
	// Not kio.FromBytes: it unwraps Lists, which the tool sees whole
	// in plain mode and from kpt.
	var items []*yaml.RNode
	for _, doc := range strings.Split(input, "\n---\n") {
		n, err := yaml.Parse(doc)
		if err != nil {
			t.Fatal(err)
		}
		items = append(items, n)
	}
	f := &transform.Filter{Injections: []*transform.Injection{inj}}
	if _, err := f.Filter(items); err != nil {
		t.Fatal(err)
	}
	out, err := kio.StringAll(items)
	if err != nil {
		t.Fatal(err)
	}
	return out, f.Results
}

const pod = `apiVersion: v1
kind: Pod
metadata:
  name: p
spec:
  containers:
  - name: app
    image: app:1
`

func TestFilter(t *testing.T) {
	t.Parallel()
	const proxy = "  containers:\n  - name: proxy\n    image: envoy:1\n"
	tests := []struct {
		name   string
		inj    *transform.Injection
		input  string
		want   string
		action string
	}{{
		name:  "native first",
		inj:   injection(t, "mesh", proxy),
		input: pod,
		want: `apiVersion: v1
kind: Pod
metadata:
  name: p
  annotations:
    inject-sidecars.dev/status: '{"mesh":{"hash":"…","initContainers":["proxy"],"created":{"initContainers":"absent","metadata.annotations":"absent"}}}'
spec:
  initContainers:
  - name: proxy
    image: envoy:1
    restartPolicy: Always
  containers:
  - name: app
    image: app:1
`,
		action: transform.ActionInjected,
	}, {
		name:  "classic last",
		inj:   injection(t, "mesh", "  mode: classic\n"+proxy),
		input: pod,
		want: `apiVersion: v1
kind: Pod
metadata:
  name: p
  annotations:
    inject-sidecars.dev/status: '{"mesh":{"hash":"…","containers":["proxy"],"created":{"metadata.annotations":"absent"}}}'
spec:
  containers:
  - name: app
    image: app:1
  - name: proxy
    image: envoy:1
`,
		action: transform.ActionInjected,
	}, {
		name:  "env and labels only",
		inj:   injection(t, "env", "  env:\n  - name: REGION\n    value: eu\n  podLabels: {region: eu}\n"),
		input: pod,
		want: `apiVersion: v1
kind: Pod
metadata:
  name: p
  labels:
    region: eu
  annotations:
    inject-sidecars.dev/status: '{"env":{"hash":"…","env":{"app":["REGION"]},"podLabels":["region"],"created":{"containers.app.env":"absent","metadata.annotations":"absent","metadata.labels":"absent"}}}'
spec:
  containers:
  - name: app
    image: app:1
    env:
    - name: REGION
      value: eu
`,
		action: transform.ActionInjected,
	}, {
		name:   "not a workload",
		inj:    injection(t, "mesh", proxy),
		input:  "apiVersion: v1\nkind: Service\nmetadata:\n  name: s\nspec:\n  ports:\n  - port: 80\n",
		want:   "apiVersion: v1\nkind: Service\nmetadata:\n  name: s\nspec:\n  ports:\n  - port: 80\n",
		action: "",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, results := run(t, tt.inj, tt.input)
			if diff := cmp.Diff(strings.TrimSpace(tt.want), strings.TrimSpace(got)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			action := ""
			for _, r := range results {
				if r.Action != "" {
					action = r.Action
				}
			}
			if action != tt.action {
				t.Errorf("action = %q, want %q (results %v)", action, tt.action, results)
			}
		})
	}
}

func TestSelector(t *testing.T) {
	t.Parallel()
	deploy := "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web-1\n  namespace: shop\n  labels: {app: web, tier: front}\n  annotations: {team: payments}\nspec:\n  template:\n    spec:\n      containers:\n      - {name: app, image: 'a:1'}\n"
	tests := []struct {
		name string
		sel  string
		want bool
	}{
		{"empty matches all", "{}", true},
		{"kind regexp", "{kind: 'Deploy.*'}", true},
		{"anchored: a prefix is not a match", "{kind: 'Deploy'}", false},
		{"group", "{group: 'apps'}", true},
		{"version", "{version: 'v1beta1'}", false},
		{"name alternatives", "{name: 'api|web-[0-9]'}", true},
		{"namespace", "{namespace: 'kube-.*'}", false},
		{"label set", "{labelSelector: 'app in (web,api),tier!=back'}", true},
		{"label missing", "{labelSelector: 'env=prod'}", false},
		{"annotation", "{annotationSelector: 'team=payments'}", true},
		{"all must hold", "{kind: 'Deployment', labelSelector: 'app=api'}", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			inj := injection(t, "s", "  containers: [{name: proxy, image: 'envoy:1'}]\n  targets: ["+tt.sel+"]\n")
			_, results := run(t, inj, deploy)
			got := len(results) > 0 && results[0].Action == transform.ActionInjected
			if got != tt.want {
				t.Errorf("selected = %v, want %v (%v)", got, tt.want, results)
			}
		})
	}
}

func TestMergeKeysInWorkloads(t *testing.T) {
	t.Parallel()
	inj := injection(t, "logs", "  containers:\n  - name: fluent-bit\n    image: fb:1\n")
	tests := []struct {
		name, input, field string
	}{{
		name:  "opt-out merged into annotations",
		input: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations:\n    <<: {inject-sidecars.dev/inject: \"false\"}\nspec:\n  containers:\n  - {name: app, image: app:1}\n",
		field: `metadata.annotations["<<"]`,
	}, {
		name:  "container merged in",
		input: "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  template:\n    spec:\n      containers:\n      - <<: &c {name: fluent-bit, image: \"x:1\"}\n",
		field: `spec.template.spec.containers[0]["<<"]`,
	}, {
		name:  "quoted key is a plain key",
		input: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations: {\"<<\": x}\nspec:\n  containers:\n  - {name: app, image: app:1}\n",
	}, {
		name:  "not a workload",
		input: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n  <<: {a: b}\n",
	}, {
		name:  "Deployment without a Pod template",
		input: "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\n  labels: {<<: {a: b}}\n",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			out, results := run(t, inj, tt.input)
			var fields []string
			for _, r := range results {
				if r.Severity == transform.Error {
					fields = append(fields, r.Field)
					if !strings.Contains(r.Message, "merge keys are not supported in workloads") {
						t.Errorf("message %q", r.Message)
					}
				}
			}
			var want []string
			if tt.field != "" {
				want = []string{tt.field}
				if strings.Contains(out, "fb:1") {
					t.Errorf("injected into a refused workload:\n%s", out)
				}
			}
			if diff := cmp.Diff(want, fields); diff != "" {
				t.Errorf("error fields (-want +got):\n%s", diff)
			}
		})
	}
}
