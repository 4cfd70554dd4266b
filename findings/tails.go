package findings

import "math"

// The tails below are summed term by term in log space from the tail's far
// side inward, so a tail of 1e-300 is as exact as one of 0.3: subtracting
// from 1 is only ever done for a tail above one half.

// PoissonUpper is P(X ≥ k) for X ~ Poisson(mu). 1 for k ≤ 0; for mu = 0 it
// is 0 when k > 0.
func PoissonUpper(k int64, mu float64) float64 {
	if k <= 0 {
		return 1
	}
	if !(mu > 0) {
		return 0
	}
	if float64(k) <= mu {
		return 1 - PoissonLower(k-1, mu)
	}
	// Terms fall from k on: t(i+1) = t(i)·mu/(i+1).
	lt := logPoisson(k, mu)
	sum, t := 0.0, 1.0
	for i := k; ; i++ {
		sum += t
		t *= mu / float64(i+1)
		if t < sum*1e-17 {
			break
		}
	}
	return math.Min(1, math.Exp(lt+math.Log(sum)))
}

// PoissonLower is P(X ≤ k) for X ~ Poisson(mu). 0 for k < 0; 1 for mu = 0
// and k ≥ 0.
func PoissonLower(k int64, mu float64) float64 {
	if k < 0 {
		return 0
	}
	if !(mu > 0) {
		return 1
	}
	if float64(k) >= mu {
		return 1 - PoissonUpper(k+1, mu)
	}
	// Terms fall from k down: t(i−1) = t(i)·i/mu.
	lt := logPoisson(k, mu)
	sum, t := 0.0, 1.0
	for i := k; i >= 0; i-- {
		sum += t
		t *= float64(i) / mu
		if t < sum*1e-17 {
			break
		}
	}
	return math.Min(1, math.Exp(lt+math.Log(sum)))
}

func logPoisson(k int64, mu float64) float64 {
	lg, _ := math.Lgamma(float64(k) + 1)
	return float64(k)*math.Log(mu) - mu - lg
}

// BinomialUpper is P(Y ≥ y) for Y ~ Binomial(n, p).
func BinomialUpper(y, n int64, p float64) float64 {
	switch {
	case y <= 0:
		return 1
	case y > n:
		return 0
	case p <= 0:
		return 0
	case p >= 1:
		return 1
	}
	if float64(y) <= float64(n)*p {
		return 1 - BinomialLower(y-1, n, p)
	}
	// Terms fall from y on: t(i+1) = t(i)·(n−i)/(i+1)·p/(1−p).
	lt := logBinomial(y, n, p)
	odds := p / (1 - p)
	sum, t := 0.0, 1.0
	for i := y; i <= n; i++ {
		sum += t
		t *= float64(n-i) / float64(i+1) * odds
		if t < sum*1e-17 {
			break
		}
	}
	return math.Min(1, math.Exp(lt+math.Log(sum)))
}

// BinomialLower is P(Y ≤ y) for Y ~ Binomial(n, p).
func BinomialLower(y, n int64, p float64) float64 {
	switch {
	case y < 0:
		return 0
	case y >= n:
		return 1
	case p <= 0:
		return 1
	case p >= 1:
		return 0
	}
	if float64(y) >= float64(n)*p {
		return 1 - BinomialUpper(y+1, n, p)
	}
	// Terms fall from y down: t(i−1) = t(i)·i/(n−i+1)·(1−p)/p.
	lt := logBinomial(y, n, p)
	odds := (1 - p) / p
	sum, t := 0.0, 1.0
	for i := y; i >= 0; i-- {
		sum += t
		t *= float64(i) / float64(n-i+1) * odds
		if t < sum*1e-17 {
			break
		}
	}
	return math.Min(1, math.Exp(lt+math.Log(sum)))
}

func logBinomial(y, n int64, p float64) float64 {
	a, _ := math.Lgamma(float64(n) + 1)
	b, _ := math.Lgamma(float64(y) + 1)
	c, _ := math.Lgamma(float64(n-y) + 1)
	return a - b - c + float64(y)*math.Log(p) + float64(n-y)*math.Log1p(-p)
}

// clopperPearson is the exact two-sided interval at level 1−alpha for a
// binomial proportion with y successes in n, by bisection on the tails.
func clopperPearson(y, n int64, alpha float64) (lo, hi float64) {
	if n <= 0 {
		return 0, 1
	}
	lo, hi = 0, 1
	if y > 0 {
		// lo: the p at which P(Y ≥ y) = alpha/2 (increasing in p).
		lo = bisect(func(p float64) bool { return BinomialUpper(y, n, p) < alpha/2 })
	}
	if y < n {
		// hi: the p at which P(Y ≤ y) = alpha/2 (decreasing in p).
		hi = bisect(func(p float64) bool { return BinomialLower(y, n, p) > alpha/2 })
	}
	return lo, hi
}

// bisect finds the p in (0, 1) where below(p) turns from true to false.
func bisect(below func(float64) bool) float64 {
	a, b := 0.0, 1.0
	for range 60 {
		m := (a + b) / 2
		if below(m) {
			a = m
		} else {
			b = m
		}
	}
	return (a + b) / 2
}
