package stats

import (
	"math"
	"testing"
)

func approx(t *testing.T, name string, got, want, tol float64) {
	t.Helper()
	if math.Abs(got-want) > tol {
		t.Errorf("%s = %.12g, want %.12g (±%g)", name, got, want, tol)
	}
}

// didDays is a 14-day, two-group before/after series (7 days each):
// treated and control counts with their visitors.
var didDays = struct{ yT, yC, vT, vC []float64 }{
	yT: []float64{5, 3, 6, 4, 7, 2, 5, 2, 1, 3, 2, 0, 4, 1},
	yC: []float64{8, 6, 9, 7, 11, 5, 6, 7, 9, 6, 8, 10, 5, 7},
	vT: []float64{410, 380, 450, 400, 520, 300, 390, 420, 370, 460, 410, 350, 480, 300},
	vC: []float64{800, 760, 900, 820, 1000, 640, 700, 780, 850, 760, 830, 900, 700, 720},
}

// didDesign lays didDays out as rows [1, treated, after, treated×after]
// (plus a weekend column when weekend is set) with log visitors as offset.
func didDesign(weekend bool) (x [][]float64, y, off []float64) {
	d := didDays
	for i := range d.yT {
		after := 0.0
		if i >= 7 {
			after = 1
		}
		we := 0.0
		if i%7 >= 5 {
			we = 1
		}
		rt := []float64{1, 1, after, after}
		rc := []float64{1, 0, after, 0}
		if weekend {
			rt, rc = append(rt, we), append(rc, we)
		}
		x = append(x, rt, rc)
		y = append(y, d.yT[i], d.yC[i])
		off = append(off, math.Log(d.vT[i]), math.Log(d.vC[i]))
	}
	return x, y, off
}

// The 2×2 aggregated case has a closed form: the model is saturated on the
// cell totals, so β̂ are log rate ratios of the cells and the variance of
// the interaction is Σ 1/y over the four cells (Agresti, Categorical Data
// Analysis, 3rd ed., §3.1). With daily rows the cell totals are still
// sufficient, so the daily fit must give the same β̂ and model SEs.
func TestFitPoissonClosedForm2x2(t *testing.T) {
	t.Parallel()
	d := didDays
	sum := func(xs []float64, lo, hi int) (s float64) {
		for _, v := range xs[lo:hi] {
			s += v
		}
		return s
	}
	y00, y01 := sum(d.yC, 0, 7), sum(d.yC, 7, 14) // control before, after
	y10, y11 := sum(d.yT, 0, 7), sum(d.yT, 7, 14) // treated before, after
	v00, v01 := sum(d.vC, 0, 7), sum(d.vC, 7, 14)
	v10, v11 := sum(d.vT, 0, 7), sum(d.vT, 7, 14)
	r := func(y, v float64) float64 { return math.Log(y / v) }
	want := []float64{r(y00, v00), r(y10, v10) - r(y00, v00), r(y01, v01) - r(y00, v00),
		r(y11, v11) - r(y10, v10) - r(y01, v01) + r(y00, v00)}
	wantSE := []float64{math.Sqrt(1 / y00), math.Sqrt(1/y00 + 1/y10), math.Sqrt(1/y00 + 1/y01),
		math.Sqrt(1/y00 + 1/y01 + 1/y10 + 1/y11)}

	agg, err := FitPoisson([][]float64{{1, 0, 0, 0}, {1, 0, 1, 0}, {1, 1, 0, 0}, {1, 1, 1, 1}},
		[]float64{y00, y01, y10, y11}, []float64{math.Log(v00), math.Log(v01), math.Log(v10), math.Log(v11)})
	if err != nil {
		t.Fatal(err)
	}
	x, y, off := didDesign(false)
	daily, err := FitPoisson(x, y, off)
	if err != nil {
		t.Fatal(err)
	}
	for j := range want {
		approx(t, "aggregated coef", agg.Coef[j], want[j], 1e-9)
		approx(t, "aggregated se", agg.SE[j], wantSE[j], 1e-9)
		approx(t, "daily coef", daily.Coef[j], want[j], 1e-9)
		approx(t, "daily se", daily.SE[j], wantSE[j], 1e-9)
	}
	if agg.DF != 0 || !math.IsNaN(agg.Dispersion) {
		t.Errorf("saturated 2×2: df %d dispersion %v, want 0 and NaN", agg.DF, agg.Dispersion)
	}
	approx(t, "saturated deviance", agg.Deviance, 0, 1e-9)
}

// Reference values for the daily fits come from an independent
// Newton–Raphson on the Poisson log-likelihood with Gauss–Jordan inversion,
// written in plain Python from the score and information formulas
// (U = Xᵀ(y − μ), I = XᵀWX), iterated until the step is below 1e-15.
func TestFitPoissonDailyReference(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name           string
		weekend        bool
		coef, se       []float64
		chi2, phi, qse float64
	}{
		{"did", false,
			[]float64{-4.68284322430631, 0.19350485384333974, 0.014337163146407457, -0.8938463100373119},
			[]float64{0.1386750490563073, 0.2246792585682293, 0.196116135138184, 0.3829289952257668},
			7.110629125754988, 0.2962762135731245, 0.20843307948813034},
		{"did+weekend", true,
			[]float64{-4.664960748981091, 0.19378270010070675, 0.01569140194115781, -0.8923606248758312, -0.07724074748334178},
			[]float64{0.1453188643118106, 0.22468029076333337, 0.1961442561049536, 0.38294639741876857, 0.19331866044454277},
			7.01779967659649, 0.3051217250694126, 0.21153125876891343},
	} {
		x, y, off := didDesign(tc.weekend)
		f, err := FitPoisson(x, y, off)
		if err != nil {
			t.Fatal(tc.name, err)
		}
		for j := range tc.coef {
			approx(t, tc.name+" coef", f.Coef[j], tc.coef[j], 1e-6)
			approx(t, tc.name+" se", f.SE[j], tc.se[j], 1e-6)
		}
		approx(t, tc.name+" pearson", f.PearsonChi2, tc.chi2, 1e-6)
		approx(t, tc.name+" dispersion", f.Dispersion, tc.phi, 1e-6)
		approx(t, tc.name+" quasi se", f.QuasiSE(3), tc.qse, 1e-6)
		if f.DF != len(y)-len(tc.coef) {
			t.Errorf("%s df %d", tc.name, f.DF)
		}
	}
}

func TestFitPoissonDegenerate(t *testing.T) {
	t.Parallel()
	// A cell with no counts: its coefficient runs off to −∞.
	_, err := FitPoisson([][]float64{{1, 0}, {1, 0}, {1, 1}, {1, 1}}, []float64{3, 4, 0, 0}, nil)
	if err == nil {
		t.Error("all-zero cell: no error")
	}
	// Repeated column.
	if _, err := FitPoisson([][]float64{{1, 1}, {1, 1}, {1, 1}}, []float64{1, 2, 3}, nil); err == nil {
		t.Error("singular design: no error")
	}
	if _, err := FitPoisson([][]float64{{1}}, []float64{-1}, nil); err == nil {
		t.Error("negative count: no error")
	}
	// Intercept only: β̂ = log ȳ, SE = 1/sqrt(Σy).
	f, err := FitPoisson([][]float64{{1}, {1}, {1}}, []float64{2, 4, 9}, nil)
	if err != nil {
		t.Fatal(err)
	}
	approx(t, "intercept", f.Coef[0], math.Log(5), 1e-12)
	approx(t, "intercept se", f.SE[0], 1/math.Sqrt(15), 1e-12)
	// Pearson χ² = Σ (y − 5)²/5 = (9 + 1 + 16)/5, over 2 df.
	approx(t, "dispersion", f.Dispersion, 26.0/5/2, 1e-12)
}
