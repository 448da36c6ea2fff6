package v1alpha1

import (
	"cmp"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apimachinery/pkg/util/version"
)

// The API server's rules for what a config (or an owner's override) puts
// in a pod: containers, volumes, mounts, env and pull secrets. They follow
// Kubernetes' own core validation (pkg/apis/core/validation), applied to
// objects as the server sees them after its defaulting: an enum left
// empty is defaulted, so only a value outside the enum is refused; a
// probe's zero periodSeconds becomes 10, a negative one is refused.
// Rules that depend on the rest of the pod (a mount's volume, a sleep
// hook longer than the pod's grace period) are checked per workload, or
// left to the server; README "What the API server would refuse" lists
// them.

// ContainerRules are the container rules for the cluster version a
// config names.
type ContainerRules struct {
	// StrictEnvNames is the rule for env names before Kubernetes 1.32
	// (C identifiers, '-' and '.'); from 1.32 the server takes any
	// printable ASCII but '=' (the RelaxedEnvironmentVariableValidation
	// gate, on by default from 1.32).
	StrictEnvNames bool
	// RestartRules: from 1.35 (the ContainerRestartRules gate, on by
	// default) every container may set restartPolicy Always, Never or
	// OnFailure, with restartPolicyRules; before, only init containers
	// take one, and only Always.
	RestartRules bool
	// RestartAllContainers: from 1.36 a rule may restart all containers,
	// and sidecars (restartPolicy Always) may have rules.
	RestartAllContainers bool
	// Rendered: the container's templates are rendered already, so a
	// value holding "{{" is text to check, not a template to skip.
	Rendered bool
}

// ContainerRules returns the container rules for spec.kubernetesVersion (the
// latest when none is set).
func (s *Spec) ContainerRules() ContainerRules {
	v, err := s.KubeVersion()
	before := func(minor uint) bool { return err == nil && v != nil && v.LessThan(version.MajorMinor(1, minor)) }
	return ContainerRules{StrictEnvNames: before(32), RestartRules: !before(35), RestartAllContainers: !before(36)}
}

// ValidateContainer checks one container the injection adds, or one an
// owner's override changed, against the API server's rules. A
// run-to-completion init container may have no probes or lifecycle.
func (r ContainerRules) ValidateContainer(ctr *corev1.Container, at *field.Path, runToCompletion bool) field.ErrorList {
	var errs field.ErrorList
	if ctr.Name == "" {
		errs = append(errs, required(at.Child("name"), ""))
	} else if r.Rendered || !isTemplate(ctr.Name) {
		errs = append(errs, messages(at.Child("name"), ctr.Name, "name", validation.IsDNS1123Label(ctr.Name))...)
	}
	switch {
	case ctr.Image == "":
		errs = append(errs, required(at.Child("image"), "the sidecar's image, such as example/agent:1.0"))
	case strings.TrimSpace(ctr.Image) != ctr.Image && (r.Rendered || !isTemplate(ctr.Image)):
		// Pod templates take it, but every Pod made from one is refused.
		errs = append(errs, invalidValue(at.Child("image"), ctr.Image, "%q must not have spaces around it", ctr.Image))
	}
	errs = append(errs, oneOfEnum(at.Child("terminationMessagePolicy"), ctr.TerminationMessagePolicy, terminationMessagePolicies...)...)
	errs = append(errs, oneOfEnum(at.Child("imagePullPolicy"), ctr.ImagePullPolicy, pullPolicies...)...)
	errs = append(errs, validatePorts(ctr.Ports, at.Child("ports"))...)
	errs = append(errs, r.ValidateEnv(ctr.Env, at.Child("env"))...)
	errs = append(errs, r.validateEnvFrom(ctr.EnvFrom, at.Child("envFrom"))...)
	errs = append(errs, ValidateMounts(ctr.VolumeMounts, ctr, at.Child("volumeMounts"))...)
	errs = append(errs, validateDevices(ctr.VolumeDevices, at.Child("volumeDevices"))...)
	errs = append(errs, validateResources(&ctr.Resources, at.Child("resources"))...)
	errs = append(errs, validateResizePolicy(ctr.ResizePolicy, at.Child("resizePolicy"), runToCompletion)...)
	errs = append(errs, validateSecurityContext(ctr.SecurityContext, at.Child("securityContext"))...)
	if runToCompletion {
		return append(errs, noProbes(ctr, at)...)
	}
	if ctr.Lifecycle != nil {
		errs = append(errs, validateHandler(lifecycleHandler(ctr.Lifecycle.PostStart), at.Child("lifecycle", "postStart"))...)
		errs = append(errs, validateHandler(lifecycleHandler(ctr.Lifecycle.PreStop), at.Child("lifecycle", "preStop"))...)
	}
	errs = append(errs, validateProbe(ctr.LivenessProbe, at.Child("livenessProbe"), true)...)
	errs = append(errs, validateProbe(ctr.ReadinessProbe, at.Child("readinessProbe"), false)...)
	return append(errs, validateProbe(ctr.StartupProbe, at.Child("startupProbe"), true)...)
}

// isTemplate reports whether a value is a Go template, checked once
// rendered for each workload.
func isTemplate(s string) bool { return strings.Contains(s, "{{") }

// noProbes refuses what only a container that keeps running may have.
func noProbes(ctr *corev1.Container, at *field.Path) field.ErrorList {
	var errs field.ErrorList
	for _, f := range []struct {
		name string
		set  bool
	}{{"lifecycle", ctr.Lifecycle != nil}, {"livenessProbe", ctr.LivenessProbe != nil},
		{"readinessProbe", ctr.ReadinessProbe != nil}, {"startupProbe", ctr.StartupProbe != nil}} {
		if f.set {
			errs = append(errs, forbidden(at.Child(f.name), "may not be set on a run-to-completion init container (Kubernetes rejects it); give it restartPolicy: Always to make it a sidecar, or drop the field"))
		}
	}
	return errs
}

// validatePorts: names are IANA service names, unique in the container;
// ports in 1-65535, a host port once; a protocol the server knows (it is
// case-sensitive: tcp is refused).
func validatePorts(ports []corev1.ContainerPort, at *field.Path) field.ErrorList {
	var errs field.ErrorList
	names, hostPorts := map[string]bool{}, map[string]bool{}
	for i, p := range ports {
		pat := at.Index(i)
		if key := fmt.Sprintf("%s/%s/%d", cmp.Or(p.Protocol, corev1.ProtocolTCP), p.HostIP, p.HostPort); p.HostPort != 0 {
			if hostPorts[key] {
				errs = append(errs, field.Duplicate(pat.Child("hostPort"), key))
				errs[len(errs)-1].Detail = fmt.Sprintf("host port %d/%s is used twice in this container", p.HostPort, cmp.Or(p.Protocol, corev1.ProtocolTCP))
			}
			hostPorts[key] = true
		}
		if p.Name != "" {
			msgs := validation.IsValidPortName(p.Name)
			errs = append(errs, messages(pat.Child("name"), p.Name, "port name", msgs)...)
			if len(msgs) == 0 && names[p.Name] {
				errs = append(errs, field.Duplicate(pat.Child("name"), p.Name))
				errs[len(errs)-1].Detail = "port name " + quote(p.Name) + " is used twice in this container"
			}
			names[p.Name] = true
		}
		if p.ContainerPort < 1 || p.ContainerPort > 65535 {
			errs = append(errs, invalidValue(pat.Child("containerPort"), p.ContainerPort, "%d is not a port: want 1-65535", p.ContainerPort))
		}
		if p.HostPort < 0 || p.HostPort > 65535 {
			errs = append(errs, invalidValue(pat.Child("hostPort"), p.HostPort, "%d is not a port: want 1-65535", p.HostPort))
		}
		errs = append(errs, oneOfEnum(pat.Child("protocol"), p.Protocol, protocols...)...)
	}
	return errs
}

func quote(s string) string { return `"` + s + `"` }

// validatePortNumOrName checks a probe's or hook's port: a number in
// 1-65535 or the name of a container port.
func validatePortNumOrName(port intstr.IntOrString, at *field.Path) field.ErrorList {
	if port.Type == intstr.String {
		return messages(at, port.StrVal, "port name", validation.IsValidPortName(port.StrVal))
	}
	if p := port.IntValue(); p < 1 || p > 65535 {
		return field.ErrorList{invalidValue(at, p, "%d is not a port: want 1-65535 or a port name", p)}
	}
	return nil
}

// validateResizePolicy: in-place resize applies to cpu and memory, with
// one policy each; a run-to-completion init container is never
// restarted for it. (A pod with restartPolicy Never takes only
// NotRequired: that is the workload's, checked by the server.)
func validateResizePolicy(policies []corev1.ContainerResizePolicy, at *field.Path, runToCompletion bool) field.ErrorList {
	var errs field.ErrorList
	seen := map[corev1.ResourceName]bool{}
	for i, p := range policies {
		pat := at.Index(i)
		if p.ResourceName == "" {
			errs = append(errs, required(pat.Child("resourceName"), "cpu or memory"))
		} else {
			errs = append(errs, oneOfEnum(pat.Child("resourceName"), p.ResourceName, corev1.ResourceCPU, corev1.ResourceMemory)...)
		}
		if seen[p.ResourceName] {
			errs = append(errs, field.Duplicate(pat.Child("resourceName"), p.ResourceName))
			errs[len(errs)-1].Detail = "resizePolicy names " + quote(string(p.ResourceName)) + " twice"
		}
		seen[p.ResourceName] = true
		if p.RestartPolicy == "" {
			errs = append(errs, required(pat.Child("restartPolicy"), "NotRequired or RestartContainer"))
		} else {
			errs = append(errs, oneOfEnum(pat.Child("restartPolicy"), p.RestartPolicy, resizeRestartPolicies...)...)
		}
		if runToCompletion && p.RestartPolicy == corev1.RestartContainer {
			errs = append(errs, invalidValue(pat.Child("restartPolicy"), p.RestartPolicy, "RestartContainer is only for containers that keep running: a run-to-completion init container takes NotRequired"))
		}
	}
	return errs
}
