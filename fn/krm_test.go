package fn_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/inject-sidecars/inject-sidecars/fn"
)

const annotatedList = `apiVersion: config.kubernetes.io/v1
kind: ResourceList
items:
- apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: web
    annotations:
      config.kubernetes.io/index: '0'
      config.kubernetes.io/path: 'apps/web.yaml'
      internal.config.kubernetes.io/index: '0'
      internal.config.kubernetes.io/path: 'apps/web.yaml'
      internal.config.kubernetes.io/seqindent: 'compact'
      kustomize.config.k8s.io/id: |
        group: apps
        kind: Deployment
        name: web
        version: v1
  spec:
    template:
      spec:
        containers:
        - name: web
          image: nginx:1.27.0
- apiVersion: v1
  kind: Service
  metadata:
    name: web
    annotations:
      config.kubernetes.io/path: 'apps/svc.yaml'
      internal.config.kubernetes.io/path: 'apps/svc.yaml'
  spec:
    ports:
    - port: 80
functionConfig:
  apiVersion: inject-sidecars.dev/v1alpha1
  kind: SidecarInjection
  metadata:
    name: mesh
  spec:
    containers:
    - name: proxy
      image: envoyproxy/envoy:v1.31.0
      resources:
        requests: {cpu: 10m, memory: 16Mi}
        limits: {memory: 64Mi}
`

// TestKRMKeepsOrchestratorAnnotations checks that the path, index, id and
// seqindent annotations kpt and kustomize put on items come back as they
// went in, and that results name the file from them.
func TestKRMKeepsOrchestratorAnnotations(t *testing.T) {
	var out, errb bytes.Buffer
	if code := fn.RunKRM(strings.NewReader(annotatedList), &out, &errb, nil); code != 0 {
		t.Fatalf("exit %d: %s\n%s", code, errb.String(), out.String())
	}
	got := out.String()
	for _, want := range []string{
		"config.kubernetes.io/index: '0'", "config.kubernetes.io/path: 'apps/web.yaml'",
		"internal.config.kubernetes.io/index: '0'", "internal.config.kubernetes.io/path: 'apps/web.yaml'",
		"internal.config.kubernetes.io/seqindent: 'compact'",
		"kustomize.config.k8s.io/id: |\n        group: apps\n        kind: Deployment\n        name: web\n        version: v1\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lost %q:\n%s", want, got)
		}
	}
	if !strings.Contains(got, "- apiVersion: v1\n  kind: Service\n  metadata:\n    name: web\n    annotations:\n      config.kubernetes.io/path: 'apps/svc.yaml'\n      internal.config.kubernetes.io/path: 'apps/svc.yaml'\n  spec:\n    ports:\n    - port: 80\n") {
		t.Errorf("the Service changed:\n%s", got)
	}
	if !strings.Contains(got, "  file:\n    path: apps/web.yaml\n") {
		t.Errorf("the result does not name the file:\n%s", got)
	}
}

// TestKRMMatchesPlain checks that the KRM path and plain mode inject the
// same thing: the items of a golden case, run as a ResourceList, equal
// the golden output as data.
func TestKRMMatchesPlain(t *testing.T) {
	for _, c := range []string{"pattern-log-collector", "mode-classic-first", "kind-cronjob", "multiple-app-containers"} {
		t.Run(c, func(t *testing.T) {
			in := readFile(t, "../testdata/"+c+"/input.yaml")
			cfg := readFile(t, "../testdata/"+c+"/config.yaml")
			var out, errb bytes.Buffer
			if code := fn.RunKRM(bytes.NewReader(toResourceList(in, cfg)), &out, &errb, nil); code != 0 {
				t.Fatalf("exit %d: %s", code, errb.String())
			}
			rl, err := fn.ReadResourceList(&out)
			if err != nil {
				t.Fatal(err)
			}
			var got []any
			for _, it := range rl.Items {
				var v any
				if err := it.YNode().Decode(&v); err != nil {
					t.Fatal(err)
				}
				got = append(got, v)
			}
			if diff := cmp.Diff(resources(t, readFile(t, "../testdata/"+c+"/expected.yaml")), got); diff != "" {
				t.Errorf("KRM output differs from plain mode (-plain +krm):\n%s", diff)
			}
		})
	}
}
