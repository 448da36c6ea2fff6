package admission

import (
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/inject-sidecars/inject-sidecars/transform"
)

var jsonMarshal = json.Marshal

// The status annotation is built in CEL as the text encoding/json
// writes for transform.Entry: fields in the struct's order, empty ones
// left out, map keys sorted. Its fields are read from the struct, so a
// field the policy cannot fill in is an error here, not a silent gap.

// statusVariables are the CEL values the status needs: the first app
// container (for the default-container annotation), this injection's
// entry, and the whole annotation with the entry in its sorted place.
func (p *podPolicy) statusVariables() ([][2]string, error) {
	entry, err := p.entry()
	if err != nil {
		return nil, err
	}
	name := p.name
	later := fmt.Sprintf(`variables.status.findAll(%s).map(m, m.substring(1, m.indexOf(%s))).filter(n, n > %s)`,
		quote(`"[a-z0-9-]+":\{"hash":`), quote(`":{`), quote(name))
	own := quote(`"` + name + `":`)
	newStatus := fmt.Sprintf(`variables.status == "" ? "{" + %s + variables.entry + "}" :
size(%s) == 0 ? variables.status.substring(0, size(variables.status) - 1) + "," + %s + variables.entry + "}" :
variables.status.replace("\"" + %s[0] + "\":{\"hash\":", %s + variables.entry + ",\"" + %s[0] + "\":{\"hash\":", 1)`,
		own, later, own, later, own, later)
	return [][2]string{
		{"firstApp", `object.spec.containers.exists(c, !(c.name in variables.owned)) ? object.spec.containers.filter(c, !(c.name in variables.owned))[0].name : ""`},
		{"entry", entry},
		{"newStatus", newStatus},
	}, nil
}

// sortedStrings is CEL that sorts the list of distinct strings in
// variable-free expression l (CEL before Kubernetes 1.34 has no sort).
func sortedStrings(l string) string {
	return fmt.Sprintf("%s.transformList(k, u, %s.filter(x, %s.filter(y, y < x).size() == k)[0])", l, l, l)
}

// entry is CEL for this injection's status entry as JSON.
func (p *podPolicy) entry() (string, error) {
	t := reflect.TypeOf(transform.Entry{})
	var parts []string
	for i := 0; i < t.NumField(); i++ {
		tag, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		e, ok := p.entryField(tag)
		if !ok {
			return "", fmt.Errorf("the status annotation's field %q has no admission rendering", tag)
		}
		parts = append(parts, e)
	}
	return `"{" + ` + strings.Join(parts, " +\n") + ` + "}"`, nil
}

// entryField is CEL for one field of the entry: a string that is empty
// (the field left out) or `,"tag":value`; the hash, which is never left
// out and comes first, has no comma.
func (p *podPolicy) entryField(tag string) (string, bool) {
	switch tag {
	case "hash":
		return quote(`"hash":"` + StatusHash + `"`), true
	case "containers", "initContainers":
		for _, pl := range p.pl {
			if pl.List == tag {
				names := make([]string, len(pl.Nodes))
				for i, n := range pl.Nodes {
					_, names[i] = p.str(n, "name", p.configPath(pl, i))
				}
				return jsonList(tag, "["+strings.Join(names, ", ")+"]"), true
			}
		}
		return `""`, true
	case "volumes", "imagePullSecrets":
		return jsonList(tag, p.addedIDs("object.spec."+tag, tag, "name")), true
	case "volumeMounts", "env":
		return p.perApp(tag), true
	case "podAnnotations", "podLabels":
		return p.addedKeys(tag), true
	case "created":
		return p.created(), true
	}
	return "", false
}

// jsonList is `,"tag":[...]` for a CEL list of JSON strings, or "".
func jsonList(tag, list string) string {
	return fmt.Sprintf(`(size(%s) == 0 ? "" : ",\"%s\":[" + %s.join(",") + "]")`, list, tag, list)
}

// addedIDs is a CEL list of the JSON ids of the config's objects of list
// that x lacks (those the patch adds).
func (p *podPolicy) addedIDs(x, list, idKey string) string {
	var parts []string
	for i, n := range p.inj.Objects(list) {
		id, js := p.str(n, idKey, field.NewPath("spec", list).Index(i))
		parts = append(parts, fmt.Sprintf("(has(%s) && %s.exists(x, x.%s == %s) ? [] : [%s])", x, x, idKey, id, js))
	}
	if len(parts) == 0 {
		return "[]"
	}
	return "(" + strings.Join(parts, " + ") + ")"
}

// perApp is `,"volumeMounts":{"app":["/path"],…}`: per app container,
// by name, what it gets.
func (p *podPolicy) perApp(list string) string {
	idKey := "mountPath"
	if list == "env" {
		idKey = "name"
	}
	if len(p.inj.Objects(list)) == 0 {
		return `""`
	}
	added := p.addedIDs("c."+list, list, idKey)
	byName := "object.spec.containers.filter(c, c.name == n)[0]"
	names := sortedStrings("variables.apps.map(i, object.spec.containers[i].name)")
	entries := fmt.Sprintf(`%s.map(n, %s).filter(c, size(%s) > 0).map(c, "\"" + c.name + "\":[" + %s.join(",") + "]")`, names, byName, added, added)
	return fmt.Sprintf(`(size(%s) == 0 ? "" : ",\"%s\":{" + %s.join(",") + "}")`, entries, list, entries)
}

// addedKeys is `,"podAnnotations":[…]`: the keys the patch adds, sorted
// (the default-container annotation among them where it is set).
func (p *podPolicy) addedKeys(tag string) string {
	want, m := p.spec.PodLabels, "variables.labels"
	if tag == "podAnnotations" {
		want, m = p.spec.PodAnnotations, "variables.annotations"
	}
	keys := slices.Collect(maps.Keys(want))
	if tag == "podAnnotations" && p.inj.SetsDefaultContainer() {
		keys = append(keys, transform.DefaultContainerAnnotation)
	}
	slices.Sort(keys)
	var parts []string
	for _, k := range keys {
		cond := fmt.Sprintf("%s in %s", quote(k), m)
		if k == transform.DefaultContainerAnnotation {
			cond = fmt.Sprintf(`variables.firstApp == "" || (%s in %s && %s[%s] != "")`, quote(k), m, m, quote(k))
		}
		parts = append(parts, fmt.Sprintf("(%s ? [] : [%s])", cond, jsonQuoted(k)))
	}
	if len(parts) == 0 {
		return `""`
	}
	return jsonList(tag, "("+strings.Join(parts, " + ")+")")
}

// created is `,"created":{…}`: the fields the patch creates, each
// "absent" before (an API object has no nulls), sorted: the app
// containers' lists first (their keys start with "containers."), then
// the pod's, whose order is fixed.
func (p *podPolicy) created() string {
	var dyn []string
	for _, list := range []string{"env", "volumeMounts"} {
		if len(p.inj.Objects(list)) > 0 {
			c := "object.spec.containers[i]"
			dyn = append(dyn, fmt.Sprintf(`variables.apps.filter(i, !has(%s.%s)).map(i, "containers." + %s.name + ".%s")`, c, list, c, list))
		}
	}
	var static []string
	absent := func(key, x string) {
		static = append(static, fmt.Sprintf("(has(%s) ? [] : [%s])", x, quote(key)))
	}
	if len(p.inj.Objects("imagePullSecrets")) > 0 {
		absent("imagePullSecrets", "object.spec.imagePullSecrets")
	}
	for _, pl := range p.pl {
		if pl.List == "initContainers" {
			absent("initContainers", "object.spec.initContainers")
		}
	}
	absent("metadata.annotations", "object.metadata.annotations")
	if len(p.spec.PodLabels) > 0 {
		absent("metadata.labels", "object.metadata.labels")
	}
	if len(p.inj.Objects("volumes")) > 0 {
		absent("volumes", "object.spec.volumes")
	}
	keys := strings.Join(static, " + ")
	if len(dyn) > 0 {
		keys = sortedStrings("("+strings.Join(dyn, " + ")+")") + " + " + keys
	}
	return fmt.Sprintf(`(size(%s) == 0 ? "" : ",\"created\":{" + (%s).map(k, "\"" + k + "\":\"absent\"").join(",") + "}")`, keys, keys)
}
