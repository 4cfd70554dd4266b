package stats

import (
	"math"
	"testing"
)

func TestNormal(t *testing.T) {
	t.Parallel()
	// Table values of Φ (Abramowitz & Stegun, Table 26.1).
	approx(t, "Φ(0)", NormalCDF(0), 0.5, 1e-15)
	approx(t, "Φ(1)", NormalCDF(1), 0.8413447460685429, 1e-12)
	approx(t, "Φ(−1.96)", NormalCDF(-1.96), 0.024997895148220435, 1e-12)
	approx(t, "Φ(Z975)", NormalCDF(Z975), 0.975, 1e-12)
	approx(t, "p(1.96)", TwoSidedP(1.96), 0.04999579029644087, 1e-12)
	approx(t, "p(−2.5758)", TwoSidedP(-2.5758293035489), 0.01, 1e-10)
}

// For integer shape k the gamma distribution function has the closed form
// 1 − Σ_{j<k} e^{−λ} λ^j / j! with λ = rate·x (the Poisson–gamma relation);
// for other shapes the references are Simpson integrals of the density
// (200,000 intervals), all computed in Python from those formulas.
func TestGammaCDF(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ x, shape, rate, want, tol float64 }{
		{1.5, 3, 2, 0.5768099188731565, 1e-12},
		{1.5, 12, 10, 0.8152482009760686, 1e-12},
		{0.5, 1, 1, 1 - math.Exp(-0.5), 1e-14},
		{40, 30, 1, 0.9567713178482644, 1e-12},
		{1.5, 2.5, 2, 0.6937810815867267, 1e-9},
		{1.5, 7.3, 5.1, 0.5990158157647343, 1e-9},
		{0, 2, 1, 0, 0},
		{-1, 2, 1, 0, 0},
		{math.Inf(1), 2, 1, 1, 0},
	} {
		approx(t, "GammaCDF", GammaCDF(tc.x, tc.shape, tc.rate), tc.want, tc.tol)
	}
	if !math.IsNaN(GammaCDF(1, 0, 1)) || !math.IsNaN(GammaCDF(1, 1, -1)) {
		t.Error("bad parameters must give NaN")
	}
}

// Marshall's moments on four areas, worked by hand: m = 42/35 = 1.2,
// s² = (1·0.8² + 10·0.2² + 20·0.3² + 4·1.2²)/35 = 8.6/35, Ē = 35/4,
// A = s² − m/Ē = 0.245714… − 0.137142… = 0.108571…
func TestGammaPoissonMoments(t *testing.T) {
	t.Parallel()
	g := GammaPoissonMoments([]float64{2, 10, 30, 0, 5}, []float64{1, 10, 20, 4, 0})
	approx(t, "mean", g.Mean, 1.2, 1e-12)
	approx(t, "variance", g.Variance, 8.6/35-1.2/(35.0/4), 1e-12)
	approx(t, "shape", g.Shape, 13.263157894736839, 1e-9)
	approx(t, "rate", g.Rate, 11.052631578947365, 1e-9)
	// Posterior of the first area: Gamma(α + 2, β + 1).
	approx(t, "posterior mean", g.PosteriorMean(2, 1), (g.Shape+2)/(g.Rate+1), 1e-12)
	approx(t, "exceeds", g.PosteriorExceeds(1.5, 2, 1), 1-GammaCDF(1.5, g.Shape+2, g.Rate+1), 1e-12)

	// Counts exactly proportional to expectation: no spread beyond Poisson
	// noise, so every area shrinks all the way to the mean.
	flat := GammaPoissonMoments([]float64{10, 20, 30}, []float64{10, 20, 30})
	if flat.Variance != 0 || !math.IsInf(flat.Shape, 1) || flat.PosteriorMean(2, 0.1) != 1 ||
		flat.PosteriorExceeds(1.5, 50, 1) != 0 {
		t.Errorf("flat prior %+v", flat)
	}
	if g := GammaPoissonMoments([]float64{1}, []float64{0}); !math.IsNaN(g.Mean) {
		t.Errorf("no expectation: %+v", g)
	}
}

// Student's t against published table values (Abramowitz & Stegun, table
// 26.10; R's qt and pt give the same digits) and against its limits: df 1
// is Cauchy, whose tails are known in closed form, and a large df is normal.
func TestStudentT(t *testing.T) {
	t.Parallel()
	quantiles := []struct{ p, df, want float64 }{
		{0.975, 1, 12.706204736174707}, {0.975, 2, 4.302652729749464}, {0.975, 5, 2.570581835636314},
		{0.975, 10, 2.228138851986274}, {0.975, 30, 2.042272456301238}, {0.975, 120, 1.979930405082423},
		{0.95, 10, 1.812461122811676}, {0.995, 20, 2.845339709786209}, {0.025, 10, -2.228138851986274},
	}
	for _, q := range quantiles {
		if got := TQuantile(q.p, q.df); math.Abs(got-q.want) > 1e-9*math.Abs(q.want) {
			t.Errorf("TQuantile(%v, %v) = %.15g, want %.15g", q.p, q.df, got, q.want)
		}
		if got := TwoSidedPT(q.want, q.df); math.Abs(got-2*math.Min(q.p, 1-q.p)) > 1e-12 {
			t.Errorf("TwoSidedPT(%v, %v) = %v, want %v", q.want, q.df, got, 2*math.Min(q.p, 1-q.p))
		}
	}
	// Cauchy: P(|T| > t) = 1 − (2/π) atan t.
	for _, x := range []float64{0.1, 1, 3, 50} {
		if got, want := TwoSidedPT(x, 1), 1-2/math.Pi*math.Atan(x); math.Abs(got-want) > 1e-13 {
			t.Errorf("TwoSidedPT(%v, 1) = %v, want %v", x, got, want)
		}
	}
	// df → ∞ is the normal.
	if got, want := TwoSidedPT(1.96, 1e7), TwoSidedP(1.96); math.Abs(got-want) > 1e-7 {
		t.Errorf("TwoSidedPT(1.96, 1e7) = %v, normal %v", got, want)
	}
	if TwoSidedPT(0, 8) != 1 || !math.IsNaN(TwoSidedPT(1, 0)) || !math.IsNaN(TQuantile(1, 5)) {
		t.Error("edge values")
	}
}
