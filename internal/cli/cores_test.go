package cli_test

import (
	"bytes"
	"math/rand"
	"runtime"
	"strings"
	"testing"

	"github.com/inject-sidecars/inject-sidecars/internal/cli"
	"github.com/inject-sidecars/inject-sidecars/internal/testkit"
)

// TestOneCoreSameBytes: documents are parsed, injected and written on
// every core, and the output is the same, byte for byte, as on one core,
// in plain mode and in KRM mode.
func TestOneCoreSameBytes(t *testing.T) {
	dir := t.TempDir()
	cfg := writeConfig(t, dir, "c.yaml", "native", "fluent/fluent-bit:3.1.4", "info")
	var docs []string
	for i := 0; i < 40; i++ {
		docs = append(docs, genStream(rand.New(rand.NewSource(int64(i))), 3))
	}
	stream := strings.Join(docs, "---\n")
	run := func(procs int) (plainOut, plainErr, krmOut string) {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		out, stderr, code := cli.Invoke(t, strings.NewReader(stream), "-c", cfg)
		if code != 0 {
			t.Fatalf("exit %d:\n%s", code, stderr)
		}
		krm, _, _ := cli.Invoke(t, bytes.NewReader(testkit.ToResourceList([]byte(stream), testkit.ReadFile(t, cfg))))
		return out, stderr, krm
	}
	p1, e1, k1 := run(1)
	for _, procs := range []int{2, 4, 8} {
		p, e, k := run(procs)
		if p != p1 || e != e1 || k != k1 {
			t.Errorf("GOMAXPROCS=%d gave other bytes than GOMAXPROCS=1 (plain %v, stderr %v, KRM %v)", procs, p == p1, e == e1, k == k1)
		}
	}
}
