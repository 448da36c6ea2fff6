package transform_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/inject-sidecars/inject-sidecars/transform"
)

// TestRenderedValuesFollowTheServersRules: values rendered from the
// workload's annotations are held to the rules the config's own values
// are: what the API server would refuse is this workload's error.
func TestRenderedValuesFollowTheServersRules(t *testing.T) {
	t.Parallel()
	const spec = `  containers:
  - name: agent
    image: "agent:{{ index .Annotations \"ver\" }}"
    volumeMounts:
    - name: data
      mountPath: "{{ index .Annotations \"mnt\" }}"
      subPath: "{{ index .Annotations \"sub\" }}"
  - name: expr
    image: expr:1
    volumeMounts:
    - {name: data, mountPath: /x, subPathExpr: "{{ index .Annotations \"expr\" }}"}
  volumes:
  - name: data
    hostPath: {path: "/var/lib/{{ index .Annotations \"dir\" }}"}
  env:
  - {name: A, valueFrom: {configMapKeyRef: {name: cm, key: "{{ index .Annotations \"fp\" }}"}}}
`
	inj := injection(t, "tpl", spec)
	ok := map[string]string{"ver": "1", "mnt": "/data", "sub": "s", "expr": "e", "dir": "d", "fp": "k"}
	tests := []struct {
		name, key, value, want string
	}{
		{"all valid", "", "", ""},
		{"absolute subPath", "sub", "/etc", `spec.containers[0].volumeMounts[0].subPath: renders as "/etc"`},
		{"subPathExpr backstep", "expr", "..", `spec.containers[1].volumeMounts[0].subPathExpr: renders as ".."`},
		{"image with a trailing space", "ver", "1 ", `spec.containers[0].image: renders as "agent:1 "`},
		{"image with a space and braces", "ver", "{{ ", `spec.containers[0].image: renders as "agent:{{ "`},
		{"image with a newline", "ver", "1\n", `spec.containers[0].image: renders as "agent:1\n"`},
		{"empty mountPath", "mnt", "", `spec.containers[0].volumeMounts[0].mountPath: renders as ""`},
		{"env key", "fp", "a b", `spec.env[0].valueFrom.configMapKeyRef.key: renders as "a b"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var annos strings.Builder
			for k, v := range ok {
				if k == tt.key {
					v = tt.value
				}
				annos.WriteString("    " + k + ": " + strconv.Quote(v) + "\n")
			}
			in := "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations:\n" + annos.String() + "spec:\n  containers:\n  - {name: app, image: app:1}\n"
			_, rs := run(t, inj, in)
			if tt.want == "" {
				oneOutcome(t, rs, transform.Injected)
				return
			}
			oneOutcome(t, rs, transform.Failed)
			if !strings.Contains(rs[0].Message, tt.want) {
				t.Errorf("message %q, want it to hold %q", rs[0].Message, tt.want)
			}
		})
	}
}
