package kpi_test

import (
	"math/big"
	"testing"
	"time"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/app"
	"github.com/shrinkscope/shrinkscope/internal/estate"
	"github.com/shrinkscope/shrinkscope/kpi"
)

// A detection store whose reviews are a random sample, by hand. Store D1
// (Europe/Paris), the week of Mon 2 – Sun 8 March 2026, a minimum of 4
// reviews. Z1 cosmetics: 8 events of 10.00; Z2 spirits: 4 events of 30.00.
// The sample reviewed: in Z1 3 confirmed and 1 false alarm, in Z2 1
// confirmed.
//
//	reviewed 5 ≥ 4: the store's own f = 1/5; false_positive_rate = 1/5 = 0.2
//	events 11 (one false); confirmed 30 + 30 = 60; open Z1 4 × 10 = 40, Z2 3 × 30 = 90
//	est_loss = 60 + 130 × (1 − 1/5) = 164; Z1 30 + 40 × 0.8 = 62; Z2 30 + 90 × 0.8 = 102
//
// Store D2 (Europe/Lisbon, its own region), the same 12 events, none
// reviewed: false_positive_rate null ("not reviewed"); before D1's reviews
// nobody has reviewed anything, so est_loss is the whole 200 on basis
// "none"; after them D2 borrows the estate's f (D1's 1/5, D1 being the
// only store that reviews): 200 × 0.8 = 160.
func TestDetectionStoreExpectedLossByHand(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.kpis.SetMinReviews(4)
	ids := map[string][]string{}
	for _, st := range []struct{ code, tz string }{{"D1", "Europe/Paris"}, {"D2", "Europe/Lisbon"}} {
		w.store(st.code, st.tz, ss.ModelDetection, zone("Z1", "cosmetics", 10, 0), zone("Z2", "spirits", 30, 2))
		for i := range 12 {
			z := "Z1"
			if i >= 8 {
				z = "Z2"
			}
			at := time.Date(2026, 3, 2+i%7, 9+i, 0, 0, 0, time.UTC)
			ids[st.code] = append(ids[st.code], w.event(st.code, z, at, 0))
			w.footfall(st.code, "", at.Truncate(time.Hour), 100)
		}
	}
	w.refresh()
	q := kpi.Query{From: day("2026-03-02"), To: day("2026-03-08"), Dates: true, By: kpi.ByStore}
	rows := w.get(q)
	if len(rows) != 2 {
		t.Fatalf("%d rows", len(rows))
	}
	for _, r := range rows {
		if r.EstLoss != 200 || r.FalsePositiveRate != nil || !r.EstLossEstimated || r.EstLossBasis != kpi.BasisNone || r.Reviewed != 0 {
			t.Errorf("%s before any review: est_loss %v basis %q false_positive_rate %v", r.Key.Store, r.EstLoss, r.EstLossBasis, show(r.FalsePositiveRate))
		}
	}

	review := func(id string, kind ss.OutcomeKind) {
		at := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC) // days later, as a review is
		w.outcome(id, kind, at, at, 0, 0)
	}
	d1 := ids["D1"]
	review(d1[0], ss.OutcomeConfirmed)
	review(d1[1], ss.OutcomeConfirmed)
	review(d1[2], ss.OutcomeConfirmed)
	review(d1[3], ss.OutcomeFalsePositive)
	review(d1[8], ss.OutcomeConfirmed)
	w.refresh()

	check := func(name string, r kpi.Row, loss float64, basis string, fpr *float64) {
		t.Helper()
		if r.EstLoss != loss || r.EstLossBasis != basis || !r.EstLossEstimated || show(r.FalsePositiveRate) != show(fpr) {
			t.Errorf("%s: est_loss %v basis %q false_positive_rate %v; want %v %q %v", name, r.EstLoss, r.EstLossBasis,
				show(r.FalsePositiveRate), loss, basis, show(fpr))
		}
		if !near(r.EstLossFalseShare, 0.2, 1e-12) {
			t.Errorf("%s: false share %v, want 0.2", name, show(r.EstLossFalseShare))
		}
	}
	fifth := 0.2
	rows = w.get(q)
	check("D1", rows[0], 164, kpi.BasisStore, &fifth)
	if r := rows[0]; r.Events != 11 || r.Confirmed != 4 || r.FalsePositives != 1 || r.Reviewed != 5 || r.Open != 7 {
		t.Errorf("D1 counts %+v", r.Figures)
	}
	check("D2", rows[1], 160, kpi.BasisEstate, nil)
	// The estate: 164 + 160, each store on its own basis.
	est := w.get(kpi.Query{From: q.From, To: q.To, Dates: true, By: kpi.ByEstate})
	if len(est) != 1 || est[0].EstLoss != 324 || est[0].EstLossBasis != kpi.BasisMixed || est[0].EstLossFalseShare != nil {
		t.Errorf("estate %+v", est)
	}

	zq := q
	zq.By, zq.Store = kpi.ByZone, "D1"
	zones := w.get(zq)
	if len(zones) != 2 || zones[0].EstLoss != 62 || zones[1].EstLoss != 102 {
		t.Errorf("D1 zones %+v", zones)
	}
	// The store's f, not the zone's: Z2 alone reviewed nothing false.
	if len(zones) == 2 && !near(zones[1].EstLossFalseShare, 0.2, 1e-12) {
		t.Errorf("Z2 false share %v", show(zones[1].EstLossFalseShare))
	}
	// Instants read the hourly rows: the same week as [Mon 00:00, Mon 00:00) in UTC holds
	// every event (all between 09:00 and 21:00 UTC).
	iq := kpi.Query{From: time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 3, 9, 0, 0, 0, 0, time.UTC), By: kpi.ByStore, Store: "D1"}
	if r := w.get(iq); len(r) != 1 || r[0].EstLoss != 164 || r[0].EstLossBasis != kpi.BasisStore {
		t.Errorf("D1 over instants %+v", r)
	}
	// With more reviews needed than D1 has, no store qualifies on its own and no
	// region has enough: the estate's 1/5 for both.
	q.MinReviews = 6
	rows = w.get(q)
	check("D1 at 6", rows[0], 164, kpi.BasisEstate, &fifth)
}

// Rounding, by hand: store R1 (UTC) has 3 reviews, 1 false (f = 1/3), so
// open value is kept at 2/3. Z1: confirmed 1.00 and 1.00, a false alarm,
// an open 0.10; Z2: an open 0.10.
//
//	store: 2.00 + 0.20 × 2/3 = 2.1333… → 2.13
//	Z1:    2.00 + 0.10 × 2/3 = 2.0666… → 2.07;  Z2: 0.0666… → 0.07
//
// The zones add up to 2.14, a cent from the store: each group is rounded
// once, so the groups of a store add up to it within half a cent each.
// An open 0.03 at f = 1/2 (store R2) is 0.015: half a cent rounds up, 0.02.
func TestExpectedLossRoundsOncePerGroup(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.kpis.SetMinReviews(2)
	at := time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)
	w.store("R1", "UTC", ss.ModelDetection, zone("Z1", "cosmetics", 1, 0), zone("Z2", "spirits", 0.10, 2))
	w.store("R2", "UTC", ss.ModelDetection, zone("Z1", "cosmetics", 1, 0))
	c1, c2, f := w.event("R1", "Z1", at, 1), w.event("R1", "Z1", at.Add(time.Minute), 1), w.event("R1", "Z1", at.Add(2*time.Minute), 1)
	w.event("R1", "Z1", at.Add(3*time.Minute), 0.10)
	w.event("R1", "Z2", at.Add(4*time.Minute), 0.10)
	c3, f2 := w.event("R2", "Z1", at, 1), w.event("R2", "Z1", at.Add(time.Minute), 1)
	w.event("R2", "Z1", at.Add(2*time.Minute), 0.03)
	later := at.Add(time.Hour)
	w.outcome(c1, ss.OutcomeConfirmed, at, later, 0, 0)
	w.outcome(c2, ss.OutcomeConfirmed, at, later, 0, 0)
	w.outcome(f, ss.OutcomeFalsePositive, at, later, 0, 0)
	w.outcome(c3, ss.OutcomeConfirmed, at, later, 0, 0)
	w.outcome(f2, ss.OutcomeFalsePositive, at, later, 0, 0)
	w.refresh()
	q := kpi.Query{From: day("2026-05-04"), To: day("2026-05-04"), Dates: true, By: kpi.ByStore}
	rows := w.get(q)
	if len(rows) != 2 || rows[0].EstLoss != 2.13 || rows[1].EstLoss != 1.02 {
		t.Errorf("stores %+v", rows)
	}
	// By day the rows come from PostgreSQL's sums, not Go's: the same cents.
	for _, c := range []struct {
		store string
		want  float64
	}{{"R1", 2.13}, {"R2", 1.02}} {
		dq := q
		dq.By, dq.Store = kpi.ByDay, c.store
		if r := w.get(dq); len(r) != 1 || r[0].EstLoss != c.want {
			t.Errorf("%s by day %+v, want est_loss %v", c.store, r, c.want)
		}
	}
	q.By, q.Store = kpi.ByZone, "R1"
	zones := w.get(q)
	if len(zones) != 2 || zones[0].EstLoss != 2.07 || zones[1].EstLoss != 0.07 {
		t.Errorf("zones %+v", zones)
	}
}

// rawExpected is the expected loss of every store over the local dates
// from..to recomputed from the raw facts, by a second method: counts and
// values from events and outcomes, the basis chosen in Go, exact
// rationals rounded half a cent up. zoneOf groups a store's events further
// (by zone code when byZone).
func rawExpected(t *testing.T, w *world, from, to time.Time, minReviews int64, byZone bool) map[string]float64 {
	t.Helper()
	rows, err := w.pool.Query(w.ctx, `
SELECT s.code, s.region, CASE WHEN $3 THEN z.code ELSE '' END,
    count(*) FILTER (WHERE o.outcome IS NOT NULL AND o.outcome <> 'unresolved'),
    count(*) FILTER (WHERE o.outcome = 'false_positive'),
    (100 * coalesce(sum(e.est_value) FILTER (WHERE o.outcome IN ('walked_out', 'confirmed')), 0))::bigint,
    (100 * coalesce(sum(e.est_value) FILTER (WHERE o.outcome IS NULL OR o.outcome = 'unresolved'), 0))::bigint
FROM stores s JOIN events e ON e.store_id = s.id JOIN zones z ON z.id = e.zone_id LEFT JOIN outcomes o ON o.event_id = e.id
WHERE (e.occurred_at AT TIME ZONE s.timezone)::date BETWEEN $1 AND $2
GROUP BY 1, 2, 3`, from, to, byZone)
	if err != nil {
		t.Fatal(err)
	}
	type part struct {
		store, region, group string
		rev, fp, lost, open  int64
	}
	var parts []part
	for rows.Next() {
		var p part
		if err := rows.Scan(&p.store, &p.region, &p.group, &p.rev, &p.fp, &p.lost, &p.open); err != nil {
			t.Fatal(err)
		}
		parts = append(parts, p)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	type counts struct{ rev, fp int64 }
	store, region := map[string]counts{}, map[string]counts{}
	var all counts
	for _, p := range parts {
		s, r := store[p.store], region[p.region]
		s.rev, s.fp, r.rev, r.fp = s.rev+p.rev, s.fp+p.fp, r.rev+p.rev, r.fp+p.fp
		store[p.store], region[p.region] = s, r
		all.rev, all.fp = all.rev+p.rev, all.fp+p.fp
	}
	out := map[string]float64{}
	for _, p := range parts {
		b := all
		if s := store[p.store]; s.rev >= minReviews {
			b = s
		} else if r := region[p.region]; p.region != "" && r.rev >= minReviews {
			b = r
		}
		keep := big.NewRat(1, 1)
		if b.rev > 0 {
			keep = big.NewRat(b.rev-b.fp, b.rev)
		}
		v := new(big.Rat).Mul(big.NewRat(p.open, 1), keep)
		v.Add(v, big.NewRat(1, 2)) // half a cent up, then down to the cent
		cents := new(big.Int).Quo(v.Num(), v.Denom()).Int64() + p.lost
		key := p.store
		if byZone {
			key += " " + p.group
		}
		out[key] = float64(cents) / 100
	}
	return out
}

// On generated estates across both of Europe's daylight-saving changes:
// every grouping of a store adds up to the store's expected loss within
// half a cent per group, regions and the estate are exactly the sum of
// their stores, and stores and zones equal a recomputation from the raw
// facts.
func TestExpectedLossGroupingsAddUp(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name     string
		end      time.Time
		from, to time.Time
	}{
		{"spring forward", time.Date(2026, 4, 13, 0, 0, 0, 0, time.UTC), day("2026-03-23"), day("2026-04-05")},
		{"fall back", time.Date(2026, 11, 9, 0, 0, 0, 0, time.UTC), day("2026-10-19"), day("2026-11-01")},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			w.kpis.SetMinReviews(40)
			est := estate.New(estate.Config{Seed: 5, Stores: 4, Days: 35, End: c.end})
			for i := range est.Stores {
				est.Stores[i].Currency = "GBP" // one currency: the groupings add up without rates
			}
			if _, err := app.LoadEstate(w.ctx, w.pool, est, nil); err != nil {
				t.Fatal(err)
			}
			w.refresh()
			base := kpi.Query{From: c.from, To: c.to, Dates: true}
			stores := map[string]float64{}
			var sum float64
			for _, r := range w.get(withBy(base, kpi.ByStore)) {
				stores[r.Key.Store] = r.EstLoss
				sum += r.EstLoss
			}
			raw := rawExpected(t, w, c.from, c.to, 40, false)
			if len(stores) != len(est.Stores) {
				t.Fatalf("%d store rows", len(stores))
			}
			for code, v := range stores {
				if v != raw[code] {
					t.Errorf("store %s est_loss %.2f, from the facts %.2f", code, v, raw[code])
				}
			}
			e := w.get(withBy(base, kpi.ByEstate))
			if len(e) != 1 || toCents(e[0].EstLoss) != toCents(sum) {
				t.Errorf("estate %v, stores sum to %.2f", e, sum)
			}
			regions := 0.0
			for _, r := range w.get(withBy(base, kpi.ByRegion)) {
				regions += r.EstLoss
			}
			if toCents(regions) != toCents(sum) {
				t.Errorf("regions sum to %.2f, stores %.2f", regions, sum)
			}
			rawZones := rawExpected(t, w, c.from, c.to, 40, true)
			for code, want := range stores {
				for _, by := range []kpi.Grouping{kpi.ByZone, kpi.ByCategory, kpi.ByMethod, kpi.ByDay, kpi.ByWeek, kpi.ByHourOfWeek} {
					q := withBy(base, by)
					q.Store = code
					rows := w.get(q)
					var cents int64
					for _, r := range rows {
						cents += toCents(r.EstLoss)
						if by == kpi.ByZone && r.EstLoss != rawZones[code+" "+r.Key.Zone] {
							t.Errorf("%s zone %s est_loss %.2f, from the facts %.2f", code, r.Key.Zone, r.EstLoss, rawZones[code+" "+r.Key.Zone])
						}
					}
					// Each group rounds once: at most half a cent each away.
					if d := cents - toCents(want); 2*abs(d) > int64(len(rows)) {
						t.Errorf("%s by %s: %d groups sum to %d cents, the store %d", code, by, len(rows), cents, toCents(want))
					}
				}
			}
		})
	}
}

func withBy(q kpi.Query, by kpi.Grouping) kpi.Query { q.By = by; return q }

func toCents(v float64) int64 {
	if v < 0 {
		return -int64(-v*100 + 0.5)
	}
	return int64(v*100 + 0.5)
}

func abs(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}

// The region's false share, by hand, with a minimum of 4 reviews. E1 and
// E2 share region r-UTC, E3 is in r-Asia/Tokyo. E1: confirmed 1.00, a
// false alarm 1.00, an open 6.00 — 2 reviews, too few; its region has E2's
// 4 more, none false: 1 false of 6, f = 1/6 (the estate's would be 6 of
// 16, with E3's 5 false of 10). est_loss = 1 + 6 × 5/6 = 6.00 on every
// read path: the estate's records (by store), one store's zone rows (by
// zone), PostgreSQL's sums (by day), and the segmentation's totals.
func TestExpectedLossRegionBasisByHand(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.kpis.SetMinReviews(4)
	at := time.Date(2026, 5, 4, 3, 0, 0, 0, time.UTC) // 12:00 in Tokyo, the same local day
	later := at.Add(time.Hour)
	w.store("E1", "UTC", ss.ModelDetection, zone("Z1", "cosmetics", 1, 0))
	w.store("E2", "UTC", ss.ModelSOC, zone("Z1", "cosmetics", 1, 0))
	w.store("E3", "Asia/Tokyo", ss.ModelSOC, zone("Z1", "cosmetics", 1, 0))
	w.outcome(w.event("E1", "Z1", at, 1), ss.OutcomeConfirmed, at, later, 0, 0)
	w.outcome(w.event("E1", "Z1", at.Add(time.Minute), 1), ss.OutcomeFalsePositive, at, later, 0, 0)
	w.event("E1", "Z1", at.Add(2*time.Minute), 6)
	for i := range 4 {
		w.outcome(w.event("E2", "Z1", at.Add(time.Duration(i)*time.Minute), 1), ss.OutcomeWalkedOut, at, later, 0, 0)
	}
	for i := range 10 {
		kind := ss.OutcomeWalkedOut
		if i%2 == 0 {
			kind = ss.OutcomeFalsePositive
		}
		w.outcome(w.event("E3", "Z1", at.Add(time.Duration(i)*time.Minute), 1), kind, at, later, 0, 0)
	}
	w.refresh()
	q := kpi.Query{From: day("2026-05-04"), To: day("2026-05-04"), Dates: true}
	// Over instants too: the estate's (the regions' reviews summed from
	// every store's own, read once) and one store's zones.
	hours := kpi.Query{From: at.Add(-time.Hour), To: later.Add(time.Hour)}
	for _, c := range []struct {
		by    kpi.Grouping
		store string
		q     kpi.Query
	}{{kpi.ByStore, "", q}, {kpi.ByZone, "E1", q}, {kpi.ByDay, "E1", q}, {kpi.ByStore, "", hours}, {kpi.ByRegion, "", hours}, {kpi.ByZone, "E1", hours}} {
		cq := c.q
		cq.By, cq.Store = c.by, c.store
		var got *kpi.Row
		for _, r := range w.get(cq) {
			if r.Key.Store == "E1" || c.by == kpi.ByDay || c.by == kpi.ByZone || c.by == kpi.ByRegion && r.Key.Region == "r-UTC" {
				got = &r
				break
			}
		}
		want := 6.0 // E1; its region r-UTC adds E2's 4 walked out, on its own basis
		if c.by == kpi.ByRegion {
			want = 10
		}
		if c.by == kpi.ByRegion {
			if got == nil || got.EstLoss != want {
				t.Errorf("by %s over %v: %+v", c.by, c.q.Dates, got)
			}
			continue
		}
		if got == nil || got.EstLoss != want || got.EstLossBasis != kpi.BasisRegion || !near(got.EstLossFalseShare, 0.1667, 1e-12) {
			t.Errorf("by %s over dates %v: %+v", c.by, c.q.Dates, got)
		}
	}
	totals, err := w.kpis.StoreTotals(w.ctx, q.From, q.To)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, tt := range totals {
		if tt.Reviewed == 2 { // E1
			found = true
			if tt.EstLoss != 6 || tt.Basis != kpi.BasisRegion || tt.FalseShare != 1.0/6 || tt.ExpectedEvents != 2-1.0/6 {
				t.Errorf("E1 totals %+v", tt)
			}
		}
	}
	if !found {
		t.Error("no totals for E1")
	}
}
