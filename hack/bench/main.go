// Command bench times whole processes, pair by pair: inject-sidecars as a
// KRM function against a kyaml read-and-write round trip of the same
// ResourceList, and kustomize with our exec transformer against kustomize
// with the equivalent built-in patch. It prints medians and ratios, not
// absolute claims: the machines are shared and noisy.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

type sample struct {
	wall time.Duration
	rss  int64 // KiB
}

// measure runs a command with stdin from a file, output discarded.
func measure(stdin string, name string, args ...string) (sample, error) {
	cmd := exec.Command(name, args...)
	if stdin != "" {
		f, err := os.Open(stdin)
		if err != nil {
			return sample{}, err
		}
		defer f.Close()
		cmd.Stdin = f
	}
	var errb bytes.Buffer
	cmd.Stderr = &errb
	start := time.Now()
	if err := cmd.Run(); err != nil {
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 0 {
			return sample{}, fmt.Errorf("%s: %v\n%s", name, err, errb.String())
		}
	}
	s := sample{wall: time.Since(start)}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		s.rss = ru.Maxrss
	}
	return s, nil
}

func median(xs []sample) sample {
	w := make([]time.Duration, len(xs))
	r := make([]int64, len(xs))
	for i, x := range xs {
		w[i], r[i] = x.wall, x.rss
	}
	sort.Slice(w, func(i, j int) bool { return w[i] < w[j] })
	sort.Slice(r, func(i, j int) bool { return r[i] < r[j] })
	return sample{w[len(w)/2], r[len(r)/2]}
}

// pair runs a and b alternately, runs times each, and returns medians.
func pair(runs int, a, b func() (sample, error)) (sample, sample, error) {
	var as, bs []sample
	for i := 0; i < runs; i++ {
		x, err := a()
		if err != nil {
			return sample{}, sample{}, err
		}
		y, err := b()
		if err != nil {
			return sample{}, sample{}, err
		}
		as, bs = append(as, x), append(bs, y)
	}
	return median(as), median(bs), nil
}

func main() {
	bin := flag.String("bin", "bin", "folder with inject-sidecars, roundtrip and benchgen")
	kustomize := flag.String("kustomize", "bin/kustomize", "the kustomize binary")
	runs := flag.Int("runs", 5, "runs of each command")
	sizes := flag.String("sizes", "1000,5000,10000", "numbers of Deployments")
	ksizes := flag.String("kustomize-sizes", "500,2000", "numbers of Deployments for the kustomize comparison")
	flag.Parse()
	if err := run(*bin, *kustomize, *runs, *sizes, *ksizes); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func ints(list string) ([]int, error) {
	var n []int
	for _, s := range strings.Split(list, ",") {
		v, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil {
			return nil, err
		}
		n = append(n, v)
	}
	return n, nil
}

func run(bin, kustomize string, runs int, sizes, ksizes string) error {
	bin, _ = filepath.Abs(bin)
	tmp, err := os.MkdirTemp("", "inject-sidecars-bench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	gen := func(out string, args ...string) error {
		f, err := os.Create(out)
		if err != nil {
			return err
		}
		defer f.Close()
		cmd := exec.Command(filepath.Join(bin, "benchgen"), args...)
		cmd.Stdout, cmd.Stderr = f, os.Stderr
		return cmd.Run()
	}

	fmt.Printf("KRM function vs kyaml round trip (median of %d runs each, run pair by pair)\n", runs)
	fmt.Printf("%-22s %10s %10s %8s %10s %10s %8s %12s\n", "input", "fn", "roundtrip", "time", "fn RSS", "rt RSS", "memory", "vs own I/O")
	n, err := ints(sizes)
	if err != nil {
		return fmt.Errorf("-sizes: %v", err)
	}
	kn, err := ints(ksizes)
	if err != nil {
		return fmt.Errorf("-kustomize-sizes: %v", err)
	}
	type row struct {
		name string
		args []string
	}
	var rows []row
	for _, v := range n {
		rows = append(rows, row{fmt.Sprintf("%d Deployments", v), []string{"-n", fmt.Sprint(v)}})
	}
	rows = append(rows, row{fmt.Sprintf("%d mixed kinds", n[len(n)-1]), []string{"-n", fmt.Sprint(n[len(n)-1]), "-mixed"}})
	for _, r := range rows {
		in := filepath.Join(tmp, "rl.yaml")
		if err := gen(in, r.args...); err != nil {
			return err
		}
		a, b, err := pair(runs,
			func() (sample, error) { return measure(in, filepath.Join(bin, "inject-sidecars")) },
			func() (sample, error) { return measure(in, filepath.Join(bin, "roundtrip")) })
		if err != nil {
			return err
		}
		// The same function against a round trip through its own reader
		// and writer: what injecting costs on its own.
		a2, c, err := pair(runs,
			func() (sample, error) { return measure(in, filepath.Join(bin, "inject-sidecars")) },
			func() (sample, error) { return measure(in, filepath.Join(bin, "roundtrip"), "-ours") })
		if err != nil {
			return err
		}
		fmt.Printf("%-22s %10s %10s %7.2fx %9dM %9dM %7.2fx %11.2fx\n", r.name, a.wall.Round(time.Millisecond), b.wall.Round(time.Millisecond),
			float64(a.wall)/float64(b.wall), a.rss/1024, b.rss/1024, float64(a.rss)/float64(b.rss), float64(a2.wall)/float64(c.wall))
	}

	if _, err := os.Stat(kustomize); err != nil {
		fmt.Println("\nkustomize not found; skipping the kustomize comparison (make tools installs it)")
		return nil
	}
	fmt.Printf("\nkustomize build: our exec transformer vs the equivalent built-in patch (median of %d runs)\n", runs)
	fmt.Printf("%-22s %10s %10s %8s\n", "input", "transformer", "patch", "time")
	for _, v := range kn {
		dir := filepath.Join(tmp, fmt.Sprintf("k%d", v))
		if err := kustomizeDirs(dir, bin, gen, v); err != nil {
			return err
		}
		a, b, err := pair(runs,
			func() (sample, error) {
				return measure("", kustomize, "build", "--enable-alpha-plugins", "--enable-exec", filepath.Join(dir, "fn"))
			},
			func() (sample, error) { return measure("", kustomize, "build", filepath.Join(dir, "patch")) })
		if err != nil {
			return err
		}
		fmt.Printf("%-22s %10s %10s %7.2fx\n", fmt.Sprintf("%d Deployments", v), a.wall.Round(time.Millisecond), b.wall.Round(time.Millisecond), float64(a.wall)/float64(b.wall))
	}
	return nil
}

// kustomizeDirs writes two kustomizations over the same resources: one
// running inject-sidecars, one with benchgen's strategic-merge patch that
// adds the same sidecar, volume and mount to every Deployment.
func kustomizeDirs(dir, bin string, gen func(string, ...string) error, n int) error {
	for _, d := range []string{"base", "fn", "patch"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			return err
		}
	}
	if err := gen(filepath.Join(dir, "base", "resources.yaml"), "-n", fmt.Sprint(n), "-plain",
		"-config", filepath.Join(dir, "config.yaml"), "-patch", filepath.Join(dir, "patch", "sidecar.yaml")); err != nil {
		return err
	}
	files := map[string]string{
		"base/kustomization.yaml":  "resources:\n- resources.yaml\n",
		"fn/kustomization.yaml":    "resources:\n- ../base\ntransformers:\n- inject.yaml\n",
		"patch/kustomization.yaml": "resources:\n- ../base\npatches:\n- path: sidecar.yaml\n  target:\n    kind: Deployment\n",
	}
	cfg, err := os.ReadFile(filepath.Join(dir, "config.yaml"))
	if err != nil {
		return err
	}
	files["fn/inject.yaml"] = string(bytes.Replace(cfg, []byte("  name: logging\n"),
		[]byte("  name: logging\n  annotations:\n    config.kubernetes.io/function: |\n      exec:\n        path: "+filepath.Join(bin, "inject-sidecars")+"\n"), 1))
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			return err
		}
	}
	return nil
}
