package admission_test

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/kustomize/kyaml/kio"
	sigsyaml "sigs.k8s.io/yaml"

	"github.com/inject-sidecars/inject-sidecars/transform"
)

// offline injects the Pod with transform, as the command does; it
// returns the Pod and whether transform reported an error.
func offline(t *testing.T, inj *transform.Injection, podYAML, nsYAML string) (*corev1.Pod, []transform.Result) {
	t.Helper()
	src := "apiVersion: v1\nkind: Pod\n" + podYAML
	if nsYAML != "" {
		src += "\n---\napiVersion: v1\nkind: Namespace\n" + nsYAML
	}
	nodes, err := kio.FromBytes([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	f := &transform.Filter{Injections: []*transform.Injection{inj}}
	if _, err := f.Filter(nodes); err != nil {
		t.Fatal(err)
	}
	b, err := nodes[0].MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	var p corev1.Pod
	if err := json.Unmarshal(b, &p); err != nil {
		t.Fatal(err)
	}
	return &p, f.Results
}

var hashField = regexp.MustCompile(`"hash":"[^"]*"`)

// comparable is what the parity tests compare: the spec and the labels
// and annotations, with the status's hash left aside (the offline
// fingerprint is a SHA-256 that CEL cannot compute).
func comparable(p *corev1.Pod) any {
	annotations := map[string]string{}
	for k, v := range p.Annotations {
		annotations[k] = hashField.ReplaceAllString(v, `"hash":"-"`)
	}
	return struct {
		Labels, Annotations map[string]string
		Spec                corev1.PodSpec
	}{p.Labels, annotations, p.Spec}
}

func nsObject(t *testing.T, nsYAML, name string) *corev1.Namespace {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
	if nsYAML != "" {
		if err := sigsyaml.UnmarshalStrict([]byte(nsYAML), ns); err != nil {
			t.Fatal(err)
		}
	}
	return ns
}

// TestParity: for each feature, the Pod the policy admits is the Pod
// transform writes offline; what transform refuses, the policy refuses
// (denied) or leaves alone, as onConflict says.
func TestParity(t *testing.T) {
	t.Parallel()
	const app = "metadata: {name: web, namespace: shop, labels: {app: web}}\nspec:\n  containers:\n  - {name: app, image: 'app:1', ports: [{containerPort: 8080}]}\n"
	const sidecar = "  containers:\n  - {name: fluent-bit, image: 'fluent/fluent-bit:3.1.4'}\n"
	tests := []struct {
		name, spec, pod, ns string
		// want: "injected" (admitted like offline), "unchanged", or a
		// piece of the denial message.
		want string
	}{
		{"native first", sidecar, app, "", "injected"},
		{"native last after existing sidecars", sidecar + "  position: last\n", "metadata: {name: web, namespace: shop}\nspec:\n  initContainers: [{name: init, image: 'i:1'}]\n  containers: [{name: app, image: 'app:1'}]\n", "", "injected"},
		{"native before", sidecar + "  position: before:b\n", "metadata: {name: web, namespace: shop}\nspec:\n  initContainers: [{name: a, image: 'i:1'}, {name: b, image: 'i:1'}]\n  containers: [{name: app, image: 'app:1'}]\n", "", "injected"},
		{"native after", sidecar + "  position: after:a\n", "metadata: {name: web, namespace: shop}\nspec:\n  initContainers: [{name: a, image: 'i:1'}, {name: b, image: 'i:1'}]\n  containers: [{name: app, image: 'app:1'}]\n", "", "injected"},
		{"native with run-to-completion init containers", sidecar + "  initContainers: [{name: migrate, image: 'm:1'}]\n", app, "", "injected"},
		{"classic first sets default-container", sidecar + "  mode: classic\n  position: first\n", app, "", "injected"},
		{"classic first keeps a default-container", sidecar + "  mode: classic\n  position: first\n", "metadata: {name: web, namespace: shop, annotations: {kubectl.kubernetes.io/default-container: app}}\nspec:\n  containers: [{name: app, image: 'app:1'}, {name: helper, image: 'h:1'}]\n", "", "injected"},
		{"classic last with init containers", sidecar + "  mode: classic\n  initContainers: [{name: migrate, image: 'm:1'}]\n", app, "", "injected"},
		{"classic after", sidecar + "  mode: classic\n  position: after:app\n", "metadata: {name: web, namespace: shop}\nspec:\n  containers: [{name: app, image: 'app:1'}, {name: helper, image: 'h:1'}]\n", "", "injected"},
		{"volumes, mounts and env into app containers", sidecar + "  volumes: [{name: logs, emptyDir: {}}, {name: cfg, configMap: {name: fb}}]\n  volumeMounts: [{name: logs, mountPath: /var/log/app}]\n  env: [{name: LOG_DIR, value: /var/log/app}, {name: POD, valueFrom: {fieldRef: {fieldPath: metadata.name}}}]\n",
			"metadata: {name: web, namespace: shop}\nspec:\n  containers:\n  - {name: b, image: 'b:1', env: [{name: X, value: x}]}\n  - {name: a, image: 'a:1', volumeMounts: [{name: data, mountPath: /data}]}\n  volumes: [{name: data, emptyDir: {}}]\n", "", "injected"},
		{"appContainers", sidecar + "  volumeMounts: [{name: logs, mountPath: /logs}]\n  volumes: [{name: logs, emptyDir: {}}]\n  appContainers: [a]\n", "metadata: {name: web, namespace: shop}\nspec:\n  containers: [{name: b, image: 'b:1'}, {name: a, image: 'a:1'}]\n", "", "injected"},
		{"identical volume and env shared", sidecar + "  volumes: [{name: logs, emptyDir: {}}]\n  env: [{name: E, value: v}]\n", "metadata: {name: web, namespace: shop}\nspec:\n  containers: [{name: app, image: 'app:1', env: [{name: E, value: v}]}]\n  volumes: [{name: logs, emptyDir: {}}]\n", "", "injected"},
		{"pod labels, annotations and pull secrets", sidecar + "  podLabels: {logging: 'on'}\n  podAnnotations: {fluentbit.io/parser: json, same: v}\n  imagePullSecrets: [{name: regcred}, {name: other}]\n", "metadata: {name: web, namespace: shop, annotations: {same: v}}\nspec:\n  imagePullSecrets: [{name: other}]\n  containers: [{name: app, image: 'app:1'}]\n", "", "injected"},
		{"templates", "  containers:\n  - name: fluent-bit\n    image: 'fluent/fluent-bit:3.1.4'\n    args: [--static, '{{ .Name }}', '--ns={{ .Namespace }}', '--name={{ .Name }}', '--kind={{ .Kind }}', '--app={{ index .Labels \"app\" }}', '--team={{ index .Annotations \"team\" }}']\n    env: [{name: APP, value: '{{ index .Labels \"app\" }}'}]\n",
			"metadata: {name: web, namespace: shop, labels: {app: web}, annotations: {team: payments}}\nspec:\n  containers: [{name: app, image: 'app:1'}]\n", "", "injected"},
		{"a template's label missing", "  containers:\n  - name: fluent-bit\n    image: 'fluent/fluent-bit:3.1.4'\n    args: ['--app={{ index .Labels \"tier\" }}']\n", app, "", "label \"tier\""},
		{"another injection's status kept, entries sorted", sidecar, "metadata: {name: web, namespace: shop, annotations: {inject-sidecars.dev/status: '{\"aaa\":{\"hash\":\"0\",\"containers\":[\"x\"]},\"zzz\":{\"hash\":\"1\"}}'}}\nspec:\n  containers: [{name: app, image: 'app:1'}, {name: x, image: 'x:1'}]\n", "", "injected"},
		{"already injected", sidecar, "metadata: {name: web, namespace: shop, annotations: {inject-sidecars.dev/status: '{\"logging\":{\"hash\":\"0\",\"initContainers\":[\"fluent-bit\"]}}'}}\nspec:\n  initContainers: [{name: fluent-bit, image: 'fluent/fluent-bit:3.1.4', restartPolicy: Always}]\n  containers: [{name: app, image: 'app:1'}]\n", "", "unchanged"},
		{"not targeted", sidecar + "  targets: [{labelSelector: 'app in (api)'}]\n", app, "", "unchanged"},
		{"targeted by labels", sidecar + "  targets: [{labelSelector: 'app in (api,web)', kind: Pod}]\n", app, "", "injected"},
		{"excluded namespace", sidecar + "  exclude: [{namespace: shop}]\n", app, "", "unchanged"},
		{"namespaceSelector", sidecar + "  targets: [{namespaceSelector: mesh=on}]\n", app, "metadata: {name: shop, labels: {mesh: 'on'}}", "injected"},
		{"namespaceSelector not matching", sidecar + "  targets: [{namespaceSelector: mesh=on}]\n", app, "metadata: {name: shop}", "unchanged"},
		{"annotationSelector and notin", sidecar + "  targets: [{annotationSelector: 'team notin (ops)'}]\n", "metadata: {name: web, namespace: shop, annotations: {team: ops}}\nspec:\n  containers: [{name: app, image: 'app:1'}]\n", "", "unchanged"},
		{"opted out", sidecar, "metadata: {name: web, namespace: shop, annotations: {inject-sidecars.dev/inject: 'false'}}\nspec:\n  containers: [{name: app, image: 'app:1'}]\n", "", "unchanged"},
		{"optIn without the annotation", sidecar + "  optIn: true\n", app, "", "unchanged"},
		{"optIn by list", sidecar + "  optIn: true\n", "metadata: {name: web, namespace: shop, annotations: {inject-sidecars.dev/inject: 'mesh, logging'}}\nspec:\n  containers: [{name: app, image: 'app:1'}]\n", "", "injected"},
		{"list without it", sidecar, "metadata: {name: web, namespace: shop, annotations: {inject-sidecars.dev/inject: mesh}}\nspec:\n  containers: [{name: app, image: 'app:1'}]\n", "", "unchanged"},
		{"namespace opts in", sidecar + "  optIn: true\n", app, "metadata: {name: shop, annotations: {inject-sidecars.dev/inject: 'true'}}", "injected"},
		{"name conflict, error", sidecar, "metadata: {name: web, namespace: shop}\nspec:\n  containers: [{name: fluent-bit, image: 'app:1'}]\n", "", "container \"fluent-bit\" already exists"},
		{"name conflict, skip", sidecar + "  onConflict: skip\n", "metadata: {name: web, namespace: shop}\nspec:\n  containers: [{name: fluent-bit, image: 'app:1'}]\n", "", "unchanged"},
		{"hostNetwork with hostPort != containerPort", "  containers:\n  - {name: agent, image: 'a:1', ports: [{containerPort: 9100, hostPort: 19100}]}\n", "metadata: {name: web, namespace: shop}\nspec:\n  hostNetwork: true\n  containers: [{name: app, image: 'app:1'}]\n", "", "hostPort 19100 and containerPort 9100"},
		{"port conflict", "  containers:\n  - {name: fluent-bit, image: 'f:1', ports: [{containerPort: 8080}]}\n", app, "", "port 8080/TCP"},
		{"volume conflict", sidecar + "  volumes: [{name: data, emptyDir: {}}]\n", "metadata: {name: web, namespace: shop}\nspec:\n  containers: [{name: app, image: 'app:1'}]\n  volumes: [{name: data, configMap: {name: x}}]\n", "", "volume \"data\" already exists"},
		{"mount conflict", sidecar + "  volumes: [{name: logs, emptyDir: {}}]\n  volumeMounts: [{name: logs, mountPath: /logs}]\n", "metadata: {name: web, namespace: shop}\nspec:\n  containers: [{name: app, image: 'app:1', volumeMounts: [{name: data, mountPath: /logs}]}]\n  volumes: [{name: data, emptyDir: {}}]\n", "", "already mounts something else at /logs"},
		{"env conflict", sidecar + "  env: [{name: E, value: v}]\n", "metadata: {name: web, namespace: shop}\nspec:\n  containers: [{name: app, image: 'app:1', env: [{name: E, value: w}]}]\n", "", "already sets E"},
		{"label conflict", sidecar + "  podLabels: {app: logs}\n", app, "", "pod label app is already set"},
		{"position anchor missing", sidecar + "  position: before:nope\n", app, "", "no container \"nope\""},
		// Offline, owners' overrides are applied; CEL cannot read the
		// annotation's YAML, so the policy refuses the Pod instead.
		{"owner overrides", sidecar, "metadata: {name: web, namespace: shop, annotations: {inject-sidecars.dev/overrides: '{logging: {containers: [{name: fluent-bit, resources: {}}]}}'}}\nspec:\n  containers: [{name: app, image: 'app:1'}]\n", "", "overrides"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			inj := injection(t, tt.spec)
			p := generate(t, tt.spec)
			before := pod(t, tt.pod)
			ns := nsObject(t, tt.ns, "shop")
			got := p.admit(t, podRequest(before.DeepCopy(), ns))
			want, results := offline(t, inj, tt.pod, tt.ns)
			switch tt.want {
			case "injected":
				for _, r := range results {
					if r.Severity == transform.Error {
						t.Fatalf("offline: %s", r.Message)
					}
				}
				if got.denied != "" {
					t.Fatalf("denied: %s", got.denied)
				}
				if d := cmp.Diff(comparable(want), comparable(got.obj.(*corev1.Pod))); d != "" {
					t.Errorf("admission and offline differ (-offline +admission):\n%s", d)
				}
			case "unchanged":
				if got.denied != "" {
					t.Fatalf("denied: %s", got.denied)
				}
				if d := cmp.Diff(comparable(before), comparable(got.obj.(*corev1.Pod))); d != "" {
					t.Errorf("admission changed the Pod:\n%s", d)
				}
				if d := cmp.Diff(comparable(before), comparable(want)); d != "" {
					t.Errorf("offline changed the Pod, admission did not:\n%s", d)
				}
			default:
				if !strings.Contains(got.denied, tt.want) {
					t.Errorf("denial %q does not say %q", got.denied, tt.want)
				}
				if d := cmp.Diff(comparable(before), comparable(want)); d != "" && tt.name != "owner overrides" {
					t.Errorf("offline changed the Pod, admission refused it:\n%s", d)
				}
			}
		})
	}
}
