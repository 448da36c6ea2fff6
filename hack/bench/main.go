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
	return measureEnv(nil, stdin, name, args...)
}

// measureEnv is measure with extra environment (GOMAXPROCS=1).
func measureEnv(env []string, stdin string, name string, args ...string) (sample, error) {
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), env...)
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
	sizes := flag.String("sizes", "1000,5000,20000", "numbers of Deployments")
	ksizes := flag.String("kustomize-sizes", "500,2000", "numbers of Deployments for the kustomize comparison")
	files := flag.Int("files", 2000, "number of files in the folder cases")
	flag.StringVar(&only, "only", "", "run only these parts, comma-separated: krm, stream, folder, configs, kustomize (all by default)")
	peers := flag.Bool("peers", false, "compare with istioctl kube-inject and kubectl-kyverno apply instead (make bench-peers builds them)")
	flag.Parse()
	if *peers {
		if err := runPeers(*bin, *runs, *sizes); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(*bin, *kustomize, *runs, *sizes, *ksizes, *files); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// only lists the parts to run; empty runs them all.
var only string

// pick returns n when the part named is to run, else nothing.
func pick(part string, n []int) []int {
	if only == "" {
		return n
	}
	for _, p := range strings.Split(only, ",") {
		if strings.TrimSpace(p) == part {
			return n
		}
	}
	return nil
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

func run(bin, kustomize string, runs int, sizes, ksizes string, files int) error {
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

	n, err := ints(sizes)
	if err != nil {
		return fmt.Errorf("-sizes: %v", err)
	}
	kn, err := ints(ksizes)
	if err != nil {
		return fmt.Errorf("-kustomize-sizes: %v", err)
	}
	fn := filepath.Join(bin, "inject-sidecars")
	rt := filepath.Join(bin, "roundtrip")
	one := []string{"GOMAXPROCS=1"}
	cfg := filepath.Join(tmp, "config.yaml")
	if err := gen(filepath.Join(tmp, "unused.yaml"), "-n", "1", "-plain", "-config", cfg); err != nil {
		return err
	}

	// Each case runs ours and the kyaml round trip of the same input pair
	// by pair; ratios below 1 are faster (or smaller) than kyaml.
	row := func(r result) {
		fmt.Printf("%-28s %8.2fx %8.2fx %8.2fx %8.2fx %8dM %8dM %9s %9s\n", r.name,
			ratio(r.ours.wall, r.rt.wall), ratio(r.ours1.wall, r.rt.wall),
			float64(r.ours.rss)/float64(r.rt.rss), float64(r.ours1.rss)/float64(r.rt.rss), r.ours.rss/1024, r.rt.rss/1024,
			r.ours.wall.Round(time.Millisecond), r.rt.wall.Round(time.Millisecond))
	}
	header := func(title string) {
		fmt.Printf("\n%s (median of %d runs each, run pair by pair)\n", title, runs)
		fmt.Printf("%-28s %9s %9s %9s %9s %9s %9s %9s %9s\n", "input", "time", "time 1cpu", "memory", "mem 1cpu", "ours RSS", "kyaml RSS", "ours", "kyaml")
	}
	three := func(name string, ours func(env []string) (sample, error), base func() (sample, error)) (result, error) {
		a, b, err := pair(runs, func() (sample, error) { return ours(nil) }, base)
		if err != nil {
			return result{}, err
		}
		a1, _, err := pair(runs, func() (sample, error) { return ours(one) }, base)
		if err != nil {
			return result{}, err
		}
		return result{name, a, a1, b}, nil
	}

	var krm, stream []result
	for _, v := range pick("krm", n) {
		in := filepath.Join(tmp, "rl.yaml")
		if err := gen(in, "-n", fmt.Sprint(v)); err != nil {
			return err
		}
		r, err := three(fmt.Sprintf("%d Deployments", v),
			func(env []string) (sample, error) { return measureEnv(env, in, fn) },
			func() (sample, error) { return measure(in, rt) })
		if err != nil {
			return err
		}
		if len(krm) == 0 {
			header("KRM function vs kyaml round trip of the same ResourceList")
		}
		row(r)
		krm = append(krm, r)
	}
	growth("KRM", n, krm)

	for _, v := range pick("stream", n) {
		in := filepath.Join(tmp, "plain.yaml")
		if err := gen(in, "-n", fmt.Sprint(v), "-plain"); err != nil {
			return err
		}
		r, err := three(fmt.Sprintf("%d Deployments", v),
			func(env []string) (sample, error) { return measureEnv(env, "", fn, "-q", "-c", cfg, in) },
			func() (sample, error) { return measure(in, rt) })
		if err != nil {
			return err
		}
		if len(stream) == 0 {
			header("plain mode, one stream, vs kyaml round trip of the same stream")
		}
		row(r)
		stream = append(stream, r)
	}
	growth("plain stream", n, stream)

	if len(pick("folder", n)) > 0 {
		header("plain mode, a folder of one Deployment per file, vs kyaml's package round trip of a copy")
		if err := folderRows(tmp, fn, rt, cfg, gen, files, runs, three, row); err != nil {
			return err
		}
	}
	if len(pick("configs", n)) > 0 {
		if err := configRows(tmp, fn, gen, 100, runs, []int{50, 1000}); err != nil {
			return err
		}
	}
	if len(pick("kustomize", n)) == 0 {
		return nil
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

func ratio(a, b time.Duration) float64 { return float64(a) / float64(b) }

// growth says how time and peak memory grew from the smallest input to
// the largest, against how the input grew.
func growth(what string, n []int, rs []result) {
	if len(rs) < 2 {
		return
	}
	first, last := rs[0], rs[len(rs)-1]
	fmt.Printf("%s growth from %d to %d Deployments (%.0fx the input): time %.1fx (kyaml %.1fx), peak memory %.2fx (kyaml %.1fx)\n",
		what, n[0], n[len(n)-1], float64(n[len(n)-1])/float64(n[0]),
		ratio(last.ours.wall, first.ours.wall), ratio(last.rt.wall, first.rt.wall),
		float64(last.ours.rss)/float64(first.ours.rss), float64(last.rt.rss)/float64(first.rt.rss))
}

// result is one case: ours on every core and on one, and the round trip.
type result struct {
	name            string
	ours, ours1, rt sample
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
