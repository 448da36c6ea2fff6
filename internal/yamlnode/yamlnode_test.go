package yamlnode_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/inject-sidecars/inject-sidecars/internal/yamlnode"
)

// bomb is a mapping of labels whose last anchor expands to 2^depth
// scalars.
func bomb(depth int) string {
	var b strings.Builder
	b.WriteString("a0: &a0 [lol, lol]\n")
	for i := 1; i < depth; i++ {
		fmt.Fprintf(&b, "a%d: &a%d [*a%d, *a%d]\n", i, i, i-1, i-1)
	}
	return b.String()
}

func parse(t *testing.T, s string) *yaml.Node {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(s), &doc); err != nil {
		t.Fatal(err)
	}
	return doc.Content[0]
}

// within fails the test when f takes longer than d: a comparison that
// expands an alias bomb would run for hours.
func within(t *testing.T, d time.Duration, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { f(); close(done) }()
	select {
	case <-done:
	case <-time.After(d):
		t.Fatalf("still running after %s", d)
	}
}

func TestEqualAliasBombIsLinear(t *testing.T) {
	t.Parallel()
	a, b := parse(t, bomb(60)), parse(t, bomb(60))
	for _, ordered := range []bool{true, false} {
		within(t, 5*time.Second, func() {
			if !yamlnode.Equal(a, b, ordered) {
				t.Errorf("ordered=%v: two parses of one text differ", ordered)
			}
		})
	}
	c := parse(t, strings.Replace(bomb(60), "[lol, lol]", "[lol, lul]", 1))
	within(t, 5*time.Second, func() {
		if yamlnode.Equal(a, c, false) {
			t.Error("a change at the bottom of the bomb went unseen")
		}
	})
}

func TestEqualResolvesAliases(t *testing.T) {
	t.Parallel()
	tests := []struct {
		a, b string
		want bool
	}{
		{"{x: &n app, y: *n}", "{x: app, y: app}", true},
		{"{x: &n app, y: *n}", "{x: app, y: web}", false},
		{"{v: &m {a: 1}, w: *m}", "{v: {a: 1}, w: {a: 1}}", true},
		{"{v: &m {a: 1}, w: *m}", "{v: {a: 1}, w: {a: 2}}", false},
	}
	for _, tt := range tests {
		if got := yamlnode.Equal(parse(t, tt.a), parse(t, tt.b), false); got != tt.want {
			t.Errorf("Equal(%s, %s) = %v", tt.a, tt.b, got)
		}
	}
}

func TestAliasNodes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want int // with limit 1000
	}{
		{"no alias", "{a: [1, 2], b: {c: d}}", 0},
		{"a name", "{a: &n web, b: *n, c: *n}", 2},
		{"a block", "{a: &m {x: 1, y: [2]}, b: *m}", 6},
		{"nested", "{a: &m [1, 2], b: &n [*m, *m], c: *n}", 7 + 6},
		{"a bomb stops early", bomb(60), 1001},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := yamlnode.AliasNodes(parse(t, tt.in), 1000)
			if tt.want > 1000 && got > 1000 || got == tt.want {
				return
			}
			t.Errorf("AliasNodes = %d, want %d", got, tt.want)
		})
	}
}

// TestAliasBytes: a few aliases of a long string are few nodes, but many
// bytes once expanded.
func TestAliasBytes(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", 600)
	tests := []struct {
		name string
		in   string
		want int // with limit 1000
	}{
		{"no alias", "{a: [1, 2], b: {c: " + long + "}}", 0},
		{"a name", "{a: &n web, b: *n, c: *n}", 6},
		{"a block", "{a: &m {xy: 12, y: [2]}, b: *m}", 6},
		{"nested", "{a: &m [ab, c], b: &n [*m, *m], c: *n}", 3 + 3 + 6},
		{"a long string twice", "{a: &l " + long + ", b: [*l, *l]}", 1001},
		{"a bomb stops early", bomb(60), 1001},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := yamlnode.AliasBytes(parse(t, tt.in), 1000)
			if tt.want > 1000 && got > 1000 || got == tt.want {
				return
			}
			t.Errorf("AliasBytes = %d, want %d", got, tt.want)
		})
	}
}

// TestNamesThroughAliases: a name written as an alias reads as what it
// stands for.
func TestNamesThroughAliases(t *testing.T) {
	t.Parallel()
	n := parse(t, "metadata: &meta {name: &n linkerd-proxy, labels: &l {app: *n}}\nother: *meta\nc: {name: *n, labels: *l}\n")
	c := yamlnode.Field(n, "c")
	if got := yamlnode.Str(c, "name"); got != "linkerd-proxy" {
		t.Errorf("name through an alias: %q", got)
	}
	if got := yamlnode.StringMap(yamlnode.Field(c, "labels")); got["app"] != "linkerd-proxy" {
		t.Errorf("labels through an alias: %v", got)
	}
	if got := yamlnode.Str(yamlnode.Field(n, "other"), "name"); got != "linkerd-proxy" {
		t.Errorf("a field of an aliased mapping: %q", got)
	}
}

func TestDescribeClips(t *testing.T) {
	t.Parallel()
	token := "eyJhbGciOiJSUzI1NiIsImtpZCI6IjEyMyJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6ZGVmYXVsdDpkZWZhdWx0In0.c2lnbmF0dXJl"
	got := yamlnode.Describe(&yaml.Node{Kind: yaml.ScalarNode, Tag: yaml.NodeTagString, Value: token})
	if strings.Contains(got, "c2lnbmF0dXJl") || len(got) > 64 {
		t.Errorf("Describe of a long scalar: %s", got)
	}
	if got := yamlnode.Describe(&yaml.Node{Kind: yaml.ScalarNode, Tag: yaml.NodeTagString, Value: "oops"}); got != `"oops"` {
		t.Errorf("Describe of a short scalar: %s", got)
	}
}

func TestFirstLine(t *testing.T) {
	t.Parallel()
	var x any
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"parser error", yaml.Unmarshal([]byte("a: [1, 2\nb: 3\n"), &x), "yaml: line 1: did not find expected ',' or ']'"},
		{"duplicate keys: the first problem, not the heading", yaml.Unmarshal([]byte("a: 1\na: 2\nb: 1\nb: 2\n"), &x), `yaml: line 2: mapping key "a" already defined at line 1`},
		{"another error keeps its first line", fmt.Errorf("first\nsecond"), "first"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if tc.err == nil {
				t.Fatal("no error")
			}
			if got := yamlnode.FirstLine(tc.err); got != tc.want {
				t.Errorf("FirstLine(%q) = %q, want %q", tc.err, got, tc.want)
			}
		})
	}
}
