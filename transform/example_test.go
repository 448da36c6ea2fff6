package transform_test

import (
	"fmt"

	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/inject-sidecars/inject-sidecars/api/v1alpha1"
	"github.com/inject-sidecars/inject-sidecars/transform"
)

// A native sidecar goes into initContainers with restartPolicy: Always;
// the user's comments stay where they were.
func ExampleFilter() {
	items, _ := kio.FromBytes([]byte(`apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
      - name: web # the app
        image: nginx:1.27.0
`))
	config, _ := yaml.Parse(`apiVersion: inject-sidecars.dev/v1alpha1
kind: SidecarInjection
metadata:
  name: logging
spec:
  containers:
  - name: log-shipper # ships /var/log/app
    image: fluent/fluent-bit:3.1.4
`)
	inj, _, err := transform.Load(config.YNode(), v1alpha1.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	f := &transform.Filter{Injections: []*transform.Injection{inj}}
	if _, err := f.Filter(items); err != nil {
		fmt.Println(err)
		return
	}
	out, _ := kio.StringAll(items)
	fmt.Print(out)
	fmt.Println(f.Results[0].Message)
	// Output:
	// apiVersion: apps/v1
	// kind: Deployment
	// metadata:
	//   name: web
	// spec:
	//   template:
	//     metadata:
	//       annotations:
	//         inject-sidecars.dev/status: '{"logging":{"hash":"86f5bbc25f541eb4","initContainers":["log-shipper"],"created":{"initContainers":"absent","metadata":"absent","metadata.annotations":"absent"}}}'
	//     spec:
	//       initContainers:
	//       - name: log-shipper # ships /var/log/app
	//         image: fluent/fluent-bit:3.1.4
	//         restartPolicy: Always
	//       containers:
	//       - name: web # the app
	//         image: nginx:1.27.0
	// injected "logging" (native): initContainers log-shipper
}

// Uninject takes away exactly what the status annotation records.
func ExampleFilter_uninject() {
	items, _ := kio.FromBytes([]byte(`apiVersion: v1
kind: Pod
metadata:
  name: p
  annotations:
    inject-sidecars.dev/status: '{"mesh":{"hash":"1","initContainers":["proxy"],"created":{"initContainers":"absent","metadata.annotations":"absent"}}}'
spec:
  initContainers:
  - name: proxy
    image: envoy:1
    restartPolicy: Always
  containers:
  - name: app
    image: app:1
`))
	config, _ := yaml.Parse("apiVersion: v1\nkind: ConfigMap\ndata: {name: mesh, image: 'envoy:1'}\n")
	inj, _, err := transform.Load(config.YNode(), v1alpha1.Options{Uninject: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	f := &transform.Filter{Injections: []*transform.Injection{inj}}
	if _, err := f.Filter(items); err != nil {
		fmt.Println(err)
		return
	}
	out, _ := kio.StringAll(items)
	fmt.Print(out)
	// Output:
	// apiVersion: v1
	// kind: Pod
	// metadata:
	//   name: p
	// spec:
	//   containers:
	//   - name: app
	//     image: app:1
}

// A caller that streams its input makes one Injector for the run, from
// the input's Namespace objects (found by a first pass), then visits
// each document on its own, on any goroutine, and adds the documents'
// Reports in the input's order.
func ExampleInjector() {
	docs := []string{`apiVersion: v1
kind: Namespace
metadata:
  name: batch
  annotations:
    inject-sidecars.dev/inject: "false"
`, `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
      - name: web
        image: nginx:1.27.0
`, `apiVersion: apps/v1
kind: Deployment
metadata:
  name: report
  namespace: batch
spec:
  template:
    spec:
      containers:
      - name: report
        image: example/report:2.0
`}
	nodes := make([]*yaml.Node, len(docs))
	for i, d := range docs {
		n, err := yaml.Parse(d)
		if err != nil {
			fmt.Println(err)
			return
		}
		nodes[i] = n.YNode()
	}
	config, _ := yaml.Parse("apiVersion: v1\nkind: ConfigMap\ndata: {name: logging, image: 'fluent/fluent-bit:3.1.4'}\n")
	inj, _, err := transform.Load(config.YNode(), v1alpha1.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	in := transform.NewInjector([]*transform.Injection{inj}, nodes[:1])
	var run transform.Report
	for _, n := range nodes {
		run.Add(in.Document(n))
	}
	run.Results = append(run.Results, in.Unmatched(run.Matched())...)
	for _, r := range run.Results {
		fmt.Printf("%s: %s\n", r.Ref.Name, r.Message)
	}
	// Output:
	// web: injected "logging" (native): initContainers logging
	// report: skipped: opted out (inject-sidecars.dev/inject: "false")
}
