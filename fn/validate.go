package fn

import (
	"fmt"
	"regexp"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/inject-sidecars/inject-sidecars/transform"
)

func regexpQuote(s string) string { return regexp.QuoteMeta(s) }

// finish validates and defaults a decoded config, after the order of
// kyaml's framework.LoadFunctionConfig: decode, default, validate.
func (c *Config) finish(errs []FieldError) (*Config, error) {
	c.Default()
	errs = append(errs, c.Validate()...)
	s := &c.Spec
	if len(errs) == 0 && s.Action == "inject" && len(s.Containers)+len(s.InitContainers)+len(s.Volumes)+len(s.VolumeMounts)+
		len(s.Env)+len(s.PodAnnotations)+len(s.PodLabels)+len(s.ImagePullSecrets) == 0 {
		errs = append(errs, FieldError{"spec", "nothing to inject: give containers, initContainers, volumes, volumeMounts, env, podAnnotations, podLabels or imagePullSecrets"})
	}
	if len(errs) == 0 {
		inj, err := c.build()
		if err != nil {
			// Only templates can fail here: Validate checked the rest.
			field, msg, _ := strings.Cut(err.Error(), ": ")
			errs = append(errs, FieldError{"spec." + field, msg})
		}
		c.injection = inj
	}
	if len(errs) > 0 {
		return nil, &ConfigError{Ref: c.Ref(), Name: c.Metadata.Name, Errors: errs}
	}
	if s.Action == "inject" {
		c.Warnings = c.bestPractices()
	}
	return c, nil
}

// Ref names the config in messages.
func (c *Config) Ref() string {
	if c.Metadata.Name == "" {
		return Kind
	}
	return Kind + "/" + c.Metadata.Name
}

// Default fills in mode, position, onConflict and action.
func (c *Config) Default() {
	s := &c.Spec
	if s.Mode == "" {
		s.Mode = string(transform.Native)
	}
	if s.Position == "" {
		s.Position = "first"
		if s.Mode == string(transform.Classic) {
			s.Position = "last"
		}
	}
	if s.OnConflict == "" {
		s.OnConflict = string(transform.ConflictError)
	}
	if s.Action == "" {
		s.Action = string(transform.Inject)
	}
}

// Validate returns every problem it finds, each with its field path.
func (c *Config) Validate() []FieldError {
	var errs []FieldError
	fail := func(path, format string, args ...any) {
		errs = append(errs, FieldError{path, fmt.Sprintf(format, args...)})
	}
	dnsLabel := func(path, name string) {
		if strings.Contains(name, "{{") {
			return // a template; checked once rendered, by Kubernetes
		}
		for _, msg := range validation.IsDNS1123Label(name) {
			fail(path, "%q is not a valid name: %s", name, msg)
		}
	}
	if c.Metadata.Name == "" {
		fail("metadata.name", "required: the injection's name, a DNS-1123 label")
	} else {
		dnsLabel("metadata.name", c.Metadata.Name)
	}
	s := &c.Spec
	oneOf := func(path, v string, allowed ...string) {
		for _, a := range allowed {
			if v == a {
				return
			}
		}
		fail(path, "%q is not one of %s", v, strings.Join(allowed, ", "))
	}
	oneOf("spec.mode", s.Mode, "native", "classic")
	oneOf("spec.onConflict", s.OnConflict, "error", "skip", "replace")
	oneOf("spec.action", s.Action, "inject", "uninject")
	if _, err := transform.ParsePosition(s.Position); err != nil {
		fail("spec.position", "%v", err)
	}

	names := map[string]string{}
	ports := map[string]string{}
	for _, l := range []struct {
		field string
		list  []corev1.Container
	}{{"containers", s.Containers}, {"initContainers", s.InitContainers}} {
		for i, ctr := range l.list {
			at := fmt.Sprintf("spec.%s[%d]", l.field, i)
			if ctr.Name == "" {
				fail(at+".name", "required")
			} else {
				dnsLabel(at+".name", ctr.Name)
				if prev, ok := names[ctr.Name]; ok {
					fail(at+".name", "%q is already the name of %s", ctr.Name, prev)
				}
				names[ctr.Name] = at
			}
			if ctr.Image == "" {
				fail(at+".image", "required")
			}
			if ctr.RestartPolicy != nil {
				rp := *ctr.RestartPolicy
				switch {
				case l.field == "containers" && s.Mode == "classic":
					fail(at+".restartPolicy", "only init containers take a restartPolicy; in classic mode sidecars are containers")
				case rp != corev1.ContainerRestartPolicyAlways:
					fail(at+".restartPolicy", "%q is not allowed: the only container restartPolicy is Always", rp)
				}
			}
			for j, p := range ctr.Ports {
				pat := fmt.Sprintf("%s.ports[%d]", at, j)
				if p.ContainerPort < 1 || p.ContainerPort > 65535 {
					fail(pat+".containerPort", "%d is not a port: want 1-65535", p.ContainerPort)
				}
				if p.HostPort < 0 || p.HostPort > 65535 {
					fail(pat+".hostPort", "%d is not a port: want 1-65535", p.HostPort)
				}
				if l.field == "containers" && p.ContainerPort > 0 {
					proto := string(p.Protocol)
					if proto == "" {
						proto = "TCP"
					}
					key := fmt.Sprintf("%d/%s", p.ContainerPort, proto)
					if prev, ok := ports[key]; ok {
						fail(pat+".containerPort", "port %s is already used by %s", key, prev)
					}
					ports[key] = pat
				}
			}
		}
	}
	vols := map[string]bool{}
	for i, v := range s.Volumes {
		at := fmt.Sprintf("spec.volumes[%d].name", i)
		if v.Name == "" {
			fail(at, "required")
			continue
		}
		dnsLabel(at, v.Name)
		if vols[v.Name] {
			fail(at, "volume %q is listed twice", v.Name)
		}
		vols[v.Name] = true
	}
	paths := map[string]bool{}
	for i, m := range s.VolumeMounts {
		at := fmt.Sprintf("spec.volumeMounts[%d]", i)
		if m.Name == "" {
			fail(at+".name", "required")
		}
		if m.MountPath == "" {
			fail(at+".mountPath", "required")
		} else if paths[m.MountPath] {
			fail(at+".mountPath", "%s is mounted twice", m.MountPath)
		}
		paths[m.MountPath] = true
	}
	env := map[string]bool{}
	for i, e := range s.Env {
		at := fmt.Sprintf("spec.env[%d].name", i)
		if e.Name == "" {
			fail(at, "required")
		} else if env[e.Name] {
			fail(at, "%s is set twice", e.Name)
		}
		env[e.Name] = true
	}
	for i, ps := range s.ImagePullSecrets {
		if ps.Name == "" {
			fail(fmt.Sprintf("spec.imagePullSecrets[%d].name", i), "required")
		}
	}
	for i, name := range s.AppContainers {
		dnsLabel(fmt.Sprintf("spec.appContainers[%d]", i), name)
	}
	for i, k := range s.WorkloadKinds {
		at := fmt.Sprintf("spec.workloadKinds[%d]", i)
		if k.Kind == "" {
			fail(at+".kind", "required")
		}
		if k.PodSpecPath == "" {
			fail(at+".podSpecPath", "required, such as spec/template/spec")
		} else if strings.Contains("/"+k.PodSpecPath+"/", "//") {
			fail(at+".podSpecPath", "%q has an empty step", k.PodSpecPath)
		}
	}
	for _, l := range []struct {
		field string
		sels  []Selector
	}{{"targets", s.Targets}, {"exclude", s.Exclude}} {
		for i, sel := range l.sels {
			if _, err := transform.NewSelector(sel.spec()); err != nil {
				field, msg, _ := strings.Cut(err.Error(), ": ")
				fail(fmt.Sprintf("spec.%s[%d].%s", l.field, i, field), "%s", msg)
			}
		}
	}
	return errs
}

func (s Selector) spec() transform.SelectorSpec {
	return transform.SelectorSpec{
		Group: s.Group, Version: s.Version, Kind: s.Kind, Name: s.Name, Namespace: s.Namespace,
		LabelSelector: s.LabelSelector, AnnotationSelector: s.AnnotationSelector,
	}
}

// bestPractices returns warnings about the sidecars themselves, which do
// not depend on any workload: resources and image tags.
func (c *Config) bestPractices() []FieldError {
	var out []FieldError
	for _, l := range []struct {
		field string
		list  []corev1.Container
	}{{"containers", c.Spec.Containers}, {"initContainers", c.Spec.InitContainers}} {
		for i, ctr := range l.list {
			at := fmt.Sprintf("spec.%s[%d]", l.field, i)
			if l.field == "containers" && (len(ctr.Resources.Requests) == 0 || len(ctr.Resources.Limits) == 0) {
				out = append(out, FieldError{at + ".resources", fmt.Sprintf("sidecar %q has no resource requests and limits: it competes with the app for CPU and memory and makes the pod's QoS worse", ctr.Name)})
			}
			if why := imageProblem(ctr.Image); why != "" {
				out = append(out, FieldError{at + ".image", fmt.Sprintf("image %q %s: pin a version (or a digest) so every rollout runs the same sidecar", ctr.Image, why)})
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

// Injection is what the transform runs for this config.
func (c *Config) Injection() *transform.Injection { return c.injection }

// build turns the config into what the transform runs, parsing its
// templates once.
func (c *Config) build() (*transform.Injection, error) {
	s := &c.Spec
	pos, err := transform.ParsePosition(s.Position)
	if err != nil {
		return nil, fmt.Errorf("position: %w", err)
	}
	inj := &transform.Injection{
		Name:             c.Metadata.Name,
		Hash:             c.Hash,
		Action:           transform.Action(s.Action),
		Mode:             transform.Mode(s.Mode),
		Position:         pos,
		OnConflict:       transform.OnConflict(s.OnConflict),
		OptIn:            s.OptIn,
		Containers:       c.Nodes["containers"],
		InitContainers:   c.Nodes["initContainers"],
		Volumes:          c.Nodes["volumes"],
		VolumeMounts:     c.Nodes["volumeMounts"],
		Env:              c.Nodes["env"],
		ImagePullSecrets: c.Nodes["imagePullSecrets"],
		AppContainers:    s.AppContainers,
		PodAnnotations:   s.PodAnnotations,
		PodLabels:        s.PodLabels,
	}
	for i, sel := range s.Targets {
		cs, err := transform.NewSelector(sel.spec())
		if err != nil {
			return nil, fmt.Errorf("targets[%d].%w", i, err)
		}
		inj.Targets = append(inj.Targets, cs)
	}
	for i, sel := range s.Exclude {
		cs, err := transform.NewSelector(sel.spec())
		if err != nil {
			return nil, fmt.Errorf("exclude[%d].%w", i, err)
		}
		inj.Exclude = append(inj.Exclude, cs)
	}
	for _, k := range s.WorkloadKinds {
		inj.WorkloadKinds = append(inj.WorkloadKinds, transform.WorkloadKind{
			Group: k.Group, Kind: k.Kind, PodSpecPath: strings.Split(strings.Trim(k.PodSpecPath, "/"), "/"),
		})
	}
	if err := inj.Prepare(); err != nil {
		return nil, err
	}
	return inj, nil
}
