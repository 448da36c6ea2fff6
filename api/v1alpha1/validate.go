package v1alpha1

import (
	"fmt"
	"maps"
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
		s.Position = "first"
		if s.Mode == Classic {
			s.Position = "last"
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

// Validate returns every problem it finds, each with its field path.
func (c *SidecarInjection) Validate() field.ErrorList {
	var errs field.ErrorList
	fail := func(path *field.Path, format string, args ...any) {
		errs = append(errs, invalid(path, format, args...))
	}
	dnsLabel := func(path *field.Path, name string) {
		if strings.Contains(name, "{{") {
			return // a template; checked once rendered, by Kubernetes
		}
		for _, msg := range validation.IsDNS1123Label(name) {
			fail(path, "%q is not a valid name: %s", name, msg)
		}
	}
	if c.Metadata.Name == "" {
		fail(field.NewPath("metadata", "name"), "required: the injection's name, a DNS-1123 label")
	} else {
		dnsLabel(field.NewPath("metadata", "name"), c.Metadata.Name)
	}
	s := &c.Spec
	spec := field.NewPath("spec")
	oneOf := func(path *field.Path, v string, allowed ...string) {
		for _, a := range allowed {
			if v == a {
				return
			}
		}
		fail(path, "%q is not one of %s", v, strings.Join(allowed, ", "))
	}
	oneOf(spec.Child("mode"), string(s.Mode), string(Native), string(Classic), string(Auto))
	kube, err := s.KubeVersion()
	if err != nil {
		fail(spec.Child("kubernetesVersion"), "%q is not a Kubernetes version: want one such as 1.30 or v1.30.2", s.KubernetesVersion)
	}
	if kube != nil && s.Mode == Native && kube.LessThan(version.MajorMinor(1, 28)) {
		fail(spec.Child("mode"), "native sidecars need Kubernetes 1.29 or later (1.28 with the SidecarContainers feature gate), and kubernetesVersion is %s: the cluster would run each sidecar as an init container that blocks the app from starting; use mode: classic or auto", s.KubernetesVersion)
	}
	if s.PodSecurity != "" && !slices.Contains(PodSecurityLevels, s.PodSecurity) {
		fail(spec.Child("podSecurity"), "%q is not a Pod Security level: want privileged, baseline or restricted", s.PodSecurity)
	}
	oneOf(spec.Child("onConflict"), string(s.OnConflict), string(ConflictError), string(ConflictSkip), string(ConflictReplace))
	oneOf(spec.Child("action"), string(s.Action), string(Inject), string(Uninject))
	if _, _, err := s.Position.Parse(); err != nil {
		fail(spec.Child("position"), "%v", err)
	}

	names := map[string]string{}
	ports := map[string]string{}
	for _, l := range []struct {
		field string
		list  []Object[corev1.Container]
	}{{"containers", s.Containers}, {"initContainers", s.InitContainers}} {
		for i, o := range l.list {
			ctr := o.Value
			at := spec.Child(l.field).Index(i)
			if ctr.Name == "" {
				fail(at.Child("name"), "required")
			} else {
				dnsLabel(at.Child("name"), ctr.Name)
				if prev, ok := names[ctr.Name]; ok {
					fail(at.Child("name"), "%q is already the name of %s", ctr.Name, prev)
				}
				names[ctr.Name] = at.String()
			}
			if ctr.Image == "" {
				fail(at.Child("image"), "required")
			}
			runToCompletion := l.field == "initContainers" && (ctr.RestartPolicy == nil || *ctr.RestartPolicy != corev1.ContainerRestartPolicyAlways)
			errs = append(errs, ValidateContainer(&ctr, at, runToCompletion)...)
			if ctr.RestartPolicy != nil {
				rp := *ctr.RestartPolicy
				switch {
				case l.field == "containers" && s.Mode == Classic:
					fail(at.Child("restartPolicy"), "only init containers take a restartPolicy; in classic mode sidecars are containers")
				case rp != corev1.ContainerRestartPolicyAlways:
					fail(at.Child("restartPolicy"), "%q is not allowed: the only container restartPolicy is Always", rp)
				}
			}
			for j, p := range ctr.Ports {
				pat := at.Child("ports").Index(j)
				if p.ContainerPort < 1 || p.ContainerPort > 65535 {
					fail(pat.Child("containerPort"), "%d is not a port: want 1-65535", p.ContainerPort)
				}
				if p.HostPort < 0 || p.HostPort > 65535 {
					fail(pat.Child("hostPort"), "%d is not a port: want 1-65535", p.HostPort)
				}
				if l.field == "containers" && p.ContainerPort > 0 {
					proto := string(p.Protocol)
					if proto == "" {
						proto = "TCP"
					}
					key := fmt.Sprintf("%d/%s", p.ContainerPort, proto)
					if prev, ok := ports[key]; ok {
						fail(pat.Child("containerPort"), "port %s is already used by %s", key, prev)
					}
					ports[key] = pat.String()
				}
			}
		}
	}
	vols := map[string]bool{}
	for i, v := range s.Volumes {
		at := spec.Child("volumes").Index(i).Child("name")
		if v.Value.Name == "" {
			fail(at, "required")
			continue
		}
		dnsLabel(at, v.Value.Name)
		if vols[v.Value.Name] {
			fail(at, "volume %q is listed twice", v.Value.Name)
		}
		vols[v.Value.Name] = true
	}
	paths := map[string]bool{}
	for i, m := range s.VolumeMounts {
		at := spec.Child("volumeMounts").Index(i)
		if m.Value.Name == "" {
			fail(at.Child("name"), "required")
		}
		if m.Value.MountPath == "" {
			fail(at.Child("mountPath"), "required")
		} else if paths[m.Value.MountPath] {
			fail(at.Child("mountPath"), "%s is mounted twice", m.Value.MountPath)
		}
		paths[m.Value.MountPath] = true
	}
	env := map[string]bool{}
	for i, e := range s.Env {
		at := spec.Child("env").Index(i).Child("name")
		if e.Value.Name == "" {
			fail(at, "required")
		} else if env[e.Value.Name] {
			fail(at, "%s is set twice", e.Value.Name)
		}
		env[e.Value.Name] = true
	}
	for i, ps := range s.ImagePullSecrets {
		at := spec.Child("imagePullSecrets").Index(i).Child("name")
		if ps.Value.Name == "" {
			fail(at, "required")
		}
		for _, msg := range validation.IsDNS1123Subdomain(ps.Value.Name) {
			fail(at, "%q is not a valid Secret name: %s", ps.Value.Name, msg)
		}
	}
	for _, k := range sortedKeys(s.PodLabels) {
		at := KeyPath(spec.Child("podLabels"), k)
		for _, msg := range validation.IsQualifiedName(k) {
			fail(at, "%q is not a valid label key: %s", k, msg)
		}
		for _, msg := range validation.IsValidLabelValue(s.PodLabels[k]) {
			fail(at, "%q is not a valid label value: %s", s.PodLabels[k], msg)
		}
	}
	for _, k := range sortedKeys(s.PodAnnotations) {
		for _, msg := range validation.IsQualifiedName(strings.ToLower(k)) {
			fail(KeyPath(spec.Child("podAnnotations"), k), "%q is not a valid annotation key: %s", k, msg)
		}
	}
	seenOverride := map[OverrideField]bool{}
	for i, f := range s.Overrides {
		at := spec.Child("overrides").Index(i)
		if !slices.Contains(OverrideFields, f) {
			fail(at, "%q is not a field owners may override: want image, resources, env or args", f)
		} else if seenOverride[f] {
			fail(at, "%q is listed twice", f)
		}
		seenOverride[f] = true
	}
	for i, name := range s.AppContainers {
		dnsLabel(spec.Child("appContainers").Index(i), name)
	}
	for i, k := range s.WorkloadKinds {
		at := spec.Child("workloadKinds").Index(i)
		if k.Kind == "" {
			fail(at.Child("kind"), "required")
		}
		if k.PodSpecPath == "" {
			fail(at.Child("podSpecPath"), "required, such as spec/template/spec")
		} else if strings.Contains("/"+k.PodSpecPath+"/", "//") {
			fail(at.Child("podSpecPath"), "%q has an empty step", k.PodSpecPath)
		}
	}
	if s.Admission != nil && s.Admission.Validate != "" && !slices.Contains(ValidationActions, s.Admission.Validate) {
		fail(spec.Child("admission", "validate"), "%q is not a validation action: want Deny, Warn or Audit", s.Admission.Validate)
	}
	for i, sel := range s.Targets {
		if _, err := sel.Compile(spec.Child("targets").Index(i)); err != nil {
			errs = append(errs, err)
		}
	}
	for i, sel := range s.Exclude {
		if _, err := sel.Compile(spec.Child("exclude").Index(i)); err != nil {
			errs = append(errs, err)
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

func sortedKeys(m map[string]string) []string { return slices.Sorted(maps.Keys(m)) }

// KubeVersion parses spec.kubernetesVersion; nil when it is not set.
func (s *Spec) KubeVersion() (*version.Version, error) {
	if s.KubernetesVersion == "" {
		return nil, nil
	}
	return version.ParseGeneric(s.KubernetesVersion)
}

// ValidateContainer checks what the API server would reject in a
// container the injection adds, beyond its name and image: a
// run-to-completion init container with probes or lifecycle hooks,
// requests above limits, a probe or hook with no handler or with two,
// and port names that are not IANA service names. The overrides
// annotation's containers are checked with it once applied.
func ValidateContainer(ctr *corev1.Container, at *field.Path, runToCompletion bool) field.ErrorList {
	var errs field.ErrorList
	fail := func(path *field.Path, format string, args ...any) {
		errs = append(errs, invalid(path, format, args...))
	}
	if runToCompletion {
		for _, f := range []struct {
			name string
			set  bool
		}{{"lifecycle", ctr.Lifecycle != nil}, {"livenessProbe", ctr.LivenessProbe != nil},
			{"readinessProbe", ctr.ReadinessProbe != nil}, {"startupProbe", ctr.StartupProbe != nil}} {
			if f.set {
				fail(at.Child(f.name), "may not be set on a run-to-completion init container (Kubernetes rejects it); give it restartPolicy: Always to make it a sidecar, or drop the field")
			}
		}
	}
	for _, name := range slices.Sorted(maps.Keys(ctr.Resources.Requests)) {
		req := ctr.Resources.Requests[name]
		if lim, ok := ctr.Resources.Limits[name]; ok && req.Cmp(lim) > 0 {
			fail(at.Child("resources", "requests").Key(string(name)), "request %s is above the limit %s: Kubernetes requires requests <= limits", req.String(), lim.String())
		}
	}
	probes := []struct {
		name  string
		probe *corev1.Probe
	}{{"livenessProbe", ctr.LivenessProbe}, {"readinessProbe", ctr.ReadinessProbe}, {"startupProbe", ctr.StartupProbe}}
	for _, p := range probes {
		if p.probe == nil {
			continue
		}
		h := p.probe.ProbeHandler
		handlers(fail, at.Child(p.name), map[string]bool{"exec": h.Exec != nil, "httpGet": h.HTTPGet != nil, "tcpSocket": h.TCPSocket != nil, "grpc": h.GRPC != nil})
	}
	if ctr.Lifecycle != nil {
		for _, hook := range []struct {
			name string
			h    *corev1.LifecycleHandler
		}{{"postStart", ctr.Lifecycle.PostStart}, {"preStop", ctr.Lifecycle.PreStop}} {
			if hook.h != nil {
				h := hook.h
				handlers(fail, at.Child("lifecycle", hook.name), map[string]bool{"exec": h.Exec != nil, "httpGet": h.HTTPGet != nil, "tcpSocket": h.TCPSocket != nil, "sleep": h.Sleep != nil})
			}
		}
	}
	for j, p := range ctr.Ports {
		if p.Name == "" {
			continue
		}
		for _, msg := range validation.IsValidPortName(p.Name) {
			fail(at.Child("ports").Index(j).Child("name"), "%q is not a valid port name: %s", p.Name, msg)
		}
	}
	return errs
}

// handlers checks that a probe or hook names exactly one handler.
func handlers(fail func(*field.Path, string, ...any), at *field.Path, set map[string]bool) {
	var names []string
	for _, k := range slices.Sorted(maps.Keys(set)) {
		if set[k] {
			names = append(names, k)
		}
	}
	switch {
	case len(names) == 0:
		fail(at, "must name a handler: one of %s", strings.Join(slices.Sorted(maps.Keys(set)), ", "))
	case len(names) > 1:
		fail(at, "names %s: Kubernetes allows exactly one handler", strings.Join(names, " and "))
	}
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
			return nil, invalid(path.Child("labelSelector"), "%v", err)
		}
	}
	if s.AnnotationSelector != "" {
		if m.annotations, err = labels.Parse(s.AnnotationSelector); err != nil {
			return nil, invalid(path.Child("annotationSelector"), "%v", err)
		}
	}
	if s.NamespaceSelector != "" {
		if m.namespaceLabels, err = labels.Parse(s.NamespaceSelector); err != nil {
			return nil, invalid(path.Child("namespaceSelector"), "%v", err)
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
// not depend on any workload: resources and image tags. Detail is the
// message.
func (c *SidecarInjection) BestPractices() field.ErrorList {
	if c.Spec.Action != Inject {
		return nil
	}
	var out field.ErrorList
	spec := field.NewPath("spec")
	if v, _ := c.Spec.KubeVersion(); v != nil && c.Spec.Mode == Native && v.Major() == 1 && v.Minor() == 28 {
		out = append(out, invalid(spec.Child("mode"), "native sidecars on Kubernetes 1.28 need the SidecarContainers feature gate, which is alpha and off by default there: without it each sidecar blocks the app as an init container; use mode: classic or auto unless the cluster turns the gate on"))
	}
	for _, l := range []struct {
		field string
		list  []Object[corev1.Container]
	}{{"containers", c.Spec.Containers}, {"initContainers", c.Spec.InitContainers}} {
		for i, o := range l.list {
			ctr := o.Value
			at := spec.Child(l.field).Index(i)
			if l.field == "containers" && (len(ctr.Resources.Requests) == 0 || len(ctr.Resources.Limits) == 0) {
				out = append(out, invalid(at.Child("resources"), "sidecar %q has no resource requests and limits: it competes with the app for CPU and memory and makes the pod's QoS worse", ctr.Name))
			}
			if l.field == "containers" && c.Spec.Mode == Native && ctr.ReadinessProbe != nil && ctr.StartupProbe == nil {
				out = append(out, invalid(at.Child("startupProbe"), "native sidecar %q has a readinessProbe but no startupProbe: Kubernetes starts the app once the sidecar has started, not once it is ready; a startupProbe makes the app wait until the sidecar can serve", ctr.Name))
			}
			if why := imageProblem(ctr.Image); why != "" {
				out = append(out, invalid(at.Child("image"), "image %q %s: pin a version (or a digest) so every rollout runs the same sidecar", ctr.Image, why))
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
