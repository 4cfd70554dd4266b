package layout

import (
	"math"

	"github.com/shrinkscope/shrinkscope/internal/stats"
)

// Evaluation methods, as an evaluation names them in method.
const (
	MethodDiD         = "difference_in_differences"
	MethodBeforeAfter = "before_after_no_controls"
)

// Verdicts of an evaluation.
const (
	VerdictImproved     = "improved"
	VerdictNoChange     = "no_clear_change"
	VerdictWorse        = "worse"
	VerdictPending      = "pending"
	VerdictInsufficient = "insufficient_data"
)

// SeriesRow is one local day of one group in one period: what the model is
// fitted to.
type SeriesRow struct {
	Date     string `json:"date"`
	Group    string `json:"group"`  // treated | control
	Period   string `json:"period"` // before | after
	Events   int64  `json:"events"`
	Visitors int64  `json:"visitors"`
}

// Estimate is the fitted effect of a change on the treated zones' rate.
type Estimate struct {
	Method     string
	LogRR      float64 // the treated × after coefficient (or after, without controls)
	SE         float64 // its quasi-Poisson standard error
	RateRatio  float64
	CILow      float64
	CIHigh     float64
	PValue     float64
	EffectPct  float64 // 100 (rate ratio − 1)
	Dispersion float64 // Pearson χ² / residual df
	Verdict    string
	Reason     string // why there is no estimate, when Verdict is insufficient_data
}

// Fit estimates a change's effect from its series (rows with visitors > 0;
// the caller leaves out days without footfall). With control rows it fits
//
//	log E[events] = log(visitors) + β0 + β1·treated + β2·after + β3·treated·after
//
// — the difference-in-differences of log rates (Wing, Simon & Bello-Gomez,
// "Designing difference in difference studies", Annual Review of Public
// Health 39, 2018) — by Poisson IRLS; exp(β3) is the rate ratio. Without
// control rows it fits log E = log(visitors) + β0 + β1·after on the treated
// rows and reports exp(β1): a before/after ratio that cannot tell the change
// from whatever else moved the store's rate. The standard error is scaled
// by the quasi-Poisson dispersion; the interval and p-value are Wald's,
// referred to Student's t on the fit's residual degrees of freedom.
func Fit(series []SeriesRow) Estimate {
	hasControl := false
	for _, r := range series {
		if r.Group == "control" {
			hasControl = true
			break
		}
	}
	est := Estimate{Method: MethodDiD}
	if !hasControl {
		est.Method = MethodBeforeAfter
	}
	var cells [2][2]int64 // [treated][after]
	x := make([][]float64, 0, len(series))
	y := make([]float64, 0, len(series))
	off := make([]float64, 0, len(series))
	for _, r := range series {
		if r.Visitors <= 0 {
			continue
		}
		t, a := 0, 0
		if r.Group == "treated" {
			t = 1
		}
		if r.Period == "after" {
			a = 1
		}
		cells[t][a] += r.Events
		if hasControl {
			x = append(x, []float64{1, float64(t), float64(a), float64(t * a)})
		} else {
			x = append(x, []float64{1, float64(a)})
		}
		y = append(y, float64(r.Events))
		off = append(off, math.Log(float64(r.Visitors)))
	}
	coef := 1
	need := [][2]int{{1, 0}, {1, 1}}
	if hasControl {
		coef = 3
		need = append(need, [2]int{0, 0}, [2]int{0, 1})
	}
	for _, c := range need {
		if cells[c[0]][c[1]] == 0 {
			est.Verdict = VerdictInsufficient
			est.Reason = "a group had no events in one of the windows, so its rate cannot be compared"
			return est
		}
	}
	if len(y) <= len(x[0]) {
		est.Verdict = VerdictInsufficient
		est.Reason = "too few days with footfall to estimate the dispersion"
		return est
	}
	f, err := stats.FitPoisson(x, y, off)
	if err != nil {
		est.Verdict = VerdictInsufficient
		est.Reason = err.Error()
		return est
	}
	est.LogRR = f.Coef[coef]
	est.SE = f.QuasiSE(coef)
	est.Dispersion = f.Dispersion
	est.RateRatio = math.Exp(est.LogRR)
	// The dispersion is estimated from the same days, so the Wald
	// statistic is referred to Student's t on the residual degrees of
	// freedom (days with footfall less coefficients), as for any
	// quasi-likelihood fit; with many days it is the normal.
	df := float64(len(y) - len(x[0]))
	q := stats.TQuantile(0.975, df)
	est.CILow = math.Exp(est.LogRR - q*est.SE)
	est.CIHigh = math.Exp(est.LogRR + q*est.SE)
	est.PValue = stats.TwoSidedPT(est.LogRR/est.SE, df)
	est.EffectPct = 100 * (est.RateRatio - 1)
	switch {
	case est.CIHigh < 1:
		est.Verdict = VerdictImproved
	case est.CILow > 1:
		est.Verdict = VerdictWorse
	default:
		est.Verdict = VerdictNoChange
	}
	return est
}
