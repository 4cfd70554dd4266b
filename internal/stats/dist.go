package stats

import "math"

// Z975 is the standard normal 97.5% quantile, for two-sided 95% intervals.
const Z975 = 1.959963984540054

// NormalCDF is Φ(x), the standard normal distribution function.
func NormalCDF(x float64) float64 {
	return 0.5 * math.Erfc(-x/math.Sqrt2)
}

// TwoSidedP is the two-sided p-value of a Wald statistic z: 2(1 − Φ(|z|)).
func TwoSidedP(z float64) float64 {
	return math.Erfc(math.Abs(z) / math.Sqrt2)
}

// GammaCDF is P(X ≤ x) for X ~ Gamma(shape, rate): the regularized lower
// incomplete gamma function P(shape, rate·x), by its power series below
// shape + 1 and Lentz's continued fraction for Q above (Numerical Recipes,
// 3rd ed., §6.2). NaN for a non-positive shape or rate.
func GammaCDF(x, shape, rate float64) float64 {
	if !(shape > 0) || !(rate > 0) || math.IsNaN(x) {
		return math.NaN()
	}
	if x <= 0 {
		return 0
	}
	if math.IsInf(x, 1) {
		return 1
	}
	return regIncGammaP(shape, rate*x)
}

func regIncGammaP(a, x float64) float64 {
	lg, _ := math.Lgamma(a)
	prefix := a*math.Log(x) - x - lg
	if x < a+1 {
		// P = e^{−x} x^a / Γ(a+1) · Σ_n x^n / ((a+1)…(a+n)).
		sum, term := 1/a, 1/a
		for n := 1; n < 10000; n++ {
			term *= x / (a + float64(n))
			sum += term
			if math.Abs(term) < math.Abs(sum)*1e-16 {
				break
			}
		}
		return math.Min(1, sum*math.Exp(prefix))
	}
	// Q = e^{−x} x^a / Γ(a) · 1/(x+1−a− 1·(1−a)/(x+3−a− 2·(2−a)/(x+5−a− …))).
	const tiny = 1e-300
	b := x + 1 - a
	c := 1 / tiny
	d := 1 / b
	h := d
	for i := 1; i < 10000; i++ {
		an := -float64(i) * (float64(i) - a)
		b += 2
		d = an*d + b
		if math.Abs(d) < tiny {
			d = tiny
		}
		c = b + an/c
		if math.Abs(c) < tiny {
			c = tiny
		}
		d = 1 / d
		del := d * c
		h *= del
		if math.Abs(del-1) < 1e-16 {
			break
		}
	}
	return math.Max(0, 1-math.Exp(prefix)*h)
}

// TwoSidedPT is the two-sided p-value of a statistic t with df degrees of
// freedom under Student's t: I_{df/(df+t²)}(df/2, 1/2), the regularized
// incomplete beta function. NaN for df ≤ 0.
func TwoSidedPT(t, df float64) float64 {
	if !(df > 0) || math.IsNaN(t) {
		return math.NaN()
	}
	if math.IsInf(t, 0) {
		return 0
	}
	return regIncBeta(df/2, 0.5, df/(df+t*t))
}

// TQuantile is the p quantile of Student's t with df degrees of freedom
// (0 < p < 1), found by bisection on TwoSidedPT to full float64 precision.
func TQuantile(p, df float64) float64 {
	if !(p > 0 && p < 1) || !(df > 0) {
		return math.NaN()
	}
	if p == 0.5 {
		return 0
	}
	// For p above ½, t solves TwoSidedPT(t) = 2(1 − p); below, by symmetry.
	tail := 2 * math.Min(p, 1-p)
	lo, hi := 0.0, 1.0
	for TwoSidedPT(hi, df) > tail {
		hi *= 2
	}
	for range 200 {
		mid := (lo + hi) / 2
		if mid == lo || mid == hi {
			break
		}
		if TwoSidedPT(mid, df) > tail {
			lo = mid
		} else {
			hi = mid
		}
	}
	if p < 0.5 {
		return -(lo + hi) / 2
	}
	return (lo + hi) / 2
}

// regIncBeta is I_x(a, b), by the continued fraction of Numerical Recipes
// (3rd ed., §6.4) on whichever side of the mean converges.
func regIncBeta(a, b, x float64) float64 {
	switch {
	case x <= 0:
		return 0
	case x >= 1:
		return 1
	}
	la, _ := math.Lgamma(a)
	lb, _ := math.Lgamma(b)
	lab, _ := math.Lgamma(a + b)
	front := math.Exp(lab - la - lb + a*math.Log(x) + b*math.Log1p(-x))
	if x < (a+1)/(a+b+2) {
		return front * betaFraction(a, b, x) / a
	}
	return 1 - front*betaFraction(b, a, 1-x)/b
}

// betaFraction evaluates the incomplete beta continued fraction by Lentz's
// method: each m takes an even and an odd term.
func betaFraction(a, b, x float64) float64 {
	const tiny = 1e-300
	guard := func(v float64) float64 {
		if math.Abs(v) < tiny {
			return tiny
		}
		return v
	}
	c, d := 1.0, 1/guard(1-(a+b)*x/(a+1))
	h := d
	// step takes the term with numerator num and returns its factor of h.
	step := func(num float64) float64 {
		d = 1 / guard(1+num*d)
		c = guard(1 + num/c)
		return d * c
	}
	for m := 1; m < 10000; m++ {
		fm := float64(m)
		h *= step(fm * (b - fm) * x / ((a + 2*fm - 1) * (a + 2*fm)))
		del := step(-(a + fm) * (a + b + fm) * x / ((a + 2*fm) * (a + 2*fm + 1)))
		h *= del
		if math.Abs(del-1) < 1e-16 {
			break
		}
	}
	return h
}
