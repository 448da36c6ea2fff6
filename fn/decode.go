package fn

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	kjson "sigs.k8s.io/json"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/inject-sidecars/inject-sidecars/transform"
)

// FieldError is one problem in a config, at a field path.
type FieldError struct {
	Path    string
	Message string
}

func (e FieldError) Error() string { return e.Path + ": " + e.Message }

// ConfigError lists every problem found in one config, so a user fixes
// them in one round.
type ConfigError struct {
	// Ref names the config, as "SidecarInjection/name"; Name is its
	// metadata.name, when it has one.
	Ref, Name string
	Errors    []FieldError
}

func (e *ConfigError) Error() string {
	msgs := make([]string, len(e.Errors))
	for i, fe := range e.Errors {
		msgs[i] = fe.Error()
	}
	return e.Ref + ": " + strings.Join(msgs, "; ")
}

// Config is a decoded, validated and defaulted injection config, with the
// user's YAML for each object it injects.
type Config struct {
	SidecarInjection
	// Nodes holds the user's YAML of each list entry of the spec, by
	// spec field name, in order.
	Nodes map[string][]*yaml.Node
	// Hash identifies what the config injects.
	Hash string
	// Warnings are best-practice findings about the config itself.
	Warnings []FieldError

	injection *transform.Injection
}

// decoders says how to decode each spec field strictly: list fields one
// element at a time, so errors carry the index.
var decoders = map[string]func(d *decoder, n *yaml.Node, path string){
	"targets":          listOf[Selector],
	"exclude":          listOf[Selector],
	"optIn":            valueOf[bool],
	"mode":             valueOf[string],
	"position":         valueOf[string],
	"onConflict":       valueOf[string],
	"action":           valueOf[string],
	"containers":       listOf[corev1.Container],
	"initContainers":   listOf[corev1.Container],
	"volumes":          listOf[corev1.Volume],
	"volumeMounts":     listOf[corev1.VolumeMount],
	"env":              listOf[corev1.EnvVar],
	"appContainers":    listOf[string],
	"podAnnotations":   valueOf[map[string]string],
	"podLabels":        valueOf[map[string]string],
	"imagePullSecrets": listOf[corev1.LocalObjectReference],
	"workloadKinds":    listOf[WorkloadKind],
}

type decoder struct {
	errs   []FieldError
	values map[string]any
	nodes  map[string][]*yaml.Node
}

func (d *decoder) fail(path, format string, args ...any) {
	d.errs = append(d.errs, FieldError{path, fmt.Sprintf(format, args...)})
}

func listOf[T any](d *decoder, n *yaml.Node, path string) {
	key := path[strings.LastIndex(path, ".")+1:]
	if n.Kind != yaml.SequenceNode {
		d.fail(path, "expected a list, got %s", kindOf(n))
		return
	}
	out := make([]T, 0, len(n.Content))
	for i, el := range n.Content {
		var v T
		if d.strict(el, fmt.Sprintf("%s[%d]", path, i), &v) {
			out = append(out, v)
			d.nodes[key] = append(d.nodes[key], el)
		}
	}
	d.values[key] = out
}

func valueOf[T any](d *decoder, n *yaml.Node, path string) {
	var v T
	if d.strict(n, path, &v) {
		d.values[path[strings.LastIndex(path, ".")+1:]] = v
	}
}

// strict decodes n into v, rejecting unknown and duplicate fields, and
// records every error with its field path.
func (d *decoder) strict(n *yaml.Node, path string, v any) bool {
	if !d.quantities(n, path) {
		return false
	}
	data, err := toJSON(n)
	if err != nil {
		d.fail(path, "%v", err)
		return false
	}
	strictErrs, err := kjson.UnmarshalStrict(data, v)
	ok := true
	for _, se := range strictErrs {
		var fe kjson.FieldError
		if errors.As(se, &fe) {
			msg := strings.TrimSpace(strings.TrimSuffix(se.Error(), fmt.Sprintf("%q", fe.FieldPath())))
			d.fail(path+"."+fe.FieldPath(), "%s", msg)
		} else {
			d.fail(path, "%v", se)
		}
		ok = false
	}
	if err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			at := path
			if te.Field != "" {
				at += "." + te.Field
			}
			d.fail(at, "expected %s, got %s", te.Type, te.Value)
		} else {
			d.fail(path, "%s", strings.TrimPrefix(err.Error(), "json: "))
		}
		ok = false
	}
	return ok
}

// quantities checks resource quantities before decoding: the Quantity
// type's own error does not say which field it came from.
func (d *decoder) quantities(n *yaml.Node, path string) bool {
	ok := true
	check := func(m *yaml.Node, at string) {
		if m == nil || m.Kind != yaml.MappingNode {
			return
		}
		for i := 0; i+1 < len(m.Content); i += 2 {
			v := m.Content[i+1]
			if v.Kind != yaml.ScalarNode {
				continue
			}
			if _, err := resource.ParseQuantity(v.Value); err != nil {
				d.fail(at+"."+m.Content[i].Value, "%q is not a quantity (such as 100m, 128Mi or 1)", v.Value)
				ok = false
			}
		}
	}
	if r := fieldNode(n, "resources"); r != nil {
		check(fieldNode(r, "limits"), path+".resources.limits")
		check(fieldNode(r, "requests"), path+".resources.requests")
	}
	if ed := fieldNode(n, "emptyDir"); ed != nil {
		if s := fieldNode(ed, "sizeLimit"); s != nil {
			check(&yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{{Kind: yaml.ScalarNode, Value: "sizeLimit"}, s}}, path+".emptyDir")
		}
	}
	return ok
}

// toJSON converts YAML data to JSON for the strict decoder. YAML keys
// that are not strings make it fail, which is right for these types.
func toJSON(n *yaml.Node) ([]byte, error) {
	var x any
	if err := n.Decode(&x); err != nil {
		return nil, errors.New(oneLine(err))
	}
	return json.Marshal(x)
}

func fieldNode(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

func kindOf(n *yaml.Node) string {
	switch n.Kind {
	case yaml.ScalarNode:
		if n.Tag == yaml.NodeTagNull {
			return "null"
		}
		return fmt.Sprintf("%q", n.Value)
	case yaml.SequenceNode:
		return "a list"
	case yaml.MappingNode:
		return "an object"
	}
	return "something else"
}

// Decode reads a functionConfig: a SidecarInjection, or a ConfigMap in
// the short form. It validates and defaults it. A *ConfigError lists
// every problem with its field path.
func Decode(node *yaml.RNode) (*Config, error) {
	if node == nil || node.YNode() == nil || yaml.IsMissingOrNull(node) {
		return nil, &ConfigError{Ref: "functionConfig", Errors: []FieldError{{"functionConfig", "missing: give a SidecarInjection (" + APIVersion + ") or a ConfigMap"}}}
	}
	n := node.YNode()
	if n.Kind != yaml.MappingNode {
		return nil, &ConfigError{Ref: "functionConfig", Errors: []FieldError{{"functionConfig", "expected an object, got " + kindOf(n)}}}
	}
	apiVersion, kind := scalar(n, "apiVersion"), scalar(n, "kind")
	switch {
	case kind == Kind && apiVersion == APIVersion:
		return decodeSidecarInjection(n)
	case kind == "ConfigMap" && apiVersion == "v1":
		return decodeConfigMap(n)
	}
	got := strings.TrimPrefix(apiVersion+"/"+kind, "/")
	if kind == "" {
		got = "an object without kind"
	}
	return nil, &ConfigError{Ref: "functionConfig", Errors: []FieldError{{"kind", fmt.Sprintf("functionConfig of kind %s is not supported: want %s/%s or v1/ConfigMap", got, APIVersion, Kind)}}}
}

func scalar(m *yaml.Node, key string) string {
	v := fieldNode(m, key)
	if v == nil || v.Kind != yaml.ScalarNode {
		return ""
	}
	return v.Value
}

func decodeSidecarInjection(n *yaml.Node) (*Config, error) {
	c := &Config{Nodes: map[string][]*yaml.Node{}}
	c.APIVersion, c.Kind = APIVersion, Kind
	d := &decoder{values: map[string]any{}, nodes: c.Nodes}
	if m := fieldNode(n, "metadata"); m != nil && m.Kind == yaml.MappingNode {
		c.Metadata.Name = scalar(m, "name")
		c.Metadata.Namespace = scalar(m, "namespace")
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		switch k := n.Content[i].Value; k {
		case "apiVersion", "kind", "metadata", "spec":
		default:
			d.fail(k, "unknown field")
		}
	}
	spec := fieldNode(n, "spec")
	switch {
	case spec == nil || (spec.Kind == yaml.ScalarNode && spec.Tag == yaml.NodeTagNull):
		d.fail("spec", "required: the sidecars to inject")
	case spec.Kind != yaml.MappingNode:
		d.fail("spec", "expected an object, got %s", kindOf(spec))
	default:
		for i := 0; i+1 < len(spec.Content); i += 2 {
			k, v := spec.Content[i].Value, spec.Content[i+1]
			dec, ok := decoders[k]
			if !ok {
				d.fail("spec."+k, "unknown field")
				continue
			}
			if v.Kind == yaml.ScalarNode && v.Tag == yaml.NodeTagNull {
				continue // key: (null) is the same as leaving it out
			}
			dec(d, v, "spec."+k)
		}
	}
	s := &c.Spec
	get(d, "targets", &s.Targets)
	get(d, "exclude", &s.Exclude)
	get(d, "optIn", &s.OptIn)
	get(d, "mode", &s.Mode)
	get(d, "position", &s.Position)
	get(d, "onConflict", &s.OnConflict)
	get(d, "action", &s.Action)
	get(d, "containers", &s.Containers)
	get(d, "initContainers", &s.InitContainers)
	get(d, "volumes", &s.Volumes)
	get(d, "volumeMounts", &s.VolumeMounts)
	get(d, "env", &s.Env)
	get(d, "appContainers", &s.AppContainers)
	get(d, "podAnnotations", &s.PodAnnotations)
	get(d, "podLabels", &s.PodLabels)
	get(d, "imagePullSecrets", &s.ImagePullSecrets)
	get(d, "workloadKinds", &s.WorkloadKinds)
	if len(d.errs) == 0 {
		c.Hash = hashSpec(spec)
	}
	return c.finish(d.errs)
}

func get[T any](d *decoder, key string, dst *T) {
	if v, ok := d.values[key]; ok {
		*dst = v.(T)
	}
}

// hashedFields are the spec fields that shape what lands in a pod.
// Changing only who is targeted, or onConflict, does not re-inject.
var hashedFields = []string{
	"mode", "position", "containers", "initContainers", "volumes", "volumeMounts",
	"env", "appContainers", "podAnnotations", "podLabels", "imagePullSecrets",
}

// hashSpec hashes the data (not the comments or formatting) of the
// fields that shape the pod.
func hashSpec(spec *yaml.Node) string {
	data := map[string]any{}
	for _, k := range hashedFields {
		v := fieldNode(spec, k)
		if v == nil {
			continue
		}
		var x any
		if err := v.Decode(&x); err == nil {
			data[k] = x
		}
	}
	b, _ := json.Marshal(data) // decoded YAML of a validated config encodes
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

// configMapKeys are the data keys of the short ConfigMap form.
var configMapKeys = []string{"image", "kinds", "mode", "name", "position"}

// decodeConfigMap checks the short form's keys and turns it into the
// SidecarInjection it stands for, which is then decoded, validated and
// hashed like any other: the two forms of one sidecar are the same
// injection.
func decodeConfigMap(n *yaml.Node) (*Config, error) {
	var errs []FieldError
	data := map[string]string{}
	if dn := fieldNode(n, "data"); dn != nil && dn.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(dn.Content); i += 2 {
			k := dn.Content[i].Value
			if !slices.Contains(configMapKeys, k) {
				errs = append(errs, FieldError{"data." + k, "unknown key: the ConfigMap form takes " + strings.Join(configMapKeys, ", ")})
				continue
			}
			data[k] = dn.Content[i+1].Value
		}
	}
	for _, k := range []string{"name", "image"} {
		if data[k] == "" {
			errs = append(errs, FieldError{"data." + k, "required"})
		}
	}
	if len(errs) > 0 {
		return nil, &ConfigError{Ref: "ConfigMap/" + scalar(fieldNode(n, "metadata"), "name"), Name: data["name"], Errors: errs}
	}
	str := func(v string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: yaml.NodeTagString, Value: v} }
	mapping := func(kv ...*yaml.Node) *yaml.Node {
		return &yaml.Node{Kind: yaml.MappingNode, Tag: yaml.NodeTagMap, Content: kv}
	}
	list := func(items ...*yaml.Node) *yaml.Node {
		return &yaml.Node{Kind: yaml.SequenceNode, Tag: yaml.NodeTagSeq, Content: items}
	}
	spec := mapping(str("containers"), list(mapping(str("name"), str(data["name"]), str("image"), str(data["image"]))))
	for _, k := range []string{"mode", "position"} {
		if data[k] != "" {
			spec.Content = append(spec.Content, str(k), str(data[k]))
		}
	}
	var targets []*yaml.Node
	for _, k := range strings.Split(data["kinds"], ",") {
		if k = strings.TrimSpace(k); k != "" {
			targets = append(targets, mapping(str("kind"), str(regexpQuote(k))))
		}
	}
	if len(targets) > 0 {
		spec.Content = append(spec.Content, str("targets"), list(targets...))
	}
	return decodeSidecarInjection(mapping(
		str("apiVersion"), str(APIVersion), str("kind"), str(Kind),
		str("metadata"), mapping(str("name"), str(data["name"])),
		str("spec"), spec))
}
