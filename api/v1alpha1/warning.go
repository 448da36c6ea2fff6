package v1alpha1

import (
	"fmt"

	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Warning is something in a config that works but is likely not what its
// author meant: the field it is about and what to do. The config is used
// all the same, so a warning is not an error; it becomes text only where
// it is reported (a KRM result, a line on stderr).
type Warning struct {
	Field   *field.Path
	Message string
}

// warn makes a Warning at path.
func warn(path *field.Path, format string, args ...any) Warning {
	return Warning{Field: path, Message: fmt.Sprintf(format, args...)}
}
