// Package workers runs independent pieces of work on every core.
package workers

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// Each runs do(0), …, do(n-1) on GOMAXPROCS goroutines (on the calling
// one when that is 1). Which goroutine runs which index must not matter
// to the caller: results go into slots by index. A panic in do stops the
// other goroutines at their next index and is raised again on the
// calling goroutine, where the caller's recover sees it.
func Each(n int, do func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	if workers <= 1 {
		for i := 0; i < n; i++ {
			do(i)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	var p panics
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer p.catch()
			for i := int(next.Add(1)) - 1; i < n && !p.raised(); i = int(next.Add(1)) - 1 {
				do(i)
			}
		}()
	}
	wg.Wait()
	p.raise()
}

// panics holds the first panic of a run's goroutines, to be raised
// again on the goroutine that started them: a panic on a goroutine of
// its own would end the process with a stack trace, past every recover.
type panics struct{ first atomic.Pointer[caught] }

// caught is a panic's value, boxed: panic(nil) is a panic too.
type caught struct{ value any }

// catch is deferred on each goroutine: it keeps the first panic.
func (p *panics) catch() {
	if v := recover(); v != nil {
		p.keep(v)
	}
}

// keep keeps v if it is the first panic.
func (p *panics) keep(v any) { p.first.CompareAndSwap(nil, &caught{v}) }

// raised reports whether a goroutine has panicked.
func (p *panics) raised() bool { return p.first.Load() != nil }

// raise panics again with the first panic caught, if any, once every
// goroutine has ended.
func (p *panics) raise() {
	if c := p.first.Load(); c != nil {
		panic(c.value)
	}
}
