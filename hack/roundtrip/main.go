// Command roundtrip reads a ResourceList from stdin and writes it to
// stdout and does nothing else: the floor a KRM function's speed is
// measured against. By default it uses kyaml's kio.ByteReadWriter, as
// functions built on kyaml do; with -ours it uses inject-sidecars' own
// reader and writer, so that the difference to the function is the cost
// of injecting alone. With -dir it reads and writes a folder of YAML
// files, as kyaml-based tools do with a package: the floor for plain mode
// on a folder.
package main

import (
	"flag"
	"fmt"
	"os"

	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/inject-sidecars/inject-sidecars/fn"
)

func main() {
	ours := flag.Bool("ours", false, "use inject-sidecars' reader and writer instead of kyaml's")
	dir := flag.String("dir", "", "round-trip the YAML files of this folder (kio.LocalPackageReadWriter) instead of stdin")
	flag.Parse()
	var err error
	switch {
	case *dir != "":
		rw := &kio.LocalPackageReadWriter{PackagePath: *dir}
		var items []*yaml.RNode
		if items, err = rw.Read(); err == nil {
			err = rw.Write(items)
		}
	case *ours:
		var rl *fn.ResourceList
		if rl, err = fn.ReadResourceList(os.Stdin); err == nil {
			err = fn.WriteResourceList(os.Stdout, rl)
		}
	default:
		rw := &kio.ByteReadWriter{Reader: os.Stdin, Writer: os.Stdout, KeepReaderAnnotations: true}
		var items []*yaml.RNode
		if items, err = rw.Read(); err == nil {
			err = rw.Write(items)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
