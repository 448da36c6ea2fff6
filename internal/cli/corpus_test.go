package cli_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/inject-sidecars/inject-sidecars/internal/cli"
	"github.com/inject-sidecars/inject-sidecars/internal/testkit"
	"github.com/inject-sidecars/inject-sidecars/internal/yamlfile"
)

// podSpecPaths says where each built-in kind keeps its Pod spec; the test
// keeps its own table rather than trusting the code under test.
var podSpecPaths = map[string][]string{
	"Pod":                   {"spec"},
	"PodTemplate":           {"template", "spec"},
	"ReplicationController": {"spec", "template", "spec"},
	"ReplicaSet":            {"spec", "template", "spec"},
	"Deployment":            {"spec", "template", "spec"},
	"StatefulSet":           {"spec", "template", "spec"},
	"DaemonSet":             {"spec", "template", "spec"},
	"Job":                   {"spec", "template", "spec"},
	"CronJob":               {"spec", "jobTemplate", "spec", "template", "spec"},
	"Rollout":               {"spec", "template", "spec"},
}

// workloads returns the workloads of a document (its items for a List).
func workloads(n *yaml.Node) []*yaml.RNode {
	rn := yaml.NewRNode(n)
	if items := rn.Field("items"); items != nil && strings.HasSuffix(rn.GetKind(), "List") {
		var out []*yaml.RNode
		for _, it := range items.Value.Content() {
			out = append(out, workloads(it)...)
		}
		return out
	}
	if _, ok := podSpecPaths[rn.GetKind()]; !ok {
		return nil
	}
	// A Rollout is a workload only with its own template; one with a
	// workloadRef borrows a Deployment's and has no Pod spec to change.
	if rn.GetKind() == "Rollout" && rn.Field("spec") != nil && rn.Field("spec").Value.Field("template") == nil {
		return nil
	}
	return []*yaml.RNode{rn}
}

// TestCorpus runs every corpus file through plain mode: every workload
// must get the sidecar, every other document must come out byte for byte,
// a second run must change nothing, and uninject must give back the same
// resources.
func TestCorpus(t *testing.T) {
	t.Parallel()
	for _, path := range testkit.CorpusFiles(t) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			t.Parallel()
			input, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			out, stderr, code := cli.Invoke(t, bytes.NewReader(input), "-c", "../../testdata/kind-pod/config.yaml")
			if code != 0 || strings.Contains(stderr, "re-encoded") {
				t.Fatalf("exit %d:\n%s", code, stderr)
			}
			in, err := yamlfile.Parse(path, input)
			if err != nil {
				t.Fatal(err)
			}
			got, err := yamlfile.Parse("out", []byte(out))
			if err != nil {
				t.Fatalf("output does not parse: %v\n%s", err, out)
			}
			if len(got.Docs) != len(in.Docs) {
				t.Fatalf("got %d documents, want %d", len(got.Docs), len(in.Docs))
			}
			injected := 0
			for i, d := range in.Docs {
				ws := []*yaml.RNode(nil)
				if d.Node != nil {
					ws = workloads(d.Node)
				}
				if len(ws) == 0 {
					if got.Docs[i].Raw != d.Raw {
						t.Errorf("document %d is not a workload but changed:\n%s", i, cmp.Diff(d.Raw, got.Docs[i].Raw))
					}
					continue
				}
				for _, w := range workloads(got.Docs[i].Node) {
					path := append(append([]string(nil), podSpecPaths[w.GetKind()]...), "initContainers", "[name=proxy]", "restartPolicy")
					rp, err := w.Pipe(yaml.Lookup(path...))
					if err != nil || rp == nil || rp.YNode().Value != "Always" {
						t.Errorf("%s/%s: no native sidecar proxy at %s", w.GetKind(), w.GetName(), strings.Join(path, "."))
					}
					injected++
				}
			}
			// A file with no workload (a CRD, an AnalysisTemplate) must
			// come back byte for byte, which the loop above checked
			// document by document; one with workloads must inject.
			if injected == 0 && out != string(input) {
				t.Errorf("no workload, yet the output differs:\n%s", cmp.Diff(string(input), out))
			}

			again, _, code := cli.Invoke(t, strings.NewReader(out), "-q", "-c", "../../testdata/kind-pod/config.yaml")
			if code != 0 || again != out {
				t.Errorf("second run changed the output (exit %d):\n%s", code, cmp.Diff(out, again))
			}

			back, stderr, code := cli.Invoke(t, strings.NewReader(out), "-q", "--uninject", "-c", "../../testdata/kind-pod/config.yaml")
			if code != 0 {
				t.Fatalf("uninject: exit %d:\n%s", code, stderr)
			}
			if diff := cmp.Diff(testkit.Resources(t, input), testkit.Resources(t, []byte(back))); diff != "" {
				t.Errorf("uninject did not give back the input (-want +got):\n%s", diff)
			}
			// The user's own formatting survives: injecting only adds
			// lines, and uninject gives back the very bytes.
			if ok, line := onlyAdds(string(input), out); !ok {
				t.Errorf("injecting changed the line %q:\n%s", line, cmp.Diff(string(input), out))
			}
			if back != string(input) {
				t.Errorf("uninject(inject(x)) != x byte for byte:\n%s", cmp.Diff(string(input), back))
			}
		})
	}
}

// TestCorpusSeveralConfigs injects every corpus file with three configs
// at once (a log collector with a volume, mounts and env; a classic proxy
// placed first, with ports and pod annotations; a config watcher with a
// templated volume): no document may be re-encoded, injecting only adds
// lines, uninject gives back the bytes, and a second run changes nothing.
func TestCorpusSeveralConfigs(t *testing.T) {
	t.Parallel()
	configs, _ := filepath.Glob("../../testdata/corpus-configs/*.yaml")
	if len(configs) != 3 {
		t.Fatalf("want the three corpus configs, got %v", configs)
	}
	var args []string
	for _, c := range configs {
		args = append(args, "-c", c)
	}
	for _, path := range testkit.CorpusFiles(t) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			t.Parallel()
			input, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			out, stderr, code := cli.Invoke(t, bytes.NewReader(input), args...)
			if code != 0 || strings.Contains(stderr, "re-encoded") {
				t.Fatalf("exit %d:\n%s", code, stderr)
			}
			if ok, line := onlyAdds(string(input), out); !ok {
				t.Errorf("injecting changed the line %q:\n%s", line, cmp.Diff(string(input), out))
			}
			if strings.HasSuffix(path, ".json") && !strings.HasPrefix(strings.TrimSpace(out), "{") {
				t.Errorf("JSON came out as YAML:\n%s", out)
			}
			again, stderr, code := cli.Invoke(t, strings.NewReader(out), args...)
			if code != 0 || again != out {
				t.Errorf("a second run changed the output (exit %d, %s):\n%s", code, stderr, cmp.Diff(out, again))
			}
			back, stderr, code := cli.Invoke(t, strings.NewReader(out), append([]string{"--uninject"}, args...)...)
			if code != 0 || strings.Contains(stderr, "re-encoded") {
				t.Fatalf("uninject: exit %d:\n%s", code, stderr)
			}
			if back != string(input) {
				t.Errorf("uninject(inject(x)) != x byte for byte:\n%s", cmp.Diff(string(input), back))
			}
		})
	}
}
