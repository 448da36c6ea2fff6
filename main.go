// Command inject-sidecars injects sidecars into the Pod spec of every
// workload in a set of Kubernetes manifests. With no arguments it is a KRM
// function; with -c it reads and writes plain YAML.
package main

import (
	"os"

	"github.com/inject-sidecars/inject-sidecars/internal/cli"
)

// version is set with -ldflags "-X main.version=…"; a plain go install
// falls back to the module version from the build info.
var version = ""

func main() { os.Exit(cli.Main(version, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) }
