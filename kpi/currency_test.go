package kpi_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/kpi"
)

// storeIn puts a store of region and currency with one zone Z1.
func (w *world) storeIn(code, tz, region string, cur ss.Currency, unitValue float64) {
	w.t.Helper()
	st := ss.Store{Code: code, Name: code, Region: region, Timezone: tz, OperatingModel: ss.ModelSOC, Currency: cur,
		OpeningHours: ss.OpeningHours{"mon": {{"00:00", "24:00"}}},
		Profile:      ss.Profile{UrbanDensity: 1, TheftIndex: 1, StaffingCapacity: 1}}
	if _, err := w.lay.PutStore(w.ctx, &st); err != nil {
		w.t.Fatal(err)
	}
	if _, err := w.lay.PutZones(w.ctx, code, []ss.Zone{zone("Z1", "food", unitValue, 0)}, time.Time{}); err != nil {
		w.t.Fatal(err)
	}
}

// localNoon is noon of a local date in tz.
func localNoon(date, tz string) time.Time {
	loc, _ := time.LoadLocation(tz)
	d := day(date)
	return time.Date(d.Year(), d.Month(), d.Day(), 12, 0, 0, 0, loc)
}

// lost stores an event walked out with, worth value, at local noon of date.
func (w *world) lost(store, tz, date string, value float64) {
	w.t.Helper()
	at := localNoon(date, tz)
	id := w.event(store, "Z1", at, value)
	w.outcome(id, ss.OutcomeWalkedOut, at, at.Add(time.Minute), 0, 0)
}

// recovered stores an event recovered by an intervention at value.
func (w *world) recovered(store, tz, date string, value float64) {
	w.t.Helper()
	at := localNoon(date, tz)
	id := w.event(store, "Z1", at, value)
	w.outcome(id, ss.OutcomeIntervenedRecovered, at, at.Add(time.Minute), 30*time.Second, value)
}

func (w *world) sale(store, date string, amount float64) error {
	_, err := w.ing.Sales(w.ctx, nil, []ss.SaleInput{{Store: store, Day: date, Amount: &amount}})
	return err
}

// threeCurrencies is an estate in pounds, dollars and yen over 2 and 3
// March 2026, with rates to pounds for both days.
func threeCurrencies(t *testing.T) *world {
	w := newWorld(t)
	w.storeIn("L1", "Europe/London", "uk", "GBP", 5)
	w.storeIn("N1", "America/New_York", "us", "USD", 5)
	w.storeIn("N2", "America/Chicago", "us", "USD", 5)
	w.storeIn("T1", "Asia/Tokyo", "jp", "JPY", 500)
	w.lost("L1", "Europe/London", "2026-03-02", 10)
	w.lost("L1", "Europe/London", "2026-03-03", 20.5)
	w.recovered("L1", "Europe/London", "2026-03-02", 5.25)
	w.lost("N1", "America/New_York", "2026-03-02", 30)
	w.lost("N1", "America/New_York", "2026-03-03", 12.34)
	w.recovered("N1", "America/New_York", "2026-03-03", 7.10)
	w.lost("N2", "America/Chicago", "2026-03-02", 1.11)
	w.lost("T1", "Asia/Tokyo", "2026-03-02", 1500)
	w.lost("T1", "Asia/Tokyo", "2026-03-03", 2999)
	w.recovered("T1", "Asia/Tokyo", "2026-03-02", 800)
	for _, s := range []struct {
		store, day string
		amount     float64
	}{{"L1", "2026-03-02", 1000}, {"L1", "2026-03-03", 1100}, {"N1", "2026-03-02", 2000}, {"N1", "2026-03-03", 2100},
		{"N2", "2026-03-02", 500}, {"T1", "2026-03-02", 100000}, {"T1", "2026-03-03", 120000}} {
		if err := w.sale(s.store, s.day, s.amount); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := w.kpis.PutRates(w.ctx, []kpi.Rate{
		{Day: "2026-03-02", Currency: "USD", Rate: 0.79}, {Day: "2026-03-03", Currency: "USD", Rate: 0.8},
		{Day: "2026-03-02", Currency: "JPY", Rate: 0.0053}, {Day: "2026-03-03", Currency: "JPY", Rate: 0.0052},
	}); err != nil {
		t.Fatal(err)
	}
	w.refresh()
	return w
}

func money(t *testing.T, what string, fig kpi.Figures, cur ss.Currency, estLoss, recovered, sales float64) {
	t.Helper()
	f := &fig
	v := f.Values()
	if f.Currency != cur || !near(v["est_loss"], estLoss, 0) || !near(v["recovered_value"], recovered, 0) || !near(f.Sales, sales, 0) {
		t.Errorf("%s: %s est_loss %v recovered %v sales %v, want %s %v %v %v (%s)", what, f.Currency,
			show(v["est_loss"]), show(v["recovered_value"]), show(f.Sales), cur, estLoss, recovered, sales, f.MoneyReason)
	}
}

// Estate and region figures are each store-day converted at that day's
// rate and rounded once; store rows keep their currency and carry the
// converted figures. The expected figures are converted by hand.
func TestMoneyInThreeCurrencies(t *testing.T) {
	t.Parallel()
	w := threeCurrencies(t)
	q := kpi.Query{From: day("2026-03-02"), To: day("2026-03-03"), Dates: true}

	// est_loss: L1 10 + 20.5; N1 30×0.79 + 12.34×0.8 = 23.70 + 9.872; N2 1.11×0.79 = 0.8769;
	// T1 1500×0.0053 + 2999×0.0052 = 7.95 + 15.5948: 88.4937, shown 88.49.
	// recovered: 5.25 + 7.10×0.8 + 800×0.0053 = 5.25 + 5.68 + 4.24 = 15.17.
	// sales: 2100 + 2000×0.79 + 2100×0.8 + 500×0.79 + 100000×0.0053 + 120000×0.0052 = 6909.
	q.By = kpi.ByEstate
	rows := w.get(q)
	if len(rows) != 1 {
		t.Fatalf("estate rows %d", len(rows))
	}
	money(t, "estate", rows[0].Figures, "GBP", 88.49, 15.17, 6909)
	if !near(rows[0].ShrinkPct, 1.281, 0) { // 100 × 88.49 / 6909 = 1.28079…
		t.Errorf("estate shrink_pct %v, want 1.281", show(rows[0].ShrinkPct))
	}

	q.By = kpi.ByRegion
	byRegion := map[string]kpi.Row{}
	for _, r := range w.get(q) {
		byRegion[r.Key.Region] = r
	}
	money(t, "region uk", byRegion["uk"].Figures, "GBP", 30.5, 5.25, 2100)
	money(t, "region us", byRegion["us"].Figures, "GBP", 34.45, 5.68, 3655) // 23.70 + 9.872 + 0.8769 = 34.4489
	money(t, "region jp", byRegion["jp"].Figures, "GBP", 23.54, 4.24, 1154) // 7.95 + 15.5948; 530 + 624

	// Each local day at its own rate.
	q.By = kpi.ByDay
	byDay := map[string]kpi.Row{}
	for _, r := range w.get(q) {
		byDay[r.Key.Day] = r
	}
	money(t, "2 March", byDay["2026-03-02"].Figures, "GBP", 42.53, 9.49, 3505) // 10 + 23.70 + 0.8769 + 7.95; 5.25 + 4.24; 1000 + 1580 + 395 + 530
	money(t, "3 March", byDay["2026-03-03"].Figures, "GBP", 45.97, 5.68, 3404) // 20.5 + 9.872 + 15.5948; 7.10×0.8; 1100 + 1680 + 624

	// Store rows: their own currency, and the converted figures beside.
	q.By = kpi.ByStore
	byStore := map[string]kpi.Row{}
	for _, r := range w.get(q) {
		byStore[r.Key.Store] = r
	}
	money(t, "store T1", byStore["T1"].Figures, "JPY", 4499, 800, 220000)
	money(t, "store N1", byStore["N1"].Figures, "USD", 42.34, 7.10, 4100)
	rep := byStore["T1"].Reporting
	if rep == nil || rep.Currency != "GBP" || !near(rep.EstLoss, 23.54, 0) || !near(rep.RecoveredValue, 4.24, 0) || !near(rep.Sales, 1154, 0) {
		t.Errorf("T1 reporting %+v", rep)
	}
	if rep := byStore["L1"].Reporting; rep == nil || !near(rep.EstLoss, 30.5, 0) || rep.Currency != "GBP" {
		t.Errorf("L1 reporting %+v", rep)
	}

	// One store's rows by day are in its currency, unconverted.
	q.By, q.Store = kpi.ByDay, "T1"
	for _, r := range w.get(q) {
		if r.Currency != "JPY" || r.Reporting != nil {
			t.Errorf("T1 by day %s: currency %s, reporting %+v", r.Key.Day, r.Currency, r.Reporting)
		}
	}

	// A reporting currency of no store converts every store; with no rates
	// to dollars, every money figure of the estate is null with the reason.
	usd := kpi.NewKPIs(w.pool)
	if err := usd.SetReportingCurrency("USD"); err != nil {
		t.Fatal(err)
	}
	a, err := usd.Get(w.ctx, kpi.Query{From: day("2026-03-02"), To: day("2026-03-03"), Dates: true, By: kpi.ByEstate})
	if err != nil {
		t.Fatal(err)
	}
	v := a[0].Values()
	if a[0].Currency != "USD" || v["est_loss"] != nil || v["recovered_value"] != nil || a[0].Sales != nil || a[0].ShrinkPct != nil ||
		!strings.Contains(a[0].MoneyReason, "GBP on 2026-03-02..2026-03-03") || !strings.Contains(a[0].MoneyReason, "JPY on 2026-03-02..2026-03-03") {
		t.Errorf("estate in USD without rates: %s %v %v %v: %q", a[0].Currency, show(v["est_loss"]), show(v["recovered_value"]), show(a[0].Sales), a[0].MoneyReason)
	}
}

// A figure that needs a missing rate is null with its reason; the figures
// that need no rate of that day stay.
func TestMoneyMissingRate(t *testing.T) {
	t.Parallel()
	w := threeCurrencies(t)
	w.lost("T1", "Asia/Tokyo", "2026-03-04", 100) // no JPY rate on 4 March
	w.lost("L1", "Europe/London", "2026-03-04", 1)
	w.refresh()
	q := kpi.Query{From: day("2026-03-02"), To: day("2026-03-04"), Dates: true, By: kpi.ByEstate}
	r := w.get(q)[0]
	v := r.Values()
	if v["est_loss"] != nil || r.ShrinkPct != nil {
		t.Errorf("est_loss %v shrink %v with JPY missing on 4 March", show(v["est_loss"]), show(r.ShrinkPct))
	}
	if want := "no exchange rate to GBP for JPY on 2026-03-04"; r.MoneyReason != want {
		t.Errorf("reason %q, want %q", r.MoneyReason, want)
	}
	money(t, "recovered and sales need no rate of 4 March", kpi.Figures{Currency: r.Currency, Sales: r.Sales,
		RecoveredValue: r.RecoveredValue, EstLoss: 0}, "GBP", 0, 15.17, 6909)
	if r.Change != nil && r.Change.EstLoss != nil {
		t.Errorf("change of a null est_loss %v", *r.Change.EstLoss)
	}
	// The region without yen is whole: 30.5 + 1.
	q.By = kpi.ByRegion
	for _, r := range w.get(q) {
		v := r.Values()
		switch r.Key.Region {
		case "uk":
			money(t, "region uk", r.Figures, "GBP", 31.5, 5.25, 2100)
		case "jp":
			if v["est_loss"] != nil || r.MoneyReason == "" {
				t.Errorf("region jp est_loss %v reason %q", show(v["est_loss"]), r.MoneyReason)
			}
		}
	}
	// The rate arrives: the figure is whole. 100 × 0.0051 = 0.51; 88.4937 + 0.51 + 1 = 90.0037.
	if _, err := w.kpis.PutRates(w.ctx, []kpi.Rate{{Day: "2026-03-04", Currency: "JPY", Rate: 0.0051}}); err != nil {
		t.Fatal(err)
	}
	q.By = kpi.ByEstate
	r = w.get(q)[0]
	money(t, "estate with the rate", r.Figures, "GBP", 90, 15.17, 6909)
}

// Amounts are in the store's minor units: no half yen, no tenth of a cent.
func TestAmountsInMinorUnits(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.storeIn("T1", "Asia/Tokyo", "jp", "JPY", 500)
	w.storeIn("N1", "America/New_York", "us", "USD", 5)
	field := func(err error) string {
		var be *ss.BatchError
		if errors.As(err, &be) && len(be.Items) == 1 {
			return be.Items[0].Field
		}
		return ""
	}
	if err := w.sale("T1", "2026-03-02", 12.5); field(err) != "amount" {
		t.Errorf("12.5 JPY sale: %v", err)
	}
	if err := w.sale("N1", "2026-03-02", 12.345); field(err) != "amount" {
		t.Errorf("12.345 USD sale: %v", err)
	}
	if err := w.sale("T1", "2026-03-02", 1250); err != nil {
		t.Errorf("1250 JPY sale: %v", err)
	}
	half := 12.5
	score := 0.9
	_, err := w.ing.Events(w.ctx, nil, []ss.EventInput{{ID: "0190c3c0-0000-7000-8000-000000000001", Store: "T1", Zone: "Z1",
		OccurredAt: "2026-03-02T03:00:00Z", Score: &score, EstValue: &half}})
	if field(err) != "est_value" {
		t.Errorf("12.5 JPY event: %v", err)
	}
	at := localNoon("2026-03-02", "Asia/Tokyo")
	id := w.event("T1", "Z1", at, 1000)
	_, err = w.ing.Outcomes(w.ctx, nil, []ss.OutcomeInput{{Event: id, Outcome: ss.OutcomeIntervenedRecovered, At: at.Add(time.Minute).UTC().Format(time.RFC3339), ValueRecovered: &half}})
	if field(err) != "value_recovered" {
		t.Errorf("12.5 JPY recovered: %v", err)
	}
	var n int
	if err := w.pool.QueryRow(w.ctx, `SELECT count(*) FROM sales`).Scan(&n); err != nil || n != 1 {
		t.Errorf("sales rows %d (%v), want the one whole-yen sale", n, err)
	}
}

// Rates are validated whole and name the bad item.
func TestPutRatesValidation(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	for _, c := range []struct {
		name  string
		rates []kpi.Rate
		field string
	}{
		{"bad day", []kpi.Rate{{Day: "2026-02-30", Currency: "USD", Rate: 1}}, "day"},
		{"unknown currency", []kpi.Rate{{Day: "2026-03-01", Currency: "XYZ", Rate: 1}}, "currency"},
		{"reporting currency", []kpi.Rate{{Day: "2026-03-01", Currency: "GBP", Rate: 1}}, "currency"},
		{"zero rate", []kpi.Rate{{Day: "2026-03-01", Currency: "USD", Rate: 0}}, "rate"},
		{"twice", []kpi.Rate{{Day: "2026-03-01", Currency: "USD", Rate: 0.8}, {Day: "2026-03-01", Currency: "USD", Rate: 0.7}}, "day"},
	} {
		_, err := w.kpis.PutRates(w.ctx, append([]kpi.Rate{{Day: "2026-03-02", Currency: "EUR", Rate: 0.85}}, c.rates...))
		var be *ss.BatchError
		if !errors.As(err, &be) || be.Items[len(be.Items)-1].Field != c.field {
			t.Errorf("%s: %v, want the item's %s named", c.name, err, c.field)
		}
	}
	got, err := w.kpis.Rates(w.ctx, "", day("2026-01-01"), day("2026-12-31"))
	if err != nil || len(got) != 0 {
		t.Errorf("rates stored from refused batches: %v %v", got, err)
	}
}

// Converted est_loss is the expected loss: each store's open value is
// discounted by its false share before the day's rate applies.
func TestMoneyConvertsExpectedLoss(t *testing.T) {
	t.Parallel()
	w := threeCurrencies(t)
	at := localNoon("2026-03-02", "Asia/Tokyo")
	w.event("T1", "Z1", at, 1000) // open
	id := w.event("T1", "Z1", at.Add(time.Hour), 500)
	w.outcome(id, ss.OutcomeFalsePositive, at, at.Add(2*time.Hour), 0, 0)
	w.refresh()
	// T1 has 4 reviews, 1 false: f = 1/4, so its open 1000 JPY counts 750 JPY = 3.975 GBP at 0.0053;
	// the estate is 88.4937 + 3.975 = 92.4687, shown 92.47; T1 in pounds 23.5448 + 3.975 = 27.5198.
	q := kpi.Query{From: day("2026-03-02"), To: day("2026-03-03"), Dates: true, By: kpi.ByEstate, MinReviews: 1}
	r := w.get(q)[0]
	if !near(r.Values()["est_loss"], 92.47, 0) {
		t.Errorf("estate expected loss %v, want 92.47 (%s)", show(r.Values()["est_loss"]), r.MoneyReason)
	}
	q.By = kpi.ByStore
	for _, r := range w.get(q) {
		if r.Key.Store != "T1" {
			continue
		}
		if r.EstLoss != 5249 || r.Reporting == nil || !near(r.Reporting.EstLoss, 27.52, 0) {
			t.Errorf("T1 expected loss %v JPY, reporting %+v; want 5249 and 27.52", r.EstLoss, r.Reporting)
		}
	}
}

// The discount of open value is exact over the rows it is summed from: a
// zone's open value split by method (0.02 pocket, 0.02 bag, 0.05 sleeve) at
// a false share of 5/6 counts 0.09 × 1/6 = 0.015, not a sum of quotients
// rounded to numeric's scale that falls short of it. L1 (GBP): lost 1.00 +
// 0.015 = 1.015; N1 (USD): lost 1.00 at 0.5 = 0.50; the estate 1.515,
// shown 1.52, the region uk 1.015, shown 1.02 — with a category filter,
// over a scope of both stores, and by region, each through the conversion.
func TestMoneyDiscountExactAcrossMethods(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.storeIn("L1", "Europe/London", "uk", "GBP", 5)
	w.storeIn("N1", "America/New_York", "us", "USD", 5)
	at := localNoon("2026-03-02", "Europe/London")
	put := func(m ss.Method, v float64, at time.Time) string {
		t.Helper()
		score := 0.9
		in := ss.EventInput{ID: uuid.Must(uuid.NewV7()).String(), Store: "L1", Zone: "Z1", OccurredAt: at.UTC().Format(time.RFC3339),
			Score: &score, Method: m, EstValue: &v}
		if _, err := w.ing.Events(w.ctx, nil, []ss.EventInput{in}); err != nil {
			t.Fatal(err)
		}
		return in.ID
	}
	// L1's reviews: 5 false positives and 1 walked out, f = 5/6.
	for i := range 5 {
		a := at.Add(time.Duration(i) * time.Minute)
		w.outcome(put(ss.MethodOther, 1, a), ss.OutcomeFalsePositive, a, a.Add(time.Hour), 0, 0)
	}
	a := at.Add(10 * time.Minute)
	w.outcome(put(ss.MethodUnknown, 1, a), ss.OutcomeWalkedOut, a, a.Add(time.Hour), 0, 0)
	put(ss.MethodPocket, 0.02, at.Add(20*time.Minute))
	put(ss.MethodBag, 0.02, at.Add(21*time.Minute))
	put(ss.MethodSleeve, 0.05, at.Add(22*time.Minute))
	w.lost("N1", "America/New_York", "2026-03-02", 1)
	if _, err := w.kpis.PutRates(w.ctx, []kpi.Rate{{Day: "2026-03-02", Currency: "USD", Rate: 0.5}}); err != nil {
		t.Fatal(err)
	}
	w.refresh()
	d := day("2026-03-02")
	for _, c := range []struct {
		q    kpi.Query
		key  string
		want float64
	}{
		{kpi.Query{By: kpi.ByEstate, Category: "food"}, "", 1.52},
		{kpi.Query{By: kpi.ByCategory, Scope: []string{"L1", "N1"}}, "food", 1.52},
		{kpi.Query{By: kpi.ByRegion, Category: "food"}, "uk", 1.02},
		{kpi.Query{By: kpi.ByRegion, Category: "food"}, "us", 0.50},
	} {
		c.q.From, c.q.To, c.q.Dates, c.q.MinReviews = d, d, true, 1
		found := false
		for _, r := range w.get(c.q) {
			if k := r.Key.Category + r.Key.Region; k != c.key {
				continue
			}
			found = true
			if !near(r.Values()["est_loss"], c.want, 0) {
				t.Errorf("%s %s: expected loss %v, want %v (%s)", c.q.By, c.key, show(r.Values()["est_loss"]), c.want, r.MoneyReason)
			}
		}
		if !found {
			t.Errorf("%s: no row %q", c.q.By, c.key)
		}
	}
}
