package fn

import (
	"strings"
	"testing"
)

func TestMerge3(t *testing.T) {
	tests := []struct {
		name, base, ours, theirs, want string
		ok                             bool
	}{
		{"theirs only", "a\nb\nc\n", "a\nb\nc\n", "a\nb\nX\nc\n", "a\nb\nX\nc\n", true},
		{"ours only", "a\nb\nc\n", "a\nB \nc\n", "a\nb\nc\n", "a\nB \nc\n", true},
		{"insert after an edited line", "a\nb\nc\n", "a\nB \nc\n", "a\nb\nX\nc\n", "a\nB \nX\nc\n", true},
		{"insert before an edited line", "a\nb\nc\n", "a\nB \nc\n", "a\nX\nb\nc\n", "a\nX\nB \nc\n", true},
		{"insert between two edited lines", "a\nb\nc\n", "A\nB\nc\n", "a\nX\nb\nc\n", "A\nX\nB\nc\n", true},
		{"delete next to an edited line", "a\nb\nc\nd\n", "A\nb\nc\nd\n", "a\nd\n", "A\nd\n", true},
		{"same change on both sides", "a\nb\n", "a\nX\nb\n", "a\nX\nb\n", "a\nX\nb\n", true},
		{"both edit one line", "a\nb\nc\n", "a\nB\nc\n", "a\nBB\nc\n", "", false},
		{"both insert at one place", "a\nb\n", "a\nX\nb\n", "a\nY\nb\n", "", false},
		{"no final newline kept", "a\nb\n", "a\nb", "a\nX\nb\n", "a\nX\nb", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := merge3(lines(tt.base), lines(tt.ours), lines(tt.theirs))
			if ok != tt.ok || got != tt.want {
				t.Errorf("merge3 = %q, %v; want %q, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestLines(t *testing.T) {
	for in, n := range map[string]int{"a\nb\n": 2, "a\nb": 2, "a": 1, "\n": 1, "a\n\n": 2} {
		if got := lines(in); len(got) != n || strings.Join(got, "") != in {
			t.Errorf("lines(%q) = %q", in, got)
		}
	}
}
