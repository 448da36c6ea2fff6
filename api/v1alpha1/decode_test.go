package v1alpha1_test

import (
	"errors"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/inject-sidecars/inject-sidecars/api/v1alpha1"
)

const header = "apiVersion: inject-sidecars.dev/v1alpha1\nkind: SidecarInjection\nmetadata:\n  name: logging\n"

func decode(t *testing.T, src string) (*v1alpha1.SidecarInjection, error) {
	t.Helper()
	n, err := yaml.Parse(src)
	if err != nil {
		t.Fatalf("test input does not parse: %v", err)
	}
	return v1alpha1.Decode(n.YNode())
}

// TestDecodeErrors checks that each kind of config mistake is reported
// with the field path where it is.
func TestDecodeErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, spec string
		path, msg  string
	}{
		{"unknown container field", "containers:\n- name: a\n  imagee: x", "spec.containers[0].imagee", "unknown field"},
		{"missing image", "containers:\n- name: a", "spec.containers[0].image", "required"},
		{"missing container name", "containers:\n- image: x:1", "spec.containers[0].name", "required"},
		{"bad container name", "containers:\n- name: Bad_Name\n  image: x:1", "spec.containers[0].name", "not a valid name"},
		{"duplicate names across lists", "containers:\n- {name: a, image: x:1}\ninitContainers:\n- {name: a, image: y:1}", "spec.initContainers[0].name", "already the name of spec.containers[0]"},
		{"bad quantity", "containers:\n- name: a\n  image: x:1\n  resources:\n    limits:\n      cpu: lots", "spec.containers[0].resources.limits.cpu", `"lots" is not a quantity`},
		{"bad sizeLimit", "volumes:\n- name: v\n  emptyDir:\n    sizeLimit: huge", "spec.volumes[0].emptyDir.sizeLimit", "not a quantity"},
		{"wrong type", "containers:\n- name: a\n  image: x:1\n  ports:\n  - containerPort: http", "spec.containers[0].ports[0].containerPort", "expected a whole number, got string"},
		{"port out of range", "containers:\n- name: a\n  image: x:1\n  ports:\n  - containerPort: 70000", "spec.containers[0].ports[0].containerPort", "70000 is not a port"},
		{"port zero", "containers:\n- name: a\n  image: x:1\n  ports:\n  - containerPort: 0", "spec.containers[0].ports[0].containerPort", "0 is not a port"},
		{"hostPort out of range", "containers:\n- name: a\n  image: x:1\n  ports:\n  - {containerPort: 80, hostPort: 65536}", "spec.containers[0].ports[0].hostPort", "65536 is not a port"},
		{"duplicate sidecar ports", "containers:\n- name: a\n  image: x:1\n  ports: [{containerPort: 80}]\n- name: b\n  image: x:1\n  ports: [{containerPort: 80}]", "spec.containers[1].ports[0].containerPort", "already used by spec.containers[0].ports[0]"},
		{"nested unknown field", "containers:\n- name: a\n  image: x:1\n  resources:\n    limitz: {}", "spec.containers[0].resources.limitz", "unknown field"},
		{"unknown spec field", "containerz: []", "spec.containerz", "unknown field"},
		{"duplicate volume", "volumes:\n- {name: v, emptyDir: {}}\n- {name: v, emptyDir: {}}", "spec.volumes[1].name", "listed twice"},
		{"volume without name", "volumes:\n- emptyDir: {}", "spec.volumes[0].name", "required"},
		{"mount without path", "volumeMounts:\n- name: v", "spec.volumeMounts[0].mountPath", "required"},
		{"env without name", "env:\n- value: x", "spec.env[0].name", "required"},
		{"env twice", "env:\n- {name: A, value: x}\n- {name: A, value: y}", "spec.env[1].name", "set twice"},
		{"bad mode", "mode: sidecar\ncontainers:\n- {name: a, image: x:1}", "spec.mode", `"sidecar" is not one of native, classic`},
		{"bad position", "position: middle\ncontainers:\n- {name: a, image: x:1}", "spec.position", "not a position"},
		{"bad onConflict", "onConflict: ignore\ncontainers:\n- {name: a, image: x:1}", "spec.onConflict", "not one of error, skip, replace"},
		{"bad action", "action: remove\ncontainers:\n- {name: a, image: x:1}", "spec.action", "not one of inject, uninject"},
		{"bad regexp", "targets:\n- kind: 'Deploy(ment'\ncontainers:\n- {name: a, image: x:1}", "spec.targets[0].kind", "missing closing )"},
		{"bad label selector", "exclude:\n- labelSelector: 'app in web'\ncontainers:\n- {name: a, image: x:1}", "spec.exclude[0].labelSelector", "unable to parse requirement"},
		{"classic restartPolicy before 1.35", "mode: classic\nkubernetesVersion: '1.34'\ncontainers:\n- {name: a, image: x:1, restartPolicy: Always}", "spec.containers[0].restartPolicy", "only init containers"},
		{"restartPolicy not Always", "containers:\n- {name: a, image: x:1, restartPolicy: Never}", "spec.containers[0].restartPolicy", `"Never" is not supported: want Always: a native sidecar is an init container that keeps running; for one that runs to completion, use initContainers`},
		{"workloadKind without path", "workloadKinds:\n- kind: CloneSet\ncontainers:\n- {name: a, image: x:1}", "spec.workloadKinds[0].podSpecPath", "required"},
		{"workloadKind empty step", "workloadKinds:\n- {kind: CloneSet, podSpecPath: spec//spec}\ncontainers:\n- {name: a, image: x:1}", "spec.workloadKinds[0].podSpecPath", "empty step"},
		{"list expected", "containers: oops", "spec.containers", "expected a list"},
		{"podSpecPath with dots", "workloadKinds:\n- {kind: CloneSet, podSpecPath: spec.template.spec}\ncontainers:\n- {name: a, image: x:1}", "spec.workloadKinds[0].podSpecPath", `"spec.template.spec" is written with dots: steps are separated by /, as in spec/template/spec`},
		{"unquoted template", "containers:\n- name: a\n  image: {{ .Name }}", "spec.containers[0].image", `a template must be quoted, or YAML reads it as an object: write image: "{{ .Name }}"`},
		{"unquoted template deeper", "containers:\n- name: a\n  image: x:1\n  env:\n  - name: N\n    value: {{ .Namespace }}", "spec.containers[0].env[0].value", `a template must be quoted, or YAML reads it as an object: write value: "{{ .Namespace }}"`},
		{"unquoted template in a list", "containers:\n- name: a\n  image: x:1\n  args:\n  - {{ .Name }}", "spec.containers[0].args[0]", `a template must be quoted, or YAML reads it as an object: write - "{{ .Name }}"`},
		{"probe on a run-to-completion init container", "initContainers:\n- name: a\n  image: x:1\n  readinessProbe: {exec: {command: [\"true\"]}}", "spec.initContainers[0].readinessProbe", "run-to-completion init container"},
		{"lifecycle on a run-to-completion init container", "initContainers:\n- name: a\n  image: x:1\n  lifecycle: {preStop: {exec: {command: [\"true\"]}}}", "spec.initContainers[0].lifecycle", "run-to-completion init container"},
		{"requests above limits", "containers:\n- name: a\n  image: x:1\n  resources: {requests: {memory: 1Gi}, limits: {memory: 512Mi}}", "spec.containers[0].resources.requests[memory]", "above the limit 512Mi"},
		{"two probe handlers", "containers:\n- name: a\n  image: x:1\n  livenessProbe: {exec: {command: [x]}, tcpSocket: {port: 1}}", "spec.containers[0].livenessProbe", "names exec and tcpSocket"},
		{"no hook handler", "containers:\n- name: a\n  image: x:1\n  lifecycle: {preStop: {}}", "spec.containers[0].lifecycle.preStop", "required: a handler: one of exec, httpGet, tcpSocket or sleep"},
		{"port name too long", "containers:\n- name: a\n  image: x:1\n  ports: [{name: a-very-long-port-name, containerPort: 80}]", "spec.containers[0].ports[0].name", "no more than 15 characters"},
		{"port name not IANA", "containers:\n- name: a\n  image: x:1\n  ports: [{name: Web_UI, containerPort: 80}]", "spec.containers[0].ports[0].name", "not a valid port name"},
		{"bad kubernetesVersion", "kubernetesVersion: one-thirty\ncontainers:\n- {name: a, image: x:1}", "spec.kubernetesVersion", "not a Kubernetes version"},
		{"native below 1.28", "mode: native\nkubernetesVersion: v1.27.3\ncontainers:\n- {name: a, image: x:1}", "spec.mode", "need Kubernetes 1.29"},
		{"bad podSecurity", "podSecurity: strict\ncontainers:\n- {name: a, image: x:1}", "spec.podSecurity", "not a Pod Security level"},
		{"bad override field", "overrides: [command]\ncontainers:\n- {name: a, image: x:1}", "spec.overrides[0]", "not a field owners may override"},
		{"bad namespaceSelector", "targets:\n- namespaceSelector: 'a in b'\ncontainers:\n- {name: a, image: x:1}", "spec.targets[0].namespaceSelector", "unable to parse requirement"},
		{"map expected", "podLabels: [a]", "spec.podLabels", "expected an object, got array"},
		{"bad admission.validate", "admission: {validate: Block}\ncontainers:\n- {name: a, image: x:1}", "spec.admission.validate", `"Block" is not a validation action`},
		{"duplicate key in an entry", "containers:\n- name: a\n  image: x:1\n  image: y:1", "spec.containers[0].image", `duplicate key "image" (line 9; first at line 8)`},
		{"unknown admission field", "admission: {emitt: true}\ncontainers:\n- {name: a, image: x:1}", "spec.admission.emitt", "unknown field"},
		{"nothing to inject", "mode: native", "spec", "nothing to inject"},
		// No Go type names: a struct or a map is an object, a slice a list.
		{"object expected", "containers:\n- name: a\n  image: x:1\n  resources: oops", "spec.containers[0].resources", "expected an object, got string"},
		{"list of strings expected", "containers:\n- name: a\n  image: x:1\n  args: oops", "spec.containers[0].args", "expected a list, got string"},
		// Mode is a Go type of its own; the user reads "string".
		{"mode not a string", "mode: [native]\ncontainers:\n- {name: a, image: x:1}", "spec.mode", "expected string, got array"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			spec := "spec:\n" + indent(tt.spec)
			_, err := decode(t, header+spec)
			wantFieldError(t, err, tt.path, tt.msg)
		})
	}
}

// wantFieldError checks that err lists an error at path whose message
// contains msg.
func wantFieldError(t *testing.T, err error, path, msg string) {
	t.Helper()
	var ce *v1alpha1.ConfigError
	if !errors.As(err, &ce) {
		t.Fatalf("got %v, want a *ConfigError", err)
	}
	for _, fe := range ce.Errors {
		if fe.Field == path && strings.Contains(fe.Detail, msg) {
			return
		}
	}
	t.Errorf("no error at %s containing %q; got:\n%v", path, msg, ce)
}

func indent(s string) string {
	lines := strings.Split(s, "\n")
	for i := range lines {
		lines[i] = "  " + lines[i]
	}
	return strings.Join(lines, "\n") + "\n"
}

func TestDecodeDocumentErrors(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, src, path, msg string }{
		{"missing name", "apiVersion: inject-sidecars.dev/v1alpha1\nkind: SidecarInjection\nspec:\n  env: [{name: A, value: x}]\n", "metadata.name", "required"},
		{"bad name", "apiVersion: inject-sidecars.dev/v1alpha1\nkind: SidecarInjection\nmetadata: {name: Logging}\nspec:\n  env: [{name: A, value: x}]\n", "metadata.name", "not a valid name"},
		{"missing spec", header, "spec", "required"},
		{"spec not an object", header + "spec: 3\n", "spec", "expected an object"},
		{"unknown top-level field", header + "spec:\n  env: [{name: A, value: x}]\nstatus: {}\n", "status", "unknown field"},
		{"other kind", "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\n", "kind", "v1/Secret is not supported: want inject-sidecars.dev/v1alpha1/SidecarInjection or v1/ConfigMap"},
		{"other version", "apiVersion: inject-sidecars.dev/v2\nkind: SidecarInjection\nmetadata: {name: s}\n", "apiVersion", `"inject-sidecars.dev/v2" is not supported: use inject-sidecars.dev/v1alpha1`},
		{"configmap unknown key", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata:\n  name: p\n  image: e:1\n  colour: blue\n", "data.colour", "takes image, kinds, kubeVersion, mode, name, position"},
		{"configmap missing image", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata:\n  name: p\n", "data.image", "required"},
		{"configmap bad mode", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata:\n  name: p\n  image: e:1\n  mode: both\n", "spec.mode", "not one of"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := decode(t, tt.src)
			wantFieldError(t, err, tt.path, tt.msg)
		})
	}
	if _, err := v1alpha1.Decode(nil); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("nil functionConfig: got %v", err)
	}
}

func TestDecodeDefaultsAndHash(t *testing.T) {
	t.Parallel()
	c, err := decode(t, header+"spec:\n  containers:\n  - {name: a, image: 'x:1'}\n")
	if err != nil {
		t.Fatal(err)
	}
	s := c.Spec
	if s.Mode != "native" || s.Position != "first" || s.OnConflict != "error" || s.Action != "inject" {
		t.Errorf("defaults: mode=%q position=%q onConflict=%q action=%q", s.Mode, s.Position, s.OnConflict, s.Action)
	}
	classic, err := decode(t, header+"spec:\n  mode: classic\n  containers:\n  - {name: a, image: 'x:1'}\n")
	if err != nil {
		t.Fatal(err)
	}
	if classic.Spec.Position != "last" {
		t.Errorf("classic default position = %q, want last", classic.Spec.Position)
	}
	// mode: auto resolves by the Kubernetes version; native when none.
	for _, tt := range []struct{ version, mode, position string }{{"", "native", "first"}, {"1.28", "classic", "last"}, {"v1.29.0", "native", "first"}, {"1.33", "native", "first"}} {
		c, err := decode(t, header+"spec:\n  mode: auto\n  kubernetesVersion: '"+tt.version+"'\n  containers:\n  - {name: a, image: 'x:1'}\n")
		if err != nil {
			t.Fatal(err)
		}
		if string(c.Spec.Mode) != tt.mode || string(c.Spec.Position) != tt.position {
			t.Errorf("auto on %q: mode %s position %s, want %s %s", tt.version, c.Spec.Mode, c.Spec.Position, tt.mode, tt.position)
		}
	}
	// The ConfigMap form is the same injection as the SidecarInjection it
	// stands for.
	cm, err := decode(t, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: function-input}\ndata: {name: a, image: 'x:1'}\n")
	if err != nil {
		t.Fatal(err)
	}
	if cm.Metadata.Name != "a" || len(cm.Spec.Containers) != 1 || cm.Spec.Containers[0].Value.Image != "x:1" || cm.Spec.Mode != c.Spec.Mode || cm.Spec.Position != c.Spec.Position {
		t.Errorf("ConfigMap form: name %q, containers %v, mode %s, position %s", cm.Metadata.Name, cm.Spec.Containers, cm.Spec.Mode, cm.Spec.Position)
	}
}

func TestDecodeWarnings(t *testing.T) {
	t.Parallel()
	c, err := decode(t, header+"spec:\n  containers:\n  - {name: a, image: example/a}\n  - {name: b, image: 'b:latest', resources: {requests: {cpu: 1m}, limits: {cpu: 1m}}}\n  - {name: c, image: 'c@sha256:0000000000000000000000000000000000000000000000000000000000000000', resources: {requests: {cpu: 1m}, limits: {cpu: 1m}}}\n  - {name: d, image: 'registry:5000/d:1.0', resources: {requests: {cpu: 1m}, limits: {cpu: 1m}}}\n")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	warnings := c.BestPractices()
	for _, w := range warnings {
		got[w.Field.String()] = true
	}
	for _, want := range []string{"spec.containers[0].resources", "spec.containers[0].image", "spec.containers[1].image"} {
		if !got[want] {
			t.Errorf("no warning at %s; got %v", want, warnings)
		}
	}
	for _, not := range []string{"spec.containers[1].resources", "spec.containers[2].image", "spec.containers[3].image"} {
		if got[not] {
			t.Errorf("unexpected warning at %s", not)
		}
	}
}

func TestPositionParse(t *testing.T) {
	t.Parallel()
	type place struct {
		where  v1alpha1.Where
		anchor string
	}
	for in, want := range map[v1alpha1.Position]place{
		"first": {v1alpha1.First, ""}, "last": {v1alpha1.Last, ""}, "before:app": {v1alpha1.Before, "app"}, "after:x": {v1alpha1.After, "x"},
	} {
		where, anchor, err := in.Parse()
		if err != nil || where != want.where || anchor != want.anchor {
			t.Errorf("Parse(%q) = %q, %q, %v; want %q, %q", in, where, anchor, err, want.where, want.anchor)
		}
	}
	for _, bad := range []v1alpha1.Position{"", "middle", "before:", "after", "around:x"} {
		if _, _, err := bad.Parse(); err == nil {
			t.Errorf("Parse(%q) succeeded", bad)
		}
	}
}
