package admission

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/inject-sidecars/inject-sidecars/api/v1alpha1"
	"github.com/inject-sidecars/inject-sidecars/transform"
)

// op is a CEL JSONPatch.
func op(path, value string) string {
	return fmt.Sprintf("JSONPatch{op: \"add\", path: %s, value: %s}", path, value)
}

// pointer escapes a JSON Pointer step (RFC 6901).
func pointer(s string) string { return strings.NewReplacer("~", "~0", "/", "~1").Replace(s) }

// mutation is the JSONPatch expression: nothing when the Pod has
// conflicts or problems, else the injection's patches. Patches apply in
// order, so the app containers get their mounts and env before classic
// sidecars shift their indexes.
func (p *podPolicy) mutation() string {
	var lists []string
	lists = append(lists, p.appPatches("volumeMounts", "mountPath", mountType)...)
	lists = append(lists, p.appPatches("env", "name", envType)...)
	lists = append(lists, p.podListPatch("volumes", volumeType), p.podListPatch("imagePullSecrets", secretType))
	for _, pl := range p.pl {
		lists = append(lists, p.placementPatch(pl))
	}
	lists = append(lists, p.metadataPatches()...)
	var nonEmpty []string
	for _, l := range lists {
		if l != "" {
			nonEmpty = append(nonEmpty, l)
		}
	}
	return "!variables.selected || size(variables.conflicts) + size(variables.problems) > 0 ? [] :\n" + strings.Join(nonEmpty, " +\n")
}

// appends are the patches that add the config's objects of list that
// the existing list at x (JSON Pointer ptr) lacks, one at a time at its
// end, creating the list first where there is none. Objects are never
// read back from the Pod into a patch: the server hands CEL typed
// values that a JSONPatch cannot carry. Under no conflict, an object
// whose id is there is the same object: shared, not added. filter is a
// CEL filter over the index i (the app containers), or "" for the pod.
func (p *podPolicy) appends(x, ptr, list, idKey string, t reflect.Type, typeName, over string) string {
	objs := p.objects(list, t, typeName)
	each := func(cond, path, value string) string {
		if over == "" {
			return fmt.Sprintf("(%s ? [%s] : [])", cond, op(path, value))
		}
		return fmt.Sprintf("%s.filter(i, %s).map(i, %s)", over, cond, op(path, value))
	}
	parts := []string{each("!has("+x+")", ptr, "[]")}
	for i, n := range p.inj.Objects(list) {
		id, _ := p.str(n, idKey, field.NewPath("spec", list).Index(i))
		parts = append(parts, each(fmt.Sprintf("!(has(%s) && %s.exists(x, x.%s == %s))", x, x, idKey, id), ptr+` + "/-"`, objs[i]))
	}
	return strings.Join(parts, " +\n")
}

// appPatches add the injection's mounts (or env) to each app container.
func (p *podPolicy) appPatches(list, idKey string, t reflect.Type) []string {
	if len(p.inj.Objects(list)) == 0 {
		return nil
	}
	return []string{p.appends("object.spec.containers[i]."+list, `"/spec/containers/" + string(i) + "/`+list+`"`, list, idKey, t, "Object.spec.containers."+list, "variables.apps")}
}

// podListPatch adds the injection's volumes (or pull secrets) to the pod.
func (p *podPolicy) podListPatch(list string, t reflect.Type) string {
	if len(p.inj.Objects(list)) == 0 {
		return ""
	}
	return p.appends("object.spec."+list, quote("/spec/"+list), list, "name", t, "Object.spec."+list, "")
}

// placementPatch inserts a block of containers where transform's
// Placement puts it, or creates the list.
func (p *podPolicy) placementPatch(pl transform.Placement) string {
	x := "object.spec." + pl.List
	typeName := "Object.spec." + pl.List
	values := make([]string, len(pl.Nodes))
	for i, n := range pl.Nodes {
		values[i] = p.r.value(n, containerType, typeName, p.configPath(pl, i))
	}
	var pos string
	switch pl.Where {
	case v1alpha1.First:
		pos = "0"
	case v1alpha1.Last:
		pos = "size(" + x + ")"
	case v1alpha1.Before, v1alpha1.After:
		pos = fmt.Sprintf("%s.transformList(i, c, c.name == %s, i)[0]", x, quote(pl.Anchor))
		if pl.Where == v1alpha1.After {
			pos += " + 1"
		}
	}
	inserts := make([]string, len(values))
	for i, v := range values {
		inserts[i] = op(fmt.Sprintf(`"/spec/%s/" + string(%s + %d)`, pl.List, pos, i), v)
	}
	return fmt.Sprintf("(has(%s) ? [%s] : [%s])", x, strings.Join(inserts, ", "), op(quote("/spec/"+pl.List), "["+strings.Join(values, ", ")+"]"))
}

// configPath is the config's field path of the i-th container placed
// by pl: a native block holds the sidecars, then the init containers.
func (p *podPolicy) configPath(pl transform.Placement, i int) *field.Path {
	sidecars := len(p.inj.Objects("containers"))
	switch {
	case pl.List == "containers":
		return field.NewPath("spec", "containers").Index(i)
	case p.spec.Mode == v1alpha1.Native && i < sidecars:
		return field.NewPath("spec", "containers").Index(i)
	case p.spec.Mode == v1alpha1.Native:
		return field.NewPath("spec", "initContainers").Index(i - sidecars)
	}
	return field.NewPath("spec", "initContainers").Index(i)
}

// metadataPatches add the pod labels and annotations, the status last.
func (p *podPolicy) metadataPatches() []string {
	var out []string
	if len(p.spec.PodLabels) > 0 {
		out = append(out, mapPatch("labels", p.spec.PodLabels, nil))
	}
	extra := map[string]string{transform.StatusAnnotation: "string(variables.newStatus)"}
	if p.inj.SetsDefaultContainer() {
		extra[transform.DefaultContainerAnnotation] = "string(variables.firstApp)"
	}
	return append(out, mapPatch("annotations", p.spec.PodAnnotations, extra))
}

// mapPatch adds the keys of want (literal values) and extra (CEL
// values) to metadata.<key>: each missing key, or the whole map when
// the pod has none. The default-container annotation is set only where
// it is empty, and the status always (it is rewritten whole).
func mapPatch(key string, want, extra map[string]string) string {
	x := "object.metadata." + key
	all := map[string]string{}
	for k, v := range want {
		all[k] = quote(v)
	}
	maps.Copy(all, extra)
	var items, ops []string
	for _, k := range slices.Sorted(maps.Keys(all)) {
		items = append(items, quote(k)+": "+all[k])
		path := quote("/metadata/" + key + "/" + pointer(k))
		switch k {
		case transform.StatusAnnotation:
			ops = append(ops, "["+op(path, all[k])+"]")
		case transform.DefaultContainerAnnotation:
			ops = append(ops, fmt.Sprintf(`(%s != "" && (!(%s in %s) || %s[%s] == "") ? [%s] : [])`, all[k], quote(k), x, x, quote(k), op(path, all[k])))
		default:
			ops = append(ops, fmt.Sprintf("(%s in %s ? [] : [%s])", quote(k), x, op(path, all[k])))
		}
	}
	return fmt.Sprintf("(has(%s) ? %s : [%s])", x, strings.Join(ops, " + "), op(quote("/metadata/"+key), "{"+strings.Join(items, ", ")+"}"))
}
