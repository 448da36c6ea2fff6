package transform_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/inject-sidecars/inject-sidecars/transform"
)

// outcomes lists the outcome of every result that has one.
func outcomes(rs []transform.Result) []transform.Outcome {
	var out []transform.Outcome
	for _, r := range rs {
		if r.Outcome != "" {
			out = append(out, r.Outcome)
		}
	}
	return out
}

func oneOutcome(t *testing.T, rs []transform.Result, want transform.Outcome) {
	t.Helper()
	got := outcomes(rs)
	if len(got) != 1 || got[0] != want {
		t.Errorf("outcomes = %v, want [%s]; results %v", got, want, rs)
	}
}

const deploy = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: dev
spec:
  template:
    spec:
      containers:
      - name: app
        image: app:1
`

// Up to date means the workload holds what the config renders for it
// today, not that the config's text is unchanged.
func TestUpToDateFollowsTheRendering(t *testing.T) {
	t.Parallel()
	inj := injection(t, "logging", `  containers:
  - name: shipper
    image: fluent/fluent-bit:3.1.4
    args: ["--ns={{ .Namespace }}"]
  volumes:
  - {name: logs, emptyDir: {}}
  volumeMounts:
  - {name: logs, mountPath: /var/log/app}
  env:
  - {name: LOG_DIR, value: /var/log/app}
`)
	once, rs := runRaw(t, inj, deploy)
	oneOutcome(t, rs, transform.Injected)
	again, rs := runRaw(t, inj, once)
	oneOutcome(t, rs, transform.UpToDate)
	if again != once {
		t.Fatalf("second run changed the output:\n%s", again)
	}

	t.Run("templated value refreshes after a metadata edit", func(t *testing.T) {
		moved := strings.Replace(once, "namespace: dev", "namespace: prod", 1)
		out, rs := runRaw(t, inj, moved)
		oneOutcome(t, rs, transform.Upgraded)
		if !strings.Contains(out, "--ns=prod") || strings.Contains(out, "--ns=dev") {
			t.Errorf("the arg was not re-rendered:\n%s", out)
		}
		if again, rs := runRaw(t, inj, out); again != out {
			t.Errorf("not idempotent after the refresh: %v", rs)
		}
	})
	t.Run("a container added after injection gets mounts and env", func(t *testing.T) {
		added := strings.Replace(once, "      - name: app\n        image: app:1\n", "      - name: app\n        image: app:1\n      - name: worker\n        image: worker:1\n", 1)
		if added == once {
			t.Fatal("test input did not change")
		}
		out, rs := runRaw(t, inj, added)
		oneOutcome(t, rs, transform.Upgraded)
		worker := out[strings.Index(out, "- name: worker"):]
		if !strings.Contains(worker, "mountPath: /var/log/app") || !strings.Contains(worker, "name: LOG_DIR") {
			t.Errorf("worker did not get the mount and env:\n%s", out)
		}
		if strings.Count(out, "mountPath: /var/log/app") != 2 {
			t.Errorf("want one mount in each app container:\n%s", out)
		}
	})
	t.Run("a sidecar deleted by hand is restored", func(t *testing.T) {
		start := strings.Index(once, "      - name: shipper")
		end := strings.Index(once, "      containers:")
		deleted := once[:start] + once[end:]
		deleted = strings.Replace(deleted, "      initContainers:\n", "      initContainers: []\n", 1)
		out, rs := runRaw(t, inj, deleted)
		oneOutcome(t, rs, transform.Repaired)
		if !strings.Contains(out, "name: shipper") {
			t.Errorf("the sidecar was not restored:\n%s", out)
		}
	})
	t.Run("a sidecar edited by hand is put back", func(t *testing.T) {
		edited := strings.Replace(once, "image: fluent/fluent-bit:3.1.4", "image: fluent/fluent-bit:2.0.0", 1)
		out, rs := runRaw(t, inj, edited)
		oneOutcome(t, rs, transform.Repaired)
		if out != once {
			t.Errorf("repair did not give back the injected workload:\n%s", out)
		}
	})
	t.Run("a mount taken out of the app is put back", func(t *testing.T) {
		i := strings.LastIndex(once, "        volumeMounts:")
		j := strings.Index(once[i:], "        env:")
		out, rs := runRaw(t, inj, once[:i]+once[i+j:])
		oneOutcome(t, rs, transform.Repaired)
		if out != once {
			t.Errorf("repair did not give back the injected workload:\n%s", out)
		}
	})
}

// Spelling out a default is the same injection: no rollout.
func TestSpelledOutDefaultsAreANoOp(t *testing.T) {
	t.Parallel()
	const base = "  containers:\n  - {name: proxy, image: 'envoy:1'}\n"
	once, _ := runRaw(t, injection(t, "mesh", base), deploy)
	for _, extra := range []string{
		"  mode: native\n",
		"  position: first\n",
		"  mode: native\n  position: first\n  onConflict: error\n  action: inject\n  optIn: false\n",
		"  targets: [{kind: Deployment}]\n",
	} {
		out, rs := runRaw(t, injection(t, "mesh", base+extra), once)
		oneOutcome(t, rs, transform.UpToDate)
		if out != once {
			t.Errorf("%q changed the output", extra)
		}
	}
	// What is rendered does count.
	_, rs := runRaw(t, injection(t, "mesh", base+"  position: last\n"), once)
	oneOutcome(t, rs, transform.Upgraded)
}

// A corrupt status is an error naming the annotation and the workload,
// never a crash, and the workload is left as it is.
func TestCorruptStatus(t *testing.T) {
	t.Parallel()
	inj := injection(t, "mesh", "  containers:\n  - {name: proxy, image: 'envoy:1'}\n")
	for _, status := range []string{`"null"`, `"{"`, `"[]"`, `"7"`, `'{"mesh": 7}'`, `'{"mesh": null}'`, `'{"mesh": {"containers": "proxy"}}'`, `{}`, `[x]`} {
		t.Run(status, func(t *testing.T) {
			t.Parallel()
			input := strings.Replace(deploy, "  template:\n", "  template:\n    metadata:\n      annotations:\n        inject-sidecars.dev/status: "+status+"\n", 1)
			out, rs := runRaw(t, inj, input)
			if out != input {
				t.Errorf("the workload changed:\n%s", out)
			}
			if len(rs) != 1 || rs[0].Severity != transform.Error || !strings.Contains(rs[0].Message, "inject-sidecars.dev/status") ||
				!strings.Contains(rs[0].Message, "Deployment web") || rs[0].Field != `spec.template.metadata.annotations["inject-sidecars.dev/status"]` {
				t.Errorf("results = %+v", rs)
			}
		})
	}
}

// Owned objects are never changed, whatever they carry and wherever
// they are.
func TestOwnedPodWithStatusIsLeftAlone(t *testing.T) {
	t.Parallel()
	mesh := "  containers:\n  - {name: proxy, image: 'envoy:1'}\n"
	injected, _ := runRaw(t, injection(t, "mesh", mesh), "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  namespace: kube-system\nspec:\n  containers:\n  - {name: app, image: 'app:1'}\n")
	owned := strings.Replace(injected, "  namespace: kube-system\n", "  namespace: kube-system\n  ownerReferences:\n  - {apiVersion: apps/v1, kind: ReplicaSet, name: rs, uid: u1}\n", 1)
	excluded := injection(t, "mesh", mesh+"  exclude: [{namespace: kube-system}]\n")
	out, rs := runRaw(t, excluded, owned)
	if out != owned {
		t.Errorf("the owned Pod changed:\n%s", out)
	}
	if len(outcomes(rs)) != 0 {
		t.Errorf("results = %v", rs)
	}
	uninject := injection(t, "mesh", mesh+"  action: uninject\n")
	if out, _ := runRaw(t, uninject, owned); out != owned {
		t.Errorf("uninject changed the owned Pod:\n%s", out)
	}
}

func TestLists(t *testing.T) {
	t.Parallel()
	inj := injection(t, "mesh", "  containers:\n  - {name: proxy, image: 'envoy:1'}\n")
	item := "  - apiVersion: v1\n    kind: Pod\n    metadata: {name: p}\n    spec:\n      containers:\n      - {name: app, image: 'app:1'}\n"
	t.Run("local-config List", func(t *testing.T) {
		in := "apiVersion: v1\nkind: List\nmetadata:\n  annotations:\n    config.kubernetes.io/local-config: \"true\"\nitems:\n" + item
		out, rs := runRaw(t, inj, in)
		if strings.Contains(out, "proxy") || len(outcomes(rs)) != 0 {
			t.Errorf("a local-config List was changed:\n%s\n%v", out, rs)
		}
	})
	t.Run("List in a List", func(t *testing.T) {
		in := "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: PodList\n  items:\n" + indent(item, "  ")
		out, rs := runRaw(t, inj, in)
		oneOutcome(t, rs, transform.Injected)
		if !strings.Contains(out, "name: proxy") {
			t.Errorf("the nested item was not injected:\n%s", out)
		}
		if rs[0].Ref == nil || rs[0].Ref.Name != "p" {
			t.Errorf("result names %v", rs[0].Ref)
		}
	})
}

func indent(s, by string) string {
	lines := strings.SplitAfter(s, "\n")
	for i, l := range lines {
		if l != "" {
			lines[i] = by + l
		}
	}
	return strings.Join(lines, "")
}

// A Pod spec outside a pod template keeps its status on the resource's
// own metadata, where the kind's schema has room for it.
func TestPodSpecOutsideATemplate(t *testing.T) {
	t.Parallel()
	cfg := "  containers:\n  - {name: proxy, image: 'envoy:1'}\n  podAnnotations: {example.com/mesh: \"on\"}\n  workloadKinds:\n  - {group: example.com, kind: Runner, podSpecPath: spec/podSpec}\n"
	in := "apiVersion: example.com/v1\nkind: Runner\nmetadata:\n  name: r\nspec:\n  replicas: 2\n  podSpec:\n    containers:\n    - {name: app, image: 'app:1'}\n"
	out, rs := run(t, injection(t, "mesh", cfg), in)
	oneOutcome(t, rs, transform.Injected)
	want := `apiVersion: example.com/v1
kind: Runner
metadata:
  name: r
  annotations:
    example.com/mesh: "on"
    inject-sidecars.dev/status: '{"mesh":{"hash":"…","initContainers":["proxy"],"podAnnotations":["example.com/mesh"],"created":{"initContainers":"absent","metadata.annotations":"absent"}}}'
spec:
  replicas: 2
  podSpec:
    initContainers:
    - {name: proxy, image: 'envoy:1', restartPolicy: Always}
    containers:
    - {name: app, image: 'app:1'}
`
	if out != want {
		t.Errorf("got:\n%s\nwant:\n%s", out, want)
	}
	raw, _ := runRaw(t, injection(t, "mesh", cfg), in)
	back, _ := runRaw(t, injection(t, "mesh", cfg+"  action: uninject\n"), raw)
	if back != in {
		t.Errorf("uninject did not give the input back:\n%s", back)
	}
}

// Duplicate keys in an input are an error for that document, which is
// left as it came.
func TestDuplicateKeysInInput(t *testing.T) {
	t.Parallel()
	inj := injection(t, "mesh", "  containers:\n  - {name: proxy, image: 'envoy:1'}\n")
	in := "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  labels: {a: b, a: c}\nspec:\n  containers:\n  - {name: app, image: 'app:1'}\n"
	out, rs := runRaw(t, inj, in)
	if out != in {
		t.Errorf("changed:\n%s", out)
	}
	if len(rs) == 0 || rs[0].Severity != transform.Error || rs[0].Field != "metadata.labels.a" || !strings.Contains(rs[0].Message, `duplicate key "a"`) {
		t.Errorf("results = %+v", rs)
	}
}

// A name that a template renders invalid is this workload's error: one
// result a name, each naming the config's field. (Before, the problems
// came joined in one result: `injection "logs": spec.containers[0].name
// renders as "…-logs", which is not valid: must be no more than 63
// characters; spec.volumes[0].name renders as "…-vol", which is not
// valid: must be no more than 63 characters`.)
func TestRenderedNamesAreValidated(t *testing.T) {
	t.Parallel()
	inj := injection(t, "logs", "  containers:\n  - {name: '{{ .Name }}-logs', image: 'x:1'}\n  volumes:\n  - {name: '{{ .Name }}-vol', emptyDir: {}}\n")
	inj.Source = "logs.yaml"
	name := strings.Repeat("a", 60)
	long := strings.Replace(deploy, "name: web", "name: "+name, 1)
	out, rs := runRaw(t, inj, long)
	if out != long {
		t.Errorf("changed:\n%s", out)
	}
	var got []string
	for _, r := range rs {
		got = append(got, fmt.Sprintf("%s %s %q %s", r.Severity, r.Outcome, r.Field, r.Message))
	}
	want := []string{
		`error failed "" injection "logs", spec.containers[0].name of logs.yaml: renders as "` + name + `-logs", which is not valid: must be no more than 63 characters`,
		`error failed "" injection "logs", spec.volumes[0].name of logs.yaml: renders as "` + name + `-vol", which is not valid: must be no more than 63 characters`,
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("results (-want +got):\n%s", d)
	}
	if _, rs := runRaw(t, inj, deploy); outcomes(rs)[0] != transform.Injected {
		t.Errorf("a short name failed: %v", rs)
	}
}

// The objects' part of the fingerprint is made once per injection when
// every workload renders the same objects (no template, no override).
// Each workload's hash in a run of several must be the hash a run of that
// workload alone gives, with the shared part made from it: whichever
// workload comes first, an override in the batch or not.
func TestFingerprintSharedAcrossWorkloads(t *testing.T) {
	const spec = logging + `  volumes:
  - {name: logs, emptyDir: {}}
  env:
  - {name: LOG_DIR, value: "/var/log/<app>&"}
`
	second := strings.Replace(deploy, "name: web", "name: api", 1)
	overridden := withOverride(strings.Replace(deploy, "name: web", "name: db", 1),
		`{"logging": {"containers": [{"name": "fluent-bit", "resources": {"limits": {"memory": "256Mi"}}}]}}`)
	hashes := func(out string) []string { return fingerprint.FindAllString(out, -1) }
	alone := map[string][]string{}
	for _, doc := range []string{deploy, second, overridden} {
		out, _ := runRaw(t, injection(t, "logging", spec), doc)
		alone[doc] = hashes(out)
	}
	if alone[deploy][0] == alone[overridden][0] {
		t.Fatalf("an override does not change the hash: %v", alone[deploy])
	}
	for _, order := range [][]string{{deploy, second, overridden}, {overridden, second, deploy}} {
		out, _ := runRaw(t, injection(t, "logging", spec), strings.Join(order, "---\n"))
		got := hashes(out)
		want := append(append(alone[order[0]], alone[order[1]]...), alone[order[2]]...)
		if !slices.Equal(got, want) {
			t.Errorf("hashes in one run %v, each alone %v", got, want)
		}
	}
}

// The API server takes at most 256 KiB of a pod's annotations, keys and
// values: an injection whose status annotation (or podAnnotations)
// pushes the pod's past it fails, rather than write a pod the server
// refuses.
func TestAnnotationsStayUnderTheServersLimit(t *testing.T) {
	t.Parallel()
	inj := injection(t, "logging", logging)
	withNote := func(size int) string {
		return strings.Replace(deploy, "  template:\n", "  template:\n    metadata:\n      annotations:\n        note: '"+strings.Repeat("x", size)+"'\n", 1)
	}
	if _, rs := runRaw(t, inj, withNote(200<<10)); len(outcomes(rs)) != 1 || outcomes(rs)[0] != transform.Injected {
		t.Fatalf("200 KiB of annotations: %v", rs)
	}
	_, rs := runRaw(t, inj, withNote(256<<10-len("note")-10))
	if got := outcomes(rs); !slices.Equal(got, []transform.Outcome{transform.Injected, transform.Failed}) ||
		!strings.Contains(rs[1].Message, "the pod's annotations would hold") || !strings.Contains(rs[1].Message, "make the pod's own annotations shorter") || rs[1].Severity != transform.Error {
		t.Errorf("10 bytes under the limit before injecting: %v", rs)
	}
	// A pod of thousands of containers, with no annotations of its own:
	// the status annotation, a record per container, is what is too
	// long, and the message says what shortens it.
	mounts := injection(t, "logging", logging+"  volumes:\n  - {name: logs, emptyDir: {}}\n  volumeMounts:\n  - {name: logs, mountPath: /var/log/app}\n")
	var many strings.Builder
	for i := range 4500 {
		fmt.Fprintf(&many, "      - {name: app%d, image: 'app:1'}\n", i)
	}
	_, rs = runRaw(t, mounts, strings.Replace(deploy, "      - name: app\n        image: app:1\n", many.String(), 1))
	if got := outcomes(rs); len(got) == 0 || got[len(got)-1] != transform.Failed ||
		!strings.Contains(rs[len(rs)-1].Message, "are the status annotation") || !strings.Contains(rs[len(rs)-1].Message, "spec.appContainers") {
		t.Errorf("4,500 containers: %v", rs)
	}
}
