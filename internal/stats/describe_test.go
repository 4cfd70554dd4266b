package stats

import (
	"math"
	"testing"
)

const tol = 1e-12

func near(a, b float64) bool { return math.Abs(a-b) <= tol*math.Max(1, math.Abs(b)) }

func TestMeanSD(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		xs       []float64
		mean, sd float64
	}{
		{"empty", nil, 0, 0},
		{"one", []float64{3}, 3, 0},
		// Deviations −3,−1,−1,−1,0,0,2,4: Σ² = 32, /8 = 4.
		{"textbook", []float64{2, 4, 4, 4, 5, 5, 7, 9}, 5, 2},
		// Identical values whose mean rounds: the noise is not a spread.
		{"identical", []float64{0.1, 0.1, 0.1}, 0.1, 0},
	} {
		m, s := MeanSD(tc.xs)
		if !near(m, tc.mean) || s != tc.sd && !near(s, tc.sd) {
			t.Errorf("%s: MeanSD = %v, %v, want %v, %v", tc.name, m, s, tc.mean, tc.sd)
		}
	}
}

func TestMedian(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		xs   []float64
		want float64
	}{{[]float64{3, 1, 2}, 2}, {[]float64{4, 1, 3, 2}, 2.5}, {[]float64{7}, 7}} {
		in := append([]float64(nil), tc.xs...)
		if got := Median(in); got != tc.want {
			t.Errorf("Median(%v) = %v, want %v", tc.xs, got, tc.want)
		}
		for i := range in {
			if in[i] != tc.xs[i] {
				t.Errorf("Median reordered its input: %v", in)
			}
		}
	}
	if !math.IsNaN(Median(nil)) {
		t.Errorf("Median(nil) is not NaN")
	}
}

func TestMidRanks(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		xs, want []float64
	}{
		{[]float64{7}, []float64{0.5}},
		{[]float64{3, 1, 2, 4}, []float64{0.625, 0.125, 0.375, 0.875}},
		// The two 2s: 1 below, 2 equal → (1 + 1)/4.
		{[]float64{2, 1, 2, 3}, []float64{0.5, 0.125, 0.5, 0.875}},
		{[]float64{5, 5, 5}, []float64{0.5, 0.5, 0.5}},
		// Equal up to rounding counts as a tie.
		{[]float64{0.1 + 0.2, 0.3}, []float64{0.5, 0.5}},
	} {
		got := MidRanks(tc.xs)
		for i := range tc.want {
			if !near(got[i], tc.want[i]) {
				t.Errorf("MidRanks(%v) = %v, want %v", tc.xs, got, tc.want)
				break
			}
		}
	}
}
