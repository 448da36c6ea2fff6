package admission

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/inject-sidecars/inject-sidecars/api/v1alpha1"
	"github.com/inject-sidecars/inject-sidecars/internal/yamlnode"
	"github.com/inject-sidecars/inject-sidecars/transform"
)

// StatusHash is the hash the policy writes into the status annotation.
// The offline fingerprint is a SHA-256 of what was rendered for the
// workload, which CEL cannot compute; an offline run on a Pod read back
// from the cluster sees another hash and re-renders (upgrades) the
// injection, and --uninject removes it by what the status records.
const StatusHash = "admission"

// At admission a Pod stands for its workload: the controller that owns
// it (ownerReferences with controller: true), or the Pod itself.
const (
	podController  = `(has(object.metadata.ownerReferences) ? object.metadata.ownerReferences.filter(r, has(r.controller) && r.controller) : [])`
	podAPIVersion  = `(size(` + podController + `) > 0 ? ` + podController + `[0].apiVersion : "v1")`
	podName        = `(size(` + podController + `) > 0 ? ` + podController + `[0].name : has(object.metadata.name) && object.metadata.name != "" ? object.metadata.name : has(object.metadata.generateName) && object.metadata.generateName.endsWith("-") ? object.metadata.generateName.substring(0, size(object.metadata.generateName) - 1) : has(object.metadata.generateName) ? object.metadata.generateName : "")`
	podLabels      = `(has(object.metadata.labels) ? object.metadata.labels : {})`
	podAnnotations = `(has(object.metadata.annotations) ? object.metadata.annotations : {})`
)

var podTarget = target{
	Group:        `(` + podAPIVersion + `.contains("/") ? ` + podAPIVersion + `.split("/")[0] : "")`,
	Version:      `(` + podAPIVersion + `.contains("/") ? ` + podAPIVersion + `.split("/")[1] : ` + podAPIVersion + `)`,
	Kind:         `(size(` + podController + `) > 0 ? ` + podController + `[0].kind : "Pod")`,
	Name:         podName,
	Namespace:    `request.namespace`,
	Labels:       podLabels,
	Annotations:  podAnnotations,
	InjectValues: []string{`(` + quote(transform.InjectAnnotation) + ` in ` + podAnnotations + ` ? ` + podAnnotations + `[` + quote(transform.InjectAnnotation) + `] : "")`},
}

// podSubject is what templates read at admission.
var podSubject = subject{Name: podName, Namespace: "request.namespace", Kind: podTarget.Kind, Labels: podLabels, Annotations: podAnnotations}

// notInjected is CEL: the Pod does not carry this injection yet. The
// status is JSON written by encoding/json, keyed by injection name, and
// every entry starts with its hash, so "NAME":{"hash": marks an entry.
func notInjected(name string) string {
	return fmt.Sprintf(`!(%s in %s && %s[%s].contains(%s))`, quote(transform.StatusAnnotation), podAnnotations, podAnnotations,
		quote(transform.StatusAnnotation), quote(`"`+name+`":{"hash":`))
}

// notLocalConfig is CEL: the Pod is not marked local-config, which the
// tool never changes.
var notLocalConfig = fmt.Sprintf(`!(%q in %s && %s[%q] == "true")`, "config.kubernetes.io/local-config", podAnnotations, podAnnotations, "config.kubernetes.io/local-config")

// podPolicy renders one injection for Pods at admission.
type podPolicy struct {
	inj  *transform.Injection
	spec *v1alpha1.Spec
	name string
	r    *renderer
	pl   []transform.Placement
	// selected is the part of the selection that reads the Namespace
	// (see matchConditions).
	selected string
}

func newPodPolicy(inj *transform.Injection) *podPolicy {
	return &podPolicy{inj: inj, spec: &inj.Spec, name: inj.Metadata.Name,
		r: &renderer{inj: inj, subj: podSubject}, pl: inj.Placements()}
}

// str is the CEL string of field key of the config's object n, and its
// JSON form for the status annotation.
func (p *podPolicy) str(n *yaml.Node, key string, path *field.Path) (cel, json string) {
	v := yamlnode.Field(n, key)
	if v == nil {
		return `""`, `"\"\""`
	}
	if t := p.inj.Template(v); t != nil {
		e := p.r.template(t, path.Child(key))
		return e, jsonEscaped(e)
	}
	return quote(v.Value), jsonQuoted(v.Value)
}

// objects is the config's list as CEL values, typed for the Pod at path.
func (p *podPolicy) objects(list string, t reflect.Type, typeName string) []string {
	nodes := p.inj.Objects(list)
	out := make([]string, len(nodes))
	for i, n := range nodes {
		out[i] = p.r.value(n, t, typeName, field.NewPath("spec", list).Index(i))
	}
	return out
}

var (
	containerType = reflect.TypeOf(corev1.Container{})
	volumeType    = reflect.TypeOf(corev1.Volume{})
	mountType     = reflect.TypeOf(corev1.VolumeMount{})
	envType       = reflect.TypeOf(corev1.EnvVar{})
	secretType    = reflect.TypeOf(corev1.LocalObjectReference{})
)

// newNames are the CEL names of every container the injection adds.
func (p *podPolicy) newNames() []string {
	var out []string
	for _, list := range []string{"containers", "initContainers"} {
		for i, n := range p.inj.Objects(list) {
			e, _ := p.str(n, "name", field.NewPath("spec", list).Index(i))
			out = append(out, e)
		}
	}
	return out
}

// variables are the policy's named CEL values, shared by the mutating
// policy and the validating one that refuses what it cannot inject.
func (p *podPolicy) variables() [][2]string {
	newNames := "[" + strings.Join(p.newNames(), ", ") + "]"
	apps := "true"
	if len(p.spec.AppContainers) > 0 {
		quoted := make([]string, len(p.spec.AppContainers))
		for i, a := range p.spec.AppContainers {
			quoted[i] = quote(a)
		}
		apps = "c.name in [" + strings.Join(quoted, ", ") + "]"
	}
	owned := quote(`"(?:initC|c)ontainers":\[(?:"[^"]*",)*"`)
	return [][2]string{
		{"selected", p.selected},
		{"annotations", podAnnotations},
		{"labels", podLabels},
		{"status", fmt.Sprintf(`%s in variables.annotations ? variables.annotations[%s] : ""`, quote(transform.StatusAnnotation), quote(transform.StatusAnnotation))},
		// Containers another injection added (its status lists them):
		// not the app's, so they get no mounts or env.
		{"owned", fmt.Sprintf(`variables.status == "" ? [] : object.spec.containers.map(c, c.name).filter(n, variables.status.matches(%s + n + "\""))`, owned)},
		// The app containers, by index: they get the mounts and env.
		{"apps", fmt.Sprintf(`object.spec.containers.transformList(i, c, !(c.name in variables.owned) && !(c.name in %s) && %s, i)`, newNames, apps)},
		{"conflicts", p.conflicts()},
		{"problems", p.problems()},
	}
}

// concat joins CEL lists, or is the empty list.
func concat(lists []string) string {
	if len(lists) == 0 {
		return "[]"
	}
	return strings.Join(lists, " +\n")
}

// when is a one-message list when cond holds.
func when(cond, msg string) string { return fmt.Sprintf("(%s ? [%s] : [])", cond, msg) }

// problems are what keeps the policy from injecting a Pod whatever
// onConflict says: a template's label or annotation the Pod lacks (an
// error offline too), and owner overrides, which CEL cannot read.
func (p *podPolicy) problems() string {
	var out []string
	seen := map[templateKey]bool{}
	for _, k := range p.r.needKeys {
		key := templateKey{Map: k.Map, Key: k.Key}
		if seen[key] {
			continue
		}
		seen[key] = true
		m := "variables.labels"
		what := "label"
		if k.Map == "Annotations" {
			m, what = "variables.annotations", "annotation"
		}
		out = append(out, when(fmt.Sprintf("!(%s in %s)", quote(k.Key), m),
			quote(fmt.Sprintf("%s reads the Pod's %s %q, which it does not have: add it to the Pod", k.Field, what, k.Key))))
	}
	ov := quote(transform.OverridesAnnotation)
	out = append(out, when(fmt.Sprintf(`%s in variables.annotations && variables.annotations[%s].matches(%s)`, ov, ov, quote(`(^|[\s{,])["']?`+p.name+`["']?\s*:`)),
		quote(fmt.Sprintf("annotation %s has overrides for %q, which admission policies cannot apply: inject this workload offline, or remove its entry", transform.OverridesAnnotation, p.name))))
	return concat(out)
}

// conflicts are CEL messages for what the Pod already has that the
// injection would add, as transform's check finds them: a container
// name, a port, a volume with another source, a mount or env var with
// another value in an app container, a pod annotation or label with
// another value, a before:/after: container that is missing.
func (p *podPolicy) conflicts() string {
	var out []string
	for _, n := range p.newNames() {
		in := func(list string) string {
			return fmt.Sprintf("has(object.spec.%s) && object.spec.%s.exists(c, c.name == %s)", list, list, n)
		}
		out = append(out, when(in("containers")+" || "+in("initContainers"), `"container \"" + `+n+` + "\" already exists"`))
	}
	out = append(out, p.portConflicts()...)
	for i, v := range p.inj.Objects("volumes") {
		path := field.NewPath("spec", "volumes").Index(i)
		name, _ := p.str(v, "name", path)
		out = append(out, when(fmt.Sprintf("has(object.spec.volumes) && object.spec.volumes.exists(x, x.name == %s && !%s)", name, p.r.same("x", v, path)),
			`"volume \"" + `+name+` + "\" already exists with another source"`))
	}
	for _, l := range []struct{ list, id, format string }{
		{"volumeMounts", "mountPath", `already mounts something else at `},
		{"env", "name", `already sets `},
	} {
		for i, o := range p.inj.Objects(l.list) {
			path := field.NewPath("spec", l.list).Index(i)
			id, _ := p.str(o, l.id, path)
			c := "object.spec.containers[i]"
			clash := fmt.Sprintf("has(%s.%s) && %s.%s.exists(x, x.%s == %s && !%s)", c, l.list, c, l.list, l.id, id, p.r.same("x", o, path))
			msg := `"container \"" + ` + c + `.name + "\" ` + l.format + `" + ` + id
			if l.list == "env" {
				msg += ` + " to another value"`
			}
			out = append(out, fmt.Sprintf("variables.apps.filter(i, %s).map(i, %s)", clash, msg))
		}
	}
	for _, kv := range []struct {
		what, m string
		want    map[string]string
	}{{"annotation", "variables.annotations", p.spec.PodAnnotations}, {"label", "variables.labels", p.spec.PodLabels}} {
		for _, k := range slices.Sorted(maps.Keys(kv.want)) {
			out = append(out, when(fmt.Sprintf("%s in %s && %s[%s] != %s", quote(k), kv.m, kv.m, quote(k), quote(kv.want[k])),
				fmt.Sprintf(`"pod %s %s is already set to \"" + %s[%s] + "\""`, kv.what, k, kv.m, quote(k))))
		}
	}
	for _, pl := range p.pl {
		if pl.Anchor == "" {
			continue
		}
		out = append(out, when(fmt.Sprintf("!(has(object.spec.%s) && object.spec.%s.exists(c, c.name == %s))", pl.List, pl.List, quote(pl.Anchor)),
			quote(fmt.Sprintf("position %s:%s: no container %q in %s", pl.Where, pl.Anchor, pl.Anchor, pl.List))))
	}
	return concat(out)
}

// portConflicts: a sidecar's containerPort or hostPort that a container
// of the pod (or a native sidecar) already uses, same protocol; on a
// hostNetwork pod, a sidecar hostPort that is not its containerPort.
func (p *podPolicy) portConflicts() []string {
	var out []string
	running := `(has(object.spec.initContainers) ? object.spec.initContainers.filter(c, has(c.restartPolicy) && c.restartPolicy == "Always") : []) + object.spec.containers`
	for i, s := range p.inj.Objects("containers") {
		sname, _ := p.str(s, "name", field.NewPath("spec", "containers").Index(i))
		for _, port := range yamlnode.Seq(s, "ports") {
			proto := yamlnode.Str(port, "protocol")
			if proto == "" {
				proto = "TCP"
			}
			if hp, cp := yamlnode.Str(port, "hostPort"), yamlnode.Str(port, "containerPort"); hp != "" && hp != cp {
				out = append(out, when("has(object.spec.hostNetwork) && object.spec.hostNetwork",
					fmt.Sprintf(`"sidecar \"" + %s + "\" has hostPort %s and containerPort %s, but on a hostNetwork pod Kubernetes requires them to be equal"`, sname, hp, cp)))
			}
			for _, key := range []string{"containerPort", "hostPort"} {
				v := yamlnode.Str(port, key)
				if v == "" {
					continue
				}
				used := fmt.Sprintf(`(%s).exists(c, has(c.ports) && c.ports.exists(q, has(q.%s) && q.%s == %s && (has(q.protocol) ? q.protocol : "TCP") == %s))`, running, key, key, v, quote(proto))
				what := "port"
				if key == "hostPort" {
					what = "hostPort"
				}
				out = append(out, when(used, fmt.Sprintf(`"%s %s/%s of sidecar \"" + %s + "\" is already used in the pod"`, what, v, proto, sname)))
			}
		}
	}
	return out
}
