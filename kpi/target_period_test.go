package kpi_test

import (
	"errors"
	"testing"
	"time"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/kpi"
)

// periodStore is store T1 (Europe/London) with one zone worth 10.00 and
// walked-out events (each 10.00 of est_loss) at the ends of the requests of
// TestTargetPeriods, local times:
//
//	28 Feb 23:50 GMT ×5   the evening before the 30-day request: outside
//	 1 Mar 00:30 GMT ×1   its first moments
//	24 Mar 00:10 GMT ×2   the 7-day request's first day
//	29 Mar 03:30 BST ×1   the spring change (a 23-hour day)
//	30 Mar 23:50 BST ×3   the last minutes of both requests
//	31 Mar 00:10 BST ×4   the first minutes after them: outside
//	25 Oct 01:30 BST ×1, 01:30 GMT ×1   the autumn change (a 25-hour day), the hour that happens twice
//
// 1–30 Mar: 1 + 2 + 1 + 3 = 7 events, est_loss 70.00; 24–30 Mar: 6 events,
// 60.00; 19–25 Oct: 2 events, 20.00.
func periodStore(t *testing.T) *world {
	w := newWorld(t)
	w.store("T1", "Europe/London", ss.ModelSOC, zone("Z1", "cosmetics", 10, 0))
	lost := func(at string, n int) {
		t.Helper()
		ts, err := time.Parse(time.RFC3339, at)
		if err != nil {
			t.Fatal(err)
		}
		for range n {
			id := w.event("T1", "Z1", ts, 0)
			w.outcome(id, ss.OutcomeWalkedOut, ts, ts.Add(time.Minute), 0, 0)
		}
	}
	lost("2026-02-28T23:50:00Z", 5)
	lost("2026-03-01T00:30:00Z", 1)
	lost("2026-03-24T00:10:00Z", 2)
	lost("2026-03-29T02:30:00Z", 1) // 03:30 BST
	lost("2026-03-30T22:50:00Z", 3) // 23:50 BST
	lost("2026-03-30T23:10:00Z", 4) // 00:10 BST on the 31st
	lost("2026-10-25T00:30:00Z", 1) // 01:30 BST
	lost("2026-10-25T01:30:00Z", 1) // 01:30 GMT
	w.refresh()
	return w
}

func TestTargetPeriods(t *testing.T) {
	t.Parallel()
	w := periodStore(t)
	set := func(tg kpi.Target) {
		t.Helper()
		tg.SetBy = "ops"
		if err := w.kpis.SetTarget(w.ctx, &tg); err != nil {
			t.Fatal(err)
		}
	}
	set(kpi.Target{Store: "T1", KPI: "est_loss", Op: "<=", Value: 2.5, Period: kpi.PeriodDay})
	set(kpi.Target{Store: "T1", KPI: "events", Op: ">=", Value: 6, Period: kpi.PeriodWeek})
	set(kpi.Target{KPI: "recovered_value", Op: "<=", Value: 31, Period: kpi.PeriodMonth}) // the estate's
	set(kpi.Target{Store: "T1", KPI: "recovery_rate", Op: ">=", Value: 0.5})              // a ratio: no period
	set(kpi.Target{KPI: "false_positive_rate", Op: "<=", Value: 0.3})                     // the estate's ratio

	type want struct {
		kpi           string
		met           bool
		judgedAgainst float64
		periods, days float64
	}
	check := func(what string, r kpi.Row, ws ...want) {
		t.Helper()
		for _, x := range ws {
			v, ok := r.Targets[x.kpi]
			switch {
			case !ok:
				t.Errorf("%s: no %s target", what, x.kpi)
			case v.Met == nil || *v.Met != x.met || v.JudgedAgainst != x.judgedAgainst:
				t.Errorf("%s: %s %+v (met %v), want met %v against %v", what, x.kpi, v, show2b(v.Met), x.met, x.judgedAgainst)
			case v.Period == "" && x.days != 0, v.Period != "" && (!near(v.Periods, x.periods, 1e-9) || !near(v.Days, x.days, 1e-9)):
				t.Errorf("%s: %s spans %v periods, %v days; want %v, %v", what, x.kpi, show(v.Periods), show(v.Days), x.periods, x.days)
			}
		}
	}
	one := func(q kpi.Query) kpi.Row {
		t.Helper()
		rows := w.get(q)
		if len(rows) != 1 {
			t.Fatalf("%+v: %d rows, want 1", q, len(rows))
		}
		return rows[0]
	}
	march30 := kpi.Query{From: day("2026-03-01"), To: day("2026-03-30"), Dates: true, By: kpi.ByStore}
	march7 := kpi.Query{From: day("2026-03-24"), To: day("2026-03-30"), Dates: true, By: kpi.ByStore}

	// 30 days: est_loss 70 against 2.50 × 30 = 75 (met); 7 events against
	// 6 × 30/7 = 25.714… → 25.71 (missed); recovered 0 against 31 × 30/31 =
	// 30 (met); recovery 0/7 = 0 against 0.5 as it stands (missed).
	r := one(march30)
	if r.EstLoss != 70 || r.Events != 7 {
		t.Fatalf("1–30 Mar: est_loss %v, events %d; want 70, 7", r.EstLoss, r.Events)
	}
	check("1–30 Mar", r, want{"est_loss", true, 75, 30, 30}, want{"events", false, 25.71, 30.0 / 7, 30},
		want{"recovered_value", true, 30, 30.0 / 31, 30}, want{"recovery_rate", false, 0.5, 0, 0})
	// 7 days: est_loss 60 against 17.50 (missed); 6 events against 6 (met,
	// at the boundary); recovered 0 against 31 × 7/31 = 7.
	r = one(march7)
	if r.EstLoss != 60 || r.Events != 6 {
		t.Fatalf("24–30 Mar: est_loss %v, events %d; want 60, 6", r.EstLoss, r.Events)
	}
	check("24–30 Mar", r, want{"est_loss", false, 17.5, 7, 7}, want{"events", true, 6, 1, 7}, want{"recovered_value", true, 7, 7.0 / 31, 7})
	// A request across two months counts each day as a share of its own:
	// 15–28 Feb is 14/28 and 1–14 Mar 14/31 of a month, so 31 a month is
	// 15.50 + 14 = 29.50. The five events of 28 Feb and the one of 1 Mar:
	// 6 events against 6 × 28/7 = 24.
	r = one(kpi.Query{From: day("2026-02-15"), To: day("2026-03-14"), Dates: true, By: kpi.ByStore})
	check("15 Feb–14 Mar", r, want{"recovered_value", true, 29.5, 14.0/28 + 14.0/31, 28}, want{"events", false, 24, 4, 28},
		want{"est_loss", true, 70, 28, 28})

	// By day: each day against one day's target, the 23-hour and the
	// 25-hour day too.
	days := map[string]kpi.Row{}
	for _, r := range w.get(kpi.Query{From: day("2026-03-24"), To: day("2026-03-30"), Dates: true, By: kpi.ByDay, Store: "T1"}) {
		days[r.Key.Day] = r
	}
	check("24 Mar", days["2026-03-24"], want{"est_loss", false, 2.5, 1, 1}, want{"events", true, 0.86, 1.0 / 7, 1})
	check("29 Mar (23 h)", days["2026-03-29"], want{"est_loss", false, 2.5, 1, 1}, want{"events", true, 0.86, 1.0 / 7, 1})
	check("30 Mar", days["2026-03-30"], want{"est_loss", false, 2.5, 1, 1}, want{"events", true, 0.86, 1.0 / 7, 1})
	for _, r := range w.get(kpi.Query{From: day("2026-10-19"), To: day("2026-10-25"), Dates: true, By: kpi.ByDay, Store: "T1"}) {
		if r.Key.Day == "2026-10-25" {
			if r.Events != 2 {
				t.Errorf("25 Oct: %d events, want 2", r.Events)
			}
			check("25 Oct (25 h)", r, want{"est_loss", false, 2.5, 1, 1}, want{"events", true, 0.86, 1.0 / 7, 1})
		}
	}
	check("19–25 Oct", one(kpi.Query{From: day("2026-10-19"), To: day("2026-10-25"), Dates: true, By: kpi.ByStore}),
		want{"est_loss", false, 17.5, 7, 7}, want{"events", false, 6, 1, 7})

	// By week over 1–30 Mar: 1 Mar is a Sunday and 30 Mar a Monday, so the
	// first and last weeks hold one day of the request each.
	weeks := map[string]kpi.Row{}
	for _, r := range w.get(kpi.Query{From: day("2026-03-01"), To: day("2026-03-30"), Dates: true, By: kpi.ByWeek, Store: "T1"}) {
		weeks[r.Key.Week] = r
	}
	check("week of 23 Feb (1 Mar)", weeks["2026-02-23"], want{"est_loss", false, 2.5, 1, 1}, want{"events", true, 0.86, 1.0 / 7, 1},
		want{"recovered_value", true, 1, 1.0 / 31, 1})
	check("week of 23 Mar", weeks["2026-03-23"], want{"est_loss", false, 17.5, 7, 7}, want{"events", false, 6, 1, 7})
	check("week of 30 Mar (30 Mar)", weeks["2026-03-30"], want{"est_loss", false, 2.5, 1, 1}, want{"events", true, 0.86, 1.0 / 7, 1})

	// By hour of week an hour's figure is not a day's, week's or month's: no
	// target with a period is judged there; the estate's ratio target is.
	how := w.get(kpi.Query{From: day("2026-03-01"), To: day("2026-03-30"), Dates: true, By: kpi.ByHourOfWeek, Store: "T1"})
	if len(how) == 0 {
		t.Fatal("no hour-of-week rows")
	}
	for _, r := range how {
		for name, v := range r.Targets {
			if v.Period != "" {
				t.Errorf("hour of week %d judged on the %s target a %s", *r.Key.HourOfWeek, name, v.Period)
			}
		}
		if _, ok := r.Targets["false_positive_rate"]; !ok {
			t.Errorf("hour of week %d lost the ratio target", *r.Key.HourOfWeek)
		}
	}

	// Instants: [24 Mar 00:00Z, 31 Mar 00:00Z) is 168 hours, 7 days.
	r = one(kpi.Query{From: time.Date(2026, 3, 24, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 3, 31, 0, 0, 0, 0, time.UTC), By: kpi.ByStore})
	if v := r.Targets["est_loss"]; v.JudgedAgainst != 17.5 || !near(v.Days, 7, 1e-9) {
		t.Errorf("instants: est_loss target %+v, want 17.50 over 7 days", v)
	}
}

func show2b(b *bool) any {
	if b == nil {
		return nil
	}
	return *b
}

func TestTargetPeriodValidation(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.store("T1", "Europe/London", ss.ModelSOC, zone("Z1", "cosmetics", 10, 0))
	for _, c := range []struct {
		tg    kpi.Target
		field string
	}{
		{kpi.Target{Store: "T1", KPI: "est_loss", Op: "<=", Value: 10000}, "period"},                // additive: period required
		{kpi.Target{Store: "T1", KPI: "events", Op: "<=", Value: 5, Period: "year"}, "period"},      // not a period
		{kpi.Target{Store: "T1", KPI: "rate_per_1k", Op: "<=", Value: 2, Period: "week"}, "period"}, // a ratio has none
		{kpi.Target{Store: "T1", KPI: "shrink_pct", Op: "<=", Value: 1, Period: "day"}, "period"},
	} {
		c.tg.SetBy = "ops"
		err := w.kpis.SetTarget(w.ctx, &c.tg)
		var e *ss.Error
		if ss.ErrorCode(err) != ss.EINVALID || !errors.As(err, &e) || e.Field != c.field {
			t.Errorf("%+v: %v, want EINVALID naming %s", c.tg, err, c.field)
		}
	}
	if list, err := w.kpis.Targets(w.ctx, nil, true); err != nil || len(list) != 0 {
		t.Errorf("refused targets stored: %v %v", list, err)
	}
	for _, k := range []string{"events", "visitors", "est_loss", "recovered_value"} {
		if !kpi.Additive(k) {
			t.Errorf("%s not additive", k)
		}
	}
	for _, k := range []string{"rate_per_1k", "recovery_rate", "intervention_rate", "response_p50", "response_p90", "false_positive_rate", "hotspot_index", "shrink_pct"} {
		if kpi.Additive(k) {
			t.Errorf("%s additive", k)
		}
	}
}
