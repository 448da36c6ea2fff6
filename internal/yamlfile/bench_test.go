package yamlfile

import (
	"bufio"
	"fmt"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

func benchStream(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, `---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: svc-%[1]d
spec:
  template:
    metadata:
      labels: {app: svc-%[1]d}
    spec:
      containers:
      - name: server # the service
        image: example/svc:%[1]d
        env:
        - {name: PORT, value: "8080"}
`, i)
	}
	return b.String()
}

// BenchmarkParse measures reading, per 1,000 Deployments: splitting the
// stream into documents and parsing each (with the snapshot the writer
// compares with).
func BenchmarkParse(b *testing.B) {
	src := benchStream(1000)
	b.ReportAllocs()
	b.SetBytes(int64(len(src)))
	for i := 0; i < b.N; i++ {
		err := split("x", bufio.NewReader(strings.NewReader(src)), func(d *Document) error { return d.Parse("x") })
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWrite measures writing, per 1,000 Deployments: each changed
// the way an injection changes it (a list item, a field, an annotation),
// then edited back into its text. Parsing is outside the timer.
func BenchmarkWrite(b *testing.B) {
	src := benchStream(1000)
	item := func() *yaml.Node {
		var n yaml.Node
		yaml.Unmarshal([]byte("name: fluent-bit\nimage: fluent/fluent-bit:3.1.4\nrestartPolicy: Always\n"), &n)
		return n.Content[0]
	}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		var docs []*Document
		split("x", bufio.NewReader(strings.NewReader(src)), func(d *Document) error {
			if err := d.Parse("x"); err != nil {
				return err
			}
			if d.Node != nil {
				spec := d.Node.Content[7].Content[1].Content[3]
				spec.Content = append([]*yaml.Node{{Kind: yaml.ScalarNode, Value: "initContainers"}, {Kind: yaml.SequenceNode, Content: []*yaml.Node{item()}}}, spec.Content...)
				d.Changed = true
			}
			docs = append(docs, d)
			return nil
		})
		b.StartTimer()
		for _, d := range docs {
			if _, err := d.Text(); err != nil {
				b.Fatal(err)
			}
			if d.Fallback != "" {
				b.Fatal(d.Fallback)
			}
		}
	}
}
