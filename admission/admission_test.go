package admission_test

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/version"
	"sigs.k8s.io/kustomize/kyaml/yaml"
	sigsyaml "sigs.k8s.io/yaml"

	"github.com/inject-sidecars/inject-sidecars/admission"
	"github.com/inject-sidecars/inject-sidecars/api/v1alpha1"
	"github.com/inject-sidecars/inject-sidecars/transform"
)

const header = "apiVersion: inject-sidecars.dev/v1alpha1\nkind: SidecarInjection\nmetadata:\n  name: logging\n"

func injection(t *testing.T, spec string) *transform.Injection {
	t.Helper()
	n, err := yaml.Parse(header + "spec:\n" + spec)
	if err != nil {
		t.Fatal(err)
	}
	inj, _, err := transform.Load(n.YNode(), v1alpha1.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return inj
}

func generate(t *testing.T, spec string) *policies {
	t.Helper()
	objs, err := admission.Generate(injection(t, spec))
	if err != nil {
		t.Fatal(err)
	}
	p := decodePolicies(t, objs)
	// v1beta1 clusters (1.34) take CEL of 1.33 for new expressions; v1
	// ones (1.36) of 1.35.
	for _, compat := range []*version.Version{version.MajorMinor(1, 33), version.MajorMinor(1, 35)} {
		p.compileAll(t, compat)
	}
	return p
}

func pod(t *testing.T, src string) *corev1.Pod {
	t.Helper()
	var p corev1.Pod
	if err := sigsyaml.UnmarshalStrict([]byte(src), &p); err != nil {
		t.Fatal(err)
	}
	return &p
}

func TestSmoke(t *testing.T) {
	t.Parallel()
	p := generate(t, `  containers:
  - name: fluent-bit
    image: fluent/fluent-bit:3.1.4
    args: ["--ns={{ .Namespace }}"]
  volumes: [{name: logs, emptyDir: {}}]
  volumeMounts: [{name: logs, mountPath: /var/log/app}]
  env: [{name: LOG_DIR, value: /var/log/app}]
`)
	out := p.admit(t, podRequest(pod(t, `
metadata: {name: web, namespace: shop}
spec:
  containers: [{name: app, image: app:1}]
`), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "shop"}}))
	b, _ := sigsyaml.Marshal(out.obj)
	t.Logf("%s\ncosts %v denied %q", b, out.costs, out.denied)
}
