package transform

import (
	"fmt"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	resourcehelper "k8s.io/component-helpers/resource"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/inject-sidecars/inject-sidecars/internal/yamlnode"
)

// Resources are a pod's effective CPU and memory requests and limits.
type Resources struct {
	Requests, Limits Figures
}

// Figures are amounts of CPU and memory. (Two fields, not a
// ResourceList: a run keeps one Usage per changed workload.)
type Figures struct {
	CPU, Memory resource.Quantity
}

func figures(l corev1.ResourceList) Figures {
	return Figures{CPU: l[corev1.ResourceCPU], Memory: l[corev1.ResourceMemory]}
}

func (f Figures) minus(g Figures) Figures {
	cpu, mem := f.CPU.DeepCopy(), f.Memory.DeepCopy()
	cpu.Sub(g.CPU)
	mem.Sub(g.Memory)
	return Figures{cpu, mem}
}

// Usage is what one injection did to one workload's resources: the pod's
// effective requests and limits before and after, per replica, and how
// many replicas the workload runs.
type Usage struct {
	// Item is the document the workload came in.
	Item      *yaml.Node
	Ref       Ref
	Injection string
	// Replicas is spec.replicas (default 1), a Job's or CronJob's
	// parallelism (default 1), 1 for a Pod, 0 for a PodTemplate; for a
	// DaemonSet it is 1 and PerNode is set.
	Replicas int64
	PerNode  bool
	// Before and After are per replica.
	Before, After Resources
}

// Delta is what the injection added per replica (negative when it took
// away), for CPU and memory requests and limits.
func (u *Usage) Delta() Resources {
	return Resources{Requests: u.After.Requests.minus(u.Before.Requests), Limits: u.After.Limits.minus(u.Before.Limits)}
}

// reported are the resources the report counts.
var reported = []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory}

// podResources computes a pod's effective requests and limits as the
// scheduler does, with Kubernetes' own helpers
// (k8s.io/component-helpers/resource): the largest of each
// run-to-completion init container plus the native sidecars before it,
// against the native sidecars plus the containers, with pod-level
// resources and overhead. Containers are defaulted first as the API
// server defaults them: a resource with a limit and no request requests
// the limit.
func podResources(spec *yaml.Node) Resources { return (&meter{}).measure(spec) }

// meter measures one workload's pod across its injections, in time
// linear in the number of injections' containers: each injection needs
// the pod's resources before and after it, and a pod that 1,000
// injections fill holds 1,000 sidecars. Before is what the previous
// injection left (nothing else changes the pod in between), each
// container's figures are read from YAML once, and the helpers are given
// the pod with its containers summed into one and each run of native
// sidecars into one: the same figures (the helpers add containers and
// native sidecars, and a run of sidecars only grows what the init
// containers after it see), at the cost of a few additions per
// container instead of a map per container.
type meter struct {
	read map[*yaml.Node]*corev1.Container
	spec *yaml.Node
	last Resources
}

// before returns the pod's resources before a change.
func (m *meter) before(spec *yaml.Node) Resources {
	if spec == m.spec {
		return m.last
	}
	return m.measure(spec)
}

// after measures the pod after a change, and keeps it for the next.
func (m *meter) after(spec *yaml.Node) Resources {
	m.spec, m.last = spec, m.measure(spec)
	return m.last
}

func (m *meter) measure(spec *yaml.Node) Resources {
	pod := &corev1.Pod{}
	if ctrs := yamlnode.Seq(spec, "containers"); len(ctrs) > 0 {
		sum := corev1.Container{}
		for _, n := range ctrs {
			addResources(&sum, m.container(n))
		}
		pod.Spec.Containers = []corev1.Container{sum}
	}
	always := corev1.ContainerRestartPolicyAlways
	for _, n := range yamlnode.Seq(spec, "initContainers") {
		c := m.container(n)
		if !restartable(c) {
			pod.Spec.InitContainers = append(pod.Spec.InitContainers, *c)
			continue
		}
		last := len(pod.Spec.InitContainers) - 1
		if last < 0 || !restartable(&pod.Spec.InitContainers[last]) {
			pod.Spec.InitContainers = append(pod.Spec.InitContainers, corev1.Container{RestartPolicy: &always})
			last++
		}
		addResources(&pod.Spec.InitContainers[last], c)
	}
	pod.Spec.Overhead = quantities(yamlnode.Field(spec, "overhead"))
	if r := yamlnode.Field(spec, "resources"); r != nil {
		rr := resourceRequirements(r)
		pod.Spec.Resources = &rr
	}
	return Resources{
		Requests: figures(resourcehelper.PodRequests(pod, resourcehelper.PodResourcesOptions{})),
		Limits:   figures(resourcehelper.PodLimits(pod, resourcehelper.PodResourcesOptions{})),
	}
}

// container reads a container's restart policy and resources, once.
func (m *meter) container(n *yaml.Node) *corev1.Container {
	if c, ok := m.read[n]; ok {
		return c
	}
	c := &corev1.Container{}
	if yamlnode.Str(n, "restartPolicy") == string(corev1.ContainerRestartPolicyAlways) {
		always := corev1.ContainerRestartPolicyAlways
		c.RestartPolicy = &always
	}
	c.Resources = resourceRequirements(yamlnode.Field(n, "resources"))
	defaultRequests(c)
	if m.read == nil {
		m.read = map[*yaml.Node]*corev1.Container{}
	}
	m.read[n] = c
	return c
}

func restartable(c *corev1.Container) bool {
	return c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways
}

// addResources adds c's requests and limits to sum's, as the helpers add
// them: a resource c does not set adds nothing.
func addResources(sum, c *corev1.Container) {
	add := func(to *corev1.ResourceList, l corev1.ResourceList) {
		for name, q := range l {
			if *to == nil {
				*to = corev1.ResourceList{}
			}
			if have, ok := (*to)[name]; ok {
				have.Add(q)
				(*to)[name] = have
			} else {
				(*to)[name] = q.DeepCopy()
			}
		}
	}
	add(&sum.Resources.Requests, c.Resources.Requests)
	add(&sum.Resources.Limits, c.Resources.Limits)
}

// defaultRequests does what the API server's defaulting does: a
// resource with a limit and no request requests its limit.
func defaultRequests(c *corev1.Container) {
	for name, q := range c.Resources.Limits {
		if _, ok := c.Resources.Requests[name]; !ok {
			if c.Resources.Requests == nil {
				c.Resources.Requests = corev1.ResourceList{}
			}
			c.Resources.Requests[name] = q.DeepCopy()
		}
	}
}

// podLevelProblems checks a pod with pod-level resources after this
// change: Kubernetes requires its requests to cover the containers'
// aggregate requests, and every container's limit to fit in its limit.
func (c *change) podLevelProblems() []conflict {
	if yamlnode.Field(c.p.spec, "resources") == nil {
		return nil
	}
	_, _, after, err := c.podSpecs()
	if err != nil || after.Resources == nil {
		return nil
	}
	for _, list := range [][]corev1.Container{after.Containers, after.InitContainers} {
		for i := range list {
			defaultRequests(&list[i])
		}
	}
	var out []conflict
	agg := resourcehelper.AggregateContainerRequests(&corev1.Pod{Spec: *after}, resourcehelper.PodResourcesOptions{})
	for _, name := range reported {
		podReq, ok := after.Resources.Requests[name]
		if sum := agg[name]; ok && sum.Cmp(podReq) > 0 {
			out = append(out, conflict{c.p.path + ".resources.requests." + string(name),
				fmt.Sprintf("the pod-level %s request %s would no longer cover its containers, which request %s with the sidecars: raise it, or give the sidecars less", name, podReq.String(), sum.String()), false})
		}
	}
	added := c.newNames()
	for _, list := range [][]corev1.Container{after.Containers, after.InitContainers} {
		for _, ctr := range list {
			if !added[ctr.Name] {
				continue
			}
			for _, name := range reported {
				podLim, ok := after.Resources.Limits[name]
				if lim, has := ctr.Resources.Limits[name]; ok && has && lim.Cmp(podLim) > 0 {
					out = append(out, conflict{c.p.path + ".resources.limits." + string(name),
						fmt.Sprintf("sidecar %q's %s limit %s is above the pod-level limit %s", ctr.Name, name, lim.String(), podLim.String()), false})
				}
			}
		}
	}
	return out
}

func resourceRequirements(n *yaml.Node) corev1.ResourceRequirements {
	return corev1.ResourceRequirements{
		Requests: quantities(yamlnode.Field(n, "requests")),
		Limits:   quantities(yamlnode.Field(n, "limits")),
	}
}

// quantities reads a ResourceList; a value that is not a quantity is left
// out (the config's were checked; a workload's own are the API server's
// to judge).
func quantities(m *yaml.Node) corev1.ResourceList {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	out := corev1.ResourceList{}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if q, err := resource.ParseQuantity(m.Content[i+1].Value); err == nil {
			out[corev1.ResourceName(m.Content[i].Value)] = q
		}
	}
	return out
}

// replicas is how many pods of this template the workload runs.
func (w *workload) replicas() (n int64, perNode bool) {
	spec := yamlnode.Field(w.node, "spec")
	count := func(n *yaml.Node, key string) int64 {
		v := yamlnode.Str(n, key)
		if v == "" {
			return 1
		}
		i, err := strconv.ParseInt(v, 10, 64)
		if err != nil || i < 0 {
			return 1
		}
		return i
	}
	switch w.ref.Kind {
	case "DaemonSet":
		return 1, true
	case "Pod":
		return 1, false
	case "PodTemplate":
		return 0, false // a template runs nothing by itself
	case "Job":
		return count(spec, "parallelism"), false
	case "CronJob":
		return count(yamlnode.Field(yamlnode.Field(spec, "jobTemplate"), "spec"), "parallelism"), false
	}
	return count(spec, "replicas"), false
}

// describe says what r adds, in Kubernetes quantities: "requests cpu
// +10m, memory +32Mi; limits memory +64Mi"; "" when nothing changed.
func (r Resources) describe() string {
	var parts []string
	for _, l := range []struct {
		name string
		list Figures
	}{{"requests", r.Requests}, {"limits", r.Limits}} {
		var qs []string
		for _, name := range reported {
			q := l.list.CPU
			if name == corev1.ResourceMemory {
				q = l.list.Memory
			}
			if q.IsZero() {
				continue
			}
			sign := "+"
			if q.Sign() < 0 {
				sign = ""
			}
			qs = append(qs, fmt.Sprintf("%s %s%s", name, sign, q.String()))
		}
		if len(qs) > 0 {
			parts = append(parts, l.name+" "+strings.Join(qs, ", "))
		}
	}
	return strings.Join(parts, "; ")
}
