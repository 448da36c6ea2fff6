package transform

import (
	"fmt"
	"math/rand"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	resourcehelper "k8s.io/component-helpers/resource"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/inject-sidecars/inject-sidecars/internal/yamlnode"
)

// everyContainer is what the helpers are given without the meter's
// summing: the pod with every container as it is.
func everyContainer(spec *yaml.Node) Resources {
	pod := &corev1.Pod{}
	m := &meter{}
	for _, n := range yamlnode.Seq(spec, "containers") {
		pod.Spec.Containers = append(pod.Spec.Containers, m.container(n).c)
	}
	for _, n := range yamlnode.Seq(spec, "initContainers") {
		pod.Spec.InitContainers = append(pod.Spec.InitContainers, m.container(n).c)
	}
	pod.Spec.Overhead = quantities(yamlnode.Field(spec, "overhead"))
	return Resources{
		Requests: figures(resourcehelper.PodRequests(pod, resourcehelper.PodResourcesOptions{})),
		Limits:   figures(resourcehelper.PodLimits(pod, resourcehelper.PodResourcesOptions{})),
	}
}

// randomPod writes a pod spec of random containers: native sidecars and
// run-to-completion init containers in any order, figures in every unit,
// some resources unset.
func randomPod(r *rand.Rand) string {
	cpu := []string{"10m", "100m", "1", "1.5", "250m", "2"}
	mem := []string{"32Mi", "64M", "1Gi", "100000", "512Mi", "1G", "0.5", "1.5Gi", "9Ei"}
	figures := func() string {
		var parts []string
		for _, kind := range []string{"requests", "limits"} {
			var kv []string
			if r.Intn(3) > 0 {
				kv = append(kv, "cpu: "+cpu[r.Intn(len(cpu))])
			}
			if r.Intn(3) > 0 {
				kv = append(kv, "memory: "+mem[r.Intn(len(mem))])
			}
			if r.Intn(12) == 0 {
				kv = append(kv, "ephemeral-storage: 1Gi") // not summed as thousandths
			}
			if len(kv) > 0 {
				parts = append(parts, kind+": {"+strings.Join(kv, ", ")+"}")
			}
		}
		return "resources: {" + strings.Join(parts, ", ") + "}"
	}
	var b strings.Builder
	b.WriteString("initContainers:\n")
	for i := range r.Intn(8) {
		policy := ""
		if r.Intn(2) == 0 {
			policy = "restartPolicy: Always, "
		}
		fmt.Fprintf(&b, "- {name: i%d, %s%s}\n", i, policy, figures())
	}
	b.WriteString("containers:\n")
	for i := range 1 + r.Intn(4) {
		fmt.Fprintf(&b, "- {name: c%d, %s}\n", i, figures())
	}
	if r.Intn(3) == 0 {
		b.WriteString("overhead: {cpu: 5m, memory: 8Mi}\n")
	}
	return b.String()
}

// The meter gives what the helpers give for the pod as it is, to the
// last digit and in the same units.
func TestMeterMatchesTheHelpers(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewSource(1))
	for i := range 2000 {
		text := randomPod(r)
		n, err := yaml.Parse(text)
		if err != nil {
			t.Fatal(err)
		}
		got, want := podResources(n.YNode()), everyContainer(n.YNode())
		for _, q := range []struct {
			name      string
			got, want string
		}{
			{"requests.cpu", got.Requests.CPU.String(), want.Requests.CPU.String()},
			{"requests.memory", got.Requests.Memory.String(), want.Requests.Memory.String()},
			{"limits.cpu", got.Limits.CPU.String(), want.Limits.CPU.String()},
			{"limits.memory", got.Limits.Memory.String(), want.Limits.Memory.String()},
		} {
			if q.got != q.want {
				t.Fatalf("pod %d, %s: %s, want %s\n%s", i, q.name, q.got, q.want, text)
			}
		}
	}
}

// One meter over a pod that injections change one after the other
// (sidecars put first or last, taken out, put in the middle) gives what
// the helpers give for the pod as it is after each change.
func TestMeterFollowsChanges(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewSource(2))
	for round := range 50 {
		n, err := yaml.Parse(randomPod(r))
		if err != nil {
			t.Fatal(err)
		}
		spec := n.YNode()
		m := &meter{}
		for step := range 40 {
			list := yamlnode.Field(spec, "initContainers")
			if r.Intn(3) == 0 {
				list = yamlnode.Field(spec, "containers")
			}
			extra, err := yaml.Parse(randomPod(r))
			if err != nil {
				t.Fatal(err)
			}
			add := yamlnode.Seq(extra.YNode(), "initContainers")
			switch k := len(list.Content); {
			case r.Intn(4) == 0 && k > 0:
				i := r.Intn(k)
				list.Content = append(list.Content[:i], list.Content[i+1:]...)
			case r.Intn(3) == 0:
				list.Content = append(list.Content, add...)
			case r.Intn(3) == 0 && k > 0:
				i := r.Intn(k)
				list.Content = append(list.Content[:i], append(slices.Clone(add), list.Content[i:]...)...)
			default:
				list.Content = append(slices.Clone(add), list.Content...)
			}
			got, want := m.after(spec), everyContainer(spec)
			if got.Requests.CPU.String() != want.Requests.CPU.String() || got.Requests.Memory.String() != want.Requests.Memory.String() ||
				got.Limits.CPU.String() != want.Limits.CPU.String() || got.Limits.Memory.String() != want.Limits.Memory.String() {
				t.Fatalf("round %d, step %d: %+v, want %+v", round, step, got, want)
			}
		}
	}
}

// podNames keeps its counts right through any change to the lists.
func TestPodNamesFollowChanges(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewSource(3))
	n, err := yaml.Parse(randomPod(r))
	if err != nil {
		t.Fatal(err)
	}
	spec := n.YNode()
	var pn podNames
	for step := range 500 {
		list := yamlnode.Field(spec, []string{"containers", "initContainers"}[r.Intn(2)])
		extra, err := yaml.Parse(randomPod(r))
		if err != nil {
			t.Fatal(err)
		}
		add := yamlnode.Seq(extra.YNode(), "containers")
		switch k := len(list.Content); {
		case r.Intn(3) == 0 && k > 0:
			i := r.Intn(k)
			list.Content = append(list.Content[:i], list.Content[i+1:]...)
		case r.Intn(2) == 0:
			list.Content = append(list.Content, add...)
		default:
			list.Content = append(slices.Clone(add), list.Content...)
		}
		pn.update(spec)
		want := map[string]int{}
		for _, key := range []string{"containers", "initContainers"} {
			for _, c := range yamlnode.Seq(spec, key) {
				want[yamlnode.Str(c, "name")]++
			}
		}
		for name, c := range pn.count {
			if c != want[name] {
				t.Fatalf("step %d: %q counted %d, want %d", step, name, c, want[name])
			}
		}
		for name, c := range want {
			if pn.count[name] != c {
				t.Fatalf("step %d: %q counted %d, want %d", step, name, pn.count[name], c)
			}
		}
	}
}
