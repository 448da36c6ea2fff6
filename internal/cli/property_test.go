package cli_test

import (
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/inject-sidecars/inject-sidecars/internal/cli"
)

// genKinds are the kinds the generator makes, with the YAML that wraps a
// pod template (%s, indented to fit).
var genKinds = []struct{ apiVersion, kind, wrap string }{
	{"v1", "Pod", ""},
	{"v1", "PodTemplate", "template:\n"},
	{"v1", "ReplicationController", "spec:\n  template:\n"},
	{"apps/v1", "ReplicaSet", "spec:\n  template:\n"},
	{"apps/v1", "Deployment", "spec:\n  replicas: 2\n  template:\n"},
	{"extensions/v1beta1", "Deployment", "spec:\n  template:\n"},
	{"apps/v1", "StatefulSet", "spec:\n  serviceName: db\n  template:\n"},
	{"apps/v1", "DaemonSet", "spec:\n  template:\n"},
	{"batch/v1", "Job", "spec:\n  backoffLimit: 2\n  template:\n"},
	{"batch/v1", "CronJob", "spec:\n  schedule: '*/5 * * * *'\n  jobTemplate:\n    spec:\n      template:\n"},
	{"argoproj.io/v1alpha1", "Rollout", "spec:\n  template:\n"},
}

// genWorkload writes a random workload in the formatting kyaml writes
// (two-space indent, compact lists), with comments, so that byte equality
// is a fair test.
func genWorkload(r *rand.Rand, i int) string {
	k := genKinds[r.Intn(len(genKinds))]
	var b strings.Builder
	fmt.Fprintf(&b, "# workload %d\napiVersion: %s\nkind: %s\nmetadata:\n  name: w%d # its name\n", i, k.apiVersion, k.kind, i)
	if r.Intn(2) == 0 {
		fmt.Fprintf(&b, "  namespace: ns%d\n", r.Intn(3))
	}
	fmt.Fprintf(&b, "  labels:\n    app: w%d\n", i)
	var pod strings.Builder
	podMeta := ""
	switch r.Intn(4) {
	case 0: // no metadata
	case 1:
		podMeta = "  labels:\n    app: w" + fmt.Sprint(i) + "\n"
	case 2:
		podMeta = "  annotations:\n    example.com/note: kept\n"
	case 3:
		podMeta = "  annotations:\n  labels:\n    tier: web\n"
	}
	if k.kind == "Pod" {
		// A Pod's metadata is the resource's own: one metadata key.
		if !strings.Contains(podMeta, "labels") {
			b.WriteString(podMeta)
		}
	} else if podMeta != "" {
		pod.WriteString("metadata:\n" + podMeta)
	}
	pod.WriteString("spec:\n")
	if r.Intn(3) == 0 {
		pod.WriteString("  initContainers:\n  - name: init\n    image: busybox:1.36\n")
	}
	pod.WriteString("  containers:\n")
	for c := 0; c <= r.Intn(3); c++ {
		fmt.Fprintf(&pod, "  # container %d\n  - name: c%d\n    image: example/c%d:1.%d\n", c, c, c, r.Intn(9))
		if r.Intn(2) == 0 {
			fmt.Fprintf(&pod, "    ports:\n    - containerPort: %d\n", 8000+c)
		}
		if r.Intn(3) == 0 {
			pod.WriteString("    env:\n    - name: MODE\n      value: prod\n")
			if r.Intn(2) == 0 {
				// The list ends in a comment block, which an upgrade's
				// edits border.
				pod.WriteString("    # set by CI:\n    # - name: REGION\n    #   value: eu\n")
			}
		}
		if r.Intn(3) == 0 {
			pod.WriteString("    volumeMounts:\n    - name: data\n      mountPath: /data\n")
		}
	}
	if r.Intn(2) == 0 {
		pod.WriteString("  volumes:\n  - name: data\n    emptyDir: {}\n")
	}
	if k.kind == "Pod" {
		b.WriteString(pod.String())
		return b.String()
	}
	b.WriteString(k.wrap)
	lines := strings.Split(strings.TrimSuffix(k.wrap, "\n"), "\n")
	last := lines[len(lines)-1]
	indent := strings.Repeat(" ", len(last)-len(strings.TrimLeft(last, " "))+2)
	for _, line := range strings.SplitAfter(strings.TrimSuffix(pod.String(), "\n"), "\n") {
		b.WriteString(indent + line)
	}
	b.WriteString("\n")
	return b.String()
}

func genStream(r *rand.Rand, n int) string {
	docs := make([]string, 0, n+1)
	for i := 0; i < n; i++ {
		docs = append(docs, genWorkload(r, i))
	}
	docs = append(docs, "# not a workload\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  key:   value\n")
	return strings.Join(docs, "---\n")
}

// TestProperties checks, on generated workloads of every kind, that
// inject twice = inject once, uninject(inject(x)) = x byte for byte,
// upgrade(inject_v1(x)) = inject_v2(x), and that every comment survives.
func TestProperties(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{"native", "classic"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			testProperties(t, mode)
		})
	}
}

func testProperties(t *testing.T, mode string) {
	dir := t.TempDir()
	v1 := writeConfig(t, dir, "v1.yaml", mode, "fluent/fluent-bit:3.1.4", "info")
	v2 := writeConfig(t, dir, "v2.yaml", mode, "fluent/fluent-bit:3.2.0", "debug")
	comment := regexp.MustCompile(`#.*`)
	seeds := 60
	if testing.Short() {
		seeds = 10
	}
	for seed := 0; seed < seeds; seed++ {
		r := rand.New(rand.NewSource(int64(seed)))
		x := genStream(r, 1+r.Intn(6))
		once := mustRun(t, seed, x, "-q", "-c", v1)
		if twice := mustRun(t, seed, once, "-q", "-c", v1); twice != once {
			t.Fatalf("seed %d: inject twice != inject once:\n%s", seed, cmp.Diff(once, twice))
		}
		if back := mustRun(t, seed, once, "-q", "--uninject", "-c", v1); back != x {
			t.Fatalf("seed %d: uninject(inject(x)) != x:\n%s", seed, cmp.Diff(x, back))
		}
		if up, fresh := mustRun(t, seed, once, "-q", "-c", v2), mustRun(t, seed, x, "-q", "-c", v2); up != fresh {
			t.Fatalf("seed %d: upgrade(inject_v1(x)) != inject_v2(x):\n%s", seed, cmp.Diff(fresh, up))
		}
		for _, c := range comment.FindAllString(x, -1) {
			if !strings.Contains(once, c) {
				t.Fatalf("seed %d: comment %q lost", seed, c)
			}
		}
		if !strings.Contains(once, "# not a workload\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  key:   value\n") {
			t.Fatalf("seed %d: the ConfigMap changed", seed)
		}
	}
}

// mustRun runs plain mode; it must succeed without re-encoding any
// document.
func mustRun(t *testing.T, seed int, in string, args ...string) string {
	t.Helper()
	out, stderr, code := cli.Invoke(t, strings.NewReader(in), args...)
	if code != 0 || strings.Contains(stderr, "re-encoded") {
		t.Fatalf("seed %d: exit %d:\n%s\ninput:\n%s", seed, code, stderr, in)
	}
	return out
}

// writeConfig writes a log-collector config that touches every kind of
// object: sidecar, init container, volume, mounts, env, pull secret, pod
// labels and annotations.
func writeConfig(t *testing.T, dir, name, mode, image, level string) string {
	t.Helper()
	cfg := fmt.Sprintf(`apiVersion: inject-sidecars.dev/v1alpha1
kind: SidecarInjection
metadata:
  name: logging
spec:
  mode: %s
  containers:
  - name: fluent-bit # the collector
    image: %s
    resources:
      requests: {cpu: 10m, memory: 32Mi}
      limits: {memory: 64Mi}
  initContainers:
  - name: log-dirs
    image: busybox:1.36
  volumes:
  - name: logs
    emptyDir: {}
  volumeMounts:
  - name: logs
    mountPath: /var/log/app
  env:
  - name: LOG_LEVEL
    value: %s
  imagePullSecrets:
  - name: registry
  podLabels:
    logging: enabled
  podAnnotations:
    logging.example.com/level: %s
`, mode, image, level, level)
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestPropertiesTwoInjections checks that injections stack and come apart
// cleanly: with A and B injected, uninjecting A gives exactly what
// injecting B alone gives, fields that A created and B still uses included.
func TestPropertiesTwoInjections(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	a := writeConfig(t, dir, "a.yaml", "native", "fluent/fluent-bit:3.1.4", "info")
	b := filepath.Join(dir, "b.yaml")
	if err := os.WriteFile(b, []byte(`apiVersion: inject-sidecars.dev/v1alpha1
kind: SidecarInjection
metadata:
  name: mesh
spec:
  mode: classic
  position: first
  containers:
  - name: envoy
    image: envoyproxy/envoy:v1.31.0
    resources:
      requests: {cpu: 10m, memory: 32Mi}
      limits: {memory: 64Mi}
  volumes:
  - name: envoy-config
    configMap: {name: envoy}
  podAnnotations:
    mesh.example.com/enabled: "true"
`), 0o644); err != nil {
		t.Fatal(err)
	}
	for seed := 0; seed < 40; seed++ {
		r := rand.New(rand.NewSource(int64(1000 + seed)))
		x := genStream(r, 1+r.Intn(5))
		onlyB := mustRun(t, seed, x, "-q", "-c", b)
		both := mustRun(t, seed, x, "-q", "-c", a, "-c", b)
		if got := mustRun(t, seed, both, "-q", "--uninject", "-c", a); got != onlyB {
			t.Fatalf("seed %d: uninject A (A then B) != B alone:\n%s", seed, cmp.Diff(onlyB, got))
		}
		if got := mustRun(t, seed, mustRun(t, seed, both, "-q", "--uninject", "-c", b), "-q", "--uninject", "-c", a); got != x {
			t.Fatalf("seed %d: uninject B then A != x:\n%s", seed, cmp.Diff(x, got))
		}
		if again := mustRun(t, seed, both, "-q", "-c", a, "-c", b); again != both {
			t.Fatalf("seed %d: A and B twice != once:\n%s", seed, cmp.Diff(both, again))
		}
	}
}

// quirky re-formats a generated stream the way people's files look: flow
// lists without spaces, trailing spaces, comments indented off the
// structure, wide lists. The encoder would normalise all of it.
func quirky(r *rand.Rand, s string) string {
	ls := strings.Split(s, "\n")
	for i, l := range ls {
		t := strings.TrimSpace(l)
		switch {
		case strings.HasPrefix(t, "image:") && r.Intn(2) == 0:
			ls[i] = l + "\n" + strings.Repeat(" ", len(l)-len(strings.TrimLeft(l, " "))) + `args: ["--port","8080",  "--debug"]`
		case strings.HasSuffix(t, ":") && r.Intn(4) == 0:
			ls[i] = l + " " // a trailing space
		case strings.HasPrefix(t, "# container") && r.Intn(2) == 0:
			ls[i] = "      " + l // a comment indented deeper than its keys
		}
	}
	return strings.Join(ls, "\n")
}

// TestPropertiesKeepFormatting checks, on files formatted the way people
// format them (trailing spaces, comments indented deeper than their keys,
// flow lists without spaces), that injection only adds lines, that no
// document is re-encoded, and that uninject gives back the file byte for
// byte.
func TestPropertiesKeepFormatting(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfg := writeConfig(t, dir, "c.yaml", "native", "fluent/fluent-bit:3.1.4", "info")
	for seed := 0; seed < 60; seed++ {
		r := rand.New(rand.NewSource(int64(2000 + seed)))
		x := quirky(r, genStream(r, 1+r.Intn(4)))
		once, stderr, code := cli.Invoke(t, strings.NewReader(x), "-q", "-c", cfg)
		if code != 0 || strings.Contains(stderr, "re-encoded") {
			t.Fatalf("seed %d: exit %d:\n%s", seed, code, stderr)
		}
		if ok, line := onlyAdds(x, once); !ok {
			t.Fatalf("seed %d: injecting changed the line %q:\n%s", seed, line, cmp.Diff(x, once))
		}
		if back := mustRun(t, seed, once, "-q", "--uninject", "-c", cfg); back != x {
			t.Fatalf("seed %d: uninject(inject(x)) != x:\n%s", seed, cmp.Diff(x, back))
		}
		if twice := mustRun(t, seed, once, "-q", "-c", cfg); twice != once {
			t.Fatalf("seed %d: inject twice != once:\n%s", seed, cmp.Diff(once, twice))
		}
	}
}

// TestPropertiesDrift checks that "up to date" means the workload holds
// what the config renders for it today, on generated workloads: a
// templated value follows a metadata edit, a container added after
// injection gets the mounts and env, a sidecar deleted by hand comes
// back, and spelling out the defaults changes nothing.
func TestPropertiesDrift(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{"native", "classic"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			base := writeConfig(t, dir, "base.yaml", mode, "fluent/fluent-bit:3.1.4", "info")
			data, _ := os.ReadFile(base)
			templated := strings.Replace(string(data), "    image: fluent/fluent-bit:3.1.4\n",
				"    image: fluent/fluent-bit:3.1.4\n    args: [\"--tag={{ .Namespace }}.{{ .Name }}\"]\n", 1)
			cfg := filepath.Join(dir, "templated.yaml")
			position := map[string]string{"native": "first", "classic": "last"}[mode]
			spelled := filepath.Join(dir, "spelled.yaml")
			if err := os.WriteFile(cfg, []byte(templated), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(spelled, []byte(templated+"  position: "+position+"\n  onConflict: error\n  action: inject\n  optIn: false\n  targets: []\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			renamed := regexp.MustCompile(`(?m)^(  name: w\d+)( # its name)$`)
			firstCtr := regexp.MustCompile(`(?m)^( *)# container 0\n`)
			seeds := 40
			if testing.Short() {
				seeds = 8
			}
			for seed := 0; seed < seeds; seed++ {
				r := rand.New(rand.NewSource(int64(seed)))
				x := genStream(r, 1+r.Intn(5))
				once := mustRun(t, seed, x, "-q", "-c", cfg)

				rename := func(s string) string { return renamed.ReplaceAllString(s, "${1}-renamed${2}") }
				if got, want := mustRun(t, seed, rename(once), "-q", "-c", cfg), mustRun(t, seed, rename(x), "-q", "-c", cfg); got != want {
					t.Fatalf("seed %d: after a rename, re-run != inject of the renamed input:\n%s", seed, cmp.Diff(want, got))
				}

				add := func(s string) string {
					return firstCtr.ReplaceAllString(s, "${1}- name: added\n${1}  image: example/added:1\n${1}# container 0\n")
				}
				if got, want := mustRun(t, seed, add(once), "-q", "-c", cfg), mustRun(t, seed, add(x), "-q", "-c", cfg); got != want {
					t.Fatalf("seed %d: a container added after injection, re-run != inject of the input with it:\n%s", seed, cmp.Diff(want, got))
				}

				deleted := deleteItem(once, "- name: fluent-bit # the collector")
				if deleted == once || rename(x) == x || add(x) == x {
					t.Fatalf("seed %d: a mutation did not change the input", seed)
				}
				if got := mustRun(t, seed, deleted, "-q", "-c", cfg); got != once {
					t.Fatalf("seed %d: a deleted sidecar was not restored:\n%s", seed, cmp.Diff(once, got))
				}

				if got := mustRun(t, seed, once, "-q", "-c", spelled); got != once {
					t.Fatalf("seed %d: spelling out the defaults changed the output:\n%s", seed, cmp.Diff(once, got))
				}
			}
		})
	}
}

// deleteItem removes every list item whose first line ends with marker,
// with its lines: those indented deeper than its dash, up to its last
// line that is not a comment.
func deleteItem(s, marker string) string {
	lines := strings.SplitAfter(s, "\n")
	var out []string
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		trimmed := strings.TrimLeft(l, " ")
		if strings.TrimRight(trimmed, "\n") != marker {
			out = append(out, l)
			continue
		}
		col := len(l) - len(trimmed)
		end := i
		for j := i + 1; j < len(lines); j++ {
			nt := strings.TrimLeft(lines[j], " ")
			if nt == "\n" || nt == "" || len(lines[j])-len(nt) <= col {
				break
			}
			if !strings.HasPrefix(nt, "#") {
				end = j // comments after its last line are not the item's
			}
		}
		i = end
	}
	return strings.Join(out, "")
}

// TestUpgradeKeepsComments: an upgrade rewrites what the last version
// added, whose lines border the comment blocks that end the user's lists;
// the edits must be placed, not re-encoded, and give what injecting the
// new version into the original gives.
func TestUpgradeKeepsComments(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	v1 := writeConfig(t, dir, "v1.yaml", "native", "fluent/fluent-bit:3.1.4", "info")
	v2 := writeConfig(t, dir, "v2.yaml", "native", "fluent/fluent-bit:3.2.0", "debug")
	const head = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n      - name: app\n        image: app:1\n        env:\n        - name: MODE\n          value: prod\n"
	const block = "        # the rest of the env is set by CI:\n        # - name: REGION\n        #   value: eu\n"
	tests := map[string]string{
		"env ends in a comment block":                    head + block,
		"and the file has no final line end":             head + block + "      volumes:\n      - name: data\n        emptyDir: {}",
		"a comment block at column 0, no final line end": head + "# end of env\n# (kept)\n      restartPolicy: Always",
		"the comment block ends the file":                head + block + "      # the end",
	}
	for name, x := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			once := mustRun(t, 0, x, "-q", "-c", v1)
			up, fresh := mustRun(t, 0, once, "-q", "-c", v2), mustRun(t, 0, x, "-q", "-c", v2)
			if up != fresh {
				t.Fatalf("upgrade(inject_v1(x)) != inject_v2(x):\n%s", cmp.Diff(fresh, up))
			}
			if back := mustRun(t, 0, up, "-q", "--uninject", "-c", v2); back != x {
				t.Fatalf("uninject(upgrade) != x:\n%s", cmp.Diff(x, back))
			}
		})
	}
}
