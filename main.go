// Command inject-sidecars injects sidecars into the Pod spec of every
// workload in a set of Kubernetes manifests. With no arguments it is a KRM
// function; with -c it reads and writes plain YAML.
package main

import (
	_ "embed"
	"os"
	"regexp"

	"github.com/inject-sidecars/inject-sidecars/internal/cli"
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

func main() { os.Exit(cli.Main(version, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) }
