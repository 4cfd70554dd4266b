package stats

import "math"

// GammaPrior is the prior of relative risks θ ~ Gamma(Shape, Rate) fitted
// across areas (zones) by GammaPoissonMoments.
type GammaPrior struct {
	Mean     float64 // m = Σ events / Σ expected
	Variance float64 // between-area variance of θ; 0 when the counts show none
	Shape    float64 // m² / Variance; +Inf when Variance is 0
	Rate     float64 // m / Variance; +Inf when Variance is 0
}

// GammaPoissonMoments fits the Poisson–gamma empirical-Bayes prior by the
// method of moments (Marshall, "Mapping disease and mortality rates using
// empirical Bayes estimators", Applied Statistics 40(2), 1991, §3): with
// raw ratios r_i = e_i / E_i over areas with E_i > 0,
//
//	m  = Σ e_i / Σ E_i
//	s² = Σ E_i (r_i − m)² / Σ E_i
//	A  = s² − m / Ē,  Ē = Σ E_i / n
//
// and the prior variance is A, floored at 0 (all the spread is Poisson
// noise: every area shrinks to m). Areas with E_i = 0 are skipped.
func GammaPoissonMoments(events, expected []float64) GammaPrior {
	var se, sE float64
	n := 0
	for i := range events {
		if expected[i] > 0 {
			se += events[i]
			sE += expected[i]
			n++
		}
	}
	if n == 0 || sE == 0 {
		return GammaPrior{Mean: math.NaN(), Variance: math.NaN(), Shape: math.NaN(), Rate: math.NaN()}
	}
	m := se / sE
	var s2 float64
	for i := range events {
		if expected[i] > 0 {
			d := events[i]/expected[i] - m
			s2 += expected[i] * d * d
		}
	}
	s2 /= sE
	a := s2 - m/(sE/float64(n))
	if !(a > 0) || m == 0 {
		return GammaPrior{Mean: m, Variance: 0, Shape: math.Inf(1), Rate: math.Inf(1)}
	}
	return GammaPrior{Mean: m, Variance: a, Shape: m * m / a, Rate: m / a}
}

// Posterior returns the posterior of an area's θ given e events where E
// were expected: Gamma(Shape + e, Rate + E) (the gamma is conjugate to the
// Poisson). ok is false for a degenerate prior (no between-area variance),
// whose posterior is the point mass at Mean.
func (g GammaPrior) Posterior(e, expected float64) (shape, rate float64, ok bool) {
	if math.IsInf(g.Shape, 1) || math.IsNaN(g.Shape) {
		return 0, 0, false
	}
	return g.Shape + e, g.Rate + expected, true
}

// PosteriorMean is the shrunk estimate (Shape + e) / (Rate + E); Mean for a
// degenerate prior.
func (g GammaPrior) PosteriorMean(e, expected float64) float64 {
	a, b, ok := g.Posterior(e, expected)
	if !ok {
		return g.Mean
	}
	return a / b
}

// PosteriorExceeds is P(θ > t | e, E) under the posterior; for a degenerate
// prior, 1 when Mean > t and 0 otherwise.
func (g GammaPrior) PosteriorExceeds(t, e, expected float64) float64 {
	a, b, ok := g.Posterior(e, expected)
	if !ok {
		if g.Mean > t {
			return 1
		}
		return 0
	}
	return 1 - GammaCDF(t, a, b)
}
