package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestSignalRemovesTemps stops the built binary with SIGTERM or SIGINT
// while it waits, with temporary files made: on a FIFO input that is
// still being written, on stdin still open, and on a FIFO output that no
// one reads. It must exit with 128 plus the signal, leaving no temporary
// file (stdin's spool holds the whole input) and the FIFOs as they were.
func TestSignalRemovesTemps(t *testing.T) {
	const pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - {name: app, image: 'a:1'}\n"
	cfgText := "apiVersion: inject-sidecars.dev/v1alpha1\nkind: SidecarInjection\nmetadata: {name: mesh}\nspec:\n  containers:\n  - {name: proxy, image: 'envoy:1'}\n"
	tests := []struct {
		name, temp string
		sig        syscall.Signal
		// start starts cmd, with dir holding c.yaml, app.yaml and a
		// FIFO named fifo, and feeds it until it waits.
		start func(t *testing.T, cmd *exec.Cmd, dir string)
	}{
		{"FIFO input", "inject-sidecars-stdin-*", syscall.SIGTERM, func(t *testing.T, cmd *exec.Cmd, dir string) {
			cmd.Args = append(cmd.Args, filepath.Join(dir, "fifo"))
			start(t, cmd)
			w, err := os.OpenFile(filepath.Join(dir, "fifo"), os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { w.Close() })
			w.WriteString(pod + "---\n")
		}},
		{"stdin", "inject-sidecars-stdin-*", syscall.SIGINT, func(t *testing.T, cmd *exec.Cmd, dir string) {
			r, w, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			cmd.Stdin = r
			start(t, cmd)
			r.Close()
			t.Cleanup(func() { w.Close() })
			w.WriteString(pod + "---\n")
		}},
		{"FIFO output", "inject-sidecars-out-*", syscall.SIGTERM, func(t *testing.T, cmd *exec.Cmd, dir string) {
			cmd.Args = append(cmd.Args, "-o", filepath.Join(dir, "fifo"), filepath.Join(dir, "app.yaml"))
			start(t, cmd)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir, tmp := t.TempDir(), t.TempDir()
			os.WriteFile(filepath.Join(dir, "c.yaml"), []byte(cfgText), 0o644)
			os.WriteFile(filepath.Join(dir, "app.yaml"), []byte(pod), 0o644)
			if err := syscall.Mkfifo(filepath.Join(dir, "fifo"), 0o600); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(binary, "-q", "-c", filepath.Join(dir, "c.yaml"))
			cmd.Env = append(os.Environ(), "TMPDIR="+tmp)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			tt.start(t, cmd, dir)
			if !waitFor(filepath.Join(tmp, tt.temp)) {
				cmd.Process.Kill()
				cmd.Wait()
				t.Fatalf("no temporary file %s was made:\n%s", tt.temp, stderr.String())
			}
			cmd.Process.Signal(tt.sig)
			cmd.Wait()
			if code := cmd.ProcessState.ExitCode(); code != 128+int(tt.sig) {
				t.Errorf("exit %d, want %d:\n%s", code, 128+int(tt.sig), stderr.String())
			}
			if left, _ := filepath.Glob(filepath.Join(tmp, "*")); len(left) > 0 {
				t.Errorf("temporary files left: %v", left)
			}
			if left, _ := filepath.Glob(filepath.Join(dir, ".*")); len(left) > 0 {
				t.Errorf("temporary files left: %v", left)
			}
			if st, err := os.Lstat(filepath.Join(dir, "fifo")); err != nil || st.Mode().Type() != os.ModeNamedPipe {
				t.Errorf("the FIFO was replaced")
			}
		})
	}
}

func start(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
}

// waitFor waits up to 20 s for a file matching pattern.
func waitFor(pattern string) bool {
	for range 200 {
		if m, _ := filepath.Glob(pattern); len(m) > 0 {
			return true
		}
		time.Sleep(100 * time.Millisecond)
	}
	return false
}

// TestInPlaceMemory: -i streams each file to its staged file instead of
// holding it, so its peak memory stays within 1.5× that of the same run
// to stdout (it was 10× on a single 63 MB file). It takes some 30 s, so
// -short skips it.
func TestInPlaceMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	dir := t.TempDir()
	var b bytes.Buffer
	for i := 0; b.Len() < 16<<20; i++ {
		fmt.Fprintf(&b, "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d%d\n  labels: {app: d%d}\nspec:\n  template:\n    metadata:\n      labels: {app: d%d}\n    spec:\n      containers:\n      - name: app # the app\n        image: example/app:%d\n        env:\n        - {name: MODE, value: prod}\n", i, i, i, i)
	}
	in := filepath.Join(dir, "app.yaml")
	os.WriteFile(in, b.Bytes(), 0o644)
	cfg := filepath.Join(dir, "c.yaml")
	os.WriteFile(cfg, []byte("apiVersion: inject-sidecars.dev/v1alpha1\nkind: SidecarInjection\nmetadata: {name: mesh}\nspec:\n  containers:\n  - {name: proxy, image: 'envoy:1'}\n"), 0o644)
	peak := func(args ...string) int64 {
		cmd := exec.Command(binary, append([]string{"-q", "-c", cfg}, args...)...)
		// Without the collector's 64 MiB floor, under which both runs
		// would show the floor.
		cmd.Env = append(os.Environ(), "GOGC=100")
		return peakRSS(t, cmd)
	}
	stdout := peak(in)
	inPlace := peak("-i", in)
	t.Logf("input %d MB: peak RSS %d MB to stdout, %d MB with -i", b.Len()>>20, stdout, inPlace)
	if float64(inPlace) > 1.5*float64(stdout) {
		t.Errorf("-i takes %d MB, above 1.5× the %d MB of the run to stdout", inPlace, stdout)
	}
}

// TestQuietMemoryFlat: a -q run keeps nothing per workload (no summary
// row, no --check line), so its peak memory does not grow with the
// number of workloads: 20,000 Pods take about what 2,000 take. GOGC=100
// turns off the collector's 64 MiB floor, under which growth would not
// show. It was 1.8× before. -short skips it.
func TestQuietMemoryFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	dir := t.TempDir()
	name := strings.Repeat("n", 240) // long names: what a kept row would hold
	pods := func(n int) string {
		path := filepath.Join(dir, fmt.Sprint(n, ".yaml"))
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		w := bufio.NewWriter(f)
		for i := range n {
			fmt.Fprintf(w, "---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: %s-%d\nspec:\n  containers:\n  - name: app\n    image: app:1\n", name, i)
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		return path
	}
	cfg := filepath.Join(dir, "c.yaml")
	os.WriteFile(cfg, []byte("apiVersion: inject-sidecars.dev/v1alpha1\nkind: SidecarInjection\nmetadata: {name: mesh}\nspec:\n  containers:\n  - {name: proxy, image: 'envoy:1'}\n"), 0o644)
	peak := func(in string) int64 {
		cmd := exec.Command(binary, "-q", "-c", cfg, in)
		cmd.Env = append(os.Environ(), "GOGC=100")
		return peakRSS(t, cmd)
	}
	few, many := peak(pods(2000)), peak(pods(20000))
	t.Logf("peak RSS: %d MB for 2,000 Pods, %d MB for 20,000", few, many)
	if float64(many) > 1.25*float64(few) {
		t.Errorf("-q takes %d MB on 20,000 Pods, above 1.25× the %d MB on 2,000", many, few)
	}
}

// peakRSS runs cmd (its output discarded) and returns its peak resident
// memory in MB, read from /proc while it runs. The rusage a wait returns
// would not do: a child started with vfork, as os/exec starts it, counts
// the test process's own peak as its own, so a large test process hides
// the child's.
func peakRSS(t *testing.T, cmd *exec.Cmd) int64 {
	t.Helper()
	var errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = io.Discard, &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	status := fmt.Sprintf("/proc/%d/status", cmd.Process.Pid)
	var most int64
	for {
		// VmHWM is the peak of the process's memory since its exec.
		if b, err := os.ReadFile(status); err == nil {
			for _, line := range strings.Split(string(b), "\n") {
				if kb, ok := strings.CutPrefix(line, "VmHWM:"); ok {
					var n int64
					fmt.Sscan(strings.TrimSuffix(strings.TrimSpace(kb), " kB"), &n)
					most = max(most, n>>10)
				}
			}
		}
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("%v: %v\n%s", cmd.Args, err, errb.String())
			}
			return most
		case <-time.After(5 * time.Millisecond):
		}
	}
}
