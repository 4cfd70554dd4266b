package layout

import (
	"math"
	"slices"
	"strings"
	"testing"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/internal/stats"
)

func rows(group, period string, counts []int64, visitors int64) []SeriesRow {
	var out []SeriesRow
	for i, c := range counts {
		out = append(out, SeriesRow{Date: string(rune('a' + i)), Group: group, Period: period, Events: c, Visitors: visitors})
	}
	return out
}

// With equal visitors every day, the DiD rate ratio is the ratio of cell
// totals: (Σ treated after / Σ treated before) / (Σ control after / Σ control before).
func TestFitDiD(t *testing.T) {
	t.Parallel()
	var s []SeriesRow
	s = append(s, rows("treated", "before", []int64{10, 12, 9, 11, 13, 10, 12}, 1000)...)
	s = append(s, rows("treated", "after", []int64{5, 4, 6, 5, 3, 6, 5}, 1000)...)
	s = append(s, rows("control", "before", []int64{20, 22, 19, 21, 18, 20, 20}, 2000)...)
	s = append(s, rows("control", "after", []int64{21, 19, 20, 22, 20, 18, 20}, 2000)...)
	s = append(s, SeriesRow{Group: "control", Period: "after", Events: 3, Visitors: 0}) // no footfall: left out
	e := Fit(s)
	want := (34.0 / 77) / (140.0 / 140)
	if e.Method != MethodDiD || math.Abs(e.RateRatio-want) > 1e-9 {
		t.Fatalf("rate ratio %v (%s), want %v", e.RateRatio, e.Method, want)
	}
	// The model SE of the interaction is sqrt(Σ 1/cell total) (saturated on
	// the cells); the reported one is scaled by sqrt(dispersion).
	se := math.Sqrt(1.0/77 + 1.0/34 + 1.0/140 + 1.0/140)
	phiSE := e.SE / math.Sqrt(e.Dispersion)
	if math.Abs(phiSE-se) > 1e-9 {
		t.Errorf("model SE %v, want %v", phiSE, se)
	}
	if e.Verdict != VerdictImproved || !(e.CIHigh < 1) || e.PValue > 0.05 {
		t.Errorf("%+v", e)
	}
	if math.Abs(e.EffectPct-100*(want-1)) > 1e-9 {
		t.Errorf("effect %v", e.EffectPct)
	}
	// p-value and interval are the Wald statistic's under Student's t on
	// 28 days − 4 coefficients = 24 degrees of freedom (t at 97.5% is
	// 2.0638985616280205 for 24, from the t table; R's qt gives the same).
	const t24 = 2.0638985616280205
	if z := e.LogRR / e.SE; math.Abs(e.PValue-stats.TwoSidedPT(z, 24)) > 1e-12 || math.Abs(e.CILow-math.Exp(e.LogRR-t24*e.SE)) > 1e-9 ||
		math.Abs(e.CIHigh-math.Exp(e.LogRR+t24*e.SE)) > 1e-9 {
		t.Errorf("p %v ci %v–%v", e.PValue, e.CILow, e.CIHigh)
	}
	// Wider than the normal interval, as it must be with the dispersion estimated.
	if !(e.CILow < math.Exp(e.LogRR-stats.Z975*e.SE)) || !(e.PValue > stats.TwoSidedP(e.LogRR/e.SE)) {
		t.Errorf("t interval %v–%v, p %v, not wider than the normal's", e.CILow, e.CIHigh, e.PValue)
	}
}

func TestFitFallbacks(t *testing.T) {
	t.Parallel()
	var s []SeriesRow
	s = append(s, rows("treated", "before", []int64{10, 12, 9, 11}, 1000)...)
	s = append(s, rows("treated", "after", []int64{14, 13, 15, 12}, 1000)...)
	e := Fit(s)
	if e.Method != MethodBeforeAfter || math.Abs(e.RateRatio-54.0/42) > 1e-9 {
		t.Errorf("no controls: %+v, want before/after ratio %v", e, 54.0/42)
	}
	// Same rates before and after: no clear change.
	s = append(s[:0], rows("treated", "before", []int64{10, 12, 9, 11}, 1000)...)
	s = append(s, rows("treated", "after", []int64{11, 10, 12, 9}, 1000)...)
	s = append(s, rows("control", "before", []int64{30, 28, 31, 29}, 3000)...)
	s = append(s, rows("control", "after", []int64{29, 31, 30, 28}, 3000)...)
	if e := Fit(s); e.Verdict != VerdictNoChange {
		t.Errorf("flat: %+v", e)
	}
	// Treated zones with no events after: no estimate, said so.
	s = append(s[:0], rows("treated", "before", []int64{3, 2}, 100)...)
	s = append(s, rows("treated", "after", []int64{0, 0}, 100)...)
	s = append(s, rows("control", "before", []int64{30, 28}, 3000)...)
	s = append(s, rows("control", "after", []int64{29, 31}, 3000)...)
	if e := Fit(s); e.Verdict != VerdictInsufficient || e.Reason == "" {
		t.Errorf("empty cell: %+v", e)
	}
	// A worse rate.
	s = append(s[:0], rows("treated", "before", []int64{10, 12, 9, 11, 10, 11}, 1000)...)
	s = append(s, rows("treated", "after", []int64{25, 22, 27, 24, 26, 23}, 1000)...)
	s = append(s, rows("control", "before", []int64{30, 28, 31, 29, 30, 30}, 3000)...)
	s = append(s, rows("control", "after", []int64{29, 31, 30, 28, 30, 30}, 3000)...)
	if e := Fit(s); e.Verdict != VerdictWorse {
		t.Errorf("worse: %+v", e)
	}
}

// A zone with 2 events on little footfall has the highest raw rate but must
// not outrank a zone with steady high counts.
func TestRankHotspotsShrinksSmallSamples(t *testing.T) {
	t.Parallel()
	zones := []ZoneCount{
		{Zone: "quiet", Events: 2, Visitors: 150},
		{Zone: "steady", Events: 90, Visitors: 20000},
		{Zone: "a", Events: 40, Visitors: 20000},
		{Zone: "b", Events: 35, Visitors: 18000},
		{Zone: "c", Events: 45, Visitors: 22000},
		{Zone: "none", Events: 0, Visitors: 0},
	}
	ranked, rate, shape := RankHotspots(zones)
	// Store rate over zones with footfall: 212 / 80150.
	if math.Abs(rate-212.0/80150) > 1e-15 {
		t.Errorf("store rate %v", rate)
	}
	byZone := map[string]Hotspot{}
	for _, h := range ranked {
		byZone[h.Zone] = h
	}
	q, s := byZone["quiet"], byZone["steady"]
	if !(*q.RawIndex > *s.RawIndex) {
		t.Fatalf("the test needs quiet's raw rate above steady's: %v %v", *q.RawIndex, *s.RawIndex)
	}
	if ranked[0].Zone != "steady" || !(q.Rank > s.Rank) || !(*q.ProbHot < *s.ProbHot) {
		t.Errorf("ranking %+v", ranked)
	}
	// Posterior mean by hand: (e + α) / (E + α) with the fitted α.
	e, E := 90.0, 20000*212.0/80150
	if math.Abs(*s.Index-(e+shape)/(E+shape)) > 1e-12 {
		t.Errorf("steady index %v, want %v", *s.Index, (e+shape)/(E+shape))
	}
	if last := ranked[len(ranked)-1]; last.Zone != "none" || last.Index != nil {
		t.Errorf("zone without footfall: %+v", last)
	}
}

// Pooling by hand: prior log 0.8 with sd 0.25 (weight 16), two changes at
// log 0.5 and log 0.6 with SE 0.1 (weight 100 each).
func TestPoolEffect(t *testing.T) {
	t.Parallel()
	mu := (16*math.Log(0.8) + 100*math.Log(0.5) + 100*math.Log(0.6)) / 216
	sd := 1 / math.Sqrt(216)
	e := PoolEffect(Prior{0.8, 0.25}, []float64{math.Log(0.5), math.Log(0.6), 0}, []float64{0.1, 0.1, 0})
	if e.BasedOn != 2 || math.Abs(e.RateRatio-math.Exp(mu)) > 1e-4 || math.Abs(e.Low-math.Exp(mu-1.959963984540054*sd)) > 1e-4 ||
		math.Abs(e.High-math.Exp(mu+1.959963984540054*sd)) > 1e-4 {
		t.Errorf("pooled %+v, want %v", e, math.Exp(mu))
	}
	if p := PoolEffect(Prior{0.8, 0.25}, nil, nil); p.RateRatio != 0.8 || p.BasedOn != 0 {
		t.Errorf("no evidence: %+v", p)
	}
}

func TestSuggest(t *testing.T) {
	t.Parallel()
	f := func(v float64) *float64 { return &v }
	zones := []ss.Zone{
		{Code: "Z1", Kind: ss.KindAisle, Category: "spirits", UnitValue: 30, Visibility: ss.VisibilityBlind, StaffedDistance: 20},
		{Code: "Z2", Kind: ss.KindAisle, Category: "grocery", UnitValue: 5, StaffedDistance: 3},
		{Code: "Z3", Kind: ss.KindAisle, Category: "household", UnitValue: 6, StaffedDistance: 12},
		{Code: "Z4", Kind: ss.KindCheckout, Category: "confectionery", UnitValue: 3},
	}
	ranked := []Hotspot{
		{Zone: "Z1", Events: 60, Visitors: 10000, RatePer1k: f(6), Index: f(2.4), ProbHot: f(0.99), EstLoss: 1800},
		{Zone: "Z3", Events: 20, Visitors: 10000, RatePer1k: f(2), Index: f(0.9), ProbHot: f(0.01)},
		{Zone: "Z2", Events: 10, Visitors: 10000, RatePer1k: f(1), Index: f(0.5), ProbHot: f(0)},
	}
	got := Suggest(zones, ranked, 2.5, nil, "Over the 28 days 1 Nov – 28 Nov 2026", "GBP")
	kinds := map[string][]string{}
	for _, s := range got {
		kinds[s.Kind] = s.Zones
	}
	if len(got) != 3 || kinds[KindSightlines] == nil || len(kinds[KindSwap]) != 2 || kinds[KindSwap][1] != "Z2" || kinds[KindProtective] == nil {
		t.Errorf("suggestions %+v", got)
	}
	for _, s := range got {
		for _, n := range []string{"Over the 28 days 1 Nov – 28 Nov 2026", "Z1", "6.00 per 1,000", "hotspot index 2.40", "99%", "£1,800.00", "£30.00 a unit"} {
			if !strings.Contains(s.Rationale, n) {
				t.Errorf("rationale %q lacks %q", s.Rationale, n)
			}
		}
	}
}

// BenchmarkFit is one evaluation fit: 56 days (28 before, 28 after) of a
// treated and a control group.
func BenchmarkFit(b *testing.B) {
	var s []SeriesRow
	for d := 0; d < 56; d++ {
		period := "before"
		if d >= 28 {
			period = "after"
		}
		s = append(s, SeriesRow{Group: "treated", Period: period, Events: int64(8 + d%5), Visitors: int64(3000 + 40*(d%7))},
			SeriesRow{Group: "control", Period: period, Events: int64(20 + d%7), Visitors: int64(9000 + 90*(d%5))})
	}
	// The baseline is the closed form of the 2×2 aggregated case: one pass
	// summing the cells and four logarithms, the least any fit must do.
	b.Run("irls", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if e := Fit(s); e.Verdict == VerdictInsufficient {
				b.Fatal(e.Reason)
			}
		}
	})
	b.Run("baseline_cell_totals", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var y, v [2][2]float64
			for _, r := range s {
				g, p := 0, 0
				if r.Group == "treated" {
					g = 1
				}
				if r.Period == "after" {
					p = 1
				}
				y[g][p] += float64(r.Events)
				v[g][p] += float64(r.Visitors)
			}
			sink = math.Log(y[1][1]/v[1][1]) - math.Log(y[1][0]/v[1][0]) - math.Log(y[0][1]/v[0][1]) + math.Log(y[0][0]/v[0][0])
		}
	})
}

var sink float64

func TestRemedyRules(t *testing.T) {
	t.Parallel()
	f := func(v float64) *float64 { return &v }
	hotspot := func(code string) Hotspot {
		return Hotspot{Zone: code, Events: 40, Visitors: 8000, RatePer1k: f(5), Index: f(2.2), ProbHot: f(0.95), EstLoss: 900}
	}
	cold := []Hotspot{
		{Zone: "C1", Events: 3, Visitors: 8000, RatePer1k: f(0.4), Index: f(0.3), ProbHot: f(0)},
		{Zone: "C2", Events: 3, Visitors: 8000, RatePer1k: f(0.4), Index: f(0.3), ProbHot: f(0)},
	}
	base := []ss.Zone{
		{Code: "C1", Kind: ss.KindAisle, Category: "grocery", UnitValue: 4, StaffedDistance: 3},
		{Code: "C2", Kind: ss.KindAisle, Category: "bakery", UnitValue: 3, StaffedDistance: 30},
	}
	rr := 0.97
	for _, c := range []struct {
		name    string
		zone    ss.Zone
		ev      Evidence
		want    []string // kinds proposed, in order
		notWant []string
		says    string
	}{
		{"high value on open shelves", ss.Zone{Code: "Z", Kind: ss.KindAisle, Category: "spirits", UnitValue: 30, StaffedDistance: 5},
			Evidence{Methods: map[ss.Method]int64{ss.MethodBag: 30, ss.MethodPocket: 10}}, []string{KindProtective}, nil, "open shelf fixtures"},
		{"a fitting room never gets locks", ss.Zone{Code: "Z", Kind: ss.KindFitting, Category: "womenswear", UnitValue: 30, StaffedDistance: 5},
			Evidence{Methods: map[ss.Method]int64{ss.MethodClothing: 40}}, []string{KindStaff}, []string{KindProtective}, "cannot be locked"},
		{"nor a service counter", ss.Zone{Code: "Z", Kind: ss.KindCounter, Category: "cosmetics", UnitValue: 30, StaffedDistance: 5},
			Evidence{}, []string{KindStaff}, []string{KindProtective}, ""},
		{"concealed under clothing: no locks", ss.Zone{Code: "Z", Kind: ss.KindAisle, Category: "menswear", UnitValue: 30, StaffedDistance: 5},
			Evidence{Methods: map[ss.Method]int64{ss.MethodClothing: 30, ss.MethodBag: 5}}, []string{KindStaff}, []string{KindProtective}, ""},
		{"hit in the quiet hours", ss.Zone{Code: "Z", Kind: ss.KindAisle, Category: "razors", UnitValue: 30, StaffedDistance: 5},
			Evidence{QuietShare: 0.7, QuietVisitors: 0.2}, []string{KindStaff, KindProtective}, nil, "70% of its concealments came in the store's quietest hours, which bring 20%"},
		{"pockets, cheap goods: signage", ss.Zone{Code: "Z", Kind: ss.KindAisle, Category: "confectionery", UnitValue: 4, StaffedDistance: 5},
			Evidence{Methods: map[ss.Method]int64{ss.MethodPocket: 20, ss.MethodSleeve: 5, ss.MethodBag: 5}}, []string{KindSignage}, []string{KindProtective}, "83% of its concealments went into a pocket or sleeve"},
		{"a blind spot", ss.Zone{Code: "Z", Kind: ss.KindAisle, Category: "spirits", UnitValue: 30, StaffedDistance: 5, Visibility: ss.VisibilityBlind},
			Evidence{}, []string{KindSightlines, KindProtective}, nil, "blind spot"},
		{"far from staff: swap with a cold zone near staff", ss.Zone{Code: "Z", Kind: ss.KindAisle, Category: "spirits", UnitValue: 30, StaffedDistance: 20},
			Evidence{}, []string{KindSwap, KindProtective}, []string{KindRelocate}, "swap its spirits with the grocery of C1"},
		{"locks that worked are not proposed again", ss.Zone{Code: "Z", Kind: ss.KindAisle, Category: "spirits", UnitValue: 30, StaffedDistance: 5},
			Evidence{Tried: []Tried{{Kind: KindProtective, Verdict: VerdictImproved, ImplementedAt: "2026-10-03"}}}, nil, []string{KindProtective}, ""},
		{"nor locks not yet measured", ss.Zone{Code: "Z", Kind: ss.KindAisle, Category: "spirits", UnitValue: 30, StaffedDistance: 5},
			Evidence{Tried: []Tried{{Kind: KindProtective, Verdict: VerdictPending, ImplementedAt: "2026-11-20"}}}, nil, []string{KindProtective}, ""},
		{"locks that did nothing: another kind, naming them", ss.Zone{Code: "Z", Kind: ss.KindAisle, Category: "spirits", UnitValue: 30, StaffedDistance: 5},
			Evidence{Tried: []Tried{{Kind: KindProtective, Verdict: VerdictNoChange, ImplementedAt: "2026-10-03", RateRatio: &rr}}},
			[]string{KindStaff}, []string{KindProtective}, "protective fixtures was tried on 2026-10-03 and measured no clear change (rate ×0.97), so another kind is proposed"},
	} {
		t.Run(c.name, func(t *testing.T) {
			zones := append([]ss.Zone{c.zone}, base...)
			ranked := append([]Hotspot{hotspot("Z")}, cold...)
			got := Suggest(zones, ranked, 1.2, map[string]Evidence{"Z": c.ev}, "Over the 28 days 1 Nov – 28 Nov 2026", "")
			var kinds []string
			for _, s := range got {
				kinds = append(kinds, s.Kind)
				if c.says != "" && !strings.Contains(s.Rationale, c.says) && s.Kind == got[0].Kind {
					t.Errorf("%s rationale %q lacks %q", s.Kind, s.Rationale, c.says)
				}
			}
			if c.want != nil && !slices.Equal(kinds, c.want) {
				t.Errorf("kinds %v, want %v", kinds, c.want)
			}
			for _, k := range c.notWant {
				if slices.Contains(kinds, k) {
					t.Errorf("proposed %s: %v", k, kinds)
				}
			}
		})
	}
}

func TestCategoryEffectsPoolTowardTheKind(t *testing.T) {
	t.Parallel()
	// Kind: prior ×0.75 (log SD 0.25) and three evaluations, two on
	// spirits (×0.6 and ×0.7, SE 0.2) and one on grocery (×0.9, SE 0.3).
	y := []float64{math.Log(0.6), math.Log(0.7), math.Log(0.9)}
	se := []float64{0.2, 0.2, 0.3}
	kind := PoolEffect(Prior{0.75, 0.25}, y, se)
	// By hand: weights 16, 25, 25, 11.11; the kind's log mean and SD.
	w0, w := 16.0, []float64{25, 25, 1 / 0.09}
	muK := (w0*math.Log(0.75) + w[0]*y[0] + w[1]*y[1] + w[2]*y[2]) / (w0 + w[0] + w[1] + w[2])
	sdK := 1 / math.Sqrt(w0+w[0]+w[1]+w[2])
	if math.Abs(kind.RateRatio-math.Exp(muK)) > 1e-4 {
		t.Fatalf("kind %+v, want ×%.4f", kind, math.Exp(muK))
	}
	// τ² by DerSimonian–Laird over the three: ȳ, Q, then the formula.
	sw := w[0] + w[1] + w[2]
	ybar := (w[0]*y[0] + w[1]*y[1] + w[2]*y[2]) / sw
	q := w[0]*(y[0]-ybar)*(y[0]-ybar) + w[1]*(y[1]-ybar)*(y[1]-ybar) + w[2]*(y[2]-ybar)*(y[2]-ybar)
	tau2 := math.Max(0, (q-2)/(sw-(w[0]*w[0]+w[1]*w[1]+w[2]*w[2])/sw))
	if got := Tau2(y, se); math.Abs(got-tau2) > 1e-12 {
		t.Errorf("τ² %g, want %g", got, tau2)
	}
	// Spirits: its two evaluations on a prior N(μ_kind, sd_kind² + τ²).
	v := sdK*sdK + tau2
	mu := (muK/v + w[0]*y[0] + w[1]*y[1]) / (1/v + w[0] + w[1])
	sd := 1 / math.Sqrt(1/v+w[0]+w[1])
	sp := CategoryEffect(kind, Tau2(y, se), y[:2], se[:2])
	if math.Abs(sp.RateRatio-math.Exp(mu)) > 1e-4 || math.Abs(sp.Low-math.Exp(mu-stats.Z975*sd)) > 1e-4 || sp.BasedOn != 2 {
		t.Errorf("spirits %+v, want ×%.4f (%.4f–)", sp, math.Exp(mu), math.Exp(mu-stats.Z975*sd))
	}
	// Partial pooling: spirits lies between its own evaluations' mean and the kind.
	own := math.Exp((y[0] + y[1]) / 2)
	if !(sp.RateRatio > own && sp.RateRatio < kind.RateRatio) {
		t.Errorf("spirits ×%.4f should lie between its own ×%.4f and the kind's ×%.4f", sp.RateRatio, own, kind.RateRatio)
	}
}
