package fn

import (
	"errors"
	"strconv"

	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/kio/kioutil"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/inject-sidecars/inject-sidecars/transform"
)

// Locator says which file a document came from, for results.
type Locator func(item *yaml.Node) *framework.File

// annotationLocator reads the path and index that kpt and kustomize put
// on every item of a ResourceList.
func annotationLocator(item *yaml.Node) *framework.File {
	annos := fieldNode(fieldNode(item, "metadata"), "annotations")
	path := scalar(annos, kioutil.PathAnnotation)
	if path == "" {
		path = scalar(annos, kioutil.LegacyPathAnnotation)
	}
	if path == "" {
		return nil
	}
	idx := scalar(annos, kioutil.IndexAnnotation)
	if idx == "" {
		idx = scalar(annos, kioutil.LegacyIndexAnnotation)
	}
	i, _ := strconv.Atoi(idx)
	return &framework.File{Path: path, Index: i}
}

// krmResults turns transform results into KRM results. A result about
// an injection as a whole (it matched nothing) names the config, and
// configFile says where that came from.
func krmResults(rs []transform.Result, locate Locator, configFile map[string]*framework.File) framework.Results {
	out := make(framework.Results, 0, len(rs))
	for _, r := range rs {
		kr := &framework.Result{Message: r.Message, Severity: framework.Severity(r.Severity)}
		if r.Ref != nil {
			kr.ResourceRef = &yaml.ResourceIdentifier{
				TypeMeta: yaml.TypeMeta{APIVersion: r.Ref.APIVersion, Kind: r.Ref.Kind},
				NameMeta: yaml.NameMeta{Name: r.Ref.Name, Namespace: r.Ref.Namespace},
			}
		} else if r.Injection != "" {
			kr.ResourceRef = configRef(r.Injection)
			kr.File = configFile[r.Injection]
		}
		if r.Field != "" {
			kr.Field = &framework.Field{Path: r.Field}
		}
		if r.Item != nil && locate != nil {
			kr.File = locate(r.Item)
		}
		out = append(out, kr)
	}
	return out
}

// configRef names an injection config in results.
func configRef(name string) *yaml.ResourceIdentifier {
	return &yaml.ResourceIdentifier{TypeMeta: yaml.TypeMeta{APIVersion: APIVersion, Kind: Kind}, NameMeta: yaml.NameMeta{Name: name}}
}

// configResults reports a config's errors (or warnings) as KRM results
// about the config itself.
func configResults(c *Config, err error, file *framework.File) framework.Results {
	// c is nil when err is set.
	var out framework.Results
	ref := configRef
	var ce *ConfigError
	if errors.As(err, &ce) {
		for _, fe := range ce.Errors {
			out = append(out, &framework.Result{
				Message: fe.Message, Severity: framework.Error,
				ResourceRef: ref(ce.Name), Field: &framework.Field{Path: fe.Path}, File: file,
			})
		}
		return out
	}
	if err != nil {
		return framework.Results{{Message: err.Error(), Severity: framework.Error, File: file}}
	}
	for _, w := range c.Warnings {
		out = append(out, &framework.Result{
			Message: w.Message, Severity: framework.Warning,
			ResourceRef: ref(c.Metadata.Name), Field: &framework.Field{Path: w.Path}, File: file,
		})
	}
	return out
}
