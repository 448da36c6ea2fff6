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

	"github.com/inject-sidecars/inject-sidecars/api/v1alpha1"
	"github.com/inject-sidecars/inject-sidecars/fn"
	"github.com/inject-sidecars/inject-sidecars/internal/testkit"
	"github.com/inject-sidecars/inject-sidecars/transform"
)

// The fuzz targets feed any bytes to the ways input comes in (plain
// mode's is in internal/cli, the file reader's in internal/yamlfile). None
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
	for _, in := range []string{"../testdata/*/input.yaml", testkit.CorpusDir + "/*.yaml"} {
		files, _ := filepath.Glob(in)
		for _, file := range files {
			b, _ := os.ReadFile(file)
			f.Add(testkit.ToResourceList(b, cfg))
		}
	}
	f.Add([]byte(""))
	f.Add([]byte("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: 5\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		// Ten seconds, and one more per 64 KiB: the corpus seeds (2 MB)
		// run under -race on two busy cores in CI.
		hang := time.AfterFunc(10*time.Second+time.Duration(len(data)>>16)*time.Second, func() { panic(fmt.Sprintf("hang on %.300q", data)) })
		defer hang.Stop()
		var out bytes.Buffer
		if _, err := fn.Run(bytes.NewReader(data), &out, nil); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(out.String(), bug) {
			t.Fatalf("reached the panic handler:\n%s", out.String())
		}
		if _, err := fn.ReadResourceList(&out); err != nil {
			t.Fatalf("the output is not a ResourceList: %v\n%s", err, out.String())
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
		inj, _, err := transform.Load(n.YNode(), v1alpha1.Options{})
		if err == nil && inj == nil {
			t.Fatal("a valid config without an injection")
		}
	})
}
