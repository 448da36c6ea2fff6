package transform

import (
	"fmt"
	"github.com/inject-sidecars/inject-sidecars/api/v1alpha1"
	"maps"
	"slices"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/inject-sidecars/inject-sidecars/internal/yamlnode"
)

// newNames is the set of container names this change adds.
func (c *change) newNames() map[string]bool {
	names := make(map[string]bool, len(c.sidecars)+len(c.inits))
	for _, list := range [][]*yaml.Node{c.sidecars, c.inits} {
		for _, n := range list {
			names[yamlnode.Str(n, "name")] = true
		}
	}
	return names
}

// conflict is something the pod already has that the injection would add.
type conflict struct {
	field string
	msg   string
	// replaceable is false for clashes that replace cannot resolve
	// without deleting the user's own container.
	replaceable bool
	// short, when set, is msg in fewer words, for the summary table.
	short string
}

// reason is the conflict in a few words, for the summary table.
func (cf conflict) reason() string {
	if cf.short != "" {
		return cf.short
	}
	return cf.msg
}

// conflicts splits the pod's clashes with the change: those that keep
// it from being made (all of them, or with onConflict: replace those
// replace cannot resolve) and those replace overwrites. A pod holding a
// YAML anchor is never replaced into: what replace overwrites may be the
// anchor, and its aliases would point at nothing (the output would not
// parse).
func (c *change) conflicts() (blocking, replaced []conflict) {
	anchor, looked := "", false
	for _, cf := range c.check() {
		if c.inj.Spec.OnConflict != v1alpha1.ConflictReplace || !cf.replaceable {
			blocking = append(blocking, cf)
			continue
		}
		if !looked {
			anchor, looked = anchorIn(c.p.spec), true
		}
		if anchor != "" {
			cf.msg += fmt.Sprintf("; onConflict: replace does not apply: the pod holds the YAML anchor &%s, which its aliases need", anchor)
			blocking = append(blocking, cf)
			continue
		}
		replaced = append(replaced, cf)
	}
	return blocking, replaced
}

// anchorIn returns the name of the first anchor under n, or "".
func anchorIn(n *yaml.Node) string {
	if n == nil {
		return ""
	}
	if n.Anchor != "" {
		return n.Anchor
	}
	for _, ch := range n.Content {
		if a := anchorIn(ch); a != "" {
			return a
		}
	}
	return ""
}

// targetList is the name of the list sidecars go into.
func (c *change) targetList() string { return c.inj.SidecarList() }

func (c *change) oldHas(list func(*Entry) []string, name string) bool {
	return c.old != nil && slices.Contains(list(c.old), name)
}

func oldContainers(e *Entry) []string { return e.Containers }
func oldInits(e *Entry) []string      { return e.InitContainers }
func oldVolumes(e *Entry) []string    { return e.Volumes }
func oldAnnos(e *Entry) []string      { return e.PodAnnotations }
func oldLabels(e *Entry) []string     { return e.PodLabels }

// appContainers returns the workload's own containers that get mounts
// and env: not sidecars of any injection (nor a container of the name of
// one this change adds, which replace takes away), and named by
// appContainers when that is set.
func (c *change) appContainers() []*yaml.Node {
	var out []*yaml.Node
	newNames := c.newNames()
	for _, ctr := range yamlnode.Seq(c.p.spec, "containers") {
		name := yamlnode.Str(ctr, "name")
		if c.owns(name) || newNames[name] {
			continue
		}
		if len(c.inj.Spec.AppContainers) > 0 && !slices.Contains(c.inj.Spec.AppContainers, name) {
			continue
		}
		out = append(out, ctr)
	}
	return out
}

// containerClashes finds the pod's containers named like one this change
// adds, and the ports the sidecars would share with the pod's containers
// (run-to-completion init containers are gone before the sidecars start).
// A pod may hold a thousand sidecars of other injections: this walk
// builds no string unless it finds something.
func (c *change) containerClashes(newNames map[string]bool) []conflict {
	withPorts := false
	for _, s := range c.sidecars {
		withPorts = withPorts || len(yamlnode.Seq(s, "ports")) > 0
	}
	if !withPorts && !c.w.names.anyOf(c.p.spec, newNames) {
		return nil // nothing in the pod is named like what this change adds
	}
	out := c.containerNameClashes(newNames)
	if withPorts {
		out = append(out, c.sidecarPortClashes(c.podPorts(newNames))...)
	}
	return out
}

// eachPodContainer calls fn for each of the pod's containers and init
// containers, but those the earlier run of this injection added.
func (c *change) eachPodContainer(fn func(list string, i int, ctr *yaml.Node, name string)) {
	for _, list := range []string{"containers", "initContainers"} {
		own := oldContainers
		if list == "initContainers" {
			own = oldInits
		}
		for i, ctr := range yamlnode.Seq(c.p.spec, list) {
			if name := yamlnode.Str(ctr, "name"); !c.oldHas(own, name) {
				fn(list, i, ctr, name)
			}
		}
	}
}

// containerNameClashes finds the pod's containers named like one this
// change adds.
func (c *change) containerNameClashes(newNames map[string]bool) []conflict {
	var out []conflict
	c.eachPodContainer(func(list string, i int, _ *yaml.Node, name string) {
		if newNames[name] {
			// Sidecar names are DNS labels (validated), so the short
			// form needs no quotes.
			out = append(out, conflict{field: fmt.Sprintf("%s.%s[%d].name", c.p.path, list, i), msg: fmt.Sprintf("container %q already exists", name), replaceable: true,
				short: "container " + name + " already exists"})
		}
	})
	return out
}

// portKey is a port number and its protocol.
type portKey struct {
	port, proto string
}

// portAt is where in the pod a port is declared.
type portAt struct {
	list, key string
	i, j      int
}

// podPorts are the container ports and host ports the pod's containers
// hold while the sidecars run: not those of run-to-completion init
// containers, nor, with replace, those of the containers replaced.
func (c *change) podPorts(newNames map[string]bool) (ports, hostPorts map[portKey]portAt) {
	ports, hostPorts = map[portKey]portAt{}, map[portKey]portAt{}
	c.eachPodContainer(func(list string, i int, ctr *yaml.Node, name string) {
		if newNames[name] && c.inj.Spec.OnConflict == v1alpha1.ConflictReplace {
			return // its ports go with it
		}
		if list == "initContainers" && yamlnode.Str(ctr, "restartPolicy") != "Always" {
			return
		}
		for j, p := range yamlnode.Seq(ctr, "ports") {
			proto := protocol(p)
			if v := yamlnode.Str(p, "containerPort"); v != "" {
				ports[portKey{v, proto}] = portAt{list, "containerPort", i, j}
			}
			if v := yamlnode.Str(p, "hostPort"); v != "" {
				hostPorts[portKey{v, proto}] = portAt{list, "hostPort", i, j}
			}
		}
	})
	return ports, hostPorts
}

// sidecarPortClashes finds the sidecars' ports and host ports the pod
// already uses.
func (c *change) sidecarPortClashes(ports, hostPorts map[portKey]portAt) []conflict {
	var out []conflict
	for _, s := range c.sidecars {
		for _, p := range yamlnode.Seq(s, "ports") {
			proto := protocol(p)
			for _, kind := range []struct {
				key, what string
				used      map[portKey]portAt
			}{{"containerPort", "port", ports}, {"hostPort", "hostPort", hostPorts}} {
				v := yamlnode.Str(p, kind.key)
				if pa, ok := kind.used[portKey{v, proto}]; ok && v != "" {
					out = append(out, conflict{fmt.Sprintf("%s.%s[%d].ports[%d].%s", c.p.path, pa.list, pa.i, pa.j, pa.key),
						fmt.Sprintf("%s %s/%s of sidecar %q is already used in the pod", kind.what, v, proto, yamlnode.Str(s, "name")), false, ""})
				}
			}
		}
	}
	return out
}

// check finds conflicts without changing anything. What the earlier run
// of this injection added does not count: an upgrade removes it first.
func (c *change) check() []conflict {
	claims := c.claimNames()
	var out []conflict
	out = append(out, c.containerClashes(c.newNames())...)
	out = append(out, c.hostNetworkPortClashes()...)
	out = append(out, c.claimVolumeClashes(claims)...)
	out = append(out, c.undeclaredMounts(claims)...)
	out = append(out, c.podLevelProblems()...)
	out = append(out, c.volumeClashes()...)
	out = append(out, c.appContainerClashes()...)
	out = append(out, c.podMetadataClashes()...)
	out = append(out, c.missingPositionAnchor()...)
	return out
}

// hostNetworkPortClashes: on a hostNetwork pod the sidecars use the
// node's ports, and Kubernetes requires hostPort to equal containerPort.
func (c *change) hostNetworkPortClashes() []conflict {
	if yamlnode.Str(c.p.spec, "hostNetwork") != "true" {
		return nil
	}
	var out []conflict
	for i, s := range c.sidecars {
		for j, p := range yamlnode.Seq(s, "ports") {
			cp, hp := yamlnode.Str(p, "containerPort"), yamlnode.Str(p, "hostPort")
			if hp != "" && hp != cp {
				out = append(out, conflict{c.p.path + ".hostNetwork", fmt.Sprintf("sidecar %q (spec.containers[%d].ports[%d]) has hostPort %s and containerPort %s, but on a hostNetwork pod Kubernetes requires them to be equal", yamlnode.Str(s, "name"), i, j, hp, cp), false, ""})
			}
		}
	}
	return out
}

// claimNames are a StatefulSet's volumeClaimTemplates names, each with
// its index; empty for other kinds.
func (c *change) claimNames() map[string]int {
	claims := map[string]int{}
	if c.w.ref.Kind == "StatefulSet" {
		for i, vct := range yamlnode.Seq(yamlnode.Field(c.w.node, "spec"), "volumeClaimTemplates") {
			claims[yamlnode.Str(yamlnode.Field(vct, "metadata"), "name")] = i
		}
	}
	return claims
}

// claimVolumeClashes: a volume of a StatefulSet claim's name would give
// the pod two sources for one name.
func (c *change) claimVolumeClashes(claims map[string]int) []conflict {
	var out []conflict
	for _, v := range c.volumes {
		name := yamlnode.Str(v, "name")
		if i, ok := claims[name]; ok {
			out = append(out, conflict{fmt.Sprintf("%sspec.volumeClaimTemplates[%d].metadata.name", prefix(c.w.field), i), fmt.Sprintf("volume %q is also the name of a volumeClaimTemplate: the pod would have two sources for one volume", name), false, ""})
		}
	}
	return out
}

// undeclaredMounts: every mount needs a volume, the injection's, the
// pod's, or a StatefulSet claim.
func (c *change) undeclaredMounts(claims map[string]int) []conflict {
	declared := map[string]bool{}
	for _, v := range c.volumes {
		declared[yamlnode.Str(v, "name")] = true
	}
	for _, v := range yamlnode.Seq(c.p.spec, "volumes") {
		declared[yamlnode.Str(v, "name")] = true
	}
	for name := range claims {
		declared[name] = true
	}
	var out []conflict
	undeclared := func(what string, mounts []*yaml.Node) {
		for _, m := range mounts {
			if name := yamlnode.Str(m, "name"); name != "" && !declared[name] {
				out = append(out, conflict{c.p.path + ".volumes", fmt.Sprintf("%s mounts volume %q, which neither the injection nor the pod declares", what, name), false, ""})
			}
		}
	}
	for _, list := range [][]*yaml.Node{c.sidecars, c.inits} {
		for _, s := range list {
			undeclared(fmt.Sprintf("container %q", yamlnode.Str(s, "name")), yamlnode.Seq(s, "volumeMounts"))
		}
	}
	undeclared("spec.volumeMounts", c.mounts)
	return out
}

// volumeClashes finds the pod's volumes named like one this change adds
// but with another source; an identical one is shared.
func (c *change) volumeClashes() []conflict {
	var out []conflict
	spec := c.p.spec
	for _, v := range c.volumes {
		name := yamlnode.Str(v, "name")
		if c.oldHas(oldVolumes, name) {
			continue
		}
		if i := named(yamlnode.Field(spec, "volumes"), name); i >= 0 && !yamlnode.Equal(yamlnode.Seq(spec, "volumes")[i], v, false) {
			out = append(out, conflict{fmt.Sprintf("%s.volumes[%d]", c.p.path, i), fmt.Sprintf("volume %q already exists with another source", name), true, ""})
		}
	}
	return out
}

// appContainerClashes finds the mounts and env in the app containers
// that the change would set to something else.
func (c *change) appContainerClashes() []conflict {
	var out []conflict
	for _, ctr := range c.appContainers() {
		name := yamlnode.Str(ctr, "name")
		i := named(yamlnode.Field(c.p.spec, "containers"), name)
		base := fmt.Sprintf("%s.containers[%d]", c.p.path, i)
		out = append(out, c.clashes(ctr, base, "volumeMounts", "mountPath", c.mounts, c.old.mounts(name),
			"container %q already mounts something else at %s")...)
		out = append(out, c.clashes(ctr, base, "env", "name", c.env, c.old.envNames(name),
			"container %q already sets %s to another value")...)
	}
	return out
}

// podMetadataClashes finds the pod annotations and labels already set to
// another value than the injection's.
func (c *change) podMetadataClashes() []conflict {
	var out []conflict
	meta := yamlnode.Field(c.p.holder, "metadata")
	for _, kv := range []struct {
		key  string
		want map[string]string
		own  func(*Entry) []string
	}{{"annotations", c.inj.Spec.PodAnnotations, oldAnnos}, {"labels", c.inj.Spec.PodLabels, oldLabels}} {
		have := yamlnode.Field(meta, kv.key)
		for _, k := range slices.Sorted(maps.Keys(kv.want)) {
			if c.oldHas(kv.own, k) {
				continue
			}
			if v := yamlnode.Resolve(yamlnode.Field(have, k)); v != nil && v.Value != kv.want[k] {
				out = append(out, conflict{yamlnode.Key(c.p.metaPath+"."+kv.key, k), fmt.Sprintf("pod %s %s is already set to %q", strings.TrimSuffix(kv.key, "s"), k, v.Value), true, ""})
			}
		}
	}
	return out
}

// missingPositionAnchor: before:NAME and after:NAME need NAME in the
// list, and not as a container an earlier run of this injection added.
func (c *change) missingPositionAnchor() []conflict {
	anchor := c.inj.anchor
	if anchor == "" || len(c.sidecars)+len(c.inits) == 0 {
		return nil
	}
	list := c.targetList()
	for _, ctr := range yamlnode.Seq(c.p.spec, list) {
		name := yamlnode.Str(ctr, "name")
		if name == anchor && !c.oldHas(oldInits, name) && !c.oldHas(oldContainers, name) {
			return nil
		}
	}
	return []conflict{{c.p.path + "." + list, fmt.Sprintf("position %s: no container %q in %s", c.inj.Spec.Position, anchor, list), false, ""}}
}

// clashes finds entries of the list key in app container ctr that have
// the same id (idKey) as one of objs but another value. Ids the earlier
// run of this injection added (ours) do not count.
func (c *change) clashes(ctr *yaml.Node, base, key, idKey string, objs []*yaml.Node, ours []string, format string) []conflict {
	var out []conflict
	name := yamlnode.Str(ctr, "name")
	for _, o := range objs {
		id := yamlnode.Str(o, idKey)
		if slices.Contains(ours, id) {
			continue
		}
		for j, have := range yamlnode.Seq(ctr, key) {
			if yamlnode.Str(have, idKey) == id && !yamlnode.Equal(have, o, false) {
				out = append(out, conflict{fmt.Sprintf("%s.%s[%d]", base, key, j), fmt.Sprintf(format, name, id), true, ""})
			}
		}
	}
	return out
}

func protocol(port *yaml.Node) string {
	if p := yamlnode.Str(port, "protocol"); p != "" {
		return p
	}
	return "TCP"
}

// prefix is a field path prefix with its dot, or "".
func prefix(p string) string {
	if p == "" {
		return ""
	}
	return p + "."
}
