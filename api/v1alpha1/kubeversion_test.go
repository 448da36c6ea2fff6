package v1alpha1_test

import (
	"testing"

	"github.com/inject-sidecars/inject-sidecars/api/v1alpha1"
)

// A Kubernetes version is MAJOR.MINOR or MAJOR.MINOR.PATCH, with an
// optional v; a full version may carry a pre-release or build suffix,
// as clusters report theirs (v1.30.2-gke.100, v1.31.0+k3s1). Nothing
// else: apimachinery's ParseGeneric would take 1.30x and 1.30.2.4.
func TestParseKubeVersion(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		in           string
		major, minor uint
	}{
		{"1.30", 1, 30}, {"v1.30", 1, 30}, {"1.30.2", 1, 30}, {"v1.30.2", 1, 30}, {"1.0", 1, 0},
		{"v1.30.2-gke.100", 1, 30}, {"v1.31.0+k3s1", 1, 31}, {"v1.29.3-eks-adc7111", 1, 29},
		{"1.32.0-rc.1+build.5", 1, 32}, {"2.10.0", 2, 10},
	} {
		v, err := v1alpha1.ParseKubeVersion(tt.in)
		if err != nil {
			t.Errorf("%q: %v", tt.in, err)
			continue
		}
		if v.Major() != tt.major || v.Minor() != tt.minor {
			t.Errorf("%q: %d.%d, want %d.%d", tt.in, v.Major(), v.Minor(), tt.major, tt.minor)
		}
	}
	for _, in := range []string{
		"", "banana", "1", "v1", "1.", "1.30.", "1.30x", "1.2x", "1.30.2.4", "1.30.2x",
		"1.30-gke.100", "01.30", "1.030", "1.30.02", "V1.30", "v 1.30", " 1.30", "1.30 ",
		"1.30.2-", "1.30.2+", "1.30.2-gke..1", "1.30.2-gke_1", "vv1.30", "1.30\n",
	} {
		if v, err := v1alpha1.ParseKubeVersion(in); err == nil {
			t.Errorf("%q was taken as %v", in, v)
		}
	}
}
