package fn

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// attack4List has an untouched item not written as yaml.v3 writes it:
// an indented block sequence, two spaces before a comment, a folded
// scalar.
const attack4List = `apiVersion: config.kubernetes.io/v1
kind: ResourceList
items:
- apiVersion: v1
  kind: ConfigMap   # kept
  metadata:
    name: untouched
  data:
    folded: >
      one
      two
    list:
      - a
      - b
- apiVersion: v1
  kind: Pod
  metadata:
    name: a
  spec:
    containers:
    - {name: app, image: 'app:1'}
functionConfig:
  apiVersion: inject-sidecars.dev/v1alpha1
  kind: SidecarInjection
  metadata: {name: mesh}
  spec:
    containers:
    - {name: proxy, image: 'envoy:1'}
`

func attack4Run(t *testing.T, in string) string {
	t.Helper()
	var out bytes.Buffer
	if _, err := Run(strings.NewReader(in), &out, nil); err != nil {
		t.Fatal(err)
	}
	return out.String()
}

// The same list with CRLF line ends must come out as with LF (the claim
// of TestCRLFResourceList), for any layout of the untouched items: a
// CRLF list is read whole, which rewrites them, while an LF list keeps
// them as they came.
func TestAttack4CRLFSameAsLF(t *testing.T) {
	t.Parallel()
	lf := attack4Run(t, attack4List)
	crlf := attack4Run(t, strings.ReplaceAll(attack4List, "\n", "\r\n"))
	if lf != crlf {
		t.Errorf("CRLF and LF inputs differ (-LF +CRLF):\n%s", cmp.Diff(lf, crlf))
	}
	// One carriage return anywhere, here in a comment, is enough.
	oneCR := attack4Run(t, strings.Replace(attack4List, "name: a\n", "name: a # x\r\n", 1))
	if want := strings.Replace(lf, "name: a\n", "name: a # x\n", 1); oneCR != want {
		t.Errorf("one CR changed the other items (-LF +one CR):\n%s", cmp.Diff(want, oneCR))
	}
}

// The word "emit" anywhere outside the items (here in an annotation of
// the functionConfig, not spec.admission.emit) sends the list down the
// whole path: the items must come out the same ("both must give the
// same output", TestItemsReadEitherWay).
func TestAttack4EmitWordSameOutput(t *testing.T) {
	t.Parallel()
	const from = "metadata: {name: mesh}"
	without := attack4Run(t, strings.Replace(attack4List, from, "metadata: {name: mesh, annotations: {note: other}}", 1))
	with := attack4Run(t, strings.Replace(attack4List, from, "metadata: {name: mesh, annotations: {note: emitter}}", 1))
	if want := strings.Replace(without, "note: other", "note: emitter", 1); with != want {
		t.Errorf("the word emit changed the items (-without +with):\n%s", cmp.Diff(want, with))
	}
}
