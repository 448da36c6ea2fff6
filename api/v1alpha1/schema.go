package v1alpha1

import (
	"encoding/json"
	"reflect"

	"github.com/invopop/jsonschema"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// SchemaID is where editors find the schema (see the README on the YAML
// language server).
const SchemaID = "https://inject-sidecars.dev/schemas/v1alpha1/sidecarinjection.json"

// Schema returns the JSON Schema of SidecarInjection, reflected from the
// Go types that decoding uses, so the two cannot drift apart.
func Schema() ([]byte, error) {
	r := &jsonschema.Reflector{
		// Kubernetes types mark optional fields with omitempty; the rest
		// are required, as in the API server's own validation.
		AllowAdditionalProperties: false,
		Mapper: func(t reflect.Type) *jsonschema.Schema {
			if values, ok := schemaEnums[t]; ok {
				return enum("one of the values the API server takes", values...)
			}
			switch t {
			case reflect.TypeFor[resource.Quantity]():
				return quantitySchema()
			case reflect.TypeFor[corev1.ResourceList]():
				// The resources a container can ask for: the standard
				// ones, hugepages, or an extended resource with a domain.
				return &jsonschema.Schema{Type: "object", AdditionalProperties: quantitySchema(),
					PropertyNames: &jsonschema.Schema{Pattern: `^(cpu|memory|ephemeral-storage|hugepages-.+|[^/]+/[^/]+)$`}}
			case reflect.TypeFor[intstr.IntOrString]():
				return &jsonschema.Schema{OneOf: []*jsonschema.Schema{{Type: "string"}, {Type: "integer"}}}
			}
			return nil
		},
	}
	s := r.Reflect(&SidecarInjection{})
	s.ID = SchemaID
	s.Title = "SidecarInjection (" + APIVersion + ")"
	// A sidecar needs an image, which core/v1 leaves optional (a Pod
	// template may fill it in; an injection cannot).
	if c, ok := s.Definitions["Container"]; ok {
		c.Required = append(c.Required, "image")
	}
	if spec, ok := s.Definitions["Spec"]; ok {
		if v, ok := spec.Properties.Get("kubernetesVersion"); ok {
			v.Pattern = kubeVersionPattern
		}
	}
	return json.MarshalIndent(s, "", "  ")
}

func quantitySchema() *jsonschema.Schema {
	return &jsonschema.Schema{OneOf: []*jsonschema.Schema{
		{Type: "string", Pattern: `^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$`},
		{Type: "number"},
	}}
}

func enum(description string, values ...string) *jsonschema.Schema {
	s := &jsonschema.Schema{Type: "string", Description: description}
	for _, v := range values {
		s.Enum = append(s.Enum, v)
	}
	return s
}

// JSONSchema lists the modes.
func (Mode) JSONSchema() *jsonschema.Schema {
	return enum("native: initContainers with restartPolicy: Always; classic: containers; auto: native from Kubernetes 1.29", string(Native), string(Classic), string(Auto))
}

// JSONSchema lists the Pod Security levels.
func (PodSecurityLevel) JSONSchema() *jsonschema.Schema {
	values := make([]string, len(PodSecurityLevels))
	for i, l := range PodSecurityLevels {
		values[i] = string(l)
	}
	return enum("a Pod Security Standards level", values...)
}

// JSONSchema lists what onConflict takes.
func (OnConflict) JSONSchema() *jsonschema.Schema {
	return enum("error, skip or replace", string(ConflictError), string(ConflictSkip), string(ConflictReplace))
}

// JSONSchema lists the actions.
func (Action) JSONSchema() *jsonschema.Schema {
	return enum("inject or uninject", string(Inject), string(Uninject))
}

// JSONSchema lists the fields owners may override.
func (OverrideField) JSONSchema() *jsonschema.Schema {
	values := make([]string, len(OverrideFields))
	for i, f := range OverrideFields {
		values[i] = string(f)
	}
	return enum("a container field workload owners may override", values...)
}

// JSONSchema lists the validation actions.
func (ValidationAction) JSONSchema() *jsonschema.Schema {
	values := make([]string, len(ValidationActions))
	for i, a := range ValidationActions {
		values[i] = string(a)
	}
	return enum("what the API server does with a workload that lacks the injection", values...)
}

// JSONSchema gives the positions' form.
func (Position) JSONSchema() *jsonschema.Schema {
	return &jsonschema.Schema{Type: "string", Pattern: `^(first|last|(before|after):.+)$`,
		Description: "first, last, before:NAME or after:NAME"}
}

// JSONSchemaExtend matches the decoder, which reads metadata leniently:
// orchestrators add fields of their own there.
func (Metadata) JSONSchemaExtend(s *jsonschema.Schema) {
	s.AdditionalProperties = nil
	s.Description = "Only name matters: it keys the status annotation."
}
