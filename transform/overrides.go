package transform

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/inject-sidecars/inject-sidecars/api/v1alpha1"
	"github.com/inject-sidecars/inject-sidecars/internal/yamlnode"
)

// OverridesAnnotation lets a workload's owners tune an injection's
// containers for their workload: YAML or JSON keyed by injection name,
// holding partial containers keyed by name.
const OverridesAnnotation = "inject-sidecars.dev/overrides"

// overrides are one injection's overrides for one workload: per
// container name, the fields to set, as YAML nodes.
type overrides map[string]map[string]*yaml.Node

// overrideError is a problem with the overrides annotation: Field is its
// path, into the annotation.
type overrideError struct {
	Field, Msg string
}

func (e *overrideError) Error() string { return e.Field + ": " + e.Msg }

// overrideErrors are all the problems found in the annotation.
type overrideErrors []*overrideError

func (es overrideErrors) Error() string {
	msgs := make([]string, len(es))
	for i, e := range es {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "; ")
}

// readOverrides reads inj's entry of the overrides annotation on the
// workload and on its pod template; where both set a field of one
// container, the template's wins.
func (c *change) readOverrides() (overrides, []*overrideError) {
	out := overrides{}
	var errs []*overrideError
	sources := []struct {
		meta *yaml.Node
		path string
	}{{yamlnode.Field(c.w.node, "metadata"), joinNonEmpty(c.w.field, "metadata")}}
	if c.p.holder != c.w.node {
		sources = append(sources, struct {
			meta *yaml.Node
			path string
		}{yamlnode.Field(c.p.holder, "metadata"), c.p.metaPath})
	}
	for _, src := range sources {
		v := yamlnode.Resolve(yamlnode.Field(yamlnode.Field(src.meta, "annotations"), OverridesAnnotation))
		if v == nil {
			continue
		}
		at := yamlnode.Key(src.path+".annotations", OverridesAnnotation)
		got, e := c.parseOverrides(v, at)
		errs = append(errs, e...)
		for name, fields := range got {
			if out[name] == nil {
				out[name] = map[string]*yaml.Node{}
			}
			for k, n := range fields {
				out[name][k] = n
			}
		}
	}
	return out, errs
}

// parseOverrides reads one annotation's entry for this injection.
func (c *change) parseOverrides(v *yaml.Node, at string) (overrides, []*overrideError) {
	root, errs := decodeOverrides(v, at)
	if root == nil {
		return nil, errs
	}
	entry := yamlnode.Field(root, c.inj.name())
	if yamlnode.IsNull(entry) {
		return nil, nil // for other injections: theirs to read
	}
	at = yamlnode.Key(at, c.inj.name())
	if entry.Kind != yaml.MappingNode {
		return nil, overrideFail(at, "expected an object with containers, got %s", yamlnode.Describe(entry))
	}
	out := overrides{}
	for i := 0; i+1 < len(entry.Content); i += 2 {
		list := entry.Content[i].Value
		errs = append(errs, c.readOverrideList(list, entry.Content[i+1], yamlnode.Key(at, list), out)...)
	}
	return out, errs
}

// overrideFail is the one problem that stops reading the annotation.
func overrideFail(path, format string, args ...any) []*overrideError {
	return []*overrideError{{path, fmt.Sprintf(format, args...)}}
}

// decodeOverrides parses the annotation's text into the object keyed by
// injection name. It returns nil when the text holds nothing, or with
// the problems that keep it from being read.
func decodeOverrides(v *yaml.Node, at string) (*yaml.Node, []*overrideError) {
	if v.Kind != yaml.ScalarNode {
		return nil, overrideFail(at, "expected YAML or JSON text, got %s", yamlnode.Describe(v))
	}
	var doc yaml.Node
	if err := yaml.NewDecoder(strings.NewReader(v.Value)).Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		return nil, overrideFail(at, "not valid YAML or JSON: %s", yamlnode.FirstLine(err))
	}
	if len(doc.Content) == 0 || yamlnode.IsNull(doc.Content[0]) {
		return nil, nil
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, overrideFail(at, "expected an object keyed by injection name, got %s", yamlnode.Describe(root))
	}
	if root.Style&yaml.FlowStyle != 0 {
		// JSON (or a flow mapping): injected in block style, as the
		// rest of the pod is. YAML keeps the style its owner wrote.
		yamlnode.BlockStyle(root)
	}
	if yamlnode.AliasNodes(root, yamlnode.MaxAliasNodes) > yamlnode.MaxAliasNodes {
		return nil, overrideFail(at, "YAML aliases expand it by more than %d nodes: write the values out", yamlnode.MaxAliasNodes)
	}
	if yamlnode.AliasBytes(root, yamlnode.MaxAliasBytes) > yamlnode.MaxAliasBytes {
		return nil, overrideFail(at, "YAML aliases expand it by more than %d bytes (1 MiB): write the values out", yamlnode.MaxAliasBytes)
	}
	var errs []*overrideError
	for _, d := range yamlnode.Duplicates(root, at) {
		errs = append(errs, &overrideError{d.Path, d.String()})
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return root, nil
}

// readOverrideList reads the overrides of one list (containers or
// initContainers) into out, keeping only the containers with no problem.
func (c *change) readOverrideList(list string, items *yaml.Node, at string, out overrides) []*overrideError {
	if list != "containers" && list != "initContainers" {
		return []*overrideError{{at, "unknown field: an override holds containers and initContainers"}}
	}
	have := c.inj.objects(list)
	if items.Kind != yaml.SequenceNode {
		return []*overrideError{{at, "expected a list, got " + yamlnode.Describe(items)}}
	}
	var errs []*overrideError
	for j, item := range items.Content {
		name, bad := c.checkOverrideContainer(list, have, item, fmt.Sprintf("%s[%d]", at, j))
		if len(bad) > 0 {
			errs = append(errs, bad...)
			continue
		}
		if out[name] == nil {
			out[name] = map[string]*yaml.Node{}
		}
		for k := 0; k+1 < len(item.Content); k += 2 {
			if key := item.Content[k].Value; key != "name" {
				out[name][key] = item.Content[k+1]
			}
		}
	}
	return errs
}

// checkOverrideContainer checks one overriding container: it names one
// of the injection's (have), overrides only the fields spec.overrides
// allows, and is a valid container. It returns the container's name.
func (c *change) checkOverrideContainer(list string, have []*yaml.Node, item *yaml.Node, at string) (string, []*overrideError) {
	if item.Kind != yaml.MappingNode {
		return "", []*overrideError{{at, "expected an object, got " + yamlnode.Describe(item)}}
	}
	name := yamlnode.Str(item, "name")
	if name == "" {
		return "", []*overrideError{{at + ".name", "required: the container to override"}}
	}
	if named(&yaml.Node{Kind: yaml.SequenceNode, Content: have}, name) < 0 {
		return "", []*overrideError{{at + ".name", fmt.Sprintf("injection %q has no %s entry named %q", c.inj.name(), list, name)}}
	}
	var errs []*overrideError
	allowed := c.inj.Spec.Overrides
	for k := 0; k+1 < len(item.Content); k += 2 {
		key := item.Content[k].Value
		if key != "name" && !slices.Contains(allowed, v1alpha1.OverrideField(key)) {
			errs = append(errs, &overrideError{yamlnode.Key(at, key), fmt.Sprintf("may not be overridden: injection %q allows %s (spec.overrides)", c.inj.name(), overridableText(allowed))})
		}
	}
	var ctr corev1.Container
	for _, fe := range v1alpha1.DecodeStrict(item, field.NewPath(at), &ctr) {
		errs = append(errs, &overrideError{fe.Field, fe.Detail})
	}
	return name, errs
}

// overridableText lists the fields an injection lets owners override.
func overridableText(allowed []v1alpha1.OverrideField) string {
	text := make([]string, len(allowed))
	for i, f := range allowed {
		text[i] = string(f)
	}
	return strings.Join(text, ", ")
}

// applyOverrides sets the owners' fields on the rendered containers:
// image, args and resources replace the config's; env merges by name.
func applyOverrides(ctrs []*yaml.Node, ov overrides) {
	for _, ctr := range ctrs {
		fields := ov[yamlnode.Str(ctr, "name")]
		for _, key := range slices.Sorted(maps.Keys(fields)) {
			n, _ := copyNode(fields[key], nil) // no render func, aliases bounded when read: cannot fail
			if key != "env" {
				if i := yamlnode.FieldIndex(ctr, key); i >= 0 {
					ctr.Content[i+1] = n
				} else {
					setField(ctr, key, n, "")
				}
				continue
			}
			env, _, _ := ensure(ctr, "env", yaml.SequenceNode, "")
			mergeByName(env, n.Content)
		}
	}
}

// mergeByName replaces each entry of list named like one of nodes (the
// first of that name), and appends the others, in one pass: an override
// may hold tens of thousands of variables.
func mergeByName(list *yaml.Node, nodes []*yaml.Node) {
	at := make(map[string]int, len(list.Content)+len(nodes))
	for i, e := range list.Content {
		if name := yamlnode.Str(e, "name"); at[name] == 0 {
			at[name] = i + 1
		}
	}
	for _, e := range nodes {
		name := yamlnode.Str(e, "name")
		if i := at[name]; i > 0 {
			list.Content[i-1] = e
			continue
		}
		list.Content = append(list.Content, e)
		at[name] = len(list.Content)
	}
}

// validOverridden checks the containers the owners overrode as the
// config's own are checked: an override must not make a container the
// API server rejects (a request above its limit, say).
func (c *change) validOverridden(ov overrides) error {
	var errs overrideErrors
	for _, l := range []struct {
		name            string
		nodes           []*yaml.Node
		runToCompletion bool
	}{{"containers", c.sidecars, false}, {"initContainers", c.inits, true}} {
		for i, n := range l.nodes {
			if ov[yamlnode.Str(n, "name")] == nil {
				continue
			}
			var ctr corev1.Container
			if err := decodeNode(n, &ctr); err != nil {
				errs = append(errs, &overrideError{"", err.Error()})
				continue
			}
			rtc := l.runToCompletion && (ctr.RestartPolicy == nil || *ctr.RestartPolicy != corev1.ContainerRestartPolicyAlways)
			for _, fe := range c.inj.Spec.ContainerRules().ValidateContainer(&ctr, field.NewPath("spec", l.name).Index(i), rtc) {
				errs = append(errs, &overrideError{"", fmt.Sprintf("with the overrides applied, %s: %s", fe.Field, fe.Detail)})
			}
		}
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}
