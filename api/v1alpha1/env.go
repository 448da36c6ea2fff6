package v1alpha1

import (
	"regexp"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// IsEnvVarName says what is wrong with an env var name (or an envFrom
// prefix) for the cluster version: apimachinery's check the server uses.
func (r ContainerRules) IsEnvVarName(name string) []string {
	if r.StrictEnvNames {
		return validation.IsEnvVarName(name)
	}
	return validation.IsRelaxedEnvVarName(name)
}

// envName checks an env var name (or an envFrom prefix); a template is
// checked once rendered, for each workload.
func (r ContainerRules) envName(at *field.Path, name string) field.ErrorList {
	if isTemplate(name) && !r.Rendered {
		return nil
	}
	return messages(at, name, "environment variable name", r.IsEnvVarName(name))
}

// ValidateEnv checks env vars: a name, and at most one source of value.
func (r ContainerRules) ValidateEnv(vars []corev1.EnvVar, at *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, ev := range vars {
		eat := at.Index(i)
		if ev.Name == "" {
			errs = append(errs, required(eat.Child("name"), ""))
		} else {
			errs = append(errs, r.envName(eat.Child("name"), ev.Name)...)
		}
		errs = append(errs, validateValueFrom(ev, eat.Child("valueFrom"))...)
	}
	return errs
}

// validEnvFieldPaths are what an env var's fieldRef may read (besides a
// single label or annotation).
var validEnvFieldPaths = []string{"metadata.name", "metadata.namespace", "metadata.uid",
	"spec.nodeName", "spec.serviceAccountName", "status.hostIP", "status.hostIPs", "status.podIP", "status.podIPs"}

// validEnvResources are what an env var's resourceFieldRef may read
// (besides hugepages).
var validEnvResources = []string{"limits.cpu", "limits.memory", "limits.ephemeral-storage",
	"requests.cpu", "requests.memory", "requests.ephemeral-storage"}

func validateValueFrom(ev corev1.EnvVar, at *field.Path) field.ErrorList {
	vf := ev.ValueFrom
	if vf == nil {
		return nil
	}
	var errs field.ErrorList
	var sources []string
	if vf.FieldRef != nil {
		sources = append(sources, "fieldRef")
		errs = append(errs, validateFieldRef(vf.FieldRef, validEnvFieldPaths, at.Child("fieldRef"))...)
	}
	if vf.ResourceFieldRef != nil {
		sources = append(sources, "resourceFieldRef")
		errs = append(errs, validateResourceFieldRef(vf.ResourceFieldRef, at.Child("resourceFieldRef"), false)...)
	}
	if ref := vf.ConfigMapKeyRef; ref != nil {
		sources = append(sources, "configMapKeyRef")
		errs = append(errs, validateKeyRef(ref.Name, ref.Key, at.Child("configMapKeyRef"))...)
	}
	if ref := vf.SecretKeyRef; ref != nil {
		sources = append(sources, "secretKeyRef")
		errs = append(errs, validateKeyRef(ref.Name, ref.Key, at.Child("secretKeyRef"))...)
	}
	if ref := vf.FileKeyRef; ref != nil {
		sources = append(sources, "fileKeyRef")
		errs = append(errs, validateFileKeyRef(ref, at.Child("fileKeyRef"))...)
	}
	switch {
	case len(sources) == 0:
		errs = append(errs, invalidValue(at, "", "must name a source: one of fieldRef, resourceFieldRef, configMapKeyRef, secretKeyRef or fileKeyRef"))
	case ev.Value != "":
		errs = append(errs, invalidValue(at, "", "may not be set together with value: give one or the other"))
	case len(sources) > 1:
		errs = append(errs, invalidValue(at, "", "names %s: an env var takes its value from one source", strings.Join(sources, " and ")))
	}
	return errs
}

// subscripted matches metadata.labels['key'] and metadata.annotations['key'].
var subscripted = regexp.MustCompile(`^(metadata\.(?:labels|annotations))\['(.*)'\]$`)

func validateFieldRef(ref *corev1.ObjectFieldSelector, valid []string, at *field.Path) field.ErrorList {
	if ref.APIVersion != "" && ref.APIVersion != "v1" {
		return field.ErrorList{notSupported(at.Child("apiVersion"), ref.APIVersion, "v1")}
	}
	if ref.FieldPath == "" {
		return field.ErrorList{required(at.Child("fieldPath"), "such as metadata.name")}
	}
	if m := subscripted.FindStringSubmatch(ref.FieldPath); m != nil {
		key := m[2]
		if m[1] == "metadata.annotations" {
			key = strings.ToLower(key)
		}
		return messages(at.Child("fieldPath"), m[2], "label or annotation key", validation.IsQualifiedName(key))
	}
	if !slices.Contains(valid, ref.FieldPath) {
		return field.ErrorList{notSupported(at.Child("fieldPath"), ref.FieldPath, valid...)}
	}
	return nil
}

// validateFileKeyRef: a key (an env var name) read from a file of an
// emptyDir volume. Whether the volume is an emptyDir is the pod's: the
// config's own volumes are checked in Spec.
func validateFileKeyRef(ref *corev1.FileKeySelector, at *field.Path) field.ErrorList {
	var errs field.ErrorList
	if ref.Key == "" {
		errs = append(errs, required(at.Child("key"), "the variable to read from the file"))
	} else {
		errs = append(errs, messages(at.Child("key"), ref.Key, "environment variable name", validation.IsRelaxedEnvVarName(ref.Key))...)
	}
	if ref.VolumeName == "" {
		errs = append(errs, required(at.Child("volumeName"), "an emptyDir volume of the pod"))
	} else {
		errs = append(errs, dnsLabel(at.Child("volumeName"), ref.VolumeName)...)
	}
	if ref.Path == "" {
		return append(errs, required(at.Child("path"), "the file's path in the volume"))
	}
	return append(errs, noBacksteps(at.Child("path"), ref.Path)...)
}

var (
	cpuDivisors    = []string{"1m", "1"}
	memoryDivisors = []string{"1", "1k", "1M", "1G", "1T", "1P", "1E", "1Ki", "1Mi", "1Gi", "1Ti", "1Pi", "1Ei"}
)

// validateResourceFieldRef: a volume's names its container, an env var's
// may leave it to the container it is in.
func validateResourceFieldRef(ref *corev1.ResourceFieldSelector, at *field.Path, volume bool) field.ErrorList {
	switch {
	case volume && ref.ContainerName == "":
		return field.ErrorList{required(at.Child("containerName"), "the container whose resources to read")}
	case ref.Resource == "":
		return field.ErrorList{required(at.Child("resource"), "such as limits.cpu")}
	}
	hugepages := strings.HasPrefix(ref.Resource, "requests.hugepages-") || strings.HasPrefix(ref.Resource, "limits.hugepages-")
	if !hugepages && !slices.Contains(validEnvResources, ref.Resource) {
		return field.ErrorList{notSupported(at.Child("resource"), ref.Resource, validEnvResources...)}
	}
	if ref.Divisor.IsZero() {
		return nil
	}
	divisors := memoryDivisors
	if strings.HasSuffix(ref.Resource, ".cpu") {
		divisors = cpuDivisors
	}
	if d := ref.Divisor.String(); !slices.Contains(divisors, d) {
		return field.ErrorList{invalidValue(at.Child("divisor"), d, "%s is not a divisor of %s: want %s", d, ref.Resource, orList(divisors))}
	}
	return nil
}

// validateKeyRef: a ConfigMap's or Secret's name and one of its keys.
func validateKeyRef(name, key string, at *field.Path) field.ErrorList {
	var errs field.ErrorList
	if !isTemplate(name) {
		errs = append(errs, objectName(at.Child("name"), name)...)
	}
	if key == "" {
		errs = append(errs, required(at.Child("key"), ""))
	} else if !isTemplate(key) {
		errs = append(errs, messages(at.Child("key"), key, "key", validation.IsConfigMapKey(key))...)
	}
	return errs
}

// objectName checks the name of a ConfigMap or Secret a pod refers to.
func objectName(at *field.Path, name string) field.ErrorList {
	if name == "" {
		return field.ErrorList{required(at, "the object's name")}
	}
	return messages(at, name, "object name", validation.IsDNS1123Subdomain(name))
}

func (r ContainerRules) validateEnvFrom(sources []corev1.EnvFromSource, at *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, s := range sources {
		sat := at.Index(i)
		if s.Prefix != "" {
			errs = append(errs, r.envName(sat.Child("prefix"), s.Prefix)...)
		}
		n := 0
		if s.ConfigMapRef != nil {
			n++
			errs = append(errs, nameUnlessTemplate(sat.Child("configMapRef", "name"), s.ConfigMapRef.Name)...)
		}
		if s.SecretRef != nil {
			n++
			errs = append(errs, nameUnlessTemplate(sat.Child("secretRef", "name"), s.SecretRef.Name)...)
		}
		switch n {
		case 0:
			errs = append(errs, invalidValue(sat, "", "must name a source: configMapRef or secretRef"))
		case 2:
			errs = append(errs, invalidValue(sat, "", "names configMapRef and secretRef: give one per entry"))
		}
	}
	return errs
}

// nameUnlessTemplate checks an envFrom source's name, as the server
// does: a DNS subdomain, where a trailing '-' is let through (it checks
// the name as a prefix).
func nameUnlessTemplate(at *field.Path, name string) field.ErrorList {
	switch {
	case isTemplate(name):
		return nil
	case name == "":
		return field.ErrorList{required(at, "the object's name")}
	}
	return messages(at, name, "object name", apivalidation.NameIsDNSSubdomain(name, true))
}
