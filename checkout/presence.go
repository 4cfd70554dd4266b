package checkout

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/kpi"
)

// PresenceInput is one presence as the vision tier sends it: with lane,
// the track entered that till's zone at at, and with left_at too, it left
// at left_at; with zone (an entrance zone's code) instead of lane, the
// track left the store through that entrance at at.
type PresenceInput struct {
	Store  string `json:"store"`
	Lane   string `json:"lane"`
	Zone   string `json:"zone"`
	Track  string `json:"track"`
	At     string `json:"at"`
	LeftAt string `json:"left_at"`
}

// presenceKey names one presence: a replay of it changes nothing.
type presenceKey struct {
	store       int64
	lane, track string
	at          time.Time
}

// exitKey names one exit.
type exitKey struct {
	store int64
	track string
	at    time.Time
}

// presenceRow is a checked presence item.
type presenceRow struct {
	i      int
	key    presenceKey
	leftAt *time.Time
}

// exitRow is a checked exit item.
type exitRow struct {
	i    int
	key  exitKey
	zone string
}

// Presence validates a batch of presences whole and stores it in one
// transaction, all or nothing: an item naming a store outside p's stores
// is refused (403); a bad item fails the batch with a *ss.BatchError
// naming it and its field. A replayed item is a duplicate; a left_at (or
// an exit's zone) different from the one stored is a conflict (409).
func (s *Service) Presence(ctx context.Context, p *ss.Principal, in []PresenceInput) (kpi.Result, error) {
	var codes []string
	for i, it := range in {
		if p != nil && !p.CanSeeStore(it.Store) {
			return kpi.Result{}, ss.Errorf(ss.EFORBIDDEN, fmt.Sprintf("[%d].store", i), "this token may not write store %q", it.Store)
		}
		if ss.ValidCode(it.Store) && !slices.Contains(codes, it.Store) {
			codes = append(codes, it.Store)
		}
	}
	refs, err := s.stores(ctx, s.pool, codes)
	if err != nil {
		return kpi.Result{}, err
	}
	now := s.now()
	var be ss.BatchError
	var pres []presenceRow
	var exits []exitRow
	for i := range in {
		it := &in[i]
		ref := refs[it.Store]
		switch {
		case !ss.ValidCode(it.Store):
			be.Add(i, "store", "store code %q is missing or malformed", it.Store)
		case ref == nil:
			be.Add(i, "store", "unknown store %q", it.Store)
		}
		if p := ss.TextProblem("track", it.Track, 64); p != "" || it.Track == "" {
			if p == "" {
				p = "track is required: the anonymous floor track id"
			}
			be.Add(i, "track", "%s", p)
		}
		at := ss.ParseInstant(i, "at", it.At, now, &be)
		switch {
		case it.Lane == "" && it.Zone == "":
			be.Add(i, "lane", "give lane (the till the track is at) or zone (the entrance it left through)")
		case it.Lane != "" && it.Zone != "":
			be.Add(i, "zone", "give lane or zone, not both: a presence is at a till or an exit through an entrance")
		case it.Lane != "":
			if ref != nil && ref.Lanes[it.Lane] == "" {
				be.Add(i, "lane", "no lane %q in store %q: lanes are the lane properties of its checkout zones", it.Lane, it.Store)
			}
			row := presenceRow{i: i}
			if it.LeftAt != "" {
				left := ss.ParseInstant(i, "left_at", it.LeftAt, now, &be)
				if left.Before(at) {
					be.Add(i, "left_at", "left_at %s is before at %s", it.LeftAt, it.At)
				}
				row.leftAt = &left
			}
			if ref != nil {
				row.key = presenceKey{ref.ID, it.Lane, it.Track, at}
				pres = append(pres, row)
			}
		default:
			if ref != nil && !ref.Exits[it.Zone] {
				be.Add(i, "zone", "no entrance zone %q in store %q: an exit names a zone of kind entrance", it.Zone, it.Store)
			}
			if it.LeftAt != "" {
				be.Add(i, "left_at", "an exit through an entrance has no left_at: its at is when the track left")
			}
			if ref != nil {
				exits = append(exits, exitRow{i: i, key: exitKey{ref.ID, it.Track, at}, zone: it.Zone})
			}
		}
	}
	if err := be.Err(); err != nil {
		return kpi.Result{}, err
	}
	var res kpi.Result
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		changed := map[int64]bool{}
		a, err := storePresences(ctx, tx, pres, changed)
		if err != nil {
			return err
		}
		b, err := storeExits(ctx, tx, exits, changed)
		if err != nil {
			return err
		}
		res = kpi.Result{Accepted: a + b, Duplicates: len(in) - a - b}
		return notify(ctx, tx, changed)
	})
	if err != nil {
		var be *ss.BatchError
		if errors.As(err, &be) {
			return kpi.Result{}, be
		}
		return kpi.Result{}, fmt.Errorf("checkout: store presence: %w", err)
	}
	return res, nil
}

// storePresences stores rows, comparing them with those stored (locked
// until commit) and with each other; it returns how many changed state.
func storePresences(ctx context.Context, tx pgx.Tx, rows []presenceRow, changed map[int64]bool) (int, error) {
	if len(rows) == 0 {
		return 0, nil
	}
	stores, lanes, tracks, ats := make([]int64, len(rows)), make([]string, len(rows)), make([]string, len(rows)), make([]time.Time, len(rows))
	for k, r := range rows {
		stores[k], lanes[k], tracks[k], ats[k] = r.key.store, r.key.lane, r.key.track, r.key.at
	}
	q, err := tx.Query(ctx, `SELECT p.store_id, p.lane, p.track, p.at, p.left_at FROM checkout_presence p
JOIN unnest($1::bigint[], $2::text[], $3::text[], $4::timestamptz[]) u(s, l, t, a) ON p.store_id = u.s AND p.lane = u.l AND p.track = u.t AND p.at = u.a
FOR UPDATE OF p`, stores, lanes, tracks, ats)
	if err != nil {
		return 0, err
	}
	stored := map[presenceKey]*time.Time{}
	for q.Next() {
		var k presenceKey
		var left *time.Time
		if err := q.Scan(&k.store, &k.lane, &k.track, &k.at, &left); err != nil {
			q.Close()
			return 0, err
		}
		k.at = k.at.UTC()
		stored[k] = left
	}
	q.Close()
	if err := q.Err(); err != nil {
		return 0, err
	}
	var conflicts ss.BatchError
	conflicts.Code = ss.ECONFLICT
	n := 0
	writes := map[presenceKey]*time.Time{}
	for _, r := range rows {
		cur, known := stored[r.key]
		switch {
		case known && cur != nil && r.leftAt != nil && !cur.Equal(*r.leftAt):
			conflicts.Add(r.i, "left_at", "this presence already left at %s, not %s", cur.UTC().Format(time.RFC3339Nano), r.leftAt.Format(time.RFC3339Nano))
			continue
		case known && (cur != nil || r.leftAt == nil):
			continue // a replay, or an entry sent again after its leave
		}
		stored[r.key], writes[r.key] = r.leftAt, r.leftAt
		changed[r.key.store] = true
		n++
	}
	if err := conflicts.Err(); err != nil {
		return 0, err
	}
	if len(writes) == 0 {
		return n, nil
	}
	stores, lanes, tracks, ats = stores[:0], lanes[:0], tracks[:0], ats[:0]
	lefts := make([]*time.Time, 0, len(writes))
	for k, left := range writes {
		stores, lanes, tracks, ats, lefts = append(stores, k.store), append(lanes, k.lane), append(tracks, k.track), append(ats, k.at), append(lefts, left)
	}
	// One statement for the batch: each key once (writes), so no row is
	// updated twice; a leave fills the left_at of an entry stored before.
	if _, err := tx.Exec(ctx, `INSERT INTO checkout_presence (store_id, lane, track, at, left_at)
SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::timestamptz[], $5::timestamptz[])
ON CONFLICT (store_id, lane, track, at) DO UPDATE SET left_at = excluded.left_at WHERE checkout_presence.left_at IS NULL`,
		stores, lanes, tracks, ats, lefts); err != nil {
		return 0, err
	}
	return n, nil
}

// storeExits stores rows as storePresences does; an exit's zone is fixed.
func storeExits(ctx context.Context, tx pgx.Tx, rows []exitRow, changed map[int64]bool) (int, error) {
	if len(rows) == 0 {
		return 0, nil
	}
	stores, tracks, ats := make([]int64, len(rows)), make([]string, len(rows)), make([]time.Time, len(rows))
	for k, r := range rows {
		stores[k], tracks[k], ats[k] = r.key.store, r.key.track, r.key.at
	}
	q, err := tx.Query(ctx, `SELECT x.store_id, x.track, x.at, x.zone FROM checkout_exits x
JOIN unnest($1::bigint[], $2::text[], $3::timestamptz[]) u(s, t, a) ON x.store_id = u.s AND x.track = u.t AND x.at = u.a
FOR UPDATE OF x`, stores, tracks, ats)
	if err != nil {
		return 0, err
	}
	seen := map[exitKey]string{}
	for q.Next() {
		var k exitKey
		var zone string
		if err := q.Scan(&k.store, &k.track, &k.at, &zone); err != nil {
			q.Close()
			return 0, err
		}
		k.at = k.at.UTC()
		seen[k] = zone
	}
	q.Close()
	if err := q.Err(); err != nil {
		return 0, err
	}
	var conflicts ss.BatchError
	conflicts.Code = ss.ECONFLICT
	stores, tracks, ats = stores[:0], tracks[:0], ats[:0]
	var zones []string
	for _, r := range rows {
		if zone, known := seen[r.key]; known {
			if zone != r.zone {
				conflicts.Add(r.i, "zone", "this track's exit at %s is already stored through %q, not %q", r.key.at.Format(time.RFC3339Nano), zone, r.zone)
			}
			continue
		}
		seen[r.key] = r.zone
		stores, tracks, ats, zones = append(stores, r.key.store), append(tracks, r.key.track), append(ats, r.key.at), append(zones, r.zone)
		changed[r.key.store] = true
	}
	if err := conflicts.Err(); err != nil {
		return 0, err
	}
	if len(zones) == 0 {
		return 0, nil
	}
	if _, err := tx.Exec(ctx, `INSERT INTO checkout_exits (store_id, track, at, zone)
SELECT * FROM unnest($1::bigint[], $2::text[], $3::timestamptz[], $4::text[]) ON CONFLICT DO NOTHING`, stores, tracks, ats, zones); err != nil {
		return 0, err
	}
	return len(zones), nil
}
