package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/inject-sidecars/inject-sidecars/internal/testkit"
)

const trustConfig = `apiVersion: inject-sidecars.dev/v1alpha1
kind: SidecarInjection
metadata:
  name: mesh
spec:
  containers:
  - name: proxy
    image: envoyproxy/envoy:v1.31.0
    args: ["--ns={{ .Namespace }}"]
    resources:
      requests: {cpu: 10m, memory: 16Mi}
      limits: {cpu: 10m, memory: 16Mi}
`

const trustApp = `apiVersion: v1
kind: Pod
metadata:
  name: NAME
  namespace: dev
spec:
  containers:
  - name: app
    image: app:1
`

func TestOutputNeverLosesAnInput(t *testing.T) {
	t.Run("two inputs on one output path", func(t *testing.T) {
		dir := t.TempDir()
		t.Chdir(dir)
		testkit.WriteFiles(t, dir, map[string]string{"c.yaml": trustConfig,
			"a/app.yaml": strings.Replace(trustApp, "NAME", "a", 1), "b/app.yaml": strings.Replace(trustApp, "NAME", "b", 1)})
		_, stderr, code := Invoke(t, nil, "-o", "out", "-c", "c.yaml", "a/app.yaml", "b/app.yaml")
		if code != exitError || !strings.Contains(stderr, "a/app.yaml and b/app.yaml would both be written to out/app.yaml") {
			t.Errorf("exit %d, stderr:\n%s", code, stderr)
		}
		if _, err := os.Stat(filepath.Join(dir, "out")); !os.IsNotExist(err) {
			t.Errorf("something was written: %v", err)
		}
	})
	t.Run("a file name with two inputs is one file", func(t *testing.T) {
		dir := t.TempDir()
		t.Chdir(dir)
		testkit.WriteFiles(t, dir, map[string]string{"c.yaml": trustConfig,
			"a/app.yaml": strings.Replace(trustApp, "NAME", "a", 1), "b/app.yaml": strings.Replace(trustApp, "NAME", "b", 1)})
		_, stderr, code := Invoke(t, nil, "-o", "single.yaml", "-c", "c.yaml", "a/app.yaml", "b/app.yaml")
		if code != 0 {
			t.Fatalf("exit %d:\n%s", code, stderr)
		}
		st, err := os.Stat(filepath.Join(dir, "single.yaml"))
		if err != nil || st.IsDir() {
			t.Fatalf("single.yaml: %v, dir %v", err, st != nil && st.IsDir())
		}
		data, _ := os.ReadFile(filepath.Join(dir, "single.yaml"))
		if !strings.Contains(string(data), "name: a\n") || !strings.Contains(string(data), "name: b\n") || strings.Count(string(data), "name: proxy") != 2 {
			t.Errorf("single.yaml lacks an input:\n%s", data)
		}
	})
	t.Run("-i writes through a symlink", func(t *testing.T) {
		dir := t.TempDir()
		t.Chdir(dir)
		testkit.WriteFiles(t, dir, map[string]string{"c.yaml": trustConfig, "real/app.yaml": strings.Replace(trustApp, "NAME", "a", 1)})
		if err := os.Symlink("real/app.yaml", filepath.Join(dir, "link.yaml")); err != nil {
			t.Fatal(err)
		}
		_, stderr, code := Invoke(t, nil, "-i", "-c", "c.yaml", "link.yaml")
		if code != 0 {
			t.Fatalf("exit %d:\n%s", code, stderr)
		}
		if target, err := os.Readlink(filepath.Join(dir, "link.yaml")); err != nil || target != "real/app.yaml" {
			t.Errorf("the link was replaced: %q, %v", target, err)
		}
		data, _ := os.ReadFile(filepath.Join(dir, "real/app.yaml"))
		if !strings.Contains(string(data), "name: proxy") {
			t.Errorf("the target did not change:\n%s", data)
		}
	})
}

// Documents are counted as kubectl counts them: a leading "---" does not
// make one. Lines are counted from the top of the file, so they move with
// what comes before.
func TestDocumentNumbering(t *testing.T) {
	bad := "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  labels: {a: b, a: c}\nspec:\n  containers:\n  - {name: app, image: 'app:1'}\n"
	var msgs []string
	for _, prefix := range []string{"", "---\n", "---\n# only a comment\n---\n"} {
		dir := t.TempDir()
		t.Chdir(dir)
		testkit.WriteFiles(t, dir, map[string]string{"c.yaml": trustConfig, "in.yaml": prefix + strings.Replace(trustApp, "NAME", "ok", 1) + "---\n" + bad})
		_, stderr, code := Invoke(t, nil, "-c", "c.yaml", "in.yaml")
		if code != exitError {
			t.Fatalf("exit %d", code)
		}
		line := 15 + strings.Count(prefix, "\n")
		at := fmt.Sprintf("(line %d; first at line %d)", line, line)
		if !strings.Contains(stderr, at) {
			t.Errorf("the message does not name the file's line %d:\n%s", line, stderr)
		}
		msgs = append(msgs, strings.Replace(stderr, at, "(LINE)", 1))
	}
	for _, m := range msgs {
		if !strings.Contains(m, "(in.yaml, document 1)") || m != msgs[0] {
			t.Errorf("document numbering differs:\n%s\nvs\n%s", m, msgs[0])
		}
	}
}

// The summary has one row per workload, names its file, and does not
// claim a change that was not written.
func TestSummaryIsTruthful(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	testkit.WriteFiles(t, dir, map[string]string{"c.yaml": trustConfig,
		"a/app.yaml": strings.Replace(trustApp, "NAME", "web", 1),
		"b/app.yaml": strings.Replace(trustApp, "NAME", "web", 1),
		"c/bad.yaml": strings.Replace(strings.Replace(trustApp, "NAME", "bad", 1), "- name: app", "- name: proxy", 1)})
	_, stderr, code := Invoke(t, nil, "-c", "c.yaml", "a/app.yaml", "b/app.yaml", "c/bad.yaml")
	if code != exitError {
		t.Fatalf("exit %d", code)
	}
	var rows []string
	for _, l := range strings.Split(stderr, "\n") {
		rows = append(rows, strings.Join(strings.Fields(l), " "))
	}
	table := strings.Join(rows, "\n")
	for _, want := range []string{
		"FILE WORKLOAD INJECTION ACTION\n" +
			"a/app.yaml Pod/dev/web mesh not written (would be injected)\n" +
			"b/app.yaml Pod/dev/web mesh not written (would be injected)\n" +
			"c/bad.yaml Pod/dev/bad mesh conflict\n",
	} {
		if !strings.Contains(table, want) {
			t.Errorf("summary lacks %q:\n%s", want, stderr)
		}
	}
	// --check says "would be".
	testkit.WriteFiles(t, dir, map[string]string{"c/bad.yaml": ""})
	_, stderr, code = Invoke(t, nil, "--check", "-c", "c.yaml", "a/app.yaml")
	if code != 3 || !strings.Contains(stderr, "would be injected") {
		t.Errorf("exit %d:\n%s", code, stderr)
	}
}

// --check exits 3 on drift: a templated value whose input moved.
func TestCheckFindsDrift(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	testkit.WriteFiles(t, dir, map[string]string{"c.yaml": trustConfig, "app.yaml": strings.Replace(trustApp, "NAME", "web", 1)})
	if _, stderr, code := Invoke(t, nil, "-i", "-c", "c.yaml", "app.yaml"); code != 0 {
		t.Fatalf("exit %d:\n%s", code, stderr)
	}
	if _, stderr, code := Invoke(t, nil, "--check", "-c", "c.yaml", "app.yaml"); code != 0 {
		t.Fatalf("check after inject: exit %d:\n%s", code, stderr)
	}
	data, _ := os.ReadFile(filepath.Join(dir, "app.yaml"))
	testkit.WriteFiles(t, dir, map[string]string{"app.yaml": strings.Replace(string(data), "namespace: dev", "namespace: prod", 1)})
	stdout, stderr, code := Invoke(t, nil, "--check", "-c", "c.yaml", "app.yaml")
	if code != 3 || !strings.Contains(stdout, "Pod/prod/web: mesh would be upgraded") {
		t.Errorf("exit %d:\n%s\n%s", code, stdout, stderr)
	}
}

// Strict config: duplicate keys and every problem of an entry at once.
func TestStrictConfig(t *testing.T) {
	tests := []struct {
		name, spec string
		want       []string
	}{
		{"duplicate key", "  containers:\n  - {name: a, image: 'a:1'}\n  containers:\n  - {name: b, image: 'b:1'}\n",
			[]string{`spec.containers: duplicate key "containers" (line 8; first at line 6)`}},
		{"every problem of an entry", "  containers:\n  - name: a\n    imagee: x\n    resources: {limits: {cpu: lots}}\n",
			[]string{`spec.containers[0].imagee: unknown field`, `spec.containers[0].resources.limits.cpu: "lots" is not a quantity`}},
		{"pod labels, annotations and pull secrets", "  podLabels: {app: 'not ok!', 'bad key/x/y': v}\n  podAnnotations: {'example.com/-x': v}\n  imagePullSecrets: [{name: Not_Valid}]\n",
			[]string{`spec.podLabels.app: "not ok!" is not a valid label value`, `spec.podLabels["bad key/x/y"]: "bad key/x/y" is not a valid label key`,
				`spec.podAnnotations["example.com/-x"]: "example.com/-x" is not a valid annotation key`, `spec.imagePullSecrets[0].name: "Not_Valid" is not a valid Secret name`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			t.Chdir(dir)
			testkit.WriteFiles(t, dir, map[string]string{"c.yaml": "apiVersion: inject-sidecars.dev/v1alpha1\nkind: SidecarInjection\nmetadata:\n  name: x\nspec:\n" + tt.spec,
				"app.yaml": strings.Replace(trustApp, "NAME", "web", 1)})
			_, stderr, code := Invoke(t, nil, "-c", "c.yaml", "app.yaml")
			if code != exitError {
				t.Errorf("exit %d", code)
			}
			for _, w := range tt.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr)
				}
			}
		})
	}
}

// JSON stays JSON on every output path: stdout, -o FILE.json, -i, and a
// folder; and a .json output refuses what is not one JSON document.
func TestJSONStaysJSON(t *testing.T) {
	const pod = "{\n    \"apiVersion\": \"v1\",\n    \"kind\": \"Pod\",\n    \"metadata\": {\n        \"name\": \"p\"\n    },\n    \"spec\": {\n        \"containers\": [\n            {\n                \"name\": \"app\",\n                \"image\": \"app:1\"\n            }\n        ]\n    }\n}\n"
	dir := t.TempDir()
	t.Chdir(dir)
	testkit.WriteFiles(t, dir, map[string]string{"c.yaml": trustConfig, "in/pod.json": pod, "app.yaml": strings.Replace(trustApp, "NAME", "a", 1)})
	isJSON := func(s string) bool {
		var v map[string]any
		return json.Unmarshal([]byte(s), &v) == nil && strings.Contains(s, "\n    \"spec\": {\n") && strings.Contains(s, "\"name\": \"proxy\"")
	}
	out, stderr, code := Invoke(t, nil, "-c", "c.yaml", "in/pod.json")
	if code != 0 || !isJSON(out) {
		t.Errorf("stdout: exit %d, not JSON:\n%s\n%s", code, out, stderr)
	}
	if _, stderr, code := Invoke(t, nil, "-o", "out.json", "-c", "c.yaml", "in/pod.json"); code != 0 {
		t.Fatalf("-o out.json: exit %d:\n%s", code, stderr)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "out.json")); !isJSON(string(got)) {
		t.Errorf("-o out.json wrote:\n%s", got)
	}
	if _, stderr, code := Invoke(t, nil, "-o", "folder/", "-c", "c.yaml", "in"); code != 0 {
		t.Fatalf("-o folder/: exit %d:\n%s", code, stderr)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "folder", "pod.json")); !isJSON(string(got)) {
		t.Errorf("a folder input's *.json was not read, or not written as JSON:\n%s", got)
	}
	_, stderr, code = Invoke(t, nil, "-o", "two.json", "-c", "c.yaml", "in/pod.json", "app.yaml")
	if code != exitError || !strings.Contains(stderr, "two.json: a .json file holds one JSON document, and the inputs hold 2; write to a .yaml file or a folder") {
		t.Errorf("two documents into a .json file: exit %d:\n%s", code, stderr)
	}
	_, stderr, code = Invoke(t, nil, "-o", "yaml.json", "-c", "c.yaml", "app.yaml")
	if code != exitError || !strings.Contains(stderr, "yaml.json: a .json file holds one JSON document, and the input's document is YAML; write to a .yaml file or a folder") {
		t.Errorf("a YAML document into a .json file: exit %d:\n%s", code, stderr)
	}
	if _, stderr, code := Invoke(t, nil, "-i", "-c", "c.yaml", "in/pod.json"); code != 0 {
		t.Fatalf("-i: exit %d:\n%s", code, stderr)
	}
	injected, _ := os.ReadFile(filepath.Join(dir, "in", "pod.json"))
	if !isJSON(string(injected)) {
		t.Errorf("-i wrote:\n%s", injected)
	}
	if _, stderr, code := Invoke(t, nil, "-i", "--uninject", "-c", "c.yaml", "in/pod.json"); code != 0 {
		t.Fatalf("-i --uninject: exit %d:\n%s", code, stderr)
	}
	if back, _ := os.ReadFile(filepath.Join(dir, "in", "pod.json")); string(back) != pod {
		t.Errorf("uninject did not give the bytes back:\n%s", back)
	}
}

// With no writable temporary folder (a read-only container root), stdin
// and stdout's output wait in memory: plain mode still works.
func TestNoTempFolder(t *testing.T) {
	dir := t.TempDir()
	testkit.WriteFiles(t, dir, map[string]string{"c.yaml": trustConfig})
	run := func() (string, string, int) {
		return Invoke(t, strings.NewReader(strings.Replace(trustApp, "NAME", "a", 1)), "-c", filepath.Join(dir, "c.yaml"))
	}
	want, _, code := run()
	if code != 0 {
		t.Fatal(code)
	}
	t.Setenv("TMPDIR", filepath.Join(dir, "missing"))
	got, stderr, code := run()
	if code != 0 || got != want || !strings.Contains(got, "name: proxy") {
		t.Errorf("exit %d:\n%s\n%s", code, got, stderr)
	}
}
