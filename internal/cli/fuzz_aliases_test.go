package cli_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/inject-sidecars/inject-sidecars/internal/cli"
)

const fuzzAliasConfig = `apiVersion: inject-sidecars.dev/v1alpha1
kind: SidecarInjection
metadata: {name: logging}
spec:
  overrides: [image, resources, env, args]
  onConflict: replace
  containers:
  - name: shipper
    image: fluent/fluent-bit:3.1.4
    env: [{name: A, value: "1"}]
    resources: {requests: {cpu: 1m, memory: 1Mi}, limits: {memory: 1Mi}}
  volumes: [{name: logs, emptyDir: {}}]
  volumeMounts: [{name: logs, mountPath: /var/log/app}]
  env: [{name: LOG_DIR, value: /var/log/app}]
`

// aliasSeeds are workloads that use anchors and aliases where real ones
// do (linkerd names containers with them, Helm charts share blocks) and
// where an attacker would.
var aliasSeeds = []string{
	"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: &n web\n  labels: &l {app: *n}\nspec:\n  selector: {matchLabels: *l}\n  template:\n    metadata: {labels: *l}\n    spec:\n      containers:\n      - name: &c app\n        image: app:1\n        env: [{name: C, value: *c}]\n      - name: *n\n        image: web:1\n",
	"apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations:\n    proxy: &p linkerd-proxy\nspec:\n  containers:\n  - {name: *p, image: 'l:1'}\n  - {name: shipper, image: 'x:1'}\n  volumes:\n  - {name: logs, hostPath: &h {path: /x}}\n  - {name: o, hostPath: *h}\n",
	"apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations:\n    inject-sidecars.dev/overrides: |\n      x: &m {memory: 2Mi}\n      logging:\n        containers:\n        - name: shipper\n          resources: {limits: *m, requests: *m}\n          env: [&e {name: B, value: '2'}]\n          args: &a [--x]\nspec:\n  containers:\n  - {name: app, image: 'a:1'}\n",
	"apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  labels:\n    a: &a [x, x]\n    b: &b [*a, *a]\n    c: &c [*b, *b]\n    d: [*c, *c]\nspec:\n  containers:\n  - {name: app, image: 'a:1'}\n",
	`{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": &n "p", "labels": {"x": *n}}, "spec": {"containers": [{"name": *n, "image": "a:1"}]}}`,
}

// FuzzAliases runs inputs with anchors and aliases through the whole
// plain-mode pipeline: no panic, no hang, and whatever a run writes
// parses, and a second run leaves it as it is.
func FuzzAliases(f *testing.F) {
	for _, s := range aliasSeeds {
		f.Add([]byte(s))
	}
	cfg := filepath.Join(f.TempDir(), "config.yaml")
	if err := os.WriteFile(cfg, []byte(fuzzAliasConfig), 0o644); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if !bytes.ContainsAny(data, "&*") {
			return // FuzzPlain covers inputs without aliases
		}
		run := func(in []byte, uninject bool) (string, string, int) {
			if uninject {
				return cli.Invoke(t, bytes.NewReader(in), "-q", "--uninject", "-c", cfg)
			}
			return cli.Invoke(t, bytes.NewReader(in), "-q", "-c", cfg)
		}
		hang := time.AfterFunc(hangAfter(data), func() { panic(fmt.Sprintf("hang on %.300q", data)) })
		defer hang.Stop()
		out, stderr, code := run(data, false)
		if strings.Contains(stderr, "this is a bug") {
			t.Fatalf("reached the panic handler:\n%s", stderr)
		}
		if code != 0 {
			return
		}
		mustParse(t, out)
		again, stderr, code := run([]byte(out), false)
		if code != 0 || again != out {
			t.Fatalf("second run differs (exit %d):\n%s\nfirst:\n%q\nsecond:\n%q", code, stderr, out, again)
		}
		if back, stderr, code := run([]byte(out), true); code == 0 {
			mustParse(t, back)
		} else if strings.Contains(stderr, "this is a bug") {
			t.Fatalf("uninject reached the panic handler:\n%s", stderr)
		}
	})
}

// mustParse fails unless every document of s parses.
func mustParse(t *testing.T, s string) {
	t.Helper()
	dec := yaml.NewDecoder(strings.NewReader(s))
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			t.Fatalf("the output does not parse: %v\n%s", err, s)
		}
	}
}
