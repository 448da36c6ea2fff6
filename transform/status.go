package transform

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/inject-sidecars/inject-sidecars/internal/yamlnode"
)

const (
	// StatusAnnotation records, per injection, what it added to a pod.
	StatusAnnotation = "inject-sidecars.dev/status"
	// InjectAnnotation opts a workload in or out.
	InjectAnnotation = "inject-sidecars.dev/inject"
	// DefaultContainerAnnotation is what kubectl logs and exec target.
	DefaultContainerAnnotation = "kubectl.kubernetes.io/default-container"
)

// Entry is what one injection added to one pod. Names identify every
// object, so a later run can take exactly these away again.
type Entry struct {
	// Hash is the fingerprint of what the injection rendered for this
	// workload (see change.fingerprint): the workload is up to date when
	// today's rendering has the same fingerprint and is all still there.
	Hash           string   `json:"hash"`
	Containers     []string `json:"containers,omitempty"`
	InitContainers []string `json:"initContainers,omitempty"`
	Volumes        []string `json:"volumes,omitempty"`
	// VolumeMounts and Env list, per app container, the mount paths and
	// variable names added to it.
	VolumeMounts     map[string][]string `json:"volumeMounts,omitempty"`
	Env              map[string][]string `json:"env,omitempty"`
	ImagePullSecrets []string            `json:"imagePullSecrets,omitempty"`
	PodAnnotations   []string            `json:"podAnnotations,omitempty"`
	PodLabels        []string            `json:"podLabels,omitempty"`
	// Created records the fields this injection created, and what was
	// there before ("absent", or the text of a null), so uninject can
	// give the pod back exactly as it was.
	Created map[string]string `json:"created,omitempty"`
}

// Status is the decoded status annotation, keyed by injection name.
type Status map[string]*Entry

// errStatus is a status annotation that does not hold what a run wrote.
type errStatus struct{ why string }

func (e errStatus) Error() string {
	return fmt.Sprintf("annotation %s is corrupt: %s; fix it, or remove it and run again (its sidecars are then injected anew)", StatusAnnotation, e.why)
}

// readStatus decodes the status annotation. Anything but a JSON object
// of objects, as a run writes it, is an errStatus: a hand-edited or
// truncated status must never be half-read.
func readStatus(meta *yaml.Node) (Status, error) {
	n := yamlnode.Resolve(yamlnode.Field(yamlnode.Field(meta, "annotations"), StatusAnnotation))
	if n == nil {
		return Status{}, nil
	}
	if n.Kind != yaml.ScalarNode || yamlnode.IsNull(n) {
		return nil, errStatus{"want a JSON object keyed by injection name, got " + yamlnode.Describe(n)}
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(n.Value), &raw); err != nil || raw == nil {
		return nil, errStatus{fmt.Sprintf("want a JSON object keyed by injection name, got %s", clip(n.Value))}
	}
	st := make(Status, len(raw))
	for name, v := range raw {
		e := &Entry{}
		if len(v) == 0 || v[0] != '{' {
			return nil, errStatus{fmt.Sprintf("the entry of %q is %s, not an object", name, clip(string(v)))}
		}
		if err := json.Unmarshal(v, e); err != nil {
			return nil, errStatus{fmt.Sprintf("the entry of %q: %v", name, err)}
		}
		st[name] = e
	}
	return st, nil
}

// clip quotes s for a message, shortened.
func clip(s string) string {
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return fmt.Sprintf("%q", s)
}

func (st Status) encode() string {
	b, _ := json.Marshal(st) // a map of plain structs cannot fail to encode
	return string(b)
}

// mounts and envNames return the mount paths and env names e added to
// container ctr; nil when e is nil.
func (e *Entry) mounts(ctr string) []string {
	if e == nil {
		return nil
	}
	return e.VolumeMounts[ctr]
}

func (e *Entry) envNames(ctr string) []string {
	if e == nil {
		return nil
	}
	return e.Env[ctr]
}

// owns reports whether any injection recorded the container name.
func (c *change) owns(name string) bool { return c.owners[name] > 0 }

// handOver moves the created marks of a removed entry whose fields are
// still in use to another entry, so that whichever injection leaves last
// puts the fields back.
func (st Status) handOver(from *Entry, still func(key string) bool) {
	if len(from.Created) == 0 {
		return
	}
	names := slices.Sorted(maps.Keys(st))
	for key, prior := range from.Created {
		if !still(key) {
			continue
		}
		for _, n := range names {
			if e := st[n]; e != from {
				if e.Created == nil {
					e.Created = map[string]string{}
				}
				if _, ok := e.Created[key]; !ok {
					e.Created[key] = prior
				}
				break
			}
		}
	}
}
