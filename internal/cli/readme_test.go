package cli

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The README as a first-time user reads it: its samples are what the
// command prints, its steps work as written, and it says what they cost.

const readmePath = "../../README.md"

func readme(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(readmePath)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// consoleBlock finds the ```console block (indented or not) whose first
// line is "$ " + command, and returns the lines after it.
func consoleBlock(t *testing.T, doc, command string) string {
	t.Helper()
	block := regexp.MustCompile("(?m)^( *)```console\n((?:.*\n)*?) *```\n")
	for _, m := range block.FindAllStringSubmatch(doc, -1) {
		indent, body := m[1], m[2]
		body = regexp.MustCompile("(?m)^"+indent).ReplaceAllString(body, "")
		if first, rest, _ := strings.Cut(body, "\n"); first == "$ "+command {
			return rest
		}
	}
	t.Fatalf("the README has no console block running %q", command)
	return ""
}

// TestReadmeSamplesAreReal runs the README's console samples on the
// files in testdata/readme and compares what they print, byte for byte.
func TestReadmeSamplesAreReal(t *testing.T) {
	doc := readme(t)
	for _, tt := range []struct {
		command string
		before  []string // run first, to set the scene
	}{
		// db.yaml was injected before: it is up to date.
		{"inject-sidecars -c sidecars.yaml manifests/ -i", []string{"-q", "-c", "sidecars.yaml", "-i", "manifests/db.yaml"}},
		{"inject-sidecars -q -c sidecars.yaml --check a-cron.yaml mp.yaml", nil},
	} {
		t.Run(tt.command, func(t *testing.T) {
			want := consoleBlock(t, doc, tt.command)
			dir := t.TempDir()
			if err := os.CopyFS(dir, os.DirFS("testdata/readme")); err != nil {
				t.Fatal(err)
			}
			t.Chdir(dir)
			if tt.before != nil {
				if _, stderr, code := Invoke(t, nil, tt.before...); code != exitOK {
					t.Fatalf("%v: exit %d:\n%s", tt.before, code, stderr)
				}
			}
			stdout, stderr, _ := Invoke(t, nil, strings.Fields(tt.command)[1:]...)
			if got := stdout + stderr; got != want {
				t.Errorf("the README shows\n%s\nthe command prints\n%s", want, got)
			}
		})
	}
}

// section is the README's text from a "## " heading to the next one.
func section(t *testing.T, doc, heading string) string {
	t.Helper()
	_, rest, ok := strings.Cut(doc, "\n## "+heading+"\n")
	if !ok {
		t.Fatalf("the README has no section %q", heading)
	}
	text, _, _ := strings.Cut(rest, "\n## ")
	return text
}

// TestReadmeSaysWhatMakeTestBuilds: the Quick start and the Development
// table both name every tool make test builds first (the Makefile's
// tools target), and warn that the first run takes several minutes.
func TestReadmeSaysWhatMakeTestBuilds(t *testing.T) {
	t.Parallel()
	mk, err := os.ReadFile("../../Makefile")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^tools:(.*)$`).FindSubmatch(mk)
	if m == nil {
		t.Fatal("the Makefile has no tools target")
	}
	words := map[string][]string{"kustomize": {"kustomize"}, "helm3": {"Helm 3"}, "helm4": {"Helm 4", "Helm 3 and 4"}, "apiserver": {"kube-apiserver"}}
	doc := readme(t)
	row := regexp.MustCompile("(?m)^\\| `make test` \\|.*$").FindString(doc)
	for name, text := range map[string]string{"Quick start": section(t, doc, "Quick start"), "Development table": row} {
		text = strings.Join(strings.Fields(text), " ")
		for _, tool := range strings.Fields(string(m[1])) {
			found := false
			for _, w := range words[tool] {
				found = found || strings.Contains(text, w)
			}
			if !found {
				t.Errorf("%s: make test builds %s first (make tools), and it does not say so", name, tool)
			}
		}
		if !strings.Contains(text, "several minutes") {
			t.Errorf("%s does not say the first run takes several minutes", name)
		}
	}
}

// TestReadmeHelmStepsResolve follows each README block that renders the
// example chart, from the top of a checkout, cd by cd: the plugin
// folder, the chart and the config it names are where it looks.
func TestReadmeHelmStepsResolve(t *testing.T) {
	t.Parallel()
	blocks := regexp.MustCompile("(?ms)^```sh\n(.*?)^```").FindAllStringSubmatch(readme(t), -1)
	n := 0
	for _, b := range blocks {
		if !strings.Contains(b[1], "helm template") {
			continue
		}
		n++
		script := strings.ReplaceAll(b[1], "\\\n", " ")
		cwd := "../.."
		exists := func(what, p string) {
			if _, err := os.Stat(filepath.Join(cwd, p)); err != nil {
				t.Errorf("%s %s is not in %s:\n%s", what, p, cwd, b[1])
			}
		}
		for _, line := range strings.Split(script, "\n") {
			f := strings.Fields(strings.ReplaceAll(line, "&&", "\n"))
			for i := 0; i < len(f); i++ {
				switch {
				case f[i] == "cd" && i+1 < len(f):
					cwd = filepath.Join(cwd, f[i+1])
				case f[i] == "install" && i > 0 && f[i-1] == "plugin" && i+1 < len(f):
					exists("the plugin", filepath.Join(f[i+1], "plugin.yaml"))
				case f[i] == "template" && i+2 < len(f):
					exists("the chart", filepath.Join(f[i+2], "Chart.yaml"))
				case f[i] == "--post-renderer-args=-c" && i+1 < len(f):
					exists("the config", strings.TrimPrefix(f[i+1], "--post-renderer-args="))
				}
			}
		}
	}
	if n < 2 {
		t.Errorf("found %d blocks running helm template, want the Helm 3 and Helm 4 ones", n)
	}
}

// TestInstallStepsGiveTheCheckoutRoute: wherever a README gives the
// go install ...@latest step, the route that works from a clone stands
// right beside it, for machines that cannot fetch the module.
func TestInstallStepsGiveTheCheckoutRoute(t *testing.T) {
	t.Parallel()
	readmes, err := filepath.Glob("../../examples/*/README.md")
	if err != nil {
		t.Fatal(err)
	}
	const step, route = "go install github.com/inject-sidecars/inject-sidecars@latest", "from a checkout: `make install` (or `go install .`)"
	routeText := regexp.MustCompile(`from (the top of )?a checkout,? ?:? ?` + regexp.QuoteMeta("`make install` (or `go install .`)"))
	total := 0
	for _, p := range append([]string{readmePath}, readmes...) {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		text := strings.Join(strings.Fields(string(b)), " ")
		for rest := text; strings.Contains(rest, step); {
			_, rest, _ = strings.Cut(rest, step)
			total++
			if !routeText.MatchString(rest[:min(len(rest), 200)]) {
				t.Errorf("%s: %s is not followed by %q:\n%.200s", p, step, route, rest)
			}
		}
	}
	if total < 2 {
		t.Errorf("found the install step %d times", total)
	}
}
