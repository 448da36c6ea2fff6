package transform

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// change is one injection meeting one pod: the objects rendered for this
// workload, and the status the pod carries. It holds state; build a new
// one for every pair.
type change struct {
	inj  *Injection
	w    *workload
	p    *pod
	st   Status
	old  *Entry // what an earlier run of this injection added, if any
	next *Entry

	sidecars, inits, volumes, mounts, env, secrets []*yaml.Node
}

// render copies the injection's objects for this workload, filling in
// templates. Native sidecars get restartPolicy: Always.
func (c *change) render() error {
	data := c.w.templateData()
	fill := func(n *yaml.Node) (string, bool, error) {
		t := c.inj.templates[n]
		if t == nil {
			return "", false, nil
		}
		v, err := execTemplate(t, data)
		return v, true, err
	}
	copyAll := func(nodes []*yaml.Node) ([]*yaml.Node, error) {
		if len(nodes) == 0 {
			return nil, nil
		}
		out := make([]*yaml.Node, len(nodes))
		for i, n := range nodes {
			var err error
			if out[i], err = copyNode(n, fill); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	var err error
	if c.sidecars, err = copyAll(c.inj.Containers); err != nil {
		return err
	}
	if c.inits, err = copyAll(c.inj.InitContainers); err != nil {
		return err
	}
	if c.volumes, err = copyAll(c.inj.Volumes); err != nil {
		return err
	}
	if c.mounts, err = copyAll(c.inj.VolumeMounts); err != nil {
		return err
	}
	if c.env, err = copyAll(c.inj.Env); err != nil {
		return err
	}
	c.secrets, _ = copyAll(c.inj.ImagePullSecrets) // no templates: cannot fail
	if c.inj.Mode == Native {
		for _, s := range c.sidecars {
			if field(s, "restartPolicy") == nil {
				setAfter(s, "restartPolicy", newScalar("Always"), "image")
			}
		}
	}
	return nil
}

// setAfter adds key after the key named after, or at the end.
func setAfter(m *yaml.Node, key string, v *yaml.Node, after string) {
	i := fieldIndex(m, after)
	if i < 0 {
		setField(m, key, v, "")
		return
	}
	next := ""
	if i+2 < len(m.Content) {
		next = m.Content[i+2].Value
	}
	setField(m, key, v, next)
}

// newNames is the set of container names this change adds.
func (c *change) newNames() map[string]bool {
	names := make(map[string]bool, len(c.sidecars)+len(c.inits))
	for _, list := range [][]*yaml.Node{c.sidecars, c.inits} {
		for _, n := range list {
			names[str(n, "name")] = true
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
}

// targetList is the name of the list sidecars go into.
func (c *change) targetList() string {
	if c.inj.Mode == Native {
		return "initContainers"
	}
	return "containers"
}

func (c *change) oldHas(list func(*Entry) []string, name string) bool {
	return c.old != nil && contains(list(c.old), name)
}

func oldContainers(e *Entry) []string { return e.Containers }
func oldInits(e *Entry) []string      { return e.InitContainers }
func oldVolumes(e *Entry) []string    { return e.Volumes }
func oldAnnos(e *Entry) []string      { return e.PodAnnotations }
func oldLabels(e *Entry) []string     { return e.PodLabels }

// appContainers returns the workload's own containers that get mounts
// and env: not sidecars of any injection, and named by appContainers when
// that is set.
func (c *change) appContainers() []*yaml.Node {
	var out []*yaml.Node
	for _, ctr := range seq(c.p.spec, "containers") {
		name := str(ctr, "name")
		if c.st.owns(name) {
			continue
		}
		if len(c.inj.AppContainers) > 0 && !contains(c.inj.AppContainers, name) {
			continue
		}
		out = append(out, ctr)
	}
	return out
}

// check finds conflicts without changing anything. What the earlier run
// of this injection added does not count: an upgrade removes it first.
func (c *change) check() []conflict {
	var out []conflict
	spec, at := c.p.spec, c.p.path
	newNames := c.newNames()

	// Container names, across containers and initContainers.
	type portKey struct {
		port, proto string
	}
	ports, hostPorts := map[portKey]string{}, map[portKey]string{}
	for _, list := range []string{"containers", "initContainers"} {
		own := oldContainers
		if list == "initContainers" {
			own = oldInits
		}
		for i, ctr := range seq(spec, list) {
			name := str(ctr, "name")
			if c.oldHas(own, name) {
				continue
			}
			path := fmt.Sprintf("%s.%s[%d]", at, list, i)
			if newNames[name] {
				out = append(out, conflict{path + ".name", fmt.Sprintf("container %q already exists", name), true})
				if c.inj.OnConflict == ConflictReplace {
					continue // its ports go with it
				}
			}
			if list == "initContainers" && str(ctr, "restartPolicy") != "Always" {
				continue // run-to-completion: gone before the sidecars start
			}
			for j, p := range seq(ctr, "ports") {
				proto := protocol(p)
				pp := fmt.Sprintf("%s.ports[%d]", path, j)
				if v := str(p, "containerPort"); v != "" {
					ports[portKey{v, proto}] = pp + ".containerPort"
				}
				if v := str(p, "hostPort"); v != "" {
					hostPorts[portKey{v, proto}] = pp + ".hostPort"
				}
			}
		}
	}
	for _, s := range c.sidecars {
		for _, p := range seq(s, "ports") {
			proto := protocol(p)
			if v := str(p, "containerPort"); v != "" {
				if path, ok := ports[portKey{v, proto}]; ok {
					out = append(out, conflict{path, fmt.Sprintf("port %s/%s of sidecar %q is already used in the pod", v, proto, str(s, "name")), false})
				}
			}
			if v := str(p, "hostPort"); v != "" {
				if path, ok := hostPorts[portKey{v, proto}]; ok {
					out = append(out, conflict{path, fmt.Sprintf("hostPort %s/%s of sidecar %q is already used in the pod", v, proto, str(s, "name")), false})
				}
			}
		}
	}

	// Volumes: an identical one is shared.
	for _, v := range c.volumes {
		name := str(v, "name")
		if c.oldHas(oldVolumes, name) {
			continue
		}
		if i := named(field(spec, "volumes"), name); i >= 0 && !sameValue(seq(spec, "volumes")[i], v) {
			out = append(out, conflict{fmt.Sprintf("%s.volumes[%d]", at, i), fmt.Sprintf("volume %q already exists with another source", name), true})
		}
	}

	// Mounts and env in the app containers.
	for _, ctr := range c.appContainers() {
		name := str(ctr, "name")
		i := named(field(spec, "containers"), name)
		base := fmt.Sprintf("%s.containers[%d]", at, i)
		for _, m := range c.mounts {
			mp := str(m, "mountPath")
			if c.old != nil && contains(c.old.VolumeMounts[name], mp) {
				continue
			}
			for j, have := range seq(ctr, "volumeMounts") {
				if str(have, "mountPath") == mp && !sameValue(have, m) {
					out = append(out, conflict{fmt.Sprintf("%s.volumeMounts[%d]", base, j), fmt.Sprintf("container %q already mounts something else at %s", name, mp), true})
				}
			}
		}
		for _, e := range c.env {
			en := str(e, "name")
			if c.old != nil && contains(c.old.Env[name], en) {
				continue
			}
			for j, have := range seq(ctr, "env") {
				if str(have, "name") == en && !sameValue(have, e) {
					out = append(out, conflict{fmt.Sprintf("%s.env[%d]", base, j), fmt.Sprintf("container %q already sets %s to another value", name, en), true})
				}
			}
		}
	}

	// Pod annotations and labels.
	meta := field(c.p.holder, "metadata")
	for _, kv := range []struct {
		key  string
		want map[string]string
		own  func(*Entry) []string
	}{{"annotations", c.inj.PodAnnotations, oldAnnos}, {"labels", c.inj.PodLabels, oldLabels}} {
		have := field(meta, kv.key)
		for _, k := range sortedKeys(kv.want) {
			if c.oldHas(kv.own, k) {
				continue
			}
			if v := field(have, k); v != nil && v.Value != kv.want[k] {
				out = append(out, conflict{c.p.metaPath + "." + kv.key + "." + k, fmt.Sprintf("pod %s %s is already set to %q", strings.TrimSuffix(kv.key, "s"), k, v.Value), true})
			}
		}
	}

	// before:NAME and after:NAME need NAME in the list.
	if pos := c.inj.Position; pos.Container != "" && len(c.sidecars)+len(c.inits) > 0 {
		list := c.targetList()
		found := false
		for _, ctr := range seq(spec, list) {
			name := str(ctr, "name")
			if name == pos.Container && !c.oldHas(oldInits, name) && !c.oldHas(oldContainers, name) {
				found = true
			}
		}
		if !found {
			out = append(out, conflict{at + "." + list, fmt.Sprintf("position %s: no container %q in %s", pos, pos.Container, list), false})
		}
	}
	return out
}

func protocol(port *yaml.Node) string {
	if p := str(port, "protocol"); p != "" {
		return p
	}
	return "TCP"
}

func sortedKeys(m map[string]string) []string { return slices.Sorted(maps.Keys(m)) }

// apply changes the pod: it takes away what the earlier run added, then
// adds this run's objects, sharing identical ones and overwriting
// clashing ones (check has made sure that only happens with replace).
func (c *change) apply() {
	if c.old != nil {
		c.remove(c.old)
	}
	e := &Entry{Hash: c.inj.Hash}
	c.next = e
	spec := c.p.spec
	created := func(key, prior string, created bool) {
		if !created {
			return
		}
		if e.Created == nil {
			e.Created = map[string]string{}
		}
		e.Created[key] = prior
	}

	// Replace: clashing containers go first, wherever they are.
	newNames := c.newNames()
	for _, list := range []string{"containers", "initContainers"} {
		if l := field(spec, list); l != nil && l.Kind == yaml.SequenceNode {
			for i := len(l.Content) - 1; i >= 0; i-- {
				if newNames[str(l.Content[i], "name")] {
					removeAt(l, i)
				}
			}
		}
	}

	// Mounts and env into the app containers.
	// The app's first container, not another injection's classic sidecar.
	firstApp := ""
	for _, ctr := range seq(spec, "containers") {
		if name := str(ctr, "name"); !c.st.owns(name) {
			firstApp = name
			break
		}
	}
	if len(c.mounts)+len(c.env) > 0 {
		for i, ctr := range c.appContainers() {
			name := str(ctr, "name")
			mounts, env := c.mounts, c.env
			if i > 0 { // every container gets nodes of its own
				mounts, env = copyNodes(mounts), copyNodes(env)
			}
			if added := addEach(ctr, "volumeMounts", "mountPath", mounts, created, "containers."+name+".volumeMounts"); len(added) > 0 {
				if e.VolumeMounts == nil {
					e.VolumeMounts = map[string][]string{}
				}
				e.VolumeMounts[name] = added
			}
			if added := addEach(ctr, "env", "name", env, created, "containers."+name+".env"); len(added) > 0 {
				if e.Env == nil {
					e.Env = map[string][]string{}
				}
				e.Env[name] = added
			}
		}
	}
	e.Volumes = addEach(spec, "volumes", "name", c.volumes, created, "volumes")
	e.ImagePullSecrets = addEach(spec, "imagePullSecrets", "name", c.secrets, created, "imagePullSecrets")

	// Sidecars, and the config's run-to-completion init containers.
	names := func(nodes []*yaml.Node) []string {
		out := make([]string, len(nodes))
		for i, n := range nodes {
			out[i] = str(n, "name")
		}
		return out
	}
	if len(c.sidecars)+len(c.inits) > 0 {
		if c.inj.Mode == Native {
			block := append(append([]*yaml.Node(nil), c.sidecars...), c.inits...)
			list, prior, ok := ensure(spec, "initContainers", yaml.SequenceNode, "containers")
			created("initContainers", prior, ok)
			insertAt(list, position(list, c.inj.Position), block)
			e.InitContainers = names(block)
		} else {
			if len(c.sidecars) > 0 {
				list, prior, ok := ensure(spec, "containers", yaml.SequenceNode, "")
				created("containers", prior, ok)
				insertAt(list, position(list, c.inj.Position), c.sidecars)
				e.Containers = names(c.sidecars)
			}
			if len(c.inits) > 0 {
				list, prior, ok := ensure(spec, "initContainers", yaml.SequenceNode, "containers")
				created("initContainers", prior, ok)
				insertAt(list, 0, c.inits)
				e.InitContainers = names(c.inits)
			}
		}
	}

	// Pod metadata, and last the status, which records all of the above.
	meta, prior, ok := ensure(c.p.holder, "metadata", yaml.MappingNode, "spec")
	created("metadata", prior, ok)
	annos := c.inj.PodAnnotations
	if c.inj.Mode == Classic && c.inj.Position.Where == "first" && len(c.sidecars) > 0 && firstApp != "" &&
		str(field(meta, "annotations"), DefaultContainerAnnotation) == "" {
		annos = make(map[string]string, len(c.inj.PodAnnotations)+1)
		for k, v := range c.inj.PodAnnotations {
			annos[k] = v
		}
		annos[DefaultContainerAnnotation] = firstApp
	}
	if len(c.inj.PodLabels) > 0 {
		labels, prior, ok := ensure(meta, "labels", yaml.MappingNode, "annotations")
		created("metadata.labels", prior, ok)
		e.PodLabels = setEach(labels, c.inj.PodLabels)
	}
	annotations, prior, ok := ensure(meta, "annotations", yaml.MappingNode, "")
	created("metadata.annotations", prior, ok)
	e.PodAnnotations = setEach(annotations, annos)

	c.st[c.inj.Name] = e
	writeStatus(annotations, c.st)
}

// writeStatus writes the status annotation as the last annotation, so
// that where it sits does not depend on the order injections ran in.
func writeStatus(annotations *yaml.Node, st Status) {
	deleteField(annotations, StatusAnnotation)
	setField(annotations, StatusAnnotation, newScalar(st.encode()), "")
}

// addEach adds each object to the list at key in parent, identified by
// the idKey field: an identical one already there is shared (and not
// recorded), a different one is overwritten. It returns the ids added.
func addEach(parent *yaml.Node, key, idKey string, objs []*yaml.Node, created func(string, string, bool), createdKey string) []string {
	if len(objs) == 0 {
		return nil
	}
	var added []string
	list := field(parent, key)
	for _, o := range objs {
		id := str(o, idKey)
		if list != nil && list.Kind == yaml.SequenceNode {
			i := indexBy(list, idKey, id)
			if i >= 0 && sameValue(list.Content[i], o) {
				continue
			}
			if i >= 0 {
				list.Content[i] = o
				added = append(added, id)
				continue
			}
		}
		if list == nil || list.Kind != yaml.SequenceNode {
			var prior string
			var ok bool
			list, prior, ok = ensure(parent, key, yaml.SequenceNode, "")
			created(createdKey, prior, ok)
		}
		list.Content = append(list.Content, o)
		added = append(added, id)
	}
	return added
}

// setEach sets the keys of kv in mapping m, in sorted order, and returns
// those it added or changed.
func setEach(m *yaml.Node, kv map[string]string) []string {
	var added []string
	for _, k := range sortedKeys(kv) {
		if v := field(m, k); v != nil && v.Value == kv[k] {
			continue
		}
		setString(m, k, kv[k], true)
		added = append(added, k)
	}
	return added
}

// position returns where in list the sidecars go. check has made sure a
// named container is there.
func position(list *yaml.Node, pos Position) int {
	switch pos.Where {
	case "first":
		return 0
	case "before":
		if i := named(list, pos.Container); i >= 0 {
			return i
		}
	case "after":
		if i := named(list, pos.Container); i >= 0 {
			return i + 1
		}
	}
	return len(list.Content)
}

// remove takes away everything e records, puts back the fields it created
// once they are empty, and drops e from the status annotation.
func (c *change) remove(e *Entry) {
	spec := c.p.spec
	drop := func(list *yaml.Node, idKey string, ids []string) {
		if list == nil || list.Kind != yaml.SequenceNode {
			return
		}
		for i := len(list.Content) - 1; i >= 0; i-- {
			if contains(ids, str(list.Content[i], idKey)) {
				removeAt(list, i)
			}
		}
	}
	drop(field(spec, "containers"), "name", e.Containers)
	drop(field(spec, "initContainers"), "name", e.InitContainers)
	drop(field(spec, "volumes"), "name", e.Volumes)
	drop(field(spec, "imagePullSecrets"), "name", e.ImagePullSecrets)
	for _, ctr := range seq(spec, "containers") {
		name := str(ctr, "name")
		drop(field(ctr, "volumeMounts"), "mountPath", e.VolumeMounts[name])
		drop(field(ctr, "env"), "name", e.Env[name])
	}
	meta := field(c.p.holder, "metadata")
	for _, k := range e.PodLabels {
		deleteField(field(meta, "labels"), k)
	}
	annotations := field(meta, "annotations")
	for _, k := range e.PodAnnotations {
		deleteField(annotations, k)
	}
	for name, have := range c.st {
		if have == e {
			delete(c.st, name)
		}
	}
	if annotations != nil {
		if len(c.st) == 0 {
			deleteField(annotations, StatusAnnotation)
		} else {
			writeStatus(annotations, c.st)
		}
	}

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
		if v := field(parent, name); v != nil && (v.Kind == yaml.MappingNode || v.Kind == yaml.SequenceNode) && len(v.Content) > 0 {
			kept = append(kept, k)
			continue
		}
		restore(parent, name, e.Created[k])
	}
	if len(kept) > 0 && len(c.st) > 0 {
		c.st.handOver(e, func(k string) bool { return contains(kept, k) })
		writeStatus(annotations, c.st)
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
		return field(c.p.holder, "metadata"), parts[1]
	case len(parts) == 3 && parts[0] == "containers":
		l := field(c.p.spec, "containers")
		if i := named(l, parts[1]); i >= 0 {
			return l.Content[i], parts[2]
		}
	}
	return nil, ""
}

// summary says in a few words what the entry added.
func (e *Entry) summary() string {
	var parts []string
	add := func(what string, names []string) {
		if len(names) > 0 {
			parts = append(parts, what+" "+strings.Join(names, ","))
		}
	}
	add("containers", e.Containers)
	add("initContainers", e.InitContainers)
	add("volumes", e.Volumes)
	add("volumeMounts", flatten(e.VolumeMounts))
	add("env", flatten(e.Env))
	add("imagePullSecrets", e.ImagePullSecrets)
	add("podAnnotations", e.PodAnnotations)
	add("podLabels", e.PodLabels)
	if len(parts) == 0 {
		return "nothing"
	}
	return strings.Join(parts, "; ")
}

func flatten(m map[string][]string) []string {
	var out []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out = append(out, k+":"+strings.Join(m[k], "+"))
	}
	return out
}

func copyNodes(nodes []*yaml.Node) []*yaml.Node {
	out := make([]*yaml.Node, len(nodes))
	for i, n := range nodes {
		out[i], _ = copyNode(n, nil) // no render func: cannot fail
	}
	return out
}
