package transform_test

import (
	"fmt"
	"os"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/kio"

	"github.com/inject-sidecars/inject-sidecars/transform"
)

// manyInjections readies n configs, each with a sidecar of its own.
func manyInjections(t testing.TB, n int) []*transform.Injection {
	out := make([]*transform.Injection, n)
	for i := range out {
		out[i] = injection(t, fmt.Sprintf("inj%d", i), fmt.Sprintf(`  containers:
  - name: side%[1]d
    image: example/side:%[1]d
    resources: {requests: {cpu: 1m, memory: 1Mi}, limits: {memory: 1Mi}}
`, i))
	}
	return out
}

// injectAll runs every injection over 100 Deployments.
func injectAll(t testing.TB, injs []*transform.Injection, src string) {
	nodes, err := kio.FromBytes([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	f := &transform.Filter{Injections: injs}
	if _, err := f.Filter(nodes); err != nil {
		t.Fatal(err)
	}
	for _, r := range f.Results {
		if r.Severity == transform.Error {
			t.Fatalf("%s", r.Message)
		}
	}
}

// BenchmarkConfigs runs 50 and 1,000 configs over 100 Deployments: the
// time should grow with the configs, 20 times, not 400.
func BenchmarkConfigs(b *testing.B) {
	src := deployments(100)
	for _, n := range []int{50, 1000} {
		injs := manyInjections(b, n)
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			for range b.N {
				injectAll(b, injs, src)
			}
		})
	}
}

// TestConfigsScaleLinearly: 1,000 configs over 100 Deployments cost at
// most 25 times what 50 do (linear is 20). Each injection used to
// re-read and re-write the status of every injection before it, and
// measure every sidecar in the pod: 200 configs cost 10 times what 50
// did. It takes a minute; INJECT_SIDECARS_SCALE=1 runs it.
func TestConfigsScaleLinearly(t *testing.T) {
	// Not parallel: it reads the whole process's CPU time.
	if os.Getenv("INJECT_SIDECARS_SCALE") == "" {
		t.Skip("a minute of CPU: set INJECT_SIDECARS_SCALE=1")
	}
	src := deployments(100)
	few, many := manyInjections(t, 50), manyInjections(t, 1000)
	small := fastest(func() { injectAll(t, few, src) })
	large := fastest(func() { injectAll(t, many, src) })
	ratio := float64(large) / float64(small)
	t.Logf("50 configs: %s CPU; 1,000 configs: %s CPU; ratio %.1f", small, large, ratio)
	if ratio > 25 {
		t.Errorf("20 times the configs cost %.1f times the CPU", ratio)
	}
}
