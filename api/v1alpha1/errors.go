package v1alpha1

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"
)

// The typed errors of the container rules. Each is made with
// apimachinery's constructor (so its Type and BadValue say what kind of
// problem it is), and its Detail is the whole message a user reads: the
// value, what is wrong and what would be right, since results show only
// the Detail.

func required(path *field.Path, format string, args ...any) *field.Error {
	e := field.Required(path, "")
	e.Detail = "required"
	if format != "" {
		e.Detail += ": " + fmt.Sprintf(format, args...)
	}
	return e
}

func invalidValue(path *field.Path, value any, format string, args ...any) *field.Error {
	return field.Invalid(path, value, fmt.Sprintf(format, args...))
}

func forbidden(path *field.Path, format string, args ...any) *field.Error {
	return field.Forbidden(path, fmt.Sprintf(format, args...))
}

// notSupported says which values are: `"Sometimes" is not supported:
// want Always, IfNotPresent or Never`.
func notSupported[T ~string](path *field.Path, value T, valid ...T) *field.Error {
	names := make([]string, len(valid))
	for i, v := range valid {
		names[i] = string(v)
	}
	e := field.NotSupported(path, value, names)
	e.Detail = fmt.Sprintf("%q is not supported: want %s", string(value), orList(names))
	return e
}

// orList joins "a", "b" and "c" as "a, b or c".
func orList(names []string) string {
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// oneOfEnum checks an enum field that the API server defaults when it is
// empty: empty is fine, anything outside valid is not.
func oneOfEnum[T ~string](path *field.Path, value T, valid ...T) field.ErrorList {
	if value == "" {
		return nil
	}
	for _, v := range valid {
		if value == v {
			return nil
		}
	}
	return field.ErrorList{notSupported(path, value, valid...)}
}

// messages turns apimachinery's format checks ([]string of problems)
// into Invalid errors naming what the value should be.
func messages(path *field.Path, value string, what string, msgs []string) field.ErrorList {
	var errs field.ErrorList
	for _, msg := range msgs {
		errs = append(errs, invalidValue(path, value, "%q is not a valid %s: %s", value, what, msg))
	}
	return errs
}
