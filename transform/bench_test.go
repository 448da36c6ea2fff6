package transform_test

import (
	"fmt"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/kio"

	"github.com/inject-sidecars/inject-sidecars/transform"
)

func deployments(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, `---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: svc-%[1]d
  labels: {app: svc-%[1]d}
spec:
  template:
    metadata:
      labels: {app: svc-%[1]d}
    spec:
      containers:
      - name: server
        image: example/svc:%[1]d
        ports:
        - containerPort: 8080
        env:
        - {name: PORT, value: "8080"}
        resources:
          requests: {cpu: 100m, memory: 64Mi}
`, i)
	}
	return b.String()
}

// BenchmarkFilter measures the injection alone, per 1,000 Deployments:
// parsing is outside the timer.
func BenchmarkFilter(b *testing.B) {
	src := deployments(1000)
	inj := injection(b, "logging", `  containers:
  - name: fluent-bit
    image: fluent/fluent-bit:3.1.4
    env:
    - name: APP
      value: '{{ .Name }}'
    volumeMounts:
    - {name: logs, mountPath: /var/log/app}
  volumes:
  - {name: logs, emptyDir: {}}
  volumeMounts:
  - {name: logs, mountPath: /var/log/app}
`)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		items, err := kio.FromBytes([]byte(src))
		if err != nil {
			b.Fatal(err)
		}
		f := &transform.Filter{Injections: []*transform.Injection{inj}}
		b.StartTimer()
		if _, err := f.Filter(items); err != nil {
			b.Fatal(err)
		}
		if len(f.Results) != 1000 {
			b.Fatalf("%d results", len(f.Results))
		}
	}
}

// BenchmarkFilterUpToDate measures a second run, which finds every
// workload already injected.
func BenchmarkFilterUpToDate(b *testing.B) {
	inj := injection(b, "logging", "  containers: [{name: fluent-bit, image: 'fluent/fluent-bit:3.1.4'}]\n")
	items, _ := kio.FromBytes([]byte(deployments(1000)))
	(&transform.Filter{Injections: []*transform.Injection{inj}}).Filter(items)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		f := &transform.Filter{Injections: []*transform.Injection{inj}}
		f.Filter(items)
		if f.Results[0].Outcome != transform.UpToDate {
			b.Fatal(f.Results[0])
		}
	}
}
