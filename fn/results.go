package fn

import (
	"strconv"

	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/kio/kioutil"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/inject-sidecars/inject-sidecars/api/v1alpha1"
	"github.com/inject-sidecars/inject-sidecars/internal/krmresults"
	"github.com/inject-sidecars/inject-sidecars/internal/safetext"
	"github.com/inject-sidecars/inject-sidecars/internal/yamlnode"
	"github.com/inject-sidecars/inject-sidecars/transform"
)

// annotationLocator reads the path and index that kpt and kustomize put
// on every item of a ResourceList.
func annotationLocator(item *yaml.Node) *framework.File {
	annos := yamlnode.Field(yamlnode.Field(item, "metadata"), "annotations")
	path := yamlnode.Str(annos, kioutil.PathAnnotation)
	if path == "" {
		path = yamlnode.Str(annos, kioutil.LegacyPathAnnotation) //lint:ignore SA1019 older kpt and kustomize write the legacy key
	}
	if path == "" {
		return nil
	}
	idx := yamlnode.Str(annos, kioutil.IndexAnnotation)
	if idx == "" {
		idx = yamlnode.Str(annos, kioutil.LegacyIndexAnnotation) //lint:ignore SA1019 older kpt and kustomize write the legacy key
	}
	i, _ := strconv.Atoi(idx)
	return &framework.File{Path: path, Index: i}
}

// krmConfigResults makes results about the config fit the KRM function:
// kpt and kustomize print a result without its file, so a config's
// results name the config's file in their message, when the
// orchestrator says which it is (kpt fn render, from the Kptfile's
// configPath). Plain mode prints the file after each result itself.
func krmConfigResults(out framework.Results, file *framework.File) framework.Results {
	if file == nil || file.Path == "" {
		return out
	}
	for _, r := range out {
		r.Message += " (" + safetext.Value(file.Path) + ")"
	}
	return out
}

// loadFunctionConfig loads the ResourceList's functionConfig with
// transform.Load, as plain mode loads a -c file. It returns the
// injection (nil when the config is refused), the config's file when
// the orchestrator names it, and the results about the config: its
// errors, or its warnings.
func loadFunctionConfig(rl *ResourceList) (*transform.Injection, *framework.File, framework.Results) {
	var file *framework.File
	var fc *yaml.Node
	if rl.FunctionConfig != nil {
		fc = rl.FunctionConfig.YNode()
		file = annotationLocator(fc)
	}
	inj, warnings, err := transform.Load(fc, v1alpha1.Options{})
	if err != nil {
		return nil, file, krmConfigResults(krmresults.Config(err, file), file)
	}
	if file != nil {
		inj.Source = file.Path
	}
	return inj, file, krmConfigResults(krmresults.Warnings(inj.Metadata.Name, warnings, file), file)
}
