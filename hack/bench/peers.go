package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

var execCommand = exec.Command

// The peers do the same work as inject-sidecars' plain mode on the same
// stream of Deployments: the log collector as a native sidecar, its
// emptyDir volume, and the mount into the app container ("server").
// benchgen writes all three configs from one text of the sidecar.

// runPeers times each peer against inject-sidecars on the same input,
// pair by pair, and prints the peer's time and peak memory as ratios of
// ours.
func runPeers(bin string, runs int, sizes string) error {
	bin, _ = filepath.Abs(bin)
	for _, tool := range []string{"inject-sidecars", "benchgen", "istioctl", "kubectl-kyverno"} {
		if _, err := os.Stat(filepath.Join(bin, tool)); err != nil {
			return fmt.Errorf("%s is missing from %s (make bench-peers builds the peers)", tool, bin)
		}
	}
	tmp, err := os.MkdirTemp("", "inject-sidecars-peers")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	files := map[string]string{"mesh.yaml": "{}\n", "values.json": `{"global": {}, "sidecarInjectorWebhook": {}}` + "\n"}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(tmp, name), []byte(body), 0o644); err != nil {
			return err
		}
	}
	n, err := ints(sizes)
	if err != nil {
		return err
	}
	ours := filepath.Join(bin, "inject-sidecars")
	cfg := filepath.Join(tmp, "config.yaml")
	fmt.Printf("peers vs inject-sidecars plain mode, same Deployments and sidecar (median of %d runs each, pair by pair; ratios are the peer's over ours)\n", runs)
	fmt.Printf("%-20s %-34s %9s %9s %10s %10s\n", "input", "peer", "time", "memory", "ours", "peer")
	for _, v := range n {
		in := filepath.Join(tmp, "in.yaml")
		if err := genTo(bin, in, "-n", fmt.Sprint(v), "-plain", "-config", cfg,
			"-istio", filepath.Join(tmp, "inject.yaml"), "-kyverno", filepath.Join(tmp, "policy.yaml")); err != nil {
			return err
		}
		out := filepath.Join(tmp, "out")
		peers := []struct {
			name string
			run  func() (sample, error)
		}{
			{"istioctl kube-inject", func() (sample, error) {
				return measure("", filepath.Join(bin, "istioctl"), "kube-inject", "-f", in, "--injectConfigFile", filepath.Join(tmp, "inject.yaml"),
					"--meshConfigFile", filepath.Join(tmp, "mesh.yaml"), "--valuesFile", filepath.Join(tmp, "values.json"), "--revision", "default")
			}},
			{"kubectl-kyverno apply", func() (sample, error) {
				os.RemoveAll(out)
				return measure("", filepath.Join(bin, "kubectl-kyverno"), "apply", filepath.Join(tmp, "policy.yaml"), "--resource", in, "-o", out)
			}},
		}
		for _, p := range peers {
			a, b, err := pair(runs, func() (sample, error) { return measure("", ours, "-q", "-c", cfg, in) }, p.run)
			if err != nil {
				return err
			}
			fmt.Printf("%-20s %-34s %8.2fx %8.2fx %9dM %9dM\n", fmt.Sprintf("%d Deployments", v), p.name,
				ratio(b.wall, a.wall), float64(b.rss)/float64(a.rss), a.rss/1024, b.rss/1024)
		}
	}
	return nil
}

// genTo runs benchgen with its output into a file.
func genTo(bin, out string, args ...string) error {
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	defer f.Close()
	cmd := execCommand(filepath.Join(bin, "benchgen"), args...)
	cmd.Stdout, cmd.Stderr = f, os.Stderr
	return cmd.Run()
}
