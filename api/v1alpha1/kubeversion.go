package v1alpha1

import (
	"fmt"
	"regexp"

	"k8s.io/apimachinery/pkg/util/version"
)

// KubeVersionForm says what a Kubernetes version looks like, in messages
// about spec.kubernetesVersion and --kube-version alike.
const KubeVersionForm = "MAJOR.MINOR or MAJOR.MINOR.PATCH, such as 1.30 or v1.30.2"

// kubeVersionPattern is MAJOR.MINOR or MAJOR.MINOR.PATCH, with an
// optional v and no leading zeros; a full version may carry a semver
// pre-release or build suffix, as clusters report their own
// (v1.30.2-gke.100, v1.31.0+k3s1), so a version pasted from kubectl
// version is taken. apimachinery's ParseGeneric alone would also take
// 1.30x and 1.30.2.4, which are typos.
const kubeVersionPattern = `^v?(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)` +
	`(\.(0|[1-9][0-9]*)(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?)?$`

var kubeVersionRE = regexp.MustCompile(kubeVersionPattern)

// ParseKubeVersion reads a Kubernetes version of the form
// KubeVersionForm says. A suffix plays no part in comparisons: a
// v1.29.0-rc.1 cluster counts as 1.29.
func ParseKubeVersion(s string) (*version.Version, error) {
	if !kubeVersionRE.MatchString(s) {
		return nil, fmt.Errorf("%q is not a Kubernetes version: want %s", s, KubeVersionForm)
	}
	return version.ParseGeneric(s)
}
