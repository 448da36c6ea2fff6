package cli

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/inject-sidecars/inject-sidecars/internal/testkit"
	"github.com/inject-sidecars/inject-sidecars/internal/yamlfile"
)

// The file-handling rules of the README's "Safety" section, one test
// each: what a run reads, and what it writes, where and with which mode.

// filesDir writes the config and an app manifest into a new folder.
func filesDir(t *testing.T) (dir, cfg, app string) {
	t.Helper()
	dir = t.TempDir()
	testkit.WriteFiles(t, dir, map[string]string{"c.yaml": trustConfig, "app.yaml": strings.Replace(trustApp, "NAME", "a", 1)})
	return dir, filepath.Join(dir, "c.yaml"), filepath.Join(dir, "app.yaml")
}

// --report or -o naming an input (or a config) is a usage error naming
// the flag, and nothing is written; --report naming a folder is one line
// that names no temporary file.
func TestDestinationNamesAnInput(t *testing.T) {
	t.Parallel()
	dir, cfg, app := filesDir(t)
	testkit.WriteFiles(t, dir, map[string]string{"in/b.yaml": strings.Replace(trustApp, "NAME", "b", 1)})
	if err := os.Symlink("app.yaml", filepath.Join(dir, "alias.yaml")); err != nil {
		t.Fatal(err)
	}
	in := filepath.Join(dir, "in")
	tests := []struct {
		name string
		args []string
		msg  string
	}{
		{"--report an input", []string{"--report", app, app}, "--report " + app + " is the input " + app},
		{"--report an input by another name", []string{"--report", filepath.Join(dir, "alias.yaml"), app}, "is the input " + app},
		{"--report a config", []string{"--report", cfg, app}, "is the config " + cfg},
		{"--report a file in a folder input", []string{"--report", filepath.Join(in, "b.yaml"), in}, "is the input " + filepath.Join(in, "b.yaml")},
		{"--report a folder", []string{"--report", in, app}, "--report " + in + " is a folder: give a file path"},
		{"-o an input", []string{"-o", app, app}, "-o " + app + " is the input " + app},
		{"-o the input folder", []string{"-o", in, in}, "over the input " + filepath.Join(in, "b.yaml")},
		{"-o onto the --report file", []string{"-o", filepath.Join(dir, "r.yaml"), "--report", filepath.Join(dir, "r.yaml"), app}, "-o " + filepath.Join(dir, "r.yaml") + " and --report " + filepath.Join(dir, "r.yaml") + " name the same file"},
		{"-o and --report one new file", []string{"-o", filepath.Join(dir, "n.yaml"), "--report", filepath.Join(dir, "in", "..", "n.yaml"), app}, "and --report " + filepath.Join(dir, "in", "..", "n.yaml") + " name the same file"},
		{"-o DIR mirrors onto the --report file", []string{"-o", filepath.Join(dir, "od") + "/", "--report", filepath.Join(dir, "od", "app.yaml"), app}, "would write " + filepath.Join(dir, "od", "app.yaml") + " over --report"},
	}
	testkit.WriteFiles(t, dir, map[string]string{"r.yaml": "old\n"})
	before := readTree(t, dir)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr, code := Invoke(t, nil, append([]string{"-c", cfg}, tt.args...)...)
			first, rest, _ := strings.Cut(stderr, "\n")
			if code != exitUsage || !strings.Contains(first, tt.msg) || rest != usageHint || stdout != "" {
				t.Errorf("exit %d, want 2 and one line saying %q, then the usage:\n%s", code, tt.msg, stderr)
			}
			if strings.Contains(stderr, ".tmp-") {
				t.Errorf("the message names a temporary file:\n%s", stderr)
			}
			if after := readTree(t, dir); after != before {
				t.Errorf("files changed:\n%s\nwant\n%s", after, before)
			}
		})
	}
}

// readTree lists every file's path, mode and text.
func readTree(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			t.Fatal(err)
		}
		st, _ := os.Lstat(p)
		data, _ := os.ReadFile(p)
		if st.Mode()&fs.ModeSymlink != 0 || d.IsDir() {
			data = nil
		}
		b.WriteString(p + " " + st.Mode().String() + " " + strconv.Quote(string(data)) + "\n")
		return nil
	})
	return b.String()
}

// -o and --report onto a device or FIFO write into it, as a shell's ">"
// does; the node is never replaced by a regular file.
func TestOutputIntoDeviceOrFIFO(t *testing.T) {
	t.Parallel()
	dir, cfg, app := filesDir(t)
	null := filepath.Join(dir, "null")
	if err := syscall.Mknod(null, syscall.S_IFCHR|0o666, 1<<8|3); err != nil {
		t.Fatalf("mknod: %v (the tests run as root)", err)
	}
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	got := make(chan string, 1)
	go func() {
		b, _ := os.ReadFile(fifo)
		got <- string(b)
	}()
	_, stderr, code := Invoke(t, nil, "-o", null, "--report", fifo, "-c", cfg, app)
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, stderr)
	}
	select {
	case report := <-got:
		if !strings.Contains(report, `"workloads"`) {
			t.Errorf("the FIFO's reader got %q, want the report", report)
		}
	case <-time.After(10 * time.Second):
		t.Error("the report was not written into the FIFO")
	}
	for p, want := range map[string]fs.FileMode{null: fs.ModeDevice | fs.ModeCharDevice, fifo: fs.ModeNamedPipe} {
		if st, err := os.Lstat(p); err != nil || st.Mode().Type() != want {
			t.Errorf("%s is now %v, want %v", p, st.Mode().Type(), want)
		}
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".*")); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

// -o DIR never writes through a symlink in the output folder (a file's
// or a folder's) into another folder; a link that stays inside it is
// written through.
func TestOutputFolderSymlinks(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ name, link, target, input string }{
		{"a file's link leads out", "out/app.yaml", "../elsewhere/app.yaml", "app.yaml"},
		{"a folder's link leads out", "out/sub", "../elsewhere", "in"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir, cfg, _ := filesDir(t)
			testkit.WriteFiles(t, dir, map[string]string{"elsewhere/app.yaml": "kept: true\n", "out/.keep": "", "in/sub/app.yaml": strings.Replace(trustApp, "NAME", "b", 1)})
			if err := os.Symlink(tt.target, filepath.Join(dir, tt.link)); err != nil {
				t.Fatal(err)
			}
			_, stderr, code := Invoke(t, nil, "-o", filepath.Join(dir, "out"), "-c", cfg, filepath.Join(dir, tt.input))
			if code != exitError || !strings.Contains(stderr, "out of the output folder") || strings.Contains(stderr, ".tmp-") {
				t.Errorf("exit %d, want 1 and a refusal:\n%s", code, stderr)
			}
			if got, _ := os.ReadFile(filepath.Join(dir, "elsewhere/app.yaml")); string(got) != "kept: true\n" {
				t.Errorf("written through the link: %q", got)
			}
		})
	}
	t.Run("a link to a missing folder", func(t *testing.T) {
		t.Parallel()
		dir, cfg, app := filesDir(t)
		if err := os.Symlink("missing", filepath.Join(dir, "out")); err != nil {
			t.Fatal(err)
		}
		_, stderr, code := Invoke(t, nil, "-o", filepath.Join(dir, "out", "new")+"/", "-c", cfg, app)
		if want := filepath.Join(dir, "out") + " is a symlink to a missing folder"; code != exitError || !strings.Contains(stderr, want) {
			t.Errorf("exit %d, want 1 and %q:\n%s", code, want, stderr)
		}
		if _, err := os.Lstat(filepath.Join(dir, "missing")); !os.IsNotExist(err) {
			t.Errorf("the link's target was made")
		}
	})
	t.Run("a link inside the folder", func(t *testing.T) {
		dir, cfg, app := filesDir(t)
		testkit.WriteFiles(t, dir, map[string]string{"out/real.yaml": "old\n"})
		os.Symlink("real.yaml", filepath.Join(dir, "out/app.yaml"))
		if _, stderr, code := Invoke(t, nil, "-o", filepath.Join(dir, "out")+"/", "-c", cfg, app); code != 0 {
			t.Fatalf("exit %d:\n%s", code, stderr)
		}
		if got, _ := os.ReadFile(filepath.Join(dir, "out/real.yaml")); !strings.Contains(string(got), "name: proxy") {
			t.Errorf("out/real.yaml = %q", got)
		}
	})
}

// New files get their mode less the umask (0666 for -o FILE and --report,
// the input's for -o DIR); a file replaced keeps its mode, owner and
// group; a symlinked file in a folder input is read, and written, with
// its target's mode.
func TestWrittenFilesModes(t *testing.T) {
	old := syscall.Umask(0o077)
	defer syscall.Umask(old)
	dir, cfg, app := filesDir(t)
	testkit.WriteFiles(t, dir, map[string]string{"in/real.yaml": strings.Replace(trustApp, "NAME", "r", 1), "kept.yaml": "old\n"})
	os.Chmod(filepath.Join(dir, "in/real.yaml"), 0o640)
	os.Symlink("real.yaml", filepath.Join(dir, "in/link.yaml"))
	kept := filepath.Join(dir, "kept.yaml")
	os.Chmod(kept, 0o604)
	if err := os.Chown(kept, 1234, 5678); err != nil {
		t.Fatalf("chown: %v (the tests run as root)", err)
	}
	runOK := func(args []string) {
		t.Helper()
		if _, stderr, code := Invoke(t, nil, append([]string{"-c", cfg}, args...)...); code != 0 {
			t.Fatalf("exit %d:\n%s", code, stderr)
		}
	}
	runOK([]string{"-o", filepath.Join(dir, "new.yaml"), "--report", filepath.Join(dir, "report.json"), app})
	runOK([]string{"-o", kept, app})
	runOK([]string{"-o", filepath.Join(dir, "out"), filepath.Join(dir, "in")})
	// in/link.yaml comes first, so real.yaml, the same file, is read
	// there and not again.
	for name, want := range map[string]fs.FileMode{"new.yaml": 0o600, "report.json": 0o600, "kept.yaml": 0o604, "out/link.yaml": 0o600} {
		if st, err := os.Stat(filepath.Join(dir, name)); err != nil || st.Mode() != want {
			t.Errorf("%s: mode %v (%v), want %v", name, st.Mode(), err, want)
		}
	}
	if st, _ := os.Stat(kept); st.Sys().(*syscall.Stat_t).Uid != 1234 || st.Sys().(*syscall.Stat_t).Gid != 5678 {
		t.Errorf("kept.yaml lost its owner and group")
	}
	syscall.Umask(old)
	runOK([]string{"-i", filepath.Join(dir, "in")})
	if st, _ := os.Stat(filepath.Join(dir, "in/real.yaml")); st.Mode() != 0o640 {
		t.Errorf("-i through a link: the target's mode is now %v, want 0640", st.Mode())
	}
	if st, _ := os.Lstat(filepath.Join(dir, "in/link.yaml")); st.Mode()&fs.ModeSymlink == 0 {
		t.Errorf("-i replaced the link")
	}
}

// A symlink in a folder input that leads out of it is an error naming
// both; nothing is read through it.
func TestFolderInputLinkOut(t *testing.T) {
	t.Parallel()
	dir, cfg, _ := filesDir(t)
	testkit.WriteFiles(t, dir, map[string]string{"secret.yaml": "token: s3cr3t\n", "in/a.yaml": strings.Replace(trustApp, "NAME", "a", 1)})
	os.Symlink("../secret.yaml", filepath.Join(dir, "in/b.yaml"))
	stdout, stderr, code := Invoke(t, nil, "-c", cfg, filepath.Join(dir, "in"))
	if code != exitError || !strings.Contains(stderr, filepath.Join(dir, "in/b.yaml")+": a symlink to "+filepath.Join(dir, "secret.yaml")+", out of the folder") {
		t.Errorf("exit %d:\n%s", code, stderr)
	}
	if strings.Contains(stdout+stderr, "s3cr3t") {
		t.Errorf("the link's target was read")
	}
}

// An input that can be read only once (a FIFO, a pipe as <(...) gives
// it, /dev/fd/N) is read once, and a symlinked folder is read as the
// folder.
func TestReadOnceInputs(t *testing.T) {
	t.Parallel()
	dir, cfg, app := filesDir(t)
	text, _ := os.ReadFile(app)
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	feedFIFO := func() {
		go func() {
			f, err := os.OpenFile(fifo, os.O_WRONLY, 0)
			if err == nil {
				f.Write(text)
				f.Close()
			}
		}()
	}
	pipe := func() string {
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { r.Close() })
		go func() { w.Write(text); w.Close() }()
		return "/dev/fd/" + strconv.Itoa(int(r.Fd()))
	}
	os.Mkdir(filepath.Join(dir, "only"), 0o755)
	os.WriteFile(filepath.Join(dir, "only/app.yaml"), text, 0o644)
	os.Symlink("only", filepath.Join(dir, "folder-link"))

	runs := []struct {
		name  string
		input func() string
		check bool
		want  int
	}{
		{"FIFO", func() string { feedFIFO(); return fifo }, false, 0},
		{"pipe", pipe, false, 0},
		{"--check on a pipe", pipe, true, exitChanged},
		{"symlinked folder", func() string { return filepath.Join(dir, "folder-link") }, false, 0},
	}
	for _, r := range runs {
		t.Run(r.name, func(t *testing.T) {
			args := []string{"-c", cfg, r.input()}
			if r.check {
				args = append(args, "--check")
			}
			stdout, stderr, code := Invoke(t, nil, args...)
			if code != r.want || (!r.check && !strings.Contains(stdout, "name: proxy")) {
				t.Errorf("exit %d, want %d\n%s\n%s", code, r.want, stdout, stderr)
			}
		})
	}
	t.Run("-i on a FIFO", func(t *testing.T) {
		feedFIFO()
		_, stderr, code := Invoke(t, nil, "-i", "-c", cfg, fifo)
		if code != exitUsage || !strings.Contains(stderr, "-i cannot rewrite "+fifo) {
			t.Errorf("exit %d, want 2:\n%s", code, stderr)
		}
		if st, _ := os.Lstat(fifo); st.Mode().Type() != fs.ModeNamedPipe {
			t.Errorf("the FIFO was replaced")
		}
	})
}

// -i holds at most spillAt of a file before one of its documents
// changes: a larger file spills into its staged file, which is dropped
// again, leaving the file untouched, when nothing in it changes, and
// written whole when its change comes last.
func TestInPlaceLargeFiles(t *testing.T) {
	t.Parallel()
	dir, cfg, _ := filesDir(t)
	var filler strings.Builder
	for i := 0; filler.Len() < 2*spillAt; i++ {
		filler.WriteString("---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c" + strconv.Itoa(i) + "}\ndata: {k: v}\n")
	}
	changedLast := filler.String() + "---\n" + strings.Replace(trustApp, "NAME", "last", 1)
	testkit.WriteFiles(t, dir, map[string]string{"in/untouched.yaml": filler.String(), "in/changed.yaml": changedLast})
	untouched := filepath.Join(dir, "in/untouched.yaml")
	before, _ := os.Stat(untouched)
	want, _, _ := Invoke(t, nil, "-c", cfg, filepath.Join(dir, "in/changed.yaml"))
	if _, stderr, code := Invoke(t, nil, "-i", "-c", cfg, filepath.Join(dir, "in")); code != 0 {
		t.Fatalf("exit %d:\n%s", code, stderr)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "in/changed.yaml")); string(got) != want || !strings.Contains(want, "name: proxy") {
		t.Errorf("changed.yaml is not what the run to stdout gives (%d bytes, want %d)", len(got), len(want))
	}
	after, _ := os.Stat(untouched)
	if !os.SameFile(before, after) || !after.ModTime().Equal(before.ModTime()) {
		t.Errorf("untouched.yaml was rewritten")
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "in", ".*")); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

// A failed run writes nothing, and that includes folders: the ones made
// for its outputs are removed again; folders that were there stay.
func TestFailedRunLeavesNoFolder(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ name, out string }{
		{"-o DIR/", "out/new/deeper/"},
		{"-o FILE in a new folder", "out/new/all.yaml"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir, cfg, app := filesDir(t)
			testkit.WriteFiles(t, dir, map[string]string{
				"out/kept.yaml": "kept: true\n",
				"in/a.yaml":     strings.Replace(trustApp, "NAME", "b", 1),
				"in/b.yaml":     "apiVersion: v1\nkind: Pod\nmetadata: {name: b\n", // not valid YAML
			})
			_, stderr, code := Invoke(t, nil, "-c", cfg, "-o", filepath.Join(dir, tt.out), app, filepath.Join(dir, "in"))
			if code != exitError || !strings.Contains(stderr, "not valid YAML") {
				t.Fatalf("exit %d, want 1 and the YAML error:\n%s", code, stderr)
			}
			if _, err := os.Lstat(filepath.Join(dir, "out/new")); !os.IsNotExist(err) {
				entries, _ := filepath.Glob(filepath.Join(dir, "out/new/*"))
				t.Errorf("out/new left after a failed run (%v), holding %v", err, entries)
			}
			if got, _ := os.ReadFile(filepath.Join(dir, "out/kept.yaml")); string(got) != "kept: true\n" {
				t.Errorf("out/kept.yaml = %q", got)
			}
		})
	}
}

// From an attack on the removal of folders made for outputs; it failed
// in most runs of its loop before the fix, so the test as a whole all but
// about one time in a thousand.
//
// A folder input with many subfolders, -o into a new folder, and bad
// YAML in the last input: the outputs of the others are staged, each
// making its subfolder; the first also makes out/new. The failed run
// must remove them all. The sink hands its staged files to DiscardAll
// in map order, and DiscardAll removes each file's folders in turn: when
// the first file's come before the others', out/new is not empty yet,
// stays, and is never tried again.
func TestFailedRunManySubfoldersLeavesNoFolder(t *testing.T) {
	t.Parallel()
	dir, cfg, _ := filesDir(t)
	files := map[string]string{}
	for i := range 12 {
		files[fmt.Sprintf("in/d%02d/app.yaml", i)] = strings.Replace(trustApp, "NAME", fmt.Sprintf("p%d", i), 1)
	}
	files["in/d99/app.yaml"] = "apiVersion: v1\nkind: Pod\nmetadata: {name: b\n" // not valid YAML
	testkit.WriteFiles(t, dir, files)
	out := filepath.Join(dir, "out", "new")
	for run := range 5 {
		_, stderr, code := Invoke(t, nil, "-c", cfg, "-o", out+"/", filepath.Join(dir, "in"))
		if code != exitError || !strings.Contains(stderr, "not valid YAML") {
			t.Fatalf("exit %d, want 1 and the YAML error:\n%s", code, stderr)
		}
		if _, err := os.Lstat(filepath.Join(dir, "out")); !os.IsNotExist(err) {
			left, _ := filepath.Glob(filepath.Join(dir, "out", "*"))
			t.Fatalf("run %d: %s left after a failed run, holding %v", run+1, filepath.Join(dir, "out"), left)
		}
	}
}

// A bug's panic on a worker, half-way through a run: one line saying it
// is a bug, exit 1, and nothing written: no output folder, no temporary
// file. (Not parallel: it sets testHookWork.)
func TestPanicOnWorkerWritesNothing(t *testing.T) {
	dir, cfg, _ := filesDir(t)
	files := map[string]string{}
	for i := range 20 {
		files[fmt.Sprintf("in/d%02d/app.yaml", i)] = strings.Replace(trustApp, "NAME", fmt.Sprintf("p%d", i), 1)
	}
	testkit.WriteFiles(t, dir, files)
	testHookWork = func(d *yamlfile.Document) {
		if strings.Contains(d.Raw, "name: p12\n") {
			panic("boom")
		}
	}
	defer func() { testHookWork = nil }()
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	for _, args := range [][]string{{"-o", filepath.Join(dir, "out") + "/"}, {"-i"}, {}} {
		stdout, stderr, code := Invoke(t, nil, append(append([]string{"-c", cfg}, args...), filepath.Join(dir, "in"))...)
		if code != exitError || !strings.Contains(stderr, "this is a bug in inject-sidecars") || strings.Contains(stderr, "goroutine") || stdout != "" {
			t.Errorf("%v: exit %d, want 1 and one line saying it is a bug:\n%s", args, code, stderr)
		}
		if _, err := os.Lstat(filepath.Join(dir, "out")); !os.IsNotExist(err) {
			t.Errorf("%v: out written", args)
		}
		if left, _ := filepath.Glob(filepath.Join(dir, "in", "*", ".*")); len(left) > 0 {
			t.Errorf("%v: staging folders left: %v", args, left)
		}
		if left, _ := filepath.Glob(filepath.Join(tmp, "*")); len(left) > 0 {
			t.Errorf("%v: temporary files left: %v", args, left)
		}
	}
	for name, want := range files {
		if got, _ := os.ReadFile(filepath.Join(dir, name)); string(got) != want {
			t.Errorf("%s changed", name)
		}
	}
}

// panicWriter panics on every write: a stand-in for a bug in writing.
type panicWriter struct{}

func (panicWriter) Write([]byte) (int, error) { panic("boom") }

// A bug's panic while the KRM function writes its list (past the
// function's own recover, on the encoding workers or the caller) is one
// line saying it is a bug and exit 1, not a crash with a stack trace.
func TestPanicWritingResourceList(t *testing.T) {
	t.Parallel()
	var in strings.Builder
	in.WriteString("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n")
	for i := range 100 {
		fmt.Fprintf(&in, "- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: c%d}\n", i)
	}
	var stderr strings.Builder
	code := Main("", nil, strings.NewReader(in.String()), panicWriter{}, &stderr)
	if code != exitError || !strings.Contains(stderr.String(), "this is a bug in inject-sidecars") {
		t.Errorf("exit %d, want 1 and one line saying it is a bug:\n%s", code, stderr.String())
	}
}
