package app_test

import (
	"context"
	"testing"
	"time"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/app"
	"github.com/shrinkscope/shrinkscope/internal/dbtest"
	"github.com/shrinkscope/shrinkscope/internal/estate"
	"github.com/shrinkscope/shrinkscope/kpi"
)

// The demo estate prices in its countries' currencies and has a rate for
// every one of its days, so no estate, region or day figure is null.
func TestDemoEstateHasRates(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.New(t)
	end := time.Date(2026, 3, 20, 0, 0, 0, 0, time.UTC)
	est, _, err := app.LoadReady(ctx, pool, estate.Config{Seed: 1, Stores: 6, Days: 14, End: end}, nil)
	if err != nil {
		t.Fatal(err)
	}
	curs := map[ss.Currency]bool{}
	for _, s := range est.Stores {
		curs[s.Currency] = true
	}
	if want := []ss.Currency{"GBP", "USD", "EUR", "AUD", "INR"}; len(curs) != len(want) {
		t.Errorf("demo currencies %v, want %v", curs, want)
	}
	k := kpi.NewKPIs(pool)
	for _, by := range []kpi.Grouping{kpi.ByEstate, kpi.ByRegion, kpi.ByDay, kpi.ByStore} {
		rows, err := k.Get(ctx, kpi.Query{From: end.AddDate(0, 0, -14), To: end.AddDate(0, 0, -1), Dates: true, By: by})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			v := r.Values()
			if r.MoneyReason != "" || v["est_loss"] == nil || r.Currency == "" || by == kpi.ByStore && (r.Reporting == nil || r.Reporting.MoneyReason != "") {
				t.Errorf("by=%s %+v: %s %v %q", by, r.Key, r.Currency, v["est_loss"], r.MoneyReason)
			}
		}
	}
}
