package transform_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/inject-sidecars/inject-sidecars/transform"
)

// Template values come from the workload's labels and annotations, which
// its owners write: a rendered hostPath, mountPath or subPath with a ".."
// segment is refused for that workload.
func TestRenderedPathsDoNotClimb(t *testing.T) {
	t.Parallel()
	const spec = `  containers:
  - name: shipper
    image: fluent/fluent-bit:3.1.4
    volumeMounts:
    - {name: logs, mountPath: "/logs/{{ index .Annotations \"dir\" }}", subPath: "{{ index .Annotations \"sub\" }}"}
  volumes:
  - {name: logs, hostPath: {path: "/var/log/{{ index .Annotations \"dir\" }}"}}
`
	inj := injection(t, "logging", spec)
	withAnnos := func(dir, sub string) string {
		return strings.Replace(deploy, "  namespace: dev\n", "  namespace: dev\n  annotations:\n    dir: '"+dir+"'\n    sub: '"+sub+"'\n", 1)
	}
	tests := []struct {
		name, dir, sub string
		bad            []string
	}{
		{"plain names", "web", "app", nil},
		{"dots in a name are fine", "web..1", "a..b", nil},
		{"hostPath and mountPath climb", "../../etc", "app", []string{"spec.volumes[0].hostPath.path", "spec.containers[0].volumeMounts[0].mountPath"}},
		{"subPath climbs", "web", "../secrets", []string{"spec.containers[0].volumeMounts[0].subPath"}},
		{"a lone ..", "..", "..", []string{"hostPath.path", "mountPath", "subPath"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			out, rs := runRaw(t, inj, withAnnos(tt.dir, tt.sub))
			if len(tt.bad) == 0 {
				oneOutcome(t, rs, transform.Injected)
				return
			}
			// One result a path, each naming its own.
			if got := outcomes(rs); len(got) != len(tt.bad) || slices.ContainsFunc(got, func(o transform.Outcome) bool { return o != transform.Failed }) {
				t.Errorf("outcomes = %v, want %d times %s; results %v", got, len(tt.bad), transform.Failed, rs)
			}
			for _, b := range tt.bad {
				if !slices.ContainsFunc(rs, func(r transform.Result) bool { return strings.Contains(r.Message, b+": renders as") }) {
					t.Errorf("no result names %s: %v", b, rs)
				}
			}
			if strings.Contains(out, "shipper") {
				t.Errorf("injected anyway:\n%s", out)
			}
		})
	}
}
