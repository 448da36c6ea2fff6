package workers

import (
	"errors"
	"runtime"
	"sync"
)

// errStopped is what send returns once the run has stopped.
var errStopped = errors.New("workers: stopped")

// Window is four items a core: enough to keep every core busy while an
// item waits for the one before it to be delivered, and few enough that a
// run holds little.
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
// core (GOMAXPROCS of them, no more than window), and hands each result to deliver in the order the items
// were sent, on the calling goroutine. At most window items are in flight
// (sent, and not yet delivered), so a run holds a window of items however
// many produce sends.
//
// The first error stops the run: an error from work (taken in input
// order, so the items before it are still delivered), from deliver, or
// from produce (after the items it sent before it). Once stopped, send
// returns an error that produce should return, deliver is not called
// again, and Ordered returns that first error once produce has returned
// and every worker has ended.
//
// work runs concurrently and in any order; deliver runs one call at a
// time. produce runs on a goroutine of its own, and work on one per core,
// even with GOMAXPROCS=1: their handing over through channels gives the
// garbage collector's worker its turns. Run all on one goroutine, plain
// mode's collections were all assists, with a sixth more memory.
func Ordered[In, Out any](window int, produce func(send func(In) error) error, work func(In) (Out, error), deliver func(Out) error) error {
	window = max(window, 1)
	r := &run[In, Out]{
		work:  work,
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
	return err
}

// task is one item in flight; done is closed once work has run on it.
type task[In, Out any] struct {
	in   In
	out  Out
	err  error
	done chan struct{}
}

// run is one Ordered. slots holds a token per item in flight; jobs
// feeds the workers; queue holds the same tasks in input order, for
// the collector; stop is closed when the collector stops the run.
type run[In, Out any] struct {
	work       func(In) (Out, error)
	slots      chan struct{}
	jobs       chan *task[In, Out]
	queue      chan *task[In, Out]
	stop       chan struct{}
	produceErr error // read once queue is closed
}

// produce runs the caller's produce, then closes jobs and queue.
func (r *run[In, Out]) produce(produce func(send func(In) error) error) {
	r.produceErr = produce(r.send)
	close(r.jobs)
	close(r.queue)
}

// send waits for a slot, then hands the item to a free worker, and its
// task to the collector. queue never blocks: it holds at most as many
// tasks as there are slots. jobs is not buffered: an item waits in send,
// not in a queue of its own, for a worker (with one, plain mode read
// ahead, and held a tenth more memory).
func (r *run[In, Out]) send(in In) error {
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
	t := &task[In, Out]{in: in, done: make(chan struct{})}
	r.jobs <- t
	r.queue <- t
	return nil
}

// worker works the tasks; once the run has stopped, it only marks them
// done.
func (r *run[In, Out]) worker() {
	for t := range r.jobs {
		select {
		case <-r.stop:
		default:
			t.out, t.err = r.work(t.in)
		}
		close(t.done)
	}
}

// collect delivers the tasks in input order until the first error, then
// waits for the tasks still in flight.
func (r *run[In, Out]) collect(deliver func(Out) error) error {
	var first error
	for t := range r.queue {
		<-t.done
		if first != nil {
			continue // drain
		}
		err := t.err
		if err == nil {
			err = deliver(t.out)
		}
		if err != nil {
			first = err
			close(r.stop)
			continue
		}
		<-r.slots
	}
	if first != nil {
		return first
	}
	return r.produceErr
}
