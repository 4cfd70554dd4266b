package checkout_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/app"
	"github.com/shrinkscope/shrinkscope/checkout"
)

func flagged(st checkout.LaneStatus) bool   { return st.Flagged }
func unflagged(st checkout.LaneStatus) bool { return !st.Flagged }

// A shopper conceals cosmetics in aisle A1 and walks to lane 2: the lane
// answers flagged with the category, value and the default policy's
// action (one item of 12.50: nudge). A shopper who concealed nothing is
// not flagged at lane 3. When the first leaves, lane 2 is clear.
func TestLaneFlagsTrackWithOpenConcealment(t *testing.T) {
	t.Parallel()
	w := setup(t)
	occurred := w.t0.Add(-6 * time.Minute)
	ev := w.conceal("C1", "A1", "f-aa01", occurred, -1)
	w.presence(at("C1", "2", "f-aa01", w.t0.Add(-time.Minute)), at("C1", "3", "f-bb02", w.t0.Add(-time.Minute)))

	st := w.lane(w.co, "C1", "2", flagged)
	if !st.Flagged || st.Track == nil || *st.Track != "f-aa01" || st.Action != checkout.ActionNudge {
		t.Fatalf("lane 2: %+v, want flagged f-aa01 with nudge", st)
	}
	if len(st.Items) != 1 || st.Items[0].Event.String() != ev || st.Items[0].Category != "cosmetics" || st.Items[0].EstValue != 12.5 ||
		st.Items[0].Method != ss.MethodPocket || st.Items[0].Zone != "A1" || !st.Items[0].OccurredAt.Equal(occurred) {
		t.Errorf("lane 2 items %+v, want the one cosmetics concealment of 12.50 in A1", st.Items)
	}
	if st.Currency != "GBP" || st.Store != "C1" || st.Lane != "2" || len(st.Reasons) != 1 {
		t.Errorf("lane 2: %+v", st)
	}
	if st3 := w.lane(w.co, "C1", "3", unflagged); st3.Flagged || st3.Track != nil || len(st3.Items) != 0 || st3.Action != checkout.ActionNone {
		t.Errorf("lane 3 with a shopper who concealed nothing: %+v, want unflagged, no track, none", st3)
	}
	w.presence(left("C1", "2", "f-aa01", w.t0.Add(-time.Minute), w.t0))
	if st := w.lane(w.co, "C1", "2", unflagged); st.Flagged || st.Action != checkout.ActionNone {
		t.Errorf("lane 2 after the track left: %+v, want clear", st)
	}
	// The presence's replay changes nothing.
	res, err := w.co.Presence(w.ctx, nil, []checkout.PresenceInput{left("C1", "2", "f-aa01", w.t0.Add(-time.Minute), w.t0), at("C1", "2", "f-aa01", w.t0.Add(-time.Minute))})
	if err != nil || res.Accepted != 0 || res.Duplicates != 2 {
		t.Errorf("replay: %+v %v, want 2 duplicates", res, err)
	}
	if st := w.lane(w.co, "C1", "2", unflagged); st.Flagged {
		t.Errorf("lane 2 after a replayed entry: %+v, want clear", st)
	}
}

// Concealments of a track older than the visit window when it reached the
// lane, and events of a store on another model, flag nothing; nor does a
// presence whose leave was lost, once the visit window has passed.
func TestLaneVisitWindowAndModel(t *testing.T) {
	t.Parallel()
	w := setup(t)
	// 45 min (the default window) before arrival is in; a second more is out.
	arrive := w.t0.Add(-time.Minute)
	w.conceal("C1", "A1", "f-old", arrive.Add(-45*time.Minute-time.Second), -1)
	w.conceal("C1", "A2", "f-edge", arrive.Add(-45*time.Minute), -1)
	w.conceal("D1", "A1", "f-det", arrive.Add(-time.Minute), -1)
	w.presence(at("C1", "2", "f-old", arrive), at("C1", "3", "f-edge", arrive), at("D1", "2", "f-det", arrive))
	if st := w.lane(w.co, "C1", "3", flagged); !st.Flagged || len(st.Items) != 1 || st.Items[0].Category != "spirits" {
		t.Errorf("lane 3, concealment exactly 45 min before arrival: %+v, want flagged spirits", st)
	}
	if st := w.lane(w.co, "C1", "2", flagged); st.Flagged {
		t.Errorf("lane 2, concealment 45 min 1 s before arrival: %+v, want not flagged", st)
	}
	if st := w.lane(w.co, "D1", "2", flagged); st.Flagged {
		t.Errorf("detection store's lane: %+v, want not flagged", st)
	}
	if n := w.count(`SELECT count(*) FROM checkout_items i JOIN stores s ON s.id = i.store_id WHERE s.code = 'D1'`); n != 0 {
		t.Errorf("detection store's event recorded as %d open concealments, want 0", n)
	}
	// 45 min after arrival the track is no longer taken to be at the lane.
	w.clock.Set(arrive.Add(45 * time.Minute))
	if st := w.lane(w.co, "C1", "3", unflagged); st.Flagged {
		t.Errorf("lane 3 a visit window after arrival, no leave: %+v, want clear", st)
	}
}

// Unknown lanes and stores are 404 naming them; a checkout zone without a
// lane is not a lane.
func TestLaneNotFound(t *testing.T) {
	t.Parallel()
	w := setup(t)
	for _, c := range []struct{ store, lane, field string }{
		{"C1", "9", "lane"}, {"C1", "K9", "lane"}, {"C1", "", "lane"}, {"ZZ", "2", "store"},
	} {
		_, err := w.co.Lane(w.ctx, c.store, c.lane)
		var e *ss.Error
		if ss.ErrorCode(err) != ss.ENOTFOUND || !asError(err, &e) || e.Field != c.field {
			t.Errorf("lane %s/%s: %v, want not found naming %s", c.store, c.lane, err, c.field)
		}
	}
}

// Two services on one database: a presence posted through one is answered
// by the other within a second.
func TestLaneAcrossReplicas(t *testing.T) {
	t.Parallel()
	w := setup(t)
	other := app.New(w.pool).WithCheckout(checkout.Config{Now: w.clock.Now, Poll: time.Hour}) // only NOTIFY can tell it
	t.Cleanup(other.Checkout.Close)
	w.conceal("C1", "A2", "f-rep", w.t0.Add(-time.Minute), -1)
	// Both replicas have loaded their state before the presence.
	for _, co := range []*checkout.Service{w.co, other.Checkout} {
		if st, err := co.Lane(w.ctx, "C1", "2"); err != nil || st.Flagged {
			t.Fatalf("before: %+v %v", st, err)
		}
	}
	start := time.Now()
	w.presence(at("C1", "2", "f-rep", w.t0))
	st := w.lane(other.Checkout, "C1", "2", flagged)
	took := time.Since(start)
	if !st.Flagged || *st.Track != "f-rep" {
		t.Fatalf("the other replica: %+v after %v, want flagged", st, took)
	}
	if took > time.Second {
		t.Errorf("the other replica answered after %v, want within a second", took)
	}
	// The outcome posted through the second clears the lane on the first.
	if _, err := other.Checkout.Outcomes(w.ctx, nil, []checkout.OutcomeInput{{Store: "C1", Lane: "2", Track: "f-rep", Outcome: ss.OutcomePaid}}); err != nil {
		t.Fatal(err)
	}
	start = time.Now()
	if st := w.lane(w.co, "C1", "2", unflagged); st.Flagged || time.Since(start) > time.Second {
		t.Errorf("first replica after the other's outcome: %+v after %v, want clear within a second", st, time.Since(start))
	}
}

// The lane answer's JSON names only what the contract lists: nothing of
// the person.
func TestLaneAnswerFields(t *testing.T) {
	t.Parallel()
	w := setup(t)
	w.conceal("C1", "A1", "f-json", w.t0.Add(-time.Minute), -1)
	w.presence(at("C1", "2", "f-json", w.t0))
	st := w.lane(w.co, "C1", "2", flagged)
	keys := jsonKeys(t, st)
	want := []string{"action", "as_of", "currency", "flagged", "items", "lane", "reasons", "store", "track"}
	if !slices.Equal(keys, want) {
		t.Errorf("lane answer keys %v, want %v", keys, want)
	}
	items := jsonKeys(t, st.Items[0])
	if want := []string{"category", "est_value", "event", "method", "occurred_at", "zone"}; !slices.Equal(items, want) {
		t.Errorf("item keys %v, want %v", items, want)
	}
}

// A batch holding a presence's entry and its leave stores one presence,
// left; an exit's replay is a duplicate, and the same exit through
// another entrance a conflict naming the item's zone; nothing of a
// refused batch is stored.
func TestPresenceBatches(t *testing.T) {
	t.Parallel()
	w := setup(t)
	arrive := w.t0.Add(-2 * time.Minute)
	res, err := w.co.Presence(w.ctx, nil, []checkout.PresenceInput{at("C1", "2", "f-b", arrive), left("C1", "2", "f-b", arrive, w.t0),
		exit("C1", "E1", "f-b", w.t0.Add(time.Second))})
	if err != nil || res.Accepted != 3 || res.Duplicates != 0 {
		t.Fatalf("entry, leave and exit in one batch: %+v %v, want 3 accepted", res, err)
	}
	if n := w.count(`SELECT count(*) FROM checkout_presence WHERE track = 'f-b' AND left_at IS NOT NULL`); n != 1 {
		t.Errorf("%d presences of f-b left, want 1", n)
	}
	res, err = w.co.Presence(w.ctx, nil, []checkout.PresenceInput{exit("C1", "E1", "f-b", w.t0.Add(time.Second))})
	if err != nil || res.Duplicates != 1 {
		t.Errorf("exit replayed: %+v %v, want a duplicate", res, err)
	}
	_, err = w.co.Presence(w.ctx, nil, []checkout.PresenceInput{at("C1", "3", "f-c", arrive), exit("C1", "E2", "f-b", w.t0.Add(time.Second))})
	be, ok := err.(*ss.BatchError)
	if !ok || be.Code != ss.ECONFLICT || be.Items[0].Index != 1 || be.Items[0].Field != "zone" {
		t.Errorf("the exit through another door: %v, want a conflict naming item 1's zone", err)
	}
	_, err = w.co.Presence(w.ctx, nil, []checkout.PresenceInput{left("C1", "3", "f-c", arrive, w.t0), left("C1", "3", "f-c", arrive, w.t0.Add(time.Second))})
	if be, ok := err.(*ss.BatchError); !ok || be.Code != ss.ECONFLICT || be.Items[0].Index != 1 || be.Items[0].Field != "left_at" {
		t.Errorf("two leaves of one presence: %v, want a conflict naming item 1's left_at", err)
	}
	if n := w.count(`SELECT count(*) FROM checkout_presence WHERE track = 'f-c'`); n != 0 {
		t.Errorf("%d presences of f-c stored by refused batches, want 0", n)
	}
}

// With the database out of reach, a lookup is 503 (retry), never an answer
// from nothing nor a 4xx.
func TestLaneUnavailable(t *testing.T) {
	t.Parallel()
	pool, err := pgxpool.New(context.Background(), "postgres://nobody@127.0.0.1:1/none?sslmode=disable&connect_timeout=1")
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	co := checkout.New(pool, nil, checkout.Config{})
	defer co.Close()
	if _, err := co.Lane(context.Background(), "C1", "2"); ss.ErrorCode(err) != ss.EUNAVAILABLE {
		t.Errorf("lookup with no database: %v, want unavailable", err)
	}
}

// A change whose notification never came (written here straight to the
// table, with no NOTIFY) reaches the lane state by the poll, within Poll
// (300 ms in setup) and so within a second.
func TestLanePollCatchesAMissedNotification(t *testing.T) {
	t.Parallel()
	w := setup(t)
	w.conceal("C1", "A1", "f-poll", w.t0.Add(-time.Minute), -1)
	if st, err := w.co.Lane(w.ctx, "C1", "3"); err != nil || st.Flagged {
		t.Fatalf("before: %+v %v", st, err)
	}
	if _, err := w.pool.Exec(w.ctx, `INSERT INTO checkout_presence (store_id, lane, track, at)
SELECT id, '3', 'f-poll', $1 FROM stores WHERE code = 'C1'`, w.t0); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	st := w.lane(w.co, "C1", "3", flagged)
	if !st.Flagged || time.Since(start) > time.Second {
		t.Errorf("lane 3 %v after a silent write: %+v, want flagged within a second", time.Since(start), st)
	}
}

// A replica told not to LISTEN (its only way to the database a pooler in
// transaction mode) reloads through the pool every Poll: another
// service's presence reaches it within a second all the same.
func TestLaneWithoutListen(t *testing.T) {
	t.Parallel()
	w := setup(t)
	polled := app.New(w.pool).WithCheckout(checkout.Config{Now: w.clock.Now, Poll: 300 * time.Millisecond, NoListen: true})
	t.Cleanup(polled.Checkout.Close)
	w.conceal("C1", "A2", "f-nl", w.t0.Add(-time.Minute), -1)
	if st, err := polled.Checkout.Lane(w.ctx, "C1", "2"); err != nil || st.Flagged {
		t.Fatalf("before: %+v %v", st, err)
	}
	start := time.Now()
	w.presence(at("C1", "2", "f-nl", w.t0))
	st := w.lane(polled.Checkout, "C1", "2", flagged)
	if took := time.Since(start); !st.Flagged || took > time.Second {
		t.Errorf("the polling replica %v after the presence: %+v, want flagged within a second", took, st)
	}
}
