package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/spf13/pflag"
)

func TestFromFlags(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		args    []string
		want    Options
		wantErr string
	}{
		{name: "no arguments is a KRM function", args: nil, want: Options{}},
		{name: "plain mode with stdin", args: []string{"-c", "a.yaml"}, want: Options{Configs: []string{"a.yaml"}}},
		{name: "repeatable config keeps order", args: []string{"-c", "b.yaml", "--config", "a.yaml", "x/"},
			want: Options{Configs: []string{"b.yaml", "a.yaml"}, Inputs: []string{"x/"}}},
		{name: "in place", args: []string{"-c", "a.yaml", "-i", "x.yaml"}, want: Options{Configs: []string{"a.yaml"}, Inputs: []string{"x.yaml"}, InPlace: true}},
		{name: "check and quiet", args: []string{"-c", "a.yaml", "--check", "-q", "-"}, want: Options{Configs: []string{"a.yaml"}, Inputs: []string{"-"}, Check: true, Quiet: true}},
		{name: "output and uninject", args: []string{"-c", "a.yaml", "-o", "out/", "--uninject", "in/"}, want: Options{Configs: []string{"a.yaml"}, Inputs: []string{"in/"}, Output: "out/", Uninject: true}},
		{name: "schema", args: []string{"--schema"}, want: Options{Schema: true}},
		{name: "report", args: []string{"-c", "a.yaml", "--report", "r.json", "x/"}, want: Options{Configs: []string{"a.yaml"}, Inputs: []string{"x/"}, Report: "r.json"}},
		{name: "report needs plain mode", args: []string{"--report", "r.json"}, wantErr: "work in plain mode"},
		{name: "version", args: []string{"--version"}, want: Options{Version: true}},
		{name: "unknown flag", args: []string{"--frobnicate"}, wantErr: "unknown flag: --frobnicate"},
		{name: "inputs without config", args: []string{"x.yaml"}, wantErr: "inputs need a config"},
		{name: "in place without config", args: []string{"-i"}, wantErr: "work in plain mode"},
		{name: "in place and output", args: []string{"-c", "a", "-i", "-o", "o", "x"}, wantErr: "-i and -o cannot be used together"},
		{name: "in place and check", args: []string{"-c", "a", "-i", "--check", "x"}, wantErr: "--check writes nothing"},
		{name: "output and check", args: []string{"-c", "a", "-o", "out", "--check", "x"}, wantErr: "--check writes nothing"},
		{name: "in place without inputs", args: []string{"-c", "a", "-i"}, wantErr: "-i needs input files"},
		{name: "in place on stdin", args: []string{"-c", "a", "-i", "-"}, wantErr: "-i cannot rewrite stdin"},
		{name: "config needs a value", args: []string{"-c"}, wantErr: "flag needs an argument"},
		{name: "diff is a check", args: []string{"-c", "a", "--diff", "x"}, want: Options{Configs: []string{"a"}, Inputs: []string{"x"}, Check: true, Diff: true}},
		{name: "diff writes nothing", args: []string{"-c", "a", "--diff", "-i", "x"}, wantErr: "--diff writes nothing: it cannot be used with -i or -o"},
		{name: "diff needs plain mode", args: []string{"--diff"}, wantErr: "work in plain mode"},
		{name: "kube version", args: []string{"-c", "a", "--kube-version", "v1.30.2", "x"}, want: Options{Configs: []string{"a"}, Inputs: []string{"x"}, KubeVersion: "v1.30.2"}},
		{name: "kube version that is not one", args: []string{"-c", "a", "--kube-version", "banana", "x"}, wantErr: `--kube-version "banana" is not a Kubernetes version: give MAJOR.MINOR or MAJOR.MINOR.PATCH, such as 1.30 or v1.30.2`},
		{name: "admission policy", args: []string{"--admission-policy", "-c", "a.yaml", "--kube-version", "1.35"}, want: Options{Configs: []string{"a.yaml"}, AdmissionPolicy: true, KubeVersion: "1.35"}},
		{name: "admission policy needs configs", args: []string{"--admission-policy"}, wantErr: "--admission-policy needs the configs"},
		{name: "admission policy takes no inputs", args: []string{"--admission-policy", "-c", "a.yaml", "x/"}, wantErr: "takes no inputs"},
		{name: "admission policy prints", args: []string{"--admission-policy", "-c", "a.yaml", "--check"}, wantErr: "cannot be used with -i, -o, --check"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := FromFlags("inject-sidecars", tt.args)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want it to contain %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got, cmpopts.IgnoreFields(Options{}, "Usage"), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestRealMainUsageExitCodes(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"--frobnicate"}, {"x.yaml"}, {"-c", "a", "-i"}} {
		_, stderr, code := Invoke(t, nil, args...)
		if code != exitUsage {
			t.Errorf("%v: exit %d, want %d", args, code, exitUsage)
		}
		// One line saying what is wrong, then where the usage is: the
		// whole usage would bury that line.
		lines := strings.Split(strings.TrimSuffix(stderr, "\n"), "\n")
		if len(lines) != 2 || !strings.HasPrefix(lines[0], "inject-sidecars: ") || lines[1] != "run inject-sidecars --help for usage" {
			t.Errorf("%v: stderr is not one line and the pointer to --help:\n%s", args, stderr)
		}
	}
}

// A bad flag value is a usage error naming the flag (exit 2), not a
// config error blamed on the config file.
func TestKubeVersionFlagUsageError(t *testing.T) {
	t.Parallel()
	_, stderr, code := Invoke(t, nil, "-c", "/nonexistent/inject.yaml", "--kube-version", "banana", "app.yaml")
	if code != exitUsage {
		t.Errorf("exit %d, want %d", code, exitUsage)
	}
	first, _, _ := strings.Cut(stderr, "\n")
	if want := `inject-sidecars: --kube-version "banana" is not a Kubernetes version: give MAJOR.MINOR or MAJOR.MINOR.PATCH, such as 1.30 or v1.30.2`; first != want {
		t.Errorf("first line\n%s\nwant\n%s", first, want)
	}
}

// TestUsageNamesEveryFlag: the hand-written usage lists every flag the
// command defines, with its shorthand, and no flag it does not define.
func TestUsageNamesEveryFlag(t *testing.T) {
	t.Parallel()
	var o Options
	fs := flagSet("inject-sidecars", &o)
	u := strings.ReplaceAll(usage, "PROG", "inject-sidecars")
	n := 0
	fs.VisitAll(func(f *pflag.Flag) {
		n++
		want := "      --" + f.Name + " "
		if f.Shorthand != "" {
			want = "  -" + f.Shorthand + ", --" + f.Name + " "
		}
		if !strings.Contains(u, want) {
			t.Errorf("usage lacks %q:\n%s", want, u)
		}
	})
	if listed := strings.Count(u, "\n  -") + strings.Count(u, "\n      --"); listed != n {
		t.Errorf("usage lists %d flags, the command defines %d:\n%s", listed, n, u)
	}
}

// --help ends with the exit codes, two examples and where the docs are.
func TestHelp(t *testing.T) {
	t.Parallel()
	out, stderr, code := Invoke(t, nil, "--help")
	if code != exitOK {
		t.Fatalf("exit %d:\n%s", code, stderr)
	}
	for _, want := range []string{
		"--diff ",
		"exit codes:\n  0  success (warnings allowed)\n  1  errors (bad input, bad config, conflicts): nothing was written\n  2  usage error: a bad flag or flag value\n  3  --check or --diff found changes\n",
		"examples:\n  inject-sidecars -c sidecars.yaml manifests/ -i ",
		"  inject-sidecars -c sidecars.yaml --diff app.yaml ",
		"docs: https://github.com/inject-sidecars/inject-sidecars#readme",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("--help lacks %q:\n%s", want, out)
		}
	}
}

// With INJECT_SIDECARS_STDERR set, what goes to stderr is also appended
// to that file: Helm 4 hides a post-renderer's stderr.
func TestStderrCopy(t *testing.T) {
	log := filepath.Join(t.TempDir(), "inject.log")
	t.Setenv(StderrCopyEnv, log)
	_, stderr, code := Invoke(t, strings.NewReader("kind: Pod\n"), "-c", "/nonexistent/sidecars.yaml")
	if code != exitError {
		t.Fatalf("exit %d, want %d", code, exitError)
	}
	got, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != stderr || !strings.Contains(string(got), "/nonexistent/sidecars.yaml") {
		t.Errorf("the copy %q differs from stderr %q", got, stderr)
	}
}

// The KRM function (no arguments) touches no file, whatever the
// environment says.
func TestStderrCopyNotInKRMMode(t *testing.T) {
	log := filepath.Join(t.TempDir(), "inject.log")
	t.Setenv(StderrCopyEnv, log)
	_, stderr, code := Invoke(t, strings.NewReader("kind: ResourceList\n"))
	if code != exitError {
		t.Fatalf("exit %d, want %d: %s", code, exitError, stderr)
	}
	if _, err := os.Stat(log); !os.IsNotExist(err) {
		t.Errorf("KRM mode wrote %s (%v)", log, err)
	}
}
