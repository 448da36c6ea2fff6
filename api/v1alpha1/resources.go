package v1alpha1

import (
	"maps"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// standardContainerResources are the resources a container names without
// a domain (besides hugepages-<size>).
var standardContainerResources = []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory, corev1.ResourceEphemeralStorage}

// validateResources: resource names the server knows, quantities not
// negative (whole numbers for extended resources), requests at most the
// limits (equal for extended resources and hugepages, which cannot be
// overcommitted), hugepages only beside cpu or memory. resources.claims
// name the pod's resourceClaims, which an injection cannot declare.
func validateResources(r *corev1.ResourceRequirements, at *field.Path) field.ErrorList {
	var errs field.ErrorList
	cpuOrMemory, hugepages := false, false
	for _, l := range []struct {
		name string
		list corev1.ResourceList
	}{{"limits", r.Limits}, {"requests", r.Requests}} {
		for _, name := range slices.Sorted(maps.Keys(l.list)) {
			q := l.list[name]
			rat := at.Child(l.name).Key(string(name))
			errs = append(errs, validateResourceName(name, rat)...)
			errs = append(errs, validateQuantity(name, q, rat)...)
			cpuOrMemory = cpuOrMemory || name == corev1.ResourceCPU || name == corev1.ResourceMemory
			hugepages = hugepages || isHugePages(name)
			if l.name == "requests" {
				errs = append(errs, requestWithinLimit(name, q, r.Limits, at)...)
			}
		}
	}
	if hugepages && !cpuOrMemory {
		errs = append(errs, forbidden(at, "hugepages need a cpu or memory request or limit beside them"))
	}
	for i := range r.Claims {
		errs = append(errs, forbidden(at.Child("claims").Index(i), "resource claims name the pod's spec.resourceClaims, which an injection does not declare: drop the claim"))
	}
	return errs
}

func validateResourceName(name corev1.ResourceName, at *field.Path) field.ErrorList {
	s := string(name)
	if msgs := validation.IsQualifiedName(s); len(msgs) > 0 {
		return messages(at, s, "resource name", msgs)
	}
	switch {
	case !strings.Contains(s, "/"):
		if !slices.Contains(standardContainerResources, name) && !isHugePages(name) {
			return field.ErrorList{invalidValue(at, s, "%q is not a resource a container can ask for: want cpu, memory, ephemeral-storage, hugepages-<size>, or an extended resource with a domain (example.com/gpu)", s)}
		}
	case !isNativeResource(name) && !isExtendedResource(name):
		return field.ErrorList{invalidValue(at, s, "%q is not a valid extended resource name", s)}
	}
	return nil
}

func validateQuantity(name corev1.ResourceName, q resource.Quantity, at *field.Path) field.ErrorList {
	if q.Sign() < 0 {
		return field.ErrorList{invalidValue(at, q.String(), "%s is negative: a resource quantity must be 0 or more", q.String())}
	}
	if isExtendedResource(name) && q.MilliValue()%1000 != 0 {
		return field.ErrorList{invalidValue(at, q.String(), "%s is not a whole number: extended resources are counted in units", q.String())}
	}
	if isHugePages(name) && !hugePagesDivisible(name, q) {
		return field.ErrorList{invalidValue(at, q.String(), "%s is not a whole multiple of the page size of %s", q.String(), name)}
	}
	return nil
}

func requestWithinLimit(name corev1.ResourceName, req resource.Quantity, limits corev1.ResourceList, at *field.Path) field.ErrorList {
	lim, ok := limits[name]
	rat := at.Child("requests").Key(string(name))
	switch {
	case ok && !overcommitAllowed(name) && req.Cmp(lim) != 0:
		return field.ErrorList{invalidValue(rat, req.String(), "request %s must equal the limit %s: %s cannot be overcommitted", req.String(), lim.String(), name)}
	case ok && req.Cmp(lim) > 0:
		return field.ErrorList{invalidValue(rat, req.String(), "request %s is above the limit %s: Kubernetes requires requests <= limits", req.String(), lim.String())}
	case !ok && !overcommitAllowed(name):
		return field.ErrorList{required(at.Child("limits").Key(string(name)), "%s cannot be overcommitted: set its limit equal to the request", name)}
	}
	return nil
}

// The resource name helpers of Kubernetes' core helper package.

func isHugePages(name corev1.ResourceName) bool {
	return strings.HasPrefix(string(name), corev1.ResourceHugePagesPrefix)
}

func isNativeResource(name corev1.ResourceName) bool {
	return !strings.Contains(string(name), "/") || strings.Contains(string(name), corev1.ResourceDefaultNamespacePrefix)
}

func isExtendedResource(name corev1.ResourceName) bool {
	if isNativeResource(name) || strings.HasPrefix(string(name), corev1.DefaultResourceRequestsPrefix) {
		return false
	}
	return len(validation.IsQualifiedName(corev1.DefaultResourceRequestsPrefix+string(name))) == 0
}

func overcommitAllowed(name corev1.ResourceName) bool {
	return isNativeResource(name) && !isHugePages(name)
}

func hugePagesDivisible(name corev1.ResourceName, q resource.Quantity) bool {
	size, err := resource.ParseQuantity(strings.TrimPrefix(string(name), corev1.ResourceHugePagesPrefix))
	if err != nil || size.Sign() <= 0 {
		return false
	}
	return q.Value()%size.Value() == 0
}
