package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestFromFlags(t *testing.T) {
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
		{name: "admission policy", args: []string{"--admission-policy", "-c", "a.yaml", "--kube-version", "1.35"}, want: Options{Configs: []string{"a.yaml"}, AdmissionPolicy: true, KubeVersion: "1.35"}},
		{name: "admission policy needs configs", args: []string{"--admission-policy"}, wantErr: "--admission-policy needs the configs"},
		{name: "admission policy takes no inputs", args: []string{"--admission-policy", "-c", "a.yaml", "x/"}, wantErr: "takes no inputs"},
		{name: "admission policy prints", args: []string{"--admission-policy", "-c", "a.yaml", "--check"}, wantErr: "cannot be used with -i, -o, --check"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
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
	for _, args := range [][]string{{"--frobnicate"}, {"x.yaml"}, {"-c", "a", "-i"}} {
		var out, errb strings.Builder
		if code := Main("", args, strings.NewReader(""), &out, &errb); code != exitUsage {
			t.Errorf("%v: exit %d, want %d", args, code, exitUsage)
		}
		if !strings.Contains(errb.String(), "usage:") {
			t.Errorf("%v: stderr has no usage:\n%s", args, errb.String())
		}
	}
}

// With INJECT_SIDECARS_STDERR set, what goes to stderr is also appended
// to that file: Helm 4 hides a post-renderer's stderr.
func TestStderrCopy(t *testing.T) {
	log := filepath.Join(t.TempDir(), "inject.log")
	t.Setenv(StderrCopyEnv, log)
	var out, errb bytes.Buffer
	code := Main("", []string{"-c", "/nonexistent/sidecars.yaml"}, strings.NewReader("kind: Pod\n"), &out, &errb)
	if code != exitError {
		t.Fatalf("exit %d, want %d", code, exitError)
	}
	got, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != errb.String() || !strings.Contains(string(got), "/nonexistent/sidecars.yaml") {
		t.Errorf("the copy %q differs from stderr %q", got, errb.String())
	}
}

// The KRM function (no arguments) touches no file, whatever the
// environment says.
func TestStderrCopyNotInKRMMode(t *testing.T) {
	log := filepath.Join(t.TempDir(), "inject.log")
	t.Setenv(StderrCopyEnv, log)
	var out, errb bytes.Buffer
	if code := Main("", nil, strings.NewReader("kind: ResourceList\n"), &out, &errb); code != exitError {
		t.Fatalf("exit %d, want %d: %s", code, exitError, errb.String())
	}
	if _, err := os.Stat(log); !os.IsNotExist(err) {
		t.Errorf("KRM mode wrote %s (%v)", log, err)
	}
}
