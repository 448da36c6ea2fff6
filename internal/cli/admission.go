package cli

import (
	"errors"
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/inject-sidecars/inject-sidecars/admission"
	"github.com/inject-sidecars/inject-sidecars/api/v1alpha1"
)

// RunAdmission prints the admission policies of every config (-c), in
// order, as one YAML stream. A config admission cannot express is an
// error naming each field and why (exit 1); a Kubernetes version with
// no MutatingAdmissionPolicy API is a usage error (exit 2).
func RunAdmission(o PlainOptions) int {
	injs, _, ok := loadConfigs(o)
	if !ok {
		return exitError
	}
	var docs []string
	code := exitOK
	for _, inj := range injs {
		objs, err := admission.Generate(inj)
		var verr *admission.VersionError
		var cerr *v1alpha1.ConfigError
		switch {
		case errors.As(err, &verr):
			fmt.Fprintf(o.Stderr, "inject-sidecars: %v\n", verr)
			return exitUsage
		case errors.As(err, &cerr):
			for _, fe := range cerr.Errors {
				fmt.Fprintf(o.Stderr, "inject-sidecars: %s: %s: cannot be an admission policy: %s\n", cerr.Ref, fe.Field, detail(fe))
			}
			code = exitError
			continue
		case err != nil:
			fmt.Fprintf(o.Stderr, "inject-sidecars: %s: %v\n", inj.Ref(), err)
			code = exitError
			continue
		}
		for _, n := range objs {
			s, err := n.String()
			if err != nil {
				fmt.Fprintf(o.Stderr, "inject-sidecars: %s: %v\n", inj.Ref(), err)
				return exitError
			}
			docs = append(docs, s)
		}
	}
	if code != exitOK {
		return code // nothing half-printed
	}
	fmt.Fprint(o.Stdout, strings.Join(docs, "---\n"))
	return exitOK
}

// detail is a field error's message without the value it repeats.
func detail(fe *field.Error) string {
	if fe.Detail != "" {
		return fe.Detail
	}
	return fe.ErrorBody()
}
