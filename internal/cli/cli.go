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
	"strings"

	"github.com/spf13/pflag"
	"golang.org/x/term"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"

	"github.com/inject-sidecars/inject-sidecars/api/v1alpha1"
	"github.com/inject-sidecars/inject-sidecars/fn"
	"github.com/inject-sidecars/inject-sidecars/internal/krmresults"
	"github.com/inject-sidecars/inject-sidecars/internal/safetext"
)

// StderrCopyEnv names a file that gets a copy of everything the command
// writes to stderr, appended.
const StderrCopyEnv = "INJECT_SIDECARS_STDERR"

// Exit codes: 0 success (warnings allowed); 1 error results (bad input,
// bad config, conflicts), nothing written; 2 a usage error (a bad flag or
// flag value, named in the message); 3 --check or --diff found changes.
const (
	exitOK      = 0
	exitError   = 1
	exitUsage   = 2
	exitChanged = 3
)

// Options are the parsed command line.
type Options struct {
	Configs []string
	Inputs  []string
	Output  string
	InPlace bool
	Check   bool
	// Diff is --check that also prints a unified diff of each file that
	// would change.
	Diff     bool
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
	fs := flagSet(prog, &o)
	o.Usage = strings.ReplaceAll(usage, "PROG", prog)
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	return o, o.check(fs.Args())
}

// flagSet defines the flags, into o.
func flagSet(prog string, o *Options) *pflag.FlagSet {
	fs := pflag.NewFlagSet(prog, pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringArrayVarP(&o.Configs, "config", "c", nil, "injection config (repeatable; applied in order; SidecarInjection or ConfigMap)")
	fs.StringVarP(&o.Output, "output", "o", "", "write here instead of stdout (a file, or a folder mirroring the inputs)")
	fs.BoolVarP(&o.InPlace, "in-place", "i", false, "rewrite the input files atomically; untouched files are not rewritten")
	fs.BoolVar(&o.Check, "check", false, "change nothing; exit 3 and list what would change")
	fs.BoolVar(&o.Diff, "diff", false, "like --check, and print a unified diff of what would change to stdout")
	fs.BoolVar(&o.AdmissionPolicy, "admission-policy", false, "print the admission policies that make the API server inject the same sidecars; no inputs")
	fs.BoolVar(&o.Uninject, "uninject", false, "remove what the named injections added")
	fs.StringVar(&o.KubeVersion, "kube-version", "", "the Kubernetes version the manifests are for (overrides spec.kubernetesVersion)")
	fs.StringVar(&o.Report, "report", "", "write the JSON resource report (what the sidecars cost) to FILE")
	fs.BoolVar(&o.Schema, "schema", false, "print the JSON Schema of SidecarInjection")
	fs.BoolVarP(&o.Quiet, "quiet", "q", false, "no summary on stderr")
	fs.BoolVar(&o.Version, "version", false, "print the version")
	return fs
}

// check completes the options with the inputs and checks that they go
// together.
func (o *Options) check(inputs []string) error {
	o.Inputs = inputs
	o.Check = o.Check || o.Diff
	if o.KubeVersion != "" {
		if _, err := v1alpha1.ParseKubeVersion(o.KubeVersion); err != nil {
			return fmt.Errorf("--kube-version %q is not a Kubernetes version: give %s", o.KubeVersion, v1alpha1.KubeVersionForm)
		}
	}
	switch {
	case o.Schema || o.Version:
		return nil
	case !o.Plain() && len(o.Inputs) > 0:
		return errors.New("inputs need a config: give -c FILE (with no arguments at all, inject-sidecars is a KRM function reading a ResourceList)")
	case !o.Plain() && (o.InPlace || o.Check || o.Output != "" || o.Uninject || o.Report != "" || o.KubeVersion != ""):
		return errors.New("-i, -o, --check, --diff, --uninject, --report and --kube-version work in plain mode: give -c FILE (in KRM mode, set spec.kubernetesVersion)")
	case o.AdmissionPolicy && !o.Plain():
		return errors.New("--admission-policy needs the configs: give -c FILE")
	case o.AdmissionPolicy && len(o.Inputs) > 0:
		return errors.New("--admission-policy reads only the configs (-c); it takes no inputs")
	case o.AdmissionPolicy && (o.InPlace || o.Output != "" || o.Check || o.Uninject || o.Report != ""):
		return errors.New("--admission-policy prints the policies to stdout: it cannot be used with -i, -o, --check, --diff, --uninject or --report")
	case o.Report == "-":
		// Not a file named "-": stdout is taken.
		return errors.New("--report -: stdout carries the manifests; give a file path")
	case o.InPlace && o.Output != "":
		return errors.New("-i and -o cannot be used together")
	case o.Diff && (o.InPlace || o.Output != ""):
		return errors.New("--diff writes nothing: it cannot be used with -i or -o")
	case o.Check && (o.InPlace || o.Output != ""):
		return errors.New("--check writes nothing: it cannot be used with -i or -o")
	case o.InPlace && len(o.Inputs) == 0:
		return errors.New("-i needs input files or folders")
	}
	for _, in := range o.Inputs {
		if in == "-" && o.InPlace {
			return errors.New("-i cannot rewrite stdin")
		}
	}
	return nil
}

// Main runs the command and returns its exit code. version is what
// --version prints when the build set one.
func Main(version string, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if path := os.Getenv(StderrCopyEnv); path != "" && len(args) > 0 {
		// Helm 4 swallows a post-renderer's stderr ("plugin exited with
		// error"); this is how its users get to read why. With no
		// arguments at all this is the KRM function, which touches no
		// file beyond stdin and stdout, so the copy is for the command
		// line only.
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
		if err != nil {
			printError(stderr, "%s: %v", StderrCopyEnv, err)
			return exitUsage
		}
		defer f.Close()
		stderr = io.MultiWriter(stderr, f)
	}
	// Whatever is printed, each line reaches the terminal and the copy
	// with its control characters escaped and its length bounded.
	stderr = safetext.NewWriter(stderr)
	o, err := FromFlags("inject-sidecars", args)
	if err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			fmt.Fprint(stdout, o.Usage+helpMore)
			return exitOK
		}
		printError(stderr, "%v", err)
		fmt.Fprint(stderr, usageHint)
		return exitUsage
	}
	switch {
	case o.Version:
		fmt.Fprintln(stdout, "inject-sidecars", buildVersion(version))
		return exitOK
	case o.Schema:
		b, err := v1alpha1.Schema()
		if err != nil {
			printError(stderr, "%v", err)
			return exitError
		}
		fmt.Fprintf(stdout, "%s\n", b)
		return exitOK
	case o.AdmissionPolicy:
		return RunAdmission(PlainOptions{Configs: o.Configs, KubeVersion: o.KubeVersion, Stderr: stderr, Stdout: stdout})
	case o.Plain():
		if len(o.Inputs) == 0 && isTerminal(stdin) {
			fmt.Fprintf(stderr, "inject-sidecars: no input: give files or folders, or pipe YAML to stdin\n%s", usageHint)
			return exitUsage
		}
		return RunPlain(PlainOptions{
			Configs: o.Configs, Inputs: o.Inputs, Output: o.Output,
			InPlace: o.InPlace, Check: o.Check, Diff: o.Diff, Uninject: o.Uninject, Quiet: o.Quiet, Report: o.Report, KubeVersion: o.KubeVersion,
			Stdin: stdin, Stdout: stdout, Stderr: stderr, OnInput: tuneGC, Usage: usageHint,
		})
	}
	if isTerminal(stdin) {
		// Nobody types a ResourceList: this is someone trying the tool.
		printError(stderr, "stdin is a terminal: with no arguments inject-sidecars is a KRM function reading a ResourceList on stdin; to inject into files, run inject-sidecars -c CONFIG FILE... (see inject-sidecars --help)")
		return exitUsage
	}
	return runKRM(stdin, stdout, stderr)
}

// usageHint follows the one line of a usage error: the whole usage
// (fifteen lines) would bury that line; --help prints it.
const usageHint = "run inject-sidecars --help for usage\n"

// usage is the flag help, written out rather than pflag's (which shows
// every switch as --check[=true|false] and a list as stringArray);
// TestUsageNamesEveryFlag keeps it in step with the flags.
const usage = `usage:
  PROG                         KRM function: ResourceList on stdin, ResourceList on stdout
  PROG -c FILE [PATH|-]...     plain mode: YAML/JSON files, folders or stdin in, a stream out
  -c, --config FILE      injection config (repeatable; applied in order; SidecarInjection or ConfigMap)
  -o, --output PATH      write here instead of stdout (a file, or a folder mirroring the inputs)
  -i, --in-place         rewrite the input files atomically; untouched files are not rewritten
      --check            change nothing; exit 3 and list what would change (CI drift gate)
      --diff             like --check, and print a unified diff of what would change to stdout
      --admission-policy print the admission policies for the configs; no inputs
      --uninject         remove what the named injections added
      --kube-version V   the Kubernetes version the manifests are for (overrides spec.kubernetesVersion)
      --report FILE      write the JSON resource report (what the sidecars cost) to FILE
      --schema           print the JSON Schema of SidecarInjection
  -q, --quiet            no summary on stderr
      --version          print the version
`

// helpMore ends --help: what the exit codes mean, two examples, and
// where the docs are.
const helpMore = `
exit codes:
  0  success (warnings allowed)
  1  errors (bad input, bad config, conflicts): nothing was written
  2  usage error: a bad flag or flag value
  3  --check or --diff found changes

examples:
  inject-sidecars -c sidecars.yaml manifests/ -i      inject into the files in place
  inject-sidecars -c sidecars.yaml --diff app.yaml    show what would change, change nothing

docs: https://github.com/inject-sidecars/inject-sidecars#readme (the README and docs/)
`

// runKRM runs the KRM function. kustomize shows only a function's
// stderr, so error results go there too, one line each; kpt prints the
// results and the stderr both, so under kpt they go only into the
// ResourceList, and each error shows once.
func runKRM(stdin io.Reader, stdout, stderr io.Writer) (code int) {
	defer func() {
		// A bug's panic past the function's own recover, while the list
		// is written: one line, never a stack trace.
		if r := recover(); r != nil {
			printError(stderr, "%s", krmresults.Bug(r))
			code = exitError
		}
	}()
	rl, err := fn.RunList(stdin, stdout, tuneGC)
	if err != nil {
		printError(stderr, "%v", err)
		return exitError
	}
	code = exitOK
	for _, r := range rl.Results {
		if r.Severity == framework.Error {
			if !rl.FromKpt() {
				printResult(stderr, r, "")
			}
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

// isTerminal reports whether r is a terminal, where someone is typing.
// A character device is not enough: /dev/null is one too, and as stdin
// it is an empty input, said as such.
func isTerminal(r io.Reader) bool {
	f, ok := r.(interface{ Fd() uintptr })
	return ok && term.IsTerminal(int(f.Fd()))
}
