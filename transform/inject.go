package transform

import (
	"github.com/inject-sidecars/inject-sidecars/api/v1alpha1"
	"maps"
	"slices"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/inject-sidecars/inject-sidecars/internal/yamlnode"
)

// change is one injection meeting one pod: the objects rendered for this
// workload, and the status the pod carries. It holds state; build a new
// one for every pair.
type change struct {
	inj *Injection
	w   *workload
	p   *pod
	st  Status
	// owners indexes st's container names.
	owners owners
	old    *Entry // what an earlier run of this injection added, if any
	next   *Entry

	sidecars, inits, volumes, mounts, env, secrets []*yaml.Node
	// annos are the pod annotations to set: the config's, and in classic
	// mode with position first the default-container annotation.
	annos map[string]string
	// fp is the fingerprint of the rendering, taken before anything
	// changes.
	fp string
	// overridden: an owner's override changed the rendered sidecars.
	overridden bool
}

// render copies the injection's objects for this workload, filling in
// templates. v1alpha1.Native sidecars get restartPolicy: Always.
func (c *change) render() error {
	if err := c.renderObjects(); err != nil {
		return err
	}
	if err := c.applyOwnersOverrides(); err != nil {
		return err
	}
	if c.inj.Spec.Mode == v1alpha1.Native {
		for _, s := range c.sidecars {
			withRestartPolicy(s)
		}
	}
	c.annos = c.podAnnotations()
	if errs := c.validRendered(); len(errs) > 0 {
		return renderErrors(errs)
	}
	return nil
}

// renderObjects copies each of the injection's lists for this workload,
// filling in templates with the workload's data.
func (c *change) renderObjects() error {
	data := c.w.templateData()
	fill := func(n *yaml.Node) (string, bool, error) {
		t := c.inj.templates[n]
		if t == nil {
			return "", false, nil
		}
		v, err := execTemplate(t, data)
		if err != nil {
			return "", true, templateError(t, data, err)
		}
		return v, true, nil
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
	if c.sidecars, err = copyAll(c.inj.containers); err != nil {
		return err
	}
	if c.inits, err = copyAll(c.inj.inits); err != nil {
		return err
	}
	if c.volumes, err = copyAll(c.inj.volumes); err != nil {
		return err
	}
	if c.mounts, err = copyAll(c.inj.mounts); err != nil {
		return err
	}
	if c.env, err = copyAll(c.inj.env); err != nil {
		return err
	}
	c.secrets, _ = copyAll(c.inj.secrets) // no templates: cannot fail
	return nil
}

// applyOwnersOverrides sets on the rendered containers what the
// workload's owners override, and checks the result.
func (c *change) applyOwnersOverrides() error {
	ov, errs := c.readOverrides()
	if len(errs) > 0 {
		return overrideErrors(errs)
	}
	c.overridden = len(ov) > 0
	applyOverrides(c.sidecars, ov)
	applyOverrides(c.inits, ov)
	return c.validOverridden(ov)
}

// podAnnotations are the pod annotations to set: the config's, and in
// classic mode with position first the default-container annotation.
func (c *change) podAnnotations() map[string]string {
	if !c.inj.SetsDefaultContainer() {
		return c.inj.Spec.PodAnnotations
	}
	// kubectl logs and exec keep their target: the app's first
	// container, not another injection's classic sidecar.
	firstApp := ""
	for _, ctr := range yamlnode.Seq(c.p.spec, "containers") {
		if name := yamlnode.Str(ctr, "name"); !c.owns(name) {
			firstApp = name
			break
		}
	}
	have := yamlnode.Str(yamlnode.Field(yamlnode.Field(c.p.holder, "metadata"), "annotations"), DefaultContainerAnnotation)
	if firstApp == "" || have != "" && !c.oldHas(oldAnnos, DefaultContainerAnnotation) {
		return c.inj.Spec.PodAnnotations
	}
	annos := make(map[string]string, len(c.inj.Spec.PodAnnotations)+1)
	maps.Copy(annos, c.inj.Spec.PodAnnotations)
	annos[DefaultContainerAnnotation] = firstApp
	return annos
}

// setAfter adds key after the key named after, or at the end.
func setAfter(m *yaml.Node, key string, v *yaml.Node, after string) {
	i := yamlnode.FieldIndex(m, after)
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

// apply changes the pod: it takes away what the earlier run added, then
// adds this run's objects, sharing identical ones and overwriting
// clashing ones (check has made sure that only happens with replace).
func (c *change) apply() {
	if c.old != nil {
		c.remove(c.old)
	}
	e := &Entry{Hash: c.fp}
	c.next = e
	c.dropReplaced()
	c.addMountsAndEnv(e)
	e.Volumes = addEach(c.p.spec, "volumes", "name", c.volumes, e.noteCreated, "volumes")
	e.ImagePullSecrets = addEach(c.p.spec, "imagePullSecrets", "name", c.secrets, e.noteCreated, "imagePullSecrets")
	c.addContainers(e)
	annotations := c.setPodMetadata(e)
	// Last the status, which records all of the above.
	c.st[c.inj.name()] = e
	c.owners.count(e, 1)
	c.w.writeStatus(annotations, c.st, c.owners)
}

// noteCreated records in the entry that this run created the field at
// key, and what was there before (prior), when created is true.
func (e *Entry) noteCreated(key, prior string, created bool) {
	if !created {
		return
	}
	if e.Created == nil {
		e.Created = map[string]string{}
	}
	e.Created[key] = prior
}

// addMountsAndEnv adds the injection's volume mounts and env to the app
// containers, and records them in e.
func (c *change) addMountsAndEnv(e *Entry) {
	if len(c.mounts)+len(c.env) == 0 {
		return
	}
	for i, ctr := range c.appContainers() {
		name := yamlnode.Str(ctr, "name")
		mounts, env := c.mounts, c.env
		if i > 0 { // every container gets nodes of its own
			mounts, env = copyNodes(mounts), copyNodes(env)
		}
		if added := addEach(ctr, "volumeMounts", "mountPath", mounts, e.noteCreated, "containers."+name+".volumeMounts"); len(added) > 0 {
			if e.VolumeMounts == nil {
				e.VolumeMounts = map[string][]string{}
			}
			e.VolumeMounts[name] = added
		}
		if added := addEach(ctr, "env", "name", env, e.noteCreated, "containers."+name+".env"); len(added) > 0 {
			if e.Env == nil {
				e.Env = map[string][]string{}
			}
			e.Env[name] = added
		}
	}
}

// addContainers puts the sidecars, and the config's run-to-completion
// init containers, in their places, and records them in e.
func (c *change) addContainers(e *Entry) {
	names := func(nodes []*yaml.Node) []string {
		out := make([]string, len(nodes))
		for i, n := range nodes {
			out[i] = yamlnode.Str(n, "name")
		}
		return out
	}
	for _, pl := range c.inj.placements(c.sidecars, c.inits) {
		list, prior, ok := ensure(c.p.spec, pl.List, yaml.SequenceNode, pl.Before)
		e.noteCreated(pl.List, prior, ok)
		insertAt(list, pl.index(list), pl.Nodes)
		if pl.List == "containers" {
			e.Containers = names(pl.Nodes)
		} else {
			e.InitContainers = names(pl.Nodes)
		}
	}
}

// setPodMetadata sets the pod's labels and annotations, records them in
// e, and returns the annotations, where the status goes.
func (c *change) setPodMetadata(e *Entry) *yaml.Node {
	meta, prior, ok := ensure(c.p.holder, "metadata", yaml.MappingNode, "spec")
	e.noteCreated("metadata", prior, ok)
	if len(c.inj.Spec.PodLabels) > 0 {
		labels, prior, ok := ensure(meta, "labels", yaml.MappingNode, "annotations")
		e.noteCreated("metadata.labels", prior, ok)
		e.PodLabels = setEach(labels, c.inj.Spec.PodLabels)
	}
	annotations, prior, ok := ensure(meta, "annotations", yaml.MappingNode, "")
	e.noteCreated("metadata.annotations", prior, ok)
	e.PodAnnotations = setEach(annotations, c.annos)
	return annotations
}

// dropReplaced takes away the pod's containers named like one this change
// adds (check has made sure that only happens with replace), wherever
// they are.
func (c *change) dropReplaced() {
	spec := c.p.spec
	newNames := c.newNames()
	for _, list := range []string{"containers", "initContainers"} {
		if !c.w.names.anyOf(spec, newNames) {
			break // nothing to replace: the usual case, found without a walk
		}
		if l := yamlnode.Field(spec, list); l != nil && l.Kind == yaml.SequenceNode {
			l.Content = slices.DeleteFunc(l.Content, func(c *yaml.Node) bool { return newNames[yamlnode.Str(c, "name")] })
		}
	}
}

// addEach adds each object to the list at key in parent, identified by
// the idKey field: an identical one already there is shared (and not
// recorded), a different one is overwritten. It returns the ids added.
func addEach(parent *yaml.Node, key, idKey string, objs []*yaml.Node, created func(string, string, bool), createdKey string) []string {
	if len(objs) == 0 {
		return nil
	}
	var added []string
	list := yamlnode.Field(parent, key)
	for _, o := range objs {
		id := yamlnode.Str(o, idKey)
		if list != nil && list.Kind == yaml.SequenceNode {
			i := indexBy(list, idKey, id)
			if i >= 0 && yamlnode.Equal(list.Content[i], o, false) {
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
	for _, k := range slices.Sorted(maps.Keys(kv)) {
		if v := yamlnode.Resolve(yamlnode.Field(m, k)); v != nil && v.Value == kv[k] {
			continue
		}
		setString(m, k, kv[k], true)
		added = append(added, k)
	}
	return added
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
