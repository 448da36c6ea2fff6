package transform

import (
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/inject-sidecars/inject-sidecars/api/v1alpha1"
)

// Load reads a config the one way both modes read it: decode, put in
// the command line's overrides (opts: --kube-version, --uninject),
// default and validate (v1alpha1.DecodeWith), then ready the injection
// (NewInjection). The warnings are about the config itself (its
// sidecars, its target kinds). A *v1alpha1.ConfigError lists every
// problem with its field path.
func Load(n *yaml.Node, opts v1alpha1.Options) (*Injection, []v1alpha1.Warning, error) {
	c, err := v1alpha1.DecodeWith(n, opts)
	if err != nil {
		return nil, nil, err
	}
	inj, err := NewInjection(c)
	if err != nil {
		return nil, nil, err
	}
	return inj, append(c.BestPractices(), inj.KindWarnings()...), nil
}
