package v1alpha1

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apimachinery/pkg/util/version"

	"github.com/inject-sidecars/inject-sidecars/internal/yamlnode"
)

// Default fills in mode, position, onConflict and action.
func (c *SidecarInjection) Default() {
	s := &c.Spec
	if s.Mode == "" {
		s.Mode = Native
	}
	if s.Mode == Auto {
		// Native sidecars are on by default from 1.29.
		s.Mode = Native
		if v, err := s.KubeVersion(); err == nil && v != nil && v.LessThan(version.MajorMinor(1, 29)) {
			s.Mode = Classic
		}
	}
	if s.Position == "" {
		s.Position = Position(First)
		if s.Mode == Classic {
			s.Position = Position(Last)
		}
	}
	if s.OnConflict == "" {
		s.OnConflict = ConflictError
	}
	if s.Action == "" {
		s.Action = Inject
	}
	if s.Overrides == nil {
		s.Overrides = []OverrideField{OverrideResources}
	}
}

// Validate returns every problem it finds, each with its field path:
// the settings, then what the injection puts in a pod, checked with the
// API server's rules (container.go).
func (c *SidecarInjection) Validate() field.ErrorList {
	var errs field.ErrorList
	meta := field.NewPath("metadata", "name")
	if c.Metadata.Name == "" {
		errs = append(errs, invalid(meta, "required: the injection's name, a DNS-1123 label"))
	} else {
		errs = append(errs, dnsLabel(meta, c.Metadata.Name)...)
	}
	s := &c.Spec
	spec := field.NewPath("spec")
	errs = append(errs, s.validateSettings(spec)...)
	errs = append(errs, s.validateContainers(spec)...)
	errs = append(errs, s.validateVolumes(spec.Child("volumes"))...)
	errs = append(errs, ValidateMounts(objectValues(s.VolumeMounts), nil, spec.Child("volumeMounts"))...)
	errs = append(errs, s.validateEnv(spec.Child("env"))...)
	errs = append(errs, s.validatePodMetadata(spec)...)
	return append(errs, s.validateSelection(spec)...)
}

// dnsLabel checks a name that must be a DNS-1123 label; a template is
// checked once rendered, for each workload.
func dnsLabel(path *field.Path, name string) field.ErrorList {
	if isTemplate(name) {
		return nil
	}
	return messages(path, name, "name", validation.IsDNS1123Label(name))
}

// objectValues are the typed values of objects.
func objectValues[T any](objs []Object[T]) []T {
	out := make([]T, len(objs))
	for i, o := range objs {
		out[i] = o.Value
	}
	return out
}

// validateSettings checks how the injection runs: mode, version, Pod
// Security level, conflicts, action, position and overrides.
func (s *Spec) validateSettings(spec *field.Path) field.ErrorList {
	var errs field.ErrorList
	oneOf := func(path *field.Path, v string, allowed ...string) {
		if !slices.Contains(allowed, v) {
			errs = append(errs, invalid(path, "%q is not one of %s", v, strings.Join(allowed, ", ")))
		}
	}
	oneOf(spec.Child("mode"), string(s.Mode), string(Native), string(Classic), string(Auto))
	kube, err := s.KubeVersion()
	if err != nil {
		errs = append(errs, invalid(spec.Child("kubernetesVersion"), "%q is not a Kubernetes version: want %s", s.KubernetesVersion, KubeVersionForm))
	}
	if kube != nil && s.Mode == Native && kube.LessThan(version.MajorMinor(1, 28)) {
		errs = append(errs, invalid(spec.Child("mode"), "native sidecars need Kubernetes 1.29 or later (1.28 with the SidecarContainers feature gate), and kubernetesVersion is %s: the cluster would run each sidecar as an init container that blocks the app from starting; use mode: classic or auto", s.KubernetesVersion))
	}
	if s.PodSecurity != "" && !slices.Contains(PodSecurityLevels, s.PodSecurity) {
		errs = append(errs, invalid(spec.Child("podSecurity"), "%q is not a Pod Security level: want privileged, baseline or restricted", s.PodSecurity))
	}
	oneOf(spec.Child("onConflict"), string(s.OnConflict), string(ConflictError), string(ConflictSkip), string(ConflictReplace))
	oneOf(spec.Child("action"), string(s.Action), string(Inject), string(Uninject))
	if _, _, err := s.Position.Parse(); err != nil {
		errs = append(errs, invalid(spec.Child("position"), "%v", err))
	}
	seen := map[OverrideField]bool{}
	for i, f := range s.Overrides {
		at := spec.Child("overrides").Index(i)
		if !slices.Contains(OverrideFields, f) {
			errs = append(errs, invalid(at, "%q is not a field owners may override: want image, resources, env or args", f))
		} else if seen[f] {
			errs = append(errs, invalid(at, "%q is listed twice", f))
		}
		seen[f] = true
	}
	return errs
}

// validateContainers checks the sidecars and init containers: the API
// server's rules for each, names unique across both lists, a
// restartPolicy only where the pod takes one, and no port twice among
// the sidecars.
func (s *Spec) validateContainers(spec *field.Path) field.ErrorList {
	var errs field.ErrorList
	rules := s.ContainerRules()
	names := map[string]string{}
	ports := map[string]string{}
	for _, l := range []struct {
		field string
		list  []Object[corev1.Container]
	}{{"containers", s.Containers}, {"initContainers", s.InitContainers}} {
		for i, o := range l.list {
			ctr := o.Value
			at := spec.Child(l.field).Index(i)
			if prev, ok := names[ctr.Name]; ok && ctr.Name != "" {
				errs = append(errs, invalid(at.Child("name"), "%q is already the name of %s", ctr.Name, prev))
			}
			names[ctr.Name] = at.String()
			runToCompletion := l.field == "initContainers" && (ctr.RestartPolicy == nil || *ctr.RestartPolicy != corev1.ContainerRestartPolicyAlways)
			errs = append(errs, rules.ValidateContainer(&ctr, at, runToCompletion)...)
			errs = append(errs, s.validateRestartPolicy(&ctr, l.field, at)...)
			if l.field == "containers" {
				errs = append(errs, uniquePorts(ctr.Ports, at.Child("ports"), ports)...)
			}
			errs = append(errs, s.blockDevices(&ctr, at.Child("volumeDevices"))...)
			errs = append(errs, s.fileKeyVolumes(ctr.Env, at.Child("env"))...)
		}
	}
	return errs
}

// blockDevices: a raw block device is a claim's volume (a
// persistentVolumeClaim or an ephemeral one). Only the config's own
// volumes are known here; one of the pod's is the server's to check.
func (s *Spec) blockDevices(ctr *corev1.Container, at *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, d := range ctr.VolumeDevices {
		for _, v := range s.Volumes {
			if src := v.Value.VolumeSource; v.Value.Name == d.Name && src.PersistentVolumeClaim == nil && src.Ephemeral == nil {
				errs = append(errs, invalidValue(at.Index(i).Child("name"), d.Name, "volume %q is not a claim: a block device needs a persistentVolumeClaim or ephemeral volume", d.Name))
			}
		}
	}
	return errs
}

// fileKeyVolumes: an env var read from a file (fileKeyRef) reads it from
// an emptyDir volume. Only the config's own volumes are known here.
func (s *Spec) fileKeyVolumes(env []corev1.EnvVar, at *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, e := range env {
		if e.ValueFrom == nil || e.ValueFrom.FileKeyRef == nil {
			continue
		}
		name := e.ValueFrom.FileKeyRef.VolumeName
		for _, v := range s.Volumes {
			if v.Value.Name == name && !isEmptyDir(&v.Value.VolumeSource) {
				errs = append(errs, invalidValue(at.Index(i).Child("valueFrom", "fileKeyRef", "volumeName"), name, "volume %q is not an emptyDir: an env var is read from a file of an emptyDir volume", name))
			}
		}
	}
	return errs
}

// isEmptyDir reports whether a volume is an emptyDir, as the server
// defaults one without a source.
func isEmptyDir(src *corev1.VolumeSource) bool {
	return src.EmptyDir != nil || len(volumeSources(src)) == 0
}

// validateRestartPolicy: a native sidecar is an init container with
// restartPolicy Always, so it takes no other. Otherwise the API server's
// rules: before Kubernetes 1.35 only init containers take a
// restartPolicy, and only Always; from 1.35 every container may take
// Always, Never or OnFailure, and restartPolicyRules beside one.
func (s *Spec) validateRestartPolicy(ctr *corev1.Container, list string, at *field.Path) field.ErrorList {
	p, rules := ctr.RestartPolicy, s.ContainerRules()
	policy := at.Child("restartPolicy")
	switch {
	case p != nil && list == "containers" && s.Mode == Native && *p != corev1.ContainerRestartPolicyAlways:
		e := notSupported(policy, *p, corev1.ContainerRestartPolicyAlways)
		e.Detail += ": a native sidecar is an init container that keeps running; for one that runs to completion, use initContainers"
		return field.ErrorList{e}
	case !rules.RestartRules && p != nil && list == "containers" && s.Mode == Classic:
		return field.ErrorList{forbidden(policy, "only init containers take a restartPolicy before Kubernetes 1.35; in classic mode sidecars are containers")}
	case !rules.RestartRules && p != nil && *p != corev1.ContainerRestartPolicyAlways:
		return field.ErrorList{notSupported(policy, *p, corev1.ContainerRestartPolicyAlways)}
	case !rules.RestartRules && len(ctr.RestartPolicyRules) > 0:
		return field.ErrorList{forbidden(at.Child("restartPolicyRules"), "needs Kubernetes 1.35 or later")}
	case p == nil && len(ctr.RestartPolicyRules) > 0:
		return field.ErrorList{required(policy, "restartPolicyRules need a restartPolicy beside them")}
	case p != nil:
		errs := oneOfEnum(policy, *p, containerRestartPolicies...)
		sidecar := *p == corev1.ContainerRestartPolicyAlways && (list == "initContainers" || s.Mode == Native)
		if sidecar && !rules.RestartAllContainers && len(ctr.RestartPolicyRules) > 0 {
			return append(errs, forbidden(at.Child("restartPolicyRules"), "a sidecar takes restartPolicyRules from Kubernetes 1.36"))
		}
		return append(errs, rules.validateRestartRules(ctr.RestartPolicyRules, at.Child("restartPolicyRules"))...)
	}
	return nil
}

// validateRestartRules: each rule an action and the exit codes it is
// for.
func (r ContainerRules) validateRestartRules(rules []corev1.ContainerRestartRule, at *field.Path) field.ErrorList {
	var errs field.ErrorList
	if len(rules) > 20 {
		errs = append(errs, field.TooMany(at, len(rules), 20))
	}
	actions := []corev1.ContainerRestartRuleAction{corev1.ContainerRestartRuleActionRestart}
	if r.RestartAllContainers {
		actions = append(actions, corev1.ContainerRestartRuleActionRestartAllContainers)
	}
	for i, rule := range rules {
		rat := at.Index(i)
		if !slices.Contains(actions, rule.Action) {
			errs = append(errs, notSupported(rat.Child("action"), rule.Action, actions...))
		}
		switch c := rule.ExitCodes; {
		case c == nil:
			errs = append(errs, required(rat.Child("exitCodes"), "the exit codes the rule is for"))
		case len(c.Values) > 255:
			errs = append(errs, field.TooMany(rat.Child("exitCodes", "values"), len(c.Values), 255))
		default:
			errs = append(errs, oneOfEnum(rat.Child("exitCodes", "operator"), c.Operator, corev1.ContainerRestartRuleOnExitCodesOpIn, corev1.ContainerRestartRuleOnExitCodesOpNotIn)...)
			if c.Operator == "" {
				errs = append(errs, required(rat.Child("exitCodes", "operator"), "In or NotIn"))
			}
		}
	}
	return errs
}

// uniquePorts: the sidecars share the pod's network, so a port and
// protocol may be used once among them.
func uniquePorts(ports []corev1.ContainerPort, at *field.Path, seen map[string]string) field.ErrorList {
	var errs field.ErrorList
	for j, p := range ports {
		if p.ContainerPort <= 0 {
			continue
		}
		proto := cmp.Or(p.Protocol, corev1.ProtocolTCP)
		key := fmt.Sprintf("%d/%s", p.ContainerPort, proto)
		pat := at.Index(j)
		if prev, ok := seen[key]; ok {
			errs = append(errs, invalid(pat.Child("containerPort"), "port %s is already used by %s", key, prev))
		}
		seen[key] = pat.String()
	}
	return errs
}

// validateVolumes: names DNS-1123 labels, each once, and each volume's
// source (volumes.go).
func (s *Spec) validateVolumes(at *field.Path) field.ErrorList {
	var errs field.ErrorList
	seen := map[string]bool{}
	for i, o := range s.Volumes {
		v := o.Value
		vat := at.Index(i)
		switch {
		case v.Name == "":
			errs = append(errs, required(vat.Child("name"), "the volume's name, a DNS-1123 label"))
		case seen[v.Name]:
			errs = append(errs, invalid(vat.Child("name"), "volume %q is listed twice", v.Name))
		default:
			errs = append(errs, dnsLabel(vat.Child("name"), v.Name)...)
		}
		seen[v.Name] = true
		errs = append(errs, ValidateVolume(&v, vat)...)
	}
	return errs
}

// validateEnv: the API server's rules, and each name once.
func (s *Spec) validateEnv(at *field.Path) field.ErrorList {
	errs := s.ContainerRules().ValidateEnv(objectValues(s.Env), at)
	errs = append(errs, s.fileKeyVolumes(objectValues(s.Env), at)...)
	seen := map[string]bool{}
	for i, e := range s.Env {
		if e.Value.Name != "" && seen[e.Value.Name] {
			errs = append(errs, invalid(at.Index(i).Child("name"), "%s is set twice", e.Value.Name))
		}
		seen[e.Value.Name] = true
	}
	return errs
}

// validatePodMetadata checks pull secrets, pod labels and annotations
// with apimachinery's rules.
func (s *Spec) validatePodMetadata(spec *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, ps := range s.ImagePullSecrets {
		at := spec.Child("imagePullSecrets").Index(i).Child("name")
		if ps.Value.Name == "" {
			errs = append(errs, required(at, "the Secret's name"))
			continue
		}
		for _, msg := range validation.IsDNS1123Subdomain(ps.Value.Name) {
			errs = append(errs, invalidValue(at, ps.Value.Name, "%q is not a valid Secret name: %s", ps.Value.Name, msg))
		}
	}
	errs = append(errs, validatePodLabels(s.PodLabels, spec.Child("podLabels"))...)
	errs = append(errs, validatePodAnnotations(s.PodAnnotations, spec.Child("podAnnotations"))...)
	errs = append(errs, validateNotOwn(s.PodLabels, spec.Child("podLabels"), "label")...)
	errs = append(errs, validateNotOwn(s.PodAnnotations, spec.Child("podAnnotations"), "annotation")...)
	return errs
}

// validateSelection checks what picks workloads: app containers,
// declared kinds, targets and excludes.
func (s *Spec) validateSelection(spec *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, name := range s.AppContainers {
		errs = append(errs, dnsLabel(spec.Child("appContainers").Index(i), name)...)
	}
	for i, k := range s.WorkloadKinds {
		at := spec.Child("workloadKinds").Index(i)
		if k.Kind == "" {
			errs = append(errs, invalid(at.Child("kind"), "required"))
		}
		if k.PodSpecPath == "" {
			errs = append(errs, invalid(at.Child("podSpecPath"), "required, such as spec/template/spec"))
		} else if strings.Contains(k.PodSpecPath, ".") && !strings.Contains(k.PodSpecPath, "/") {
			// Field paths elsewhere use dots; this one is a list of steps,
			// as kustomize's fieldSpecs write them. No field name holds a dot.
			errs = append(errs, invalid(at.Child("podSpecPath"), "%q is written with dots: steps are separated by /, as in %s", k.PodSpecPath, strings.ReplaceAll(k.PodSpecPath, ".", "/")))
		} else if strings.Contains("/"+k.PodSpecPath+"/", "//") {
			errs = append(errs, invalid(at.Child("podSpecPath"), "%q has an empty step", k.PodSpecPath))
		}
	}
	if s.Admission != nil && s.Admission.Validate != "" && !slices.Contains(ValidationActions, s.Admission.Validate) {
		errs = append(errs, invalid(spec.Child("admission", "validate"), "%q is not a validation action: want Deny, Warn or Audit", s.Admission.Validate))
	}
	for _, l := range []struct {
		name string
		list []Selector
	}{{"targets", s.Targets}, {"exclude", s.Exclude}} {
		for i, sel := range l.list {
			if _, err := sel.Compile(spec.Child(l.name).Index(i)); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errs
}

// KeyPath is path.key, with a key that holds dots or slashes quoted in
// brackets (podLabels["app.kubernetes.io/name"]), so it does not read as
// nested keys.
func KeyPath(path *field.Path, key string) *field.Path {
	if yamlnode.PlainKey(key) {
		return path.Child(key)
	}
	return path.Key(strconv.Quote(key))
}

// KubeVersion parses spec.kubernetesVersion; nil when it is not set.
func (s *Spec) KubeVersion() (*version.Version, error) {
	if s.KubernetesVersion == "" {
		return nil, nil
	}
	return ParseKubeVersion(s.KubernetesVersion)
}

// Matcher is a compiled Selector.
type Matcher struct {
	group, version, kind, name, namespace *regexp.Regexp
	labels, annotations, namespaceLabels  labels.Selector
}

// Resource is what a Matcher looks at.
type Resource struct {
	Group, Version, Kind, Name, Namespace string
	Labels, Annotations                   map[string]string
	// NamespaceLabels are the labels of the Namespace object named by
	// Namespace, when NamespaceKnown: the input holds it.
	NamespaceLabels map[string]string
	NamespaceKnown  bool
}

// Compile compiles s; the error names the field, under path, that did not
// compile.
func (s Selector) Compile(path *field.Path) (*Matcher, *field.Error) {
	m := &Matcher{}
	for _, f := range []struct {
		name, expr string
		dst        **regexp.Regexp
	}{
		{"group", s.Group, &m.group},
		{"version", s.Version, &m.version},
		{"kind", s.Kind, &m.kind},
		{"name", s.Name, &m.name},
		{"namespace", s.Namespace, &m.namespace},
	} {
		if f.expr == "" {
			continue
		}
		re, err := regexp.Compile("^(?:" + f.expr + ")$")
		if err != nil {
			return nil, invalid(path.Child(f.name), "%v", err)
		}
		*f.dst = re
	}
	var err error
	if s.LabelSelector != "" {
		if m.labels, err = labels.Parse(s.LabelSelector); err != nil {
			return nil, selectorError(path.Child("labelSelector"), s.LabelSelector, err)
		}
	}
	if s.AnnotationSelector != "" {
		if m.annotations, err = labels.Parse(s.AnnotationSelector); err != nil {
			return nil, selectorError(path.Child("annotationSelector"), s.AnnotationSelector, err)
		}
	}
	if s.NamespaceSelector != "" {
		if m.namespaceLabels, err = labels.Parse(s.NamespaceSelector); err != nil {
			return nil, selectorError(path.Child("namespaceSelector"), s.NamespaceSelector, err)
		}
	}
	return m, nil
}

// Matches reports whether r is selected. A namespaceSelector matches
// only a resource whose Namespace is known.
func (m *Matcher) Matches(r *Resource) bool {
	return m.MatchesBut(r) && (m.namespaceLabels == nil || (r.NamespaceKnown && m.namespaceLabels.Matches(labels.Set(r.NamespaceLabels))))
}

// MatchesBut reports whether r is selected by everything but the
// namespaceSelector.
func (m *Matcher) MatchesBut(r *Resource) bool {
	return matchRe(m.group, r.Group) && matchRe(m.version, r.Version) &&
		matchRe(m.kind, r.Kind) && matchRe(m.name, r.Name) &&
		matchRe(m.namespace, r.Namespace) &&
		(m.labels == nil || m.labels.Matches(labels.Set(r.Labels))) &&
		(m.annotations == nil || m.annotations.Matches(labels.Set(r.Annotations)))
}

// SelectsNamespaces reports whether the selector has a namespaceSelector.
func (m *Matcher) SelectsNamespaces() bool { return m.namespaceLabels != nil }

func matchRe(re *regexp.Regexp, s string) bool { return re == nil || re.MatchString(s) }

// BestPractices returns warnings about the sidecars themselves, which do
// not depend on any workload: resources and image tags.
func (c *SidecarInjection) BestPractices() []Warning {
	if c.Spec.Action != Inject {
		return nil
	}
	var out []Warning
	spec := field.NewPath("spec")
	if v, _ := c.Spec.KubeVersion(); v != nil && c.Spec.Mode == Native && v.Major() == 1 && v.Minor() == 28 {
		out = append(out, warn(spec.Child("mode"), "native sidecars on Kubernetes 1.28 need the SidecarContainers feature gate, which is alpha and off by default there: without it each sidecar blocks the app as an init container; use mode: classic or auto unless the cluster turns the gate on"))
	}
	for _, l := range []struct {
		field string
		list  []Object[corev1.Container]
	}{{"containers", c.Spec.Containers}, {"initContainers", c.Spec.InitContainers}} {
		for i, o := range l.list {
			ctr := o.Value
			at := spec.Child(l.field).Index(i)
			if l.field == "containers" && (len(ctr.Resources.Requests) == 0 || len(ctr.Resources.Limits) == 0) {
				out = append(out, warn(at.Child("resources"), "sidecar %q has no resource requests and limits: it competes with the app for CPU and memory and makes the pod's QoS worse", ctr.Name))
			}
			if l.field == "containers" && c.Spec.Mode == Native && ctr.ReadinessProbe != nil && ctr.StartupProbe == nil {
				out = append(out, warn(at.Child("startupProbe"), "native sidecar %q has a readinessProbe but no startupProbe: Kubernetes starts the app once the sidecar has started, not once it is ready; a startupProbe makes the app wait until the sidecar can serve", ctr.Name))
			}
			if why := imageProblem(ctr.Image); why != "" {
				out = append(out, warn(at.Child("image"), "image %q %s: pin a version (or a digest) so every rollout runs the same sidecar", ctr.Image, why))
			}
		}
	}
	return out
}

// imageProblem says what is wrong with an image reference's tag, or "".
func imageProblem(image string) string {
	if strings.Contains(image, "@") || strings.Contains(image, "{{") {
		return ""
	}
	last := image[strings.LastIndex(image, "/")+1:]
	_, tag, ok := strings.Cut(last, ":")
	switch {
	case !ok:
		return "has no tag"
	case tag == "latest":
		return "uses :latest"
	}
	return ""
}
