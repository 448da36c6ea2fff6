// Command inject-sidecars injects sidecars into the Pod spec of every
// workload in a set of Kubernetes manifests. With no arguments it is a KRM
// function; with -c it reads and writes plain YAML.
package main

import (
	_ "embed"
	"fmt"
	"os"
	"os/signal"
	"regexp"
	"syscall"

	"github.com/inject-sidecars/inject-sidecars/internal/cli"
	"github.com/inject-sidecars/inject-sidecars/internal/yamlfile"
)

// pluginYAML is the Helm plugin's manifest, whose version is the one
// version: --version prints it, and make tags the image with it, so a
// go install, a make build and the plugin Helm lists all agree.
//
//go:embed plugin.yaml
var pluginYAML []byte

// version is plugin.yaml's version; empty (then the module version from
// the build info stands) only if plugin.yaml lost its version line.
var version = pluginVersion(pluginYAML)

var versionLine = regexp.MustCompile(`(?m)^version:\s*"?([^"\s]+)"?\s*$`)

func pluginVersion(b []byte) string {
	if m := versionLine.FindSubmatch(b); m != nil {
		return string(m[1])
	}
	return ""
}

func main() {
	stopOnSignal()
	os.Exit(cli.Main(version, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// stopOnSignal is the one place signals are handled: on SIGINT or
// SIGTERM, every temporary file of the run (stdin's spool, stdout's,
// staged outputs) is removed and the process exits with 128 plus the
// signal's number, as a shell reports it. Files already renamed into
// place stay: the renames wait for each other, so a signal never lands
// between two of them.
func stopOnSignal() {
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		sig := (<-signals).(syscall.Signal)
		yamlfile.RemoveTemps()
		fmt.Fprintf(os.Stderr, "inject-sidecars: stopped by %s; temporary files removed\n", signalName(sig))
		os.Exit(128 + int(sig))
	}()
}

func signalName(s syscall.Signal) string {
	if s == syscall.SIGINT {
		return "SIGINT"
	}
	return "SIGTERM"
}
