package transform

import "testing"

// TestTemplateError: a template that fails for a workload is said in
// the user's words, naming the key the workload lacks.
func TestTemplateError(t *testing.T) {
	t.Parallel()
	data := &TemplateData{Name: "web", Labels: map[string]string{"app": "web"}, Annotations: map[string]string{}}
	tests := []struct{ text, want string }{
		{`x:{{ index .Labels "version" }}`, `spec.containers[0].image: the workload has no label "version" (the template {{ index .Labels "version" }} needs it): add the label, or use a template that does not need it`},
		{`{{ .Name }}-{{ index .Annotations "team" }}`, `spec.containers[0].image: the workload has no annotation "team" (the template {{ index .Annotations "team" }} needs it): add the annotation, or use a template that does not need it`},
		{`{{ .Labels.tier }}`, `spec.containers[0].image: the workload has no label "tier" (the template {{ .Labels.tier }} needs it): add the label, or use a template that does not need it`},
	}
	for _, tt := range tests {
		tm, err := parseTemplate("containers[0].image", tt.text)
		if err != nil {
			t.Fatal(err)
		}
		_, err = execTemplate(tm, data)
		if err == nil {
			t.Fatalf("%s: no error", tt.text)
		}
		if got := templateError(tm, data, err).Error(); got != tt.want {
			t.Errorf("%s:\ngot  %s\nwant %s", tt.text, got, tt.want)
		}
	}
}

// TestTemplateSyntax: a template that does not parse is quoted, with
// what is wrong, not text/template's internals.
func TestTemplateSyntax(t *testing.T) {
	t.Parallel()
	tests := []struct{ text, want string }{
		{"fluent/fluent-bit:{{ .Name }", `"fluent/fluent-bit:{{ .Name }" is not a valid template: a {{ has no closing }}`},
		{"{{ .Name }}{{ end }}", `"{{ .Name }}{{ end }}" is not a valid template: write each action as {{ .Name }} or {{ index .Labels "app" }} (the fields are Name, Namespace, Kind, Labels, Annotations)`},
	}
	for _, tt := range tests {
		_, err := parseTemplate("containers[0].image", tt.text)
		if err == nil || err.Error() != tt.want {
			t.Errorf("%s:\ngot  %v\nwant %s", tt.text, err, tt.want)
		}
	}
}
