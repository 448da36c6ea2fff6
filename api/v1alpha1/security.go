package v1alpha1

import (
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// validateSecurityContext: user and group IDs in range, a procMount,
// seccomp and AppArmor profile the server knows (a Localhost profile
// names its file, the others none), and no allowPrivilegeEscalation:
// false beside privileged: true or CAP_SYS_ADMIN. Whether privileged
// containers are allowed at all is the cluster's policy
// (--allow-privileged), and Pod Security is checked apart.
func validateSecurityContext(sc *corev1.SecurityContext, at *field.Path) field.ErrorList {
	if sc == nil {
		return nil
	}
	var errs field.ErrorList
	if sc.RunAsUser != nil {
		for _, msg := range validation.IsValidUserID(*sc.RunAsUser) {
			errs = append(errs, invalidValue(at.Child("runAsUser"), *sc.RunAsUser, "%d is not a user ID: %s", *sc.RunAsUser, msg))
		}
	}
	if sc.RunAsGroup != nil {
		for _, msg := range validation.IsValidGroupID(*sc.RunAsGroup) {
			errs = append(errs, invalidValue(at.Child("runAsGroup"), *sc.RunAsGroup, "%d is not a group ID: %s", *sc.RunAsGroup, msg))
		}
	}
	if sc.ProcMount != nil {
		errs = append(errs, oneOfEnum(at.Child("procMount"), *sc.ProcMount, procMountTypes...)...)
	}
	if p := sc.SeccompProfile; p != nil {
		errs = append(errs, validateProfile(at.Child("seccompProfile"), p.Type, p.LocalhostProfile, corev1.SeccompProfileTypeLocalhost, seccompProfileTypes)...)
	}
	if p := sc.AppArmorProfile; p != nil {
		errs = append(errs, validateProfile(at.Child("appArmorProfile"), p.Type, p.LocalhostProfile, corev1.AppArmorProfileTypeLocalhost, appArmorProfileTypes)...)
	}
	if sc.AllowPrivilegeEscalation != nil && !*sc.AllowPrivilegeEscalation {
		if sc.Privileged != nil && *sc.Privileged {
			errs = append(errs, invalidValue(at, "", "allowPrivilegeEscalation: false and privileged: true contradict each other: drop one"))
		}
		if sc.Capabilities != nil {
			for i, c := range sc.Capabilities.Add {
				if c == "CAP_SYS_ADMIN" {
					errs = append(errs, invalidValue(at.Child("capabilities", "add").Index(i), string(c), "CAP_SYS_ADMIN contradicts allowPrivilegeEscalation: false: drop one"))
				}
			}
		}
	}
	return errs
}

// validateProfile checks a seccomp or AppArmor profile: a type, and a
// localhostProfile exactly when the type is Localhost: for seccomp a
// relative path, for AppArmor a name without surrounding spaces.
func validateProfile[T ~string](at *field.Path, typ T, localhost *string, local T, types []T) field.ErrorList {
	if typ == "" {
		return field.ErrorList{required(at.Child("type"), "%s", orList(asStrings(types)))}
	}
	errs := oneOfEnum(at.Child("type"), typ, types...)
	lat := at.Child("localhostProfile")
	apparmor := any(local) == any(corev1.AppArmorProfileTypeLocalhost)
	switch {
	case typ != local && localhost != nil:
		errs = append(errs, forbidden(lat, "may only be set with type %s", local))
	case typ != local:
	case localhost == nil || (apparmor && *localhost == ""):
		errs = append(errs, required(lat, "the profile, with type %s", local))
	case apparmor && strings.TrimSpace(*localhost) != *localhost:
		errs = append(errs, invalidValue(lat, *localhost, "%q must not have spaces around it", *localhost))
	case !apparmor:
		errs = append(errs, localPath(lat, *localhost)...)
	}
	return errs
}

func asStrings[T ~string](vs []T) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}
