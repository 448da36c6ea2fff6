package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/inject-sidecars/inject-sidecars/internal/testkit"
)

// TestMakeFuzzRunsEveryTarget fails when a fuzz target exists that make
// fuzz does not run: a target nobody runs finds nothing.
func TestMakeFuzzRunsEveryTarget(t *testing.T) {
	makefile := string(testkit.ReadFile(t, "Makefile"))
	target := regexp.MustCompile(`(?m)^func (Fuzz\w+)\(`)
	found := 0
	err := filepath.WalkDir(".", func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, "_test.go") {
			return err
		}
		for _, m := range target.FindAllStringSubmatch(string(testkit.ReadFile(t, path)), -1) {
			found++
			run := "./" + filepath.Dir(path) + " -run '^$$' -fuzz '^" + m[1] + "$$'"
			if !strings.Contains(makefile, run) {
				t.Errorf("%s: %s is not run by make fuzz (want a line with %s)", path, m[1], run)
			}
		}
		return nil
	})
	if err != nil || found == 0 {
		t.Fatalf("no fuzz targets found: %v", err)
	}
}
