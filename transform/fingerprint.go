package transform

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/inject-sidecars/inject-sidecars/api/v1alpha1"
	"github.com/inject-sidecars/inject-sidecars/internal/safetext"
	"github.com/inject-sidecars/inject-sidecars/internal/yamlnode"
)

// fingerprint hashes what this change puts into this workload's pod:
// the objects as rendered for it (templates filled in, restartPolicy
// added), where they go (mode and position after defaulting), which app
// containers get the mounts and env, and the pod metadata. It is what
// the status records, so a workload is up to date only when today's
// rendering is the one it holds: a template over a namespace that moved,
// an app container added since, or a mode spelled out as its default are
// all told apart correctly (the first two change it, the last does not).
// Comments and key order in the config do not count.
func (c *change) fingerprint() string {
	apps := c.appContainers()
	names := make([]string, len(apps))
	for i, a := range apps {
		names[i] = yamlnode.Str(a, "name")
	}
	mode := c.inj.Spec.Mode
	if len(c.sidecars) == 0 {
		mode = "" // nothing whose place the mode decides
	}
	lists := c.objectsJSON()
	b, _ := json.Marshal(struct {
		Mode             v1alpha1.Mode     `json:"mode,omitempty"`
		Where            v1alpha1.Where    `json:"where,omitempty"`
		Anchor           string            `json:"anchor,omitempty"`
		Containers       json.RawMessage   `json:"containers,omitempty"`
		InitContainers   json.RawMessage   `json:"initContainers,omitempty"`
		Volumes          json.RawMessage   `json:"volumes,omitempty"`
		VolumeMounts     json.RawMessage   `json:"volumeMounts,omitempty"`
		Env              json.RawMessage   `json:"env,omitempty"`
		ImagePullSecrets json.RawMessage   `json:"imagePullSecrets,omitempty"`
		PodAnnotations   map[string]string `json:"podAnnotations,omitempty"`
		PodLabels        map[string]string `json:"podLabels,omitempty"`
		AppContainers    []string          `json:"appContainers,omitempty"`
	}{
		Mode: mode, Where: c.inj.where, Anchor: c.inj.anchor,
		Containers: lists[0], InitContainers: lists[1], Volumes: lists[2],
		VolumeMounts: lists[3], Env: lists[4], ImagePullSecrets: lists[5],
		PodAnnotations: c.annos, PodLabels: c.inj.Spec.PodLabels, AppContainers: names,
	}) // plain data: cannot fail
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

// objectsJSON is the JSON of the rendered lists, in the fingerprint's
// order; nil for an empty list. Without templates and without an
// owner's override, every workload renders the same objects: their JSON
// is made once per injection (decoding each object's YAML and marshalling
// it was a twentieth of a KRM run) and shared.
func (c *change) objectsJSON() [6]json.RawMessage {
	render := func() (out [6]json.RawMessage) {
		for i, nodes := range [6][]*yaml.Node{c.sidecars, c.inits, c.volumes, c.mounts, c.env, c.secrets} {
			if len(nodes) == 0 {
				continue
			}
			data := make([]any, len(nodes))
			for j, n := range nodes {
				_ = n.Decode(&data[j]) // the config decoded once already
			}
			out[i], _ = json.Marshal(data) // plain data: cannot fail
		}
		return out
	}
	if len(c.inj.templates) > 0 || c.overridden {
		return render()
	}
	c.inj.sameJSON.once.Do(func() { c.inj.sameJSON.lists = render() })
	return c.inj.sameJSON.lists
}

// present reports whether the pod still holds everything this change
// renders, as rendered: a sidecar deleted or edited by hand, a mount
// taken out, an annotation changed, all make it false, and the next run
// puts them back.
func (c *change) present() bool {
	spec := c.p.spec
	has := func(list *yaml.Node, idKey string, objs []*yaml.Node) bool {
		for _, o := range objs {
			i := indexBy(list, idKey, yamlnode.Str(o, idKey))
			if i < 0 || !yamlnode.Equal(list.Content[i], o, false) {
				return false
			}
		}
		return true
	}
	if !has(yamlnode.Field(spec, c.targetList()), "name", c.sidecars) ||
		!has(yamlnode.Field(spec, "initContainers"), "name", c.inits) ||
		!has(yamlnode.Field(spec, "volumes"), "name", c.volumes) ||
		!has(yamlnode.Field(spec, "imagePullSecrets"), "name", c.secrets) {
		return false
	}
	for _, ctr := range c.appContainers() {
		if !has(yamlnode.Field(ctr, "volumeMounts"), "mountPath", c.mounts) || !has(yamlnode.Field(ctr, "env"), "name", c.env) {
			return false
		}
	}
	meta := yamlnode.Field(c.p.holder, "metadata")
	for key, want := range map[string]map[string]string{"annotations": c.annos, "labels": c.inj.Spec.PodLabels} {
		have := yamlnode.Field(meta, key)
		for k, v := range want {
			if n := yamlnode.Resolve(yamlnode.Field(have, k)); n == nil || n.Value != v {
				return false
			}
		}
	}
	return true
}

// renderErrors are the values a workload's rendering of the config
// makes invalid: each with the config's field path (spec.volumes[0].name),
// the rendered value as its BadValue, and what is wrong as its Detail.
type renderErrors field.ErrorList

func (es renderErrors) Error() string { return field.ErrorList(es).ToAggregate().Error() }

// validRendered checks the names that came out of templates as
// Kubernetes would: a name that renders longer than 63 characters, or
// with characters a name cannot hold, is this workload's error here, not
// the API server's later.
func (c *change) validRendered() field.ErrorList {
	var errs field.ErrorList
	check := func(list string, nodes []*yaml.Node, key string, validate func(string) []string) {
		for i, n := range nodes {
			v := yamlnode.Field(n, key)
			if v == nil || c.inj.templates[c.source(list, i, key)] == nil {
				continue
			}
			for _, msg := range validate(v.Value) {
				errs = append(errs, field.Invalid(field.NewPath("spec", list).Index(i).Child(key), v.Value, msg))
			}
		}
	}
	check("containers", c.sidecars, "name", validation.IsDNS1123Label)
	check("initContainers", c.inits, "name", validation.IsDNS1123Label)
	check("volumes", c.volumes, "name", validation.IsDNS1123Label)
	check("volumeMounts", c.mounts, "name", validation.IsDNS1123Label)
	check("env", c.env, "name", c.inj.Spec.ContainerRules().IsEnvVarName)
	errs = append(errs, c.backsteps()...)
	if len(errs) == 0 && len(c.inj.templates) > 0 {
		errs = c.renderedRules()
	}
	return errs
}

// renderedInvalid reports each value the workload's rendering made
// invalid, as its own result, naming the config's field and, when
// known, its file (as templateFailed does).
func (v *visitor) renderedInvalid(w *workload, inj *Injection, errs renderErrors) {
	for _, fe := range errs {
		where := fe.Field
		if inj.Source != "" {
			where += " of " + inj.Source
		}
		v.result(w, inj, Error, Failed, "", "injection %q, %s: renders as %s, which is not valid: %s", inj.name(), where, renderedValue(fe.BadValue), fe.Detail)
	}
}

// renderedRules holds the rendered objects to the API server's rules the
// config is held to: a template may render an image with a space, an
// empty or relative mountPath, an absolute subPath. The config's own
// values passed these rules already, so what fails came from rendering.
func (c *change) renderedRules() field.ErrorList {
	rules := c.inj.Spec.ContainerRules()
	rules.Rendered = true
	var errs field.ErrorList
	decode := func(n *yaml.Node, at *field.Path, v any) bool {
		if err := decodeNode(n, v); err != nil {
			errs = append(errs, field.Invalid(at, yamlnode.Describe(n), yamlnode.FirstLine(err)))
			return false
		}
		return true
	}
	for _, l := range []struct {
		name  string
		nodes []*yaml.Node
	}{{"containers", c.sidecars}, {"initContainers", c.inits}} {
		for i, n := range l.nodes {
			at := field.NewPath("spec", l.name).Index(i)
			var ctr corev1.Container
			if decode(n, at, &ctr) {
				rtc := l.name == "initContainers" && (ctr.RestartPolicy == nil || *ctr.RestartPolicy != corev1.ContainerRestartPolicyAlways)
				errs = append(errs, rules.ValidateContainer(&ctr, at, rtc)...)
			}
		}
	}
	for i, n := range c.volumes {
		var v corev1.Volume
		if at := field.NewPath("spec", "volumes").Index(i); decode(n, at, &v) {
			errs = append(errs, v1alpha1.ValidateVolume(&v, at)...)
		}
	}
	mounts, env := make([]corev1.VolumeMount, len(c.mounts)), make([]corev1.EnvVar, len(c.env))
	for i, n := range c.mounts {
		decode(n, field.NewPath("spec", "volumeMounts").Index(i), &mounts[i])
	}
	for i, n := range c.env {
		decode(n, field.NewPath("spec", "env").Index(i), &env[i])
	}
	errs = append(errs, v1alpha1.ValidateMounts(mounts, nil, field.NewPath("spec", "volumeMounts"))...)
	return append(errs, rules.ValidateEnv(env, field.NewPath("spec", "env"))...)
}

// renderedValue quotes a rendered value for a message, clipped.
func renderedValue(v any) string {
	s, ok := v.(string)
	if !ok {
		s = fmt.Sprint(v)
	}
	return safetext.Quote(s, safetext.MaxValue)
}

// backsteps refuses a ".." segment in a rendered hostPath, mountPath or
// subPath. Template values come from the workload's labels and
// annotations, which its owners write: a path built from them must not
// climb out of where the config points it (the API server refuses ".."
// in hostPath and subPath too).
func (c *change) backsteps() field.ErrorList {
	var errs field.ErrorList
	check := func(at *field.Path, n *yaml.Node) {
		if n == nil || n.Kind != yaml.ScalarNode {
			return
		}
		if slices.Contains(strings.Split(n.Value, "/"), "..") {
			errs = append(errs, field.Invalid(at, n.Value, `it has a ".." segment, and a path may not climb out of its folder`))
		}
	}
	mounts := func(at *field.Path, list []*yaml.Node) {
		for i, m := range list {
			check(at.Index(i).Child("mountPath"), yamlnode.Field(m, "mountPath"))
			check(at.Index(i).Child("subPath"), yamlnode.Field(m, "subPath"))
		}
	}
	for _, l := range []struct {
		name  string
		nodes []*yaml.Node
	}{{"containers", c.sidecars}, {"initContainers", c.inits}} {
		for i, ctr := range l.nodes {
			mounts(field.NewPath("spec", l.name).Index(i).Child("volumeMounts"), yamlnode.Seq(ctr, "volumeMounts"))
		}
	}
	mounts(field.NewPath("spec", "volumeMounts"), c.mounts)
	for i, v := range c.volumes {
		check(field.NewPath("spec", "volumes").Index(i).Child("hostPath", "path"), yamlnode.Field(yamlnode.Field(v, "hostPath"), "path"))
	}
	return errs
}

// source is the config's node for field key of entry i of list, before
// rendering: templates are keyed by it.
func (c *change) source(list string, i int, key string) *yaml.Node {
	nodes := c.inj.objects(list)
	if i >= len(nodes) {
		return nil
	}
	return yamlnode.Field(nodes[i], key)
}
