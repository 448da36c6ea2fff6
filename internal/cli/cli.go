// Package cli is the command line: flags, the choice of mode, plain
// mode's plan of outputs and summary table, and exit codes. The KRM
// function (fn), the injection (transform) and the files (yamlfile)
// return results and errors; only this package turns them into exit
// codes.
package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"

	"github.com/spf13/pflag"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"

	"github.com/inject-sidecars/inject-sidecars/api/v1alpha1"
	"github.com/inject-sidecars/inject-sidecars/fn"
)

// largeInput is where tuneGC stops trading memory for time.
const largeInput = 64 << 20

// tuneGC runs once the input is read. A run builds one node tree and
// exits, so up to largeInput, collecting half as often (GC percent 200)
// buys about a tenth of the time for memory that stays below kyaml's own
// round trip. Past it the heap runs to gigabytes and page faults cost more
// than collections save, so the default stays. GOGC in the environment
// always wins. See docs/performance.md.
func tuneGC(size int64) {
	if os.Getenv("GOGC") == "" && size < largeInput {
		debug.SetGCPercent(200)
	}
}

// StderrCopyEnv names a file that gets a copy of everything the command
// writes to stderr, appended.
const StderrCopyEnv = "INJECT_SIDECARS_STDERR"

// Exit codes, as SPEC §4 fixes them.
const (
	exitOK      = 0
	exitError   = 1
	exitUsage   = 2
	exitChanged = 3
)

// Options are the parsed command line.
type Options struct {
	Configs  []string
	Inputs   []string
	Output   string
	InPlace  bool
	Check    bool
	Uninject bool
	Schema   bool
	Quiet    bool
	Report   string
	// KubeVersion overrides every config's spec.kubernetesVersion.
	KubeVersion string
	// AdmissionPolicy prints the configs' admission policies instead
	// of injecting.
	AdmissionPolicy bool
	Version         bool
	// Usage is the flag help, for usage errors.
	Usage string
}

// Plain reports whether the options ask for plain mode rather than a KRM
// function run.
func (o Options) Plain() bool { return len(o.Configs) > 0 }

// FromFlags parses the command line. It does no I/O, so a table test
// drives it.
func FromFlags(prog string, args []string) (Options, error) {
	var o Options
	fs := pflag.NewFlagSet(prog, pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringArrayVarP(&o.Configs, "config", "c", nil, "injection config (repeatable; applied in order; SidecarInjection or ConfigMap)")
	fs.StringVarP(&o.Output, "output", "o", "", "write here instead of stdout (a file, or a folder mirroring the inputs)")
	fs.BoolVarP(&o.InPlace, "in-place", "i", false, "rewrite the input files atomically; untouched files are not rewritten")
	fs.BoolVar(&o.Check, "check", false, "change nothing; exit 3 and list what would change")
	fs.BoolVar(&o.AdmissionPolicy, "admission-policy", false, "print the admission policies that make the API server inject the same sidecars; no inputs")
	fs.BoolVar(&o.Uninject, "uninject", false, "remove what the named injections added")
	fs.StringVar(&o.KubeVersion, "kube-version", "", "the Kubernetes version the manifests are for (overrides spec.kubernetesVersion)")
	fs.StringVar(&o.Report, "report", "", "write the JSON resource report (what the sidecars cost) to FILE")
	fs.BoolVar(&o.Schema, "schema", false, "print the JSON Schema of SidecarInjection")
	fs.BoolVarP(&o.Quiet, "quiet", "q", false, "no summary on stderr")
	fs.BoolVar(&o.Version, "version", false, "print the version")
	o.Usage = fmt.Sprintf("usage:\n  %s                         KRM function: ResourceList on stdin, ResourceList on stdout\n  %s -c FILE [PATH|-]...     plain mode: YAML files, folders or stdin in, YAML stream out\n%s", prog, prog, fs.FlagUsages())
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	o.Inputs = fs.Args()
	switch {
	case o.Schema || o.Version:
		return o, nil
	case !o.Plain() && len(o.Inputs) > 0:
		return o, errors.New("inputs need a config: give -c FILE (with no arguments at all, inject-sidecars is a KRM function reading a ResourceList)")
	case !o.Plain() && (o.InPlace || o.Check || o.Output != "" || o.Uninject || o.Report != "" || o.KubeVersion != ""):
		return o, errors.New("-i, -o, --check, --uninject, --report and --kube-version work in plain mode: give -c FILE (in KRM mode, set spec.kubernetesVersion)")
	case o.AdmissionPolicy && !o.Plain():
		return o, errors.New("--admission-policy needs the configs: give -c FILE")
	case o.AdmissionPolicy && len(o.Inputs) > 0:
		return o, errors.New("--admission-policy reads only the configs (-c); it takes no inputs")
	case o.AdmissionPolicy && (o.InPlace || o.Output != "" || o.Check || o.Uninject || o.Report != ""):
		return o, errors.New("--admission-policy prints the policies to stdout: it cannot be used with -i, -o, --check, --uninject or --report")
	case o.InPlace && o.Output != "":
		return o, errors.New("-i and -o cannot be used together")
	case o.Check && (o.InPlace || o.Output != ""):
		return o, errors.New("--check writes nothing: it cannot be used with -i or -o")
	case o.InPlace && len(o.Inputs) == 0:
		return o, errors.New("-i needs input files or folders")
	}
	for _, in := range o.Inputs {
		if in == "-" && o.InPlace {
			return o, errors.New("-i cannot rewrite stdin")
		}
	}
	return o, nil
}

// Main runs the command and returns its exit code. version is what
// --version prints when the build set one.
func Main(version string, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if path := os.Getenv(StderrCopyEnv); path != "" && len(args) > 0 {
		// Helm 4 swallows a post-renderer's stderr ("plugin exited with
		// error"); this is how its users get to read why. With no
		// arguments at all this is the KRM function, which touches no
		// file (SPEC §5), so the copy is for the command line only.
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
		if err != nil {
			fmt.Fprintf(stderr, "inject-sidecars: %s: %v\n", StderrCopyEnv, err)
			return exitUsage
		}
		defer f.Close()
		stderr = io.MultiWriter(stderr, f)
	}
	o, err := FromFlags("inject-sidecars", args)
	if err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			fmt.Fprint(stdout, o.Usage)
			return exitOK
		}
		fmt.Fprintf(stderr, "inject-sidecars: %v\n%s", err, o.Usage)
		return exitUsage
	}
	switch {
	case o.Version:
		fmt.Fprintln(stdout, "inject-sidecars", buildVersion(version))
		return exitOK
	case o.Schema:
		b, err := v1alpha1.Schema()
		if err != nil {
			fmt.Fprintf(stderr, "inject-sidecars: %v\n", err)
			return exitError
		}
		fmt.Fprintf(stdout, "%s\n", b)
		return exitOK
	case o.AdmissionPolicy:
		return RunAdmission(PlainOptions{Configs: o.Configs, KubeVersion: o.KubeVersion, Stderr: stderr, Stdout: stdout})
	case o.Plain():
		if len(o.Inputs) == 0 && isTerminal(stdin) {
			fmt.Fprintf(stderr, "inject-sidecars: no input: give files or folders, or pipe YAML to stdin\n%s", o.Usage)
			return exitUsage
		}
		return RunPlain(PlainOptions{
			Configs: o.Configs, Inputs: o.Inputs, Output: o.Output,
			InPlace: o.InPlace, Check: o.Check, Uninject: o.Uninject, Quiet: o.Quiet, Report: o.Report, KubeVersion: o.KubeVersion,
			Stdin: stdin, Stdout: stdout, Stderr: stderr, OnInput: tuneGC,
		})
	}
	return runKRM(stdin, stdout, stderr)
}

// runKRM runs the KRM function. kustomize shows only a function's stderr,
// so error results go there too, one line each.
func runKRM(stdin io.Reader, stdout, stderr io.Writer) int {
	results, err := fn.Run(stdin, stdout, tuneGC)
	if err != nil {
		fmt.Fprintf(stderr, "inject-sidecars: %v\n", err)
		return exitError
	}
	code := exitOK
	for _, r := range results {
		if r.Severity == framework.Error {
			fmt.Fprintln(stderr, r.String())
			code = exitError
		}
	}
	return code
}

func buildVersion(version string) string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}

func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
