package kpi_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/app"
	"github.com/shrinkscope/shrinkscope/internal/estate"
	"github.com/shrinkscope/shrinkscope/kpi"
)

// The money of the estate's store-level groupings (by estate, region,
// store, day and week, for the whole estate, a region or a scope of more
// than twenty stores) is converted in Go from kpi_estate's day rows; a
// small scope converts it with moneySQL over every store-day, and so does
// a query told to (kpi.WithMoneySQL). Both ways give the same answer,
// field for field — est_loss, recovered_value, sales and paid_unprompted
// converted, the null figures and money_reason of a missing rate, the
// store rows' reporting figures — in both periods, across both
// daylight-saving changes and both ends of the data, in four reporting
// currencies (one of them with no rates at all), with a store without a
// currency, and on the stores' own, their regions' and the estate's basis.

// sameMoney answers every store-level grouping of each period, scope and
// basis setting both ways with k and compares the answers. It returns the
// rows compared and how many of them carried converted money with a
// missing rate.
func sameMoney(t *testing.T, w *world, k *kpi.KPIs, est *estate.Estate, periods [][2]string, needs ...int) (rows, reasons int) {
	t.Helper()
	regions := map[string]bool{}
	var some []string
	for i, s := range est.Stores {
		regions[s.Region] = true
		if i%2 == 1 {
			some = append(some, s.Code)
		}
	}
	// More than twenty codes: half the stores and codes no store has.
	wide := append([]string(nil), some...)
	for i := 0; i < 20; i++ {
		wide = append(wide, fmt.Sprintf("NOPE%02d", i))
	}
	type scope struct {
		name string
		set  func(*kpi.Query)
	}
	scopes := []scope{{"estate", func(*kpi.Query) {}}, {"scope of 23 codes", func(q *kpi.Query) { q.Scope = wide }}}
	for r := range regions {
		scopes = append(scopes, scope{"region " + r, func(q *kpi.Query) { q.Region = r }})
	}
	scopes = append(scopes, scope{"scope of 23 codes in a region", func(q *kpi.Query) { q.Scope, q.Region = wide, est.Stores[1].Region }})
	// The stores in the reporting currency and codes no store has: no
	// conversion at all, both ways.
	var own []string
	for _, s := range est.Stores {
		if s.Currency == k.ReportingCurrency() {
			own = append(own, s.Code)
		}
	}
	for i := 0; i < 21; i++ {
		own = append(own, fmt.Sprintf("NOPE%02d", i))
	}
	scopes = append(scopes, scope{"scope of the reporting currency's stores", func(q *kpi.Query) { q.Scope = own }})
	for _, by := range []kpi.Grouping{kpi.ByEstate, kpi.ByRegion, kpi.ByStore, kpi.ByDay, kpi.ByWeek} {
		for _, per := range periods {
			// Reviews needed: the default (stores' own), more than some
			// stores have, more than anyone has (the estate's).
			if len(needs) == 0 {
				needs = []int{0, 400, 1 << 30}
			}
			for _, need := range needs {
				for _, sc := range scopes {
					q := kpi.Query{From: day(per[0]), To: day(per[1]), Dates: true, By: by, MinReviews: need}
					sc.set(&q)
					a, err := k.Answer(w.ctx, q)
					if err != nil {
						t.Fatal(err)
					}
					b, err := k.Answer(w.ctx, kpi.WithMoneySQL(q))
					if err != nil {
						t.Fatal(err)
					}
					name := fmt.Sprintf("%s by %s %s..%s min %d", sc.name, by, per[0], per[1], need)
					if len(b.Rows) == 0 && sc.name == "estate" {
						t.Errorf("%s: no rows to compare", name)
					}
					for i := range max(len(a.Rows), len(b.Rows)) {
						var x, y []byte
						if i < len(a.Rows) {
							x, _ = json.Marshal(a.Rows[i])
						}
						if i < len(b.Rows) {
							y, _ = json.Marshal(b.Rows[i])
							r := b.Rows[i]
							if r.MoneyReason != "" || r.Reporting != nil && r.Reporting.MoneyReason != "" ||
								r.Previous != nil && r.Previous.MoneyReason != "" {
								reasons++
							}
						}
						if string(x) != string(y) {
							t.Errorf("%s row %d:\n   estate rows %s\n     moneySQL %s", name, i, x, y)
							break
						}
					}
					ja, _ := json.Marshal(struct{ C, P kpi.Coverage }{a.Current, a.Previous})
					jb, _ := json.Marshal(struct{ C, P kpi.Coverage }{b.Current, b.Previous})
					if string(ja) != string(jb) {
						t.Errorf("%s coverage: estate rows %s, moneySQL %s", name, ja, jb)
					}
					rows += len(b.Rows)
				}
			}
		}
	}
	return rows, reasons
}

// basisLevels counts the basis labels of the rows of both periods of the
// estate by store over from..to with the given reviews needed.
func basisLevels(t *testing.T, w *world, from, to string, need int) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, r := range w.get(kpi.Query{From: day(from), To: day(to), Dates: true, By: kpi.ByStore, MinReviews: need}) {
		out[r.EstLossBasis]++
	}
	return out
}

// moneyWorld is cutsWorld with three more readers of it: reporting in USD
// (two stores keep it) and EUR, their rates loaded, and in CHF (no rates at
// all: every store lacks one).
func moneyWorld(t *testing.T, end time.Time, days int) (*world, *estate.Estate, []*kpi.KPIs) {
	w, est := cutsWorld(t, end, days)
	readers := []*kpi.KPIs{w.kpis}
	for _, c := range []ss.Currency{"USD", "EUR", "CHF"} {
		k := kpi.NewKPIs(w.pool)
		if err := k.SetReportingCurrency(c); err != nil {
			t.Fatal(err)
		}
		if c != "CHF" {
			if err := app.LoadRates(w.ctx, k, est); err != nil {
				t.Fatal(err)
			}
		}
		readers = append(readers, k)
	}
	return w, est, readers
}

// Autumn: Europe leaves summer time on 2026-10-25, the US on 2026-11-01.
// The periods: across both changes (whole weeks and end days), a single
// day at each change, the first days of the data (the previous period
// before it), the last day, and a period one day longer than the data.
func TestEstateMoneyMatchesMoneySQLAutumn(t *testing.T) {
	t.Parallel()
	w, est, readers := moneyWorld(t, time.Date(2026, 11, 9, 0, 0, 0, 0, time.UTC), 35)
	currencies := map[ss.Currency]int{}
	for _, s := range est.Stores {
		currencies[s.Currency]++
	}
	if len(currencies) < 3 {
		t.Fatalf("the estate's stores keep %d currencies, want three", len(currencies))
	}
	periods := [][2]string{{"2026-10-22", "2026-11-08"}, {"2026-10-25", "2026-10-25"}, {"2026-11-01", "2026-11-01"},
		{"2026-10-05", "2026-10-11"}, {"2026-11-08", "2026-11-08"}, {"2026-10-04", "2026-11-09"}}
	for _, k := range readers {
		if n, _ := sameMoney(t, w, k, est, periods); n == 0 {
			t.Fatalf("reporting in %s: nothing compared", k.ReportingCurrency())
		}
	}

	// A missing rate on some days, and a store without a currency: the
	// money of those days is null with the reason, both ways. One of the
	// days holds nothing but a USD store's sales, after the data's end.
	var usd string
	for _, s := range est.Stores {
		if s.Currency == "USD" {
			usd = s.Code
		}
	}
	if usd == "" {
		t.Fatal("no store keeps USD")
	}
	if err := w.sale(usd, "2026-11-09", 1234.56); err != nil {
		t.Fatal(err)
	}
	w.refresh()
	if _, err := w.pool.Exec(w.ctx, `DELETE FROM fx_rates WHERE currency = 'USD' AND day IN ('2026-10-27', '2026-10-30', '2026-10-31', '2026-11-09')`); err != nil {
		t.Fatal(err)
	}
	if _, err := w.pool.Exec(w.ctx, `UPDATE stores SET currency = NULL WHERE code = $1`, est.Stores[4].Code); err != nil {
		t.Fatal(err)
	}
	for _, k := range readers[:3] {
		n, reasons := sameMoney(t, w, k, est, [][2]string{{"2026-10-26", "2026-11-08"}, {"2026-10-27", "2026-10-27"}, {"2026-11-03", "2026-11-09"}})
		if n == 0 || reasons == 0 {
			t.Errorf("reporting in %s with rates missing: %d rows compared, %d with a money reason", k.ReportingCurrency(), n, reasons)
		}
	}

	// The estate's conversion really reads kpi_estate: emptied, the estate
	// by day converts nothing, and the answers part.
	q := kpi.Query{From: day("2026-10-26"), To: day("2026-11-01"), Dates: true, By: kpi.ByDay}
	if _, err := w.pool.Exec(w.ctx, `DELETE FROM kpi_estate`); err != nil {
		t.Fatal(err)
	}
	// (The figures from the store rows, which kpi_estate's day rows would
	// give by day too: only the money's source differs.)
	q = kpi.WithStoreRows(q)
	a, b := w.answer(q), w.answer(kpi.WithMoneySQL(q))
	x, _ := json.Marshal(a.Rows)
	y, _ := json.Marshal(b.Rows)
	if string(x) == string(y) {
		t.Error("by day without kpi_estate: the same money as moneySQL's")
	}
}

// Spring: the US starts summer time on 2026-03-08, Europe on 2026-03-29.
func TestEstateMoneyMatchesMoneySQLSpring(t *testing.T) {
	t.Parallel()
	w, est, readers := moneyWorld(t, time.Date(2026, 4, 6, 0, 0, 0, 0, time.UTC), 36)
	periods := [][2]string{{"2026-03-05", "2026-03-31"}, {"2026-03-08", "2026-03-08"}, {"2026-03-29", "2026-03-29"},
		{"2026-03-23", "2026-04-05"}, {"2026-03-01", "2026-03-07"}}
	for _, k := range readers {
		if n, _ := sameMoney(t, w, k, est, periods); n == 0 {
			t.Fatalf("reporting in %s: nothing compared", k.ReportingCurrency())
		}
	}
}

// Twelve stores, three regions of two: with enough reviews needed, some
// stores take their region's basis.
func TestEstateMoneyMatchesMoneySQLRegions(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	est := estate.New(estate.Config{Seed: 29, Stores: 12, Days: 21, End: time.Date(2026, 11, 9, 0, 0, 0, 0, time.UTC)})
	if _, err := app.LoadEstate(w.ctx, w.pool, est, nil); err != nil {
		t.Fatal(err)
	}
	if err := app.LoadRates(w.ctx, w.kpis, est); err != nil {
		t.Fatal(err)
	}
	w.refresh()
	const need = 600
	if got := basisLevels(t, w, "2026-10-26", "2026-11-08", need); got[kpi.BasisRegion] == 0 {
		t.Fatalf("with %d reviews needed no store takes its region's basis: %v", need, got)
	}
	if n, _ := sameMoney(t, w, w.kpis, est, [][2]string{{"2026-10-26", "2026-11-08"}, {"2026-11-02", "2026-11-02"}}, 0, need); n == 0 {
		t.Fatal("nothing compared")
	}
}
