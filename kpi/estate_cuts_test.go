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

// The estate's cuts by category, method and hour of week are read from
// kpi_estate_cuts for the whole estate, a region and scopes of more than
// twenty stores, and from zone and hour rows for smaller scopes. A scope
// naming every store of the estate is the same set of stores read the other
// way: both answers are the same, figure for figure, in every period,
// across both daylight-saving changes, in three currencies (with a day's
// rate missing), and after late events and outcomes are refreshed.

// cutsWorld is an estate of six stores in three currencies with rates,
// ending at end, refreshed.
func cutsWorld(t *testing.T, end time.Time, days int) (*world, *estate.Estate) {
	w := newWorld(t)
	// Store ids 62–67: the cut rows of parts 0 (62, 63) and 1 (64–67), so a
	// refresh of one store rewrites its part's rows and leaves the other's.
	if _, err := w.pool.Exec(w.ctx, `SELECT setval(pg_get_serial_sequence('stores', 'id'), 61)`); err != nil {
		t.Fatal(err)
	}
	est := estate.New(estate.Config{Seed: 29, Stores: 6, Days: days, End: end})
	if _, err := app.LoadEstate(w.ctx, w.pool, est, nil); err != nil {
		t.Fatal(err)
	}
	if err := app.LoadRates(w.ctx, w.kpis, est); err != nil {
		t.Fatal(err)
	}
	w.refresh()
	return w, est
}

// sameCuts compares every cut grouping over each period read both ways:
// scope empty (kpi_estate_cuts) and scope naming all stores (zone and hour
// rows); the same for each region, and for a scope of more than twenty
// codes (kpi_estate_cuts filtered by store) against the real ones among
// them. It returns the rows compared.
func sameCuts(t *testing.T, w *world, est *estate.Estate, periods [][2]string) int {
	t.Helper()
	var all []string
	regions := map[string][]string{}
	for _, s := range est.Stores {
		all = append(all, s.Code)
		regions[s.Region] = append(regions[s.Region], s.Code)
	}
	// More than estateScope codes: the stores 1, 3 and 5 and codes no store has.
	wide, some := []string{est.Stores[1].Code, est.Stores[3].Code, est.Stores[5].Code}, []string{}
	some = append(some, wide...)
	for i := 0; i < 20; i++ {
		wide = append(wide, fmt.Sprintf("NOPE%02d", i))
	}
	type pair struct {
		name     string
		cut, ref kpi.Query
	}
	compared := 0
	for _, by := range []kpi.Grouping{kpi.ByCategory, kpi.ByMethod, kpi.ByHourOfWeek} {
		for _, per := range periods {
			q := kpi.Query{From: day(per[0]), To: day(per[1]), Dates: true, By: by}
			with := func(f func(*kpi.Query)) kpi.Query { c := q; f(&c); return c }
			pairs := []pair{{"estate", q, with(func(c *kpi.Query) { c.Scope = all })},
				{"scope of 23 codes", with(func(c *kpi.Query) { c.Scope = wide }), with(func(c *kpi.Query) { c.Scope = some })}}
			for r, codes := range regions {
				pairs = append(pairs, pair{"region " + r, with(func(c *kpi.Query) { c.Region = r }),
					with(func(c *kpi.Query) { c.Region, c.Scope = r, codes })})
			}
			for _, p := range pairs {
				a, b := w.answer(p.cut), w.answer(p.ref)
				if len(b.Rows) == 0 && p.name == "estate" { // a region's stores may be closed on a day
					t.Errorf("%s by %s %s..%s: no rows to compare", p.name, by, per[0], per[1])
				}
				for i := range max(len(a.Rows), len(b.Rows)) {
					var x, y []byte
					if i < len(a.Rows) {
						x, _ = json.Marshal(a.Rows[i])
					}
					if i < len(b.Rows) {
						y, _ = json.Marshal(b.Rows[i])
					}
					if string(x) != string(y) {
						t.Errorf("%s by %s %s..%s row %d:\n cuts %s\nzones %s", p.name, by, per[0], per[1], i, x, y)
						break
					}
				}
				ja, _ := json.Marshal(struct{ C, P kpi.Coverage }{a.Current, a.Previous})
				jb, _ := json.Marshal(struct{ C, P kpi.Coverage }{b.Current, b.Previous})
				if string(ja) != string(jb) {
					t.Errorf("%s by %s %s..%s coverage: cuts %s, zones %s", p.name, by, per[0], per[1], ja, jb)
				}
				compared += len(b.Rows)
			}
		}
	}
	return compared
}

// Autumn: Europe leaves summer time on 2026-10-25, the US on 2026-11-01.
// The periods: across both changes (whole weeks and end days), a single
// day, the first days of the data (the previous period before it), the last
// day, and a period one day longer than the data.
func TestEstateCutsMatchZoneRowsAutumn(t *testing.T) {
	t.Parallel()
	w, est := cutsWorld(t, time.Date(2026, 11, 9, 0, 0, 0, 0, time.UTC), 35)
	periods := [][2]string{{"2026-10-22", "2026-11-08"}, {"2026-10-25", "2026-10-25"}, {"2026-11-01", "2026-11-01"},
		{"2026-10-05", "2026-10-11"}, {"2026-11-08", "2026-11-08"}, {"2026-10-04", "2026-11-09"}}
	if n := sameCuts(t, w, est, periods); n == 0 {
		t.Fatal("nothing compared")
	}

	// Two parts, each row holding only its own stores.
	var parts, wrong int
	if err := w.pool.QueryRow(w.ctx, `SELECT count(DISTINCT part), count(*) FILTER (WHERE EXISTS (
    SELECT 1 FROM generate_series(0, length(figures) / 120 - 1) i
    WHERE ('x' || encode(substring(figures FROM i * 120 + 1 FOR 8), 'hex'))::bit(64)::bigint / 64 <> part)) FROM kpi_estate_cuts`).Scan(&parts, &wrong); err != nil || parts != 2 || wrong != 0 {
		t.Fatalf("cut rows in %d parts (%v), %d rows holding another part's store; want 2 and 0", parts, err, wrong)
	}

	// The cut reads really come from kpi_estate_cuts: emptied, the estate has no rows.
	if _, err := w.pool.Exec(w.ctx, `CREATE TEMP TABLE saved AS SELECT * FROM kpi_estate_cuts; DELETE FROM kpi_estate_cuts`); err != nil {
		t.Fatal(err)
	}
	if rows := w.get(kpi.Query{From: day("2026-10-22"), To: day("2026-11-08"), Dates: true, By: kpi.ByCategory}); len(rows) != 0 {
		t.Errorf("by category without kpi_estate_cuts: %d rows, want none", len(rows))
	}
	if _, err := w.pool.Exec(w.ctx, `INSERT INTO kpi_estate_cuts SELECT * FROM saved`); err != nil {
		t.Fatal(err)
	}

	// Late facts: an event on an old day and a late outcome, refreshed.
	before := w.get(kpi.Query{From: day("2026-10-12"), To: day("2026-10-18"), Dates: true, By: kpi.ByMethod})
	var events int64
	for _, r := range before {
		events += r.Events
	}
	s := est.Stores[2]
	loc, _ := time.LoadLocation(s.Timezone)
	at := time.Date(2026, 10, 14, 15, 20, 0, 0, loc)
	id := w.event(s.Code, s.Zones[0].Code, at, 41.37)
	w.outcome(id, ss.OutcomeWalkedOut, at, at.Add(time.Hour), 0, 0)
	w.refresh()
	after := w.get(kpi.Query{From: day("2026-10-12"), To: day("2026-10-18"), Dates: true, By: kpi.ByMethod})
	var got int64
	for _, r := range after {
		got += r.Events
	}
	if got != events+1 {
		t.Errorf("after a late event: %d events by method, want %d", got, events+1)
	}
	sameCuts(t, w, est, [][2]string{{"2026-10-12", "2026-10-18"}, {"2026-10-14", "2026-10-14"}})

	// A missing rate: the money of that day is null with the reason, both ways.
	if _, err := w.pool.Exec(w.ctx, `DELETE FROM fx_rates WHERE currency = 'USD' AND day = '2026-10-27'`); err != nil {
		t.Fatal(err)
	}
	sameCuts(t, w, est, [][2]string{{"2026-10-26", "2026-11-01"}})
	reasons := 0
	for _, r := range w.get(kpi.Query{From: day("2026-10-26"), To: day("2026-11-01"), Dates: true, By: kpi.ByCategory}) {
		if r.MoneyReason != "" {
			reasons++
		}
	}
	if reasons == 0 {
		t.Error("no category names the missing USD rate of 2026-10-27")
	}

	// kpi verify checks the cut rows against the facts: clean, then a planted change is found.
	rep, err := w.roll.Verify(w.ctx, nil, day("2026-10-05"), day("2026-11-08"))
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Drift) != 0 {
		t.Fatalf("verify: %d drifts, first %s", len(rep.Drift), rep.Drift[0])
	}
	// The second store record's events (its second int8) in one category-day row.
	if _, err := w.pool.Exec(w.ctx, `UPDATE kpi_estate_cuts SET figures = overlay(figures PLACING int8send(999) FROM 121 + 8 FOR 8)
WHERE (cut, kind, start, key) = (SELECT cut, kind, start, key FROM kpi_estate_cuts
    WHERE cut = 'category' AND kind = 'day' AND start = '2026-10-20' AND length(figures) >= 240 ORDER BY key LIMIT 1)`); err != nil {
		t.Fatal(err)
	}
	rep, err = w.roll.Verify(w.ctx, nil, day("2026-10-19"), day("2026-10-25"))
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, d := range rep.Drift {
		if d.Level == "kpi_estate_cuts" && d.Figure == "events" && d.Rollup == "999" {
			found = true
		}
	}
	if !found {
		t.Errorf("verify did not find the planted events 999 in kpi_estate_cuts: %v", rep.Drift)
	}
}

// Spring: the US starts summer time on 2026-03-08, Europe on 2026-03-29.
func TestEstateCutsMatchZoneRowsSpring(t *testing.T) {
	t.Parallel()
	w, est := cutsWorld(t, time.Date(2026, 4, 6, 0, 0, 0, 0, time.UTC), 36)
	periods := [][2]string{{"2026-03-05", "2026-03-31"}, {"2026-03-08", "2026-03-08"}, {"2026-03-29", "2026-03-29"},
		{"2026-03-23", "2026-04-05"}}
	if n := sameCuts(t, w, est, periods); n == 0 {
		t.Fatal("nothing compared")
	}
	// The incremental rows equal a rebuild's.
	var before string
	if err := w.pool.QueryRow(w.ctx, `SELECT md5(string_agg(t::text, '|' ORDER BY t::text)) FROM kpi_estate_cuts t`).Scan(&before); err != nil {
		t.Fatal(err)
	}
	if err := w.roll.Rebuild(w.ctx, nil, 2); err != nil {
		t.Fatal(err)
	}
	var after string
	if err := w.pool.QueryRow(w.ctx, `SELECT md5(string_agg(t::text, '|' ORDER BY t::text)) FROM kpi_estate_cuts t`).Scan(&after); err != nil {
		t.Fatal(err)
	}
	if before != after {
		t.Error("kpi_estate_cuts differs between the refresh and a rebuild")
	}

	// A store's rebuild rewrites the cut rows of its part only (store 64:
	// part 1), to the same rows; part 0's stay as they were written.
	versions := func(part int) string {
		t.Helper()
		var v string
		if err := w.pool.QueryRow(w.ctx, `SELECT string_agg(xmin::text, ',' ORDER BY cut, kind, start, key) FROM kpi_estate_cuts WHERE part = $1`, part).Scan(&v); err != nil || v == "" {
			t.Fatalf("part %d: versions %q (%v)", part, v, err)
		}
		return v
	}
	part0, part1 := versions(0), versions(1)
	if err := w.roll.Rebuild(w.ctx, []int64{64}, 1); err != nil {
		t.Fatal(err)
	}
	if err := w.pool.QueryRow(w.ctx, `SELECT md5(string_agg(t::text, '|' ORDER BY t::text)) FROM kpi_estate_cuts t`).Scan(&after); err != nil {
		t.Fatal(err)
	}
	if before != after {
		t.Error("kpi_estate_cuts differs between the refresh and a rebuild of store 64")
	}
	if versions(0) != part0 {
		t.Error("a rebuild of store 64 rewrote part 0's cut rows")
	}
	if versions(1) == part1 {
		t.Error("a rebuild of store 64 left its part's cut rows as they were")
	}
}
