package cli

import (
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
)

// The collector's policy. A run allocates a great deal that dies young
// (every document's nodes) and keeps little: plain mode keeps a window of
// documents in flight, a few megabytes whatever the input's size; the KRM
// function keeps the input's text and a window of items. Go's default
// collects whenever the heap has doubled over what is live, so a few
// megabytes live means a collection every few megabytes allocated, and
// the collector took a sixth of a plain-mode run's time.
//
// So while what is live is small, a run collects only when its memory
// reaches a floor (heapFloor): the percent is off and the floor is the
// memory limit. Once three times what a collection found live passes the
// floor, the run collects as before, at three times what is live (GC
// percent 200), and the limit goes. After every collection the choice is
// made again from what is live now. Past largeInput of input, the heap
// runs to gigabytes and page faults cost more than collections save: the
// percent is Go's default there. GOGC or GOMEMLIMIT in the environment
// always wins. See docs/performance.md.
const (
	heapFloor  = 64 << 20
	largeInput = 64 << 20
)

// tuneGC runs once the input is read. The first call arms the retune
// after every collection; a later one (tests run many commands in one
// process) only sets the percent for its input.
func tuneGC(size int64) {
	if os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	base := 200
	if size >= largeInput {
		base = 100
	}
	theGCFloor.mu.Lock()
	theGCFloor.base, theGCFloor.set = base, false
	theGCFloor.mu.Unlock()
	theGCFloor.retune()
	armGCFloor.Do(theGCFloor.afterEachGC)
}

var (
	theGCFloor = &gcFloor{floor: heapFloor}
	armGCFloor sync.Once
)

// gcFloor keeps the next collection at or above floor bytes of memory.
type gcFloor struct {
	mu     sync.Mutex // retune runs on the finalizers' goroutine too
	floor  uint64
	base   int // the GC percent once the live heap is large
	floors bool
	set    bool
	// live reads the heap live after the last collection; nil reads the
	// runtime's metric.
	live func() uint64
}

// useFloor reports whether, with live bytes live, the next collection
// should wait for the floor rather than for base percent more.
func (g *gcFloor) useFloor(live uint64) bool {
	return live*uint64(100+g.base)/100 < g.floor
}

// retune chooses from the heap live after the last collection (or live
// now, before the first).
func (g *gcFloor) retune() {
	read := g.live
	if read == nil {
		read = liveHeap
	}
	live := read()
	g.mu.Lock()
	defer g.mu.Unlock()
	floors := g.useFloor(live)
	if g.set && floors == g.floors {
		return
	}
	g.floors, g.set = floors, true
	if floors {
		debug.SetMemoryLimit(int64(g.floor))
		debug.SetGCPercent(-1)
		return
	}
	debug.SetGCPercent(g.base)
	debug.SetMemoryLimit(math.MaxInt64)
}

// liveHeap is the heap the last collection found live (0 before the
// first).
func liveHeap() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64()
}

// afterEachGC calls retune once after every collection, for the rest of
// the process: a finalizer on an object nothing refers to runs after the
// collection that finds it unreachable, and arms the next one.
func (g *gcFloor) afterEachGC() {
	runtime.SetFinalizer(new([32]byte), func(*[32]byte) {
		g.retune()
		g.afterEachGC()
	})
}
