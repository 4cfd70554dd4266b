package kpi

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/internal/dbtest"
)

// The hand-written binary COPY stores what pgx.CopyFrom stores: the same
// events are written both ways, into events and into a copy of its columns,
// and every column of every row compared as PostgreSQL sees it.
func TestBinaryCopyMatchesPgx(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.New(t)
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	times := []time.Time{
		time.Date(1999, 12, 31, 23, 59, 59, 999_999_000, time.UTC),
		time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2026, 3, 29, 2, 30, 0, 123_456_789, paris), // sub-microsecond, a DST gap
		time.Date(2026, 10, 25, 2, 30, 0, 1, paris),
		time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2026, 12, 2, 9, 15, 0, 0, time.UTC),
	}
	values := []float64{0, 0.01, 0.05, 0.5, 0.99, 1, 12.34, 100, 9999.99, 10000, 10000.5, 10000.01,
		123456.78, 100000000, 12345678.9, 9999999999.99, 0.004, 0.005, 2.675}
	texts := []string{"", "C1", "caméra ☃ 7", "t-" + fmt.Sprint(time.Now().UnixNano())}
	scores := []float64{0, 1, 0.5, 0.123456789, 1e-9}
	var events []*ss.Event
	for i := range 60 {
		events = append(events, &ss.Event{
			ID: uuid.Must(uuid.NewV7()), StoreID: int64(i*7919 - 200), ZoneID: int64(1) << (i % 62),
			Camera: texts[i%len(texts)], Track: texts[(i+1)%len(texts)], OccurredAt: times[i%len(times)],
			Score: scores[i%len(scores)], Method: ss.Methods[i%len(ss.Methods)], Category: texts[(i+2)%len(texts)],
			EstValue: values[i%len(values)],
		})
	}
	if _, err := pool.Exec(ctx, `SELECT ensure_event_partition(now())`); err != nil {
		t.Fatal(err)
	}
	err = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if err := copyEvents(ctx, tx, events); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `CREATE TEMP TABLE pgx_events (LIKE events INCLUDING DEFAULTS)`); err != nil {
			return err
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"pgx_events"}, EventColumns, pgx.CopyFromSlice(len(events), func(i int) ([]any, error) {
			return EventRow(events[i]), nil
		})); err != nil {
			return err
		}
		for _, q := range []string{
			`SELECT count(*) FROM events`,
			`SELECT count(*) FROM (SELECT id, store_id, zone_id, camera, track, occurred_at, score, method, category, est_value::text FROM events
			 INTERSECT SELECT id, store_id, zone_id, camera, track, occurred_at, score, method, category, est_value::text FROM pgx_events) x`,
		} {
			var n int
			if err := tx.QueryRow(ctx, q).Scan(&n); err != nil {
				return err
			}
			if n != len(events) {
				return fmt.Errorf("%d rows, want %d: %s", n, len(events), q)
			}
		}
		// And the values themselves, against what the events hold.
		rows, err := tx.Query(ctx, `SELECT id, occurred_at, est_value::text, score FROM events`)
		if err != nil {
			return err
		}
		byID := map[uuid.UUID]*ss.Event{}
		for _, e := range events {
			byID[e.ID] = e
		}
		for rows.Next() {
			var id uuid.UUID
			var at time.Time
			var money string
			var score float32
			if err := rows.Scan(&id, &at, &money, &score); err != nil {
				return err
			}
			e := byID[id]
			if !at.Equal(e.OccurredAt.Truncate(time.Microsecond)) {
				t.Errorf("%s: occurred_at %s, want %s", id, at, e.OccurredAt)
			}
			if want := fmt.Sprintf("%.2f", float64(int64(e.EstValue*100+0.5))/100); money != want {
				t.Errorf("%s: est_value %s, want %s (from %v)", id, money, want, e.EstValue)
			}
			if score != float32(e.Score) {
				t.Errorf("%s: score %v, want %v", id, score, e.Score)
			}
		}
		return rows.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
}
