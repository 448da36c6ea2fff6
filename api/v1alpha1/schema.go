package v1alpha1

import (
	"encoding/json"
	"reflect"

	"github.com/invopop/jsonschema"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// Schema returns the JSON Schema of SidecarInjection, reflected from the
// Go types that decoding uses, so the two cannot drift apart.
func Schema() ([]byte, error) {
	r := &jsonschema.Reflector{
		// Kubernetes types mark optional fields with omitempty; the rest
		// are required, as in the API server's own validation.
		AllowAdditionalProperties: false,
		Mapper: func(t reflect.Type) *jsonschema.Schema {
			switch t {
			case reflect.TypeOf(resource.Quantity{}):
				return &jsonschema.Schema{OneOf: []*jsonschema.Schema{
					{Type: "string", Pattern: `^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$`},
					{Type: "number"},
				}}
			case reflect.TypeOf(intstr.IntOrString{}):
				return &jsonschema.Schema{OneOf: []*jsonschema.Schema{{Type: "string"}, {Type: "integer"}}}
			}
			return nil
		},
	}
	s := r.Reflect(&SidecarInjection{})
	s.ID = "https://inject-sidecars.dev/schemas/v1alpha1/sidecarinjection.json"
	s.Title = "SidecarInjection (" + APIVersion + ")"
	return json.MarshalIndent(s, "", "  ")
}
