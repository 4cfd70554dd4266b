package kpi_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/shrinkscope/shrinkscope/internal/estate"
	"github.com/shrinkscope/shrinkscope/kpi"
)

// sameDays compares by day and by week over each period read both ways:
// from kpi_estate's day rows (the estate, every region, a scope of more
// than twenty codes) and from the store rows (WithStoreRows): the whole
// answer, every row, its money converted to the reporting currency, and the
// coverage.
func sameDays(t *testing.T, w *world, est *estate.Estate, periods [][2]string) int {
	t.Helper()
	regions := map[string][]string{}
	for _, s := range est.Stores {
		regions[s.Region] = append(regions[s.Region], s.Code)
	}
	wide := []string{est.Stores[1].Code, est.Stores[3].Code, est.Stores[5].Code}
	for i := len(wide); i < 23; i++ {
		wide = append(wide, "NOPE"+string(rune('A'+i)))
	}
	compared := 0
	for _, by := range []kpi.Grouping{kpi.ByDay, kpi.ByWeek} {
		for _, per := range periods {
			{
				q := kpi.Query{From: day(per[0]), To: day(per[1]), Dates: true, By: by}
				with := func(f func(*kpi.Query)) kpi.Query { c := q; f(&c); return c }
				qs := map[string]kpi.Query{"estate": q, "scope of 23 codes": with(func(c *kpi.Query) { c.Scope = wide })}
				for r := range regions {
					qs["region "+r] = with(func(c *kpi.Query) { c.Region = r })
				}
				for name, a := range qs {
					x, _ := json.Marshal(w.answer(a))
					y, _ := json.Marshal(w.answer(kpi.WithStoreRows(a)))
					if string(x) != string(y) {
						t.Errorf("%s by %s %s..%s:\nestate rows %s\n store rows %s", name, by, per[0], per[1], x, y)
					}
					compared++
				}
			}
		}
	}
	return compared
}

// By day and by week from kpi_estate's day rows, as from the store rows:
// across Europe's and the US's autumn changes, a single day, the data's
// first days (the previous period before them), its last day, a period a
// day longer than the data, partial weeks at both ends; after a late event
// and outcome, refreshed.
func TestEstateDaysMatchStoreRows(t *testing.T) {
	t.Parallel()
	w, est := cutsWorld(t, time.Date(2026, 11, 9, 0, 0, 0, 0, time.UTC), 35)
	periods := [][2]string{{"2026-10-22", "2026-11-08"}, {"2026-10-25", "2026-10-25"}, {"2026-11-01", "2026-11-01"},
		{"2026-10-05", "2026-10-11"}, {"2026-11-08", "2026-11-08"}, {"2026-10-04", "2026-11-09"}, {"2026-10-14", "2026-10-29"}}
	if n := sameDays(t, w, est, periods); n == 0 {
		t.Fatal("nothing compared")
	}
	s := est.Stores[2]
	loc, _ := time.LoadLocation(s.Timezone)
	at := time.Date(2026, 10, 14, 15, 20, 0, 0, loc)
	id := w.event(s.Code, s.Zones[0].Code, at, 41.37)
	w.outcome(id, "walked_out", at, at.Add(time.Hour), 0, 0)
	w.refresh()
	sameDays(t, w, est, [][2]string{{"2026-10-12", "2026-10-18"}, {"2026-10-14", "2026-10-14"}})
}
