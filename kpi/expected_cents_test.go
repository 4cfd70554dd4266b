package kpi

import "testing"

// expectedCents by hand: open cents × (rev − fp) / rev, rounded half a cent
// up, added to the rest of est_loss; on the 128-bit path and on the big
// integer path (an open value past 2⁶¹ cents).
func TestExpectedCents(t *testing.T) {
	for _, c := range []struct {
		name                string
		b                   storeBasis
		estLoss, open, want int64
	}{
		{"no reviews: open counts whole", storeBasis{}, 150, 100, 150},
		{"a third false: 100 × 2/3 = 66.67 → 67", storeBasis{level: 1, fp: 1, rev: 3}, 150, 100, 117},
		{"half false: 3 × 1/2 = 1.5 → 2 (half up)", storeBasis{level: 1, fp: 1, rev: 2}, 3, 3, 2},
		{"half false: 5 × 1/2 = 2.5 → 3", storeBasis{level: 2, fp: 5, rev: 10}, 9, 5, 7},
		{"all false: open counts nothing", storeBasis{level: 3, fp: 4, rev: 4}, 100, 60, 40},
		{"none false, past 2⁶¹ cents (big integers)", storeBasis{level: 1, fp: 0, rev: 7}, 1<<62 + 5, 1 << 62, 1<<62 + 5},
		{"a seventh false, past 2⁶¹ cents: 7·2⁵⁹ × 6/7 = 6·2⁵⁹", storeBasis{level: 1, fp: 1, rev: 7}, 7 << 59, 7 << 59, 6 << 59},
	} {
		if got := c.b.expectedCents(c.estLoss, c.open); got != c.want {
			t.Errorf("%s: %d, want %d", c.name, got, c.want)
		}
	}
}
