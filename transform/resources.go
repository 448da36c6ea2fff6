package transform

import (
	"fmt"
	"math"
	"slices"
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

// meter measures one workload's pod across its injections, in time
// linear in the number of injections' containers: each injection needs
// the pod's resources before and after it, and a pod that 1,000
// injections fill holds 1,000 sidecars. Before is what the previous
// injection left (nothing else changes the pod in between), each
// container's figures are read from YAML once, and the helpers are given
// the pod with its containers summed into one and each run of native
// sidecars into one: the same figures (the helpers add containers and
// native sidecars, and a run of sidecars only grows what the init
// containers after it see), summed as integers, not a map per container.
type meter struct {
	read        map[*yaml.Node]*measured
	spec        *yaml.Node
	last        Resources
	ctrs, inits summedList
}

// measured is one container as the meter reads it: its restart policy
// and resources, and the same figures as thousandths (millicores,
// millibytes) when that holds them exactly.
type measured struct {
	c     corev1.Container
	figs  figs
	exact bool
}

// figs are CPU and memory requests and limits in thousandths, each with
// whether it is set and the unit style it was written in.
type figs struct {
	v      [4]int64
	set    [4]bool
	format [4]resource.Format
}

var figNames = [4]struct {
	requests bool
	name     corev1.ResourceName
}{{true, corev1.ResourceCPU}, {true, corev1.ResourceMemory}, {false, corev1.ResourceCPU}, {false, corev1.ResourceMemory}}

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

// measure computes a pod's effective requests and limits as the
// scheduler does, with Kubernetes' own helpers
// (k8s.io/component-helpers/resource): the largest of each
// run-to-completion init container plus the native sidecars before it,
// against the native sidecars plus the containers, with pod-level
// resources and overhead. Containers are defaulted first as the API
// server defaults them: a resource with a limit and no request requests
// the limit.
func (m *meter) measure(spec *yaml.Node) Resources {
	pod := &corev1.Pod{}
	pod.Spec.Containers, pod.Spec.InitContainers = m.summed(yamlnode.Seq(spec, "containers"), yamlnode.Seq(spec, "initContainers"))
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

// summed returns the containers as one, and the init containers with
// each run of native sidecars as one.
func (m *meter) summed(ctrs, inits []*yaml.Node) (containers, initContainers []corev1.Container) {
	ctrParts, ok := m.sum(&m.ctrs, ctrs, true)
	initParts, ok2 := m.sum(&m.inits, inits, false)
	if !ok || !ok2 {
		return m.summedSlowly(ctrs, inits)
	}
	always := corev1.ContainerRestartPolicyAlways
	for _, p := range ctrParts {
		containers = append(containers, corev1.Container{Resources: p.figs.requirements()})
	}
	for _, p := range initParts {
		if p.one != nil {
			initContainers = append(initContainers, p.one.c)
		} else {
			initContainers = append(initContainers, corev1.Container{RestartPolicy: &always, Resources: p.figs.requirements()})
		}
	}
	return containers, initContainers
}

// part is a run-to-completion init container, or a run of containers
// summed.
type part struct {
	one  *measured
	figs figs
}

// summedList is a list of containers as the meter last summed it.
type summedList struct {
	nodes []*yaml.Node
	parts []part
}

// sum sums a list of containers into parts (with oneRun, all into one
// run), and reports false when thousandths do not hold them. A list that
// is the last one with containers put in front (native sidecars, first)
// or at the end (classic ones, last) costs only what was added: the rest
// is compared by pointer.
func (m *meter) sum(last *summedList, nodes []*yaml.Node, oneRun bool) ([]part, bool) {
	n, o := len(nodes), len(last.nodes)
	var parts []part
	ok := false
	switch {
	case last.parts != nil && n >= o && slices.Equal(nodes[n-o:], last.nodes):
		if parts, ok = m.compress(nodes[:n-o], oneRun); ok {
			parts, ok = join(parts, last.parts)
		}
	case last.parts != nil && n >= o && slices.Equal(nodes[:o], last.nodes):
		var more []part
		if more, ok = m.compress(nodes[o:], oneRun); ok {
			parts, ok = join(slices.Clone(last.parts), more)
		}
	default:
		parts, ok = m.compress(nodes, oneRun)
	}
	// parts is only read from here on: the next sum copies what it uses.
	last.nodes, last.parts = append(last.nodes[:0], nodes...), nil
	if ok {
		last.parts = parts
	}
	return parts, ok
}

// compress sums nodes into parts.
func (m *meter) compress(nodes []*yaml.Node, oneRun bool) ([]part, bool) {
	parts := []part{}
	for _, n := range nodes {
		c := m.container(n)
		if !c.exact {
			return nil, false
		}
		if !oneRun && !restartable(&c.c) {
			parts = append(parts, part{one: c})
			continue
		}
		if len(parts) == 0 || parts[len(parts)-1].one != nil {
			parts = append(parts, part{})
		}
		if !parts[len(parts)-1].figs.add(&c.figs) {
			return nil, false
		}
	}
	return parts, true
}

// join appends b to a, summing a's last run and b's first.
func join(a, b []part) ([]part, bool) {
	if len(a) > 0 && len(b) > 0 && a[len(a)-1].one == nil && b[0].one == nil {
		if !a[len(a)-1].figs.add(&b[0].figs) {
			return nil, false
		}
		b = b[1:]
	}
	return append(a, b...), true
}

// summedSlowly is summed for figures that thousandths do not hold (a
// resource other than CPU and memory, an amount beyond int64).
func (m *meter) summedSlowly(ctrs, inits []*yaml.Node) (containers, initContainers []corev1.Container) {
	always := corev1.ContainerRestartPolicyAlways
	if len(ctrs) > 0 {
		sum := corev1.Container{}
		for _, n := range ctrs {
			addResources(&sum, &m.container(n).c)
		}
		containers = []corev1.Container{sum}
	}
	for _, n := range inits {
		c := &m.container(n).c
		if !restartable(c) {
			initContainers = append(initContainers, *c)
			continue
		}
		last := len(initContainers) - 1
		if last < 0 || !restartable(&initContainers[last]) {
			initContainers = append(initContainers, corev1.Container{RestartPolicy: &always})
			last++
		}
		addResources(&initContainers[last], c)
	}
	return containers, initContainers
}

// container reads a container's restart policy and resources, once.
func (m *meter) container(n *yaml.Node) *measured {
	if c, ok := m.read[n]; ok {
		return c
	}
	c := &measured{}
	if yamlnode.Str(n, "restartPolicy") == string(corev1.ContainerRestartPolicyAlways) {
		always := corev1.ContainerRestartPolicyAlways
		c.c.RestartPolicy = &always
	}
	c.c.Resources = resourceRequirements(yamlnode.Field(n, "resources"))
	defaultRequests(&c.c)
	c.figs, c.exact = thousandths(c.c.Resources)
	if m.read == nil {
		m.read = map[*yaml.Node]*measured{}
	}
	m.read[n] = c
	return c
}

// thousandths reads requirements as figs, and reports whether they hold
// them exactly.
func thousandths(r corev1.ResourceRequirements) (figs, bool) {
	var f figs
	if len(r.Requests)+len(r.Limits) == 0 {
		return f, true
	}
	n := 0
	for i, fn := range figNames {
		l := r.Limits
		if fn.requests {
			l = r.Requests
		}
		q, ok := l[fn.name]
		if !ok {
			continue
		}
		n++
		v := q.MilliValue()
		if v < 0 || resource.NewMilliQuantity(v, q.Format).Cmp(q) != 0 {
			return f, false
		}
		f.v[i], f.set[i], f.format[i] = v, true, q.Format
	}
	return f, n == len(r.Requests)+len(r.Limits)
}

// add adds g to f as the helpers add resource lists (the unit style of
// the first figure stays), and reports false on overflow.
func (f *figs) add(g *figs) bool {
	for i := range f.v {
		if !g.set[i] {
			continue
		}
		if !f.set[i] {
			f.v[i], f.set[i], f.format[i] = g.v[i], true, g.format[i]
			continue
		}
		if f.v[i] > math.MaxInt64-g.v[i] {
			return false
		}
		f.v[i] += g.v[i]
	}
	return true
}

func (f *figs) requirements() corev1.ResourceRequirements {
	var r corev1.ResourceRequirements
	for i, fn := range figNames {
		if !f.set[i] {
			continue
		}
		l := &r.Limits
		if fn.requests {
			l = &r.Requests
		}
		if *l == nil {
			*l = corev1.ResourceList{}
		}
		(*l)[fn.name] = *resource.NewMilliQuantity(f.v[i], f.format[i])
	}
	return r
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
				fmt.Sprintf("the pod-level %s request %s would no longer cover its containers, which request %s with the sidecars: raise it, or give the sidecars less", name, podReq.String(), sum.String()), false, ""})
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
						fmt.Sprintf("sidecar %q's %s limit %s is above the pod-level limit %s", ctr.Name, name, lim.String(), podLim.String()), false, ""})
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
