package v1alpha1

import (
	"path"
	"reflect"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// volumeSources names the sources a volume is set, by their json names,
// in the order of the VolumeSource type.
func volumeSources(src *corev1.VolumeSource) []string {
	var names []string
	v := reflect.ValueOf(src).Elem()
	for i := range v.NumField() {
		if f := v.Field(i); f.Kind() == reflect.Pointer && !f.IsNil() {
			name, _, _ := strings.Cut(v.Type().Field(i).Tag.Get("json"), ",")
			names = append(names, name)
		}
	}
	return names
}

// ValidateVolume checks a volume the injection adds: one source (a
// volume with none becomes an emptyDir, as the server defaults it), and
// that source's own rules for the sources sidecars use (emptyDir,
// hostPath, secret, configMap, persistentVolumeClaim, downwardAPI,
// projected, csi, gitRepo, nfs, image); the other sources, for storage
// systems a sidecar hardly mounts, are left to the server. The name is
// checked with the config's names.
func ValidateVolume(vol *corev1.Volume, at *field.Path) field.ErrorList {
	var errs field.ErrorList
	if names := volumeSources(&vol.VolumeSource); len(names) > 1 {
		for _, extra := range names[1:] {
			errs = append(errs, forbidden(at.Child(extra), "volume %q already has a %s source: a volume takes exactly one", vol.Name, names[0]))
		}
		return errs
	}
	s := &vol.VolumeSource
	switch {
	case s.EmptyDir != nil:
		if l := s.EmptyDir.SizeLimit; l != nil && l.Sign() < 0 {
			errs = append(errs, invalidValue(at.Child("emptyDir", "sizeLimit"), l.String(), "%s is negative: want a size such as 64Mi", l.String()))
		}
	case s.HostPath != nil:
		errs = append(errs, validateHostPath(s.HostPath, at.Child("hostPath"))...)
	case s.Secret != nil:
		if s.Secret.SecretName == "" {
			errs = append(errs, required(at.Child("secret", "secretName"), "the Secret to mount"))
		}
		errs = append(errs, validateFiles(s.Secret.DefaultMode, s.Secret.Items, at.Child("secret"))...)
	case s.ConfigMap != nil:
		if s.ConfigMap.Name == "" {
			errs = append(errs, required(at.Child("configMap", "name"), "the ConfigMap to mount"))
		}
		errs = append(errs, validateFiles(s.ConfigMap.DefaultMode, s.ConfigMap.Items, at.Child("configMap"))...)
	case s.PersistentVolumeClaim != nil:
		if s.PersistentVolumeClaim.ClaimName == "" {
			errs = append(errs, required(at.Child("persistentVolumeClaim", "claimName"), "the claim to mount"))
		}
	case s.DownwardAPI != nil:
		errs = append(errs, fileMode(at.Child("downwardAPI", "defaultMode"), s.DownwardAPI.DefaultMode)...)
		for i, f := range s.DownwardAPI.Items {
			errs = append(errs, validateDownwardFile(&f, at.Child("downwardAPI", "items").Index(i))...)
		}
	case s.Projected != nil:
		errs = append(errs, validateProjected(s.Projected, at.Child("projected"))...)
	case s.CSI != nil:
		if s.CSI.Driver == "" {
			errs = append(errs, required(at.Child("csi", "driver"), "the CSI driver's name"))
		}
	case s.GitRepo != nil:
		if s.GitRepo.Repository == "" {
			errs = append(errs, required(at.Child("gitRepo", "repository"), "the repository to clone"))
		}
		errs = append(errs, localPath(at.Child("gitRepo", "directory"), s.GitRepo.Directory)...)
	case s.NFS != nil:
		errs = append(errs, validateNFS(s.NFS, at.Child("nfs"))...)
	case s.Image != nil:
		if s.Image.Reference == "" {
			errs = append(errs, required(at.Child("image", "reference"), "the image to mount, such as example/data:1.0"))
		}
		errs = append(errs, oneOfEnum(at.Child("image", "pullPolicy"), s.Image.PullPolicy, pullPolicies...)...)
	}
	return errs
}

func validateHostPath(h *corev1.HostPathVolumeSource, at *field.Path) field.ErrorList {
	if h.Path == "" {
		return field.ErrorList{required(at.Child("path"), "the node's path to mount")}
	}
	errs := noBacksteps(at.Child("path"), h.Path)
	if h.Type != nil && *h.Type != corev1.HostPathUnset {
		errs = append(errs, oneOfEnum(at.Child("type"), *h.Type, hostPathTypes...)...)
	}
	return errs
}

func validateNFS(n *corev1.NFSVolumeSource, at *field.Path) field.ErrorList {
	var errs field.ErrorList
	if n.Server == "" {
		errs = append(errs, required(at.Child("server"), "the NFS server"))
	}
	if n.Path == "" {
		errs = append(errs, required(at.Child("path"), "the exported path"))
	} else if !path.IsAbs(n.Path) {
		errs = append(errs, invalidValue(at.Child("path"), n.Path, "%q must be an absolute path", n.Path))
	}
	return errs
}

// fileMode: a file mode is 0 to 0777.
func fileMode(at *field.Path, mode *int32) field.ErrorList {
	if mode != nil && (*mode < 0 || *mode > 0o777) {
		return field.ErrorList{invalidValue(at, *mode, "%d is not a file mode: want 0 to 0777 (511)", *mode)}
	}
	return nil
}

// validateFiles checks a Secret's or ConfigMap's projected files.
func validateFiles(mode *int32, items []corev1.KeyToPath, at *field.Path) field.ErrorList {
	errs := fileMode(at.Child("defaultMode"), mode)
	for i, kp := range items {
		errs = append(errs, validateKeyToPath(&kp, at.Child("items").Index(i))...)
	}
	return errs
}

func validateKeyToPath(kp *corev1.KeyToPath, at *field.Path) field.ErrorList {
	var errs field.ErrorList
	if kp.Key == "" {
		errs = append(errs, required(at.Child("key"), ""))
	}
	if kp.Path == "" {
		errs = append(errs, required(at.Child("path"), "the file's path in the volume"))
	}
	errs = append(errs, localNonReservedPath(at.Child("path"), kp.Path)...)
	return append(errs, fileMode(at.Child("mode"), kp.Mode)...)
}

func validateDownwardFile(f *corev1.DownwardAPIVolumeFile, at *field.Path) field.ErrorList {
	var errs field.ErrorList
	if f.Path == "" {
		errs = append(errs, required(at.Child("path"), "the file's path in the volume"))
	}
	errs = append(errs, localNonReservedPath(at.Child("path"), f.Path)...)
	switch {
	case f.FieldRef != nil && f.ResourceFieldRef != nil:
		errs = append(errs, invalidValue(at, "", "names fieldRef and resourceFieldRef: a file takes one"))
	case f.FieldRef != nil:
		errs = append(errs, validateFieldRef(f.FieldRef, []string{"metadata.name", "metadata.namespace", "metadata.labels", "metadata.annotations", "metadata.uid"}, at.Child("fieldRef"))...)
	case f.ResourceFieldRef != nil:
		errs = append(errs, validateResourceFieldRef(f.ResourceFieldRef, at.Child("resourceFieldRef"), true)...)
	default:
		errs = append(errs, required(at, "fieldRef or resourceFieldRef"))
	}
	return append(errs, fileMode(at.Child("mode"), f.Mode)...)
}

// validateProjected: one source per entry, and the rules of each.
func validateProjected(p *corev1.ProjectedVolumeSource, at *field.Path) field.ErrorList {
	errs := fileMode(at.Child("defaultMode"), p.DefaultMode)
	for i, s := range p.Sources {
		sat := at.Child("sources").Index(i)
		n := 0
		if s.Secret != nil {
			n++
			errs = append(errs, validateFiles(nil, s.Secret.Items, sat.Child("secret"))...)
		}
		if s.ConfigMap != nil {
			n++
			errs = append(errs, validateFiles(nil, s.ConfigMap.Items, sat.Child("configMap"))...)
		}
		if s.DownwardAPI != nil {
			n++
			for j, f := range s.DownwardAPI.Items {
				errs = append(errs, validateDownwardFile(&f, sat.Child("downwardAPI", "items").Index(j))...)
			}
		}
		if t := s.ServiceAccountToken; t != nil {
			n++
			errs = append(errs, validateToken(t, sat.Child("serviceAccountToken"))...)
		}
		if s.ClusterTrustBundle != nil || s.PodCertificate != nil {
			n++
		}
		if n > 1 {
			errs = append(errs, forbidden(sat, "names more than one source: give each in an entry of its own"))
		}
	}
	return errs
}

func validateToken(t *corev1.ServiceAccountTokenProjection, at *field.Path) field.ErrorList {
	var errs field.ErrorList
	if e := t.ExpirationSeconds; e != nil && (*e < 600 || *e > 1<<32) {
		errs = append(errs, invalidValue(at.Child("expirationSeconds"), *e, "%d is out of range: want 600 (10 minutes) to 4294967296 seconds", *e))
	}
	if t.Path == "" {
		return append(errs, required(at.Child("path"), "the token file's path in the volume"))
	}
	return append(errs, localNonReservedPath(at.Child("path"), t.Path)...)
}
