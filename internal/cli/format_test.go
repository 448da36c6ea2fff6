package cli_test

import (
	"encoding/json"
	"fmt"
	"math/rand"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/inject-sidecars/inject-sidecars/internal/cli"
)

// The format generator writes the same kind of workload in the styles
// people and tools write YAML and JSON: two- or four-space indentation,
// lists with and without indented dashes (mixed in one document), blank
// and whitespace-only lines, head and inline comments on every kind of
// node (nulls and empty collections included), flow mappings and
// sequences, {} and [] on their own line, quoted and block scalars, very
// long documents, Windows line ends; JSON with two- or four-space
// indentation or on one line. The properties: injecting only adds lines
// (a changed null or empty collection may change its own line); uninject
// gives the bytes back; a second run changes nothing; no document is
// re-encoded.

// node is a tree for the generator: a mapping (ordered pairs), a list, or
// a scalar written as it should appear.
type gnode struct {
	pairs []gpair
	items []*gnode
	list  bool
	text  string // a scalar's text, quoted or not
	block string // a block scalar's header (|, >-); text is its lines
	// empty marks {} or [] written as an empty collection, null a null.
	empty, null bool
}

type gpair struct {
	key string
	val *gnode
}

func gmap(pairs ...gpair) *gnode        { return &gnode{pairs: pairs} }
func glist(items ...*gnode) *gnode      { return &gnode{list: true, items: items} }
func gs(text string) *gnode             { return &gnode{text: text} }
func gp(key string, val *gnode) gpair   { return gpair{key, val} }
func gnull() *gnode                     { return &gnode{null: true} }
func gempty(list bool) *gnode           { return &gnode{empty: true, list: list} }
func gblock(head, text string) *gnode   { return &gnode{block: head, text: text} }
func (n *gnode) isCollection() bool     { return !n.empty && !n.null && n.block == "" && n.text == "" }
func (n *gnode) scalarish() bool        { return !n.isCollection() }
func (n *gnode) with(p ...gpair) *gnode { n.pairs = append(n.pairs, p...); return n }
func (n *gnode) add(i ...*gnode) *gnode { n.items = append(n.items, i...); return n }
func repeatItems(k int, f func(i int) *gnode) []*gnode {
	out := make([]*gnode, k)
	for i := range out {
		out[i] = f(i)
	}
	return out
}

// style is one document's formatting, drawn at random.
type gstyle struct {
	r        *rand.Rand
	indent   int
	comments bool
	blanks   bool
	flow     bool
}

func (s *gstyle) maybe(n int) bool { return s.r.Intn(n) == 0 }

// yaml writes n as the value of a key (or the root) at column col.
func (s *gstyle) yaml(b *strings.Builder, n *gnode, col int) {
	pad := strings.Repeat(" ", col)
	if n.list {
		// Mixed in one document: each list picks its dashes.
		dash := col
		if s.maybe(2) {
			dash = col + s.indent
		}
		for i, it := range n.items {
			if s.blanks && i > 0 && s.maybe(4) {
				b.WriteString([]string{"\n", "  \n", strings.Repeat(" ", dash) + "\n"}[s.r.Intn(3)])
			}
			if s.comments && s.maybe(3) {
				fmt.Fprintf(b, "%s# item %d\n", strings.Repeat(" ", dash), i)
			}
			s.item(b, it, dash)
		}
		if s.comments && s.maybe(3) {
			// A comment block ending the list (an env list's "more by CI").
			fmt.Fprintf(b, "%s# more items\n%s#   - name: LATER\n", strings.Repeat(" ", dash), strings.Repeat(" ", dash))
		}
		return
	}
	for i, p := range n.pairs {
		if s.blanks && i > 0 && s.maybe(5) {
			b.WriteString([]string{"\n", "   \n"}[s.r.Intn(2)])
		}
		if s.comments && s.maybe(6) {
			fmt.Fprintf(b, "%s# about %s\n", pad, p.key)
		}
		s.pair(b, p, col)
	}
}

func (s *gstyle) pair(b *strings.Builder, p gpair, col int) {
	pad := strings.Repeat(" ", col)
	b.WriteString(pad + p.key + ":")
	s.value(b, p.val, col, col+s.indent)
}

// value writes what follows "key:" or "- ".
func (s *gstyle) value(b *strings.Builder, n *gnode, col, inner int) {
	c := ""
	if s.comments && s.maybe(4) {
		c = " # note"
	}
	switch {
	case n.null:
		b.WriteString([]string{"", " ~", " null"}[s.r.Intn(3)] + c + "\n")
	case n.empty:
		e := map[bool]string{true: "[]", false: "{}"}[n.list]
		if s.maybe(3) {
			// {} or [] on its own line
			fmt.Fprintf(b, "\n%s%s%s\n", strings.Repeat(" ", inner), e, c)
		} else {
			b.WriteString(" " + e + c + "\n")
		}
	case n.block != "":
		b.WriteString(" " + n.block + c + "\n")
		for _, l := range strings.Split(n.text, "\n") {
			b.WriteString(strings.Repeat(" ", inner) + l + "\n")
		}
	case n.text != "":
		b.WriteString(" " + n.text + c + "\n")
	case s.flow && s.maybe(4) && flowable(n):
		b.WriteString(" " + flowText(n) + c + "\n")
	default:
		b.WriteString(c + "\n")
		s.yaml(b, n, inner)
	}
}

// item writes a list item with its dash at col.
func (s *gstyle) item(b *strings.Builder, n *gnode, col int) {
	pad := strings.Repeat(" ", col)
	switch {
	case n.scalarish() || (s.flow && s.maybe(5) && flowable(n)):
		b.WriteString(pad + "-")
		s.value(b, n, col, col+2)
	case n.list:
		b.WriteString(pad + "-\n")
		s.yaml(b, n, col+2)
	default:
		// The first pair on the dash's line, the rest under it.
		var first strings.Builder
		s.pair(&first, n.pairs[0], col+2)
		b.WriteString(pad + "-" + first.String()[col+1:])
		rest := &gnode{pairs: n.pairs[1:]}
		s.yaml(b, rest, col+2)
	}
}

func flowable(n *gnode) bool {
	if n.block != "" {
		return false
	}
	for _, p := range n.pairs {
		if !flowable(p.val) {
			return false
		}
	}
	for _, it := range n.items {
		if !flowable(it) {
			return false
		}
	}
	return true
}

func flowText(n *gnode) string {
	switch {
	case n.null:
		return "null"
	case n.empty && n.list:
		return "[]"
	case n.empty:
		return "{}"
	case n.text != "":
		return n.text
	case n.list:
		var parts []string
		for _, it := range n.items {
			parts = append(parts, flowText(it))
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	var parts []string
	for _, p := range n.pairs {
		parts = append(parts, p.key+": "+flowText(p.val))
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// glayout is how a whole document is written in flow style: as JSON or
// as YAML flow collections, on one line or one member per line.
type glayout struct {
	json         bool
	indent       string // one level; "" for one line
	colon, comma string // comma: between members on one line
	trailing     bool   // YAML: a comma after the last member too
	hug          bool   // lists of mappings hug their brackets: "[{" ... "}, {" ... "}]"
	comments     bool   // YAML: a comment line before some members
}

// randomLayout draws a layout: JSON in every layout with consistent
// separators (encoding/json's, compact members with indentation of any
// width, one line compact or spaced as Python's json.dumps writes it),
// or YAML flow one member per line (with or without trailing commas).
func randomLayout(r *rand.Rand, json bool) glayout {
	l := glayout{json: json, indent: []string{"  ", "    ", "\t", "   ", ""}[r.Intn(5)], colon: ": ", comma: ", ", hug: r.Intn(3) == 0}
	if json && r.Intn(2) == 0 {
		l.colon, l.comma = ":", ","
	}
	if !json {
		l.indent = []string{"  ", "    ", "   "}[r.Intn(3)]
		l.trailing, l.comments = r.Intn(2) == 0, r.Intn(2) == 0
	}
	return l
}

// flowDoc writes a tree in a layout.
func flowDoc(r *rand.Rand, n *gnode, l glayout) string {
	var b strings.Builder
	l.write(r, &b, n, 0)
	return b.String() + "\n"
}

func (l glayout) write(r *rand.Rand, b *strings.Builder, n *gnode, depth int) {
	switch {
	case n.null:
		b.WriteString("null")
	case n.empty && n.list:
		b.WriteString("[]")
	case n.empty:
		b.WriteString("{}")
	case n.block != "" || n.text != "":
		b.WriteString(l.scalar(n))
	case l.hug && l.indent != "" && n.list && !n.items[0].list && n.items[0].isCollection():
		// "[{" members "}, {" members "}]", each item's members one level in.
		b.WriteString("[")
		for i, it := range n.items {
			if i > 0 {
				b.WriteString(", ")
			}
			l.members(r, b, it, depth)
		}
		b.WriteString("]")
	default:
		if n.list {
			b.WriteString("[")
		}
		l.members(r, b, n, depth)
		if n.list {
			b.WriteString("]")
		}
	}
}

// members writes a mapping's braces and members, or a list's items.
func (l glayout) members(r *rand.Rand, b *strings.Builder, n *gnode, depth int) {
	nl := func(d int) {
		if l.indent != "" {
			b.WriteString("\n" + strings.Repeat(l.indent, d))
		}
	}
	if !n.list {
		b.WriteString("{")
	}
	count := max(len(n.items), len(n.pairs))
	for i := 0; i < count; i++ {
		if i > 0 {
			b.WriteString(map[bool]string{true: ",", false: l.comma}[l.indent != ""])
		}
		if l.comments && r.Intn(6) == 0 {
			nl(depth + 1)
			b.WriteString("# a comment")
		}
		nl(depth + 1)
		if n.list {
			l.write(r, b, n.items[i], depth+1)
			continue
		}
		p := n.pairs[i]
		if l.json {
			q, _ := json.Marshal(p.key)
			b.Write(q)
		} else {
			b.WriteString(p.key)
		}
		b.WriteString(l.colon)
		l.write(r, b, p.val, depth+1)
	}
	if l.trailing && l.indent != "" && count > 0 {
		b.WriteString(",")
	}
	nl(depth)
	if !n.list {
		b.WriteString("}")
	}
}

// scalar writes a scalar: in JSON, numbers and booleans bare and the rest
// quoted; in YAML, as written, a block scalar as a quoted string.
func (l glayout) scalar(n *gnode) string {
	v := strings.Trim(n.text, `'"`)
	if n.block != "" {
		v = n.text
	}
	if !l.json && n.block == "" {
		return n.text
	}
	if strings.HasPrefix(n.text, "'") || strings.HasPrefix(n.text, `"`) || n.block != "" || !regexp.MustCompile(`^-?[0-9]+$`).MatchString(v) && v != "true" && v != "false" {
		q, _ := json.Marshal(v)
		return string(q)
	}
	return v
}

// genFormatWorkload builds a workload's tree.
func genFormatWorkload(r *rand.Rand, i int, long bool) *gnode {
	kinds := []struct{ apiVersion, kind string }{{"apps/v1", "Deployment"}, {"apps/v1", "StatefulSet"}, {"batch/v1", "Job"}, {"v1", "Pod"}}
	k := kinds[r.Intn(len(kinds))]
	ctr := func(c int) *gnode {
		n := gmap(gp("name", gs(fmt.Sprintf("c%d", c))), gp("image", gs([]string{"example/app:1.0", "'example/app:1.0'", `"example/app:1.0"`}[r.Intn(3)])))
		if r.Intn(2) == 0 {
			n.with(gp("args", glist(gs("--port"), gs(`"8080"`))))
		}
		if r.Intn(3) == 0 {
			n.with(gp("command", glist(gs("sh"), gs("-c"), gblock("|", "echo start\nexec app"))))
		}
		if r.Intn(3) == 0 {
			n.with(gp("resources", gmap(gp("limits", gmap(gp("memory", gs("128Mi")))))))
		}
		if r.Intn(3) == 0 {
			n.with(gp("env", glist(gmap(gp("name", gs("MODE")), gp("value", gs("prod"))))))
		}
		if r.Intn(4) == 0 {
			n.with(gp("env", gempty(true)))
			n.pairs = dedupe(n.pairs)
		}
		if long && c == 0 {
			n.with(gp("env", glist(repeatItems(1600, func(j int) *gnode {
				return gmap(gp("name", gs(fmt.Sprintf("VAR_%d", j))), gp("value", gs(fmt.Sprintf("'value %d'", j))))
			})...)))
			n.pairs = dedupe(n.pairs)
		}
		return n
	}
	podMeta := []*gnode{nil, gmap(gp("labels", gmap(gp("app", gs(fmt.Sprintf("w%d", i)))))), gmap(gp("annotations", gnull())),
		gmap(gp("annotations", gempty(false))), gmap(gp("labels", gnull()), gp("annotations", gmap(gp("example.com/note", gs("kept")))))}[r.Intn(5)]
	spec := gmap()
	if r.Intn(3) == 0 {
		spec.with(gp("initContainers", glist(gmap(gp("name", gs("init")), gp("image", gs("busybox:1.36"))))))
	}
	ctrs := glist()
	for c := 0; c <= r.Intn(3); c++ {
		ctrs.add(ctr(c))
	}
	spec.with(gp("containers", ctrs))
	switch r.Intn(3) {
	case 0:
		spec.with(gp("volumes", glist(gmap(gp("name", gs("data")), gp("emptyDir", gempty(false))))))
	case 1:
		spec.with(gp("volumes", gempty(true)))
	}
	meta := gmap(gp("name", gs(fmt.Sprintf("w%d", i))))
	if r.Intn(2) == 0 {
		meta.with(gp("namespace", gs("shop")))
	}
	doc := gmap(gp("apiVersion", gs(k.apiVersion)), gp("kind", gs(k.kind)), gp("metadata", meta))
	tmpl := gmap()
	if podMeta != nil {
		tmpl.with(gp("metadata", podMeta))
	}
	tmpl.with(gp("spec", spec))
	switch k.kind {
	case "Pod":
		if podMeta != nil {
			meta.pairs = append(meta.pairs, podMeta.pairs...)
			meta.pairs = dedupe(meta.pairs)
		}
		doc.with(gp("spec", spec))
	case "Job":
		doc.with(gp("spec", gmap(gp("template", tmpl))))
		spec.with(gp("restartPolicy", gs("Never")))
	default:
		doc.with(gp("spec", gmap(gp("replicas", gs("2")), gp("template", tmpl))))
	}
	return doc
}

func dedupe(ps []gpair) []gpair {
	seen := map[string]int{}
	var out []gpair
	for _, p := range ps {
		if i, ok := seen[p.key]; ok {
			out[i] = p
			continue
		}
		seen[p.key] = len(out)
		out = append(out, p)
	}
	return out
}

// genFormatted writes a stream of workloads in one random style, or one
// JSON document.
func genFormatted(r *rand.Rand, seed int) (text string, isJSON bool) {
	if seed%5 == 4 {
		out := flowDoc(r, genFormatWorkload(r, 0, false), randomLayout(r, true))
		if r.Intn(4) == 0 {
			out = strings.ReplaceAll(out, "\n", "\r\n")
		}
		if r.Intn(4) == 0 {
			out = strings.TrimRight(out, "\r\n")
		}
		return out, true
	}
	s := &gstyle{r: r, indent: []int{2, 4}[r.Intn(2)], comments: r.Intn(3) > 0, blanks: r.Intn(2) == 0, flow: r.Intn(2) == 0}
	var docs []string
	for i := 0; i <= r.Intn(3); i++ {
		var b strings.Builder
		if s.comments {
			fmt.Fprintf(&b, "# workload %d\n", i)
		}
		n := genFormatWorkload(r, i, seed%11 == 3 && i == 0)
		switch {
		case r.Intn(8) == 0 && flowable(n):
			b.WriteString(flowText(n) + "\n") // the whole document in flow style
		case r.Intn(7) == 0:
			b.WriteString(flowDoc(r, n, randomLayout(r, false))) // one member per line
		default:
			s.yaml(&b, n, 0)
			if r.Intn(6) == 0 {
				b.WriteString("...\n") // the document end marker
			}
		}
		docs = append(docs, b.String())
	}
	out := strings.Join(docs, "---\n")
	if r.Intn(5) == 0 && !strings.Contains(out, "|\n") {
		// No line end on the last line. (Not after a block scalar: a
		// line added after one that ends the file without a line end
		// would give it one, and so change its value; such a document is
		// re-encoded, and the README says so.)
		out = strings.TrimSuffix(out, "\n")
	}
	if r.Intn(6) == 0 {
		out = strings.ReplaceAll(out, "\n", "\r\n")
	}
	return out, false
}

// nullish matches a line that holds a null, an empty collection or a
// flow collection, which injecting may write again (its own line only;
// an edit inside a flow collection stays between its brackets).
var nullish = regexp.MustCompile(`^\s*(- )?[^\s:#]+:\s*(~|null|\{\}|\[\])?,?\s*(#.*)?\r?$|^\s*(\{\}|\[\])\s*(#.*)?\r?$|[\[{]`)

// onlyAdds reports whether out is in with lines added, where a null or
// empty collection's line may have been written again (and in JSON, the
// line before an added one gains its comma).
func onlyAdds(in, out string) (bool, string) {
	a, b := strings.Split(in, "\n"), strings.Split(out, "\n")
	j := 0
	for _, l := range a {
		if nullish.MatchString(l) {
			// It may be written again in place; it never moves far.
			if j < len(b) && b[j] == l {
				j++
			}
			continue
		}
		from := j
		// (The last line may gain a line end: "\r" of a CRLF.)
		for j < len(b) && !sameLine(l, b[j]) {
			j++
		}
		if j < len(b) {
			j++
			continue
		}
		if !nullish.MatchString(l) {
			return false, l
		}
		j = from // written again in place: the rest follows from here
	}
	return true, ""
}

// layouts names the layouts every run of TestFormats must have tried.
var layouts = map[string]*regexp.Regexp{
	"compact JSON spread over lines":   regexp.MustCompile(`^\{\r?\n\s+"apiVersion":"`),
	"spaced JSON on one line":          regexp.MustCompile(`^\{"apiVersion": "[^\n]*\}\s*$`),
	"JSON with tabs":                   regexp.MustCompile(`^\{\r?\n\t"`),
	"JSON without a final line end":    regexp.MustCompile(`^\{"[^\n]*\}$|^\{\r?\n[\s\S]*\n\}$`),
	"a JSON list hugging its brackets": regexp.MustCompile(`"(containers|env)": ?\[\{`),
	"YAML flow, one member per line":   regexp.MustCompile(`(?m)^\{\r?\n\s+apiVersion: `),
	"YAML flow with trailing commas":   regexp.MustCompile(`(?m)^\s+\},\r?$`),
	"a document ending in ...":         regexp.MustCompile(`(?m)^\.\.\.\r?$`),
	"a list ending in a comment block": regexp.MustCompile(`# more items`),
	"a Windows line end":               regexp.MustCompile(`\r\n`),
}

// sameLine reports whether out is the line in, or in with a comma added
// (before its CR, in a CRLF file), or in gaining the CR of a CRLF line
// end (the last line).
func sameLine(in, out string) bool {
	cr := strings.HasSuffix(in, "\r")
	body := strings.TrimSuffix(in, "\r")
	return out == in || out == body+"," || cr && out == body+",\r" || strings.TrimSuffix(out, "\r") == in
}

func TestFormats(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfg := writeConfig(t, dir, "c.yaml", "native", "fluent/fluent-bit:3.1.4", "info")
	v2 := writeConfig(t, dir, "v2.yaml", "native", "fluent/fluent-bit:3.2.0", "debug")
	const corpus = "../../testdata/corpus-configs/"
	classic, watcher := corpus+"proxy.yaml", corpus+"config-watcher.yaml"
	seeds := 200
	if testing.Short() {
		seeds = 40
	}
	if n, err := strconv.Atoi(os.Getenv("FORMAT_SEEDS")); err == nil {
		seeds = n // a longer search, by hand
	}
	long := 0
	seen := map[string]int{}
	for seed := 0; seed < seeds; seed++ {
		r := rand.New(rand.NewSource(int64(seed)))
		x, isJSON := genFormatted(r, seed)
		if strings.Count(x, "\n") > 3000 {
			long++
		}
		for name, re := range layouts {
			if re.MatchString(x) {
				seen[name]++
			}
		}
		for _, args := range [][]string{{"-c", cfg}, {"-c", classic}, {"-c", cfg, "-c", classic, "-c", watcher}} {
			once, stderr, code := cli.Invoke(t, strings.NewReader(x), args...)
			if code != 0 || strings.Contains(stderr, "re-encoded") {
				t.Fatalf("seed %d %v: exit %d:\n%s\ninput:\n%s", seed, args, code, stderr, x)
			}
			if ok, line := onlyAdds(x, once); !ok {
				t.Fatalf("seed %d %v: injecting changed the line %q:\n%s", seed, args, line, cmp.Diff(x, once))
			}
			if isJSON && !strings.HasPrefix(strings.TrimSpace(once), "{") {
				t.Fatalf("seed %d: JSON came out as YAML:\n%s", seed, once)
			}
			back, stderr, code := cli.Invoke(t, strings.NewReader(once), append([]string{"--uninject"}, args...)...)
			if code != 0 || strings.Contains(stderr, "re-encoded") {
				t.Fatalf("seed %d %v: uninject: exit %d:\n%s", seed, args, code, stderr)
			}
			if back != x {
				t.Fatalf("seed %d %v: uninject(inject(x)) != x:\n%s", seed, args, cmp.Diff(x, back))
			}
			twice, stderr, code := cli.Invoke(t, strings.NewReader(once), args...)
			if code != 0 || twice != once {
				t.Fatalf("seed %d %v: a second run changed the output (exit %d, %s):\n%s", seed, args, code, stderr, cmp.Diff(once, twice))
			}
			if len(args) != 2 || args[1] != cfg || seed%2 == 1 {
				continue
			}
			// An upgrade (on every other seed, for time): the next version
			// of the config over the injected file gives what it gives on
			// the original, byte for byte.
			up, stderr, code := cli.Invoke(t, strings.NewReader(once), "-c", v2)
			if code != 0 || strings.Contains(stderr, "re-encoded") {
				t.Fatalf("seed %d: upgrade: exit %d:\n%s", seed, code, stderr)
			}
			if fresh, _, _ := cli.Invoke(t, strings.NewReader(x), "-c", v2); up != fresh {
				t.Fatalf("seed %d: upgrade(inject_v1(x)) != inject_v2(x):\n%s\ninput:\n%s", seed, cmp.Diff(fresh, up), x)
			}
		}
	}
	if long == 0 && seeds >= 100 {
		t.Errorf("no document of 3,000 lines was generated")
	}
	for name := range layouts {
		if seen[name] == 0 && seeds >= 100 {
			t.Errorf("no input was %s", name)
		}
	}
}

// TestJSONLookingAliases: a workload written as JSON but holding YAML
// aliases of aliases (a million strings, expanded) is YAML: injected in
// place with its aliases as written, in text the size of its own, and
// uninject gives back the bytes.
func TestJSONLookingAliases(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString(`{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "w"},` + "\n")
	b.WriteString(` "x-l0": &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"],` + "\n")
	// Three levels expand to 10^4 strings: within the alias budget (a
	// deeper bomb is refused whole, see TestAliasBomb*), and still far
	// more than the output may grow if aliases were written out.
	for i := 1; i <= 3; i++ {
		fmt.Fprintf(&b, ` "x-l%d": &l%d [%s],`+"\n", i, i, strings.TrimSuffix(strings.Repeat(fmt.Sprintf("*l%d, ", i-1), 10), ", "))
	}
	b.WriteString(` "spec": {"template": {"spec": {"containers": [{"name": "app", "image": "app:1"}]}}}}` + "\n")
	x := b.String()
	dir := t.TempDir()
	cfg := writeConfig(t, dir, "c.yaml", "native", "fluent/fluent-bit:3.1.4", "info")
	out, stderr, code := cli.Invoke(t, strings.NewReader(x), "-c", cfg)
	if code != 0 || strings.Contains(stderr, "re-encoded") || len(out) > 2*len(x)+4000 {
		t.Fatalf("exit %d, %d bytes out of %d:\n%s", code, len(out), len(x), stderr)
	}
	if !strings.Contains(out, `"x-l3": &l3 [*l2, *l2`) || !strings.Contains(out, `"initContainers": [{"name": "fluent-bit"`) {
		t.Errorf("aliases not kept, or the sidecar not written as JSON:\n%s", out)
	}
	if back, _, _ := cli.Invoke(t, strings.NewReader(out), "--uninject", "-c", cfg); back != x {
		t.Errorf("uninject(inject(x)) != x:\n%s", cmp.Diff(x, back))
	}
}
