package layout

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
)

// An evaluation reports its p-value and dispersion to three significant
// digits, however small: six fixed decimals read 1.6e-6 as 2e-6 and 4e-7 as 0.
func TestEvaluationReportSignificant(t *testing.T) {
	t.Parallel()
	cases := []struct {
		p, disp     float64
		wantP, wasP string // as the JSON writes it, and what six decimals made of it
		wantDisp    string
	}{
		{1.6e-6, 1.23456, `"p_value":0.0000016`, `"p_value":0.000002`, `"dispersion":1.23`},
		{4e-7, 0.98765, `"p_value":4e-7`, `"p_value":0`, `"dispersion":0.988`},
		{0.0123456, 2.5, `"p_value":0.0123`, `"p_value":0.012346`, `"dispersion":2.5`},
		{0.5, 1, `"p_value":0.5`, `"p_value":0.5`, `"dispersion":1`},
	}
	for _, c := range cases {
		var ev Evaluation
		ev.report(Estimate{RateRatio: 0.5123456789, CILow: 0.41234567, CIHigh: 0.6, PValue: c.p, EffectPct: -48.76543, Dispersion: c.disp})
		b, err := json.Marshal(ev)
		if err != nil {
			t.Fatal(err)
		}
		s := string(b)
		for _, want := range []string{c.wantP, c.wantDisp, `"rate_ratio":0.512346`, `"ci_low":0.412346`, `"effect_pct":-48.77`} {
			if !strings.Contains(s, want) {
				t.Errorf("p %v: %s lacks %s", c.p, s, want)
			}
		}
		if c.wantP != c.wasP && strings.Contains(s, c.wasP+",") {
			t.Errorf("p %v still reads %s", c.p, c.wasP)
		}
	}
}

// A strong effect on real counts: the p-value reported is the fit's to three
// significant digits, not zero.
func TestEvaluationSmallPValue(t *testing.T) {
	t.Parallel()
	var s []SeriesRow
	s = append(s, rows("treated", "before", []int64{30, 28, 33, 31, 29, 32, 30, 31, 29, 30}, 1000)...)
	s = append(s, rows("treated", "after", []int64{10, 12, 9, 11, 10, 8, 12, 10, 11, 9}, 1000)...)
	s = append(s, rows("control", "before", []int64{40, 42, 39, 41, 38, 40, 40, 41, 39, 40}, 2000)...)
	s = append(s, rows("control", "after", []int64{41, 39, 40, 42, 40, 38, 40, 39, 41, 40}, 2000)...)
	est := Fit(s)
	if !(est.PValue > 0 && est.PValue < 5e-7) {
		t.Fatalf("p %v: want a p below 5e-7 for this test to mean anything", est.PValue)
	}
	var ev Evaluation
	ev.report(est)
	if ev.PValue == nil || *ev.PValue == 0 || math.Abs(*ev.PValue-est.PValue) > 0.005*est.PValue {
		t.Errorf("reported p %v for a fitted %v", ev.PValue, est.PValue)
	}
}
