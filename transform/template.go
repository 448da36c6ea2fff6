package transform

import (
	"fmt"
	"strings"
	"text/template"
)

// TemplateData is what a template in an injected object sees: the
// workload's own metadata.
type TemplateData struct {
	Name        string
	Namespace   string
	Kind        string
	Labels      map[string]string
	Annotations map[string]string
}

type tmpl = template.Template

// strictIndex replaces text/template's index for our string maps: the
// built-in returns "" for a missing key, and a sidecar configured with an
// empty app name is worse than an error.
func strictIndex(m map[string]string, key string) (string, error) {
	v, ok := m[key]
	if !ok {
		return "", fmt.Errorf("map has no key %q", key)
	}
	return v, nil
}

var templateFuncs = template.FuncMap{"index": strictIndex}

func parseTemplate(name, text string) (*tmpl, error) {
	return template.New(name).Option("missingkey=error").Funcs(templateFuncs).Parse(text)
}

func execTemplate(t *tmpl, data *TemplateData) (string, error) {
	var b strings.Builder
	if err := t.Execute(&b, data); err != nil {
		return "", err
	}
	return b.String(), nil
}
