package cli

import (
	"strings"
	"testing"
)

// What a first-time user ran into, following the README.

const firstRunConfig = `apiVersion: inject-sidecars.dev/v1alpha1
kind: SidecarInjection
metadata:
  name: logging
spec:
  containers:
  - name: fluent-bit
    image: fluent/fluent-bit:3.1.4
    resources:
      requests: {cpu: 10m, memory: 32Mi}
      limits: {memory: 64Mi}
`

const firstRunCron = `apiVersion: batch/v1
kind: CronJob
metadata:
  name: nightly
  namespace: shop
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers:
          - name: job
            image: busybox:1.36
`

const firstRunDeployments = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  template:
    spec:
      containers:
      - name: web
        image: nginx:1.27
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: db
  namespace: shop
spec:
  template:
    spec:
      containers:
      - name: db
        image: postgres:16
`

// --check lists each file's workloads under it, in input order, in the
// summary table's words.
func TestCheckGroupsWorkloadsUnderTheirFile(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, map[string]string{"sidecars.yaml": firstRunConfig, "a-cron.yaml": firstRunCron, "mp.yaml": firstRunDeployments})
	code, stdout, stderr := plainRun(t, dir, []string{"sidecars.yaml"}, []string{"a-cron.yaml", "mp.yaml"}, PlainOptions{Check: true, Quiet: true})
	if code != exitChanged {
		t.Fatalf("exit %d, want %d:\n%s", code, exitChanged, stderr)
	}
	want := `would change a-cron.yaml
  CronJob/shop/nightly: logging would be injected
would change mp.yaml
  Deployment/shop/web: logging would be injected
  StatefulSet/shop/db: logging would be injected
`
	if got := strings.ReplaceAll(stdout, dir+"/", ""); got != want {
		t.Errorf("--check printed\n%s\nwant\n%s", got, want)
	}
}
