package cli

import (
	"math"
	"runtime/debug"
	"testing"
)

// TestGCFloorChoice: the next collection waits for the floor while three
// times what is live (twice, at GC percent 100) stays under it, and
// follows the percent once it does not.
func TestGCFloorChoice(t *testing.T) {
	const mb = 1 << 20
	cases := []struct {
		base  int
		live  uint64
		floor bool
	}{
		{200, 0, true},
		{200, 2 * mb, true},
		{200, 21 * mb, true},
		{200, 22 * mb, false},
		{200, 500 * mb, false},
		{100, 31 * mb, true},
		{100, 32 * mb, false},
	}
	for _, c := range cases {
		g := &gcFloor{floor: 64 * mb, base: c.base}
		if got := g.useFloor(c.live); got != c.floor {
			t.Errorf("base %d, live %d MiB: floor %v, want %v", c.base, c.live/mb, got, c.floor)
		}
	}
}

// TestGCFloorRetune (serial: it sets the process's collector): retune sets the runtime's percent and limit as
// chosen, and puts them back when what is live outgrows the floor.
func TestGCFloorRetune(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(math.MaxInt64))

	live := uint64(10 << 20)
	g := &gcFloor{floor: 64 << 20, base: 200, live: func() uint64 { return live }}
	g.retune()
	if p := debug.SetGCPercent(-1); p != -1 {
		t.Errorf("under the floor: GC percent %d, want off (-1)", p)
	}
	if l := debug.SetMemoryLimit(-1); l != 64<<20 {
		t.Errorf("under the floor: memory limit %d, want the floor", l)
	}

	live = 30 << 20 // three times that is over the floor
	g.retune()
	if p := debug.SetGCPercent(-1); p != 200 {
		t.Errorf("over the floor: GC percent %d, want 200", p)
	}
	if l := debug.SetMemoryLimit(-1); l != math.MaxInt64 {
		t.Errorf("over the floor: memory limit %d, want none", l)
	}
}
