package kpi_test

import (
	"testing"
	"time"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/kpi"
)

// The small store of these tests, every figure worked out by hand.
//
// Store A1 (Europe/London, GMT in January), zones Z1 cosmetics 10.00,
// Z2 spirits 30.00, Z3 razors 20.00 (Z3 has no footfall counter).
// Entrance visitors: 1000 on Mon 5 Jan, 1000 on Tue 6 Jan; Z1 500, Z2 250 on 5 Jan.
// Sales: 5000 on 5 Jan, 3500 on 6 Jan.
//
//	e1 Z1 5 Jan 10:05  intervened_recovered, value 8, responded after 30 s
//	e2 Z1 5 Jan 10:10  walked_out, responded after 60 s
//	e3 Z1 5 Jan 10:20  false_positive, responded after 90 s
//	e4 Z2 5 Jan 10:30  est_value 45, no outcome (open)
//	e5 Z2 6 Jan 10:15  unresolved (open)
//	e6 Z3 6 Jan 11:00  paid, no value given (recovered at est 20)
//	e7 Z2 6 Jan 12:00  unresolved, then three days later blocked_recovered (late)
//	p1 Z1 2 Jan 09:00  walked_out — the previous week, with 500 entrance visitors
//
// Store level, 5–11 Jan after the late outcome:
//
//	events = 6 (e3 is false); visitors 2000; rate_per_1k = 1000·6/2000 = 3
//	recovered e1 e6 e7 = 3, lost e2 = 1, false e3 = 1, open e4 e5 = 2; reviewed 5
//	false share: A1's 5 reviews are fewer than the default 30, as are its region's (A1
//	alone), so the estate's: A1 is the estate, f = 1/5
//	est_loss = e2 10 + (e4 45 + e5 30) × (1 − 1/5) = 10 + 60 = 70, estimated on the estate's basis
//	recovered_value = 8 + 20 + 30 = 58: by intervention e1 8 + e7 30 = 38, paid unprompted e6 20
//	recovery_rate = 3/4; intervention_rate = (e1 + e7)/6 = 1/3, shown to 4 significant digits: 0.3333
//	false_positive_rate = 1/(3+1+1) = 0.2; response p50 = 60 s, p90 = 90 s (3 responses)
//	shrink_pct = 100·70/8500 = 0.823529… → 0.8235
func smallStore(t *testing.T) (*world, map[string]string) {
	w := newWorld(t)
	w.store("A1", "Europe/London", ss.ModelSOC, zone("Z1", "cosmetics", 10, 0), zone("Z2", "spirits", 30, 2), zone("Z3", "razors", 20, 4))
	at := func(d, hm string) time.Time {
		v, err := time.Parse("2006-01-02 15:04", d+" "+hm)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	ids := map[string]string{}
	ids["e1"] = w.event("A1", "Z1", at("2026-01-05", "10:05"), 0)
	ids["e2"] = w.event("A1", "Z1", at("2026-01-05", "10:10"), 0)
	ids["e3"] = w.event("A1", "Z1", at("2026-01-05", "10:20"), 0)
	ids["e4"] = w.event("A1", "Z2", at("2026-01-05", "10:30"), 45)
	ids["e5"] = w.event("A1", "Z2", at("2026-01-06", "10:15"), 0)
	ids["e6"] = w.event("A1", "Z3", at("2026-01-06", "11:00"), 0)
	ids["e7"] = w.event("A1", "Z2", at("2026-01-06", "12:00"), 0)
	ids["p1"] = w.event("A1", "Z1", at("2026-01-02", "09:00"), 0)
	w.outcome(ids["e1"], ss.OutcomeIntervenedRecovered, at("2026-01-05", "10:05"), at("2026-01-05", "10:10"), 30*time.Second, 8)
	w.outcome(ids["e2"], ss.OutcomeWalkedOut, at("2026-01-05", "10:10"), at("2026-01-05", "10:15"), 60*time.Second, 0)
	w.outcome(ids["e3"], ss.OutcomeFalsePositive, at("2026-01-05", "10:20"), at("2026-01-05", "10:25"), 90*time.Second, 0)
	w.outcome(ids["e5"], ss.OutcomeUnresolved, at("2026-01-06", "10:15"), at("2026-01-06", "10:30"), 0, 0)
	w.outcome(ids["e6"], ss.OutcomePaid, at("2026-01-06", "11:00"), at("2026-01-06", "11:10"), 0, 0)
	w.outcome(ids["e7"], ss.OutcomeUnresolved, at("2026-01-06", "12:00"), at("2026-01-06", "12:30"), 0, 0)
	w.outcome(ids["p1"], ss.OutcomeWalkedOut, at("2026-01-02", "09:00"), at("2026-01-02", "09:10"), 0, 0)
	w.footfall("A1", "", at("2026-01-05", "10:00"), 1000)
	w.footfall("A1", "", at("2026-01-06", "10:00"), 1000)
	w.footfall("A1", "Z1", at("2026-01-05", "10:00"), 500)
	w.footfall("A1", "Z2", at("2026-01-05", "10:00"), 250)
	w.footfall("A1", "", at("2026-01-02", "09:00"), 500)
	five, threeAndHalf := 5000.0, 3500.0
	if _, err := w.ing.Sales(w.ctx, nil, []ss.SaleInput{{Store: "A1", Day: "2026-01-05", Amount: &five}, {Store: "A1", Day: "2026-01-06", Amount: &threeAndHalf}}); err != nil {
		t.Fatal(err)
	}
	w.refresh()
	// The late outcome, three days on.
	w.outcome(ids["e7"], ss.OutcomeBlockedRecovered, at("2026-01-06", "12:00"), at("2026-01-09", "16:00"), 0, 0)
	w.refresh()
	return w, ids
}

var week = kpi.Query{From: day("2026-01-05"), To: day("2026-01-11"), Dates: true}

func TestStoreKPIsByHand(t *testing.T) {
	t.Parallel()
	w, _ := smallStore(t)
	q := week
	q.By = "store"
	rows := w.get(q)
	if len(rows) != 1 {
		t.Fatalf("%d rows, want 1", len(rows))
	}
	r := rows[0]
	if r.Key.Store != "A1" || r.Events != 6 || r.Visitors == nil || *r.Visitors != 2000 {
		t.Fatalf("row %+v", r)
	}
	checks := []struct {
		name string
		got  *float64
		want float64
		tol  float64
	}{
		{"rate_per_1k", r.RatePer1k, 3, 1e-9},
		{"est_loss", &r.EstLoss, 70, 1e-9},
		{"recovered_value", &r.RecoveredValue, 58, 1e-9},
		{"recovered_by_intervention", &r.RecoveredByIntervention, 38, 1e-9},
		{"paid_unprompted", &r.PaidUnprompted, 20, 1e-9},
		{"est_loss_false_share", r.EstLossFalseShare, 0.2, 1e-9},
		{"recovery_rate", r.RecoveryRate, 0.75, 1e-9},
		{"intervention_rate", r.InterventionRate, 0.3333, 1e-9},
		{"false_positive_rate", r.FalsePositiveRate, 0.2, 1e-9},
		{"response_p50", r.ResponseP50, 60, 60 * 0.02},
		{"response_p90", r.ResponseP90, 90, 90 * 0.02},
		{"shrink_pct", r.ShrinkPct, 0.8235, 1e-9},
	}
	if !r.EstLossEstimated || r.EstLossBasis != kpi.BasisEstate || r.Reviewed != 5 {
		t.Errorf("est_loss estimated %v on basis %q, reviewed %d; want true, estate, 5", r.EstLossEstimated, r.EstLossBasis, r.Reviewed)
	}
	for _, c := range checks {
		if !near(c.got, c.want, c.tol) {
			t.Errorf("%s = %v, want %v", c.name, show(c.got), c.want)
		}
	}
	if r.Recovered != 3 || r.Lost != 1 || r.FalsePositives != 1 || r.Open != 2 || r.Interventions != 2 {
		t.Errorf("classes %d/%d/%d/%d, interventions %d; want 3/1/1/2, 2", r.Recovered, r.Lost, r.FalsePositives, r.Open, r.Interventions)
	}
	// Previous week: p1 only, 500 visitors: 1 event, rate 2, est_loss 10 (nothing open).
	p := r.Previous
	if p.Events != 1 || !near(p.RatePer1k, 2, 1e-9) || p.EstLoss != 10 || !near(p.RecoveryRate, 0, 1e-9) || p.EstLossEstimated {
		t.Errorf("previous %+v", *p)
	}
	// The store's data starts on 2 Jan, inside the previous week: no change
	// against it (TestChangeOnlyBetweenCoveredPeriods has one).
	if r.Change != nil || r.ChangeReason != kpi.ChangePreviousPartial {
		t.Errorf("change %+v (%q) against a week with data from 2 Jan only", r.Change, r.ChangeReason)
	}
}

func TestZoneKPIsByHand(t *testing.T) {
	t.Parallel()
	w, _ := smallStore(t)
	q := week
	q.By, q.Store = "zone", "A1"
	rows := w.get(q)
	if len(rows) != 3 {
		t.Fatalf("%d rows, want Z1 Z2 Z3", len(rows))
	}
	z1, z2, z3 := rows[0], rows[1], rows[2]
	// Z1: e1 e2 (e3 false), 500 visitors: rate 4, est_loss 10, recovered 8, recovery 1/2, FP 1/3.
	if z1.Key.Zone != "Z1" || z1.Events != 2 || !near(z1.RatePer1k, 4, 1e-9) || z1.EstLoss != 10 || z1.RecoveredValue != 8 ||
		!near(z1.RecoveryRate, 0.5, 1e-9) || !near(z1.FalsePositiveRate, 0.3333, 1e-9) {
		t.Errorf("Z1 %+v", z1.Figures)
	}
	// Z2: e4 e5 e7, 250 visitors: rate 12, est_loss (45+30) × 0.8 with the store's f = 1/5 (not the
	// zone's: Z2 has no false alarm), recovered 30 (e7 at the zone's 30), interventions 1/3.
	if z2.Key.Zone != "Z2" || z2.Events != 3 || !near(z2.RatePer1k, 12, 1e-9) || z2.EstLoss != 60 || z2.RecoveredValue != 30 ||
		!near(z2.RecoveryRate, 1, 1e-9) || !near(z2.InterventionRate, 0.3333, 1e-9) || z2.ResponseP50 != nil {
		t.Errorf("Z2 %+v", z2.Figures)
	}
	// Z3 has no counter: no visitors, no rate, no hotspot index; e6 paid at its est 20.
	if z3.Key.Zone != "Z3" || z3.Events != 1 || z3.Visitors != nil || z3.RatePer1k != nil || z3.HotspotIndex != nil || z3.RecoveredValue != 20 {
		t.Errorf("Z3 %+v", z3.Figures)
	}
	// Hotspots: store zone rate 5/750; expected Z1 3.33, Z2 1.67; raw ratios 0.6 and 1.8
	// (variance 0.36) are within the Poisson noise mean(1/E) = 0.45, so both shrink to 1.
	if !near(z1.HotspotIndex, 1, 0.001) || !near(z2.HotspotIndex, 1, 0.001) {
		t.Errorf("hotspots %v %v, want 1 and 1", show(z1.HotspotIndex), show(z2.HotspotIndex))
	}
	// Zone cuts carry no shrink: sales are per store.
	if z1.ShrinkPct != nil {
		t.Errorf("zone shrink_pct %v", *z1.ShrinkPct)
	}
}

func TestCategoryAndDayKPIsByHand(t *testing.T) {
	t.Parallel()
	w, _ := smallStore(t)
	q := week
	q.By = "category"
	rows := w.get(q)
	got := map[string]int64{}
	for _, r := range rows {
		got[r.Key.Category] = r.Events
		// A category is cut against the store's entrance count.
		if r.Visitors == nil || *r.Visitors != 2000 {
			t.Errorf("category %s visitors %v, want 2000", r.Key.Category, r.Visitors)
		}
	}
	if got["cosmetics"] != 2 || got["spirits"] != 3 || got["razors"] != 1 || len(got) != 3 {
		t.Errorf("events by category %v", got)
	}
	q.By = "day"
	rows = w.get(q)
	if len(rows) != 2 || rows[0].Key.Day != "2026-01-05" || rows[1].Key.Day != "2026-01-06" {
		t.Fatalf("days %+v", rows)
	}
	// The week's f = 1/5 on every day. 5 Jan: e1 e2 e4, est_loss 10 + 45 × 0.8 = 46 of 5000 sales;
	// 6 Jan: e5 e6 e7, est_loss 30 × 0.8 = 24 of 3500: shrink 0.92 and 100·24/3500 = 0.685714… → 0.6857.
	if rows[0].Events != 3 || rows[0].EstLoss != 46 || !near(rows[0].ShrinkPct, 0.92, 1e-9) ||
		rows[1].Events != 3 || rows[1].EstLoss != 24 || !near(rows[1].ShrinkPct, 0.6857, 1e-9) {
		t.Errorf("day rows %+v / %+v", rows[0].Figures, rows[1].Figures)
	}
	// Instants: [5 Jan 10:00, 5 Jan 10:15) holds e1 and e2 — counted by whole local hours that start
	// inside, so the 10:00 hour: e1 e2 e4 (e3 false).
	iq := kpi.Query{From: time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC), To: time.Date(2026, 1, 5, 11, 0, 0, 0, time.UTC), By: "estate"}
	rows = w.get(iq)
	if len(rows) != 1 || rows[0].Events != 3 || !near(rows[0].RatePer1k, 3, 1e-9) {
		t.Errorf("instant query %+v", rows)
	}
}

func TestLateOutcomeLandsInEventBucket(t *testing.T) {
	t.Parallel()
	w, _ := smallStore(t)
	q := kpi.Query{From: day("2026-01-09"), To: day("2026-01-09"), Dates: true, By: "store"}
	if rows := w.get(q); len(rows) != 0 {
		t.Errorf("the day the late outcome arrived has rows: %+v", rows)
	}
	q = kpi.Query{From: day("2026-01-06"), To: day("2026-01-06"), Dates: true, By: "store"}
	rows := w.get(q)
	// 6 Jan: e5 open, e6 paid, e7 blocked (late): recovered 2, open 1, one intervention.
	if len(rows) != 1 || rows[0].Recovered != 2 || rows[0].Open != 1 || rows[0].Interventions != 1 {
		t.Errorf("6 Jan after the late outcome: %+v", rows)
	}
}

func TestTargets(t *testing.T) {
	t.Parallel()
	w, _ := smallStore(t)
	set := func(store, name, op string, v float64) {
		t.Helper()
		if err := w.kpis.SetTarget(w.ctx, &kpi.Target{Store: store, KPI: name, Op: op, Value: v, SetBy: "ops"}); err != nil {
			t.Fatal(err)
		}
	}
	set("", "rate_per_1k", "<=", 2.5)   // estate: 3 misses it
	set("", "recovery_rate", ">=", 0.7) // 0.75 meets it
	set("A1", "rate_per_1k", "<=", 3.5) // store target overrides the estate's: met
	set("A1", "rate_per_1k", "<=", 2.9) // refined: now missed
	q := week
	q.By = "store"
	r := w.get(q)[0]
	rate, rec := r.Targets["rate_per_1k"], r.Targets["recovery_rate"]
	if rate.Scope != "store" || rate.Value != 2.9 || rate.Met == nil || *rate.Met {
		t.Errorf("rate target %+v, want store 2.9 missed", rate)
	}
	if rec.Scope != "estate" || rec.Met == nil || !*rec.Met {
		t.Errorf("recovery target %+v, want estate met", rec)
	}
	q.By = "estate"
	if e := w.get(q)[0].Targets["rate_per_1k"]; e.Scope != "estate" || e.Value != 2.5 || *e.Met {
		t.Errorf("estate row rate target %+v", e)
	}
	hist, err := w.kpis.Targets(w.ctx, nil, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(hist) != 4 || hist[0].SupersededAt != nil || hist[1].Value != 3.5 || hist[1].SupersededAt == nil || hist[2].SupersededAt != nil {
		t.Errorf("history %+v, want 4 with the 3.5 target closed", hist)
	}
	if err := w.kpis.SetTarget(w.ctx, &kpi.Target{KPI: "happiness", Op: "<=", Value: 1}); ss.ErrorCode(err) != ss.EINVALID {
		t.Errorf("unknown KPI: %v", err)
	}
}

// Hotspot index by hand, with spread enough to keep zones apart. Three
// zones of 1,000 visitors with 2, 20 and 8 events: store rate 30/3,000, so
// each zone expects E = 10; raw ratios 0.2, 2.0 and 0.8 (mean 1) have
// variance (0.64 + 1 + 0.04)/3 = 0.56 against the Poisson part mean(1/E) =
// 0.1, so 1/α = 0.46, α = 50/23, and each index is (e + α)/(E + α) =
// (23e + 50)/280: 96/280 = 0.3429, 510/280 = 1.821, 234/280 = 0.8357.
func TestHotspotIndexByHand(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.store("H1", "Europe/Madrid", ss.ModelDetection, zone("Z1", "spirits", 10, 0), zone("Z2", "spirits", 10, 2), zone("Z3", "spirits", 10, 4))
	hour := time.Date(2026, 6, 3, 9, 0, 0, 0, time.UTC)
	for z, n := range map[string]int{"Z1": 2, "Z2": 20, "Z3": 8} {
		for i := range n {
			w.event("H1", z, hour.Add(time.Duration(i)*time.Minute), 0)
		}
		w.footfall("H1", z, hour, 1000)
	}
	w.refresh()
	rows := w.get(kpi.Query{From: day("2026-06-03"), To: day("2026-06-03"), Dates: true, Store: "H1", By: kpi.ByZone})
	want := map[string]float64{"Z1": 0.3429, "Z2": 1.821, "Z3": 0.8357}
	if len(rows) != 3 {
		t.Fatalf("%d rows", len(rows))
	}
	for _, r := range rows {
		if r.HotspotIndex == nil || *r.HotspotIndex != want[r.Key.Zone] {
			t.Errorf("zone %s hotspot index %v, want %v", r.Key.Zone, show(r.HotspotIndex), want[r.Key.Zone])
		}
	}
}
