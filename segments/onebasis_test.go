package segments_test

import (
	"math"
	"testing"
	"time"

	"github.com/google/uuid"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/segments"
)

// A detection store and a SOC store with the same true loss are ranked
// the same. Over March 2026 each has 1,000 entrance visitors a day and 100
// events of 10.00, of which every fifth (20) is a false alarm and the
// other 80 real concealments that nobody stopped.
//
//	SOC store S: every alert reviewed: 20 false_positive, 80 walked_out;
//	  est_loss 800, concealments 80, false share 20/100.
//	Detection store D: a random sample of 40 reviewed (8 false, 32
//	  confirmed), 60 never reviewed (12 false, 48 real): f = 8/40 = 0.2;
//	  est_loss = 32 × 10 + 60 × 10 × (1 − 0.2) = 800; concealments
//	  92 − 60 × 0.2 = 80.
//
// So both stores' every factor is equal, and so are their risk index, tier
// and returns; a third store X (SOC, 50 lost) gives the estate a spread.
// Counted whole, D's unreviewed false alarms would add 120 to its loss and
// 12 to its concealments, and rank it above S.
func TestDetectionAndSOCStoreWithTheSameLossRankTheSame(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	for _, st := range []struct {
		code  string
		model ss.OperatingModel
	}{{"D", ss.ModelDetection}, {"S", ss.ModelSOC}, {"X", ss.ModelSOC}} {
		w.store(st.code, "UTC", st.model, zone("Z1", "food", 10, 0))
	}
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	for d := range 31 {
		for _, code := range []string{"D", "S", "X"} {
			w.footfall(code, "", start.AddDate(0, 0, d).Add(12*time.Hour), 1000)
		}
	}
	var outs []ss.OutcomeInput
	add := func(store string, i int, kind ss.OutcomeKind) {
		at := start.AddDate(0, 0, i%31).Add(time.Duration(9+i/31) * time.Hour)
		id := uuid.Must(uuid.NewV7()).String()
		score := 0.9
		if _, err := w.ing.Events(w.ctx, nil, []ss.EventInput{{ID: id, Store: store, Zone: "Z1", OccurredAt: at.Format(time.RFC3339), Score: &score}}); err != nil {
			t.Fatal(err)
		}
		if kind != "" {
			outs = append(outs, ss.OutcomeInput{Event: id, Outcome: kind, At: at.Add(48 * time.Hour).Format(time.RFC3339)})
		}
	}
	for i := range 100 {
		falseAlarm := i%5 == 0
		switch {
		case i >= 40:
			add("D", i, "") // never reviewed
		case falseAlarm:
			add("D", i, ss.OutcomeFalsePositive)
		default:
			add("D", i, ss.OutcomeConfirmed)
		}
		if falseAlarm {
			add("S", i, ss.OutcomeFalsePositive)
		} else {
			add("S", i, ss.OutcomeWalkedOut)
		}
		if i < 50 {
			add("X", i, ss.OutcomeWalkedOut)
		}
	}
	if _, err := w.ing.Outcomes(w.ctx, nil, outs); err != nil {
		t.Fatal(err)
	}
	w.refresh()

	segs, err := w.seg.Segments(w.ctx, day("2026-01-01"), day("2026-03-31"), nil, segments.Config{})
	if err != nil {
		t.Fatal(err)
	}
	by := map[string]segments.Segment{}
	for _, g := range segs {
		if g.Status != segments.StatusOK {
			t.Fatalf("%s: %s", g.Store, g.Rationale)
		}
		by[g.Store] = g
	}
	d, s, x := by["D"], by["S"], by["X"]
	if math.Abs(*d.RiskIndex-*s.RiskIndex) > 1e-9 || d.Tier != s.Tier || *d.Percentile != *s.Percentile || *d.RiskIndex == *x.RiskIndex {
		t.Errorf("risk: D %v %s, S %v %s, X %v", *d.RiskIndex, d.Tier, *s.RiskIndex, s.Tier, *x.RiskIndex)
	}
	for _, f := range []string{segments.FactorRate, segments.FactorLoss} {
		if math.Abs(d.Factors[f]-s.Factors[f]) > 1e-9 {
			t.Errorf("factor %s: D %v, S %v", f, d.Factors[f], s.Factors[f])
		}
	}
	// 800 a month of 31 days, a year: 800 × 365 / 31 = 9,419.35.
	if d.Basis.FalseShare != 0.2 || s.Basis.FalseShare != 0.2 || d.Basis.ConcealedPerYear != 9419.35 || s.Basis.ConcealedPerYear != 9419.35 {
		t.Errorf("basis D %+v, S %+v", *d.Basis, *s.Basis)
	}
	for _, m := range []ss.OperatingModel{ss.ModelDetection, ss.ModelCheckout, ss.ModelSOC} {
		if d.Returns[m].PreventedLoss != s.Returns[m].PreventedLoss || d.Returns[m].FrictionCost != s.Returns[m].FrictionCost {
			t.Errorf("%s: D %+v, S %+v", m, d.Returns[m], s.Returns[m])
		}
	}
	if d.Recommended != s.Recommended || d.NoModelPays != s.NoModelPays {
		t.Errorf("D recommended %q (no model pays %v), S %q (%v)", d.Recommended, d.NoModelPays, s.Recommended, s.NoModelPays)
	}
}
