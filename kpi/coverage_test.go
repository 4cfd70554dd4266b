package kpi_test

import (
	"encoding/json"
	"testing"
	"time"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/kpi"
)

// coveredStore is store C1 (Europe/London, GMT in January) whose data runs
// from Thu 1 Jan to Wed 14 Jan 2026: 1000 entrance visitors at 10:00 each
// day but Sun 4 Jan (closed: no facts at all), and open events of est_value
//
//	previous week (1–7 Jan):  2 Jan 0.10
//	current week (8–14 Jan):  8 Jan 10.10, 9 Jan 0.10, 13 Jan 0.10
func coveredStore(t *testing.T) *world {
	w := newWorld(t)
	w.store("C1", "Europe/London", ss.ModelDetection, zone("Z1", "spirits", 40, 0))
	for d := day("2026-01-01"); !d.After(day("2026-01-14")); d = d.AddDate(0, 0, 1) {
		if !d.Equal(day("2026-01-04")) {
			w.footfall("C1", "", d.Add(10*time.Hour), 1000)
		}
	}
	for _, e := range []struct {
		day   string
		value float64
	}{{"2026-01-02", 0.10}, {"2026-01-08", 10.10}, {"2026-01-09", 0.10}, {"2026-01-13", 0.10}} {
		w.event("C1", "Z1", day(e.day).Add(11*time.Hour), e.value)
	}
	w.refresh()
	return w
}

func (w *world) answer(q kpi.Query) *kpi.Answer {
	w.t.Helper()
	a, err := w.kpis.Answer(w.ctx, q)
	if err != nil {
		w.t.Fatal(err)
	}
	return a
}

func coverageJSON(c kpi.Coverage) string {
	b, _ := json.Marshal(c)
	return string(b)
}

// A change compares two periods only when data covers both; each period
// says how much of it holds data.
func TestChangeOnlyBetweenCoveredPeriods(t *testing.T) {
	t.Parallel()
	w := coveredStore(t)

	// 8–14 Jan against 1–7 Jan: data covers both (4 Jan closed is inside).
	a := w.answer(kpi.Query{From: day("2026-01-08"), To: day("2026-01-14"), Dates: true, By: "store"})
	if got, want := coverageJSON(a.Current), `{"from":"2026-01-08","to":"2026-01-14","unit":"day","length":7,"covered":7,"first":"2026-01-08","last":"2026-01-14","complete":true}`; got != want {
		t.Errorf("current coverage %s, want %s", got, want)
	}
	if got, want := coverageJSON(a.Previous), `{"from":"2026-01-01","to":"2026-01-07","unit":"day","length":7,"covered":6,"first":"2026-01-01","last":"2026-01-07","complete":true}`; got != want {
		t.Errorf("previous coverage %s, want %s", got, want)
	}
	if len(a.Rows) != 1 || a.Rows[0].Change == nil {
		t.Fatalf("rows %+v, want one with a change", a.Rows)
	}
	r := a.Rows[0]
	// Current: 3 events, 7000 visitors, est_loss 10.10 + 0.10 + 0.10 = 10.30, rate 3000/7000 = 0.428571… → 0.4286.
	// Previous: 1 event, 6000 visitors, est_loss 0.10, rate 1000/6000 = 0.166666… → 0.1667.
	// Change: events 2, visitors 1000, est_loss 10.20, rate 0.4286 − 0.1667 = 0.2619.
	c := r.Change
	if r.ChangeReason != "" || *c.Events != 2 || *c.Visitors != 1000 || *c.EstLoss != 10.2 || *c.RatePer1k != 0.2619 || *c.RecoveredValue != 0 {
		t.Errorf("change %s (%q)", mustJSON(t, c), r.ChangeReason)
	}
	if *r.RatePer1k != 0.4286 || *r.Previous.RatePer1k != 0.1667 || r.EstLoss != 10.3 || r.Previous.EstLoss != 0.1 {
		t.Errorf("figures %s, previous %s", mustJSON(t, r.Figures), mustJSON(t, r.Previous))
	}
	if got := mustJSON(t, c); got != `{"events":2,"visitors":1000,"rate_per_1k":0.2619,"est_loss":10.2,"recovered_value":0,"recovered_by_intervention":0,"paid_unprompted":0,"recovery_rate":null,"intervention_rate":0,"response_p50":null,"response_p90":null,"false_positive_rate":null,"hotspot_index":null,"shrink_pct":null}` {
		t.Errorf("change JSON %s", got)
	}

	// 5–11 Jan against 29 Dec – 4 Jan: data starts on 1 Jan, inside the previous week.
	a = w.answer(kpi.Query{From: day("2026-01-05"), To: day("2026-01-11"), Dates: true, By: "store"})
	if got, want := coverageJSON(a.Previous), `{"from":"2025-12-29","to":"2026-01-04","unit":"day","length":7,"covered":3,"first":"2026-01-01","last":"2026-01-03","complete":false}`; got != want {
		t.Errorf("previous coverage %s, want %s", got, want)
	}
	if !a.Current.Complete || len(a.Rows) != 1 || a.Rows[0].Change != nil || a.Rows[0].ChangeReason != kpi.ChangePreviousPartial {
		t.Errorf("current %s, rows %s", coverageJSON(a.Current), mustJSON(t, a.Rows))
	}

	// 12–18 Jan: data stops on 14 Jan, inside the period asked for.
	a = w.answer(kpi.Query{From: day("2026-01-12"), To: day("2026-01-18"), Dates: true, By: "estate"})
	if got, want := coverageJSON(a.Current), `{"from":"2026-01-12","to":"2026-01-18","unit":"day","length":7,"covered":3,"first":"2026-01-12","last":"2026-01-14","complete":false}`; got != want {
		t.Errorf("current coverage %s, want %s", got, want)
	}
	if !a.Previous.Complete || len(a.Rows) != 1 || a.Rows[0].Change != nil || a.Rows[0].ChangeReason != kpi.ChangeCurrentPartial {
		t.Errorf("previous %s, rows %s", coverageJSON(a.Previous), mustJSON(t, a.Rows))
	}

	// By day, each day pairs with the day a week earlier: 8 Jan (1 event,
	// 10.10) against 1 Jan (none, 1000 visitors).
	a = w.answer(kpi.Query{From: day("2026-01-08"), To: day("2026-01-14"), Dates: true, By: "day", Store: "C1"})
	if len(a.Rows) == 0 || a.Rows[0].Key.Day != "2026-01-08" || a.Rows[0].Change == nil ||
		*a.Rows[0].Change.Events != 1 || *a.Rows[0].Change.EstLoss != 10.1 || *a.Rows[0].Previous.Visitors != 1000 {
		t.Errorf("by day %s", mustJSON(t, a.Rows))
	}
	// By week over a period that is not whole weeks: no previous to pair with.
	a = w.answer(kpi.Query{From: day("2026-01-08"), To: day("2026-01-13"), Dates: true, By: "week", Store: "C1"})
	for _, r := range a.Rows {
		if r.Previous != nil || r.Change != nil || r.ChangeReason != kpi.ChangeNotAligned {
			t.Errorf("week over 6 days %s", mustJSON(t, r))
		}
	}

	// Instants count hours: [8 Jan, 15 Jan) has facts in the 10:00 and 11:00
	// hours of its days; the data stops after the 10:00 hour of 14 Jan.
	a = w.answer(kpi.Query{From: day("2026-01-08"), To: day("2026-01-15"), By: "estate"})
	if got, want := coverageJSON(a.Current), `{"from":"2026-01-08T00:00:00Z","to":"2026-01-15T00:00:00Z","unit":"hour","length":168,"covered":10,"first":"2026-01-08T10:00:00Z","last":"2026-01-14T10:00:00Z","complete":false}`; got != want {
		t.Errorf("instant coverage %s, want %s", got, want)
	}
	// [9 Jan 10:00, 9 Jan 12:00) against [8:00, 10:00): data before and after; the previous hours are closed, true zeros.
	a = w.answer(kpi.Query{From: day("2026-01-09").Add(10 * time.Hour), To: day("2026-01-09").Add(12 * time.Hour), By: "estate"})
	if !a.Current.Complete || !a.Previous.Complete || a.Current.Covered != 2 || a.Previous.Covered != 0 ||
		len(a.Rows) != 1 || a.Rows[0].Change == nil || *a.Rows[0].Change.Events != 1 {
		t.Errorf("hours: current %s previous %s rows %s", coverageJSON(a.Current), coverageJSON(a.Previous), mustJSON(t, a.Rows))
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
