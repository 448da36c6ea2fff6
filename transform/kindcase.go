package transform

import (
	"fmt"
	"regexp"
	"slices"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/inject-sidecars/inject-sidecars/api/v1alpha1"
)

// KindWarnings warns about a target or exclude whose kind matches no
// kind as written but a built-in kind when case is ignored: kind:
// deployment would otherwise silently select nothing.
func (in *Injection) KindWarnings() []v1alpha1.Warning {
	kinds := make([]string, 0, len(builtinKinds)+len(in.kinds))
	for k := range builtinKinds {
		kinds = append(kinds, k)
	}
	for _, k := range in.kinds {
		kinds = append(kinds, k.kind)
	}
	slices.Sort(kinds)
	var out []v1alpha1.Warning
	for _, l := range []struct {
		name string
		sels []v1alpha1.Selector
	}{{"targets", in.Spec.Targets}, {"exclude", in.Spec.Exclude}} {
		for i, sel := range l.sels {
			if guess := caseOnlyKind(sel.Kind, kinds); guess != "" {
				out = append(out, v1alpha1.Warning{
					Field:   field.NewPath("spec", l.name).Index(i).Child("kind"),
					Message: fmt.Sprintf("kind %q matches no kind: kinds are case-sensitive, did you mean %s?", sel.Kind, guess),
				})
			}
		}
	}
	return out
}

// caseOnlyKind is the kind that expr (an anchored regexp) would match
// if case were ignored, when it matches none as written.
func caseOnlyKind(expr string, kinds []string) string {
	if expr == "" {
		return ""
	}
	exact, err1 := regexp.Compile("^(?:" + expr + ")$")
	folded, err2 := regexp.Compile("^(?i:" + expr + ")$")
	if err1 != nil || err2 != nil || slices.ContainsFunc(kinds, exact.MatchString) {
		return ""
	}
	for _, k := range kinds {
		if folded.MatchString(k) {
			return k
		}
	}
	return ""
}
