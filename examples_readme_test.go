package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/inject-sidecars/inject-sidecars/internal/testkit"
)

// readmeBlock is what one ```sh block of an example's README must do,
// run as written from the example's folder.
type readmeBlock struct {
	// stdout is the file in the example folder that the block's output
	// must equal; "" when what it prints is not checked.
	stdout string
	// files maps a file the block writes to the file it must equal.
	files map[string]string
	// contains maps a file to text it must hold after the block.
	contains map[string]string
}

// readmeBlocks lists, per example, what each of its README's ```sh
// blocks must do, in order. A README with more or fewer blocks fails the
// test, so no command goes unchecked.
var readmeBlocks = map[string][]readmeBlock{
	"config-reload":          {{stdout: "expected.yaml"}},
	"cronjob-native-sidecar": {{stdout: "expected.yaml"}},
	"log-collector":          {{stdout: "expected.yaml"}},
	"mesh-proxy":             {{stdout: "expected.yaml"}},
	"pod-security":           {{stdout: "expected.yaml"}},
	"owner-overrides":        {{stdout: "expected.yaml", files: map[string]string{"report.json": "expected.report.json"}}},
	"helm-post-render":       {{stdout: "expected.yaml"}, {stdout: "helm3.expected.yaml"}, {stdout: "helm4.expected.yaml"}},
	"kustomize-overlay":      {{stdout: "expected.yaml"}},
	// Its ```shell blocks need a cluster: TestE2EAPIServerAdmissionValidate
	// creates that Pod in the real API server with these policies.
	"admission-policy": {{stdout: "expected.yaml"}, {stdout: "policies.yaml"}},
	"kpt-package": {
		{contains: map[string]string{"deployment.yaml": "name: envoy"}},
		{contains: map[string]string{"deployment.yaml": "name: proxy"}},
	},
}

var shBlock = regexp.MustCompile("(?ms)^```sh\n(.*?)^```")

// TestExampleREADMEs runs every ```sh block of every example's README
// as written, from a copy of the example's folder (so the repository's
// own files stay as they are), with inject-sidecars on PATH as after
// go install, and the tools a block names (kustomize, helm, kpt) on PATH
// too: the pinned ones from bin/ where make puts them. A block that says
// "Helm 4" gets Helm 4 as helm, any other Helm 3. A block whose tool is
// missing is skipped, except in CI.
func TestExampleREADMEs(t *testing.T) {
	dirs, err := filepath.Glob("examples/*/README.md")
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no example READMEs: %v", err)
	}
	for _, readme := range dirs {
		name := filepath.Base(filepath.Dir(readme))
		t.Run(name, func(t *testing.T) {
			want, ok := readmeBlocks[name]
			if !ok {
				t.Fatalf("%s: add the example to readmeBlocks", readme)
			}
			blocks := shBlock.FindAllStringSubmatch(string(testkit.ReadFile(t, readme)), -1)
			if len(blocks) != len(want) {
				t.Fatalf("%s has %d sh blocks; readmeBlocks lists %d", readme, len(blocks), len(want))
			}
			root := t.TempDir()
			dir := filepath.Join(root, "examples", name)
			copyTo(t, filepath.Dir(readme), dir)
			copyTo(t, "plugin.yaml", filepath.Join(root, "plugin.yaml"))
			for i, b := range blocks {
				t.Run(blockName(i), func(t *testing.T) {
					runBlock(t, dir, b[1], want[i])
				})
			}
		})
	}
}

func blockName(i int) string { return "block" + string(rune('1'+i)) }

// runBlock runs one block with bash -e and checks what it must do.
func runBlock(t *testing.T, dir, script string, want readmeBlock) {
	path := t.TempDir()
	link := func(name, target string) {
		if err := os.Symlink(target, filepath.Join(path, name)); err != nil {
			t.Fatal(err)
		}
	}
	link("inject-sidecars", binary)
	for _, tl := range []struct{ cmd, tool string }{{"kustomize", "kustomize"}, {"kpt", "kpt"}, {"helm", "helm3"}} {
		if !regexp.MustCompile(`(?m)^` + tl.cmd + ` `).MatchString(script) {
			continue
		}
		if tl.cmd == "helm" && strings.Contains(script, "Helm 4") {
			tl.tool = "helm4"
		}
		link(tl.cmd, tool(t, tl.tool))
	}
	home := t.TempDir()
	env := []string{
		"PATH=" + path + string(os.PathListSeparator) + os.Getenv("PATH"),
		"HELM_CONFIG_HOME=" + filepath.Join(home, "config"),
		"HELM_DATA_HOME=" + filepath.Join(home, "data"),
		"HELM_CACHE_HOME=" + filepath.Join(home, "cache"),
		"HELM_PLUGINS=" + filepath.Join(home, "data", "plugins"),
		"TMPDIR=" + home,
	}
	cmd := exec.Command("bash", "-e", "-c", script)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("%v\n%s\nstderr:\n%s", err, script, errb.String())
	}
	if want.stdout != "" {
		if diff := cmp.Diff(string(testkit.ReadFile(t, filepath.Join(dir, want.stdout))), out.String()); diff != "" {
			t.Errorf("output differs from %s (-want +got):\n%s", want.stdout, diff)
		}
	}
	for got, golden := range want.files {
		if diff := cmp.Diff(string(testkit.ReadFile(t, filepath.Join(dir, golden))), string(testkit.ReadFile(t, filepath.Join(dir, got)))); diff != "" {
			t.Errorf("%s differs from %s (-want +got):\n%s", got, golden, diff)
		}
	}
	for file, text := range want.contains {
		mustContain(t, file, string(testkit.ReadFile(t, filepath.Join(dir, file))), text)
	}
}

// copyTo copies a file or a folder.
func copyTo(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(from, p)
		if err != nil {
			return err
		}
		dst := filepath.Join(to, rel)
		if d.IsDir() {
			return os.MkdirAll(dst, 0o755)
		}
		st, err := d.Info()
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		return os.WriteFile(dst, testkit.ReadFile(t, p), st.Mode().Perm())
	})
	if err != nil {
		t.Fatal(err)
	}
}
