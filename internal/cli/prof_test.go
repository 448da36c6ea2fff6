package cli_test

import (
	"bytes"
	"io"
	"os"
	"testing"

	"github.com/inject-sidecars/inject-sidecars/internal/cli"
)

func BenchmarkKRMProf(b *testing.B) {
	in, _ := os.ReadFile("/tmp/bench/rl5000.yaml")
	for i := 0; i < b.N; i++ {
		cli.Main("", nil, bytes.NewReader(in), io.Discard, io.Discard)
	}
}
