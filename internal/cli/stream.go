package cli

import (
	"bytes"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/inject-sidecars/inject-sidecars/internal/workers"
	"github.com/inject-sidecars/inject-sidecars/internal/yamlfile"
	"github.com/inject-sidecars/inject-sidecars/transform"
)

// Plain mode streams: a run holds the text of the documents in flight
// and one document's nodes per worker, never the whole input's nodes.
// Pass one reads every input for its Namespace objects (what
// namespaceSelector, the Namespace's inject annotation and Pod Security
// read) and counts documents; pass two parses, injects and writes each
// document on a worker of its own (one per core), and a collector writes
// the texts in input order to where they go: a spool for stdout, or
// temporary files next to their targets. Nothing reaches stdout or any
// target until the whole run has succeeded.

// sourceStats is what pass one learns of a source.
type sourceStats struct {
	docs, jsonDocs int
}

// scan is pass one.
func scan(srcs []*yamlfile.Source) (namespaces []*yaml.Node, stats map[*yamlfile.Source]*sourceStats, err error) {
	stats = map[*yamlfile.Source]*sourceStats{}
	for _, src := range srcs {
		st := &sourceStats{}
		stats[src] = st
		err := src.Each(func(d *yamlfile.Document) error {
			if !d.Empty() {
				st.docs++
				if d.LooksJSON() {
					st.jsonDocs++
				}
			}
			if !d.MentionsNamespace() {
				return nil
			}
			if err := d.Parse(src.Path); err != nil {
				return err
			}
			if d.Node != nil {
				namespaces = append(namespaces, d.Node)
			}
			return nil
		})
		if err != nil {
			return nil, nil, err
		}
	}
	return namespaces, stats, nil
}

// sink is where a run's output goes.
type sink struct {
	mode   int // what kind of run: see the constants below
	stdout *os.File
	memory *bytes.Buffer // stdout's output when no spool file could be made
	stream *yamlfile.Stream
	single *yamlfile.StagedFile
	files  map[*yamlfile.Source]*yamlfile.StagedFile
	plan   *outputPlan
	cur    *yamlfile.Source
	// Into a folder or in place: the current source's staged file, once
	// made; buf, its text that waits for it; curChanged, whether any of
	// its documents changed.
	staged     *yamlfile.StagedFile
	buf        strings.Builder
	curChanged bool
	// docs holds the current source's documents as they came and as
	// they would be written, and diffs the diffs made so far (--diff).
	docs  []docText
	diffs strings.Builder
}

const (
	toCheck = iota
	toDiff
	toStdout
	toSingle
	toFolder
	toInPlace
)

// spillAt is how much of a file's text -i holds before any of its
// documents changed: past it, the text goes to the staged file (removed
// again if nothing changes), so a large file is never held whole.
const spillAt = 1 << 20

func newSink(o PlainOptions, plan *outputPlan) (*sink, error) {
	s := &sink{files: map[*yamlfile.Source]*yamlfile.StagedFile{}, plan: plan}
	var err error
	switch {
	case o.Diff:
		s.mode = toDiff
	case o.Check:
		s.mode = toCheck
	case o.InPlace:
		s.mode = toInPlace
	case o.Output != "" && plan.single != "":
		s.mode = toSingle
		if s.single, err = yamlfile.Stage(plan.single, yamlfile.StageOptions{}); err != nil {
			return nil, err
		}
		s.stream = yamlfile.NewStream(s.single)
	case o.Output != "":
		s.mode = toFolder
	default:
		s.mode = toStdout
		if s.stdout, err = yamlfile.CreateTemp("", "inject-sidecars-out-*"); err != nil {
			// No writable temporary folder (a read-only container, say):
			// the output waits in memory instead.
			s.stdout, s.memory = nil, &bytes.Buffer{}
			s.stream = yamlfile.NewStream(s.memory)
			break
		}
		s.stream = yamlfile.NewStream(s.stdout)
	}
	return s, nil
}

// write writes a document's text, in order. Into a folder, each file
// streams into its staged file. In place, a file is written only when
// one of its documents changed: files that need no change are not
// touched, and a run holds one file open at a time.
func (s *sink) write(src *yamlfile.Source, text, orig string, changed bool) error {
	switch s.mode {
	case toCheck:
		return nil
	case toStdout, toSingle:
		if s.cur != src {
			s.cur = src
			s.stream.StartFile()
		}
		_, err := s.stream.WriteString(text)
		return err
	}
	if s.cur != src {
		if err := s.endFile(); err != nil {
			return err
		}
		s.cur, s.curChanged, s.staged = src, false, nil
		s.buf.Reset()
		s.docs = s.docs[:0]
	}
	s.curChanged = s.curChanged || changed
	if s.mode == toDiff {
		s.docs = append(s.docs, docText{before: orig, after: text})
		return nil
	}
	if s.staged != nil {
		_, err := s.staged.WriteString(text)
		return err
	}
	s.buf.WriteString(text)
	if s.mode == toFolder || s.curChanged || s.buf.Len() > spillAt {
		return s.spill()
	}
	return nil
}

// spill stages the current source's file, and writes into it the text
// that waited.
func (s *sink) spill() error {
	if s.staged == nil {
		var err error
		if s.mode == toFolder {
			s.staged, err = yamlfile.Stage(s.plan.paths[s.cur], yamlfile.StageOptions{Mode: s.cur.Mode, Within: s.plan.folder})
		} else {
			// In place, a user's file is replaced: synced first.
			s.staged, err = yamlfile.Stage(s.cur.Path, yamlfile.StageOptions{Sync: true})
		}
		if err != nil {
			return err
		}
		s.files[s.cur] = s.staged
	}
	_, err := s.staged.WriteString(s.buf.String())
	s.buf.Reset()
	return err
}

// endFile finishes the current source's file; in place, one with no
// change is dropped; under --diff, a changed one adds its diff.
func (s *sink) endFile() error {
	if s.cur == nil {
		return nil
	}
	if s.mode == toDiff {
		if !s.curChanged {
			return nil
		}
		s.diffs.WriteString(unifiedDiff(displayPath(s.cur.Path), s.docs))
		return nil
	}
	if s.mode == toInPlace && !s.curChanged {
		if s.staged != nil {
			s.staged.Discard()
			delete(s.files, s.cur)
		}
		return nil
	}
	if err := s.spill(); err != nil {
		return err
	}
	return s.staged.Finish()
}

// discard drops everything staged.
func (s *sink) discard() {
	if s.stdout != nil {
		s.stdout.Close()
		yamlfile.RemoveTemp(s.stdout.Name())
	}
	var all []*yamlfile.StagedFile
	if s.single != nil {
		all = append(all, s.single)
	}
	yamlfile.DiscardAll(append(all, slices.Collect(maps.Values(s.files))...))
}

// commit writes the output: stdout from its spool, the files by renaming
// them over their targets (-i: the changed ones only).
func (s *sink) commit(stdout io.Writer) error {
	switch s.mode {
	case toStdout:
		if err := s.stream.Flush(); err != nil {
			s.discard()
			return err
		}
		if s.memory != nil {
			_, err := s.memory.WriteTo(stdout)
			return err
		}
		defer yamlfile.RemoveTemp(s.stdout.Name())
		defer s.stdout.Close()
		if _, err := s.stdout.Seek(0, io.SeekStart); err != nil {
			return err
		}
		_, err := io.Copy(stdout, s.stdout)
		return err
	case toSingle:
		if err := s.stream.Flush(); err != nil {
			yamlfile.DiscardAll([]*yamlfile.StagedFile{s.single})
			return err
		}
		return yamlfile.CommitAll([]*yamlfile.StagedFile{s.single})
	case toFolder, toInPlace:
		if err := s.endFile(); err != nil {
			s.discard()
			return err
		}
		var all []*yamlfile.StagedFile
		for _, f := range s.files {
			all = append(all, f)
		}
		return yamlfile.CommitAll(all)
	}
	return nil
}

// docOut is what a worker makes of one document.
type docOut struct {
	src      *yamlfile.Source
	text     string
	orig     string // the text as it came, for a changed document
	outcome  *transform.Report
	warning  *framework.Result // about the document itself
	key      *yaml.Node        // stands for the document in results, once its nodes are gone
	index    int
	changed  bool
	fallback string
}

// job is a document to inject.
type job struct {
	src *yamlfile.Source
	doc *yamlfile.Document
}

// pipeline is pass two: each document parsed, injected and rendered on a
// worker, the texts written in input order, and each document's outcome
// handed to each, in input order, as soon as it is written; a window of
// documents is in flight at a time.
func pipeline(srcs []*yamlfile.Source, injector *transform.Injector, render bool, out *sink, each func(*docOut)) error {
	return workers.OrderedBatches(workers.Window(), docBatch,
		func(send func(job) error) error { return feed(srcs, send) },
		func(j job) (*docOut, error) { return work(j.src, j.doc, injector, render) },
		func(o *docOut) error {
			if err := out.write(o.src, o.text, o.orig, o.changed); err != nil {
				return err
			}
			each(o)
			return nil
		})
}

// testHookWork, when a test sets it, is called on each document as its
// work starts: a test panics there to see a bug's panic handled.
var testHookWork func(*yamlfile.Document)

// docBatch is how many documents a worker takes at a time: handing one
// over costs about a tenth of injecting a small one. A large document
// goes alone, so the window holds no more large ones than without
// batches.
var docBatch = workers.Batch[job]{Items: 4, Bytes: 16 << 10, Size: func(j job) int { return len(j.doc.Raw) }}

// feed sends the sources' documents, in order.
func feed(srcs []*yamlfile.Source, send func(job) error) error {
	for _, src := range srcs {
		if err := src.Each(func(d *yamlfile.Document) error { return send(job{src, d}) }); err != nil {
			return err
		}
	}
	return nil
}

// work parses, injects and renders one document, then lets its nodes go:
// results point at a small stand-in node instead of the document.
func work(src *yamlfile.Source, d *yamlfile.Document, injector *transform.Injector, render bool) (*docOut, error) {
	if testHookWork != nil {
		testHookWork(d)
	}
	o := &docOut{src: src, index: d.Index}
	if err := d.Parse(src.Path); err != nil {
		return nil, err
	}
	if d.Node != nil {
		o.warning = configAmongInputs(d.Node, &framework.File{Path: src.Path, Index: d.Index})
		oc := injector.DocumentAt(d.Node, d.Line)
		o.key = &yaml.Node{}
		for i := range oc.Results {
			if oc.Results[i].Changed() {
				d.Changed, o.changed = true, true
			}
			if oc.Results[i].Item != nil {
				oc.Results[i].Item = o.key
			}
		}
		for i := range oc.Usage {
			oc.Usage[i].Item = o.key
		}
		o.outcome = oc
	}
	if render {
		text, err := d.Text()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", src.Path, err)
		}
		o.text, o.fallback = text+d.Separator, d.Fallback
		o.orig = o.text
		if d.Changed {
			o.orig = d.Raw + d.Separator
		}
	}
	d.Release()
	return o, nil
}
