package fn_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/inject-sidecars/inject-sidecars/fn"
)

// The fuzz targets feed any bytes to the three ways input comes in. None
// may panic, and none may reach the top-level recover: that path exists
// for bugs, and a fuzz run that finds one has found a bug.

func seeds(f *testing.F, patterns ...string) {
	for _, p := range patterns {
		files, _ := filepath.Glob(p)
		for _, file := range files {
			if b, err := os.ReadFile(file); err == nil {
				f.Add(b)
			}
		}
	}
}

const bug = "this is a bug"

func FuzzResourceList(f *testing.F) {
	cfg, _ := os.ReadFile("../testdata/pattern-log-collector/config.yaml")
	for _, in := range []string{"../testdata/*/input.yaml", corpusDir + "/*.yaml"} {
		files, _ := filepath.Glob(in)
		for _, file := range files {
			b, _ := os.ReadFile(file)
			f.Add(toResourceList(b, cfg))
		}
	}
	f.Add([]byte(""))
	f.Add([]byte("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: 5\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		hang := time.AfterFunc(10*time.Second, func() { panic(fmt.Sprintf("hang on %q", data)) })
		defer hang.Stop()
		var out, errb bytes.Buffer
		code := fn.RunKRM(bytes.NewReader(data), &out, &errb, nil)
		if code != 0 && code != 1 {
			t.Fatalf("exit %d", code)
		}
		if strings.Contains(out.String(), bug) {
			t.Fatalf("reached the panic handler:\n%s", out.String())
		}
		if _, err := fn.ReadResourceList(&out); err != nil {
			t.Fatalf("the output is not a ResourceList: %v\n%s", err, out.String())
		}
	})
}

// toResourceList wraps a manifest stream and a config into a ResourceList.
func toResourceList(stream, cfg []byte) []byte {
	f, err := fn.ParseFile("x", stream)
	if err != nil {
		return stream
	}
	rl := &fn.ResourceList{APIVersion: "config.kubernetes.io/v1"}
	for _, d := range f.Docs {
		if d.Node != nil {
			rl.Items = append(rl.Items, yaml.NewRNode(d.Node))
		}
	}
	if n, err := yaml.Parse(string(cfg)); err == nil {
		rl.FunctionConfig = n
	}
	var b bytes.Buffer
	if err := fn.WriteResourceList(&b, rl); err != nil {
		return stream
	}
	return b.Bytes()
}

func FuzzPlain(f *testing.F) {
	seeds(f, "../testdata/*/input.yaml", corpusDir+"/*.yaml", corpusDir+"/*.json")
	f.Add([]byte("a: 1\n--- {b: 2}\n"))
	cfg := "../testdata/multiple-app-containers/config.yaml"
	f.Fuzz(func(t *testing.T, data []byte) {
		run := func(in []byte) (string, string, int) {
			var out, errb bytes.Buffer
			code := fn.RunPlain(fn.PlainOptions{Configs: []string{cfg}, Quiet: true, Stdin: bytes.NewReader(in), Stdout: &out, Stderr: &errb})
			return out.String(), errb.String(), code
		}
		hang := time.AfterFunc(10*time.Second, func() { panic(fmt.Sprintf("hang on %q", data)) })
		defer hang.Stop()
		out, stderr, code := run(data)
		if strings.Contains(stderr, bug) {
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

func FuzzConfig(f *testing.F) {
	seeds(f, "../testdata/*/config.yaml", "../examples/*/inject.yaml")
	f.Fuzz(func(t *testing.T, data []byte) {
		n, err := yaml.Parse(string(data))
		if err != nil {
			return
		}
		c, err := fn.Decode(n)
		if err == nil && c.Injection() == nil {
			t.Fatal("a valid config without an injection")
		}
	})
}
