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
	inj, _, err := transform.Load(n.YNode(), v1alpha1.Options{})
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
		name    string
		inj     *transform.Injection
		input   string
		want    string
		outcome transform.Outcome
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
		outcome: transform.Injected,
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
		outcome: transform.Injected,
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
		outcome: transform.Injected,
	}, {
		name:    "not a workload",
		inj:     injection(t, "mesh", proxy),
		input:   "apiVersion: v1\nkind: Service\nmetadata:\n  name: s\nspec:\n  ports:\n  - port: 80\n",
		want:    "apiVersion: v1\nkind: Service\nmetadata:\n  name: s\nspec:\n  ports:\n  - port: 80\n",
		outcome: "",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, results := run(t, tt.inj, tt.input)
			if diff := cmp.Diff(strings.TrimSpace(tt.want), strings.TrimSpace(got)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			var outcome transform.Outcome
			for _, r := range results {
				if r.Outcome != "" {
					outcome = r.Outcome
				}
			}
			if outcome != tt.outcome {
				t.Errorf("outcome = %q, want %q (results %v)", outcome, tt.outcome, results)
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
			got := len(results) > 0 && results[0].Outcome == transform.Injected
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

// TestReportAdd visits documents out of order, as workers do, and adds
// their Reports in the input's order: the run's results follow the
// input, and an injection counts as matched if any document matched it.
func TestReportAdd(t *testing.T) {
	pods := injection(t, "pods", "  containers: [{name: proxy, image: 'envoy:1'}]\n")
	jobs := injection(t, "jobs", "  containers: [{name: j, image: 'j:1'}]\n  targets: [{kind: Job}]\n")
	in := transform.NewInjector([]*transform.Injection{pods, jobs}, nil)
	docs := []*yaml.Node{parse(t, pod), parse(t, strings.ReplaceAll(pod, "name: p", "name: q")), parse(t, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n")}
	reports := make([]*transform.Report, len(docs))
	for i := len(docs) - 1; i >= 0; i-- {
		reports[i] = in.Document(docs[i])
	}
	var run transform.Report
	for _, r := range reports {
		run.Add(r)
	}
	var got []string
	for _, r := range append(run.Results, in.Unmatched(run.Matched())...) {
		who := r.Injection
		if r.Ref != nil {
			who = r.Ref.Name + " " + who
		}
		got = append(got, who+": "+string(r.Outcome))
	}
	want := []string{"p pods: injected", "q pods: injected", "jobs: "}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("results (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]bool{true, false}, run.Matched()); diff != "" {
		t.Errorf("matched (-want +got):\n%s", diff)
	}
	if len(run.Usage) != 2 || run.Usage[0].Ref.Name != "p" || run.Usage[1].Ref.Name != "q" {
		t.Errorf("usage not in input order: %+v", run.Usage)
	}
}

func parse(t *testing.T, doc string) *yaml.Node {
	t.Helper()
	n, err := yaml.Parse(doc)
	if err != nil {
		t.Fatal(err)
	}
	return n.YNode()
}
