package cli

import (
	"encoding/json"
	"fmt"

	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/inject-sidecars/inject-sidecars/internal/yamlfile"
	"github.com/inject-sidecars/inject-sidecars/transform"
)

// The resource report (--report; see "The resource report" in the
// README): quantities are Kubernetes quantity strings, summed with
// resource.Quantity, never as floats.
type (
	report struct {
		Workloads []reportWorkload `json:"workloads"`
		Totals    reportTotals     `json:"totals"`

		// replicaCount is how many replicas the totals span; count how
		// many workloads were counted.
		replicaCount  int64
		perNodeSeen   bool
		count         int
		withWorkloads bool
	}
	reportWorkload struct {
		File      string `json:"file"`
		Kind      string `json:"kind"`
		Namespace string `json:"namespace"`
		Name      string `json:"name"`
		Injection string `json:"injection"`
		Replicas  int64  `json:"replicas"`
		// PerNode marks a DaemonSet: one pod on every node.
		PerNode bool       `json:"perNode,omitempty"`
		Before  podFigures `json:"before"`
		After   podFigures `json:"after"`
	}
	podFigures struct {
		Requests figures `json:"requests"`
		Limits   figures `json:"limits"`
	}
	figures struct {
		CPU    resource.Quantity `json:"cpu"`
		Memory resource.Quantity `json:"memory"`
	}
	reportTotals struct {
		Replicas    podFigures                 `json:"replicas"`
		PerNode     podFigures                 `json:"perNode"`
		ByNamespace map[string]*namespaceTotal `json:"byNamespace"`
	}
	namespaceTotal struct {
		Replicas podFigures `json:"replicas"`
		PerNode  podFigures `json:"perNode"`
	}
)

func toFigures(r transform.Resources) podFigures {
	get := func(f transform.Figures) figures { return figures{CPU: f.CPU, Memory: f.Memory} }
	return podFigures{Requests: get(r.Requests), Limits: get(r.Limits)}
}

// add adds d times n to f.
func (f *podFigures) add(d podFigures, n int64) {
	for _, p := range []struct{ dst, src *resource.Quantity }{
		{&f.Requests.CPU, &d.Requests.CPU}, {&f.Requests.Memory, &d.Requests.Memory},
		{&f.Limits.CPU, &d.Limits.CPU}, {&f.Limits.Memory, &d.Limits.Memory},
	} {
		q := p.src.DeepCopy()
		q.Mul(n)
		p.dst.Add(q)
	}
}

// newReport starts a report; withWorkloads keeps each workload's row
// (for --report), else only the totals are kept.
func newReport(withWorkloads bool) *report {
	return &report{Workloads: []reportWorkload{}, Totals: reportTotals{ByNamespace: map[string]*namespaceTotal{}}, withWorkloads: withWorkloads}
}

// add counts one workload's usage; file is where it came from.
func (r *report) add(u *transform.Usage, file string) {
	r.count++
	if r.withWorkloads {
		r.Workloads = append(r.Workloads, reportWorkload{
			File: file, Kind: u.Ref.Kind, Namespace: u.Ref.Namespace, Name: u.Ref.Name,
			Injection: u.Injection, Replicas: u.Replicas, PerNode: u.PerNode,
			Before: toFigures(u.Before), After: toFigures(u.After),
		})
	}
	delta := toFigures(u.Delta())
	ns := r.Totals.ByNamespace[u.Ref.Namespace]
	if ns == nil {
		ns = &namespaceTotal{}
		r.Totals.ByNamespace[u.Ref.Namespace] = ns
	}
	if u.PerNode {
		r.Totals.PerNode.add(delta, 1)
		ns.PerNode.add(delta, 1)
		r.perNodeSeen = true
		return
	}
	r.Totals.Replicas.add(delta, u.Replicas)
	ns.Replicas.add(delta, u.Replicas)
	r.replicaCount += u.Replicas
}

// write writes the report as JSON, atomically.
func (r *report) write(path string) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return yamlfile.WriteFiles([]yamlfile.Staged{{Path: path, Data: append(b, '\n')}})
}

// totalsLine is the summary's last line: what the injections add in all,
// in Kubernetes quantities; "" when they changed no workload.
func (r *report) totalsLine(how outcome) string {
	if r.count == 0 || how == notWritten {
		return ""
	}
	t := r.Totals
	// Uninject (or a removal) frees what sidecars took: say so, in
	// positive figures.
	verb, sign := "add", 1
	if !t.Replicas.any(1) && !t.PerNode.any(1) && (t.Replicas.any(-1) || t.PerNode.any(-1)) {
		verb, sign = "removed free", -1
	}
	if how == checked {
		verb = map[int]string{1: "would add", -1: "removed would free"}[sign]
	}
	line := fmt.Sprintf("TOTAL: sidecars "+verb+" %s of requests (%s of limits) across %d %s",
		pair(t.Replicas.Requests, sign), pair(t.Replicas.Limits, sign), r.replicaCount, plural(r.replicaCount, "replica", "replicas"))
	if r.perNodeSeen {
		line += fmt.Sprintf(", plus %s of requests (%s of limits) per node", pair(t.PerNode.Requests, sign), pair(t.PerNode.Limits, sign))
	}
	return line
}

// any reports whether some figure has the given sign.
func (f *podFigures) any(sign int) bool {
	for _, q := range []resource.Quantity{f.Requests.CPU, f.Requests.Memory, f.Limits.CPU, f.Limits.Memory} {
		if q.Sign() == sign {
			return true
		}
	}
	return false
}

func pair(f figures, sign int) string {
	cpu, mem := f.CPU.DeepCopy(), f.Memory.DeepCopy()
	if sign < 0 {
		cpu.Neg()
		mem.Neg()
	}
	return fmt.Sprintf("%s CPU and %s memory", cpu.String(), mem.String())
}

func plural(n int64, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
