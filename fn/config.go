// Package fn is the KRM function: it decodes the ResourceList and its
// functionConfig, runs the injection, and reports results. It returns
// results and errors; exit codes are the command's business.
package fn

import (
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/inject-sidecars/inject-sidecars/api/v1alpha1"
	"github.com/inject-sidecars/inject-sidecars/transform"
)

// Config is a loaded injection config: ready to run, with the warnings
// about the config itself.
type Config struct {
	Injection *transform.Injection
	Warnings  field.ErrorList
}

// LoadConfig decodes, defaults and validates a functionConfig and readies
// its injection. With uninject set, the config's action is uninject
// whatever it says (the --uninject flag). A *v1alpha1.ConfigError lists
// every problem with its field path.
func LoadConfig(n *yaml.Node, uninject bool) (*Config, error) {
	return LoadConfigWith(n, uninject, v1alpha1.Options{})
}

// LoadConfigWith is LoadConfig with decoding options (--kube-version).
func LoadConfigWith(n *yaml.Node, uninject bool, opts v1alpha1.Options) (*Config, error) {
	c, err := v1alpha1.DecodeWith(n, opts)
	if err != nil {
		return nil, err
	}
	if uninject {
		c.Spec.Action = v1alpha1.Uninject
	}
	inj, err := transform.NewInjection(c)
	if err != nil {
		return nil, err
	}
	return &Config{Injection: inj, Warnings: append(c.BestPractices(), inj.KindWarnings()...)}, nil
}
