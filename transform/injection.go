package transform

import (
	"encoding/json"
	"strings"
	"sync"

	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/inject-sidecars/inject-sidecars/api/v1alpha1"
)

// Injection is one SidecarInjection made ready to run: its position
// parsed, its selectors compiled and its templates parsed, once, so that
// no workload pays for it. The objects it adds are the user's own YAML
// nodes, so their comments and field order reach the output.
type Injection struct {
	*v1alpha1.SidecarInjection
	// Source is the config's file, when known, for messages that send
	// the user back to it.
	Source string

	// where is first, last, before or after; anchor is the container
	// that before and after refer to.
	where            v1alpha1.Where
	anchor           string
	targets, exclude []*v1alpha1.Matcher
	kinds            []workloadKind

	// The YAML of the objects the config adds, in order.
	containers, inits, volumes, mounts, env, secrets []*yaml.Node
	// templates maps a scalar in the objects above to its parsed template.
	templates map[*yaml.Node]*tmpl
	// sameJSON is the JSON of the objects as every workload renders them
	// when there is no template and no override (change.objectsJSON).
	sameJSON struct {
		once  sync.Once
		lists [6]json.RawMessage
	}
}

// workloadKind is a kind the config declares to carry a Pod spec.
type workloadKind struct {
	group, kind string
	path        []string
}

// NewInjection readies a decoded and validated config. The only thing
// that can still fail is a template that does not parse: the error is a
// *v1alpha1.ConfigError naming its field.
func NewInjection(c *v1alpha1.SidecarInjection) (*Injection, error) {
	s := &c.Spec
	in := &Injection{
		SidecarInjection: c,
		containers:       v1alpha1.Nodes(s.Containers),
		inits:            v1alpha1.Nodes(s.InitContainers),
		volumes:          v1alpha1.Nodes(s.Volumes),
		mounts:           v1alpha1.Nodes(s.VolumeMounts),
		env:              v1alpha1.Nodes(s.Env),
		secrets:          v1alpha1.Nodes(s.ImagePullSecrets),
		templates:        map[*yaml.Node]*tmpl{},
	}
	var errs field.ErrorList
	var err error
	if in.where, in.anchor, err = s.Position.Parse(); err != nil {
		errs = append(errs, field.Invalid(field.NewPath("spec", "position"), string(s.Position), err.Error()))
	}
	for _, l := range []struct {
		name     string
		sels     []v1alpha1.Selector
		matchers *[]*v1alpha1.Matcher
	}{{"targets", s.Targets, &in.targets}, {"exclude", s.Exclude, &in.exclude}} {
		for i, sel := range l.sels {
			m, ferr := sel.Compile(field.NewPath("spec", l.name).Index(i))
			if ferr != nil {
				errs = append(errs, ferr)
				continue
			}
			*l.matchers = append(*l.matchers, m)
		}
	}
	for _, k := range s.WorkloadKinds {
		in.kinds = append(in.kinds, workloadKind{group: k.Group, kind: k.Kind, path: k.Path()})
	}
	specPath := field.NewPath("spec")
	for _, l := range []struct {
		name  string
		nodes []*yaml.Node
	}{
		{"containers", in.containers},
		{"initContainers", in.inits},
		{"volumes", in.volumes},
		{"volumeMounts", in.mounts},
		{"env", in.env},
	} {
		for i, n := range l.nodes {
			if ferr := in.parseTemplates(n, specPath.Child(l.name).Index(i)); ferr != nil {
				errs = append(errs, ferr)
			}
		}
	}
	if len(errs) > 0 {
		return nil, &v1alpha1.ConfigError{Ref: c.Ref(), Name: c.Metadata.Name, Errors: errs}
	}
	return in, nil
}

// parseTemplates parses every template among n's scalars, n being at
// path under spec; the first that does not parse is the error.
func (in *Injection) parseTemplates(n *yaml.Node, path *field.Path) *field.Error {
	switch n.Kind {
	case yaml.ScalarNode:
		if !strings.Contains(n.Value, "{{") {
			return nil
		}
		// The template is named by its place in the spec: "containers[0].args[1]".
		t, err := parseTemplate(strings.TrimPrefix(path.String(), "spec."), n.Value)
		if err != nil {
			return &field.Error{Type: field.ErrorTypeInvalid, Field: path.String(), Detail: err.Error()}
		}
		in.templates[n] = t
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			if err := in.parseTemplates(n.Content[i+1], path.Child(n.Content[i].Value)); err != nil {
				return err
			}
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			if err := in.parseTemplates(c, path.Index(i)); err != nil {
				return err
			}
		}
	}
	return nil
}

// objects returns the config's objects of one spec list, by its name.
func (in *Injection) objects(list string) []*yaml.Node {
	switch list {
	case "containers":
		return in.containers
	case "initContainers":
		return in.inits
	case "volumes":
		return in.volumes
	case "volumeMounts":
		return in.mounts
	case "env":
		return in.env
	case "imagePullSecrets":
		return in.secrets
	}
	return nil
}

// name is the injection's name, which keys the status annotation.
func (in *Injection) name() string { return in.Metadata.Name }
