package v1alpha1_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"sigs.k8s.io/kustomize/kyaml/kio"

	"github.com/inject-sidecars/inject-sidecars/api/v1alpha1"
)

// compile loads our schema into a real JSON Schema validator.
func compile(t *testing.T) *jsonschema.Schema {
	t.Helper()
	b, err := v1alpha1.Schema()
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource(v1alpha1.SchemaID, doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(v1alpha1.SchemaID)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// asJSON turns a YAML document into the data a validator sees.
func asJSON(t *testing.T, src string) any {
	t.Helper()
	nodes, err := kio.FromBytes([]byte(src))
	if err != nil || len(nodes) != 1 {
		t.Fatalf("want one document: %v", err)
	}
	b, err := nodes[0].MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// Every SidecarInjection in examples/ and testdata/ validates against
// the schema.
func TestSchemaValidatesEveryConfig(t *testing.T) {
	t.Parallel()
	s := compile(t)
	var files []string
	for _, p := range []string{"../../testdata/*/config.yaml", "../../examples/*/inject.yaml", "../../examples/*/sidecars.yaml", "../../examples/*/*/inject.yaml"} {
		m, _ := filepath.Glob(p)
		files = append(files, m...)
	}
	n := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		nodes, err := kio.FromBytes(b)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, node := range nodes {
			if node.GetKind() != v1alpha1.Kind {
				continue // the ConfigMap form has no schema of its own
			}
			n++
			b, _ := node.MarshalJSON()
			v, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Validate(v); err != nil {
				t.Errorf("%s (%s): %v", f, node.GetName(), err)
			}
		}
	}
	if n < 50 {
		t.Errorf("only %d configs validated; the globs missed some", n)
	}
}

func TestSchemaRejectsBadConfigs(t *testing.T) {
	t.Parallel()
	s := compile(t)
	const head = "apiVersion: inject-sidecars.dev/v1alpha1\nkind: SidecarInjection\nmetadata: {name: x}\n"
	for name, src := range map[string]string{
		"unknown spec field":   "spec:\n  containerz: []\n",
		"mode not in enum":     "spec:\n  mode: both\n",
		"onConflict not enum":  "spec:\n  onConflict: ignore\n",
		"bad position":         "spec:\n  position: middle\n",
		"kubernetesVersion":    "spec:\n  kubernetesVersion: 1.30x\n",
		"container, no image":  "spec:\n  containers: [{name: a}]\n",
		"container, no name":   "spec:\n  containers: [{image: 'a:1'}]\n",
		"unknown in container": "spec:\n  containers: [{name: a, image: 'a:1', imagee: b}]\n",
		"port not a number":    "spec:\n  containers: [{name: a, image: 'a:1', ports: [{containerPort: http}]}]\n",
		// The enums of core/v1, as the API server takes them.
		"imagePullPolicy":          "spec:\n  containers: [{name: a, image: 'a:1', imagePullPolicy: Sometimes}]\n",
		"init imagePullPolicy":     "spec:\n  initContainers: [{name: a, image: 'a:1', imagePullPolicy: Whenever}]\n",
		"protocol lowercase":       "spec:\n  containers: [{name: a, image: 'a:1', ports: [{containerPort: 80, protocol: tcp}]}]\n",
		"terminationMessagePolicy": "spec:\n  containers: [{name: a, image: 'a:1', terminationMessagePolicy: Sometimes}]\n",
		"restartPolicy":            "spec:\n  containers: [{name: a, image: 'a:1', restartPolicy: Sometimes}]\n",
		"mountPropagation":         "spec:\n  volumeMounts: [{name: v, mountPath: /v, mountPropagation: Sideways}]\n",
		"probe scheme":             "spec:\n  containers: [{name: a, image: 'a:1', livenessProbe: {httpGet: {port: 80, scheme: FTP}}}]\n",
		"hostPath type":            "spec:\n  volumes: [{name: v, hostPath: {path: /x, type: Bogus}}]\n",
		"seccomp type":             "spec:\n  containers: [{name: a, image: 'a:1', securityContext: {seccompProfile: {type: Bogus}}}]\n",
		"resource named cpus":      "spec:\n  containers: [{name: a, image: 'a:1', resources: {limits: {cpus: 1}}}]\n",
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if err := s.Validate(asJSON(t, head+src)); err == nil {
				t.Errorf("the schema accepts:\n%s", src)
			}
		})
	}
	// Orchestrators add metadata of their own; the decoder reads it
	// leniently, and so does the schema.
	ok := head[:strings.Index(head, "metadata")] + "metadata:\n  name: x\n  annotations: {config.kubernetes.io/function: 'exec: {path: x}'}\n  uid: abc\nspec:\n  containers: [{name: a, image: 'a:1'}]\n"
	if err := s.Validate(asJSON(t, ok)); err != nil {
		t.Errorf("metadata with orchestrator fields: %v", err)
	}
	var m map[string]any
	b, _ := v1alpha1.Schema()
	if err := json.Unmarshal(b, &m); err != nil || m["$id"] != v1alpha1.SchemaID {
		t.Errorf("schema $id = %v (%v)", m["$id"], err)
	}
}

// TestSchemaEnums reads the enums back from the schema: each field
// lists exactly the values the API server takes.
func TestSchemaEnums(t *testing.T) {
	t.Parallel()
	b, err := v1alpha1.Schema()
	if err != nil {
		t.Fatal(err)
	}
	var s struct {
		Defs map[string]struct {
			Properties map[string]struct {
				Enum []string `json:"enum"`
			} `json:"properties"`
		} `json:"$defs"`
	}
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		def, prop string
		want      []string
	}{
		{"Container", "imagePullPolicy", []string{"Always", "IfNotPresent", "Never"}},
		{"Container", "terminationMessagePolicy", []string{"File", "FallbackToLogsOnError"}},
		{"Container", "restartPolicy", []string{"Always", "Never", "OnFailure"}},
		{"ContainerPort", "protocol", []string{"TCP", "UDP", "SCTP"}},
		{"VolumeMount", "mountPropagation", []string{"Bidirectional", "HostToContainer", "None"}},
		{"VolumeMount", "recursiveReadOnly", []string{"Disabled", "IfPossible", "Enabled"}},
		{"HTTPGetAction", "scheme", []string{"HTTP", "HTTPS"}},
		{"HostPathVolumeSource", "type", []string{"", "DirectoryOrCreate", "Directory", "FileOrCreate", "File", "Socket", "CharDevice", "BlockDevice"}},
		{"SecurityContext", "procMount", []string{"Default", "Unmasked"}},
		{"SeccompProfile", "type", []string{"Localhost", "RuntimeDefault", "Unconfined"}},
		{"AppArmorProfile", "type", []string{"Localhost", "RuntimeDefault", "Unconfined"}},
		{"ContainerResizePolicy", "restartPolicy", []string{"NotRequired", "RestartContainer"}},
		{"ImageVolumeSource", "pullPolicy", []string{"Always", "IfNotPresent", "Never"}},
	} {
		got := s.Defs[tt.def].Properties[tt.prop].Enum
		if strings.Join(got, ",") != strings.Join(tt.want, ",") {
			t.Errorf("%s.%s: enum %q, want %q", tt.def, tt.prop, got, tt.want)
		}
	}
}
