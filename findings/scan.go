package findings

import (
	"math"
	"sort"
)

// The drift test: a windowed Poisson CUSUM whose null tail is computed
// exactly, so the choice of the window it reports costs nothing extra.
//
// Take the K newest weeks of a series (K = MaxRun, fewer where the history
// is short) and the History weeks before them as its baseline. Given the
// n events of the baseline and the window together, under "no change" the
// weeks' counts are multinomial with the weeks' shares of the exposure; no
// rate needs to be known, so the baseline's own uncertainty is part of the
// test. With λ = n / exposure (the pooled rate, fixed once n is), the upper
// CUSUM over windows of the k newest weeks, k = 1 … K, is
//
//	U = max_k ( S_k − κ·λ·X_k ),   κ = (δ − 1) / ln δ,
//
// S_k and X_k the count and exposure of the k newest weeks: Page's CUSUM,
// the log-likelihood ratio of a step to δ× that began k weeks ago (scaled
// by 1/ln δ), maximised over the step's start, restarted (reset) at the
// start of the window, so it never looks back more than K weeks, and at a
// breakpoint, which no window or baseline crosses. The lower CUSUM is
// L = max_k ( κ'·λ·X_k − S_k ), κ' = (1 − 1/δ) / ln δ. The p-value of an
// observed U = u is P(U ≥ u | n): the chance that some window's count
// reaches ⌈u + κλX_k⌉, computed by walking back from the newest week: the
// k-th newest week's count, given the s events of the weeks after it, is
// Binomial(n − s, x_k / exposure left). That is exact for the windows'
// dependence, where a Bonferroni factor of K would pay for K independent
// tests.

// scanUpper is P(S_k ≥ c[k] for some k | n): S_k is the count of the k+1
// newest weeks, whose exposures are x (newest first), the rest of the n
// events falling in a baseline of exposure rest.
func scanUpper(n int64, x []float64, rest float64, c []int64) float64 {
	return scan(n, x, rest, c, true)
}

// scanLower is P(S_k ≤ d[k] for some k | n).
func scanLower(n int64, x []float64, rest float64, d []int64) float64 {
	return scan(n, x, rest, d, false)
}

// negligible is the probability mass a path of the walk is dropped below.
const negligible = 1e-40

func scan(n int64, x []float64, rest float64, c []int64, upper bool) float64 {
	left := rest
	for _, v := range x {
		left += v
	}
	// mass[s-lo] is the chance that the newest weeks so far hold s events
	// and no window has crossed.
	lo, mass := int64(0), []float64{1}
	crossed := 0.0
	var next []float64
	for k, xk := range x {
		p := 0.0
		if left > 0 {
			p = math.Min(1, xk/left)
		}
		left -= xk
		nlo, nhi := int64(math.MaxInt64), int64(-1)
		next = next[:0]
		for i, m := range mass {
			if m < negligible {
				continue
			}
			s := lo + int64(i)
			r := n - s // events not yet placed
			// The week's count y, within 12 standard deviations of its mean
			// (beyond, less than 1e-30 of the mass).
			mean, sd := float64(r)*p, math.Sqrt(float64(r)*p*(1-p))
			a := max(int64(0), int64(mean-12*sd-1))
			b := min(r, int64(math.Ceil(mean+12*sd+1)))
			yc := c[k] - s // crossing: y ≥ yc (upper) or y ≤ yc (lower)
			if upper && yc > b {
				crossed += m * BinomialUpper(yc, r, p)
			} else if !upper && yc < a {
				crossed += m * BinomialLower(yc, r, p)
			}
			pmf := binomialRun(a, b, r, p)
			for j, f := range pmf {
				y := a + int64(j)
				v := m * f
				if upper && y >= yc || !upper && y <= yc {
					crossed += v
					continue
				}
				if v < negligible {
					continue
				}
				// Survivors go to next, indexed from the first one kept.
				t := s + y
				if nhi < 0 {
					nlo, nhi = t, t
					next = append(next, v)
					continue
				}
				for t > nhi {
					next = append(next, 0)
					nhi++
				}
				if t < nlo {
					grow := make([]float64, nlo-t, int64(len(next))+nlo-t)
					next = append(grow, next...)
					nlo = t
				}
				next[t-nlo] += v
			}
		}
		if nhi < 0 {
			break
		}
		lo = nlo
		mass, next = next, mass
	}
	return math.Min(1, crossed)
}

// binomialRun is the Binomial(n, p) probabilities of a … b (0 ≤ a ≤ b ≤ n).
func binomialRun(a, b, n int64, p float64) []float64 {
	out := make([]float64, b-a+1)
	switch {
	case p <= 0:
		if a == 0 {
			out[0] = 1
		}
		return out
	case p >= 1:
		if b == n {
			out[len(out)-1] = 1
		}
		return out
	}
	// Start at the mode's side of the run, where the term is largest, and
	// recur outwards, so no term underflows before its neighbours do.
	mode := min(max(int64(float64(n+1)*p), a), b)
	odds := p / (1 - p)
	t := math.Exp(logBinomial(mode, n, p))
	out[mode-a] = t
	for y, v := mode, t; y < b; y++ {
		v *= float64(n-y) / float64(y+1) * odds
		out[y+1-a] = v
	}
	for y, v := mode, t; y > a; y-- {
		v *= float64(y) / float64(n-y+1) / odds
		out[y-1-a] = v
	}
	return out
}

// drift is the outcome of the windowed CUSUM in one direction: the
// p-value, and the length of the window at which the CUSUM peaked.
type drift struct {
	p     float64
	weeks int
}

// cusums runs the upper and lower windowed CUSUMs over the windows of the
// k newest weeks (y, x newest first, k = 1 … len(y)) against a baseline of
// base events in exposure rest, with δ = delta. The exact tail is never
// below the largest of the windows' own tails nor above their sum (the
// Bonferroni bound); where that largest is above need, the tail is
// reported as the bound, still a valid p-value (never below the exact
// one), so the walk runs only where the exact value can matter.
func cusums(y []int64, x []float64, base int64, rest, delta, need float64) (up, down drift) {
	return scanTest(y, x, base, rest, delta, need, false)
}

// minP is the scan of the same windows by their own exact tails: the
// statistic is the smallest of the windows' one-sided binomial tails
// (given n, the k newest weeks hold Binomial(n, X_k / exposure) events),
// and its p-value the chance under no change that some window's tail is
// as small, computed by the same walk.
func minP(y []int64, x []float64, base int64, rest, need float64) (up, down drift) {
	return scanTest(y, x, base, rest, 0, need, true)
}

func scanTest(y []int64, x []float64, base int64, rest, delta, need float64, byTail bool) (up, down drift) {
	up, down = drift{p: 1, weeks: 1}, drift{p: 1, weeks: 1}
	n := base
	tot := rest
	for i := range y {
		n += y[i]
		tot += x[i]
	}
	if n == 0 || !(tot > 0) || !(rest > 0) {
		return up, down
	}
	c, d := make([]int64, len(y)), make([]int64, len(y))
	var boundU, boundD, lowU, lowD float64
	if byTail {
		pu, pd := math.Inf(1), math.Inf(1)
		var s int64
		var xs float64
		for k := range y {
			s += y[k]
			xs += x[k]
			if v := BinomialUpper(s, n, xs/tot); v < pu {
				pu, up.weeks = v, k+1
			}
			if v := BinomialLower(s, n, xs/tot); v < pd {
				pd, down.weeks = v, k+1
			}
		}
		// Where the smallest tail is above need, K times it bounds the
		// scan's (each window's crossing tail is at most it).
		if pu > need && pd > need {
			up.p, down.p = math.Min(1, float64(len(y))*pu), math.Min(1, float64(len(y))*pd)
			return up, down
		}
		// Each window's crossing count: the first whose own tail is as small
		// as the smallest observed (the tails fall with the count), and the
		// last below for the lower tail.
		tol := 1 + 1e-9
		xs = 0
		for k := range y {
			xs += x[k]
			pi := xs / tot
			c[k] = int64(sort.Search(int(n)+2, func(i int) bool { return BinomialUpper(int64(i), n, pi) <= pu*tol }))
			d[k] = int64(sort.Search(int(n)+2, func(i int) bool { return BinomialLower(int64(i), n, pi) > pd*tol })) - 1
			tu, td := BinomialUpper(c[k], n, pi), BinomialLower(d[k], n, pi)
			boundU, boundD, lowU, lowD = boundU+tu, boundD+td, max(lowU, tu), max(lowD, td)
		}
	} else {
		lambda := float64(n) / tot
		ld := math.Log(delta)
		ku, kd := (delta-1)/ld, (1-1/delta)/ld
		// The CUSUMs' values U, L and where they peak.
		u, l := math.Inf(-1), math.Inf(-1)
		var s int64
		var xs float64
		for k := range y {
			s += y[k]
			xs += x[k]
			if v := float64(s) - ku*lambda*xs; v > u {
				u, up.weeks = v, k+1
			}
			if v := kd*lambda*xs - float64(s); v > l {
				l, down.weeks = v, k+1
			}
		}
		// The counts at which each window crosses: S_k ≥ u + κλX_k, or
		// S_k ≤ κ'λX_k − l. A small tolerance keeps the observed window's
		// own count on the crossing side against rounding.
		xs = 0
		for k := range y {
			xs += x[k]
			cu := u + ku*lambda*xs
			c[k] = int64(math.Ceil(cu - 1e-9*math.Max(1, math.Abs(cu))))
			cd := kd*lambda*xs - l
			d[k] = int64(math.Floor(cd + 1e-9*math.Max(1, math.Abs(cd))))
			tu, td := BinomialUpper(c[k], n, xs/tot), BinomialLower(d[k], n, xs/tot)
			boundU, boundD, lowU, lowD = boundU+tu, boundD+td, max(lowU, tu), max(lowD, td)
		}
	}
	up.p, down.p = math.Min(1, boundU), math.Min(1, boundD)
	if lowU <= need && boundU > lowU {
		up.p = scanUpper(n, x, rest, c)
	}
	if lowD <= need && boundD > lowD {
		down.p = scanLower(n, x, rest, d)
	}
	return up, down
}
