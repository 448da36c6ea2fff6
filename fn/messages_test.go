package fn_test

import (
	"testing"

	"github.com/inject-sidecars/inject-sidecars/fn"
)

// TestConfigOnStdin: a config piped to the KRM function alone (the user
// meant plain mode) is said in plain-mode words.
func TestConfigOnStdin(t *testing.T) {
	t.Parallel()
	_, err := fn.ParseResourceList([]byte("apiVersion: inject-sidecars.dev/v1alpha1\nkind: SidecarInjection\nmetadata: {name: m}\nspec: {}\n"))
	const want = "stdin is a SidecarInjection, an injection config: give it with -c, and the manifests after it (inject-sidecars -c inject.yaml app.yaml); with no arguments, inject-sidecars reads a ResourceList"
	if err == nil || err.Error() != want {
		t.Errorf("got  %v\nwant %s", err, want)
	}
}
