package transform

import (
	"maps"
	"slices"
	"text/template"

	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/inject-sidecars/inject-sidecars/api/v1alpha1"
	"github.com/inject-sidecars/inject-sidecars/internal/yamlnode"
)

// What an injection adds, for renderers other than the node edits of
// this package (the admission policies render it into CEL). Everything
// here is the same definition apply and render use, so the two renderings
// cannot drift apart.

// Placement is one block of containers the injection inserts into one
// of the pod's container lists.
type Placement struct {
	// List is containers or initContainers.
	List string
	// Where is first, last, before or after; Anchor the container that
	// before and after name.
	Where  v1alpha1.Where
	Anchor string
	// Nodes are the containers, in order.
	Nodes []*yaml.Node
	// Before is the key a newly created list goes before ("" for the end).
	Before string
}

// placements says where sidecars and the config's init containers go:
// in native mode both, sidecars first, into initContainers at the
// position; in classic mode sidecars into containers at the position,
// and the run-to-completion init containers first in initContainers.
func (in *Injection) placements(sidecars, inits []*yaml.Node) []Placement {
	if in.Spec.Mode == v1alpha1.Native {
		block := append(append([]*yaml.Node(nil), sidecars...), inits...)
		if len(block) == 0 {
			return nil
		}
		return []Placement{{List: "initContainers", Where: in.where, Anchor: in.anchor, Nodes: block, Before: "containers"}}
	}
	var out []Placement
	if len(sidecars) > 0 {
		out = append(out, Placement{List: "containers", Where: in.where, Anchor: in.anchor, Nodes: sidecars})
	}
	if len(inits) > 0 {
		out = append(out, Placement{List: "initContainers", Where: v1alpha1.First, Nodes: inits, Before: "containers"})
	}
	return out
}

// index is where in list the placement's block goes; before and after
// need their anchor there (check reports it missing as a conflict).
func (p Placement) index(list *yaml.Node) int {
	switch p.Where {
	case v1alpha1.First:
		return 0
	case v1alpha1.Before:
		if i := named(list, p.Anchor); i >= 0 {
			return i
		}
	case v1alpha1.After:
		if i := named(list, p.Anchor); i >= 0 {
			return i + 1
		}
	}
	return len(list.Content)
}

// Placements returns where the injection's containers go, as the config
// writes them: native sidecars with restartPolicy: Always (see
// Sidecars), scalars the config's own nodes, so Template finds theirs.
func (in *Injection) Placements() []Placement {
	return in.placements(in.Sidecars(), in.inits)
}

// Sidecars returns the config's sidecars as the injection adds them
// before templates are filled in: in native mode each gets
// restartPolicy: Always unless it sets one. The mappings are copies; the
// scalars in them are the config's own nodes.
func (in *Injection) Sidecars() []*yaml.Node {
	out := make([]*yaml.Node, len(in.containers))
	for i, n := range in.containers {
		c := *n
		c.Content = append([]*yaml.Node(nil), n.Content...)
		if in.Spec.Mode == v1alpha1.Native {
			withRestartPolicy(&c)
		}
		out[i] = &c
	}
	return out
}

// withRestartPolicy makes s a native sidecar: restartPolicy: Always,
// after its image, unless it sets a restartPolicy itself.
func withRestartPolicy(s *yaml.Node) {
	if yamlnode.Field(s, "restartPolicy") == nil {
		setAfter(s, "restartPolicy", newScalar("Always"), "image")
	}
}

// Objects returns the config's objects of one spec list (containers,
// initContainers, volumes, volumeMounts, env, imagePullSecrets).
func (in *Injection) Objects(list string) []*yaml.Node { return in.objects(list) }

// Template returns the parsed template of a scalar of the config's
// objects, or nil when the scalar is not a template. Its data is a
// TemplateData.
func (in *Injection) Template(n *yaml.Node) *template.Template { return in.templates[n] }

// SidecarList is the container list sidecars go into: initContainers in
// native mode, containers in classic mode.
func (in *Injection) SidecarList() string {
	if in.Spec.Mode == v1alpha1.Native {
		return "initContainers"
	}
	return "containers"
}

// SetsDefaultContainer reports whether the injection sets
// kubectl.kubernetes.io/default-container to the pod's first app
// container (unless it is already set): classic sidecars placed first,
// so kubectl logs and exec keep their target.
func (in *Injection) SetsDefaultContainer() bool {
	return in.Spec.Mode == v1alpha1.Classic && in.where == v1alpha1.First && len(in.containers) > 0
}

// WorkloadKind is a kind that carries a Pod spec, in the groups that
// serve it (empty: any group), with the path to its Pod spec.
type WorkloadKind struct {
	Groups []string
	Kind   string
	Path   []string
}

// WorkloadKinds returns the kinds the injection treats as workloads: the
// built-in ones, and those the config declares (which win over a
// built-in kind of the same name), sorted by kind.
func (in *Injection) WorkloadKinds() []WorkloadKind {
	byKind := map[string]WorkloadKind{}
	for k, b := range builtinKinds {
		byKind[k] = WorkloadKind{Groups: b.groups, Kind: k, Path: b.path}
	}
	for _, k := range in.kinds {
		var groups []string
		if k.group != "" {
			groups = []string{k.group}
		}
		byKind[k.kind] = WorkloadKind{Groups: groups, Kind: k.kind, Path: k.path}
	}
	out := make([]WorkloadKind, 0, len(byKind))
	for _, k := range slices.Sorted(maps.Keys(byKind)) {
		out = append(out, byKind[k])
	}
	return out
}
