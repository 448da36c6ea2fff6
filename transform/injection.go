package transform

import (
	"fmt"
	"regexp"
	"strings"

	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Mode says where sidecars go.
type Mode string

const (
	// Native sidecars are initContainers with restartPolicy: Always.
	Native Mode = "native"
	// Classic sidecars are extra entries in containers.
	Classic Mode = "classic"
)

// Action says whether an injection adds or removes its objects.
type Action string

const (
	Inject   Action = "inject"
	Uninject Action = "uninject"
)

// OnConflict says what to do when the pod already has something the
// injection would add.
type OnConflict string

const (
	ConflictError   OnConflict = "error"
	ConflictSkip    OnConflict = "skip"
	ConflictReplace OnConflict = "replace"
)

// Position says where in the target list the sidecars go.
type Position struct {
	// Where is first, last, before or after.
	Where string
	// Container is the existing container that before/after refer to.
	Container string
}

// ParsePosition reads first, last, before:NAME or after:NAME.
func ParsePosition(s string) (Position, error) {
	switch s {
	case "first", "last":
		return Position{Where: s}, nil
	}
	where, name, ok := strings.Cut(s, ":")
	if ok && (where == "before" || where == "after") && name != "" {
		return Position{Where: where, Container: name}, nil
	}
	return Position{}, fmt.Errorf("%q is not a position: want first, last, before:NAME or after:NAME", s)
}

func (p Position) String() string {
	if p.Container != "" {
		return p.Where + ":" + p.Container
	}
	return p.Where
}

// Selector picks resources, with kustomize's Selector semantics: group,
// version, kind, name and namespace are anchored regular expressions, and
// label and annotation selectors use the Kubernetes selector syntax. An
// empty field matches everything.
type Selector struct {
	Group, Version, Kind, Name, Namespace *regexp.Regexp
	Labels, Annotations                   labels.Selector
}

// SelectorSpec is the text form of a Selector.
type SelectorSpec struct {
	Group, Version, Kind, Name, Namespace string
	LabelSelector, AnnotationSelector     string
}

// NewSelector compiles s. The error names the field that did not compile.
func NewSelector(s SelectorSpec) (Selector, error) {
	var sel Selector
	for _, f := range []struct {
		name, expr string
		dst        **regexp.Regexp
	}{
		{"group", s.Group, &sel.Group},
		{"version", s.Version, &sel.Version},
		{"kind", s.Kind, &sel.Kind},
		{"name", s.Name, &sel.Name},
		{"namespace", s.Namespace, &sel.Namespace},
	} {
		if f.expr == "" {
			continue
		}
		re, err := regexp.Compile("^(?:" + f.expr + ")$")
		if err != nil {
			return sel, fmt.Errorf("%s: %w", f.name, err)
		}
		*f.dst = re
	}
	var err error
	if s.LabelSelector != "" {
		if sel.Labels, err = labels.Parse(s.LabelSelector); err != nil {
			return sel, fmt.Errorf("labelSelector: %w", err)
		}
	}
	if s.AnnotationSelector != "" {
		if sel.Annotations, err = labels.Parse(s.AnnotationSelector); err != nil {
			return sel, fmt.Errorf("annotationSelector: %w", err)
		}
	}
	return sel, nil
}

func (s Selector) matches(w *workload) bool {
	return matchRe(s.Group, w.group) && matchRe(s.Version, w.version) &&
		matchRe(s.Kind, w.ref.Kind) && matchRe(s.Name, w.ref.Name) &&
		matchRe(s.Namespace, w.ref.Namespace) &&
		(s.Labels == nil || s.Labels.Matches(labels.Set(w.labels))) &&
		(s.Annotations == nil || s.Annotations.Matches(labels.Set(w.annotations)))
}

func matchRe(re *regexp.Regexp, s string) bool { return re == nil || re.MatchString(s) }

// WorkloadKind declares a kind that carries a Pod spec.
type WorkloadKind struct {
	// Group is the API group; empty matches the kind in any group.
	Group string
	Kind  string
	// PodSpecPath is the path to the Pod spec, such as spec/template/spec.
	PodSpecPath []string
}

// Injection is one SidecarInjection, decoded and validated: the objects it
// adds are the user's own YAML nodes, so their comments and field order
// reach the output.
type Injection struct {
	Name   string
	Hash   string
	Action Action
	Mode   Mode
	// Position is where sidecars go in their list.
	Position   Position
	OnConflict OnConflict
	OptIn      bool
	Targets    []Selector
	Exclude    []Selector

	Containers       []*yaml.Node
	InitContainers   []*yaml.Node
	Volumes          []*yaml.Node
	VolumeMounts     []*yaml.Node
	Env              []*yaml.Node
	ImagePullSecrets []*yaml.Node
	AppContainers    []string
	PodAnnotations   map[string]string
	PodLabels        map[string]string
	WorkloadKinds    []WorkloadKind

	// templates maps a scalar in the objects above to its parsed template.
	templates map[*yaml.Node]*tmpl
	prepared  bool
}

// Prepare parses the templates in the injection's objects, once, so that
// no workload pays for it. The error names the object and field.
func (in *Injection) Prepare() error {
	in.templates = map[*yaml.Node]*tmpl{}
	for _, l := range []struct {
		name  string
		nodes []*yaml.Node
	}{
		{"containers", in.Containers},
		{"initContainers", in.InitContainers},
		{"volumes", in.Volumes},
		{"volumeMounts", in.VolumeMounts},
		{"env", in.Env},
	} {
		for i, n := range l.nodes {
			if err := in.parseTemplates(n, fmt.Sprintf("%s[%d]", l.name, i)); err != nil {
				return err
			}
		}
	}
	in.prepared = true
	return nil
}

func (in *Injection) parseTemplates(n *yaml.Node, path string) error {
	switch n.Kind {
	case yaml.ScalarNode:
		if !strings.Contains(n.Value, "{{") {
			return nil
		}
		t, err := parseTemplate(path, n.Value)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		in.templates[n] = t
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			if err := in.parseTemplates(n.Content[i+1], path+"."+n.Content[i].Value); err != nil {
				return err
			}
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			if err := in.parseTemplates(c, fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
	}
	return nil
}
