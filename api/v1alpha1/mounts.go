package v1alpha1

import (
	"path"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// ValidateMounts checks volume mounts: a volume name and a path, each
// path once; subPath and subPathExpr relative and without '..', not
// both; a propagation mode the server knows (Bidirectional only in a
// privileged container, when ctr is known: spec.volumeMounts go into the
// workload's own containers, which are checked per workload);
// recursiveReadOnly only on a read-only mount. Whether the volume exists
// is checked per workload.
func ValidateMounts(mounts []corev1.VolumeMount, ctr *corev1.Container, at *field.Path) field.ErrorList {
	var errs field.ErrorList
	paths := map[string]bool{}
	for i, m := range mounts {
		mat := at.Index(i)
		if m.Name == "" {
			errs = append(errs, required(mat.Child("name"), "the volume to mount"))
		}
		switch {
		case m.MountPath == "":
			errs = append(errs, required(mat.Child("mountPath"), "where to mount the volume, such as /var/log/app"))
		case paths[m.MountPath]:
			errs = append(errs, invalidValue(mat.Child("mountPath"), m.MountPath, "%s is mounted twice", m.MountPath))
		}
		paths[m.MountPath] = true
		if m.SubPath != "" {
			errs = append(errs, localPath(mat.Child("subPath"), m.SubPath)...)
		}
		if m.SubPathExpr != "" {
			if m.SubPath != "" {
				errs = append(errs, invalidValue(mat.Child("subPathExpr"), m.SubPathExpr, "may not be set together with subPath: give one or the other"))
			}
			errs = append(errs, localPath(mat.Child("subPathExpr"), m.SubPathExpr)...)
		}
		errs = append(errs, overlapsDevice(m, ctr, mat)...)
		errs = append(errs, validatePropagation(m, ctr, mat.Child("mountPropagation"))...)
		errs = append(errs, validateRecursiveReadOnly(m, mat.Child("recursiveReadOnly"))...)
	}
	return errs
}

// overlapsDevice: a volume is mounted or attached as a block device,
// not both, and a path is one or the other.
func overlapsDevice(m corev1.VolumeMount, ctr *corev1.Container, at *field.Path) field.ErrorList {
	if ctr == nil {
		return nil
	}
	var errs field.ErrorList
	for _, d := range ctr.VolumeDevices {
		if d.Name == m.Name && m.Name != "" {
			errs = append(errs, invalidValue(at.Child("name"), m.Name, "volume %q is also a block device of this container (volumeDevices): mount it or attach it, not both", m.Name))
		}
		if d.DevicePath == m.MountPath && m.MountPath != "" {
			errs = append(errs, invalidValue(at.Child("mountPath"), m.MountPath, "%s is also a device path of this container (volumeDevices)", m.MountPath))
		}
	}
	return errs
}

func validatePropagation(m corev1.VolumeMount, ctr *corev1.Container, at *field.Path) field.ErrorList {
	if m.MountPropagation == nil {
		return nil
	}
	p := *m.MountPropagation
	if errs := oneOfEnum(at, p, mountPropagations...); errs != nil {
		return errs
	}
	if p == corev1.MountPropagationBidirectional && ctr != nil && !privileged(ctr) {
		return field.ErrorList{forbidden(at, "Bidirectional propagation is only for privileged containers: set securityContext.privileged: true, or use HostToContainer")}
	}
	return nil
}

func privileged(ctr *corev1.Container) bool {
	sc := ctr.SecurityContext
	return sc != nil && sc.Privileged != nil && *sc.Privileged
}

func validateRecursiveReadOnly(m corev1.VolumeMount, at *field.Path) field.ErrorList {
	if m.RecursiveReadOnly == nil {
		return nil
	}
	switch rro := *m.RecursiveReadOnly; rro {
	case corev1.RecursiveReadOnlyDisabled:
		return nil
	case corev1.RecursiveReadOnlyEnabled, corev1.RecursiveReadOnlyIfPossible:
		var errs field.ErrorList
		if !m.ReadOnly {
			errs = append(errs, forbidden(at, "%s needs readOnly: true", rro))
		}
		if m.MountPropagation != nil && *m.MountPropagation != corev1.MountPropagationNone {
			errs = append(errs, forbidden(at, "%s needs mountPropagation None or unset", rro))
		}
		return errs
	default:
		return field.ErrorList{notSupported(at, rro, recursiveReadOnlyModes...)}
	}
}

// localPath: relative, and no '..' step (the path stays inside the
// volume).
func localPath(at *field.Path, p string) field.ErrorList {
	var errs field.ErrorList
	if path.IsAbs(p) {
		errs = append(errs, invalidValue(at, p, "%q must be a relative path, inside the volume", p))
	}
	return append(errs, noBacksteps(at, p)...)
}

// noBacksteps refuses a '..' step, as the server does for subPath and
// hostPath.
func noBacksteps(at *field.Path, p string) field.ErrorList {
	for _, step := range strings.Split(strings.ReplaceAll(p, `\`, "/"), "/") {
		if step == ".." {
			return field.ErrorList{invalidValue(at, p, "%q must not contain '..'", p)}
		}
	}
	return nil
}

// localNonReservedPath is localPath, and not starting with "..": the
// paths of files a volume projects.
func localNonReservedPath(at *field.Path, p string) field.ErrorList {
	errs := localPath(at, p)
	if strings.HasPrefix(p, "..") && !strings.HasPrefix(p, "../") {
		errs = append(errs, invalidValue(at, p, "%q must not start with '..'", p))
	}
	return errs
}

// validateDevices: raw block devices, each with a volume name and a
// path, each once.
func validateDevices(devices []corev1.VolumeDevice, at *field.Path) field.ErrorList {
	var errs field.ErrorList
	names, paths := map[string]bool{}, map[string]bool{}
	for i, d := range devices {
		dat := at.Index(i)
		if d.Name == "" {
			errs = append(errs, required(dat.Child("name"), "the volume to attach"))
		} else if names[d.Name] {
			errs = append(errs, invalidValue(dat.Child("name"), d.Name, "volume %q is attached twice", d.Name))
		}
		names[d.Name] = true
		switch {
		case d.DevicePath == "":
			errs = append(errs, required(dat.Child("devicePath"), "such as /dev/xvda"))
		case paths[d.DevicePath]:
			errs = append(errs, invalidValue(dat.Child("devicePath"), d.DevicePath, "%s is used twice", d.DevicePath))
		default:
			errs = append(errs, noBacksteps(dat.Child("devicePath"), d.DevicePath)...)
		}
		paths[d.DevicePath] = true
	}
	return errs
}
