package v1alpha1_test

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/inject-sidecars/inject-sidecars/api/v1alpha1"
)

// A container is checked with the API server's rules for the cluster
// version the config names; each error is typed and has its path.
func ExampleContainerRules_ValidateContainer() {
	spec := v1alpha1.Spec{KubernetesVersion: "1.33"}
	ctr := corev1.Container{
		Name:            "agent",
		ImagePullPolicy: "Sometimes",
		Ports:           []corev1.ContainerPort{{ContainerPort: 9000, Protocol: "tcp"}},
		Env:             []corev1.EnvVar{{Name: "A=B", Value: "x"}},
	}
	for _, e := range spec.ContainerRules().ValidateContainer(&ctr, field.NewPath("spec", "containers").Index(0), false) {
		fmt.Printf("%s (%s): %s\n", e.Field, e.Type, e.Detail)
	}
	// Output:
	// spec.containers[0].image (Required value): required: the sidecar's image, such as example/agent:1.0
	// spec.containers[0].imagePullPolicy (Unsupported value): "Sometimes" is not supported: want Always, IfNotPresent or Never
	// spec.containers[0].ports[0].protocol (Unsupported value): "tcp" is not supported: want TCP, UDP or SCTP
	// spec.containers[0].env[0].name (Invalid value): "A=B" is not a valid environment variable name: a valid environment variable name must consist only of printable ASCII characters other than '='
}
