package kpi_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/kpi"
)

// storeEvents counts a store's events (not false) in [from, to) from the KPI API.
func (w *world) storeEvents(store string, from, to time.Time) int64 {
	w.t.Helper()
	rows := w.get(kpi.Query{From: from, To: to, Store: store, By: "store"})
	if len(rows) == 0 {
		return 0
	}
	return rows[0].Events
}

// A writer still open while a refresh runs — its bucket already marked by an
// earlier, committed writer — is counted by the next refresh. The refresh
// used to take the earlier mark, recompute without the open writer's rows,
// and leave nothing marked for them.
func TestWriterOpenDuringRefreshIsCounted(t *testing.T) {
	t.Parallel()
	hour := time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)
	for _, kind := range []string{"events", "outcomes", "footfall"} {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			w.store("S1", "Europe/London", ss.ModelSOC, zone("Z1", "spirits", 40, 0))
			first := w.event("S1", "Z1", hour.Add(5*time.Minute), 0)
			w.footfall("S1", "", hour, 100)
			w.refresh()
			// An earlier writer marks the hour; it is not refreshed yet.
			w.event("S1", "Z1", hour.Add(10*time.Minute), 0)

			hooked := kpi.NewIngester(w.pool, w.lay.Directory())
			marked, release := make(chan struct{}), make(chan struct{})
			kpi.SetAfterMark(hooked, func(context.Context) { close(marked); <-release })
			done := make(chan error, 1)
			go func() {
				var err error
				switch kind {
				case "events":
					score := 0.9
					_, err = hooked.Events(w.ctx, nil, []ss.EventInput{{ID: uuid.Must(uuid.NewV7()).String(), Store: "S1", Zone: "Z1",
						OccurredAt: hour.Add(20 * time.Minute).Format(time.RFC3339), Score: &score}})
				case "outcomes":
					_, err = hooked.Outcomes(w.ctx, nil, []ss.OutcomeInput{{Event: first, Outcome: ss.OutcomeFalsePositive,
						At: hour.Add(time.Hour).Format(time.RFC3339)}})
				case "footfall":
					v := int64(250)
					_, err = hooked.Footfall(w.ctx, nil, []ss.FootfallInput{{Store: "S1", Hour: hour.Format(time.RFC3339), Visitors: &v}})
				}
				done <- err
			}()
			<-marked
			w.refresh() // runs while the writer has marked but not committed
			close(release)
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			w.refresh()

			rows := w.get(kpi.Query{From: day("2026-05-04"), To: day("2026-05-04"), Dates: true, Store: "S1", By: "store"})
			if len(rows) != 1 {
				t.Fatalf("%d rows", len(rows))
			}
			// By hand: two events stored before, then the writer's change.
			wantEvents, wantVisitors := int64(2), int64(100)
			switch kind {
			case "events":
				wantEvents = 3
			case "outcomes":
				wantEvents = 1 // the first event turned out false
			case "footfall":
				wantVisitors = 250
			}
			if rows[0].Events != wantEvents || rows[0].Visitors == nil || *rows[0].Visitors != wantVisitors {
				t.Errorf("events %d visitors %v, want %d and %d", rows[0].Events, show2(rows[0].Visitors), wantEvents, wantVisitors)
			}
		})
	}
}

// Many writers of every fact — events, late outcomes, footfall and sales
// corrections, all in the same few hours — race a refresher that never
// pauses: afterwards the rollups are exactly a rebuild's and every event
// stored is counted.
func TestConcurrentWritersAndRefreshesMatchRebuild(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.store("S1", "Europe/Berlin", ss.ModelSOC, zone("Z1", "spirits", 40, 0), zone("Z2", "cosmetics", 12.5, 2))
	w.store("S2", "America/New_York", ss.ModelCheckout, zone("Z1", "spirits", 40, 0))
	base := time.Date(2026, 6, 10, 8, 0, 0, 0, time.UTC)
	const writers, batches, perBatch, hours = 4, 25, 20, 3

	stop := make(chan struct{})
	refreshed := make(chan error, 2)
	for range 2 { // two replicas refreshing as fast as they can
		r := kpi.NewRollups(w.pool)
		kpi.SetRefreshChunk(r, 5)
		go func() {
			for {
				select {
				case <-stop:
					refreshed <- nil
					return
				default:
				}
				if _, err := r.Refresh(w.ctx); err != nil {
					refreshed <- err
					return
				}
			}
		}()
	}

	var wg sync.WaitGroup
	errs := make(chan error, writers)
	stored := make([]int, writers)
	for wi := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			store := []string{"S1", "S2"}[wi%2]
			var ids []string
			var ats []time.Time
			for b := range batches {
				batch := make([]ss.EventInput, perBatch)
				for i := range batch {
					at := base.Add(time.Duration((b*perBatch+i)%hours)*time.Hour + time.Duration(wi*7+i)*time.Second)
					score := 0.8
					id := uuid.Must(uuid.NewV7()).String()
					batch[i] = ss.EventInput{ID: id, Store: store, Zone: "Z1", OccurredAt: at.Format(time.RFC3339), Score: &score}
					ids, ats = append(ids, id), append(ats, at)
				}
				if _, err := w.ing.Events(w.ctx, nil, batch); err != nil {
					errs <- err
					return
				}
				stored[wi] += perBatch
				// An outcome for an event of the previous batch, footfall and sales corrections.
				j := len(ids) - perBatch - 1
				if j >= 0 {
					kind := []ss.OutcomeKind{ss.OutcomeWalkedOut, ss.OutcomeFalsePositive, ss.OutcomeIntervenedRecovered}[b%3]
					if _, err := w.ing.Outcomes(w.ctx, nil, []ss.OutcomeInput{{Event: ids[j], Outcome: kind,
						At: ats[j].Add(time.Minute).Format(time.RFC3339), RespondedAt: ats[j].Add(30 * time.Second).Format(time.RFC3339)}}); err != nil {
						errs <- err
						return
					}
				}
				v := int64(100 + b*10 + wi)
				if _, err := w.ing.Footfall(w.ctx, nil, []ss.FootfallInput{{Store: store, Hour: base.Add(time.Duration(b%hours) * time.Hour).Format(time.RFC3339), Visitors: &v}}); err != nil {
					errs <- err
					return
				}
				amount := float64(1000 + b)
				if _, err := w.ing.Sales(w.ctx, nil, []ss.SaleInput{{Store: store, Day: "2026-06-10", Amount: &amount}}); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(stop)
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	for range 2 {
		if err := <-refreshed; err != nil {
			t.Fatal(err)
		}
	}
	w.refresh()

	var want, counted int64
	if err := w.pool.QueryRow(w.ctx, `SELECT count(*) FROM events`).Scan(&want); err != nil {
		t.Fatal(err)
	}
	if int(want) != writers*batches*perBatch {
		t.Fatalf("%d events stored, %d sent", want, writers*batches*perBatch)
	}
	if err := w.pool.QueryRow(w.ctx, `SELECT sum(detections) FROM kpi_store_hourly`).Scan(&counted); err != nil {
		t.Fatal(err)
	}
	if counted != want {
		t.Errorf("rollups count %d events, %d stored", counted, want)
	}
	w.matchesRebuild(w.snapshot(), "concurrent writers and refreshes")
}

// A zone's hour can hold more money than numeric(14, 2): 1,010,000 events
// of the largest accepted value, 1,000,000, in one zone and hour (101
// batches of 10,000). The refresh and the rebuild both count it, exactly.
func TestRollupsHoldTheLargestAcceptedSums(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.store("S1", "UTC", ss.ModelDetection, zone("Z1", "electronics", 1e6, 0))
	hour := time.Date(2026, 4, 7, 15, 0, 0, 0, time.UTC)
	// A thousand through the ingest API prove the value is accepted...
	batch := make([]ss.EventInput, 1000)
	value, score := 1e6, 0.9
	for i := range batch {
		batch[i] = ss.EventInput{ID: uuid.Must(uuid.NewV7()).String(), Store: "S1", Zone: "Z1",
			OccurredAt: hour.Add(time.Duration(i) * 3 * time.Second).Format(time.RFC3339), Score: &score, EstValue: &value}
	}
	if _, err := w.ing.Events(w.ctx, nil, batch); err != nil {
		t.Fatal(err)
	}
	// ...and the other 1,009,000 are the same rows written in SQL, for speed.
	if _, err := w.pool.Exec(w.ctx, `
INSERT INTO events (id, store_id, zone_id, occurred_at, score, method, category, est_value)
SELECT gen_random_uuid(), e.store_id, e.zone_id, e.occurred_at, e.score, e.method, e.category, e.est_value
FROM events e CROSS JOIN generate_series(1, 1009)`); err != nil {
		t.Fatal(err)
	}
	w.refresh()
	check := func(path string) {
		t.Helper()
		rows := w.get(kpi.Query{From: day("2026-04-07"), To: day("2026-04-07"), Dates: true, By: "store"})
		// 1,010,000 open events of 1,000,000 each: 1.01e12 of estimated loss.
		if len(rows) != 1 || rows[0].Events != 1_010_000 || rows[0].EstLoss != 1.01e12 {
			t.Fatalf("%s: %+v", path, rows)
		}
		zones := w.get(kpi.Query{From: day("2026-04-07"), To: day("2026-04-07"), Dates: true, Store: "S1", By: "hour_of_week"})
		if len(zones) != 1 || zones[0].EstLoss != 1.01e12 {
			t.Fatalf("%s by hour of week: %+v", path, zones)
		}
	}
	check("refresh")
	if err := w.roll.Rebuild(w.ctx, nil, 1); err != nil {
		t.Fatal(err)
	}
	check("rebuild")
}

// A store whose buckets cannot be recomputed waits and retries with
// backoff, logged and counted; every other store's KPIs keep refreshing.
func TestOneFailingStoreLeavesOthersRefreshing(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.store("BAD", "Europe/Paris", ss.ModelSOC, zone("Z1", "spirits", 40, 0))
	w.store("OK", "Europe/Paris", ss.ModelSOC, zone("Z1", "spirits", 40, 0))
	at := time.Date(2026, 2, 3, 11, 0, 0, 0, time.UTC)
	w.event("BAD", "Z1", at, 0)
	// Plant a fault only the refresh meets: a time zone PostgreSQL does not know.
	if _, err := w.pool.Exec(w.ctx, `UPDATE stores SET timezone = 'Nowhere/Atlantis' WHERE code = 'BAD'`); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		w.event("OK", "Z1", at.Add(time.Duration(i)*time.Minute), 0)
	}
	if _, err := w.roll.Refresh(w.ctx); err != nil {
		t.Fatalf("refresh failed for every store: %v", err)
	}
	if got := w.storeEvents("OK", at.Add(-time.Hour), at.Add(time.Hour)); got != 3 {
		t.Errorf("OK counts %d events, want 3", got)
	}
	if st := w.roll.Stats(); st.Failures != 1 {
		t.Errorf("%d failures counted, want 1", st.Failures)
	}
	fails, err := w.roll.Failures(w.ctx)
	if err != nil || len(fails) != 1 || fails[0].Attempts != 1 || !fails[0].RetryAt.After(time.Now()) {
		t.Fatalf("failures %+v, %v", fails, err)
	}
	// The failing store waits: a new event elsewhere still shows at once.
	w.event("OK", "Z1", at.Add(10*time.Minute), 0)
	if _, err := w.roll.Refresh(w.ctx); err != nil {
		t.Fatal(err)
	}
	if got := w.storeEvents("OK", at.Add(-time.Hour), at.Add(time.Hour)); got != 4 {
		t.Errorf("OK counts %d events, want 4", got)
	}
	if st := w.roll.Stats(); st.Failures != 1 {
		t.Errorf("the waiting store was retried early: %d failures", st.Failures)
	}
	var waiting int
	if err := w.pool.QueryRow(w.ctx, `SELECT count(*) FROM kpi_dirty d JOIN stores s ON s.id = d.store_id WHERE s.code = 'BAD'`).Scan(&waiting); err != nil || waiting == 0 {
		t.Fatalf("the failing store's marks were dropped (%d, %v)", waiting, err)
	}
	// Repaired, and due: it refreshes and is forgotten.
	if _, err := w.pool.Exec(w.ctx, `UPDATE stores SET timezone = 'Europe/Paris' WHERE code = 'BAD';
		UPDATE kpi_refresh_failures SET retry_at = now()`); err != nil {
		t.Fatal(err)
	}
	if _, err := w.roll.Refresh(w.ctx); err != nil {
		t.Fatal(err)
	}
	if got := w.storeEvents("BAD", at.Add(-time.Hour), at.Add(time.Hour)); got != 1 {
		t.Errorf("BAD counts %d events after repair, want 1", got)
	}
	if fails, _ := w.roll.Failures(w.ctx); len(fails) != 0 {
		t.Errorf("failures left after repair: %+v", fails)
	}
	var left int
	if err := w.pool.QueryRow(w.ctx, `SELECT count(*) FROM kpi_dirty`).Scan(&left); err != nil || left != 0 {
		t.Errorf("%d marks left, %v", left, err)
	}
}
