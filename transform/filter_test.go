package transform_test

import (
	"flag"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/inject-sidecars/inject-sidecars/transform"
)

var _ = flag.Bool("update", false, "accepted so that go test ./... -update works; golden files live in ./fn")

func nodes(t *testing.T, src ...string) []*yaml.Node {
	t.Helper()
	out := make([]*yaml.Node, len(src))
	for i, s := range src {
		n, err := yaml.Parse(s)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = n.YNode()
	}
	return out
}

func run(t *testing.T, inj *transform.Injection, input string) (string, []transform.Result) {
	t.Helper()
	items, err := kio.FromBytes([]byte(input))
	if err != nil {
		t.Fatal(err)
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
	proxy := nodes(t, "name: proxy\nimage: envoy:1\n")
	tests := []struct {
		name   string
		inj    transform.Injection
		input  string
		want   string
		action string
	}{{
		name:  "native first",
		inj:   transform.Injection{Name: "mesh", Hash: "h1", Mode: transform.Native, Position: transform.Position{Where: "first"}, Containers: proxy},
		input: pod,
		want: `apiVersion: v1
kind: Pod
metadata:
  name: p
  annotations:
    inject-sidecars.dev/status: '{"mesh":{"hash":"h1","initContainers":["proxy"],"created":{"initContainers":"absent","metadata.annotations":"absent"}}}'
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
		inj:   transform.Injection{Name: "mesh", Hash: "h1", Mode: transform.Classic, Position: transform.Position{Where: "last"}, Containers: proxy},
		input: pod,
		want: `apiVersion: v1
kind: Pod
metadata:
  name: p
  annotations:
    inject-sidecars.dev/status: '{"mesh":{"hash":"h1","containers":["proxy"],"created":{"metadata.annotations":"absent"}}}'
spec:
  containers:
  - name: app
    image: app:1
  - name: proxy
    image: envoy:1
`,
		action: transform.ActionInjected,
	}, {
		name: "env and labels only",
		inj: transform.Injection{Name: "env", Hash: "h", Mode: transform.Native, Position: transform.Position{Where: "first"},
			Env: nodes(t, "name: REGION\nvalue: eu\n"), PodLabels: map[string]string{"region": "eu"}},
		input: pod,
		want: `apiVersion: v1
kind: Pod
metadata:
  name: p
  labels:
    region: eu
  annotations:
    inject-sidecars.dev/status: '{"env":{"hash":"h","env":{"app":["REGION"]},"podLabels":["region"],"created":{"containers.app.env":"absent","metadata.annotations":"absent","metadata.labels":"absent"}}}'
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
		inj:    transform.Injection{Name: "mesh", Hash: "h1", Mode: transform.Native, Position: transform.Position{Where: "first"}, Containers: proxy},
		input:  "apiVersion: v1\nkind: Service\nmetadata:\n  name: s\nspec:\n  ports:\n  - port: 80\n",
		want:   "apiVersion: v1\nkind: Service\nmetadata:\n  name: s\nspec:\n  ports:\n  - port: 80\n",
		action: "",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, results := run(t, &tt.inj, tt.input)
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
	deploy := "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web-1\n  namespace: shop\n  labels: {app: web, tier: front}\n  annotations: {team: payments}\nspec:\n  template:\n    spec:\n      containers:\n      - {name: app, image: 'a:1'}\n"
	tests := []struct {
		name string
		sel  transform.SelectorSpec
		want bool
	}{
		{"empty matches all", transform.SelectorSpec{}, true},
		{"kind regexp", transform.SelectorSpec{Kind: "Deploy.*"}, true},
		{"anchored: a prefix is not a match", transform.SelectorSpec{Kind: "Deploy"}, false},
		{"group", transform.SelectorSpec{Group: "apps"}, true},
		{"version", transform.SelectorSpec{Version: "v1beta1"}, false},
		{"name alternatives", transform.SelectorSpec{Name: "api|web-[0-9]"}, true},
		{"namespace", transform.SelectorSpec{Namespace: "kube-.*"}, false},
		{"label set", transform.SelectorSpec{LabelSelector: "app in (web,api),tier!=back"}, true},
		{"label missing", transform.SelectorSpec{LabelSelector: "env=prod"}, false},
		{"annotation", transform.SelectorSpec{AnnotationSelector: "team=payments"}, true},
		{"all must hold", transform.SelectorSpec{Kind: "Deployment", LabelSelector: "app=api"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sel, err := transform.NewSelector(tt.sel)
			if err != nil {
				t.Fatal(err)
			}
			inj := &transform.Injection{Name: "s", Hash: "h", Mode: transform.Native, Position: transform.Position{Where: "first"},
				Containers: nodes(t, "name: proxy\nimage: envoy:1\n"), Targets: []transform.Selector{sel}}
			_, results := run(t, inj, deploy)
			got := len(results) > 0 && results[0].Action == transform.ActionInjected
			if got != tt.want {
				t.Errorf("selected = %v, want %v (%v)", got, tt.want, results)
			}
		})
	}
}

func TestParsePosition(t *testing.T) {
	for in, want := range map[string]string{"first": "first", "last": "last", "before:app": "before:app", "after:x": "after:x"} {
		p, err := transform.ParsePosition(in)
		if err != nil || p.String() != want {
			t.Errorf("ParsePosition(%q) = %v, %v", in, p, err)
		}
	}
	for _, bad := range []string{"", "middle", "before:", "after", "around:x"} {
		if _, err := transform.ParsePosition(bad); err == nil {
			t.Errorf("ParsePosition(%q) succeeded", bad)
		}
	}
}
