package kpi

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	ss "github.com/shrinkscope/shrinkscope"
)

// An event id names one event (DESIGN.md, "Non-functional"): the same id
// sent again with the same payload is a duplicate, with a different payload
// a conflict, and a batch holding a conflict stores nothing.

// Flags of an ingested event saying which fields the sender left to the
// zone; those are not compared, since the zone may have changed since.
const (
	categoryFromZone uint8 = 1 << iota
	valueFromZone
)

// eventDiff lists the fields in which b, the event sent, differs from a, the
// one stored or sent first, at the precision they are stored with.
func eventDiff(a, b *ss.Event, skip uint8) []string {
	var d []string
	add := func(differ bool, field string) {
		if differ {
			d = append(d, field)
		}
	}
	add(a.StoreID != b.StoreID, "store")
	add(a.ZoneID != b.ZoneID, "zone")
	add(a.Camera != b.Camera, "camera")
	add(a.Track != b.Track, "track")
	add(!a.OccurredAt.Truncate(time.Microsecond).Equal(b.OccurredAt.Truncate(time.Microsecond)), "occurred_at")
	add(float32(a.Score) != float32(b.Score), "score")
	add(a.Method != b.Method, "method")
	add(skip&categoryFromZone == 0 && a.Category != b.Category, "category")
	add(skip&valueFromZone == 0 && math.Round(a.EstValue*100) != math.Round(b.EstValue*100), "est_value")
	return d
}

func addConflict(be *ss.BatchError, i int, fields []string, format string, args ...any) {
	be.Code = ss.ECONFLICT
	be.Add(i, fields[0], "%s (fields: %s)", fmt.Sprintf(format, args...), strings.Join(fields, ", "))
	be.Items[len(be.Items)-1].Fields = fields
}

// takenID records item i's conflict with a stored event of another store.
// Its fields are not compared: which of them differ would tell a sender
// about an event it may have no right to see (its zone, camera, time), so a
// store's events answer a sender of another store only that the id is
// taken. The id cannot be stored again either way (an id names one event),
// and the sender made it, so it learns nothing but that it must make a new
// one: with UUIDv7's random bits no sender hits another's id but by copying
// it. The answer is the same whether or not the sender's token may read
// that other store (docs/SECURITY.md).
func takenID(be *ss.BatchError, i int, id any) {
	be.Code = ss.ECONFLICT
	be.Add(i, "id", "id %s is already taken by another event; give this event a new id", id)
	be.Items[len(be.Items)-1].Fields = []string{"id"}
}

// uniqueEvents drops the repeats of an id within a batch; an identical
// repeat counts as a duplicate, a different one is a conflict. pos maps the
// kept events to their indices in events.
func uniqueEvents(events []ss.Event, flags []uint8) (kept []ss.Event, keptFlags []uint8, pos []int, dups int, err error) {
	first := make(map[[16]byte]int, len(events))
	var be ss.BatchError
	for i := range events {
		j, seen := first[events[i].ID]
		if !seen {
			first[events[i].ID] = i
			continue
		}
		if d := eventDiff(&events[j], &events[i], flagOf(flags, i)|flagOf(flags, j)); len(d) > 0 {
			addConflict(&be, i, d, "id %s repeats item %d with a different payload", events[i].ID, j)
		}
		dups++
	}
	if err := be.Err(); err != nil {
		return nil, nil, nil, 0, err
	}
	if dups == 0 {
		return events, flags, nil, 0, nil
	}
	kept = make([]ss.Event, 0, len(first))
	pos = make([]int, 0, len(first))
	for i := range events {
		if first[events[i].ID] == i {
			kept = append(kept, events[i])
			pos = append(pos, i)
			if flags != nil {
				keptFlags = append(keptFlags, flags[i])
			}
		}
	}
	return kept, keptFlags, pos, dups, nil
}

func flagOf(flags []uint8, i int) uint8 {
	if flags == nil {
		return 0
	}
	return flags[i]
}

// storedEvents reads the stored rows of ids by the id alone, whatever their
// occurred_at: events' key is the id (migration 00037), so each id is one
// probe of each partition's key.
func storedEvents(ctx context.Context, tx pgx.Tx, ids [][16]byte) (map[[16]byte]ss.Event, error) {
	rows, err := tx.Query(ctx, `
SELECT id, store_id, zone_id, camera, track, occurred_at, score, method, category, est_value::float8
FROM events WHERE id = ANY($1)`, ids)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[[16]byte]ss.Event{}
	for rows.Next() {
		var s ss.Event
		var score float32
		var method string
		if err := rows.Scan(&s.ID, &s.StoreID, &s.ZoneID, &s.Camera, &s.Track, &s.OccurredAt, &score, &method, &s.Category, &s.EstValue); err != nil {
			return nil, err
		}
		s.Score, s.Method = float64(score), ss.Method(method)
		out[s.ID] = s
	}
	return out, rows.Err()
}

// outcomeDiff lists the fields in which b differs from a, two outcomes of
// one event at the same time, at the precision they are stored with.
func outcomeDiff(a, b *ss.Outcome) []string {
	var d []string
	if a.Kind != b.Kind {
		d = append(d, "outcome")
	}
	ra, rb := a.RespondedAt, b.RespondedAt
	if (ra == nil) != (rb == nil) || ra != nil && !ra.Truncate(time.Microsecond).Equal(rb.Truncate(time.Microsecond)) {
		d = append(d, "responded_at")
	}
	va, vb := a.ValueRecovered, b.ValueRecovered
	if (va == nil) != (vb == nil) || va != nil && math.Round(*va*100) != math.Round(*vb*100) {
		d = append(d, "value_recovered")
	}
	return d
}

// outcomeConflicts finds each outcome of outs sent with the stored one's
// `at` but different content: its index into outs and the fields that
// differ. It locks the stored outcomes it compares with.
func outcomeConflicts(ctx context.Context, tx pgx.Tx, outs []ResolvedOutcome) (*ss.BatchError, error) {
	n := len(outs)
	var (
		evIDs  = make([][16]byte, n)
		kinds  = make([]string, n)
		ats    = make([]time.Time, n)
		resps  = make([]*time.Time, n)
		values = make([]*float64, n)
	)
	for i := range outs {
		o := &outs[i]
		evIDs[i], kinds[i], ats[i], resps[i], values[i] = o.EventID, string(o.Kind), o.At, o.RespondedAt, o.ValueRecovered
	}
	rows, err := tx.Query(ctx, `
SELECT n.ord - 1, array_remove(ARRAY[
         CASE WHEN o.outcome <> n.outcome THEN 'outcome' END,
         CASE WHEN o.responded_at IS DISTINCT FROM n.responded_at THEN 'responded_at' END,
         CASE WHEN o.value_recovered IS DISTINCT FROM n.value_recovered::numeric(12, 2) THEN 'value_recovered' END], NULL)
FROM unnest($1::uuid[], $2::text[], $3::timestamptz[], $4::timestamptz[], $5::numeric[])
         WITH ORDINALITY n(event_id, outcome, at, responded_at, value_recovered, ord)
JOIN outcomes o ON o.event_id = n.event_id AND o.at = n.at
WHERE o.outcome <> n.outcome
   OR o.responded_at IS DISTINCT FROM n.responded_at
   OR o.value_recovered IS DISTINCT FROM n.value_recovered::numeric(12, 2)
ORDER BY 1
FOR UPDATE OF o`, evIDs, kinds, ats, resps, values)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var be ss.BatchError
	for rows.Next() {
		var i int
		var fields []string
		if err := rows.Scan(&i, &fields); err != nil {
			return nil, err
		}
		addConflict(&be, i, fields, "event %s already has an outcome at %s with different content", uuid.UUID(evIDs[i]), ats[i].UTC().Format(time.RFC3339Nano))
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(be.Items) == 0 {
		return nil, nil
	}
	return &be, nil
}

// errOr returns ce when it is set, else err (a nil *ss.BatchError must not
// become a non-nil error).
func errOr(ce *ss.BatchError, err error) error {
	if ce != nil {
		return ce
	}
	return err
}

// remapOutcomeConflicts turns indices into kept, the rows StoreOutcomes
// upserted, into indices into orig, the rows it was given.
func remapOutcomeConflicts(be *ss.BatchError, orig, kept []ResolvedOutcome) {
	if len(orig) == len(kept) {
		return
	}
	at := make(map[[16]byte]int, len(orig))
	for i := range orig {
		if j, ok := at[orig[i].EventID]; !ok || !orig[i].At.Before(orig[j].At) {
			at[orig[i].EventID] = i
		}
	}
	for k := range be.Items {
		be.Items[k].Index = at[kept[be.Items[k].Index].EventID]
	}
}
