package cli_test

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/inject-sidecars/inject-sidecars/fn"
	"github.com/inject-sidecars/inject-sidecars/internal/cli"
	"github.com/inject-sidecars/inject-sidecars/internal/testkit"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// TestGolden runs every testdata/<case>: config.yaml on input.yaml must
// give expected.yaml, with the exit code and messages in expected.log.
// Each case runs twice: the second run, on the first run's output, must
// change nothing.
func TestGolden(t *testing.T) {
	t.Parallel()
	cases, err := filepath.Glob("../../testdata/*/config.yaml")
	if err != nil || len(cases) == 0 {
		t.Fatalf("no golden cases found: %v", err)
	}
	for _, cfg := range cases {
		dir := filepath.Dir(cfg)
		t.Run(filepath.Base(dir), func(t *testing.T) {
			t.Parallel()
			input, err := os.ReadFile(filepath.Join(dir, "input.yaml"))
			if err != nil {
				t.Fatal(err)
			}
			args := []string{"-c", cfg}
			if extra, err := os.ReadFile(filepath.Join(dir, "args")); err == nil {
				args = append(args, strings.Fields(string(extra))...)
			}
			krm := len(args) == 2
			// A case with expected.report.json (or, with -update, a case
			// named report*) also checks the resource report.
			reportGolden := filepath.Join(dir, "expected.report.json")
			reportPath := ""
			if _, err := os.Stat(reportGolden); err == nil || (*update && strings.HasPrefix(filepath.Base(dir), "report")) {
				reportPath = filepath.Join(t.TempDir(), "report.json")
			}
			out, stderr, code := cli.Invoke(t, bytes.NewReader(input), append(args, reportArgs(reportPath)...)...)
			log := fmt.Sprintf("exit: %d\n%s", code, stderr)
			compareGolden(t, filepath.Join(dir, "expected.yaml"), out)
			compareGolden(t, filepath.Join(dir, "expected.log"), log)
			if reportPath != "" {
				compareGolden(t, reportGolden, string(testkit.ReadFile(t, reportPath)))
			}
			if krm {
				// The KRM function has no flags: cases with arguments
				// are plain mode's alone.
				t.Run("krm", func(t *testing.T) { krmGolden(t, input, testkit.ReadFile(t, cfg), out, code) })
			}
			if code != 0 {
				return
			}
			again, stderr2, code2 := cli.Invoke(t, strings.NewReader(out), args...)
			if code2 != 0 {
				t.Fatalf("second run failed with exit %d:\n%s", code2, stderr2)
			}
			if diff := cmp.Diff(out, again); diff != "" {
				t.Errorf("second run changed the output (-first +second):\n%s", diff)
			}
		})
	}
}

func reportArgs(path string) []string {
	if path == "" {
		return nil
	}
	return []string{"--report", path}
}

// krmGolden runs a golden case through the KRM function: the exit code
// must be plain mode's, and on success the items must be the expected
// output as data (the orchestrator, not the function, formats files).
// A config file holding several configs is plain mode's alone.
func krmGolden(t *testing.T, input, cfg []byte, want string, wantCode int) {
	if bytes.Contains(bytes.TrimPrefix(cfg, []byte("---")), []byte("\n---")) {
		t.Skip("several configs in one file: plain mode only")
	}
	out, stderr, code := cli.Invoke(t, bytes.NewReader(testkit.ToResourceList(input, cfg)))
	if code != wantCode {
		t.Fatalf("KRM exit %d, plain mode exit %d:\n%s", code, wantCode, stderr)
	}
	if code != 0 {
		return
	}
	_, got := krmItems(t, strings.NewReader(out))
	if diff := cmp.Diff(testkit.Resources(t, []byte(want)), got); diff != "" {
		t.Errorf("KRM output differs from plain mode (-plain +krm):\n%s", diff)
	}
}

// krmItems reads a KRM run's output: the ResourceList, and its items as
// plain data.
func krmItems(t *testing.T, out io.Reader) (*fn.ResourceList, []any) {
	t.Helper()
	rl, err := fn.ReadResourceList(out)
	if err != nil {
		t.Fatal(err)
	}
	var items []any
	for _, it := range rl.Items {
		var v any
		if err := it.YNode().Decode(&v); err != nil {
			t.Fatal(err)
		}
		items = append(items, v)
	}
	return rl, items
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
		t.Fatalf("%v (run go test ./internal/cli -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s differs (-want +got):\n%s", path, diff)
	}
}

// TestGoldenFolders fails on a folder in testdata/ that TestGolden would
// pass over: a case missing one of its files (a typo in config.yaml's
// name makes the whole case vanish from the glob), or a stray file that
// nothing reads. Folders that are not cases say so in a README.md.
func TestGoldenFolders(t *testing.T) {
	t.Parallel()
	dirs, err := os.ReadDir("../../testdata")
	if err != nil {
		t.Fatal(err)
	}
	need := []string{"config.yaml", "input.yaml", "expected.yaml", "expected.log"}
	may := map[string]bool{"args": true, "expected.report.json": true}
	for _, d := range dirs {
		dir := filepath.Join("../../testdata", d.Name())
		if !d.IsDir() {
			t.Errorf("%s: a file among the golden cases", dir)
			continue
		}
		if _, err := os.Stat(filepath.Join(dir, "README.md")); err == nil {
			continue
		}
		files, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		have := map[string]bool{}
		for _, f := range files {
			have[f.Name()] = true
			if !slices.Contains(need, f.Name()) && !may[f.Name()] {
				t.Errorf("%s: %s is read by no test", dir, f.Name())
			}
		}
		for _, n := range need {
			if !have[n] {
				t.Errorf("%s: no %s, so TestGolden does not run it", dir, n)
			}
		}
	}
}
