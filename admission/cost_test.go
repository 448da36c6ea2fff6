package admission_test

import (
	"fmt"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	celconfig "k8s.io/apiserver/pkg/apis/cel"
)

// TestCost: a config of 5 sidecars with volumes, mounts and env, on a
// large Pod (10 app containers with 10 mounts and 20 env vars each,
// 5 init containers, another injection's status), stays within the API
// server's CEL budgets: the evaluation fails past the per-expression
// limit, and each policy's cost must stay under the per-policy budget.
func TestCost(t *testing.T) {
	t.Parallel()
	var spec strings.Builder
	spec.WriteString("  containers:\n")
	for i := 0; i < 5; i++ {
		fmt.Fprintf(&spec, "  - name: sidecar-%d\n    image: 'example/sidecar:%d.0'\n    args: ['--ns={{ .Namespace }}', '--app={{ index .Labels \"app\" }}']\n", i, i)
		fmt.Fprintf(&spec, "    ports: [{containerPort: %d}]\n    resources: {requests: {cpu: 10m, memory: 32Mi}, limits: {memory: 64Mi}}\n", 9000+i)
		fmt.Fprintf(&spec, "    volumeMounts: [{name: vol-%d, mountPath: /sidecar}]\n    env: [{name: POD, valueFrom: {fieldRef: {fieldPath: metadata.name}}}]\n", i)
	}
	spec.WriteString("  volumes:\n")
	for i := 0; i < 5; i++ {
		fmt.Fprintf(&spec, "  - name: vol-%d\n    emptyDir: {}\n", i)
	}
	spec.WriteString("  volumeMounts:\n")
	for i := 0; i < 5; i++ {
		fmt.Fprintf(&spec, "  - {name: vol-%d, mountPath: /injected/%d}\n", i, i)
	}
	spec.WriteString("  env:\n")
	for i := 0; i < 5; i++ {
		fmt.Fprintf(&spec, "  - {name: INJECTED_%d, value: v%d}\n", i, i)
	}
	spec.WriteString("  podLabels: {logging: 'on'}\n  podAnnotations: {a: b}\n  imagePullSecrets: [{name: regcred}]\n  admission: {validate: Deny}\n")
	p := generate(t, spec.String())

	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "big", Namespace: "shop", Labels: map[string]string{"app": "big"},
		Annotations: map[string]string{"inject-sidecars.dev/status": `{"other":{"hash":"0","containers":["x"]}}`}}}
	for i := 0; i < 10; i++ {
		c := corev1.Container{Name: fmt.Sprintf("app-%d", i), Image: "app:1", Ports: []corev1.ContainerPort{{ContainerPort: int32(8000 + i)}}}
		for j := 0; j < 10; j++ {
			c.VolumeMounts = append(c.VolumeMounts, corev1.VolumeMount{Name: fmt.Sprintf("data-%d", j), MountPath: fmt.Sprintf("/data/%d", j)})
		}
		for j := 0; j < 20; j++ {
			c.Env = append(c.Env, corev1.EnvVar{Name: fmt.Sprintf("E_%d", j), Value: "x"})
		}
		pod.Spec.Containers = append(pod.Spec.Containers, c)
		pod.Spec.Volumes = append(pod.Spec.Volumes, corev1.Volume{Name: fmt.Sprintf("data-%d", i), VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}})
	}
	for i := 0; i < 5; i++ {
		pod.Spec.InitContainers = append(pod.Spec.InitContainers, corev1.Container{Name: fmt.Sprintf("init-%d", i), Image: "init:1"})
	}
	out := p.admit(t, podRequest(pod, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "shop"}}))
	if out.denied != "" {
		t.Fatalf("denied: %s", out.denied)
	}
	got := out.obj.(*corev1.Pod)
	if len(got.Spec.InitContainers) != 10 || len(got.Spec.Containers[9].Env) != 25 {
		t.Fatalf("not injected: %d init containers, %d env vars in the last app container", len(got.Spec.InitContainers), len(got.Spec.Containers[9].Env))
	}
	// The Pod policy matches only a Pod the mutating one left alone: its
	// cost is measured on the Pod as it came.
	onlyValidating := *p
	onlyValidating.mutating = nil
	for k, v := range onlyValidating.admit(t, podRequest(pod, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "shop"}})).costs {
		out.costs[k] = v
	}
	for name, cost := range out.costs {
		t.Logf("%s: CEL cost %d (budget %d per policy, %d per expression)", name, cost, celconfig.RuntimeCELCostBudget, celconfig.PerCallLimit)
		if cost <= 0 || cost > celconfig.RuntimeCELCostBudget/10 {
			t.Errorf("%s: cost %d is not within a tenth of the server's budget %d", name, cost, celconfig.RuntimeCELCostBudget)
		}
	}
	if len(out.costs) != 3 {
		t.Errorf("costs measured for %v, want the mutating policy and both validating ones", out.costs)
	}
}
