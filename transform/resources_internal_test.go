package transform

import (
	"testing"

	"k8s.io/apimachinery/pkg/api/resource"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// podResources measures one pod on its own.
func podResources(spec *yaml.Node) Resources { return (&meter{}).measure(spec) }

// TestPodResources checks the effective pod figures against numbers
// worked out by hand from the sidecar KEP's formula:
//
//	max( max over run-to-completion init containers i of (i + native sidecars before i),
//	     sum of native sidecars + sum of containers ) + overhead
func TestPodResources(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, spec                     string
		reqCPU, reqMem, limCPU, limMem string
	}{{
		name: "classic sidecar: containers add up",
		spec: `containers:
- {name: app, resources: {requests: {cpu: 500m, memory: 256Mi}, limits: {cpu: "1", memory: 512Mi}}}
- {name: proxy, resources: {requests: {cpu: 100m, memory: 64Mi}, limits: {cpu: 200m, memory: 128Mi}}}`,
		// 500m+100m, 256Mi+64Mi; 1+200m, 512Mi+128Mi
		reqCPU: "600m", reqMem: "320Mi", limCPU: "1200m", limMem: "640Mi",
	}, {
		name: "native sidecar, no run-to-completion init",
		spec: `initContainers:
- {name: proxy, restartPolicy: Always, resources: {requests: {cpu: 100m, memory: 64Mi}}}
containers:
- {name: app, resources: {requests: {cpu: 500m, memory: 256Mi}}}`,
		// sidecars + containers: 600m, 320Mi; no limits anywhere
		reqCPU: "600m", reqMem: "320Mi", limCPU: "0", limMem: "0",
	}, {
		name: "big init container after the sidecar counts the sidecar",
		spec: `initContainers:
- {name: proxy, restartPolicy: Always, resources: {requests: {cpu: 100m, memory: 64Mi}}}
- {name: migrate, resources: {requests: {cpu: "2", memory: 1Gi}}}
containers:
- {name: app, resources: {requests: {cpu: 500m, memory: 256Mi}}}`,
		// migrate + proxy before it = 2100m, 1Gi+64Mi = 1088Mi; beats 600m, 320Mi
		reqCPU: "2100m", reqMem: "1088Mi", limCPU: "0", limMem: "0",
	}, {
		name: "big init container before the sidecar does not",
		spec: `initContainers:
- {name: migrate, resources: {requests: {cpu: "2", memory: 1Gi}}}
- {name: proxy, restartPolicy: Always, resources: {requests: {cpu: 100m, memory: 64Mi}}}
containers:
- {name: app, resources: {requests: {cpu: 500m, memory: 256Mi}}}`,
		// migrate alone = 2, 1Gi; beats 600m, 320Mi
		reqCPU: "2", reqMem: "1Gi", limCPU: "0", limMem: "0",
	}, {
		name: "only limits: requests default to limits",
		spec: `initContainers:
- {name: proxy, restartPolicy: Always, resources: {limits: {cpu: 200m, memory: 128Mi}}}
containers:
- {name: app, resources: {requests: {cpu: 500m}, limits: {cpu: "1", memory: 512Mi}}}`,
		// requests: proxy 200m/128Mi (from limits) + app 500m/512Mi (memory from its limit)
		reqCPU: "700m", reqMem: "640Mi", limCPU: "1200m", limMem: "640Mi",
	}, {
		name: "pod overhead",
		spec: `overhead: {cpu: 250m, memory: 120Mi}
containers:
- {name: app, resources: {requests: {cpu: 500m, memory: 256Mi}, limits: {memory: 512Mi}}}`,
		// requests + overhead: 750m, 376Mi; overhead goes on non-zero limits only: 632Mi
		reqCPU: "750m", reqMem: "376Mi", limCPU: "0", limMem: "632Mi",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			n, err := yaml.Parse(tt.spec)
			if err != nil {
				t.Fatal(err)
			}
			got := podResources(n.YNode())
			for _, c := range []struct {
				what string
				q    resource.Quantity
				want string
			}{
				{"requests cpu", got.Requests.CPU, tt.reqCPU}, {"requests memory", got.Requests.Memory, tt.reqMem},
				{"limits cpu", got.Limits.CPU, tt.limCPU}, {"limits memory", got.Limits.Memory, tt.limMem},
			} {
				if c.q.String() != c.want {
					t.Errorf("%s = %s, want %s", c.what, c.q.String(), c.want)
				}
			}
		})
	}
}

func TestReplicas(t *testing.T) {
	t.Parallel()
	tests := []struct {
		doc     string
		want    int64
		perNode bool
	}{
		{"kind: Deployment\nspec: {replicas: 3}", 3, false},
		{"kind: Deployment\nspec: {}", 1, false},
		{"kind: StatefulSet\nspec: {replicas: 0}", 0, false},
		{"kind: ReplicaSet\nspec: {replicas: 5}", 5, false},
		{"kind: ReplicationController\nspec: {replicas: 2}", 2, false},
		{"kind: Rollout\nspec: {replicas: 4}", 4, false},
		{"kind: Job\nspec: {parallelism: 6, completions: 12}", 6, false},
		{"kind: Job\nspec: {completions: 12}", 1, false},
		{"kind: CronJob\nspec: {jobTemplate: {spec: {parallelism: 2}}}", 2, false},
		{"kind: CronJob\nspec: {jobTemplate: {spec: {}}}", 1, false},
		{"kind: DaemonSet\nspec: {}", 1, true},
		{"kind: Pod\nspec: {}", 1, false},
		{"kind: PodTemplate\ntemplate: {}", 0, false},
		{"kind: CloneSet\nspec: {replicas: 7}", 7, false},
	}
	for _, tt := range tests {
		n, err := yaml.Parse(tt.doc)
		if err != nil {
			t.Fatal(err)
		}
		w := newWorkload(n.YNode(), n.YNode(), "")
		if got, perNode := w.replicas(); got != tt.want || perNode != tt.perNode {
			t.Errorf("%q: replicas %d (perNode %v), want %d (%v)", tt.doc, got, perNode, tt.want, tt.perNode)
		}
	}
}
