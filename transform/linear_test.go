package transform_test

import (
	"fmt"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// envOverride is an override of n env variables, half of them the
// config's own name.
func envOverride(n int) string {
	var b strings.Builder
	b.WriteString(`{"logging": {"containers": [{"name": "fluent-bit", "env": [`)
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, `{"name": "V%d", "value": "x"}`, i%(n/2+1))
	}
	b.WriteString(`]}]}}`)
	return b.String()
}

// fastest runs f a few times and returns the least CPU time it took:
// CPU time, not wall time, for the machine may be busy with other work,
// and the least, for a garbage collection may fall into any one run.
func fastest(f func()) time.Duration {
	best := time.Duration(1<<63 - 1)
	for range 3 {
		runtime.GC()
		start := cpuTime()
		f()
		best = min(best, cpuTime()-start)
	}
	return best
}

// cpuTime is the CPU time the process has used so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		panic(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// Env overrides merge by name in linear time: 16 times the entries cost
// about 16 times as much (they cost 256 times as much when each entry
// searched the list).
func TestOverrideEnvIsLinear(t *testing.T) {
	// Not parallel: it reads the whole process's CPU time.
	if testing.Short() {
		t.Skip("timing")
	}
	inj := injection(t, "logging", logging+"  overrides: [env]\n")
	cost := func(n int) time.Duration {
		in := withOverride(deploy, envOverride(n))
		return fastest(func() {
			_, rs := runRaw(t, inj, in)
			oneOutcome(t, rs, "injected")
		})
	}
	small, large := cost(1000), cost(16000)
	ratio := float64(large) / float64(small)
	t.Logf("1,000 entries: %s; 16,000: %s; ratio %.1f", small, large, ratio)
	if ratio > 48 {
		t.Errorf("16× the entries cost %.1f× the time: not linear", ratio)
	}
}
