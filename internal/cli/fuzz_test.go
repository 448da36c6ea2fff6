package cli_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/inject-sidecars/inject-sidecars/internal/cli"
	"github.com/inject-sidecars/inject-sidecars/internal/testkit"
)

// FuzzPlain feeds any bytes to plain mode's stdin. Nothing may reach the
// top-level recover: that path exists for bugs.
func FuzzPlain(f *testing.F) {
	for _, p := range []string{"../../testdata/*/input.yaml", testkit.CorpusDir + "/*.yaml", testkit.CorpusDir + "/*.json"} {
		files, _ := filepath.Glob(p)
		for _, file := range files {
			if b, err := os.ReadFile(file); err == nil {
				f.Add(b)
			}
		}
	}
	f.Add([]byte("a: 1\n--- {b: 2}\n"))
	cfg := "../../testdata/multiple-app-containers/config.yaml"
	f.Fuzz(func(t *testing.T, data []byte) {
		run := func(in []byte) (string, string, int) {
			return cli.Invoke(t, bytes.NewReader(in), "-q", "-c", cfg)
		}
		hang := time.AfterFunc(hangAfter(data), func() { panic(fmt.Sprintf("hang on %.300q", data)) })
		defer hang.Stop()
		out, stderr, code := run(data)
		if strings.Contains(stderr, "this is a bug") {
			t.Fatalf("reached the panic handler:\n%s", stderr)
		}
		if code != 0 {
			return
		}
		// Whatever went through must be stable: a second run changes
		// nothing.
		again, stderr, code := run([]byte(out))
		if code != 0 || again != out {
			t.Fatalf("second run differs (exit %d):\n%s\nfirst:\n%q\nsecond:\n%q", code, stderr, out, again)
		}
	})
}

// hangAfter is how long a run of the fuzz function may take before it
// counts as a hang: ten seconds, and a second more per 64 KiB, since the
// corpus seeds (2 MB for argocd's install) run twice under -race on two
// busy cores in CI. Generated inputs are small, so a hang is still caught.
func hangAfter(data []byte) time.Duration {
	return 10*time.Second + time.Duration(len(data)>>16)*time.Second
}
