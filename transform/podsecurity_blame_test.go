package transform_test

import (
	"strings"
	"testing"

	"github.com/inject-sidecars/inject-sidecars/transform"
)

// TestPodSecurityBlame: the sidecar named in a Pod Security failure is
// the one whose container fails the check, never one that only shares
// its name with an added volume that does.
func TestPodSecurityBlame(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, spec, want string
	}{{
		name: "privileged sidecar",
		spec: "  podSecurity: baseline\n  containers:\n  - name: ok\n    image: a:1\n  - name: bad\n    image: b:1\n    securityContext: {privileged: true}\n",
		want: `sidecar "bad" would make the pod fail Pod Security "baseline:latest"`,
	}, {
		name: "hostPath volume named as a harmless sidecar",
		spec: "  podSecurity: baseline\n  containers:\n  - name: data\n    image: a:1\n  volumes:\n  - name: data\n    hostPath: {path: /var/data}\n",
		want: `the injected containers would make the pod fail Pod Security "baseline:latest"`,
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, results := run(t, injection(t, "mesh", tc.spec), pod)
			var msgs []string
			for _, r := range results {
				msgs = append(msgs, r.Message)
				if r.Severity == transform.Error && strings.HasPrefix(r.Message, tc.want) {
					return
				}
			}
			t.Errorf("no error starting %q in:\n%s", tc.want, strings.Join(msgs, "\n"))
		})
	}
}
