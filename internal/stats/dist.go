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
