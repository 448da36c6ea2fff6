// Command benchgen writes generated inputs for benchmarks: N realistic
// Deployments (or a mix of workload kinds and other resources), as a
// ResourceList with the injection config as functionConfig, or as a plain
// YAML stream.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"strings"
)

// sidecar is the log collector both the injection config and the
// equivalent kustomize patch add, so that the two do the same work.
const sidecar = `- name: fluent-bit
  image: fluent/fluent-bit:3.1.4
  args: ["--config=/fluent-bit/etc/fluent-bit.conf"]
  resources:
    requests: {cpu: 10m, memory: 32Mi}
    limits: {memory: 64Mi}
  volumeMounts:
  - name: app-logs
    mountPath: /var/log/app
    readOnly: true
`

const volumes = `- name: app-logs
  emptyDir: {}
`

const appMount = `- name: app-logs
  mountPath: /var/log/app
`

func indent(s, by string) string {
	return by + strings.ReplaceAll(strings.TrimSuffix(s, "\n"), "\n", "\n"+by) + "\n"
}

var config = "apiVersion: inject-sidecars.dev/v1alpha1\nkind: SidecarInjection\nmetadata:\n  name: logging\nspec:\n" +
	"  containers:\n" + indent(sidecar, "  ") +
	"  volumes:\n" + indent(volumes, "  ") +
	"  volumeMounts:\n" + indent(appMount, "  ")

// patch is the strategic-merge patch that does what config does to the
// generated Deployments (whose app container is "server").
var patch = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: any\nspec:\n  template:\n    spec:\n" +
	"      initContainers:\n" + indent(sidecar+"  restartPolicy: Always\n", "      ") +
	"      containers:\n      - name: server\n        volumeMounts:\n" + indent(appMount, "        ") +
	"      volumes:\n" + indent(volumes, "      ")

// istioTemplate is an istio-sidecar-injector config whose only template
// (istioctl kube-inject always renders the one named "sidecar") adds the
// same sidecar, volume and mount to the pod.
var istioTemplate = "policy: enabled\nalwaysInjectSelector: []\nneverInjectSelector: []\ninjectedAnnotations: {}\ndefaultTemplates: [sidecar]\ntemplates:\n  sidecar: |\n" +
	indent("spec:\n  initContainers:\n"+indent(sidecar+"  restartPolicy: Always\n", "  ")+
		"  containers:\n  - name: server\n    volumeMounts:\n"+indent(appMount, "    ")+
		"  volumes:\n"+indent(volumes, "  "), "    ")

// kyvernoPolicy does the same with a strategic-merge patch and a foreach
// over the containers. (kyverno drops "emptyDir: {}" from a patch;
// "medium: ”" keeps it.)
var kyvernoPolicy = "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata:\n  name: inject-logging\nspec:\n  rules:\n" +
	"  - name: sidecar\n    match:\n      any:\n      - resources:\n          kinds: [Deployment]\n    mutate:\n      patchStrategicMerge:\n        spec:\n          template:\n            spec:\n" +
	"              initContainers:\n" + indent(sidecar+"  restartPolicy: Always\n", "              ") +
	"              volumes:\n" + indent(strings.Replace(volumes, "emptyDir: {}", `emptyDir: {medium: ""}`, 1), "              ") +
	"  - name: mount\n    match:\n      any:\n      - resources:\n          kinds: [Deployment]\n    mutate:\n      foreach:\n" +
	"      - list: \"request.object.spec.template.spec.containers\"\n        patchStrategicMerge:\n          spec:\n            template:\n              spec:\n" +
	"                containers:\n                - name: \"{{ element.name }}\"\n                  volumeMounts:\n" + indent(appMount, "                  ")

// deployment is a Deployment of the size and shape of the ones in the
// corpus (microservices-demo): labels, probes, resources, env, ports and
// a comment.
func deployment(w *bufio.Writer, i int, indent string) {
	fmt.Fprintf(w, `%[2]sapiVersion: apps/v1
%[2]skind: Deployment
%[2]smetadata:
%[2]s  name: service-%[1]d
%[2]s  namespace: team-%[3]d
%[2]s  labels:
%[2]s    app: service-%[1]d
%[2]s    tier: backend
%[2]sspec:
%[2]s  replicas: 2
%[2]s  selector:
%[2]s    matchLabels:
%[2]s      app: service-%[1]d
%[2]s  template:
%[2]s    metadata:
%[2]s      labels:
%[2]s        app: service-%[1]d
%[2]s      annotations:
%[2]s        sidecar.istio.io/rewriteAppHTTPProbers: "true"
%[2]s    spec:
%[2]s      serviceAccountName: default
%[2]s      terminationGracePeriodSeconds: 5
%[2]s      securityContext:
%[2]s        fsGroup: 1000
%[2]s        runAsNonRoot: true
%[2]s      containers:
%[2]s      - name: server # the service itself
%[2]s        image: example.com/service-%[1]d:v1.%[1]d.0
%[2]s        ports:
%[2]s        - containerPort: 8080
%[2]s        env:
%[2]s        - name: PORT
%[2]s          value: "8080"
%[2]s        - name: DISABLE_PROFILER
%[2]s          value: "1"
%[2]s        readinessProbe:
%[2]s          grpc:
%[2]s            port: 8080
%[2]s        livenessProbe:
%[2]s          grpc:
%[2]s            port: 8080
%[2]s        resources:
%[2]s          requests:
%[2]s            cpu: 100m
%[2]s            memory: 64Mi
%[2]s          limits:
%[2]s            cpu: 200m
%[2]s            memory: 128Mi
`, i, indent, i%7)
}

func other(w *bufio.Writer, i int, indent string) {
	switch i % 3 {
	case 0:
		fmt.Fprintf(w, "%[2]sapiVersion: v1\n%[2]skind: Service\n%[2]smetadata:\n%[2]s  name: service-%[1]d\n%[2]sspec:\n%[2]s  selector:\n%[2]s    app: service-%[1]d\n%[2]s  ports:\n%[2]s  - port: 80\n%[2]s    targetPort: 8080\n", i, indent)
	case 1:
		fmt.Fprintf(w, "%[2]sapiVersion: batch/v1\n%[2]skind: CronJob\n%[2]smetadata:\n%[2]s  name: job-%[1]d\n%[2]sspec:\n%[2]s  schedule: \"*/5 * * * *\"\n%[2]s  jobTemplate:\n%[2]s    spec:\n%[2]s      template:\n%[2]s        spec:\n%[2]s          restartPolicy: OnFailure\n%[2]s          containers:\n%[2]s          - name: job\n%[2]s            image: busybox:1.36\n", i, indent)
	case 2:
		fmt.Fprintf(w, "%[2]sapiVersion: v1\n%[2]skind: ConfigMap\n%[2]smetadata:\n%[2]s  name: config-%[1]d\n%[2]sdata:\n%[2]s  key: value-%[1]d\n", i, indent)
	}
}

func main() {
	n := flag.Int("n", 1000, "number of workloads")
	mixed := flag.Bool("mixed", false, "mix Deployments with Services, CronJobs and ConfigMaps")
	plain := flag.Bool("plain", false, "write a plain YAML stream, not a ResourceList")
	configOut := flag.String("config", "", "also write the injection config to this file")
	patchOut := flag.String("patch", "", "also write the equivalent kustomize patch to this file")
	filesOut := flag.String("files", "", "write each resource to a file of its own in this folder (a plain-mode folder input)")
	istioOut := flag.String("istio", "", "also write the equivalent istio injection config to this file")
	kyvernoOut := flag.String("kyverno", "", "also write the equivalent kyverno policy to this file")
	configs := flag.Int("configs", 0, "with -config: write this many configs, config i with a sidecar of its own for the workload whose index is i modulo -n (0: the usual one config, for every workload)")
	flag.Parse()
	if *configs > 0 {
		config = manyConfigs(*configs, *n)
	}
	if *filesOut != "" {
		if err := writeFiles(*filesOut, *n, *mixed); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	for path, body := range map[string]string{*configOut: config, *patchOut: patch, *istioOut: istioTemplate, *kyvernoOut: kyvernoPolicy} {
		if path == "" {
			continue
		}
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	if *filesOut != "" {
		return
	}
	w := bufio.NewWriterSize(os.Stdout, 1<<20)
	defer w.Flush()
	indent := ""
	if !*plain {
		w.WriteString("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n")
		indent = "  "
	}
	for i := 0; i < *n; i++ {
		if *plain && i > 0 {
			w.WriteString("---\n")
		}
		var b strings.Builder
		bw := bufio.NewWriter(&b)
		if *mixed && i%2 == 1 {
			other(bw, i, indent)
		} else {
			deployment(bw, i, indent)
		}
		bw.Flush()
		s := b.String()
		if !*plain {
			s = "-" + s[1:] // the first line of each item starts the list entry
		}
		w.WriteString(s)
	}
	if !*plain {
		w.WriteString("functionConfig:\n")
		for _, line := range strings.SplitAfter(strings.TrimSuffix(config, "\n"), "\n") {
			w.WriteString("  " + line)
		}
		w.WriteString("\n")
	}
}

// writeFiles writes n resources, one per file, into dir: a folder input
// for plain mode.
func writeFiles(dir string, n int, mixed bool) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for i := 0; i < n; i++ {
		f, err := os.Create(fmt.Sprintf("%s/resource-%05d.yaml", dir, i))
		if err != nil {
			return err
		}
		w := bufio.NewWriter(f)
		if mixed && i%2 == 1 {
			other(w, i, "")
		} else {
			deployment(w, i, "")
		}
		if err := w.Flush(); err != nil {
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
	}
	return nil
}

// manyConfigs is k configs, config i adding a sidecar, volume and mount
// of its own to the workloads labelled app=service-(i mod n): many
// teams' configs over one repository, each picking its own workloads.
func manyConfigs(k, n int) string {
	var b strings.Builder
	for i := 0; i < k; i++ {
		if i > 0 {
			b.WriteString("---\n")
		}
		own := strings.NewReplacer("app-logs", fmt.Sprintf("app-logs-%d", i), "/var/log/app", fmt.Sprintf("/var/log/app-%d", i))
		side := own.Replace(strings.Replace(sidecar, "fluent-bit", fmt.Sprintf("fluent-bit-%d", i), 1))
		fmt.Fprintf(&b, "apiVersion: inject-sidecars.dev/v1alpha1\nkind: SidecarInjection\nmetadata:\n  name: logging-%d\nspec:\n", i)
		fmt.Fprintf(&b, "  targets:\n  - labelSelector: app=service-%d\n", i%max(n, 1))
		b.WriteString("  containers:\n" + indent(side, "  ") +
			"  volumes:\n" + indent(own.Replace(volumes), "  ") +
			"  volumeMounts:\n" + indent(own.Replace(appMount), "  "))
	}
	return b.String()
}
