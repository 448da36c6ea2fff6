package v1alpha1

import (
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/kustomize/kyaml/resid"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/inject-sidecars/inject-sidecars/internal/yamlnode"
)

// LooksLikeConfig reports whether n was meant as a SidecarInjection,
// whatever its version or the spelling of its kind: its apiVersion is
// ours, or its kind is SidecarInjection give or take the case or two
// letters. Such a document is told what to fix, not that it is a
// manifest.
func LooksLikeConfig(n *yaml.Node) bool {
	kind := yamlnode.Str(n, "kind")
	group, _ := resid.ParseGroupVersion(yamlnode.Str(n, "apiVersion"))
	return group == Group ||
		strings.EqualFold(kind, Kind) || editDistance(kind, Kind) <= 2
}

// unsupported says what is wrong with a functionConfig that is neither a
// SidecarInjection of this version nor a v1 ConfigMap, naming the object
// as written.
func unsupported(n *yaml.Node, apiVersion, kind string) *ConfigError {
	name := yamlnode.Str(yamlnode.Field(n, "metadata"), "name")
	ce := &ConfigError{Ref: "functionConfig", Name: name, Resource: &yaml.ResourceIdentifier{
		TypeMeta: yaml.TypeMeta{APIVersion: apiVersion, Kind: kind}, NameMeta: yaml.NameMeta{Name: name}}}
	if kind != "" {
		ce.Ref = strings.TrimSuffix(kind+"/"+name, "/")
	}
	fail := func(path, format string, args ...any) *ConfigError {
		ce.Errors = field.ErrorList{invalid(field.NewPath(path), format, args...)}
		return ce
	}
	switch {
	case kind == Kind && apiVersion == "":
		return fail("apiVersion", "required: write apiVersion: %s", APIVersion)
	case kind == Kind:
		return fail("apiVersion", "%q is not supported: use %s", apiVersion, APIVersion)
	case kind == "ConfigMap":
		return fail("apiVersion", "%q is not supported: a ConfigMap is apiVersion: v1", apiVersion)
	case kind == "" && LooksLikeConfig(n):
		return fail("kind", "required: write kind: %s", Kind)
	case LooksLikeConfig(n):
		return fail("kind", "%q is not a config kind: did you mean %s?", kind, Kind)
	}
	got := strings.TrimPrefix(apiVersion+"/"+kind, "/")
	if kind == "" {
		got = "an object without kind"
	}
	return fail("kind", "functionConfig of kind %s is not supported: want %s/%s or v1/ConfigMap", got, APIVersion, Kind)
}

// editDistance is the Levenshtein distance between a and b, in bytes:
// how many letters to add, drop or change to get one from the other.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// kptFunctionInput is the ConfigMap kpt fn eval makes of its "--
// key=value" arguments: with none, it comes empty.
const kptFunctionInput = "function-input"

// configMapError names the ConfigMap as the user wrote it (not the
// SidecarInjection it stands for). An empty one that kpt made means no
// config was given at all, which is said once.
func configMapError(n *yaml.Node, name string, errs field.ErrorList) *ConfigError {
	meta := yamlnode.Field(n, "metadata")
	cmName := yamlnode.Str(meta, "name")
	data := yamlnode.Field(n, "data")
	if cmName == kptFunctionInput && yamlnode.Field(meta, "annotations") == nil && (yamlnode.IsNull(data) || len(data.Content) == 0) {
		errs = field.ErrorList{invalid(field.NewPath("data"), "no function config: give --fn-config FILE, or -- name=NAME image=IMAGE")}
	}
	return &ConfigError{Ref: "ConfigMap/" + cmName, Name: name, Errors: errs, Resource: &yaml.ResourceIdentifier{
		TypeMeta: yaml.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"}, NameMeta: yaml.NameMeta{Name: cmName}}}
}

// closest is the name in names nearest to s, within an edit distance of
// two (and shorter than s, so that short keys do not all look alike),
// ignoring case, or "".
func closest(s string, names []string) string {
	best, bestD := "", 3
	for _, n := range names {
		if d := editDistance(strings.ToLower(s), strings.ToLower(n)); d < bestD && d < len(s) {
			best, bestD = n, d
		}
	}
	return best
}
