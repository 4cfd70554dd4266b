package migrations_test

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/internal/estate"
	"github.com/shrinkscope/shrinkscope/kpi"
	"github.com/shrinkscope/shrinkscope/layout"
)

// oldSink stores an estate's events and outcomes as ingest did before
// 00037: each event in events (partitioned by occurred_at) and its id in
// event_ids.
type oldSink struct {
	ctx    context.Context
	pool   *pgxpool.Pool
	stores map[string]int64
	zones  map[[2]string]ss.Zone
	events []ss.Event
	outs   []ss.Outcome
}

func (s *oldSink) Event(e ss.Event) error {
	z := s.zones[[2]string{e.Store, e.Zone}]
	e.StoreID, e.ZoneID = s.stores[e.Store], z.ID
	if e.Category == "" {
		e.Category = z.Category
	}
	if e.EstValue < 0 {
		e.EstValue = z.UnitValue
	}
	s.events = append(s.events, e)
	return nil
}
func (s *oldSink) Outcome(o ss.Outcome) error { s.outs = append(s.outs, o); return nil }
func (s *oldSink) Footfall(ss.Footfall) error { return nil }
func (s *oldSink) Sale(ss.Sale) error         { return nil }

func (s *oldSink) flush(t *testing.T) {
	t.Helper()
	months := map[time.Time]bool{}
	for _, e := range s.events {
		u := e.OccurredAt.UTC()
		months[time.Date(u.Year(), u.Month(), 1, 0, 0, 0, 0, time.UTC)] = true
	}
	for m := range months {
		if _, err := s.pool.Exec(s.ctx, `SELECT ensure_event_partition($1)`, m); err != nil {
			t.Fatal(err)
		}
	}
	rows := make([][]any, len(s.events))
	ids := make([][]any, len(s.events))
	at := map[uuid.UUID]ss.Event{}
	for i := range s.events {
		e := &s.events[i]
		rows[i] = kpi.EventRow(e)
		ids[i] = []any{[16]byte(e.ID), e.StoreID, e.OccurredAt}
		at[e.ID] = *e
	}
	outs := make([][]any, 0, len(s.outs))
	for _, o := range s.outs {
		e := at[o.EventID]
		var v any
		if o.ValueRecovered != nil {
			v = kpi.Money(*o.ValueRecovered)
		}
		outs = append(outs, []any{[16]byte(o.EventID), e.StoreID, e.OccurredAt, string(o.Kind), o.At, o.RespondedAt, v})
	}
	for _, c := range []struct {
		table string
		cols  []string
		rows  [][]any
	}{
		{"events", kpi.EventColumns, rows},
		{"event_ids", []string{"id", "store_id", "occurred_at"}, ids},
		{"outcomes", []string{"event_id", "store_id", "occurred_at", "outcome", "at", "responded_at", "value_recovered"}, outs},
	} {
		if _, err := s.pool.CopyFrom(s.ctx, pgx.Identifier{c.table}, c.cols, pgx.CopyFromRows(c.rows)); err != nil {
			t.Fatalf("copy %s: %v", c.table, err)
		}
	}
}

// 00037 moves the events of an estate seeded before it into partitions by
// the time inside their ids, in place: every event is there once, the KPI
// figures rebuilt from them are the ones before, verify finds no drift, and
// replays behave as before (an identical one a duplicate, another
// occurred_at a conflict), for v7 ids of any month and ids of other
// versions alike. An id stored twice before 00007 keeps the row event_ids
// named; the other is kept aside, not lost.
func TestEventsByIDMigration(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, p := migratedTo(t, 36)
	withEstateCuts(t, pool)

	// An estate of 3 stores × 60 days, stored as ingest stored it then.
	est := estate.New(estate.Config{Seed: 11, Stores: 3, Days: 60})
	lay := layout.New(pool)
	sink := &oldSink{ctx: ctx, pool: pool, stores: map[string]int64{}, zones: map[[2]string]ss.Zone{}}
	var codes []string
	for i := range est.Stores {
		st := est.Stores[i].Store
		if _, err := lay.PutStore(ctx, &st); err != nil {
			t.Fatal(err)
		}
		zones := slices.Clone(est.Stores[i].Zones)
		if _, err := lay.PutZones(ctx, st.Code, zones, time.Time{}); err != nil {
			t.Fatal(err)
		}
		sink.stores[st.Code] = st.ID
		for _, z := range zones {
			sink.zones[[2]string{st.Code, z.Code}] = z
		}
		codes = append(codes, st.Code)
		if err := est.Stream(i, sink); err != nil {
			t.Fatal(err)
		}
	}
	// Ids no partition of id months near now holds: a v7 id minted in 2021,
	// one from a clock in 2099, and a version 4 id; each event occurred
	// within the estate's days.
	base := sink.events[len(sink.events)/2]
	odd := map[string]uuid.UUID{
		"2021": v7At(time.Date(2021, 3, 14, 9, 0, 0, 0, time.UTC)),
		"2099": v7At(time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC)),
		"v4":   uuid.MustParse("3f1e2d4c-5b6a-4798-8a7b-6c5d4e3f2a1b"),
	}
	for _, name := range []string{"2021", "2099", "v4"} {
		e := base
		e.ID = odd[name]
		sink.events = append(sink.events, e)
	}
	sink.flush(t)
	// An id stored twice under two times before 00007: event_ids names the first.
	clash := sink.events[0]
	if _, err := pool.Exec(ctx, `INSERT INTO events (id, store_id, zone_id, camera, track, occurred_at, score, method, category, est_value)
		SELECT id, store_id, zone_id, camera, track, occurred_at + interval '40 days', score, method, category, est_value FROM events WHERE id = $1`, clash.ID); err != nil {
		t.Fatal(err)
	}
	var want int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM event_ids`).Scan(&want); err != nil {
		t.Fatal(err)
	}
	if want != len(sink.events) || want < 1000 {
		t.Fatalf("%d ids stored, want the %d events (and at least 1,000)", want, len(sink.events))
	}
	digest := `SELECT md5(string_agg(concat_ws('|', id, store_id, zone_id, camera, track, occurred_at, score, method, category, est_value, received_at), ',' ORDER BY id))
		FROM events e WHERE NOT EXISTS (SELECT 1 FROM events c WHERE c.id = e.id AND c.occurred_at < e.occurred_at - interval '39 days')`
	var before string
	if err := pool.QueryRow(ctx, digest).Scan(&before); err != nil {
		t.Fatal(err)
	}

	roll, kpis := kpi.NewRollups(pool), kpi.NewKPIs(pool)
	from, to := est.Config.End.AddDate(0, 0, -61), est.Config.End
	figures := func() map[string][]kpi.Row {
		// This code's rollups need 00038's packed method hours and 00045's
		// packed zone rows: applied for the rebuild and the reads alone,
		// then taken off again.
		if _, err := p.ApplyVersion(ctx, 38, true); err != nil {
			t.Fatal(err)
		}
		packedZoneRows(t, p, true)
		defer func() {
			packedZoneRows(t, p, false)
			if _, err := p.ApplyVersion(ctx, 38, false); err != nil {
				t.Fatal(err)
			}
		}()
		if err := roll.Rebuild(ctx, nil, 2); err != nil {
			t.Fatal(err)
		}
		out := map[string][]kpi.Row{}
		for _, by := range []string{"store", "zone", "category", "method", "day"} {
			for _, code := range codes[1:] { // the clash is in codes[0]'s store
				rows, err := kpis.Get(ctx, kpi.Query{From: from, To: to, Dates: true, Store: code, By: kpi.Grouping(by)})
				if err != nil {
					t.Fatal(err)
				}
				out[code+" by "+by] = rows
			}
		}
		return out
	}
	wantFigures := figures()
	var clashStoreBefore int64
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM events WHERE store_id = $1`, clash.StoreID).Scan(&clashStoreBefore); err != nil {
		t.Fatal(err)
	}

	if _, err := p.UpTo(ctx, 37); err != nil {
		t.Fatal(err)
	}

	var got int
	var after string
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM events`).Scan(&got); err != nil {
		t.Fatal(err)
	}
	if err := pool.QueryRow(ctx, digest).Scan(&after); err != nil {
		t.Fatal(err)
	}
	if got != want || after != before {
		t.Errorf("after 00037: %d events (digest %s), want %d (digest %s)", got, after, want, before)
	}
	var aside, clashStoreAfter int64
	if err := pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM events_clashed WHERE id = $1 AND occurred_at > $2),
		(SELECT count(*) FROM events WHERE store_id = $3)`, clash.ID, clash.OccurredAt, clash.StoreID).Scan(&aside, &clashStoreAfter); err != nil {
		t.Fatal(err)
	}
	if aside != 1 || clashStoreAfter != clashStoreBefore-1 {
		t.Errorf("the second row of the clashing id: %d kept aside, store's events %d → %d; want 1 aside and one fewer", aside, clashStoreBefore, clashStoreAfter)
	}
	var idsTable *string
	if err := pool.QueryRow(ctx, `SELECT to_regclass('event_ids')::text`).Scan(&idsTable); err != nil || idsTable != nil {
		t.Errorf("event_ids still there (%v, %v)", idsTable, err)
	}
	// The odd ids sit in the default partition; the estate's, in their id months.
	var inDefault []string
	rows, err := pool.Query(ctx, `SELECT id::text FROM events_default ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	if inDefault, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
		t.Fatal(err)
	}
	wantDefault := []string{odd["2021"].String(), odd["2099"].String(), odd["v4"].String()}
	slices.Sort(wantDefault)
	if !slices.Equal(inDefault, wantDefault) {
		t.Errorf("default partition holds %v, want %v", inDefault, wantDefault)
	}
	var misplaced int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM events e JOIN pg_class c ON c.oid = e.tableoid
		WHERE c.relname <> 'events_default' AND c.relname <> 'events_' || to_char(event_id_time(e.id) AT TIME ZONE 'UTC', 'YYYYMM')`).Scan(&misplaced); err != nil {
		t.Fatal(err)
	}
	if misplaced != 0 {
		t.Errorf("%d events outside their id month's partition", misplaced)
	}

	if gotFigures := figures(); !reflect.DeepEqual(gotFigures, wantFigures) {
		for k := range wantFigures {
			if !reflect.DeepEqual(gotFigures[k], wantFigures[k]) {
				t.Errorf("%s after 00037:\n%+v\nwant\n%+v", k, gotFigures[k], wantFigures[k])
			}
		}
	}
	rep, err := roll.Verify(ctx, nil, from, to)
	if err != nil || len(rep.Drift) != 0 {
		t.Errorf("verify after 00037: %v, drift %+v", err, rep.Drift)
	}

	// Replays through today's ingest: identical ones are duplicates, whatever
	// the id; another occurred_at is a conflict, whatever the month.
	ing := kpi.NewIngester(pool, lay.Directory())
	replay := []ss.Event{sink.events[1], sink.events[len(sink.events)/3], sink.events[len(sink.events)-3], sink.events[len(sink.events)-2], sink.events[len(sink.events)-1], clash}
	res, err := ing.StoreEvents(ctx, replay)
	if err != nil || res != (kpi.Result{Duplicates: len(replay)}) {
		t.Errorf("identical replay: %+v, %v; want %d duplicates", res, err, len(replay))
	}
	for i, e := range replay {
		for _, shift := range []time.Duration{time.Second, 45 * 24 * time.Hour, -400 * 24 * time.Hour} {
			moved := e
			moved.OccurredAt = e.OccurredAt.Add(shift)
			_, err := ing.StoreEvents(ctx, []ss.Event{moved})
			var be *ss.BatchError
			if !errors.As(err, &be) || be.Code != ss.ECONFLICT || len(be.Items) != 1 || be.Items[0].Field != "occurred_at" {
				t.Errorf("replay %d moved by %s: %v, want a conflict on occurred_at", i, shift, err)
			}
		}
	}
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM events`).Scan(&got); err != nil || got != want {
		t.Errorf("%d events after the replays, want %d (%v)", got, want, err)
	}
	// Down and up again keeps every event.
	if _, err := p.DownTo(ctx, 36); err != nil {
		t.Fatal(err)
	}
	var ids int
	if err := pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM events) + (SELECT count(*) FROM event_ids)`).Scan(&ids); err != nil || ids != 2*want {
		t.Errorf("after 00037 down: %d events and ids, want %d (%v)", ids, 2*want, err)
	}
	if _, err := p.UpTo(ctx, 37); err != nil {
		t.Fatal(err)
	}
	if err := pool.QueryRow(ctx, digest).Scan(&after); err != nil || after != before {
		t.Errorf("down and up again: digest %s, want %s (%v)", after, before, err)
	}
}

// v7At is a UUIDv7 minted at t.
func v7At(t time.Time) uuid.UUID {
	id := uuid.Must(uuid.NewV7())
	ms := t.UnixMilli()
	for i := range 6 {
		id[i] = byte(uint64(ms) >> (40 - 8*i))
	}
	return id
}
