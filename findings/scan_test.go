package findings

import (
	"math"
	"math/rand/v2"
	"sort"
	"testing"
)

func TestScanByHand(t *testing.T) {
	// Two events; the two newest weeks have exposure 1 each, the baseline
	// 2, so each event falls in the newest week with chance 1/4, in the one
	// before with 1/4, in the baseline with 1/2.
	x, rest := []float64{1, 1}, 2.0
	for _, c := range []struct {
		what  string
		got   float64
		want  float64
		bonf  float64 // the Bonferroni bound the old test paid
		upper bool
	}{
		// S₂ ≥ 2 (S₁ ≥ 2 implies it): both events in the window, (1/2)².
		{"S1≥2 or S2≥2", scanUpper(2, x, rest, []int64{2, 2}), 0.25, 1.0/16 + 0.25, true},
		// 1 − P(y₁ = 0, y₂ ≤ 1) = 1 − (1/2)² − 2·(1/4)(1/2) = 1/2; the
		// marginals add up to 1 − (3/4)² + 1/4 = 11/16.
		{"S1≥1 or S2≥2", scanUpper(2, x, rest, []int64{1, 2}), 0.5, 11.0 / 16, true},
		// S₁ = 0 (then S₂ = 0 is inside it): (3/4)².
		{"S1≤0 or S2≤0", scanLower(2, x, rest, []int64{0, 0}), 9.0 / 16, 9.0/16 + 0.25, false},
		{"S1≤-1 or S2≤0", scanLower(2, x, rest, []int64{-1, 0}), 0.25, 0.25, false},
		// Nothing can cross: every threshold out of reach.
		{"S1≥3 or S2≥3", scanUpper(2, x, rest, []int64{3, 3}), 0, 0, true},
	} {
		near(t, c.what, c.got, c.want, 1e-12)
		if c.got > c.bonf+1e-15 {
			t.Errorf("%s: %g above its Bonferroni bound %g", c.what, c.got, c.bonf)
		}
	}
}

// brute is P(some window crosses | n) by summing the multinomial over every
// allocation of n events to three weeks and a baseline.
func brute(n int64, x []float64, rest float64, c []int64, upper bool) float64 {
	tot := rest + x[0] + x[1] + x[2]
	lg := func(k int64) float64 { v, _ := math.Lgamma(float64(k) + 1); return v }
	p := 0.0
	for a := int64(0); a <= n; a++ {
		for b := int64(0); a+b <= n; b++ {
			for d := int64(0); a+b+d <= n; d++ {
				r := n - a - b - d
				s := []int64{a, a + b, a + b + d}
				hit := false
				for k := range s {
					hit = hit || upper && s[k] >= c[k] || !upper && s[k] <= c[k]
				}
				if !hit {
					continue
				}
				l := lg(n) - lg(a) - lg(b) - lg(d) - lg(r) + float64(a)*math.Log(x[0]/tot) + float64(b)*math.Log(x[1]/tot) +
					float64(d)*math.Log(x[2]/tot) + float64(r)*math.Log(rest/tot)
				p += math.Exp(l)
			}
		}
	}
	return p
}

func TestScanAgainstEnumeration(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		n := int64(rng.IntN(16))
		x := []float64{0.5 + rng.Float64(), 0.5 + rng.Float64(), 0.5 + rng.Float64()}
		rest := 1 + 6*rng.Float64()
		c := []int64{int64(rng.IntN(6)), 0, 0}
		c[1] = c[0] + int64(rng.IntN(5))
		c[2] = c[1] + int64(rng.IntN(5))
		d := []int64{int64(rng.IntN(3)) - 1, 0, 0}
		d[1] = d[0] + int64(rng.IntN(4))
		d[2] = d[1] + int64(rng.IntN(4))
		near(t, "upper", scanUpper(n, x, rest, c), brute(n, x, rest, c, true), 1e-10)
		near(t, "lower", scanLower(n, x, rest, d), brute(n, x, rest, d, false), 1e-10)
	}
}

func TestMinPAgainstEnumeration(t *testing.T) {
	// The min-p scan end to end: its p-value is the chance, over every
	// allocation of the n events to three weeks and the baseline, that the
	// smallest window tail is at most the observed one.
	rng := rand.New(rand.NewPCG(5, 6))
	lg := func(k int64) float64 { v, _ := math.Lgamma(float64(k) + 1); return v }
	for range 60 {
		n := int64(3 + rng.IntN(12))
		x := []float64{0.5 + rng.Float64(), 0.5 + rng.Float64(), 0.5 + rng.Float64()}
		rest := 1 + 5*rng.Float64()
		tot := rest + x[0] + x[1] + x[2]
		pis := []float64{x[0] / tot, (x[0] + x[1]) / tot, (x[0] + x[1] + x[2]) / tot}
		stat := func(a, b, d int64) (up, down float64) {
			up, down = 1, 1
			for k, s := range []int64{a, a + b, a + b + d} {
				up, down = math.Min(up, BinomialUpper(s, n, pis[k])), math.Min(down, BinomialLower(s, n, pis[k]))
			}
			return up, down
		}
		// An observed allocation.
		ya, yb := int64(rng.IntN(int(n)+1)), int64(0)
		yb = int64(rng.IntN(int(n-ya) + 1))
		yd := int64(rng.IntN(int(n-ya-yb) + 1))
		ou, od := stat(ya, yb, yd)
		var pu, pd float64
		for a := int64(0); a <= n; a++ {
			for b := int64(0); a+b <= n; b++ {
				for d := int64(0); a+b+d <= n; d++ {
					r := n - a - b - d
					l := lg(n) - lg(a) - lg(b) - lg(d) - lg(r) + float64(a)*math.Log(x[0]/tot) + float64(b)*math.Log(x[1]/tot) +
						float64(d)*math.Log(x[2]/tot) + float64(r)*math.Log(rest/tot)
					u, w := stat(a, b, d)
					if u <= ou*(1+1e-9) {
						pu += math.Exp(l)
					}
					if w <= od*(1+1e-9) {
						pd += math.Exp(l)
					}
				}
			}
		}
		base := n - ya - yb - yd
		up, down := minP([]int64{ya, yb, yd}, x, base, rest, 2)
		near(t, "min-p upper", up.p, pu, 1e-9)
		near(t, "min-p lower", down.p, pd, 1e-9)
	}
}

func TestScanAgainstSimulation(t *testing.T) {
	// A windowed CUSUM at a realistic size, eight weeks of about 20 against
	// 26 of baseline: the exact tail against 400,000 multinomial draws of
	// the same statistic (independent of the walk), within four standard
	// errors; and between the largest window's own tail and the sum of
	// them all.
	x := []float64{1.1, 0.9, 1, 1.2, 0.8, 1, 1, 1.05}
	rest := 26.0
	n := int64(680)
	y := []int64{27, 26, 25, 22, 21, 20, 24, 23} // a drift to about 1.2×
	base := n
	for _, v := range y {
		base -= v
	}
	up, _ := cusums(y, x, base, rest, 1.5, 2)
	tot := rest
	for _, v := range x {
		tot += v
	}
	lambda := float64(n) / tot
	ku := 0.5 / math.Log(1.5)
	stat := func(y []int64) float64 {
		u, s, xs := math.Inf(-1), 0.0, 0.0
		for k := range y {
			s += float64(y[k])
			xs += x[k]
			u = math.Max(u, s-ku*lambda*xs)
		}
		return u
	}
	u := stat(y)
	rng := rand.New(rand.NewPCG(3, 4))
	const draws = 400000
	hits := 0
	sim := make([]int64, len(y))
	cdfs := map[[2]int64][]float64{}
	for range draws {
		// Multinomial by sequential binomials, each by inversion of its
		// distribution function.
		left, r := tot, n
		for k := range sim {
			cdf, ok := cdfs[[2]int64{int64(k), r}]
			if !ok {
				cdf = binomialRun(0, r, r, x[k]/left)
				for i := 1; i < len(cdf); i++ {
					cdf[i] += cdf[i-1]
				}
				cdfs[[2]int64{int64(k), r}] = cdf
			}
			sim[k] = int64(sort.SearchFloat64s(cdf, rng.Float64()))
			r -= sim[k]
			left -= x[k]
		}
		if stat(sim) >= u-1e-9 {
			hits++
		}
	}
	ph := float64(hits) / draws
	se := math.Sqrt(ph * (1 - ph) / draws)
	if math.Abs(up.p-ph) > 4*se {
		t.Errorf("exact tail %g, simulated %g ± %g", up.p, ph, se)
	}
	// U = S_k − 1.23315·λ·X_k with λ = 680/34.05 = 19.971: −0.090, 3.746,
	// 4.120, −3.433 … so it peaks over the three newest weeks.
	if up.weeks != 3 {
		t.Errorf("the CUSUM peaks at %d weeks, want 3", up.weeks)
	}
	t.Logf("exact %.5f, simulated %.5f ± %.5f", up.p, ph, se)
}

func TestBinomialRun(t *testing.T) {
	// Binomial(4, 1/2): 1, 4, 6, 4, 1 sixteenths.
	for i, v := range binomialRun(0, 4, 4, 0.5) {
		near(t, "pmf", v, []float64{1, 4, 6, 4, 1}[i]/16, 1e-14)
	}
	// A run far from the mode: P(Y = 0) for Binomial(2000, 0.3) is
	// 0.7^2000, about 1e-310, below float64's normal range; the run
	// around the mode stays accurate.
	run := binomialRun(590, 610, 2000, 0.3)
	near(t, "pmf(600)", run[10], math.Exp(logBinomial(600, 2000, 0.3)), 1e-12)
}

func TestPValuesAreCalibrated(t *testing.T) {
	// Series with no change (32 weeks of Poisson counts at 2 or 20 a week
	// times an exposure drawn in 0.7–1.3): the share with P ≤ 1% may not
	// exceed 1% beyond three standard errors, by either statistic.
	if testing.Short() {
		t.Skip("20,000 series a case")
	}
	rng := rand.New(rand.NewPCG(1, 1))
	draw := func(mu float64) int64 {
		l := math.Exp(-mu)
		var k int64
		for p := rng.Float64(); p > l; p *= rng.Float64() {
			k++
		}
		return k
	}
	const n = 20000
	for _, drift := range []string{DriftMinP, DriftCUSUM} {
		for _, mu := range []float64{2, 20} {
			var hits int
			for range n {
				w := Weeks{Counts: make([]int64, 32), Exposure: make([]float64, 32)}
				for i := range 32 {
					w.Exposure[i] = 0.7 + 0.6*rng.Float64()
					w.Counts[i] = draw(mu * w.Exposure[i])
				}
				if Judge(w, 31, Config{Drift: drift}).P <= 0.01 {
					hits++
				}
			}
			if limit := 0.01*n + 3*math.Sqrt(0.01*0.99*n); float64(hits) > limit {
				t.Errorf("%s at %g a week: %d of %d with P ≤ 1%%, above %.0f", drift, mu, hits, n, limit)
			}
			t.Logf("%s at %g a week: %d of %d with P ≤ 1%%", drift, mu, hits, n)
		}
	}
}
