package workers_test

import (
	"errors"
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/inject-sidecars/inject-sidecars/internal/workers"
)

// These tests set GOMAXPROCS, which is the process's: none runs in
// parallel with another.

var procs = []int{1, 4}

// withProcs runs f at GOMAXPROCS=n.
func withProcs(t *testing.T, n int, f func(t *testing.T)) {
	t.Run(fmt.Sprintf("GOMAXPROCS=%d", n), func(t *testing.T) {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(n))
		f(t)
	})
}

// count sends 0, …, n-1 and stops at the first error send returns (or,
// with ignoreStop, sends them all anyway); sent counts what it sent.
func count(n int, ignoreStop bool, sent *int, end error) func(func(int) error) error {
	return func(send func(int) error) error {
		for i := range n {
			if err := send(i); err != nil {
				if !ignoreStop {
					return err
				}
				continue
			}
			*sent++
		}
		return end
	}
}

var (
	errWork    = errors.New("work failed")
	errDeliver = errors.New("deliver failed")
	errProduce = errors.New("produce failed")
)

// orderedCase is one row of TestOrdered.
type orderedCase struct {
	name        string
	n, window   int
	ignoreStop  bool  // produce goes on sending after send failed
	produceErr  error // what produce returns at its end
	workFail    int   // the item work fails on; -1 for none
	deliverFail int   // the item deliver fails on; -1 for none
	want        []int // what deliver was given, in order
	wantErr     error
}

// batches are the batch sizes every row runs with: one item, batches
// that do not divide the rows' counts, and batches larger than some.
var batches = []int{1, 3, 32}

func TestOrdered(t *testing.T) {
	upTo := func(n int) []int {
		s := make([]int, n)
		for i := range s {
			s[i] = i * 10
		}
		return s
	}
	cases := []orderedCase{
		{name: "no items", n: 0, window: 4, workFail: -1, deliverFail: -1, want: upTo(0)},
		{name: "one item", n: 1, window: 4, workFail: -1, deliverFail: -1, want: upTo(1)},
		{name: "order kept", n: 1000, window: 8, workFail: -1, deliverFail: -1, want: upTo(1000)},
		{name: "window 1", n: 100, window: 1, workFail: -1, deliverFail: -1, want: upTo(100)},
		{name: "window 0 is 1", n: 10, window: 0, workFail: -1, deliverFail: -1, want: upTo(10)},
		{name: "work fails: the items before it delivered", n: 1000, window: 8, workFail: 500, deliverFail: -1, want: upTo(500), wantErr: errWork},
		{name: "work fails on the first", n: 1000, window: 8, workFail: 0, deliverFail: -1, want: upTo(0), wantErr: errWork},
		{name: "deliver fails: never called again", n: 1000, window: 8, workFail: -1, deliverFail: 300, want: upTo(301), wantErr: errDeliver},
		{name: "produce fails: what it sent delivered", n: 200, window: 8, produceErr: errProduce, workFail: -1, deliverFail: -1, want: upTo(200), wantErr: errProduce},
		{name: "produce fails mid-batch: what it sent delivered", n: 7, window: 8, produceErr: errProduce, workFail: -1, deliverFail: -1, want: upTo(7), wantErr: errProduce},
		{name: "work's error comes before produce's", n: 200, window: 8, produceErr: errProduce, workFail: 100, deliverFail: -1, want: upTo(100), wantErr: errWork},
		{name: "produce sends on after the stop", n: 1000, window: 8, ignoreStop: true, workFail: 40, deliverFail: -1, want: upTo(40), wantErr: errWork},
	}
	for _, c := range cases {
		for _, batch := range batches {
			t.Run(fmt.Sprintf("%s/batch=%d", c.name, batch), func(t *testing.T) {
				for _, p := range procs {
					withProcs(t, p, func(t *testing.T) { testOrdered(t, c, batch) })
				}
			})
		}
	}
}

func testOrdered(t *testing.T, c orderedCase, batch int) {
	var got []int
	sent := 0
	err := workers.OrderedBatches(c.window, workers.Batch[int]{Items: batch}, count(c.n, c.ignoreStop, &sent, c.produceErr),
		func(i int) (int, error) {
			if i == c.workFail {
				return 0, errWork
			}
			return i * 10, nil
		},
		func(v int) error {
			got = append(got, v)
			if v == c.deliverFail*10 {
				return errDeliver
			}
			return nil
		})
	if !errors.Is(err, c.wantErr) || (err == nil) != (c.wantErr == nil) {
		t.Errorf("error %v, want %v", err, c.wantErr)
	}
	if diff := cmp.Diff(c.want, got, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("delivered (-want +got):\n%s", diff)
	}
	// Stopped early: at most a window of batches, and the batch being
	// filled, past the failing item.
	most := (max(c.window, 1) + 1) * batch
	if fail := max(c.workFail, c.deliverFail); fail >= 0 && !c.ignoreStop && sent > fail+1+most {
		t.Errorf("sent %d items, want the run stopped by %d", sent, fail+1+most)
	}
}

// TestOrderedWindow counts the items in flight (from the start of their
// work to the end of their delivery): never more than the window of
// batches holds, which fills while the first item's delivery waits.
// Items as large as a batch's bytes go one to a batch.
func TestOrderedWindow(t *testing.T) {
	large := func(int) int { return 100 }
	for _, window := range []int{1, 2, 3, 16} {
		for _, batch := range batches {
			t.Run(fmt.Sprintf("window=%d/batch=%d", window, batch), func(t *testing.T) {
				for _, p := range procs {
					withProcs(t, p, func(t *testing.T) { testOrderedWindow(t, window, workers.Batch[int]{Items: batch}, window*batch) })
				}
			})
			t.Run(fmt.Sprintf("window=%d/batch=%d/large items", window, batch), func(t *testing.T) {
				for _, p := range procs {
					withProcs(t, p, func(t *testing.T) {
						testOrderedWindow(t, window, workers.Batch[int]{Items: batch, Bytes: 100, Size: large}, window)
					})
				}
			})
		}
	}
}

// testOrderedWindow runs 2·want+1 items with a window and batches, and
// checks that at most want of them were in flight at once.
func testOrderedWindow(t *testing.T, window int, batch workers.Batch[int], want int) {
	var inFlight, most atomic.Int64
	sent := 0
	err := workers.OrderedBatches(window, batch, count(2*want+1, false, &sent, nil),
		func(i int) (int, error) {
			n := inFlight.Add(1)
			for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
			}
			return i, nil
		},
		func(i int) error {
			if i == 0 {
				waitFor(t, "the window never filled", func() bool { return inFlight.Load() >= int64(want) })
			}
			inFlight.Add(-1)
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	if got := most.Load(); got != int64(want) {
		t.Errorf("at most %d items in flight, want %d", got, want)
	}
}

// waitFor waits until cond holds, for at most 10 seconds; what says what
// did not happen.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for start := time.Now(); !cond(); time.Sleep(time.Millisecond) {
		if time.Since(start) > 10*time.Second {
			t.Error(what)
			return
		}
	}
}

func ExampleOrdered() {
	words := []string{"pod", "deployment", "cronjob"}
	err := workers.Ordered(4,
		func(send func(string) error) error {
			for _, w := range words {
				if err := send(w); err != nil {
					return err
				}
			}
			return nil
		},
		func(w string) (int, error) { return len(w), nil }, // on every core
		func(n int) error { // in input order
			fmt.Println(n)
			return nil
		})
	fmt.Println(err)
	// Output:
	// 3
	// 10
	// 7
	// <nil>
}

// A panic in work, produce or deliver reaches the caller's goroutine,
// where a recover sees it, with its value; the run's goroutines end.
func TestOrderedPanics(t *testing.T) {
	boom := func(i int) { panic(fmt.Sprint("boom at ", i)) }
	for _, where := range []string{"work", "produce", "deliver"} {
		for _, batch := range batches {
			t.Run(fmt.Sprintf("%s/batch=%d", where, batch), func(t *testing.T) {
				for _, p := range procs {
					withProcs(t, p, func(t *testing.T) {
						before := runtime.NumGoroutine()
						got := recovered(func() {
							workers.OrderedBatches(4, workers.Batch[int]{Items: batch},
								func(send func(int) error) error {
									for i := range 100 {
										if where == "produce" && i == 50 {
											boom(i)
										}
										if err := send(i); err != nil {
											return err
										}
									}
									return nil
								},
								func(i int) (int, error) {
									if where == "work" && i == 50 {
										boom(i)
									}
									return i, nil
								},
								func(i int) error {
									if where == "deliver" && i == 50 {
										boom(i)
									}
									return nil
								})
						})
						if got != "boom at 50" {
							t.Errorf("recovered %v, want the panic's value", got)
						}
						waitFor(t, "the run's goroutines did not end", func() bool { return runtime.NumGoroutine() <= before })
					})
				}
			})
		}
	}
}

// A panic in Each's do reaches the caller's goroutine.
func TestEachPanics(t *testing.T) {
	for _, p := range procs {
		withProcs(t, p, func(t *testing.T) {
			got := recovered(func() {
				workers.Each(100, func(i int) {
					if i == 30 {
						panic("boom")
					}
				})
			})
			if got != "boom" {
				t.Errorf("recovered %v, want the panic's value", got)
			}
		})
	}
}

// recovered runs f and returns what it panicked with.
func recovered(f func()) (v any) {
	defer func() { v = recover() }()
	f()
	return nil
}
