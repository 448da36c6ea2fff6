package v1alpha1

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// validatePodLabels holds labels to the API server's rules for labels
// (metav1validation.ValidateLabels), one label at a time, so that each
// error is at its key's path, in key order.
func validatePodLabels(labels map[string]string, at *field.Path) field.ErrorList {
	var errs field.ErrorList
	for _, k := range slices.Sorted(maps.Keys(labels)) {
		one := map[string]string{k: labels[k]}
		errs = append(errs, explained(metav1validation.ValidateLabels(one, KeyPath(at, k)), "label")...)
	}
	return errs
}

// ownPrefix is the prefix of the annotations the tool itself reads and
// writes on a workload (its status, the opt-out, owners' overrides).
const ownPrefix = Group + "/"

// validateNotOwn refuses a key of the tool's own: a config that set the
// status or the opt-out on the pod would undo its own injection on the
// next run, or never be up to date.
func validateNotOwn(m map[string]string, at *field.Path, what string) field.ErrorList {
	var errs field.ErrorList
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if strings.HasPrefix(k, ownPrefix) {
			errs = append(errs, field.Forbidden(KeyPath(at, k), fmt.Sprintf("%q is inject-sidecars' own %s (%s…): a config cannot set it", k, what, ownPrefix)))
		}
	}
	return errs
}

// validatePodAnnotations holds annotations to the API server's rules for
// annotations (apivalidation.ValidateAnnotations): each key, at its
// path, and their size, at the key of one that is too long on its own,
// or else at the path of them all.
func validatePodAnnotations(annotations map[string]string, at *field.Path) field.ErrorList {
	var errs field.ErrorList
	for _, k := range slices.Sorted(maps.Keys(annotations)) {
		one := map[string]string{k: annotations[k]}
		errs = append(errs, explained(apivalidation.ValidateAnnotations(one, KeyPath(at, k)), "annotation")...)
	}
	tooLong := func(e *field.Error) bool { return e.Type == field.ErrorTypeTooLong }
	if !slices.ContainsFunc(errs, tooLong) && apivalidation.ValidateAnnotationsSize(annotations) != nil {
		errs = append(errs, explained(field.ErrorList{field.TooLong(at, "", apivalidation.TotalAnnotationSizeLimitB)}, "annotation")...)
	}
	return errs
}

// explained turns apimachinery's errors about labels or annotations
// into messages that name what is wrong before the rule it breaks: the
// key or the value (which one, the error's Origin says), or the size.
func explained(errs field.ErrorList, what string) field.ErrorList {
	for _, e := range errs {
		switch {
		case e.Type == field.ErrorTypeTooLong:
			e.Detail = fmt.Sprintf("the pod's %ss may hold %d bytes (256 KiB) in all: make them shorter", what, apivalidation.TotalAnnotationSizeLimitB)
		case e.Origin == "format=k8s-label-value":
			e.Detail = fmt.Sprintf("%q is not a valid %s value: %s", e.BadValue, what, e.Detail)
		default:
			e.Detail = fmt.Sprintf("%q is not a valid %s key: %s", e.BadValue, what, e.Detail)
		}
	}
	return errs
}
