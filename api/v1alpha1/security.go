package v1alpha1

import (
	"regexp"
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
	return append(errs, validateWindowsOptions(sc.WindowsOptions, at.Child("windowsOptions"))...)
}

var (
	controlChars = regexp.MustCompile(`[[:cntrl:]]`)
	// A NetBIOS domain: up to 15 characters, none of \ / : * ? " < > |,
	// not starting with a dot; or a DNS name.
	netBIOSDomain = regexp.MustCompile(`^[^\\/:*?"<>|.][^\\/:*?"<>|]{0,14}$`)
	dnsDomain     = regexp.MustCompile(`^[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$`)
	badUserChars  = regexp.MustCompile(`["/\\:;|=,+*?<>@\[\]]`)
)

// validateWindowsOptions: a GMSA credential spec's name and size, and a
// runAsUserName of the form [DOMAIN\]USER as Windows takes it.
func validateWindowsOptions(w *corev1.WindowsSecurityContextOptions, at *field.Path) field.ErrorList {
	if w == nil {
		return nil
	}
	var errs field.ErrorList
	if n := w.GMSACredentialSpecName; n != nil {
		errs = append(errs, messages(at.Child("gmsaCredentialSpecName"), *n, "GMSA credential spec name", validation.IsDNS1123Subdomain(*n))...)
	}
	if spec := w.GMSACredentialSpec; spec != nil && (len(*spec) == 0 || len(*spec) > 64*1024) {
		errs = append(errs, invalidValue(at.Child("gmsaCredentialSpec"), len(*spec), "must hold 1 byte to 64 KiB, not %d", len(*spec)))
	}
	if u := w.RunAsUserName; u != nil {
		if why := windowsUserProblem(*u); why != "" {
			errs = append(errs, invalidValue(at.Child("runAsUserName"), *u, "%q is not a Windows user name: %s", *u, why))
		}
	}
	return errs
}

// windowsUserProblem says what is wrong with a [DOMAIN\]USER name, or "".
func windowsUserProblem(name string) string {
	parts := strings.Split(name, `\`)
	switch {
	case name == "":
		return "it is empty"
	case controlChars.MatchString(name):
		return "it holds control characters"
	case len(parts) > 2:
		return "it has more than one backslash"
	}
	user := parts[len(parts)-1]
	if len(parts) == 2 {
		domain := parts[0]
		if len(domain) >= 256 || !(netBIOSDomain.MatchString(domain) || dnsDomain.MatchString(domain)) {
			return "the domain is neither a NetBIOS nor a DNS name"
		}
	}
	switch {
	case user == "" || len(user) > 104:
		return "the user must have 1 to 104 characters"
	case strings.Trim(user, ". ") == "":
		return "the user is only dots and spaces"
	case badUserChars.MatchString(user):
		return `the user holds one of " / \ : ; | = , + * ? < > @ [ ]`
	}
	return ""
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
