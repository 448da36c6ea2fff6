package fn_test

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/inject-sidecars/inject-sidecars/fn"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// plain runs plain mode on stdin, as a user piping a file would.
func plain(t *testing.T, input []byte, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	o := fn.PlainOptions{Stdin: bytes.NewReader(input), Stdout: &out, Stderr: &errb}
	for i := 0; i < len(args); i++ {
		switch args[i] {
		case "-c":
			i++
			o.Configs = append(o.Configs, args[i])
		case "--uninject":
			o.Uninject = true
		case "-q":
			o.Quiet = true
		default:
			t.Fatalf("plain: unexpected argument %q", args[i])
		}
	}
	code = fn.RunPlain(o)
	return out.String(), errb.String(), code
}

// TestGolden runs every testdata/<case>: config.yaml on input.yaml must
// give expected.yaml, with the exit code and messages in expected.log.
// Each case runs twice: the second run, on the first run's output, must
// change nothing.
func TestGolden(t *testing.T) {
	cases, err := filepath.Glob("../testdata/*/config.yaml")
	if err != nil || len(cases) == 0 {
		t.Fatalf("no golden cases found: %v", err)
	}
	for _, cfg := range cases {
		dir := filepath.Dir(cfg)
		t.Run(filepath.Base(dir), func(t *testing.T) {
			input, err := os.ReadFile(filepath.Join(dir, "input.yaml"))
			if err != nil {
				t.Fatal(err)
			}
			args := []string{"-c", cfg}
			if extra, err := os.ReadFile(filepath.Join(dir, "args")); err == nil {
				args = append(args, strings.Fields(string(extra))...)
			}
			out, stderr, code := plain(t, input, args...)
			log := fmt.Sprintf("exit: %d\n%s", code, stderr)
			compareGolden(t, filepath.Join(dir, "expected.yaml"), out)
			compareGolden(t, filepath.Join(dir, "expected.log"), log)
			if code != 0 {
				return
			}
			again, stderr2, code2 := plain(t, []byte(out), args...)
			if code2 != 0 {
				t.Fatalf("second run failed with exit %d:\n%s", code2, stderr2)
			}
			if diff := cmp.Diff(out, again); diff != "" {
				t.Errorf("second run changed the output (-first +second):\n%s", diff)
			}
		})
	}
}

func compareGolden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./fn -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s differs (-want +got):\n%s", path, diff)
	}
}
