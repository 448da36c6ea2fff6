package transform

import (
	"maps"
	"slices"
	"sort"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/inject-sidecars/inject-sidecars/internal/yamlnode"
)

// remove takes away everything e records, puts back the fields it created
// once they are empty, and drops e from the status annotation.
func (c *change) remove(e *Entry) {
	annotations := c.dropAdded(e)
	c.dropFromStatus(e, annotations)
	c.restoreCreated(e, annotations)
}

// dropAdded takes the objects, pod labels and pod annotations e records
// out of the pod. It returns the pod's annotations, where the status is.
func (c *change) dropAdded(e *Entry) *yaml.Node {
	spec := c.p.spec
	drop := func(list *yaml.Node, idKey string, ids []string) {
		if list == nil || list.Kind != yaml.SequenceNode {
			return
		}
		list.Content = slices.DeleteFunc(list.Content, func(n *yaml.Node) bool { return slices.Contains(ids, yamlnode.Str(n, idKey)) })
	}
	drop(yamlnode.Field(spec, "containers"), "name", e.Containers)
	drop(yamlnode.Field(spec, "initContainers"), "name", e.InitContainers)
	drop(yamlnode.Field(spec, "volumes"), "name", e.Volumes)
	drop(yamlnode.Field(spec, "imagePullSecrets"), "name", e.ImagePullSecrets)
	for _, ctr := range yamlnode.Seq(spec, "containers") {
		name := yamlnode.Str(ctr, "name")
		drop(yamlnode.Field(ctr, "volumeMounts"), "mountPath", e.VolumeMounts[name])
		drop(yamlnode.Field(ctr, "env"), "name", e.Env[name])
	}
	meta := yamlnode.Field(c.p.holder, "metadata")
	for _, k := range e.PodLabels {
		deleteField(yamlnode.Field(meta, "labels"), k)
	}
	annotations := yamlnode.Field(meta, "annotations")
	for _, k := range e.PodAnnotations {
		deleteField(annotations, k)
	}
	return annotations
}

// dropFromStatus takes e out of the status, and the status annotation
// away when nothing is left in it.
func (c *change) dropFromStatus(e *Entry, annotations *yaml.Node) {
	for name, have := range c.st {
		if have == e {
			delete(c.st, name)
			c.owners.count(e, -1)
		}
	}
	if annotations == nil {
		return
	}
	if len(c.st) == 0 {
		c.w.dropStatus(annotations)
	} else {
		c.w.writeStatus(annotations, c.st, c.owners)
	}
}

// restoreCreated puts back what was before each field e created, once
// the field is empty; the mark of a field still in use goes to an
// injection left in the status, so the last to leave puts it back.
func (c *change) restoreCreated(e *Entry, annotations *yaml.Node) {
	// Deepest first, so metadata goes after its annotations.
	keys := slices.Collect(maps.Keys(e.Created))
	sort.Slice(keys, func(i, j int) bool {
		di, dj := strings.Count(keys[i], "."), strings.Count(keys[j], ".")
		if di != dj {
			return di > dj
		}
		return keys[i] < keys[j]
	})
	var kept []string
	for _, k := range keys {
		parent, name := c.createdField(k)
		if parent == nil {
			continue
		}
		if v := yamlnode.Field(parent, name); v != nil && (v.Kind == yaml.MappingNode || v.Kind == yaml.SequenceNode) && len(v.Content) > 0 {
			kept = append(kept, k)
			continue
		}
		restore(parent, name, e.Created[k])
	}
	if len(kept) > 0 && len(c.st) > 0 {
		c.st.handOver(e, func(k string) bool { return slices.Contains(kept, k) })
		c.w.writeStatus(annotations, c.st, c.owners)
	}
}

// createdField resolves a status "created" key to its parent and field.
func (c *change) createdField(key string) (*yaml.Node, string) {
	parts := strings.Split(key, ".")
	switch {
	case len(parts) == 1 && parts[0] == "metadata":
		return c.p.holder, "metadata"
	case len(parts) == 1:
		return c.p.spec, parts[0]
	case len(parts) == 2 && parts[0] == "metadata":
		return yamlnode.Field(c.p.holder, "metadata"), parts[1]
	case len(parts) == 3 && parts[0] == "containers":
		l := yamlnode.Field(c.p.spec, "containers")
		if i := named(l, parts[1]); i >= 0 {
			return l.Content[i], parts[2]
		}
	}
	return nil, ""
}
