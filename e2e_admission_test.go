package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/inject-sidecars/inject-sidecars/admission"
	"github.com/inject-sidecars/inject-sidecars/api/v1alpha1"
	"github.com/inject-sidecars/inject-sidecars/internal/testkit"
	"github.com/inject-sidecars/inject-sidecars/internal/yamlnode"
	"github.com/inject-sidecars/inject-sidecars/transform"
)

// The admission tests install the generated policies in the real
// kube-apiserver and create Pods raw: what the server stores must be
// what the tool writes offline.

// podSpecPaths are where the built-in kinds keep their Pod template.
var podSpecPaths = map[string][]string{
	"Pod": {"spec"}, "PodTemplate": {"template", "spec"}, "ReplicationController": {"spec", "template", "spec"},
	"Deployment": {"spec", "template", "spec"}, "ReplicaSet": {"spec", "template", "spec"}, "StatefulSet": {"spec", "template", "spec"},
	"DaemonSet": {"spec", "template", "spec"}, "Job": {"spec", "template", "spec"}, "CronJob": {"spec", "jobTemplate", "spec", "template", "spec"},
}

func dig(m map[string]any, path ...string) map[string]any {
	for _, p := range path {
		m, _ = m[p].(map[string]any)
	}
	return m
}

func strMap(v any) map[string]any {
	m, _ := v.(map[string]any)
	if m == nil {
		return map[string]any{}
	}
	return m
}

// asPod turns a workload into the Pod its controller would create, made
// so that admission reads it as transform reads the workload: owned by
// the workload (its kind and name), the workload's labels and
// annotations merged under its template's, generateName for a name.
func asPod(doc map[string]any) map[string]any {
	kind, _ := doc["kind"].(string)
	path := podSpecPaths[kind]
	meta := strMap(doc["metadata"])
	tmplMeta := meta
	if len(path) > 1 {
		tmplMeta = strMap(dig(doc, path[:len(path)-1]...)["metadata"])
	}
	labels, annotations := map[string]any{}, map[string]any{}
	for _, src := range []map[string]any{meta, tmplMeta} {
		for k, v := range strMap(src["labels"]) {
			labels[k] = v
		}
		for k, v := range strMap(src["annotations"]) {
			annotations[k] = v
		}
	}
	name, _ := meta["name"].(string)
	podMeta := map[string]any{"generateName": name + "-", "namespace": meta["namespace"], "labels": labels, "annotations": annotations}
	if kind != "Pod" {
		podMeta["ownerReferences"] = []any{map[string]any{"apiVersion": doc["apiVersion"], "kind": kind, "name": name,
			"uid": "00000000-0000-4000-8000-000000000001", "controller": true}}
	}
	return map[string]any{"apiVersion": "v1", "kind": "Pod", "metadata": podMeta, "spec": dig(doc, path...)}
}

// create creates obj for real (or with dry run) and returns what the
// server stored, or its refusal.
func (s *apiServer) create(t *testing.T, path string, obj any, dryRun bool) (map[string]any, string) {
	t.Helper()
	body, err := json.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	if dryRun {
		path += "?dryRun=All"
	}
	code, out, _, err := s.do("POST", path, "application/json", body)
	if err != nil {
		t.Fatal(err)
	}
	if code >= 300 {
		var st struct{ Message string }
		json.Unmarshal(out, &st)
		if st.Message == "" {
			st.Message = string(out)
		}
		return nil, st.Message
	}
	var got map[string]any
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatal(err)
	}
	return got, ""
}

func (s *apiServer) createPod(t *testing.T, pod map[string]any, dryRun bool) (map[string]any, string) {
	ns, _ := strMap(pod["metadata"])["namespace"].(string)
	if ns == "" {
		ns = "default"
	}
	return s.create(t, "/api/v1/namespaces/"+ns+"/pods", pod, dryRun)
}

func (s *apiServer) remove(t *testing.T, path string) {
	t.Helper()
	if code, out, _, err := s.do("DELETE", path, "", nil); err != nil || (code >= 300 && code != 404) {
		t.Errorf("deleting %s: %d %v %s", path, code, err, out)
	}
}

var policyPaths = map[string]string{
	"MutatingAdmissionPolicy": "mutatingadmissionpolicies", "MutatingAdmissionPolicyBinding": "mutatingadmissionpolicybindings",
	"ValidatingAdmissionPolicy": "validatingadmissionpolicies", "ValidatingAdmissionPolicyBinding": "validatingadmissionpolicybindings",
}

// install creates the policies (renamed with suffix, so that a case
// never meets an earlier case's policy on its way out), then a sentinel
// pair of policies; it returns once the sentinel is seen at work, and
// the function it returns deletes them all and returns once the
// sentinel is gone. Policies reach the admission chain through
// informers, in the order they were written, so the sentinel says when
// the case's policies are in place, and when they are gone.
func (s *apiServer) install(t *testing.T, objs []map[string]any, suffix string) func() {
	t.Helper()
	var paths []string
	for _, m := range append(objs, sentinel(suffix)...) {
		meta := strMap(m["metadata"])
		base := "/apis/" + m["apiVersion"].(string) + "/" + policyPaths[m["kind"].(string)]
		if _, msg := s.create(t, base, m, false); msg != "" {
			t.Fatalf("creating %s %s: %s", m["kind"], meta["name"], msg)
		}
		paths = append(paths, base+"/"+meta["name"].(string))
	}
	probe := map[string]any{"apiVersion": "v1", "kind": "Pod", "metadata": map[string]any{"generateName": "probe-", "namespace": "default",
		"labels": map[string]any{"e2e-sentinel": "x" + suffix}}, "spec": map[string]any{"containers": []any{map[string]any{"name": "c", "image": "busybox:1.36"}}}}
	s.await(t, probe, func(_ map[string]any, msg string) bool { return strings.Contains(msg, "sentinel seen=yes") })
	return func() {
		for i := len(paths) - 1; i >= 0; i-- {
			s.remove(t, paths[i])
		}
		s.await(t, probe, func(got map[string]any, _ string) bool {
			return got != nil && strMap(strMap(got["metadata"])["labels"])["e2e-sentinel-seen"] == nil
		})
	}
}

// renamed are the policies as maps, their names suffixed; with a case
// label, each policy also matches only what carries it, so that the
// policies of every case can be in place at once.
func renamed(t *testing.T, objs []*yaml.RNode, suffix, caseLabel string) []map[string]any {
	var out []map[string]any
	for _, o := range objs {
		var m map[string]any
		b, err := o.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		json.Unmarshal(b, &m)
		meta := strMap(m["metadata"])
		meta["name"] = meta["name"].(string) + suffix
		spec := strMap(m["spec"])
		if spec["policyName"] != nil {
			spec["policyName"] = spec["policyName"].(string) + suffix
		}
		if caseLabel != "" && spec["matchConstraints"] != nil {
			conds, _ := spec["matchConditions"].([]any)
			spec["matchConditions"] = append(conds, map[string]any{"name": "e2e-case", "expression": fmt.Sprintf(
				`has(object.metadata.labels) && %q in object.metadata.labels && object.metadata.labels[%q] == %q`, caseLabelKey, caseLabelKey, caseLabel)})
		}
		out = append(out, m)
	}
	return out
}

// sentinel is a mutating policy that labels the probe Pod and a
// validating one that refuses it, saying whether it was labelled.
func sentinel(suffix string) []map[string]any {
	name := "e2e-sentinel" + suffix
	rules := map[string]any{"resourceRules": []any{map[string]any{"apiGroups": []any{""}, "apiVersions": []any{"v1"}, "operations": []any{"CREATE"}, "resources": []any{"pods"}}}}
	match := []any{map[string]any{"name": "probe", "expression": fmt.Sprintf(`has(object.metadata.labels) && "e2e-sentinel" in object.metadata.labels && object.metadata.labels["e2e-sentinel"] == "x%s"`, suffix)}}
	obj := func(apiVersion, kind string, spec map[string]any) map[string]any {
		return map[string]any{"apiVersion": apiVersion, "kind": kind, "metadata": map[string]any{"name": name}, "spec": spec}
	}
	return []map[string]any{
		obj("admissionregistration.k8s.io/v1", "MutatingAdmissionPolicy", map[string]any{"matchConstraints": rules, "matchConditions": match,
			"failurePolicy": "Fail", "reinvocationPolicy": "Never", "mutations": []any{map[string]any{"patchType": "JSONPatch",
				"jsonPatch": map[string]any{"expression": `[JSONPatch{op: "add", path: "/metadata/labels/e2e-sentinel-seen", value: "yes"}]`}}}}),
		obj("admissionregistration.k8s.io/v1", "MutatingAdmissionPolicyBinding", map[string]any{"policyName": name}),
		obj("admissionregistration.k8s.io/v1", "ValidatingAdmissionPolicy", map[string]any{"matchConstraints": rules, "matchConditions": match,
			"failurePolicy": "Fail", "validations": []any{map[string]any{"expression": "false",
				"messageExpression": `"sentinel seen=" + ("e2e-sentinel-seen" in object.metadata.labels ? object.metadata.labels["e2e-sentinel-seen"] : "no")`}}}),
		obj("admissionregistration.k8s.io/v1", "ValidatingAdmissionPolicyBinding", map[string]any{"policyName": name, "validationActions": []any{"Deny"}}),
	}
}

// caseLabelKey marks the Pods of one parity case (on both sides).
const caseLabelKey = "e2e.inject-sidecars.dev/case"

var hashRe = regexp.MustCompile(`"hash":"[^"]*"`)

// stored is what the parity compares of a stored Pod: its labels, its
// annotations (the status's hash aside: CEL cannot compute the offline
// SHA-256) and its spec, without the service-account token volume the
// server may add.
func stored(pod map[string]any) map[string]any {
	meta := strMap(pod["metadata"])
	annotations := map[string]any{}
	for k, v := range strMap(meta["annotations"]) {
		annotations[k] = hashRe.ReplaceAllString(fmt.Sprint(v), `"hash":"-"`)
	}
	spec := strMap(pod["spec"])
	if vols, ok := spec["volumes"].([]any); ok {
		var kept []any
		for _, v := range vols {
			if n, _ := strMap(v)["name"].(string); !strings.HasPrefix(n, "kube-api-access-") {
				kept = append(kept, v)
			}
		}
		spec["volumes"] = kept
	}
	return map[string]any{"labels": meta["labels"], "annotations": annotations, "spec": spec}
}

// applyNamespaceFull applies a Namespace with its labels and annotations
// (annotations carry the inject default).
func (s *apiServer) applyNamespaceFull(t *testing.T, name string, labels, annotations map[string]any) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": name, "labels": labels, "annotations": annotations}})
	code, out, _, err := s.do("PATCH", "/api/v1/namespaces/"+name+"?fieldManager=e2e&force=true", "application/apply-patch+yaml", body)
	if err != nil || code >= 300 {
		t.Fatalf("applying Namespace %s: %d %v %s", name, code, err, out)
	}
}

// loadInjections reads a config file as plain mode does.
func loadInjections(t *testing.T, path, kubeVersion string) []*transform.Injection {
	t.Helper()
	nodes, err := kio.FromBytes(testkit.ReadFile(t, path))
	if err != nil {
		t.Fatal(err)
	}
	var out []*transform.Injection
	for _, n := range nodes {
		inj, _, err := transform.Load(n.YNode(), v1alpha1.Options{KubeVersion: kubeVersion})
		if err != nil {
			return nil // a config the tool refuses: nothing to compare
		}
		out = append(out, inj)
	}
	return out
}

type admissionCase struct {
	name, config, input, kubeVersion string
	uninject                         bool
}

// admissionCases are every golden case and every example with a config.
func admissionCases(t *testing.T) []admissionCase {
	var out []admissionCase
	configs, _ := filepath.Glob("testdata/*/config.yaml")
	for _, cfg := range configs {
		dir := filepath.Dir(cfg)
		c := admissionCase{name: filepath.Base(dir), config: cfg, input: filepath.Join(dir, "input.yaml")}
		if args, err := os.ReadFile(filepath.Join(dir, "args")); err == nil {
			f := strings.Fields(string(args))
			for i := range f {
				switch f[i] {
				case "--uninject":
					c.uninject = true
				case "--kube-version":
					c.kubeVersion = f[i+1]
				}
			}
		}
		out = append(out, c)
	}
	for _, ex := range [][3]string{
		{"log-collector", "inject.yaml", "app.yaml"}, {"mesh-proxy", "inject.yaml", "app.yaml"}, {"config-reload", "inject.yaml", "app.yaml"},
		{"cronjob-native-sidecar", "inject.yaml", "cronjob.yaml"}, {"owner-overrides", "inject.yaml", "app.yaml"},
		{"pod-security", "inject.yaml", "app.yaml"}, {"helm-post-render", "sidecars.yaml", "rendered.yaml"},
		{"admission-policy", "inject.yaml", "app.yaml"},
	} {
		dir := filepath.Join("examples", ex[0])
		out = append(out, admissionCase{name: "examples/" + ex[0], config: filepath.Join(dir, ex[1]), input: filepath.Join(dir, ex[2])})
	}
	return out
}

// docsOf reads a stream into one map per resource (List items apart),
// repaired as the other API server tests repair them.
func docsOf(t *testing.T, nodes []*yaml.RNode) []map[string]any {
	t.Helper()
	out := make([]map[string]any, len(nodes))
	for i, n := range nodes {
		if err := n.YNode().Decode(&out[i]); err != nil {
			t.Fatal(err)
		}
		normalize(out[i])
	}
	return out
}

// podWorkload reports whether doc is a workload whose Pod the parity
// compares: a built-in kind with a Pod spec, not owned, not local-config.
func podWorkload(doc map[string]any) bool {
	path, ok := podSpecPaths[fmt.Sprint(doc["kind"])]
	meta := strMap(doc["metadata"])
	return ok && dig(doc, path...) != nil && meta["ownerReferences"] == nil &&
		strMap(meta["annotations"])["config.kubernetes.io/local-config"] != "true"
}

// TestE2EAPIServerAdmissionParity: for every golden case and example
// whose config the policies can express, each workload's Pod created raw
// through the policies is stored as the offline-injected Pod is; a Pod
// offline refuses (an error result) the server refuses; Pods the config
// does not select or that opted out are stored unchanged (offline leaves
// them unchanged, so the comparison covers them). Every case's policies
// are installed at once, each matching only its case's Pods.
func TestE2EAPIServerAdmissionParity(t *testing.T) {
	s := kube(t)
	var refused []string
	var cases []*parityCase
	var all []map[string]any
	for i, c := range admissionCases(t) {
		pc, objs, why := prepare(t, c, fmt.Sprintf("case%d", i))
		if why != "" {
			refused = append(refused, c.name+": "+why)
			continue
		}
		cases = append(cases, pc)
		all = append(all, renamed(t, objs, "-"+pc.label, pc.label)...)
	}
	defer s.install(t, all, "-parity")()
	compared := 0
	for _, pc := range cases {
		t.Run(pc.name, func(t *testing.T) { compared += s.compare(t, pc) })
	}
	t.Logf("%d cases expressed, %d Pods compared; refused at generation:\n%s", len(cases), compared, strings.Join(refused, "\n"))
	if len(cases) < 40 || compared < 60 {
		t.Errorf("only %d cases and %d Pods were compared", len(cases), compared)
	}
}

// parityCase is one case made ready: its Namespaces, and each
// workload's Pod as it came and as offline injection left it.
type parityCase struct {
	name, label string
	namespaces  []map[string]any
	pods        []podPair
}

type podPair struct {
	name           string
	raw, offline   map[string]any
	offlineRefusal string // the error offline reported, if any
	// skip says why admission is not expected to do what offline did.
	skip string
}

// prepare generates a case's policies and its Pods; why says why the
// policies cannot express it.
func prepare(t *testing.T, c admissionCase, label string) (*parityCase, []*yaml.RNode, string) {
	t.Helper()
	injs := loadInjections(t, c.config, c.kubeVersion)
	if len(injs) == 0 {
		return nil, nil, "the tool refuses the config"
	}
	var objs []*yaml.RNode
	for _, inj := range injs {
		if c.uninject {
			inj.Spec.Action = v1alpha1.Uninject
		}
		g, err := admission.Generate(inj)
		var cerr *v1alpha1.ConfigError
		var verr *admission.VersionError
		if errors.As(err, &cerr) || errors.As(err, &verr) {
			return nil, nil, err.Error()
		}
		if err != nil {
			t.Fatal(err)
		}
		objs = append(objs, g...)
	}
	nodes, err := (&kio.ByteReader{Reader: bytes.NewReader(testkit.ReadFile(t, c.input)), OmitReaderAnnotations: true}).Read()
	if err != nil {
		// A case about input the tool refuses (a duplicate key): there
		// is no Pod to create.
		return nil, nil, "the input does not read: " + err.Error()
	}
	for _, n := range nodes {
		if dups := yamlnode.Duplicates(n.YNode(), ""); len(dups) > 0 {
			return nil, nil, "the input has a duplicate key, which the tool refuses"
		}
	}
	for _, n := range nodes {
		templateAsPod(t, n, label)
	}
	before := docsOf(t, nodes)
	f := &transform.Filter{Injections: injs}
	if _, err := f.Filter(nodes); err != nil {
		t.Fatal(err)
	}
	failed := map[*yaml.Node]string{}
	for _, r := range f.Results {
		if r.Severity == transform.Error && r.Item != nil {
			failed[r.Item] = r.Message
		}
	}
	after := docsOf(t, nodes)
	pc := &parityCase{name: c.name, label: label, namespaces: before}
	for i, doc := range before {
		if !podWorkload(doc) {
			continue
		}
		pair := podPair{name: fmt.Sprintf("%s %v", doc["kind"], strMap(doc["metadata"])["name"]),
			raw: asPod(doc), offline: asPod(after[i]), offlineRefusal: failed[nodes[i].YNode()]}
		annotations := strMap(strMap(pair.raw["metadata"])["annotations"])
		if _, has := annotations[transform.OverridesAnnotation]; has && pair.offlineRefusal == "" && !reflect.DeepEqual(pair.raw, pair.offline) {
			// CEL cannot read owners' overrides: the Pod is refused.
			pair.offlineRefusal = "owner overrides, applied offline"
		}
		if _, has := annotations[transform.StatusAnnotation]; has && !reflect.DeepEqual(pair.raw, pair.offline) {
			// Admission injects at CREATE and leaves a Pod that carries
			// the injection alone: it never upgrades or removes one.
			pair.skip = "it already carries an injection, which offline upgrades or removes"
		}
		for _, p := range []map[string]any{pair.raw, pair.offline} {
			strMap(p["metadata"])["labels"].(map[string]any)[caseLabelKey] = label
		}
		pc.pods = append(pc.pods, pair)
	}
	return pc, objs, ""
}

// templateAsPod gives a workload's Pod template what the Pod made from
// it holds (see asPod): metadata, no nulls (an API object has none), the
// case label, and the workload's labels and annotations under its own.
// Transform records the fields it creates, so both sides must start
// from the same Pod.
func templateAsPod(t *testing.T, n *yaml.RNode, label string) {
	t.Helper()
	path, ok := podSpecPaths[n.GetKind()]
	if !ok {
		return
	}
	own := map[string]map[string]string{"labels": n.GetLabels(caseLabelKey), "annotations": n.GetAnnotations()}
	own["labels"][caseLabelKey] = label
	meta, err := n.Pipe(yaml.LookupCreate(yaml.MappingNode, append(path[:len(path)-1:len(path)-1], "metadata")...))
	if err != nil {
		t.Fatal(err)
	}
	for key, values := range own {
		// The server stores no null and no empty map here (omitempty):
		// the raw Pod arrives without them, so the offline side starts
		// from the same Pod.
		if f := meta.Field(key); f != nil && (f.Value.YNode().Tag == yaml.NodeTagNull || f.Value.YNode().Kind == yaml.MappingNode && len(f.Value.YNode().Content) == 0) {
			if _, err := meta.Pipe(yaml.Clear(key)); err != nil {
				t.Fatal(err)
			}
		}
		if len(values) == 0 {
			continue
		}
		m, err := meta.Pipe(yaml.LookupCreate(yaml.MappingNode, key))
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range values {
			if m.Field(k) == nil {
				if err := m.PipeE(yaml.SetField(k, yaml.NewStringRNode(v))); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
}

// compare creates a case's Pods and returns how many it compared.
func (s *apiServer) compare(t *testing.T, pc *parityCase) int {
	t.Helper()
	s.namespaces(t, pc.namespaces)
	n := 0
	for _, p := range pc.pods {
		if p.skip != "" {
			t.Logf("%s: not compared: %s", p.name, p.skip)
			continue
		}
		if p.offlineRefusal != "" {
			if msg := s.await(t, p.raw, func(_ map[string]any, msg string) bool { return msg != "" }); msg == "" {
				t.Errorf("%s: offline refuses it (%s), the server stored it", p.name, p.offlineRefusal)
			}
			continue
		}
		want, msg := s.createPod(t, p.offline, false)
		if msg != "" {
			t.Logf("%s: the server refuses the offline-injected Pod: %s", p.name, msg)
			continue
		}
		s.deletePod(t, want)
		// Namespace labels reach admission through an informer: wait.
		s.await(t, p.raw, func(got map[string]any, _ string) bool {
			return got != nil && reflect.DeepEqual(stored(got), stored(want))
		})
		got, msg := s.createPod(t, p.raw, false)
		if msg != "" {
			t.Errorf("%s: the server refuses the Pod created raw: %s", p.name, msg)
			continue
		}
		s.deletePod(t, got)
		if d := cmp.Diff(stored(want), stored(got)); d != "" {
			t.Errorf("%s: stored differently (-offline-injected +created raw):\n%s", p.name, d)
		}
		n++
	}
	return n
}

// await dry-runs pod until done says the outcome is the expected one
// (policies take a moment to reach the admission chain), or 15s pass;
// it returns the last refusal message.
func (s *apiServer) await(t *testing.T, pod map[string]any, done func(map[string]any, string) bool) string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		got, msg := s.createPod(t, pod, true)
		if done(got, msg) || time.Now().After(deadline) {
			return msg
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func (s *apiServer) deletePod(t *testing.T, pod map[string]any) {
	meta := strMap(pod["metadata"])
	s.remove(t, fmt.Sprintf("/api/v1/namespaces/%v/pods/%v", meta["namespace"], meta["name"]))
}

// namespaces applies the input's Namespaces (labels and annotations) and
// resets every other namespace the workloads use.
func (s *apiServer) namespaces(t *testing.T, docs []map[string]any) {
	t.Helper()
	seen := map[string]bool{}
	for _, d := range docs {
		if d["kind"] == "Namespace" {
			meta := strMap(d["metadata"])
			name := fmt.Sprint(meta["name"])
			seen[name] = true
			s.applyNamespaceFull(t, name, strMap(meta["labels"]), strMap(meta["annotations"]))
		}
	}
	for _, d := range docs {
		ns, _ := strMap(d["metadata"])["namespace"].(string)
		if ns == "" {
			ns = "default"
		}
		if !seen[ns] {
			seen[ns] = true
			s.applyNamespaceFull(t, ns, nil, nil)
		}
	}
}

// TestAdmissionPolicyExample: examples/admission-policy/policies.yaml is
// what --admission-policy prints for its config today.
func TestAdmissionPolicyExample(t *testing.T) {
	r := run(t, "", nil, binary, "--admission-policy", "-c", "examples/admission-policy/inject.yaml")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if want := string(testkit.ReadFile(t, "examples/admission-policy/policies.yaml")); r.stdout != want {
		t.Errorf("examples/admission-policy/policies.yaml is out of date: regenerate it with\n  go run . --admission-policy -c examples/admission-policy/inject.yaml > examples/admission-policy/policies.yaml")
	}
}

// TestE2EAPIServerAdmissionValidate: with spec.admission.validate: Deny,
// the server refuses a Deployment that skipped the pipeline, saying how
// to fix it, and takes the offline-injected one; and the example's Pod,
// created raw, comes back injected as its README shows.
func TestE2EAPIServerAdmissionValidate(t *testing.T) {
	s := kube(t)
	injs := loadInjections(t, "examples/admission-policy/inject.yaml", "")
	objs, err := admission.Generate(injs[0])
	if err != nil {
		t.Fatal(err)
	}
	nodes, err := kio.FromBytes(testkit.ReadFile(t, "examples/admission-policy/app.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	before := docsOf(t, nodes)
	if _, err := (&transform.Filter{Injections: injs}).Filter(nodes); err != nil {
		t.Fatal(err)
	}
	after := docsOf(t, nodes)
	s.namespaces(t, before)
	defer s.install(t, renamed(t, objs, "-validate", ""), "-validate")()

	deployments := "/apis/apps/v1/namespaces/shop/deployments"
	_, msg := s.create(t, deployments, before[0], true)
	for _, want := range []string{`Deployment web lacks injection "logging"`, `container "fluent-bit" with image fluent/fluent-bit:3.1.4 in initContainers`, "inject-sidecars -c CONFIG", `inject-sidecars.dev/inject: "false"`} {
		if !strings.Contains(msg, want) {
			t.Errorf("the un-injected Deployment: refusal %q does not say %q", msg, want)
		}
	}
	if _, msg := s.create(t, deployments, after[0], true); msg != "" {
		t.Errorf("the offline-injected Deployment is refused: %s", msg)
	}
	optedOut := before[0]
	strMap(optedOut["metadata"])["annotations"] = map[string]any{transform.InjectAnnotation: "false"}
	if _, msg := s.create(t, deployments, optedOut, true); msg != "" {
		t.Errorf("the opted-out Deployment is refused: %s", msg)
	}

	got, msg := s.createPod(t, before[1], true)
	if msg != "" {
		t.Fatalf("the Pod created raw is refused: %s", msg)
	}
	want, msg := s.createPod(t, after[1], true)
	if msg != "" {
		t.Fatalf("the offline-injected Pod is refused: %s", msg)
	}
	if d := cmp.Diff(stored(want), stored(got)); d != "" {
		t.Errorf("the Pod created raw (-offline-injected +created raw):\n%s", d)
	}
	if n := len(strMap(got["spec"])["initContainers"].([]any)); n != 1 {
		t.Errorf("the Pod created raw has %d init containers, want the sidecar", n)
	}
}
