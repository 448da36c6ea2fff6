package cli

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"sync"

	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/yaml"

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
	// buf holds the current source's text (folder and in place), and
	// curChanged whether any of its documents changed.
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
		if s.single, err = yamlfile.Stage(plan.single, 0o644, false); err != nil {
			return nil, err
		}
		s.stream = yamlfile.NewStream(s.single)
	case o.Output != "":
		s.mode = toFolder
	default:
		s.mode = toStdout
		if s.stdout, err = os.CreateTemp("", "inject-sidecars-out-*"); err != nil {
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

// write writes a document's text, in order. Into a folder or in place,
// a file is written once its source is complete, and in place only when
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
		if err := s.flush(); err != nil {
			return err
		}
		s.cur, s.curChanged = src, false
		s.buf.Reset()
		s.docs = s.docs[:0]
	}
	if s.mode == toDiff {
		s.docs = append(s.docs, docText{before: orig, after: text})
		s.curChanged = s.curChanged || changed
		return nil
	}
	s.buf.WriteString(text)
	s.curChanged = s.curChanged || changed
	return nil
}

// flush stages the current source's file, if it is to be written.
func (s *sink) flush() error {
	src := s.cur
	if src == nil || ((s.mode == toInPlace || s.mode == toDiff) && !s.curChanged) {
		return nil
	}
	if s.mode == toDiff {
		s.diffs.WriteString(unifiedDiff(displayPath(src.Path), s.docs))
		return nil
	}
	path, mode := src.Path, src.Mode
	if s.mode == toFolder {
		path = s.plan.paths[src]
		if mode == 0 {
			mode = 0o644
		}
	}
	// In place, a user's file is replaced: synced first.
	f, err := yamlfile.Stage(path, mode, s.mode == toInPlace)
	if err != nil {
		return err
	}
	s.files[src] = f
	if _, err := f.WriteString(s.buf.String()); err != nil {
		return err
	}
	return f.Finish()
}

// discard drops everything staged.
func (s *sink) discard() {
	if s.stdout != nil {
		s.stdout.Close()
		os.Remove(s.stdout.Name())
	}
	if s.single != nil {
		s.single.Discard()
	}
	for _, f := range s.files {
		f.Discard()
	}
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
		defer os.Remove(s.stdout.Name())
		defer s.stdout.Close()
		if _, err := s.stdout.Seek(0, io.SeekStart); err != nil {
			return err
		}
		_, err := io.Copy(stdout, s.stdout)
		return err
	case toSingle:
		if err := s.stream.Flush(); err != nil {
			s.single.Discard()
			return err
		}
		return yamlfile.CommitAll([]*yamlfile.StagedFile{s.single})
	case toFolder, toInPlace:
		if err := s.flush(); err != nil {
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
	outcome  *transform.Outcome
	warning  *framework.Result // about the document itself
	key      *yaml.Node        // stands for the document in results, once its nodes are gone
	index    int
	changed  bool
	fallback string
	err      error
}

// pipeline is pass two: each document parsed, injected and rendered on a
// worker, the texts written in input order, and each document's outcome
// handed to each, in input order, as soon as it is written.
func pipeline(srcs []*yamlfile.Source, filter *transform.Filter, render bool, out *sink, each func(*docOut)) (err error) {
	workers := runtime.GOMAXPROCS(0)
	type job struct {
		seq int
		src *yamlfile.Source
		doc *yamlfile.Document
	}
	jobs := make(chan job)
	done := make(chan struct {
		seq int
		out *docOut
	})
	window := make(chan struct{}, 4*workers) // documents in flight
	stop := make(chan struct{})
	var stopOnce sync.Once
	halt := func() { stopOnce.Do(func() { close(stop) }) }

	var readErr error
	go func() {
		defer close(jobs)
		seq := 0
		for _, src := range srcs {
			err := src.Each(func(d *yamlfile.Document) error {
				select {
				case window <- struct{}{}:
				case <-stop:
					return errStopped
				}
				select {
				case jobs <- job{seq, src, d}:
				case <-stop:
					return errStopped
				}
				seq++
				return nil
			})
			if err != nil {
				if !errors.Is(err, errStopped) {
					readErr = err
				}
				return
			}
		}
	}()
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				done <- struct {
					seq int
					out *docOut
				}{j.seq, work(j.src, j.doc, filter, render)}
			}
		}()
	}
	go func() {
		wg.Wait()
		close(done)
	}()

	pending := map[int]*docOut{}
	next := 0
	for d := range done {
		pending[d.seq] = d.out
		for {
			o, ok := pending[next]
			if !ok {
				break
			}
			delete(pending, next)
			next++
			<-window
			if err != nil {
				continue // drain
			}
			if o.err != nil {
				err = o.err
				halt()
				continue
			}
			if werr := out.write(o.src, o.text, o.orig, o.changed); werr != nil {
				err = werr
				halt()
				continue
			}
			each(o)
		}
	}
	if err == nil {
		err = readErr
	}
	return err
}

var errStopped = errors.New("stopped")

// work parses, injects and renders one document, then lets its nodes go:
// results point at a small stand-in node instead of the document.
func work(src *yamlfile.Source, d *yamlfile.Document, filter *transform.Filter, render bool) *docOut {
	o := &docOut{src: src, index: d.Index}
	if err := d.Parse(src.Path); err != nil {
		o.err = err
		return o
	}
	if d.Node != nil {
		o.warning = configAmongInputs(d.Node, &framework.File{Path: src.Path, Index: d.Index})
		oc := filter.DocumentAt(d.Node, d.Line)
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
			o.err = fmt.Errorf("%s: %w", src.Path, err)
			return o
		}
		o.text, o.fallback = text+d.Separator, d.Fallback
		o.orig = o.text
		if d.Changed {
			o.orig = d.Raw + d.Separator
		}
	}
	d.Release()
	return o
}
