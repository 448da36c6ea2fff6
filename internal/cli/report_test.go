package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/inject-sidecars/inject-sidecars/internal/testkit"
)

// TestReportTotals runs testdata/report and checks the report's totals
// against numbers worked out by hand.
//
// The sidecar S requests 100m CPU and 64Mi, limits 200m and 128Mi.
//
//	web  Deployment, 3 replicas: 500m/256Mi -> 600m/320Mi; limits 1/512Mi -> 1200m/640Mi.
//	     Per replica +100m/+64Mi, limits +200m/+128Mi.
//	db   StatefulSet, 2 replicas: 1/1Gi -> 1100m/1088Mi; no limits before, S's after.
//	     Per replica +100m/+64Mi, limits +200m/+128Mi.
//	etl  Job, parallelism 4: init migrate 2/1Gi dominates before (2 > 250m).
//	     After, S sits before migrate: migrate + S = 2100m/1088Mi beats
//	     S + etl = 350m/192Mi. Per replica +100m/+64Mi; limits 0 -> 200m/128Mi.
//	nightly CronJob, parallelism unset: 1 replica, +100m/+64Mi, +200m/+128Mi.
//	debug PodTemplate: runs nothing by itself, 0 replicas.
//	node-agent DaemonSet: per node +100m/+64Mi, limits +200m/+128Mi.
//
// Replicas: 3 + 2 + 4 + 1 + 0 = 10, so requests 10 x 100m = 1 CPU and
// 10 x 64Mi = 640Mi, limits 10 x 200m = 2 CPU and 10 x 128Mi = 1280Mi.
// By namespace: shop 5 replicas (500m/320Mi, limits 1/640Mi); batch 4 + 1 +
// 0 = 5 replicas (the same); kube-system only per node.
func TestReportTotals(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "report.json")
	_, stderr, code := Invoke(t, nil, "--report", path, "-c", "../../testdata/report/config.yaml", "../../testdata/report/input.yaml")
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, stderr)
	}
	var r struct {
		Workloads []struct {
			Kind     string
			Replicas int64
			PerNode  bool
			Before   map[string]map[string]string
			After    map[string]map[string]string
		}
		Totals struct {
			Replicas, PerNode map[string]map[string]string
			ByNamespace       map[string]map[string]map[string]map[string]string
		}
	}
	if err := json.Unmarshal(testkit.ReadFile(t, path), &r); err != nil {
		t.Fatal(err)
	}
	check := func(what, got, want string) {
		t.Helper()
		if got != want {
			t.Errorf("%s = %s, want %s", what, got, want)
		}
	}
	check("replicas requests cpu", r.Totals.Replicas["requests"]["cpu"], "1")
	check("replicas requests memory", r.Totals.Replicas["requests"]["memory"], "640Mi")
	check("replicas limits cpu", r.Totals.Replicas["limits"]["cpu"], "2")
	check("replicas limits memory", r.Totals.Replicas["limits"]["memory"], "1280Mi")
	check("perNode requests cpu", r.Totals.PerNode["requests"]["cpu"], "100m")
	check("perNode limits memory", r.Totals.PerNode["limits"]["memory"], "128Mi")
	for _, ns := range []string{"shop", "batch"} {
		check(ns+" requests cpu", r.Totals.ByNamespace[ns]["replicas"]["requests"]["cpu"], "500m")
		check(ns+" requests memory", r.Totals.ByNamespace[ns]["replicas"]["requests"]["memory"], "320Mi")
		check(ns+" limits cpu", r.Totals.ByNamespace[ns]["replicas"]["limits"]["cpu"], "1")
	}
	check("kube-system per node cpu", r.Totals.ByNamespace["kube-system"]["perNode"]["requests"]["cpu"], "100m")
	check("kube-system replicas cpu", r.Totals.ByNamespace["kube-system"]["replicas"]["requests"]["cpu"], "0")
	etl := r.Workloads[2]
	check("etl kind", etl.Kind, "Job")
	check("etl before cpu", etl.Before["requests"]["cpu"], "2")
	check("etl after cpu", etl.After["requests"]["cpu"], "2100m")
	check("etl after memory", etl.After["requests"]["memory"], "1088Mi")
	if etl.Replicas != 4 || r.Workloads[5].Replicas != 0 || !r.Workloads[4].PerNode {
		t.Errorf("replicas: etl %d, debug %d, node-agent perNode %v", etl.Replicas, r.Workloads[5].Replicas, r.Workloads[4].PerNode)
	}
	if !strings.Contains(stderr, "TOTAL: sidecars add 1 CPU and 640Mi memory of requests (2 CPU and 1280Mi memory of limits) across 10 replicas, plus 100m CPU and 64Mi memory of requests (200m CPU and 128Mi memory of limits) per node") {
		t.Errorf("summary totals:\n%s", stderr)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatal(err)
	}
}
