package cli

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"time"
)

// hangsAfter is how long a run may take before the test calls it
// hung: a FIFO opened for reading waits for a writer forever. It is
// generous because the biggest corpus file takes seconds under -race.
const hangsAfter = 2 * time.Minute

// Invoke runs the command in-process as a user would: through Main, with
// args as typed and stdin piped (nil is empty stdin), so stderr is what
// a terminal gets. It is the package's one runner, exported (in a test
// file only) so the external tests share it; it fails the test when the
// run hangs.
func Invoke(t testing.TB, stdin io.Reader, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	if stdin == nil {
		stdin = strings.NewReader("")
	}
	type result struct {
		stdout, stderr string
		code           int
	}
	done := make(chan result, 1)
	go func() {
		var out, errb bytes.Buffer
		code := Main("", args, stdin, &out, &errb)
		done <- result{out.String(), errb.String(), code}
	}()
	select {
	case r := <-done:
		return r.stdout, r.stderr, r.code
	case <-time.After(hangsAfter):
		t.Fatalf("%q hangs", args)
		return "", "", 0
	}
}
