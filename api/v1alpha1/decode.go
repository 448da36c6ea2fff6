package v1alpha1

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation/field"
	kjson "sigs.k8s.io/json"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/inject-sidecars/inject-sidecars/internal/yamlnode"
)

// ConfigError lists every problem found in one config, so a user fixes
// them in one round. Each error's Detail is the message, its Field the
// path.
type ConfigError struct {
	// Ref names the config, as "SidecarInjection/name"; Name is its
	// metadata.name, when it has one.
	Ref, Name string
	Errors    field.ErrorList
	// Resource, when set, is the object as the user wrote it (a
	// ConfigMap, a mistyped kind or apiVersion): results name it.
	Resource *yaml.ResourceIdentifier
}

func (e *ConfigError) Error() string {
	msgs := make([]string, len(e.Errors))
	for i, fe := range e.Errors {
		msgs[i] = fe.Field + ": " + fe.Detail
	}
	return e.Ref + ": " + strings.Join(msgs, "; ")
}

// invalid is a field error whose Detail is the whole message.
func invalid(path *field.Path, format string, args ...any) *field.Error {
	return &field.Error{Type: field.ErrorTypeInvalid, Field: path.String(), Detail: fmt.Sprintf(format, args...)}
}

// Ref names the config in messages.
func (c *SidecarInjection) Ref() string {
	if c.Metadata.Name == "" {
		return Kind
	}
	return Kind + "/" + c.Metadata.Name
}

// Decode reads a functionConfig: a SidecarInjection, or a ConfigMap in
// the short form. It decodes strictly, defaults and validates, after the
// order of kyaml's framework.LoadFunctionConfig. A *ConfigError lists
// every problem with its field path.
func Decode(n *yaml.Node) (*SidecarInjection, error) {
	return DecodeWith(n, Options{})
}

// Options change how a config is read. The overrides (KubeVersion,
// Uninject) are the command line's: each replaces the field it stands
// for in the decoded config, in one step before the config is defaulted
// and validated, whichever mode reads it.
type Options struct {
	// KubeVersion, when set, overrides spec.kubernetesVersion (the
	// --kube-version flag).
	KubeVersion string
	// Uninject, when set, overrides spec.action with uninject (the
	// --uninject flag).
	Uninject bool
	// Line is the line of its file the config starts on, when known, so
	// that messages count lines from the top of the file.
	Line int
}

// DecodeWith is Decode with options.
func DecodeWith(n *yaml.Node, opts Options) (*SidecarInjection, error) {
	if yamlnode.IsNull(n) {
		return nil, &ConfigError{Ref: "functionConfig", Errors: field.ErrorList{
			invalid(field.NewPath("functionConfig"), "missing: give a SidecarInjection (%s) or a ConfigMap", APIVersion)}}
	}
	if n.Kind != yaml.MappingNode {
		return nil, &ConfigError{Ref: "functionConfig", Errors: field.ErrorList{
			invalid(field.NewPath("functionConfig"), "expected an object, got %s", yamlnode.Describe(n))}}
	}
	apiVersion, kind := yamlnode.Str(n, "apiVersion"), yamlnode.Str(n, "kind")
	if dups := yamlnode.Duplicates(n, ""); len(dups) > 0 {
		// yaml.v3 keeps both keys: one would be injected and the other
		// validated. Say so before reading anything.
		ce := &ConfigError{Ref: strings.TrimSuffix(kind+"/"+yamlnode.Str(yamlnode.Field(n, "metadata"), "name"), "/")}
		if kind == Kind {
			ce.Name = yamlnode.Str(yamlnode.Field(n, "metadata"), "name")
		}
		if ce.Ref == "" {
			ce.Ref = "functionConfig"
		}
		for _, d := range dups {
			if d.First > 0 && opts.Line > 1 {
				d.Line, d.First = d.Line+opts.Line-1, d.First+opts.Line-1
			}
			ce.Errors = append(ce.Errors, &field.Error{Type: field.ErrorTypeDuplicate, Field: d.Path, Detail: d.String()})
		}
		return nil, ce
	}
	switch {
	case kind == Kind && apiVersion == APIVersion:
		return decodeSidecarInjection(n, opts)
	case kind == "ConfigMap" && apiVersion == "v1":
		return decodeConfigMap(n, opts)
	}
	return nil, unsupported(n, apiVersion, kind)
}

// specField is a field of Spec, found by its json name.
type specField struct {
	index int
}

// specFields is read off the Spec type: the type is the only list of
// config fields.
var specFields = func() map[string]specField {
	out := map[string]specField{}
	t := reflect.TypeFor[Spec]()
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		out[name] = specField{index: i}
	}
	return out
}()

// object is an Object[T] of any T, for the decoder.
type object interface {
	value() any
	setNode(*yaml.Node)
}

type decoder struct {
	errs field.ErrorList
	// line is the line of its file the config starts on, when known.
	line int
	// broken are the fields that did not decode (of the wrong type):
	// they hold zero values, so what validation says of them would be
	// a follow-on error, and is left out.
	broken []brokenField
}

func (d *decoder) fail(path *field.Path, format string, args ...any) {
	d.errs = append(d.errs, invalid(path, format, args...))
}

func decodeSidecarInjection(n *yaml.Node, opts Options) (*SidecarInjection, error) {
	c := &SidecarInjection{APIVersion: APIVersion, Kind: Kind}
	d := &decoder{line: opts.Line}
	if m := yamlnode.Field(n, "metadata"); m != nil && m.Kind == yaml.MappingNode {
		c.Metadata.Name = yamlnode.Str(m, "name")
		c.Metadata.Namespace = yamlnode.Str(m, "namespace")
	}
	specMistyped := false
	for i := 0; i+1 < len(n.Content); i += 2 {
		switch k := n.Content[i].Value; k {
		case "apiVersion", "kind", "metadata", "spec":
		default:
			specMistyped = d.unknownField(nil, n.Content[i], topFields, opts.Line) == "spec" || specMistyped
		}
	}
	specPath := field.NewPath("spec")
	spec := yamlnode.Field(n, "spec")
	switch {
	case yamlnode.IsNull(spec) && specMistyped:
		// specs: was told "did you mean spec?"; that spec is missing
		// would say it twice.
	case yamlnode.IsNull(spec):
		d.fail(specPath, "required: the sidecars to inject")
	case spec.Kind != yaml.MappingNode:
		d.fail(specPath, "expected an object, got %s", yamlnode.Describe(spec))
	default:
		sv := reflect.ValueOf(&c.Spec).Elem()
		for i := 0; i+1 < len(spec.Content); i += 2 {
			k, v := spec.Content[i].Value, spec.Content[i+1]
			f, ok := specFields[k]
			if !ok {
				d.unknownField(specPath, spec.Content[i], specFieldNames, opts.Line)
				continue
			}
			if yamlnode.IsNull(v) {
				continue // key: (null) is the same as leaving it out
			}
			d.field(v, specPath.Child(k), sv.Field(f.index))
		}
	}
	opts.override(c)
	return c.finish(d.errs, d.broken)
}

// override puts the command line's overrides into a decoded config,
// before Default and Validate: the config is then read as if it said
// so itself (--uninject is action: uninject).
func (o Options) override(c *SidecarInjection) {
	if o.KubeVersion != "" {
		c.Spec.KubernetesVersion = o.KubeVersion
	}
	if o.Uninject {
		c.Spec.Action = Uninject
	}
}

// field decodes n into dst: lists one element at a time, so errors carry
// the index, and each Object keeps its node.
func (d *decoder) field(n *yaml.Node, path *field.Path, dst reflect.Value) {
	if dst.Kind() != reflect.Slice {
		v := reflect.New(dst.Type())
		if d.strict(n, path, v.Interface()) {
			dst.Set(v.Elem())
		}
		return
	}
	if n.Kind != yaml.SequenceNode {
		d.fail(path, "expected a list, got %s", yamlnode.Describe(n))
		return
	}
	out := reflect.MakeSlice(dst.Type(), 0, len(n.Content))
	for i, el := range n.Content {
		v := reflect.New(dst.Type().Elem())
		target := v.Interface()
		obj, isObject := target.(object)
		if isObject {
			target = obj.value()
		}
		// Every entry is kept, so that validation's paths index the
		// user's list; the config is refused anyway when one has errors.
		d.strict(el, path.Index(i), target)
		if isObject {
			obj.setNode(el)
		}
		out = reflect.Append(out, v.Elem())
	}
	dst.Set(out)
}

// strict decodes n into v, rejecting unknown fields (and duplicate keys), and
// records every error with its field path: a bad quantity and an unknown
// field in one entry are both reported.
func (d *decoder) strict(n *yaml.Node, path *field.Path, v any) bool {
	bad := unquotedTemplates(n, path)
	if len(bad) > 0 {
		d.errs = append(d.errs, bad...)
		n = d.quoteTemplates(n, path)
	}
	n, ok := d.quantities(n, path)
	ok = ok && len(bad) == 0
	data, err := toJSON(n)
	if err != nil {
		d.fail(path, "%v", err)
		d.broken = append(d.broken, brokenField{path.String(), ""})
		return false
	}
	// Unknown fields only: data is a Go map marshalled (toJSON), so its
	// keys are unique, and YAML's duplicate keys were refused reading
	// it. Every strict error is then an unknown field, told by which
	// check was asked for, not by reading its text.
	strictErrs, err := kjson.UnmarshalStrict(data, v, kjson.DisallowUnknownFields)
	for _, se := range strictErrs {
		var fe kjson.FieldError
		if errors.As(se, &fe) {
			d.fail(path.Child(fe.FieldPath()), "%s", unknownNested(n, fe.FieldPath(), reflect.TypeOf(v), d.line))
		} else {
			d.fail(path, "%v", se)
		}
		ok = false
	}
	if err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			d.typeMismatch(n, path, te)
		} else {
			// Past type mismatches, what reaches here is a field's own
			// UnmarshalJSON saying what is wrong (the decoder returns
			// it unwrapped, without a "json: " prefix); our types have
			// no ",string" tags, the decoder's other untyped errors.
			d.fail(path, "%v", err)
			d.broken = append(d.broken, brokenField{path.String(), ""})
		}
		ok = false
	}
	return ok
}

// unquotedTemplates finds templates written without quotes: YAML reads
// image: {{ .Name }} as a mapping whose key is a mapping, which no field
// can hold, and the decoder's own words for it are Go's
// (map[string]interface {}...).
func unquotedTemplates(n *yaml.Node, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if tmpl, ok := templateText(v); ok {
				errs = append(errs, invalid(path.Child(k.Value), "a template must be quoted, or YAML reads it as an object: write %s: \"%s\"", k.Value, tmpl))
				continue
			}
			errs = append(errs, unquotedTemplates(v, path.Child(k.Value))...)
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			if tmpl, ok := templateText(c); ok {
				errs = append(errs, invalid(path.Index(i), "a template must be quoted, or YAML reads it as an object: write - \"%s\"", tmpl))
				continue
			}
			errs = append(errs, unquotedTemplates(c, path.Index(i))...)
		}
	}
	return errs
}

// templateText recognises {{ X }} as YAML reads it unquoted: a flow
// mapping holding one flow mapping as its key, and gives the template
// back as it was written, as near as the nodes tell.
func templateText(n *yaml.Node) (string, bool) {
	if n.Kind != yaml.MappingNode || n.Style&yaml.FlowStyle == 0 || len(n.Content) != 2 {
		return "", false
	}
	inner := n.Content[0]
	if inner.Kind != yaml.MappingNode || inner.Style&yaml.FlowStyle == 0 {
		return "", false
	}
	if len(inner.Content) == 2 && inner.Content[0].Kind == yaml.ScalarNode && yamlnode.IsNull(inner.Content[1]) {
		return "{{ " + inner.Content[0].Value + " }}", true
	}
	return "{{ ... }}", true
}

// typeName names a Go type in the user's words: Mode is a string, a
// slice is a list, a map or a struct an object.
func typeName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.Map, reflect.Struct:
		return "an object"
	case reflect.Pointer:
		return typeName(t.Elem())
	case reflect.Bool:
		return "true or false"
	}
	return t.String()
}

// quantities checks resource quantities before decoding: the Quantity
// type's own error does not say which field it came from. When one is
// bad it returns a copy of n without it, so that decoding goes on and
// reports the entry's other problems too.
func (d *decoder) quantities(n *yaml.Node, path *field.Path) (*yaml.Node, bool) {
	type bad struct {
		parent *yaml.Node
		key    string
	}
	var found []bad
	check := func(m *yaml.Node, at *field.Path, keys ...string) {
		if m == nil || m.Kind != yaml.MappingNode {
			return
		}
		for i := 0; i+1 < len(m.Content); i += 2 {
			k, v := m.Content[i].Value, m.Content[i+1]
			if v.Kind != yaml.ScalarNode || (len(keys) > 0 && !slices.Contains(keys, k)) {
				continue
			}
			if _, err := resource.ParseQuantity(v.Value); err != nil {
				d.fail(at.Child(k), "%q is not a quantity (such as 100m, 128Mi or 1)", v.Value)
				found = append(found, bad{m, k})
			}
		}
	}
	if r := yamlnode.Field(n, "resources"); r != nil {
		check(yamlnode.Field(r, "limits"), path.Child("resources", "limits"))
		check(yamlnode.Field(r, "requests"), path.Child("resources", "requests"))
	}
	check(yamlnode.Field(n, "emptyDir"), path.Child("emptyDir"), "sizeLimit")
	if len(found) == 0 {
		return n, true
	}
	var without func(m *yaml.Node) *yaml.Node
	without = func(m *yaml.Node) *yaml.Node {
		c := *m
		c.Content = nil
		for i := 0; i < len(m.Content); i++ {
			if m.Kind == yaml.MappingNode && i%2 == 0 && i+1 < len(m.Content) {
				dropped := false
				for _, b := range found {
					if b.parent == m && b.key == m.Content[i].Value {
						dropped = true
					}
				}
				if dropped {
					i++
					continue
				}
			}
			c.Content = append(c.Content, without(m.Content[i]))
		}
		return &c
	}
	return without(n), false
}

// toJSON converts YAML data to JSON for the strict decoder. YAML keys
// that are not strings make it fail, which is right for these types.
func toJSON(n *yaml.Node) ([]byte, error) {
	var x any
	if err := n.Decode(&x); err != nil {
		return nil, errors.New(yamlnode.FirstLine(err))
	}
	return json.Marshal(x)
}

// finish defaults and validates a decoded config. Every problem is
// reported at once: an unknown field (imagee) and what is missing
// (image) both; but of a field that did not decode, only why.
func (c *SidecarInjection) finish(errs field.ErrorList, broken []brokenField) (*SidecarInjection, error) {
	c.Default()
	for _, fe := range c.Validate() {
		if !slices.ContainsFunc(broken, func(b brokenField) bool { return b.holds(fe.Field) }) {
			errs = append(errs, fe)
		}
	}
	if len(errs) == 0 && c.Spec.Action == Inject && c.Spec.empty() {
		errs = append(errs, invalid(field.NewPath("spec"), "nothing to inject: give containers, initContainers, volumes, volumeMounts, env, podAnnotations, podLabels or imagePullSecrets"))
	}
	if len(errs) > 0 {
		return nil, &ConfigError{Ref: c.Ref(), Name: c.Metadata.Name, Errors: errs}
	}
	return c, nil
}

// brokenField is a field of an entry that did not decode: entry is the
// entry's path (spec.containers[0]), field the decoder's dotted path in
// it, without list indexes (ports.containerPort); "" is the whole entry.
type brokenField struct{ entry, field string }

// listIndex matches a list index in a field path.
var listIndex = regexp.MustCompile(`\[[0-9]+\]`)

// holds reports whether a validation error's path is the broken field
// or inside it (spec.containers[0].ports[0].containerPort is in
// ports.containerPort of spec.containers[0]).
func (b brokenField) holds(path string) bool {
	rest, ok := strings.CutPrefix(path, b.entry)
	if !ok || (rest != "" && rest[0] != '.' && rest[0] != '[') {
		return false
	}
	rest = listIndex.ReplaceAllString(rest, "")
	return b.field == "" || rest == "."+b.field || strings.HasPrefix(rest, "."+b.field+".")
}

// empty reports whether the spec puts nothing into a pod.
func (s *Spec) empty() bool {
	return len(s.Containers)+len(s.InitContainers)+len(s.Volumes)+len(s.VolumeMounts)+
		len(s.Env)+len(s.PodAnnotations)+len(s.PodLabels)+len(s.ImagePullSecrets) == 0
}

// configMapKeys are the data keys of the short ConfigMap form.
var configMapKeys = []string{"image", "kinds", "kubeVersion", "mode", "name", "position"}

// decodeConfigMap checks the short form's keys and turns it into the
// SidecarInjection it stands for, which is then decoded, validated and
// read like any other: the two forms of one sidecar are the same
// injection.
func decodeConfigMap(n *yaml.Node, opts Options) (*SidecarInjection, error) {
	var errs field.ErrorList
	data := map[string]string{}
	if dn := yamlnode.Field(n, "data"); dn != nil && dn.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(dn.Content); i += 2 {
			k := dn.Content[i].Value
			if !slices.Contains(configMapKeys, k) {
				errs = append(errs, invalid(field.NewPath("data", k), "unknown key: the ConfigMap form takes %s", strings.Join(configMapKeys, ", ")))
				continue
			}
			data[k] = dn.Content[i+1].Value
		}
	}
	for _, k := range []string{"name", "image"} {
		if data[k] == "" {
			errs = append(errs, invalid(field.NewPath("data", k), "required"))
		}
	}
	if len(errs) > 0 {
		return nil, configMapError(n, data["name"], errs)
	}
	str := func(v string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: yaml.NodeTagString, Value: v} }
	mapping := func(kv ...*yaml.Node) *yaml.Node {
		return &yaml.Node{Kind: yaml.MappingNode, Tag: yaml.NodeTagMap, Content: kv}
	}
	list := func(items ...*yaml.Node) *yaml.Node {
		return &yaml.Node{Kind: yaml.SequenceNode, Tag: yaml.NodeTagSeq, Content: items}
	}
	spec := mapping(str("containers"), list(mapping(str("name"), str(data["name"]), str("image"), str(data["image"]))))
	for _, k := range []struct{ key, field string }{{"mode", "mode"}, {"position", "position"}, {"kubeVersion", "kubernetesVersion"}} {
		if data[k.key] != "" {
			spec.Content = append(spec.Content, str(k.field), str(data[k.key]))
		}
	}
	var targets []*yaml.Node
	for _, k := range strings.Split(data["kinds"], ",") {
		if k = strings.TrimSpace(k); k != "" {
			targets = append(targets, mapping(str("kind"), str(regexp.QuoteMeta(k))))
		}
	}
	if len(targets) > 0 {
		spec.Content = append(spec.Content, str("targets"), list(targets...))
	}
	return decodeSidecarInjection(mapping(
		str("apiVersion"), str(APIVersion), str("kind"), str(Kind),
		str("metadata"), mapping(str("name"), str(data["name"])),
		str("spec"), spec), opts)
}

// DecodeStrict decodes n into v as the config's own lists are decoded:
// unknown and duplicate fields, wrong types and bad quantities are
// errors, every one with its path under path. The overrides annotation
// uses it, so an owner's container reads exactly like the config's.
func DecodeStrict(n *yaml.Node, path *field.Path, v any) field.ErrorList {
	d := &decoder{}
	d.strict(n, path, v)
	return d.errs
}
