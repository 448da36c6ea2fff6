package workers

import (
	"errors"
	"runtime"
	"sync"
)

// errStopped is what send returns once the run has stopped.
var errStopped = errors.New("workers: stopped")

// errPanicked stops a run whose work panicked; the panic itself is
// raised again on the calling goroutine.
var errPanicked = errors.New("workers: work panicked")

// Window is four a core (items, or batches of them): enough to keep
// every core busy while one waits for the one before it to be
// delivered, and few enough that a run holds little.
func Window() int { return 4 * runtime.GOMAXPROCS(0) }

// FromSlice is a produce for Ordered that sends the items of s, in order.
func FromSlice[T any](s []T) func(send func(T) error) error {
	return func(send func(T) error) error {
		for _, v := range s {
			if err := send(v); err != nil {
				return err
			}
		}
		return nil
	}
}

// Ordered runs work on each item that produce sends, on a goroutine per
// core (GOMAXPROCS of them, no more than window), and hands each result
// to deliver in the order the items were sent, on the calling goroutine.
// At most window items are in flight (sent, and not yet delivered), so a
// run holds a window of items however many produce sends.
//
// The first error stops the run: an error from work (taken in input
// order, so the items before it are still delivered), from deliver, or
// from produce (after the items it sent before it). Once stopped, send
// returns an error that produce should return, deliver is not called
// again, and Ordered returns that first error once produce has returned
// and every worker has ended. A panic in work or produce stops the run
// the same way, and is raised again on the calling goroutine once every
// goroutine has ended, where the caller's recover sees it.
//
// work runs concurrently and in any order; deliver runs one call at a
// time. produce runs on a goroutine of its own, and work on one per core,
// even with GOMAXPROCS=1: their handing over through channels gives the
// garbage collector's worker its turns. Run all on one goroutine, plain
// mode's collections were all assists, with a sixth more memory.
func Ordered[In, Out any](window int, produce func(send func(In) error) error, work func(In) (Out, error), deliver func(Out) error) error {
	return OrderedBatches(window, Batch[In]{}, produce, work, deliver)
}

// Batch says how many consecutive items go to a worker at a time: up to
// Items of them (at least one), and, when Size gives an item's size, no
// more once they add up to Bytes, so a large item goes alone.
type Batch[In any] struct {
	Items int
	Bytes int
	Size  func(In) int
}

// full reports whether a batch of n items, of size bytes in all, is
// ready to go.
func (b Batch[In]) full(n, bytes int) bool {
	return n >= b.Items || b.Size != nil && bytes >= b.Bytes
}

// OrderedBatches is Ordered handing the items to the workers a batch at
// a time (a worker works a batch's items in order), the window counted
// in batches. Handing a batch over and back wakes goroutines on other
// cores, which costs microseconds, about as much as encoding a small
// object: items that take little work go in batches.
func OrderedBatches[In, Out any](window int, batch Batch[In], produce func(send func(In) error) error, work func(In) (Out, error), deliver func(Out) error) error {
	window = max(window, 1)
	r := &run[In, Out]{
		work:  work,
		batch: batch,
		slots: make(chan struct{}, window),
		jobs:  make(chan *task[In, Out]),
		queue: make(chan *task[In, Out], window),
		stop:  make(chan struct{}),
	}
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), window) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.worker()
		}()
	}
	go r.produce(produce)
	err := r.collect(deliver)
	wg.Wait()
	r.panics.raise()
	return err
}

// task is one batch in flight; done is closed once work has run on it:
// out holds the results of the items before the first that failed, and
// err that item's error.
type task[In, Out any] struct {
	in   []In
	out  []Out
	err  error
	done chan struct{}
}

// run is one Ordered. pending is the batch send is filling; slots holds
// a token per batch in flight; jobs feeds the workers; queue holds the
// same tasks in input order, for the collector; stop is closed when the
// collector stops the run.
type run[In, Out any] struct {
	work       func(In) (Out, error)
	batch      Batch[In]
	pending    []In
	pendingLen int // the pending items' sizes, added up
	slots      chan struct{}
	jobs       chan *task[In, Out]
	queue      chan *task[In, Out]
	stop       chan struct{}
	stopOnce   sync.Once
	produceErr error // read once queue is closed
	panics     panics
}

// produce runs the caller's produce, hands over the last batch (unless
// the run has stopped), then closes jobs and queue.
func (r *run[In, Out]) produce(produce func(send func(In) error) error) {
	defer close(r.queue)
	defer close(r.jobs)
	defer r.panics.catch()
	r.produceErr = produce(r.send)
	if len(r.pending) > 0 {
		r.dispatch() // an error here is the stop the collector has
	}
}

// send adds the item to the batch being filled, and hands a full batch
// over.
func (r *run[In, Out]) send(in In) error {
	select {
	case <-r.stop:
		return errStopped
	default:
	}
	r.pending = append(r.pending, in)
	if r.batch.Size != nil {
		r.pendingLen += r.batch.Size(in)
	}
	if !r.batch.full(len(r.pending), r.pendingLen) {
		return nil
	}
	return r.dispatch()
}

// dispatch waits for a slot, then hands the pending batch to a free
// worker, and its task to the collector. queue never blocks: it holds at
// most as many tasks as there are slots. jobs is not buffered: a batch
// waits here, not in a queue of its own, for a worker (with one, plain
// mode read ahead, and held a tenth more memory).
func (r *run[In, Out]) dispatch() error {
	select {
	case <-r.stop: // before a free slot, which select might pick
		return errStopped
	default:
	}
	select {
	case r.slots <- struct{}{}:
	case <-r.stop:
		return errStopped
	}
	t := &task[In, Out]{in: r.pending, done: make(chan struct{})}
	r.pending, r.pendingLen = make([]In, 0, len(r.pending)), 0
	r.jobs <- t
	r.queue <- t
	return nil
}

// worker works the tasks, each batch's items in order up to the first
// error; once the run has stopped, it only marks them done.
func (r *run[In, Out]) worker() {
	for t := range r.jobs {
		select {
		case <-r.stop:
		default:
			r.workBatch(t)
		}
		close(t.done)
	}
}

// workBatch works a batch's items in order, up to the first error or
// panic.
func (r *run[In, Out]) workBatch(t *task[In, Out]) {
	defer r.caughtIn(t)
	t.out = make([]Out, 0, len(t.in))
	for _, in := range t.in {
		out, err := r.work(in)
		if err != nil {
			t.err = err
			return
		}
		t.out = append(t.out, out)
	}
}

// caughtIn is deferred by workBatch: a panic is kept, to be raised on
// the calling goroutine, and stops the run at this batch.
func (r *run[In, Out]) caughtIn(t *task[In, Out]) {
	if v := recover(); v != nil {
		r.panics.keep(v)
		t.out, t.err = nil, errPanicked
	}
}

// collect delivers the results in input order until the first error,
// then waits for the tasks still in flight.
func (r *run[In, Out]) collect(deliver func(Out) error) error {
	defer func() {
		// A panic in deliver: the run stops, so the other goroutines
		// end, and the panic goes on up.
		if v := recover(); v != nil {
			r.halt()
			panic(v)
		}
	}()
	var first error
	for t := range r.queue {
		<-t.done
		if first != nil {
			continue // drain
		}
		first = r.deliverAll(t, deliver)
		if first != nil {
			r.halt()
			continue
		}
		<-r.slots
	}
	if first != nil {
		return first
	}
	return r.produceErr
}

// halt stops the run, once.
func (r *run[In, Out]) halt() { r.stopOnce.Do(func() { close(r.stop) }) }

// deliverAll delivers a task's results, and gives the first error:
// deliver's, or else work's.
func (r *run[In, Out]) deliverAll(t *task[In, Out], deliver func(Out) error) error {
	for _, out := range t.out {
		if err := deliver(out); err != nil {
			return err
		}
	}
	return t.err
}
