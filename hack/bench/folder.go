package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"
)

// folderRows times plain mode on a folder of one Deployment per file,
// in place (-i) and into a new folder (-o DIR/), against kyaml's
// package round trip (kio.LocalPackageReadWriter reading the folder and
// writing it back in place). Each run of either starts from a fresh copy
// of the folder, made outside the timing (-i on an injected folder has
// nothing to do), and from a file system with nothing waiting to be
// written (sync(2) after the copy): otherwise whichever run comes next
// pays for writing out the last copy, and -i, which syncs its files,
// pays for it in full.
func folderRows(tmp, fn, rt, cfg string, gen func(string, ...string) error, files, runs int,
	three func(string, func([]string) (sample, error), func() (sample, error)) (result, error), row func(result)) error {
	src := filepath.Join(tmp, fmt.Sprintf("files%d", files))
	if err := gen(filepath.Join(tmp, "unused.yaml"), "-n", fmt.Sprint(files), "-files", src); err != nil {
		return err
	}
	work, theirs, out := filepath.Join(tmp, "work"), filepath.Join(tmp, "theirs"), filepath.Join(tmp, "out")
	kyaml := func() (sample, error) {
		if err := fresh(src, theirs); err != nil {
			return sample{}, err
		}
		syscall.Sync()
		return measure("", rt, "-dir", theirs)
	}
	inPlace := func(env []string) (sample, error) {
		if err := fresh(src, work); err != nil {
			return sample{}, err
		}
		syscall.Sync()
		return measureEnv(env, "", fn, "-q", "-c", cfg, "-i", work)
	}
	toDir := func(env []string) (sample, error) {
		os.RemoveAll(out)
		syscall.Sync()
		return measureEnv(env, "", fn, "-q", "-c", cfg, "-o", out+"/", src)
	}
	for _, c := range []struct {
		name string
		ours func([]string) (sample, error)
	}{{fmt.Sprintf("%d files, -i", files), inPlace}, {fmt.Sprintf("%d files, -o DIR/", files), toDir}} {
		r, err := three(c.name, c.ours, kyaml)
		if err != nil {
			return err
		}
		row(r)
	}
	return nil
}

// fresh makes dst a copy of the flat folder src.
func fresh(src, dst string) error {
	if err := os.RemoveAll(dst); err != nil {
		return err
	}
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return err
	}
	names, err := os.ReadDir(src)
	if err != nil {
		return err
	}
	for _, de := range names {
		if err := copyFile(filepath.Join(src, de.Name()), filepath.Join(dst, de.Name())); err != nil {
			return err
		}
	}
	return nil
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// configRows times plain mode on the same workloads with 1, 50 and 1,000
// configs (config i injects its own sidecar into workload i mod the
// count), each against the time of one config, run pair by pair.
func configRows(tmp, fn string, gen func(string, ...string) error, workloads, runs int, counts []int) error {
	fmt.Printf("\nplain mode, %d Deployments, k configs against one config (median of %d runs each, run pair by pair)\n", workloads, runs)
	fmt.Printf("%-28s %9s\n", "configs", "time")
	in := filepath.Join(tmp, "configs-input.yaml")
	cfgOf := func(k int) string { return filepath.Join(tmp, fmt.Sprintf("configs-%d.yaml", k)) }
	for _, k := range append([]int{1}, counts...) {
		if err := gen(in, "-n", fmt.Sprint(workloads), "-plain", "-configs", fmt.Sprint(k), "-config", cfgOf(k)); err != nil {
			return err
		}
	}
	for _, k := range counts {
		a, b, err := pair(runs,
			func() (sample, error) { return measure("", fn, "-q", "-c", cfgOf(k), in) },
			func() (sample, error) { return measure("", fn, "-q", "-c", cfgOf(1), in) })
		if err != nil {
			return err
		}
		fmt.Printf("%-28s %8.2fx\n", fmt.Sprintf("%d configs", k), ratio(a.wall, b.wall))
	}
	return nil
}
