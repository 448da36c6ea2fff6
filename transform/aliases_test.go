package transform_test

import (
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/inject-sidecars/inject-sidecars/internal/testkit"
	"github.com/inject-sidecars/inject-sidecars/transform"
)

// aliasedNames is a workload whose container names are YAML aliases, as
// linkerd's rendered control plane writes them (`- name: *containerName`).
const aliasedNames = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: dev
  annotations:
    names: &app app
    proxy: &proxy linkerd-proxy
    worker: &worker worker
spec:
  template:
    spec:
      containers:
      - name: *app
        image: app:1
      - name: *worker
        image: worker:1
`

const mountsAndEnv = `  containers:
  - {name: shipper, image: "fluent/fluent-bit:3.1.4"}
  volumes:
  - {name: logs, emptyDir: {}}
  volumeMounts:
  - {name: logs, mountPath: /var/log/app}
  env:
  - {name: LOG_DIR, value: /var/log/app}
`

// Names written as aliases are the names they stand for, wherever names
// are compared.
func TestAliasedContainerNames(t *testing.T) {
	t.Parallel()
	t.Run("a sidecar named like an aliased container is a conflict", func(t *testing.T) {
		_, rs := runRaw(t, injection(t, "dup", "  containers:\n  - {name: app, image: \"x:1\"}\n"), aliasedNames)
		oneOutcome(t, rs, transform.Conflict)
	})
	t.Run("the status records the real names", func(t *testing.T) {
		out, rs := runRaw(t, injection(t, "logging", mountsAndEnv), aliasedNames)
		oneOutcome(t, rs, transform.Injected)
		if !strings.Contains(out, `"app"`) || !strings.Contains(out, `"worker"`) || strings.Contains(out, `"":`) {
			t.Errorf("the status does not name the containers:\n%s", out)
		}
	})
	t.Run("appContainers can name an aliased container", func(t *testing.T) {
		out, rs := runRaw(t, injection(t, "logging", mountsAndEnv+"  appContainers: [worker]\n"), aliasedNames)
		oneOutcome(t, rs, transform.Injected)
		if n := strings.Count(out, "mountPath: /var/log/app"); n != 1 {
			t.Errorf("%d mounts, want 1 (in worker only):\n%s", n, out)
		}
		i, j := strings.Index(out, "name: *worker"), strings.Index(out, "mountPath: /var/log/app")
		if i < 0 || j < i {
			t.Errorf("the mount is not in worker:\n%s", out)
		}
	})
	t.Run("another mesh's proxy named by an alias is seen", func(t *testing.T) {
		in := strings.Replace(aliasedNames, "name: *worker", "name: *proxy", 1)
		_, rs := runRaw(t, injection(t, "logging", mountsAndEnv), in)
		found := false
		for _, r := range rs {
			found = found || r.Severity == transform.Warning && strings.Contains(r.Message, "Linkerd's proxy")
		}
		if !found {
			t.Errorf("no warning about linkerd-proxy: %v", rs)
		}
	})
	t.Run("uninject gives the input back", func(t *testing.T) {
		inj := injection(t, "logging", mountsAndEnv)
		once, _ := runRaw(t, inj, aliasedNames)
		back, rs := runRaw(t, injection(t, "logging", mountsAndEnv+"  action: uninject\n"), once)
		oneOutcome(t, rs, transform.Uninjected)
		if back != aliasedNames {
			t.Errorf("uninject left:\n%s", back)
		}
	})
}

// An alias bomb in a workload is refused at once, before anything
// compares, copies or hashes it.
func TestAliasBombInAWorkloadIsRefused(t *testing.T) {
	t.Parallel()
	in := strings.Replace(deploy, "  namespace: dev\n", "  namespace: dev\n  labels:\n"+testkit.AliasBomb("    "), 1)
	done := make(chan []transform.Result)
	go func() {
		_, rs := runRaw(t, injection(t, "logging", mountsAndEnv), in)
		done <- rs
	}()
	select {
	case rs := <-done:
		oneOutcome(t, rs, transform.Failed)
		if !strings.Contains(rs[0].Message, "aliases expand") {
			t.Errorf("message: %s", rs[0].Message)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("still running after 10s")
	}
}

// An owner's override may use anchors and aliases: what lands in the pod
// is what they stand for, never an alias whose anchor stayed in the
// annotation.
func TestOverrideWithAliases(t *testing.T) {
	t.Parallel()
	inj := injection(t, "logging", logging+"  overrides: [resources, env]\n")
	override := `x: &mem {memory: 128Mi}
logging:
  containers:
  - name: fluent-bit
    resources: &r
      limits: {memory: 256Mi}
      requests: *mem
    env:
    - &e {name: B, value: "2"}`
	in := strings.Replace(deploy, "  namespace: dev\n", "  namespace: dev\n  annotations:\n    inject-sidecars.dev/overrides: |\n"+indent(override, "      ")+"\n", 1)
	once, rs := runRaw(t, inj, in)
	oneOutcome(t, rs, transform.Injected)
	pod := once[strings.Index(once, "  template:"):]
	if strings.ContainsAny(pod, "*&") {
		t.Errorf("an alias or anchor reached the pod:\n%s", pod)
	}
	if _, err := yaml.Parse(once); err != nil {
		t.Fatalf("the output does not parse: %v\n%s", err, once)
	}
	if !strings.Contains(pod, "requests: {memory: 128Mi}") {
		t.Errorf("the alias was not resolved:\n%s", pod)
	}
	if again, rs := runRaw(t, inj, once); again != once {
		t.Errorf("not idempotent: %v\n%s", rs, again)
	}
	back, _ := runRaw(t, injection(t, "logging", logging+"  action: uninject\n"), once)
	if back != in {
		t.Errorf("uninject was not exact:\n%s", back)
	}

	bomb := strings.Replace(in, "x: &mem {memory: 128Mi}\n", "x: &mem {memory: 128Mi}\n      y:\n"+testkit.AliasBomb("        "), 1)
	_, rs = runRaw(t, inj, bomb)
	oneOutcome(t, rs, transform.Failed)
	if !strings.Contains(rs[0].Message, "aliases expand it") {
		t.Errorf("message: %s", rs[0].Message)
	}

	// Few nodes, many bytes: 100 aliases of a 64 KiB string would put
	// 6.4 MB into the pod.
	big := `logging:
  containers:
  - name: fluent-bit
    env:
    - {name: A, value: &big ` + strings.Repeat("x", 64<<10) + `}` + strings.Repeat("\n    - {name: B, value: *big}", 100)
	in = strings.Replace(deploy, "  namespace: dev\n", "  namespace: dev\n  annotations:\n    inject-sidecars.dev/overrides: |\n"+indent(big, "      ")+"\n", 1)
	_, rs = runRaw(t, inj, in)
	oneOutcome(t, rs, transform.Failed)
	if !strings.Contains(rs[0].Message, "bytes (1 MiB)") || !strings.Contains(rs[0].Field, "overrides") {
		t.Errorf("result: %s at %s", rs[0].Message, rs[0].Field)
	}
}

// onConflict: replace never takes away an anchor the pod's aliases need:
// the clash stays an error, and the output never holds a dangling alias.
func TestReplaceKeepsAnchors(t *testing.T) {
	t.Parallel()
	in := strings.Replace(deploy, "        image: app:1\n", `        image: app:1
      volumes:
      - name: logs
        hostPath: &hp {path: /x}
      - name: other
        hostPath: *hp
`, 1)
	inj := injection(t, "logging", mountsAndEnv+"  onConflict: replace\n")
	out, rs := runRaw(t, inj, in)
	oneOutcome(t, rs, transform.Conflict)
	if !strings.Contains(rs[0].Message, "anchor &hp") || out != in {
		t.Errorf("%s\n%s", rs[0].Message, out)
	}
	// Without the anchor, replace does its job.
	plain := strings.Replace(strings.Replace(in, "&hp ", "", 1), "*hp", "{path: /y}", 1)
	_, rs = runRaw(t, inj, plain)
	oneOutcome(t, rs, transform.Injected)
}
