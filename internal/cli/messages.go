package cli

import (
	"fmt"
	"io"

	"sigs.k8s.io/kustomize/kyaml/fn/framework"

	"github.com/inject-sidecars/inject-sidecars/internal/safetext"
)

// Every line the command prints about the user's input goes through here
// or through safetext directly: names, paths and values come from files
// anyone may have written, and must neither forge a line (a name holding
// "\n[error] ...") nor drive the terminal (ESC and OSC sequences), nor
// flood a CI log (a 64 MiB line quoted back).

// printError prints one error line, made safe.
func printError(w io.Writer, format string, args ...any) {
	fmt.Fprintln(w, "inject-sidecars: "+safetext.Message(fmt.Sprintf(format, args...)))
}

// printResult prints a KRM result as one line, with where it came from.
// fn made the result's own fields safe.
func printResult(w io.Writer, r *framework.Result, where string) {
	text := r.String()
	if r.ResourceRef == nil && (r.Field == nil || r.Field.Path == "") {
		// kyaml's form would be "[error]: message", a colon after
		// nothing.
		text = fmt.Sprintf("[%s] %s", r.Severity, r.Message)
	}
	fmt.Fprintln(w, safetext.Message(text+where))
}

// printConfigResults prints the results about a config (its errors, or
// its warnings), each followed by the config's file.
func printConfigResults(w io.Writer, rs framework.Results, path string) {
	for _, r := range rs {
		printResult(w, r, " ("+safetext.Value(path)+")")
	}
}

// fileSuffix says which file and document a result is about.
func fileSuffix(f *framework.File) string {
	if f == nil {
		return ""
	}
	if f.Path == "-" {
		return fmt.Sprintf(" (stdin, document %d)", f.Index)
	}
	return fmt.Sprintf(" (%s, document %d)", safetext.Value(f.Path), f.Index)
}
