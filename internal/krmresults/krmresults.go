// Package krmresults turns what the core reports (transform's results,
// a config's errors and warnings, a recovered panic) into KRM results:
// the one form both adapters print, the KRM function into its
// ResourceList, plain mode as lines on stderr. Every field that can hold
// the user's text is made safe for one line on the way (Safe).
package krmresults

import (
	"errors"
	"fmt"

	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/inject-sidecars/inject-sidecars/api/v1alpha1"
	"github.com/inject-sidecars/inject-sidecars/internal/safetext"
	"github.com/inject-sidecars/inject-sidecars/transform"
)

// Locator says which file a document came from, for results.
type Locator func(item *yaml.Node) *framework.File

// From turns transform results into KRM results. A result about
// an injection as a whole (it matched nothing) names the config, and
// configFile says where that came from.
func From(rs []transform.Result, locate Locator, configFile map[string]*framework.File) framework.Results {
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
	return Safe(out)
}

// configRef names an injection config in results.
func configRef(name string) *yaml.ResourceIdentifier {
	return &yaml.ResourceIdentifier{TypeMeta: yaml.TypeMeta{APIVersion: v1alpha1.APIVersion, Kind: v1alpha1.Kind}, NameMeta: yaml.NameMeta{Name: name}}
}

// Config reports a config's errors as KRM results about the
// config itself, from file: one a field for a *v1alpha1.ConfigError.
func Config(err error, file *framework.File) framework.Results {
	var ce *v1alpha1.ConfigError
	switch {
	case err == nil:
		return nil
	case !errors.As(err, &ce):
		return Safe(framework.Results{{Message: err.Error(), Severity: framework.Error, File: file}})
	}
	out := make(framework.Results, 0, len(ce.Errors))
	for _, fe := range ce.Errors {
		ref := configRef(ce.Name)
		if ce.Resource != nil {
			written := *ce.Resource
			ref = &written
		}
		out = append(out, &framework.Result{
			Message: fe.Detail, Severity: framework.Error,
			ResourceRef: ref, Field: &framework.Field{Path: fe.Field}, File: file,
		})
	}
	return Safe(out)
}

// Warnings reports the warnings of the config named name as KRM
// results about it, from file: where a warning becomes text.
func Warnings(name string, ws []v1alpha1.Warning, file *framework.File) framework.Results {
	out := make(framework.Results, 0, len(ws))
	for _, w := range ws {
		out = append(out, &framework.Result{
			Message: w.Message, Severity: framework.Warning,
			ResourceRef: configRef(name), Field: &framework.Field{Path: w.Field.String()}, File: file,
		})
	}
	return Safe(out)
}

// Safe makes every field of the results that can hold the user's text
// fit for one line, in place, and returns them: the message escaped and
// bounded, each name, path and value escaped and clipped (see
// internal/safetext). Results end up on terminals and in CI logs, where a
// name holding a newline or an escape sequence would forge or hide lines.
func Safe(rs framework.Results) framework.Results {
	for _, r := range rs {
		r.Message = safetext.Message(r.Message)
		if ref := r.ResourceRef; ref != nil {
			for _, s := range []*string{&ref.APIVersion, &ref.Kind, &ref.Name, &ref.Namespace} {
				*s = safetext.Value(*s)
			}
		}
		if f := r.Field; f != nil {
			f.Path = safetext.Value(f.Path)
			f.CurrentValue, f.ProposedValue = safeValue(f.CurrentValue), safeValue(f.ProposedValue)
		}
		if r.File != nil {
			r.File.Path = safetext.Value(r.File.Path)
		}
		if len(r.Tags) > 0 {
			tags := make(map[string]string, len(r.Tags))
			for k, v := range r.Tags {
				tags[safetext.Value(k)] = safetext.Value(v)
			}
			r.Tags = tags
		}
	}
	return rs
}

// safeValue makes a result's field value safe when it is text.
func safeValue(v any) any {
	if s, ok := v.(string); ok {
		return safetext.Value(s)
	}
	return v
}

// Bug is the message for a panic that reached the top: a bug, with what
// to do about it.
func Bug(r any) string {
	return fmt.Sprintf("internal error: this is a bug in inject-sidecars, please report it with the input that caused it: %v", r)
}
