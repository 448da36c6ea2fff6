// Command roundtrip reads a ResourceList from stdin and writes it to
// stdout and does nothing else: the floor a KRM function's speed is
// measured against. By default it uses kyaml's kio.ByteReadWriter, as
// functions built on kyaml do; with -ours it uses inject-sidecars' own
// reader and writer, so that the difference to the function is the cost
// of injecting alone.
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
	flag.Parse()
	var err error
	if *ours {
		var rl *fn.ResourceList
		if rl, err = fn.ReadResourceList(os.Stdin); err == nil {
			err = fn.WriteResourceList(os.Stdout, rl)
		}
	} else {
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
