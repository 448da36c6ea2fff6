// Command roundtrip reads a ResourceList from stdin and writes it to
// stdout with kyaml and nothing else: the floor a KRM function's speed is
// measured against.
package main

import (
	"fmt"
	"os"

	"sigs.k8s.io/kustomize/kyaml/kio"
)

func main() {
	rw := &kio.ByteReadWriter{Reader: os.Stdin, Writer: os.Stdout, KeepReaderAnnotations: true}
	items, err := rw.Read()
	if err == nil {
		err = rw.Write(items)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
