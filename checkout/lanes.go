package checkout

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	ss "github.com/shrinkscope/shrinkscope"
)

// The lane answer comes from the serving replica's memory: every store
// with lanes, its policy, the tracks at its lanes and their open
// concealments. A connection of the replica's own (Config.Listen, straight
// to PostgreSQL: through PgBouncer's transaction pooling a LISTEN hears
// nothing) LISTENs on checkout_changes, which every change's transaction
// notifies with its store's id on commit, and reloads that store; every
// Poll it reloads every store, so a notification lost costs at most Poll.
// Told not to LISTEN (Config.NoListen), or unable to connect, it reloads
// every store through the pool every Poll instead. The first lookup starts
// it; a lost connection stops it, and the next lookup starts it again. A
// lookup never answers from state older than Stale: it answers 503 instead.

// LaneStatus is what the point of sale asks of its lane: whether a track
// with open concealments stands at it, that track and its concealments,
// and what the store's policy does about it. Money is in Currency.
type LaneStatus struct {
	Store    string      `json:"store"`
	Lane     string      `json:"lane"`
	Flagged  bool        `json:"flagged"`
	Track    *string     `json:"track"` // null when not flagged
	Items    []Item      `json:"items"`
	Action   Action      `json:"action"`
	Reasons  []string    `json:"reasons"`
	Currency ss.Currency `json:"currency"`
	// AsOf is when the replica last read the lane's state (the service
	// clock).
	AsOf time.Time `json:"as_of"`
}

// storeLanes is one store's lane state in memory.
type storeLanes struct {
	id       int64
	code     string
	currency ss.Currency
	policy   Policy
	lanes    map[string]string // lane → checkout zone
	here     map[string][]here // lane → tracks there, by arrival
	items    map[string][]Item // track → its open concealments, by time
}

// here is a track at a lane since at.
type here struct {
	track string
	at    time.Time
}

// batcher is the lane state's connection, or the pool when it polls.
type batcher interface {
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
}

type laneState struct {
	pool *pgxpool.Pool
	cfg  Config

	mu       sync.RWMutex
	stores   map[string]*storeLanes // by code
	ids      map[int64]string       // code by id
	asOf     time.Time              // service clock at the last load
	loadedAt time.Time              // wall clock at the last load
	running  bool
	closed   bool // Close was called: it does not start again
	stop     context.CancelFunc
	starting sync.Mutex // one start at a time
}

func newLaneState(pool *pgxpool.Pool, cfg Config) *laneState {
	return &laneState{pool: pool, cfg: cfg, stores: map[string]*storeLanes{}, ids: map[int64]string{}}
}

func (l *laneState) close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.stop != nil {
		l.stop()
		l.stop = nil
	}
	l.running, l.closed = false, true
}

// ready starts the state when it is not running, and reports whether it
// may answer: fresh within Stale.
func (l *laneState) ready(ctx context.Context) error {
	l.mu.RLock()
	ok := l.running && time.Since(l.loadedAt) <= l.cfg.Stale
	running := l.running
	l.mu.RUnlock()
	if ok {
		return nil
	}
	if !running {
		if err := l.start(ctx); err != nil {
			l.cfg.Log.Warn("checkout lane state could not start", "error", err)
			return ss.Errorf(ss.EUNAVAILABLE, "", "the lane state is not available yet: retry")
		}
		return nil
	}
	return ss.Errorf(ss.EUNAVAILABLE, "", "the lane state is behind the database: retry")
}

// start connects, LISTENs, loads every store and runs the loop.
func (l *laneState) start(ctx context.Context) error {
	l.starting.Lock()
	defer l.starting.Unlock()
	l.mu.RLock()
	running, closed := l.running, l.closed
	l.mu.RUnlock()
	switch {
	case closed:
		return errClosed
	case running:
		return nil
	}
	var conn *pgx.Conn // nil: poll through the pool
	if !l.cfg.NoListen {
		lc := l.cfg.Listen
		if lc == nil {
			lc = l.pool.Config().ConnConfig
		}
		c, err := pgx.ConnectConfig(ctx, lc.Copy())
		if err == nil {
			if _, err = c.Exec(ctx, `LISTEN `+notifyChannel); err != nil {
				c.Close(context.Background())
			}
		}
		if err != nil {
			l.cfg.Log.Warn("checkout lane state cannot LISTEN; it reloads through the pool every poll", "error", err)
		} else {
			conn = c
		}
	}
	var err error
	if conn != nil {
		err = l.load(ctx, conn, nil)
	} else {
		err = l.load(ctx, l.pool, nil)
	}
	if err != nil {
		if conn != nil {
			conn.Close(context.Background())
		}
		return fmt.Errorf("checkout: lanes: %w", err)
	}
	run, stop := context.WithCancel(context.Background())
	l.mu.Lock()
	if l.closed { // closed while connecting
		l.mu.Unlock()
		stop()
		conn.Close(context.Background())
		return errClosed
	}
	l.running, l.stop = true, stop
	l.mu.Unlock()
	if conn == nil {
		go l.poll(run)
	} else {
		go l.run(run, conn)
	}
	return nil
}

// poll reloads every store through the pool every Poll, for a replica
// that does not LISTEN.
func (l *laneState) poll(ctx context.Context) {
	t := time.NewTicker(l.cfg.Poll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := l.load(ctx, l.pool, nil); err != nil {
			if ctx.Err() == nil {
				l.cfg.Log.Warn("checkout lane state could not reload; the next lookup starts it again", "error", err)
				l.mu.Lock()
				l.running = false
				if l.stop != nil {
					l.stop()
					l.stop = nil
				}
				l.mu.Unlock()
			}
			return
		}
	}
}

// errClosed is a start after Close.
var errClosed = errors.New("checkout: lanes: closed")

func (l *laneState) run(ctx context.Context, conn *pgx.Conn) {
	defer conn.Close(context.Background())
	full := time.Now()
	fail := func(err error) {
		if ctx.Err() != nil {
			return
		}
		l.cfg.Log.Warn("checkout lane state lost its connection; the next lookup reconnects", "error", err)
		l.mu.Lock()
		l.running = false
		if l.stop != nil {
			l.stop()
			l.stop = nil
		}
		l.mu.Unlock()
	}
	for {
		wait, cancel := context.WithTimeout(ctx, max(time.Until(full.Add(l.cfg.Poll)), time.Millisecond))
		note, err := conn.WaitForNotification(wait)
		cancel()
		if ctx.Err() != nil {
			return
		}
		if err != nil && !errors.Is(err, context.DeadlineExceeded) {
			fail(err)
			return
		}
		// Take every notification already queued: a burst of writers
		// costs one read of their stores.
		stores, all := map[int64]bool{}, note == nil
		for note != nil {
			if id, err := strconv.ParseInt(note.Payload, 10, 64); err == nil {
				stores[id] = true
			} else {
				all = true
			}
			drain, cancel := context.WithTimeout(ctx, time.Millisecond)
			note, err = conn.WaitForNotification(drain)
			cancel()
			if err != nil && !errors.Is(err, context.DeadlineExceeded) {
				fail(err)
				return
			}
		}
		if all || time.Since(full) >= l.cfg.Poll {
			full = time.Now()
			stores = nil
		}
		ids := make([]int64, 0, len(stores))
		for id := range stores {
			ids = append(ids, id)
		}
		if stores == nil {
			ids = nil
		}
		if err := l.load(ctx, conn, ids); err != nil {
			fail(err)
			return
		}
	}
}

// load reads the lane state of stores ids (nil: every store) and puts it
// in place of what the replica held for them.
func (l *laneState) load(ctx context.Context, conn batcher, ids []int64) error {
	now := l.cfg.Now().UTC()
	loaded := time.Now()
	var b pgx.Batch
	b.Queue(`SELECT s.id, s.code, coalesce(s.currency, ''),
    p.nudge_min_value::float8, p.block_min_value::float8, p.block_min_items, p.block_on_repeat, p.visit_minutes
FROM store_directory s LEFT JOIN checkout_policy p ON p.store_id = s.id
WHERE s.id IN (SELECT store_id FROM checkout_zones WHERE lane <> '') AND ($1::bigint[] IS NULL OR s.id = ANY($1))`, ids)
	b.Queue(`SELECT store_id, lane, zone FROM checkout_zones WHERE lane <> '' AND ($1::bigint[] IS NULL OR store_id = ANY($1))`, ids)
	b.Queue(`SELECT store_id, lane, track, at FROM checkout_presence
WHERE left_at IS NULL AND at > $2::timestamptz - make_interval(mins => $3) AND ($1::bigint[] IS NULL OR store_id = ANY($1))
ORDER BY at`, ids, now, maxVisitMins)
	b.Queue(`SELECT i.store_id, i.track, i.event_id, i.category, i.est_value::float8, i.method, i.zone, i.occurred_at
FROM checkout_items i
WHERE i.resolved_at IS NULL AND i.occurred_at > $2::timestamptz - make_interval(mins => 2 * $3) AND ($1::bigint[] IS NULL OR i.store_id = ANY($1))
  AND EXISTS (SELECT 1 FROM checkout_presence p WHERE p.store_id = i.store_id AND p.track = i.track
              AND p.left_at IS NULL AND p.at > $2::timestamptz - make_interval(mins => $3))
ORDER BY i.occurred_at, i.event_id`, ids, now, maxVisitMins)
	br := conn.SendBatch(ctx, &b)
	defer br.Close()
	fresh := map[int64]*storeLanes{}
	rows, _ := br.Query()
	for rows.Next() {
		st := &storeLanes{lanes: map[string]string{}, here: map[string][]here{}, items: map[string][]Item{}, policy: DefaultPolicy}
		var nudge, block *float64
		var items, visit *int
		var repeat *bool
		if err := rows.Scan(&st.id, &st.code, &st.currency, &nudge, &block, &items, &repeat, &visit); err != nil {
			rows.Close()
			return fmt.Errorf("load stores: %w", err)
		}
		if nudge != nil {
			st.policy = Policy{NudgeMinValue: *nudge, BlockMinValue: *block, BlockMinItems: *items, BlockOnRepeat: *repeat, VisitMinutes: *visit}
		}
		fresh[st.id] = st
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("load stores: %w", err)
	}
	rows, _ = br.Query()
	for rows.Next() {
		var id int64
		var lane, zone string
		if err := rows.Scan(&id, &lane, &zone); err != nil {
			rows.Close()
			return fmt.Errorf("load lanes: %w", err)
		}
		if st := fresh[id]; st != nil {
			st.lanes[lane] = zone
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("load lanes: %w", err)
	}
	rows, _ = br.Query()
	for rows.Next() {
		var id int64
		var lane string
		var h here
		if err := rows.Scan(&id, &lane, &h.track, &h.at); err != nil {
			rows.Close()
			return fmt.Errorf("load presence: %w", err)
		}
		if st := fresh[id]; st != nil {
			h.at = h.at.UTC()
			st.here[lane] = append(st.here[lane], h)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("load presence: %w", err)
	}
	rows, _ = br.Query()
	for rows.Next() {
		var id int64
		var track string
		var it Item
		if err := rows.Scan(&id, &track, &it.Event, &it.Category, &it.EstValue, &it.Method, &it.Zone, &it.OccurredAt); err != nil {
			rows.Close()
			return fmt.Errorf("load concealments: %w", err)
		}
		if st := fresh[id]; st != nil {
			it.OccurredAt = it.OccurredAt.UTC()
			st.items[track] = append(st.items[track], it)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("load concealments: %w", err)
	}
	if err := br.Close(); err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if ids == nil {
		l.stores, l.ids = map[string]*storeLanes{}, map[int64]string{}
	}
	for _, id := range ids {
		if code, ok := l.ids[id]; ok {
			delete(l.stores, code)
			delete(l.ids, id)
		}
	}
	for id, st := range fresh {
		l.stores[st.code], l.ids[id] = st, st.code
	}
	l.asOf, l.loadedAt = now, loaded
	return nil
}

// Lane answers store code's lane from the replica's memory. An unknown
// store or lane is ENOTFOUND naming it.
func (s *Service) Lane(ctx context.Context, code, lane string) (LaneStatus, error) {
	l := s.lanes
	if err := l.ready(ctx); err != nil {
		return LaneStatus{}, err
	}
	l.mu.RLock()
	st, asOf := l.stores[code], l.asOf
	var out LaneStatus
	var ok bool
	if st != nil {
		out, ok = st.status(lane, s.cfg.Now().UTC())
	}
	l.mu.RUnlock()
	if st == nil {
		// Not in memory: a store without lanes, or none at all.
		var known bool
		if err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM store_directory WHERE code = $1)`, code).Scan(&known); err != nil {
			return LaneStatus{}, fmt.Errorf("checkout: lane %s/%s: %w", code, lane, err)
		}
		if !known {
			return LaneStatus{}, ss.Errorf(ss.ENOTFOUND, "store", "no store with code %q", code)
		}
	}
	if !ok {
		return LaneStatus{}, ss.Errorf(ss.ENOTFOUND, "lane", "no lane %q in store %q", lane, code)
	}
	out.AsOf = asOf
	return out, nil
}

// status is lane's answer at now; false when the store has no such lane.
// Of the tracks at the lane (arrived within the visit window, not left),
// the answer is the one whose concealments the policy treats the hardest,
// then the one of most value, then the first there.
func (st *storeLanes) status(lane string, now time.Time) (LaneStatus, bool) {
	if _, ok := st.lanes[lane]; !ok {
		return LaneStatus{}, false
	}
	out := LaneStatus{Store: st.code, Lane: lane, Items: []Item{}, Action: ActionNone, Reasons: []string{}, Currency: st.currency}
	visit := st.policy.Visit()
	rank := map[Action]int{ActionNone: 0, ActionNudge: 1, ActionBlock: 2}
	var bestValue int64
	for _, h := range st.here[lane] {
		if !h.at.After(now.Add(-visit)) {
			continue // its leave was lost: it is not at the lane any more
		}
		var items []Item
		var value int64
		for _, it := range st.items[h.track] {
			if !it.OccurredAt.Before(h.at.Add(-visit)) && !it.OccurredAt.After(now) {
				items = append(items, it)
				value += cents(it.EstValue)
			}
		}
		if len(items) == 0 {
			continue
		}
		act, reasons := st.policy.Decide(items, st.currency)
		if out.Flagged && (rank[act] < rank[out.Action] || rank[act] == rank[out.Action] && value <= bestValue) {
			continue
		}
		track := h.track
		out.Flagged, out.Track, out.Items, out.Action, out.Reasons, bestValue = true, &track, items, act, reasons, value
	}
	return out, true
}
