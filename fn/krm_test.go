package fn_test

import (
	"bytes"
	"strings"
	"testing"

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
	t.Parallel()
	var out bytes.Buffer
	results, err := fn.Run(strings.NewReader(annotatedList), &out, nil)
	if err != nil || results.ExitCode() != 0 {
		t.Fatalf("%v %v\n%s", err, results, out.String())
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
