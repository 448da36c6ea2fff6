// Package workers runs independent pieces of work on every core.
package workers

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// Each runs do(0), …, do(n-1) on GOMAXPROCS goroutines (on the calling
// one when that is 1). Which goroutine runs which index must not matter
// to the caller: results go into slots by index.
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
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1)) - 1; i < n; i = int(next.Add(1)) - 1 {
				do(i)
			}
		}()
	}
	wg.Wait()
}
