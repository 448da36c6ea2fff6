package main

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"sigs.k8s.io/kustomize/kyaml/kio"

	"github.com/inject-sidecars/inject-sidecars/internal/testkit"
)

// The API server tests prove the output valid with a real kube-apiserver
// (validation, defaulting, Pod Security admission), started here on
// 127.0.0.1 with its own etcd. hack/kube/build.sh builds both into bin/
// (make tools runs it).

type apiServer struct {
	url, token string
	client     *http.Client
	procs      []*exec.Cmd
	dir        string
}

var (
	serverOnce sync.Once
	server     *apiServer
	serverErr  error
)

// stopAPIServer stops etcd and the API server by PID; TestMain calls it.
func stopAPIServer() {
	if server == nil {
		return
	}
	for i := len(server.procs) - 1; i >= 0; i-- {
		server.procs[i].Process.Kill()
	}
	time.Sleep(200 * time.Millisecond) // let them go before their folder does
	os.RemoveAll(server.dir)
}

// kube starts the API server once for all tests, or skips (fails in CI)
// when the binaries are missing.
func kube(t *testing.T) *apiServer {
	t.Helper()
	bins := map[string]string{}
	for _, name := range []string{"kube-apiserver", "etcd"} {
		p, err := filepath.Abs("bin/" + name)
		if err == nil {
			if _, err = os.Stat(p); err == nil {
				bins[name] = p
				continue
			}
		}
		if os.Getenv("CI") == "true" {
			t.Fatalf("bin/%s is missing, and CI must run the API server tests (make tools builds it)", name)
		}
		t.Skipf("bin/%s is missing (make tools builds it)", name)
	}
	serverOnce.Do(func() { server, serverErr = startAPIServer(bins) })
	if serverErr != nil {
		t.Fatal(serverErr)
	}
	return server
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func startAPIServer(bins map[string]string) (_ *apiServer, err error) {
	dir, err := os.MkdirTemp("", "inject-sidecars-kube")
	if err != nil {
		return nil, err
	}
	s := &apiServer{dir: dir, token: "e2e-admin-token"}
	defer func() {
		if err != nil {
			// Whatever started stops with the failure.
			for _, p := range s.procs {
				p.Process.Kill()
			}
			os.RemoveAll(dir)
		}
	}()
	var ports [3]int
	for i := range ports {
		if ports[i], err = freePort(); err != nil {
			return nil, err
		}
	}
	logf, err := os.Create(filepath.Join(dir, "log"))
	if err != nil {
		return nil, err
	}
	exited := make(chan string, 2)
	start := func(name string, args ...string) error {
		cmd := exec.Command(bins[name], args...)
		cmd.Stdout, cmd.Stderr = logf, logf
		if err := cmd.Start(); err != nil {
			return err
		}
		s.procs = append(s.procs, cmd)
		go func() {
			cmd.Process.Wait() //nolint: the tests stop it by PID
			exited <- name
		}()
		return nil
	}
	client, peer := fmt.Sprintf("http://127.0.0.1:%d", ports[0]), fmt.Sprintf("http://127.0.0.1:%d", ports[1])
	if err := start("etcd", "--name=e2e", "--data-dir="+filepath.Join(dir, "etcd"),
		"--listen-client-urls="+client, "--advertise-client-urls="+client,
		"--listen-peer-urls="+peer, "--initial-advertise-peer-urls="+peer, "--initial-cluster=e2e="+peer,
		"--listen-metrics-urls=", "--log-level=error"); err != nil {
		return nil, err
	}
	// Self-made service-account keys and a static admin token.
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	pub, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)
	files := map[string][]byte{
		"sa.key":     pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}),
		"sa.pub":     pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub}),
		"tokens.csv": []byte(s.token + ",admin,admin,system:masters\n"),
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			return nil, err
		}
	}
	if err := start("kube-apiserver", "--etcd-servers="+client,
		"--bind-address=127.0.0.1", "--advertise-address=127.0.0.1", fmt.Sprintf("--secure-port=%d", ports[2]),
		"--cert-dir="+filepath.Join(dir, "certs"), "--token-auth-file="+filepath.Join(dir, "tokens.csv"),
		"--authorization-mode=RBAC", "--service-cluster-ip-range=10.96.0.0/24",
		"--service-account-issuer=https://kubernetes.default.svc",
		"--service-account-key-file="+filepath.Join(dir, "sa.pub"),
		"--service-account-signing-key-file="+filepath.Join(dir, "sa.key"),
		// No controller-manager runs to make each namespace's default
		// ServiceAccount; everything else admission does stays on,
		// Pod Security among it.
		"--disable-admission-plugins=ServiceAccount",
		// The kubernetes Service's endpoints cannot be 127.0.0.1.
		"--endpoint-reconciler-type=none"); err != nil {
		return nil, err
	}
	s.url = fmt.Sprintf("https://127.0.0.1:%d", ports[2])
	s.client = &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	deadline := time.Now().Add(90 * time.Second)
	for {
		code, _, _, err := s.do("GET", "/readyz", "", nil)
		if err == nil && code == 200 {
			return s, nil
		}
		failed := ""
		select {
		case name := <-exited:
			failed = name + " exited"
		default:
			if time.Now().After(deadline) {
				failed = "the API server was not ready in 90s"
			}
		}
		if failed != "" {
			log, _ := os.ReadFile(filepath.Join(dir, "log"))
			return nil, fmt.Errorf("%s (%v, %d):\n%s", failed, err, code, tail(string(log), 3000))
		}
		time.Sleep(300 * time.Millisecond)
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// do sends one request; it returns the status code, the body and the
// Warning headers.
func (s *apiServer) do(method, path, contentType string, body []byte) (int, []byte, []string, error) {
	req, err := http.NewRequest(method, s.url+path, bytes.NewReader(body))
	if err != nil {
		return 0, nil, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+s.token)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, resp.Header.Values("Warning"), err
}

// resources maps the kinds the tests send to their REST resource names.
var resources = map[string]string{
	"Pod": "pods", "PodTemplate": "podtemplates", "ReplicationController": "replicationcontrollers",
	"Deployment": "deployments", "ReplicaSet": "replicasets", "StatefulSet": "statefulsets",
	"DaemonSet": "daemonsets", "Job": "jobs", "CronJob": "cronjobs",
}

// verdict is what the server said about one object.
type verdict struct {
	ok       bool
	message  string
	warnings []string
}

// applyNamespace creates or updates a Namespace for real, with server-side
// apply, so that its labels (Pod Security) hold for what follows.
func (s *apiServer) applyNamespace(t *testing.T, doc map[string]any) {
	t.Helper()
	meta, _ := doc["metadata"].(map[string]any)
	name, _ := meta["name"].(string)
	body, _ := json.Marshal(map[string]any{"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": name, "labels": meta["labels"]}})
	code, out, _, err := s.do("PATCH", "/api/v1/namespaces/"+name+"?fieldManager=e2e&force=true", "application/apply-patch+yaml", body)
	if err != nil || code >= 300 {
		t.Fatalf("applying Namespace %s: %d %v %s", name, code, err, out)
	}
}

// ensureNamespace creates a namespace if it is missing, leaving one that
// exists as it is (with its labels).
func (s *apiServer) ensureNamespace(t *testing.T, name string) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": name}})
	code, out, _, err := s.do("POST", "/api/v1/namespaces", "application/json", body)
	if err != nil || (code >= 300 && code != http.StatusConflict) {
		t.Fatalf("creating namespace %s: %d %v %s", name, code, err, out)
	}
}

// dryRun creates obj with server-side dry run and strict field
// validation: the server validates, defaults and admits it, and stores
// nothing.
func (s *apiServer) dryRun(t *testing.T, doc map[string]any) verdict {
	t.Helper()
	kind, _ := doc["kind"].(string)
	apiVersion, _ := doc["apiVersion"].(string)
	meta, _ := doc["metadata"].(map[string]any)
	ns, _ := meta["namespace"].(string)
	if ns == "" {
		ns = "default"
	}
	s.ensureNamespace(t, ns)
	prefix := "/apis/" + apiVersion
	if !strings.Contains(apiVersion, "/") {
		prefix = "/api/" + apiVersion
	}
	body, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	code, out, warnings, err := s.do("POST", fmt.Sprintf("%s/namespaces/%s/%s?dryRun=All&fieldValidation=Strict", prefix, ns, resources[kind]), "application/json", body)
	if err != nil {
		t.Fatal(err)
	}
	if code < 300 {
		return verdict{ok: true, warnings: warnings}
	}
	var st struct{ Message string }
	json.Unmarshal(out, &st)
	if st.Message == "" {
		st.Message = fmt.Sprintf("HTTP %d: %s", code, tail(string(out), 300))
	}
	return verdict{message: st.Message, warnings: warnings}
}

// objects reads a YAML stream into the objects the server is asked
// about, keyed by kind/namespace/name, Lists unwrapped; Namespaces come
// apart, to be created for real first.
func objects(t *testing.T, data []byte) (namespaces []map[string]any, objs map[string]map[string]any, order []string) {
	t.Helper()
	nodes, err := (&kio.ByteReader{Reader: bytes.NewReader(data), OmitReaderAnnotations: true}).Read() // unwraps Lists
	if err != nil {
		t.Fatal(err)
	}
	objs = map[string]map[string]any{}
	for _, n := range nodes {
		var doc map[string]any
		if err := n.YNode().Decode(&doc); err != nil {
			t.Fatal(err)
		}
		meta, _ := doc["metadata"].(map[string]any)
		normalize(doc)
		kind, _ := doc["kind"].(string)
		if kind == "Namespace" {
			namespaces = append(namespaces, doc)
			continue
		}
		if resources[kind] == "" {
			continue // not a workload: the injection leaves it alone
		}
		key := fmt.Sprintf("%s/%v/%v", kind, meta["namespace"], meta["name"])
		objs[key] = doc
		order = append(order, key)
	}
	return namespaces, objs, order
}

// normalize makes the small repairs that many test inputs need before
// any server takes them, the same on both sides of a comparison, so that
// what the server says is about the injection: API versions the server
// no longer serves become today's, a controller without a selector gets
// one (with the label on its template), a Job's pod gets a restartPolicy.
func normalize(doc map[string]any) {
	kind, _ := doc["kind"].(string)
	switch doc["apiVersion"] {
	case "extensions/v1beta1", "apps/v1beta1", "apps/v1beta2":
		doc["apiVersion"] = "apps/v1"
	case "batch/v1beta1", "batch/v2alpha1":
		doc["apiVersion"] = "batch/v1"
	}
	spec, _ := doc["spec"].(map[string]any)
	if spec == nil {
		return
	}
	podTemplate := func(t map[string]any) map[string]any {
		if t == nil {
			return nil
		}
		meta, _ := t["metadata"].(map[string]any)
		if meta == nil {
			meta = map[string]any{}
			t["metadata"] = meta
		}
		return meta
	}
	switch kind {
	case "Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "ReplicationController":
		tmpl, _ := spec["template"].(map[string]any)
		meta := podTemplate(tmpl)
		if meta == nil || spec["selector"] != nil {
			return
		}
		labels, _ := meta["labels"].(map[string]any)
		if labels == nil {
			labels = map[string]any{}
			meta["labels"] = labels
		}
		labels["e2e.inject-sidecars.dev/selected"] = "yes"
		if kind == "ReplicationController" {
			spec["selector"] = map[string]any{"e2e.inject-sidecars.dev/selected": "yes"}
		} else {
			spec["selector"] = map[string]any{"matchLabels": map[string]any{"e2e.inject-sidecars.dev/selected": "yes"}}
		}
	case "Job", "CronJob":
		if kind == "CronJob" {
			jt, _ := spec["jobTemplate"].(map[string]any)
			spec, _ = jt["spec"].(map[string]any)
		}
		tmpl, _ := spec["template"].(map[string]any)
		if ps, _ := tmpl["spec"].(map[string]any); ps != nil && ps["restartPolicy"] == nil {
			ps["restartPolicy"] = "OnFailure"
		}
	}
}

// serverAccepts checks that every workload of after that the server
// would take as it is in before, it takes after injection too. A
// rejection the input already had is reported, not failed.
func serverAccepts(t *testing.T, s *apiServer, before, after []byte) (checked int) {
	t.Helper()
	nsBefore, objsBefore, _ := objects(t, before)
	nsAfter, objsAfter, order := objects(t, after)
	for _, ns := range append(nsBefore, nsAfter...) {
		s.applyNamespace(t, ns)
	}
	for _, key := range order {
		a := s.dryRun(t, objsAfter[key])
		checked++
		if a.ok {
			continue
		}
		b := verdict{message: "(not in the input)"}
		if doc, ok := objsBefore[key]; ok {
			b = s.dryRun(t, doc)
		}
		if b.ok {
			t.Errorf("%s: the API server rejects it after injection, and accepted it before: %s", key, a.message)
		} else {
			t.Logf("%s: rejected before injection already (%s); after: %s", key, b.message, a.message)
		}
	}
	return checked
}

// TestE2EAPIServerGolden applies every golden case's output, after its
// input, with server-side dry run.
func TestE2EAPIServerGolden(t *testing.T) {
	s := kube(t)
	cases, _ := filepath.Glob("testdata/*/expected.yaml")
	total := 0
	for _, exp := range cases {
		dir := filepath.Dir(exp)
		after := testkit.ReadFile(t, exp)
		if len(bytes.TrimSpace(after)) == 0 {
			continue // a case whose run fails: nothing to apply
		}
		t.Run(filepath.Base(dir), func(t *testing.T) {
			total += serverAccepts(t, s, testkit.ReadFile(t, filepath.Join(dir, "input.yaml")), after)
		})
	}
	if total < 50 {
		t.Errorf("only %d workloads were checked", total)
	}
}

// TestE2EAPIServerExamplesAndCorpus applies every example's output and
// every corpus file injected with the three seed patterns.
func TestE2EAPIServerExamplesAndCorpus(t *testing.T) {
	s := kube(t)
	for _, ex := range []struct{ dir, in string }{
		{"log-collector", "app.yaml"}, {"mesh-proxy", "app.yaml"}, {"config-reload", "app.yaml"},
		{"cronjob-native-sidecar", "cronjob.yaml"}, {"owner-overrides", "app.yaml"}, {"helm-post-render", "rendered.yaml"},
		{"pod-security", "app.yaml"},
	} {
		t.Run("examples/"+ex.dir, func(t *testing.T) {
			dir := filepath.Join("examples", ex.dir)
			serverAccepts(t, s, testkit.ReadFile(t, filepath.Join(dir, ex.in)), testkit.ReadFile(t, filepath.Join(dir, "expected.yaml")))
		})
	}
	configs, _ := filepath.Glob("testdata/corpus-configs/*.yaml")
	t.Run("corpus", func(t *testing.T) {
		for _, path := range testkit.CorpusFiles(t) {
			t.Run(filepath.Base(path), func(t *testing.T) {
				in := testkit.ReadFile(t, path)
				args := []string{"-q"}
				for _, c := range configs {
					args = append(args, "-c", c)
				}
				r := run(t, "", in, binary, args...)
				if r.code != 0 {
					t.Fatalf("exit %d:\n%s", r.code, r.stderr)
				}
				serverAccepts(t, s, in, []byte(r.stdout))
			})
		}
	})
}

// TestE2EAPIServerAgrees shows, for each manifest the tool refuses to
// produce, that the real API server refuses it too: the golden cases
// server-rejects-config, server-rejects-workload and pod-security-* hold
// the tool's side; here is what the output would have been, and what the
// server says to it.
func TestE2EAPIServerAgrees(t *testing.T) {
	s := kube(t)
	pod := func(ns, spec string) []byte {
		return []byte("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  namespace: " + ns + "\nspec:\n" + spec)
	}
	app := "  - name: app\n    image: example/app:1.0\n"
	long := strings.Repeat("a", 58) + "-agent"
	tests := []struct {
		name, golden string
		pod          []byte
		server       string // what the server's refusal says; "" = it accepts
	}{
		{"templated name longer than 63", "server-rejects-workload", pod("default", "  containers:\n"+app+"  - name: "+long+"x\n    image: example/agent:1.0\n"), "must be no more than 63 characters"},
		{"probe on a run-to-completion init container", "server-rejects-config", pod("default", "  initContainers:\n  - name: setup\n    image: busybox:1.36\n    readinessProbe:\n      exec: {command: [\"true\"]}\n  containers:\n"+app), "readinessProbe"},
		{"lifecycle on a run-to-completion init container", "server-rejects-config", pod("default", "  initContainers:\n  - name: setup\n    image: busybox:1.36\n    lifecycle:\n      postStart:\n        exec: {command: [\"true\"]}\n  containers:\n"+app), "lifecycle"},
		{"requests above limits", "server-rejects-config", pod("default", "  containers:\n"+app+"  - name: proxy\n    image: envoyproxy/envoy:v1.31.0\n    resources:\n      requests: {cpu: 500m}\n      limits: {cpu: 100m}\n"), "must be less than or equal to cpu limit"},
		{"two probe handlers", "server-rejects-config", pod("default", "  containers:\n"+app+"  - name: proxy\n    image: envoyproxy/envoy:v1.31.0\n    livenessProbe:\n      exec: {command: [pilot-agent, status]}\n      httpGet: {path: /ready, port: 15021}\n"), "may not specify more than 1 handler type"},
		{"port name too long", "server-rejects-config", pod("default", "  containers:\n"+app+"  - name: proxy\n    image: envoyproxy/envoy:v1.31.0\n    ports:\n    - {name: admin-interface-port, containerPort: 9901}\n"), "must be no more than 15 characters"},
		{"label value", "server-rejects-config", []byte("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  labels: {version: \"not a label value!\"}\nspec:\n  containers:\n" + app), "a valid label must be"},
		{"mount of an undeclared volume", "server-rejects-workload", pod("default", "  containers:\n"+app+"  - name: agent\n    image: example/agent:1.0\n    volumeMounts:\n    - {name: data, mountPath: /data}\n"), "volumeMounts[0].name: Not found"},
		{"pod-level requests below the containers'", "server-rejects-workload", pod("default", "  resources:\n    requests: {cpu: 500m}\n  containers:\n  - name: app\n    image: example/app:1.0\n    resources:\n      requests: {cpu: 400m}\n  - name: agent\n    image: example/agent:1.0\n    resources:\n      requests: {cpu: 200m}\n"), "aggregate container requests"},
		{"hostNetwork with hostPort != containerPort", "server-rejects-workload", pod("default", "  hostNetwork: true\n  containers:\n"+app+"  - name: agent\n    image: example/agent:1.0\n    ports:\n    - {containerPort: 9100, hostPort: 19100}\n"), "must match `containerPort`"},
		// The server takes a volume named like a claim template (the
		// tool calls it a conflict: the pod would have two sources for
		// one name).
		{"volume named like a claim template", "server-rejects-workload", []byte(`apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers:
      - {name: db, image: 'example/db:1.0'}
      volumes:
      - {name: scratch, emptyDir: {}}
  volumeClaimTemplates:
  - metadata: {name: scratch}
    spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
`), ""},
	}
	s.applyNamespace(t, map[string]any{"metadata": map[string]any{"name": "secure", "labels": map[string]any{
		"pod-security.kubernetes.io/enforce": "restricted", "pod-security.kubernetes.io/enforce-version": "v1.37"}}})
	for _, name := range []string{"pod-security-restricted-fails", "pod-security-restricted-compliant"} {
		// What the tool makes of the workload's pod where it knows no
		// Pod Security level, sent as a Pod to the restricted namespace.
		dir := filepath.Join("testdata", name)
		cfg := filepath.Join(dir, "config.yaml")
		input := testkit.ReadFile(t, filepath.Join(dir, "input.yaml"))
		podDoc := "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  namespace: secure\nspec:\n" +
			"  securityContext:\n    runAsNonRoot: true\n    seccompProfile: {type: RuntimeDefault}\n  containers:\n  - name: web\n    image: example/web:1.0\n    securityContext:\n      allowPrivilegeEscalation: false\n      capabilities: {drop: [ALL]}\n"
		r := run(t, "", []byte(podDoc), binary, "-q", "-c", cfg)
		if r.code != 0 {
			t.Fatalf("%s: exit %d:\n%s", name, r.code, r.stderr)
		}
		want := ""
		if strings.HasSuffix(name, "fails") {
			want = "violates PodSecurity"
		}
		tests = append(tests, struct {
			name, golden string
			pod          []byte
			server       string
		}{"Pod Security: " + name, name, []byte(r.stdout), want})
		// And the tool's verdict on the workload with the Namespace in
		// its input is the golden case's: refused exactly when the
		// server refuses.
		toolRun := run(t, "", input, binary, "-q", "-c", cfg)
		if (toolRun.code != 0) != (want != "") {
			t.Errorf("%s: the tool exits %d, the server would say %q", name, toolRun.code, want)
		}
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := os.Stat(filepath.Join("testdata", tt.golden, "expected.log")); err != nil {
				t.Fatalf("golden case %s: %v", tt.golden, err)
			}
			_, objs, order := objects(t, tt.pod)
			if len(order) != 1 {
				t.Fatalf("want one object, got %v", order)
			}
			v := s.dryRun(t, objs[order[0]])
			switch {
			case tt.server == "" && !v.ok:
				t.Errorf("the server rejects it: %s", v.message)
			case tt.server != "" && v.ok:
				t.Errorf("the server accepts it; want a refusal saying %q", tt.server)
			case tt.server != "" && !strings.Contains(v.message, tt.server):
				t.Errorf("the server refuses it, but says %q; want %q", v.message, tt.server)
			}
		})
	}
}
