package transform

import "testing"

func TestCaseOnlyKind(t *testing.T) {
	t.Parallel()
	kinds := []string{"CloneSet", "CronJob", "Deployment", "Job", "Pod"}
	tests := []struct{ expr, want string }{
		{"deployment", "Deployment"},
		{"DEPLOYMENT", "Deployment"},
		{"Deployment", ""},            // matches as written
		{"cronjob|Job", ""},           // Job matches as written
		{"cronjob|widget", "CronJob"}, // only the folded one would
		{"clone.*", "CloneSet"},       // a declared kind counts too
		{"Widget", ""},                // no kind at all: not a case slip
		{"(", ""},                     // does not compile: said elsewhere
		{"", ""},
	}
	for _, tt := range tests {
		if got := caseOnlyKind(tt.expr, kinds); got != tt.want {
			t.Errorf("caseOnlyKind(%q) = %q, want %q", tt.expr, got, tt.want)
		}
	}
}
